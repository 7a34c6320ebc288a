"""Fault injection rules.

A rule (JSON for ``POST /_fake/faults`` or kwargs of ``FakeHarbor.add_fault``)::

    {
      "method": "POST",               # or "POST,PUT" (any of them), "*" / omitted = any method
      "path": "^/api/v2.0/projects$", # regex, re.search() on the request path (no query string)
      "action": "status",             # status | delay | reset | after_write | reset_after_write
      "status": 503,                  # for status / after_write (400-599)
      "delay": 0.5,                   # seconds; for "delay" (and optional before any action)
      "retry_after": 3,               # optional Retry-After header (status / after_write)
      "times": 1,                     # optional; omitted/null = unlimited
      "rate": 0.05,                   # optional; the share of matching requests the rule hits (0 < rate <= 1)
      "seed": 7                       # optional, with rate: seed of the rule's own random sequence
    }

Actions:
* ``status``: answer at once with ``status`` and Harbor's error body;
  nothing is processed.
* ``delay``: sleep ``delay`` seconds, then go on normally (further rules
  still apply).
* ``reset``: close the connection abruptly, no response at all.
* ``after_write``: process the request normally (state changes happen), then
  answer ``status`` instead of the real response.
* ``reset_after_write``: process the request normally, then close the
  connection without an answer (a write whose outcome the client never sees).

A rule with ``rate`` draws from its own seeded random sequence for every
matching request and hits only that share of them; the fault campaign
(tests/integration/test_faults.py) builds its mix from such rules.

Rules are checked in the order they were added; all matching ``delay`` rules
apply, the first matching rule with another action ends the scan.
"""

import random
import re
import threading

ACTIONS = ("status", "delay", "reset", "after_write", "reset_after_write")


class FaultError(ValueError):
    """A malformed rule."""


class FaultRule:
    def __init__(self, rule_id, spec):
        if not isinstance(spec, dict):
            raise FaultError("a fault rule must be a JSON object")
        keys = {"method", "path", "action", "status", "delay", "retry_after", "times", "message", "rate", "seed"}
        unknown = set(spec) - keys
        if unknown:
            raise FaultError("unknown fault rule keys: %s" % ", ".join(sorted(unknown)))
        self.id = rule_id
        self.method = str(spec.get("method") or "*").upper()
        self.methods = {m.strip() for m in self.method.split(",") if m.strip()}
        self.path = spec.get("path") or ".*"
        try:
            self.regex = re.compile(self.path)
        except re.error as err:
            raise FaultError("invalid path regex: %s" % err) from None
        self.action = spec.get("action", "status")
        if self.action not in ACTIONS:
            raise FaultError("action must be one of %s" % ", ".join(ACTIONS))
        self.status = spec.get("status", 500 if self.action in ("status", "after_write") else None)
        if self.action in ("status", "after_write"):
            if not isinstance(self.status, int) or isinstance(self.status, bool) or not 400 <= self.status <= 599:
                raise FaultError("status must be an integer between 400 and 599")
        self.delay = spec.get("delay", 0) or 0
        if not isinstance(self.delay, (int, float)) or isinstance(self.delay, bool) or self.delay < 0:
            raise FaultError("delay must be a non-negative number of seconds")
        self.retry_after = spec.get("retry_after")
        self.times = spec.get("times")
        if self.times is not None and (not isinstance(self.times, int) or isinstance(self.times, bool) or self.times < 1):
            raise FaultError("times must be a positive integer or null")
        self.message = spec.get("message")
        self.rate = spec.get("rate")
        if self.rate is not None and (not isinstance(self.rate, (int, float)) or isinstance(self.rate, bool)
                                      or not 0 < self.rate <= 1):
            raise FaultError("rate must be a number above 0 and at most 1")
        seed = spec.get("seed", rule_id)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise FaultError("seed must be an integer")
        self.random = random.Random(seed)
        self.hits = 0

    def matches(self, method, path):
        if not self.methods & {"*", "ANY"} and method not in self.methods:
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        if not self.regex.search(path):
            return False
        return self.rate is None or self.random.random() < self.rate

    def to_dict(self):
        return {
            "id": self.id, "method": self.method, "path": self.path, "action": self.action, "status": self.status,
            "delay": self.delay, "retry_after": self.retry_after, "times": self.times, "rate": self.rate,
            "hits": self.hits,
        }


class FaultPlan:
    """What the matching rules ask for one request."""

    def __init__(self):
        self.delay = 0.0
        self.rule = None  # the terminal rule (status / reset / after_write)
        self.rule_ids = []

    @property
    def action(self):
        return self.rule.action if self.rule else None


class FaultSet:
    def __init__(self):
        self._rules = []
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, spec):
        with self._lock:
            rule = FaultRule(self._next_id, spec)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def list(self):
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def clear(self):
        with self._lock:
            self._rules = []

    def plan(self, method, path):
        """Consume the matching rules for one request."""
        plan = FaultPlan()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                rule.hits += 1
                plan.rule_ids.append(rule.id)
                plan.delay += rule.delay
                if rule.action != "delay":
                    plan.rule = rule
                    break
        return plan
