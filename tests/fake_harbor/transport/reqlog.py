"""The request log (every API request; /_fake/* control calls excluded)."""

import threading

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestLog:
    def __init__(self):
        self._entries = []
        self._seq = 0
        self._lock = threading.Lock()

    def add(self, entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)

    def entries(self, since=None, writes_only=False):
        with self._lock:
            items = [dict(e) for e in self._entries]
        if since is not None:
            items = [e for e in items if e["seq"] > since]
        if writes_only:
            items = [e for e in items if e["method"] in WRITE_METHODS]
        return items

    @property
    def last_seq(self):
        with self._lock:
            return self._seq

    def clear(self):
        """Forget the entries; ``seq`` keeps counting so marks stay valid."""
        with self._lock:
            self._entries = []
