"""The in-memory state of one fake instance.

``State`` is a plain attribute bag.  Each resource module adds and
initialises its own stores in ``init_state(state)``; ``FakeHarbor.reset()``
builds a new State and runs every ``init_state`` again, in the order of
``resources.MODULES``.
"""

from .framework.context import now_iso


class State:
    def __init__(self, options, version):
        self.options = options
        self.version = version
        self.started = now_iso()
        self._ids = {}
        # every secret value Harbor was given or generated (passwords, robot secrets, credentials):
        # the integration harness asserts that none of them appears in ansible-playbook output
        self.secrets = set()

    def __getstate__(self):
        """Pickling (the stand-in Harbor's core keeps its state in a file): everything but ``hooks``, which
        belong to the running server (bound methods of its registry front among them); whoever loads a
        pickled state sets ``state.hooks`` to its own server's hooks."""
        data = dict(self.__dict__)
        data.pop("hooks", None)
        return data

    def remember_secret(self, value):
        if isinstance(value, str) and value:
            self.secrets.add(value)
        return value

    def next_id(self, kind):
        """Per-kind id sequence starting at 1 (like a DB serial column)."""
        value = self._ids.get(kind, 0) + 1
        self._ids[kind] = value
        return value

    def bump_id(self, kind, at_least):
        """Make sure the next id of ``kind`` is above ``at_least`` (for seeded rows)."""
        self._ids[kind] = max(self._ids.get(kind, 0), at_least)
