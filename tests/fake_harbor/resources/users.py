"""``/users*``: db users (enough for auth and the auth_mode lock; api-notes §13, errata E1).

Permissions (``src/server/v2.0/handler/user.go``): listing, creating and the sysadmin flag need the system
``user`` permission (``list``/``create``/``update``; robots may hold it from 2.12, errata E7).  Reading,
updating, changing the password of and deleting *another* user check the same permission only from 2.15.0:
before, those checks compared the robot's ``/system/user`` with a different resource path, so even a robot
holding every ``user`` permission got 403 (issue goharbor/harbor#22488, reproduced on 2.14.0, fixed for 2.15.0
by PR #22492); the fake keeps them to sysadmins there.  ``POST /users`` with self-registration on still needs
the permission over the API: "self-registration cannot be triggered via API" (``requireCreatable``).

``admin`` is user 1 (password from the server options).  Tests and the
control API can add users with ``add_user(state, ...)``.
"""

import re
import secrets

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import HarborError, bad_request, conflict, forbidden, not_found
from ..framework.paging import paginate
from ..framework.query import filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from .configurations import get_config

ROUTES = RouteTable()

_EMAIL_RE = re.compile(r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
                       r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")
_ILLEGAL_USERNAME = set(',"~#%$')
PASSWORD_MESSAGE = ("the password or secret must be longer than 8 chars with at least 1 uppercase letter, "
                    "1 lowercase letter and 1 number")

SYSTEM_PERMISSIONS = [
    ("audit-log", "list"), ("project", "list"), ("project", "create"), ("registry", "list"), ("registry", "create"),
    ("replication-policy", "list"), ("replication-policy", "create"), ("configuration", "read"),
    ("configuration", "update"), ("user", "list"), ("user", "create"), ("quota", "read"), ("quota", "update"),
    ("robot", "list"), ("robot", "create"), ("garbage-collection", "create"), ("scan-all", "create"),
    ("scanner", "list"), ("label", "create"), ("purge-audit", "create"), ("ldap-user", "list"),
]
PROJECT_PERMISSIONS = [
    ("project", "read"), ("project", "update"), ("project", "delete"), ("metadata", "read"), ("metadata", "list"),
    ("metadata", "create"), ("metadata", "update"), ("metadata", "delete"), ("member", "list"), ("member", "create"),
    ("repository", "list"), ("repository", "pull"), ("repository", "push"), ("repository", "delete"),
    ("artifact", "read"), ("artifact", "list"), ("artifact", "delete"), ("tag", "list"), ("tag", "create"),
    ("robot", "list"), ("robot", "create"), ("quota", "read"), ("tag-retention", "read"),
    ("tag-retention", "update"), ("immutable-tag", "list"), ("immutable-tag", "create"),
    ("notification-policy", "list"), ("notification-policy", "create"), ("scan", "create"), ("log", "list"),
]


def init_state(state):
    state.users = {}
    state.members = []  # {"id", "project_id", "entity_type": "u"|"g", "entity_id", "role_id"}
    add_user(state, "admin", state.options.admin_password, email="admin@example.com",
             realname="system admin", comment="admin user", sysadmin=True)  # user id 1


def add_user(state, username, password, email="", realname="", comment="", sysadmin=False):
    state.remember_secret(password)
    """Insert a db user (no validation) and return its record."""
    now = now_iso()
    user = {
        "user_id": state.next_id("user"), "username": username, "password": password, "email": email,
        "realname": realname, "comment": comment, "sysadmin_flag": sysadmin, "creation_time": now,
        "update_time": now,
    }
    state.users[user["user_id"]] = user
    return user


def find_user(state, username):
    for user in state.users.values():
        if user["username"] == username:
            return user
    return None


def serialize(user):
    return {
        "user_id": user["user_id"], "username": user["username"], "email": user["email"],
        "realname": user["realname"], "comment": user["comment"], "sysadmin_flag": user["sysadmin_flag"],
        "admin_role_in_auth": False, "creation_time": user["creation_time"], "update_time": user["update_time"],
    }


def valid_password(password):
    return (isinstance(password, str) and 8 <= len(password) <= 128 and re.search(r"[A-Z]", password)
            and re.search(r"[a-z]", password) and re.search(r"[0-9]", password))


def _get_user(ctx):
    user = ctx.state.users.get(ctx.path_int("user_id"))
    if user is None:
        raise not_found("user %s not found" % ctx.params["user_id"])
    return user


def _is_self(ctx, user_id):
    """``matchUserID``: only a db user is ever "itself" (a robot never is)."""
    return ctx.principal.kind == "user" and ctx.principal.user_id == user_id


def _require_user_access(ctx, action, pre_215_message):
    """Access to another user's record (``requireReadable`` / ``requireModifiable`` / ``requireDeletable``).

    2.15+: the system ``user`` permission (``RequireSystemAccess``); before: a sysadmin only (issue #22488).
    """
    auth.require_authenticated(ctx)
    if ctx.version >= (2, 15):
        auth.require(ctx, None, "user", action)
    elif not ctx.principal.sysadmin:
        raise forbidden(pre_215_message)


def _require_self_or_permission(ctx, action, pre_215_message):
    """Self, or ``_require_user_access``; the permission check runs before the user lookup, as in Harbor."""
    auth.require_authenticated(ctx)
    if not _is_self(ctx, ctx.path_int("user_id")):
        _require_user_access(ctx, action, pre_215_message)


def _require_modifiable(ctx):
    """``requireModifiable``: in db_auth the user itself or the update permission; otherwise only the local
    admin (user 1) can be changed, and only with the permission."""
    auth.require_authenticated(ctx)
    user_id = ctx.path_int("user_id")
    message = "User with ID %d can't be updated" % user_id
    if get_config(ctx.state, "auth_mode") == "db_auth":
        if not _is_self(ctx, user_id):
            _require_user_access(ctx, "update", message)
        return
    if user_id != 1:
        raise forbidden(message)
    _require_user_access(ctx, "update", message)


def _validate_profile(body, creating):
    email = body.get("email") or ""
    realname = body.get("realname") or ""
    comment = body.get("comment") or ""
    if creating or "email" in body:
        if not email:
            raise bad_request("email is required")
        if not _EMAIL_RE.match(email):
            raise bad_request("email is invalid")
    if (creating or "realname" in body) and not realname:
        raise bad_request("realname is required")
    if len(realname) > 255:
        raise bad_request("realname with illegal length")
    if len(comment) > 30:
        raise bad_request("comment with illegal length")


@ROUTES.get("/users")
def list_users(ctx):
    auth.require(ctx, None, "user", "list")
    users = filter_items(ctx, sorted(ctx.state.users.values(), key=lambda u: u["user_id"]),
                         {"username": "username", "email": "email", "user_id": "user_id", "realname": "realname"},
                         sortable={"username": "username", "user_id": "user_id", "creation_time": "creation_time"})
    return paginate(ctx, users, serialize)


@ROUTES.post("/users")
def create_user(ctx):
    state = ctx.state
    # requireCreatable: the auth mode first, then the system user:create permission; self-registration never
    # helps an API call (only a UI session may self-register)
    if get_config(state, "auth_mode") != "db_auth":
        raise forbidden("creating local user is not allowed under auth mode: %s" % get_config(state, "auth_mode"))
    if not auth.has_permission(ctx, None, "user", "create"):
        if not get_config(state, "self_registration"):
            auth.require(ctx, None, "user", "create")
        raise forbidden("self-registration cannot be triggered via API")
    body = ctx.json_object()
    username = body.get("username") or ""
    if not username:
        raise bad_request("username is required")
    if set(username) & _ILLEGAL_USERNAME:
        raise bad_request("username %s contains illegal characters" % username)
    _validate_profile(body, creating=True)
    if not valid_password(body.get("password")):
        raise bad_request(PASSWORD_MESSAGE)
    if find_user(state, username) is not None:
        raise conflict("username %s is already used" % username)
    if any(u["email"] == body["email"] for u in state.users.values()):
        raise conflict("email %s is already used" % body["email"])
    user = add_user(state, username, body["password"], email=body["email"], realname=body["realname"],
                    comment=body.get("comment") or "")
    state.hooks.all("audit_event", state, ctx.principal, "create", "user", username)
    return Response.created(ctx.location(user["user_id"]))


@ROUTES.get("/users/current")
def current_user(ctx):
    principal = ctx.principal
    if not principal.authenticated:
        raise HarborError(401, "unauthorized")
    if principal.kind != "user":
        raise HarborError(412, "get current user not available for security context: %s" % principal.kind)
    return Response.json(serialize(ctx.state.users[principal.user_id]))


@ROUTES.get("/users/current/permissions")
def current_permissions(ctx):
    auth.require_authenticated(ctx)
    scope = ctx.query_str("scope") or "/"
    relative = ctx.query_bool("relative", False)
    match = re.match(r"^/project/(\d+)$", scope)
    result = []
    if match:
        project = ctx.state.projects.get(int(match.group(1)))
        if project is not None:
            for resource, action in PROJECT_PERMISSIONS:
                if auth.has_permission(ctx, project, resource, action):
                    name = resource if relative else "%s/%s" % (scope, resource)
                    result.append({"resource": name, "action": action})
    else:
        for resource, action in SYSTEM_PERMISSIONS:
            if auth.has_permission(ctx, None, resource, action):
                result.append({"resource": resource if relative else "/system/%s" % resource, "action": action})
    return Response.json(result)


@ROUTES.get("/users/search")
def search_users(ctx):
    auth.require_authenticated(ctx)
    username = ctx.query_str("username", required=True)
    users = [u for u in sorted(ctx.state.users.values(), key=lambda u: u["user_id"])
             if username.lower() in u["username"].lower()]
    return paginate(ctx, users, lambda u: {"user_id": u["user_id"], "username": u["username"]})


@ROUTES.get("/users/{user_id}")
def get_user(ctx):
    _require_self_or_permission(ctx, "read", "Not authorized to read user: %s" % ctx.params["user_id"])
    user = _get_user(ctx)
    return Response.json(serialize(user))


@ROUTES.put("/users/{user_id}")
def update_user(ctx):
    _require_modifiable(ctx)
    user = _get_user(ctx)
    body = ctx.json_object()
    _validate_profile(body, creating=False)
    for key in ("email", "realname", "comment"):
        if key in body and body[key] is not None:
            user[key] = body[key]
    user["update_time"] = now_iso()
    ctx.state.hooks.all("audit_event", ctx.state, ctx.principal, "update", "user", user["username"])
    return Response.ok()


@ROUTES.delete("/users/{user_id}")
def delete_user(ctx):
    _require_user_access(ctx, "delete", "Not authorized to delete users")
    user_id = ctx.path_int("user_id")
    if user_id == 1 or _is_self(ctx, user_id):
        raise forbidden("User with ID %d cannot be deleted" % user_id)
    user = _get_user(ctx)
    del ctx.state.users[user["user_id"]]
    ctx.state.members[:] = [m for m in ctx.state.members
                            if not (m["entity_type"] == "u" and m["entity_id"] == user["user_id"])]
    ctx.state.hooks.all("audit_event", ctx.state, ctx.principal, "delete", "user", user["username"])
    return Response.ok()


@ROUTES.put("/users/{user_id}/sysadmin")
def set_sysadmin(ctx):
    auth.require(ctx, None, "user", "update")  # RequireSystemAccess(update, user) on every version
    user = _get_user(ctx)
    body = ctx.json_object()
    if user["user_id"] == 1:
        raise forbidden("can not change the admin flag of the admin user")
    user["sysadmin_flag"] = bool(body.get("sysadmin_flag"))
    user["update_time"] = now_iso()
    ctx.state.hooks.all("audit_event", ctx.state, ctx.principal, "update", "user", user["username"])
    return Response.ok()


@ROUTES.put("/users/{user_id}/password")
def update_password(ctx):
    _require_modifiable(ctx)
    user = _get_user(ctx)
    body = ctx.json_object()
    new = body.get("new_password") or ""
    if _is_self(ctx, user["user_id"]):  # only the user itself must know the old password
        if body.get("old_password") != user["password"]:
            raise forbidden("the old password is not correct")
    # "identical to old": 2.15 compares with the target user's password; before, with the caller's own
    compared = user if ctx.version >= (2, 15) or ctx.principal.kind != "user" else ctx.state.users.get(
        ctx.principal.user_id)
    if compared is not None and new == compared["password"]:
        raise bad_request("the new password can not be same with the old one")
    if not valid_password(new):
        raise bad_request(PASSWORD_MESSAGE)
    user["password"] = ctx.state.remember_secret(new)
    user["update_time"] = now_iso()
    ctx.state.hooks.all("audit_event", ctx.state, ctx.principal, "update", "user", user["username"])
    return Response.ok()


# ---------------------------------------------------------------- OIDC users and their CLI secret

CLI_SECRET_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def onboard_oidc(state, user, subiss=None):
    """Mark ``user`` as onboarded through OIDC (Harbor's ``oidc_user`` row). Its ``password`` is its CLI secret:
    that is what such a user sends with basic auth (api-notes §0, ``oidc_cli.go``)."""
    user["oidc"] = {"subiss": subiss or "%s@https://oidc.example.com" % user["username"]}
    return user


def random_cli_secret():
    """``getRandomSecret``: 9 random characters, drawn again until they follow the secret rules."""
    while True:
        secret = "".join(secrets.choice(CLI_SECRET_ALPHABET) for _index in range(9))
        if valid_password(secret):
            return secret


@ROUTES.put("/users/{user_id}/cli_secret")
def set_cli_secret(ctx):
    """``SetCliSecret`` (``src/server/v2.0/handler/user.go``, ``requireForCLISecret``, ``requireValidSecret``).

    * The auth mode is checked first, for every caller: not ``oidc_auth`` → **412** "unable to update CLI secret
      under authmode: db_auth".
    * Then the user itself (a db user whose id is in the path) passes; anyone else needs the system
      ``user:update`` permission (``RequireSystemAccess``: 401 anonymous, 403 others; before 2.15 a sysadmin
      only, as for the other ``user`` checks, issue goharbor/harbor#22488).
    * An empty or absent ``secret`` is replaced by a random one (9 characters); a secret must follow the password
      rules (400). A user that is not onboarded through OIDC, or does not exist → 404 "oidc info for user N not
      found" (``SetCliSecretByUserID``). The new secret replaces the old one at once.
    """
    state = ctx.state
    mode = get_config(state, "auth_mode")
    if mode != "oidc_auth":
        raise HarborError(412, "unable to update CLI secret under authmode: %s" % mode)
    user_id = ctx.path_int("user_id")
    if not (ctx.principal.kind == "user" and ctx.principal.user_id == user_id):
        auth.require_authenticated(ctx)
        if ctx.version >= (2, 15):
            auth.require(ctx, None, "user", "update")
        elif not ctx.principal.sysadmin:
            raise forbidden(ctx.principal.username)
    body = ctx.json_object()
    secret = body.get("secret") if isinstance(body.get("secret"), str) else ""
    state.remember_secret(secret)
    if not secret:
        secret = state.remember_secret(random_cli_secret())
    if not valid_password(secret):
        raise bad_request(PASSWORD_MESSAGE)
    user = state.users.get(user_id)
    if user is None or not user.get("oidc"):
        raise not_found("oidc info for user %d not found" % user_id)
    user["password"] = secret
    user["update_time"] = now_iso()
    return Response.ok()
