"""Late-bound extension points between resource modules.

A resource module may declare ``HOOKS = {"name": fn}`` (or a list of
functions per name).  Callers never import the provider, so a resource that
is not written yet simply leaves the hook empty.  Every hook function gets
the server ``state`` as its first argument.

Hook names in use (see README "Hooks"):

* ``authenticate_robot(state, username, secret) -> Principal | None``
* ``get_registry(state, registry_id) -> dict | None`` (proxy-cache projects;
  ``None`` means "no such registry" -> 500 like Harbor, errata E4)
* ``create_proxy_cache_retention(state, project) -> int | None`` (retention id)
* ``project_deletable(state, project) -> str | None`` (a message blocks deletion: 412)
* ``project_deleted(state, project) -> None`` (cleanup of dependent objects)
* ``audit_event(state, principal, operation, resource_type, resource, project_id=0, details=None) -> None``:
  a resource did something Harbor may audit (``create``/``update``/``delete`` of a ``project``, ``repository``,
  ``tag``, ``user``, ``robot``, ``configuration``; ``details`` is the request body of a configuration update);
  resources/audit_logs.py decides what the emulated version records (registry pushes, pulls and API artifact
  deletes reach it through ``artifact_event``)
"""

from collections import defaultdict


class Hooks:
    def __init__(self):
        self._hooks = defaultdict(list)

    def register(self, name, fn):
        self._hooks[name].append(fn)

    def register_module(self, module):
        for name, fns in getattr(module, "HOOKS", {}).items():
            for fn in fns if isinstance(fns, (list, tuple)) else [fns]:
                self.register(name, fn)

    def has(self, name):
        return bool(self._hooks.get(name))

    def first(self, name, *args, default=None):
        """Call providers in order; return the first non-None result."""
        for fn in self._hooks.get(name, ()):
            result = fn(*args)
            if result is not None:
                return result
        return default

    def all(self, name, *args):
        """Call every provider; return their non-None results."""
        results = []
        for fn in self._hooks.get(name, ()):
            result = fn(*args)
            if result is not None:
                results.append(result)
        return results
