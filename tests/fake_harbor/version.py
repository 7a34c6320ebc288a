"""The Harbor version a fake instance pretends to be.

One ``HarborVersion`` object is built per server.  Handlers compare it with
plain tuples::

    if ctx.version >= (2, 13):
        ...
    if ctx.version < (2, 15, 1):
        ...

A tuple shorter than three items is padded with zeros, so ``(2, 15)`` means
``2.15.0``.  ``main`` is treated as ``2.16.0`` (its VERSION file says
``v2.16.0``) and is newer than every release.
"""

import hashlib
import re

# Newest patch release per supported minor (from shared/harbor/SOURCE.md).  A
# bare "2.12" means that patch release.
LATEST_PATCH = {
    (2, 10): 3,
    (2, 11): 2,
    (2, 12): 4,
    (2, 13): 5,
    (2, 14): 4,
    (2, 15): 2,
}

# Real 8-character build commits where we know them; other releases get a
# stable synthetic one (see README "Versions").
KNOWN_COMMITS = {
    (2, 10, 0): "6abb4eab",
    (2, 15, 2): "080b0220",
}

MAIN_VERSION = (2, 16, 0)
MAIN_COMMIT = "c50c7ddd"

# Spec file per minor version; the overlays in contract/overlays.py narrow or
# widen them to the exact version.
SPEC_FILES = {
    (2, 10): "swagger.yaml-v2.10.0",
    (2, 11): "swagger.yaml-v2.10.0",
    (2, 12): "swagger.yaml-v2.10.0",
    (2, 13): "swagger.yaml-v2.15.2",
    (2, 14): "swagger.yaml-v2.15.2",
    (2, 15): "swagger.yaml-v2.15.2",
}
MAIN_SPEC_FILE = "swagger.yaml-main-c50c7dd"

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")


def _as_tuple(other):
    if isinstance(other, HarborVersion):
        return other.tuple
    if isinstance(other, str):
        return HarborVersion(other).tuple
    items = tuple(int(x) for x in other)
    return (items + (0, 0, 0))[:3]


class HarborVersion:
    """A supported Harbor version ("2.10" ... "2.15", "2.15.1", "main")."""

    def __init__(self, text):
        text = str(text).strip()
        self.is_main = text.lower() == "main"
        if self.is_main:
            self.tuple = MAIN_VERSION
            self.label = "main"
            return
        match = _VERSION_RE.match(text)
        if not match:
            raise ValueError("unsupported Harbor version %r (use 2.10 ... 2.15, 2.15.2 or main)" % text)
        major, minor = int(match.group(1)), int(match.group(2))
        if (major, minor) not in LATEST_PATCH:
            raise ValueError("unsupported Harbor version %r (use 2.10 ... 2.15, 2.15.2 or main)" % text)
        patch = int(match.group(3)) if match.group(3) is not None else LATEST_PATCH[(major, minor)]
        if patch > LATEST_PATCH[(major, minor)]:
            raise ValueError("Harbor %d.%d.%d was not released (newest is %d.%d.%d)" % (
                major, minor, patch, major, minor, LATEST_PATCH[(major, minor)]))
        self.tuple = (major, minor, patch)
        self.label = "%d.%d" % (major, minor)

    @property
    def major(self):
        return self.tuple[0]

    @property
    def minor(self):
        return self.tuple[1]

    @property
    def patch(self):
        return self.tuple[2]

    @property
    def spec_file(self):
        """Name of the swagger file in the spec directory for this version."""
        if self.is_main:
            return MAIN_SPEC_FILE
        return SPEC_FILES[self.tuple[:2]]

    @property
    def commit(self):
        if self.is_main:
            return MAIN_COMMIT
        if self.tuple in KNOWN_COMMITS:
            return KNOWN_COMMITS[self.tuple]
        return hashlib.sha1(("v%d.%d.%d" % self.tuple).encode()).hexdigest()[:8]

    @property
    def harbor_version(self):
        """The ``harbor_version`` string of ``GET /systeminfo``."""
        return "v%d.%d.%d-%s" % (self.tuple + (self.commit,))

    def __str__(self):
        if self.is_main:
            return "main"
        return "%d.%d.%d" % self.tuple

    def __repr__(self):
        return "HarborVersion(%r)" % str(self)

    def __eq__(self, other):
        try:
            return self.tuple == _as_tuple(other)
        except (TypeError, ValueError):
            return NotImplemented

    def __hash__(self):
        return hash(self.tuple)

    def __lt__(self, other):
        return self.tuple < _as_tuple(other)

    def __le__(self, other):
        return self.tuple <= _as_tuple(other)

    def __gt__(self, other):
        return self.tuple > _as_tuple(other)

    def __ge__(self, other):
        return self.tuple >= _as_tuple(other)

    def between(self, since=None, until=None):
        """True if ``since <= self < until`` (either bound may be None)."""
        if since is not None and self < since:
            return False
        if until is not None and self >= until:
            return False
        return True
