"""Principals, basic auth and permission checks.

* ``Principal`` is the security context of a request: anonymous, a db user
  (``admin`` is user 1) or a robot.
* Wrong credentials do not give 401: the request runs as anonymous.  The
  failing request is held ``auth_fail_delay`` seconds (Harbor: 1.5 s, errata
  E2) and the username is locked for that long; a request for a locked
  username runs as anonymous without a password check.
* ``require(ctx, project, resource, action)`` answers 401 for anonymous and
  403 for any other caller lacking the permission.  ``project=None`` is
  Harbor's ``RequireSystemAccess(ctx, action, resource)``
  (src/server/v2.0/handler/base.go): sysadmins pass, robots by a ``system``
  permission entry, db users never; its 403 message is the caller's name
  (``ForbiddenError(nil).WithMessage(secCtx.GetUsername())``), like
  ``RequireSysAdmin``'s.  A project scope answers 403 ``forbidden``
  (``RequireProjectAccess``).
* ``require_sysadmin(ctx)`` is for the few operations Harbor really keeps to
  system administrators; resources that Harbor guards with a resource/action
  pair use ``require`` even when no robot can hold that pair (e.g.
  ``configuration``), so that the catalogue in ``robots.allowed_pairs``
  decides.

Robots are authenticated through the ``authenticate_robot`` hook
(``fn(state, username, secret) -> Principal | None``) that the robots
resource provides; use ``Principal.robot_principal(...)`` to build one.
"""

import base64
import binascii
import threading
import time

from .errors import HarborError

# Project roles (src/common/const.go).
ROLE_PROJECT_ADMIN = 1
ROLE_DEVELOPER = 2
ROLE_GUEST = 3
ROLE_MAINTAINER = 4
ROLE_LIMITED_GUEST = 5

READ_ACTIONS = frozenset({"read", "list", "pull"})
_DEVELOPER_EXTRA = {
    "repository": {"push", "create"},
    "artifact": {"create"},
    "tag": {"create"},
    "artifact-label": {"create", "delete"},
    "scan": {"create", "stop"},
    "sbom": {"create", "stop"},
}
_MAINTAINER_RESOURCES = frozenset({
    "repository", "artifact", "tag", "artifact-label", "label", "scan", "sbom", "immutable-tag",
    "tag-retention", "notification-policy", "preheat-policy", "robot", "accessory", "scanner",
})


def role_allows(role_id, resource, action):
    """A simplified version of Harbor's role policies (rbac/project/rbac_role.go)."""
    if role_id == ROLE_PROJECT_ADMIN:
        return True
    if action in READ_ACTIONS:
        return role_id in (ROLE_MAINTAINER, ROLE_DEVELOPER, ROLE_GUEST) or (
            role_id == ROLE_LIMITED_GUEST and resource in ("repository", "artifact", "tag", "project", "metadata"))
    if role_id == ROLE_MAINTAINER:
        return resource in _MAINTAINER_RESOURCES or action in _DEVELOPER_EXTRA.get(resource, ())
    if role_id == ROLE_DEVELOPER:
        return action in _DEVELOPER_EXTRA.get(resource, ())
    return False


class Principal:
    """The caller of one request."""

    def __init__(self, kind="anonymous", username="", user_id=None, sysadmin=False, robot=None):
        self.kind = kind
        self.username = username
        self.user_id = user_id
        self.sysadmin = sysadmin
        # For robots: {"name", "level", "permissions": [{"kind", "namespace", "access": [...]}], ...}
        self.robot = robot

    @classmethod
    def user(cls, record):
        return cls("user", record["username"], record["user_id"], bool(record.get("sysadmin_flag")))

    @classmethod
    def robot_principal(cls, full_name, robot_record):
        return cls("robot", full_name, None, False, robot_record)

    @property
    def authenticated(self):
        return self.kind != "anonymous"

    @property
    def is_robot(self):
        return self.kind == "robot"

    def robot_allows(self, project_name, resource, action):
        for perm in (self.robot or {}).get("permissions") or []:
            if project_name is None:
                if perm.get("kind") != "system":
                    continue
            else:
                if perm.get("kind") != "project" or perm.get("namespace") not in (project_name, "*"):
                    continue
            for access in perm.get("access") or []:
                if access.get("effect", "allow") == "deny":
                    continue
                if access.get("resource") == resource and access.get("action") == action:
                    return True
        return False

    def robot_covers_all(self):
        return any(p.get("kind") == "project" and p.get("namespace") == "*"
                   for p in (self.robot or {}).get("permissions") or [])

    def robot_namespaces(self):
        return {p.get("namespace") for p in (self.robot or {}).get("permissions") or [] if p.get("kind") == "project"}

    def __repr__(self):
        return "Principal(%s %r)" % (self.kind, self.username)


ANONYMOUS = Principal()


def parse_basic(header):
    """Return (username, password) from an Authorization header, or None."""
    if not header:
        return None
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return username, password


class Authenticator:
    """Resolves the Authorization header; models the failed-login lock."""

    def __init__(self, fail_delay):
        self.fail_delay = fail_delay
        self._locks = {}
        self._mutex = threading.Lock()

    def _locked(self, username):
        with self._mutex:
            until = self._locks.get(username)
            return until is not None and until > time.monotonic()

    def _lock(self, username):
        with self._mutex:
            self._locks[username] = time.monotonic() + self.fail_delay

    def authenticate(self, server, header):
        """Return (principal, failed) -- ``failed`` is True when credentials were wrong.

        Called outside the state lock: the delay must not block other requests.
        """
        creds = parse_basic(header)
        if creds is None:
            return ANONYMOUS, False
        username, password = creds
        if self._locked(username):
            return ANONYMOUS, True
        with server.lock:
            principal = self._check(server, username, password)
        if principal is not None:
            return principal, False
        self._lock(username)
        if self.fail_delay > 0:
            time.sleep(self.fail_delay)
        return ANONYMOUS, True

    @staticmethod
    def _check(server, username, password):
        state = server.state
        prefix = state.config.get("robot_name_prefix", "robot$")
        if username.startswith(prefix):
            principal = server.hooks.first("authenticate_robot", state, username, password)
            if principal is not None:
                return principal
        for user in state.users.values():
            if user["username"] == username:
                if user.get("password") == password:
                    return Principal.user(user)
                return None
        return None


def require_authenticated(ctx):
    if not ctx.principal.authenticated:
        raise HarborError(401, "unauthorized")


def require_sysadmin(ctx):
    """System-level admin-only operations: 401 anonymous, 403 (message: the caller's name) others."""
    require_authenticated(ctx)
    if not ctx.principal.sysadmin:
        raise HarborError(403, ctx.principal.username)


def project_role(state, principal, project):
    """Highest project role of a db user, or None."""
    if principal.kind != "user" or project is None:
        return None
    roles = [m["role_id"] for m in state.members
             if m["project_id"] == project["project_id"] and m["entity_type"] == "u" and m["entity_id"] == principal.user_id]
    if not roles:
        return None
    power = {ROLE_PROJECT_ADMIN: 50, ROLE_MAINTAINER: 40, ROLE_DEVELOPER: 30, ROLE_GUEST: 20, ROLE_LIMITED_GUEST: 10}
    return max(roles, key=lambda r: power.get(r, 0))


# What everybody may do in a public project (publicProjectPolicies, src/common/rbac/project/util.go): read the
# project, its labels, repositories (list and pull), tags, artifacts and their additions, scans and the scanner.
PUBLIC_PROJECT_POLICIES = frozenset({
    ("project", "read"), ("label", "read"), ("label", "list"), ("repository", "list"), ("repository", "pull"),
    ("scan", "read"), ("scanner", "read"), ("tag", "list"), ("artifact", "read"), ("artifact", "list"),
    ("artifact-addition", "read"),
})


def is_public(project):
    return project is not None and (project.get("metadata") or {}).get("public") == "true"


def has_permission(ctx, project, resource, action):
    """May the caller do ``action`` on ``resource``?

    ``project`` is a stored project record (project scope) or None (system scope).
    """
    principal = ctx.principal
    if principal.sysadmin:
        return True
    if is_public(project) and (resource, action) in PUBLIC_PROJECT_POLICIES:
        return True  # every caller, robots included (rbac/project: the public policies come first)
    if principal.is_robot:
        name = project["name"] if project is not None else None
        return principal.robot_allows(name, resource, action)
    if project is None:
        return False
    role = project_role(ctx.state, principal, project)
    return role is not None and role_allows(role, resource, action)


def require(ctx, project, resource, action):
    """Raise 401 (anonymous) / 403 (others) unless the caller has the permission.

    ``project`` None is the system scope (``RequireSystemAccess``): its 403 names the caller, as Harbor's does.
    """
    if has_permission(ctx, project, resource, action):
        return
    if not ctx.principal.authenticated:
        raise HarborError(401, "unauthorized")
    raise HarborError(403, ctx.principal.username if project is None else "forbidden")
