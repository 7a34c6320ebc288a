"""``POST /ldap/ping``: test LDAP settings (api-notes §12).

* Sysadmin only (401 anonymous, 403 others).
* The body is an ``LdapConf`` or empty; an empty body, and every key the
  body leaves out, use the stored configuration (``ldap_connection_timeout``
  is the ``ldap_timeout`` key).  The search password falls back to the
  stored one when the body has none **(assumed: not in api-notes)**.
* A failure is **200** with ``{"success": false, "message": ...}``, never an
  error status.  There is no directory behind the fake: a URL without an
  ``ldap://``/``ldaps://`` scheme or host, a host under ``.invalid``
  (``configurations.unreachable``), or a search DN without a password fail;
  anything else binds.

**The directory.** The fake has no LDAP server; a test seeds one with ``POST /_fake/ldap`` (control.py)
``{"users": [{"username", "realname"?, "email"?, "password"?}], "groups": [{"name", "dn"}]}`` (it replaces the
directory; ``GET /_fake/ldap`` shows it). Harbor's ``GET /ldap/users/search``, ``POST /ldap/users/import`` and
``GET /ldap/groups/search`` (``src/server/v2.0/handler/ldap.go``, ``src/controller/ldap/controller.go``,
``src/pkg/ldap/manager.go``; api-notes §12 only names them) open a session with the **stored** configuration
(``ldap_url``, ``ldap_search_dn``, ``ldap_search_password``): whatever the ``auth_mode``, and a session that cannot
open (no or a bad URL, an unreachable host, a search DN without a password: the rules of the ping above) is a
plain error, **500**. Then:

* ``GET /ldap/users/search?username=`` (system ``ldap-user:list``): the users whose name equals ``username``
  (case-insensitive, as LDAP matches ``cn``/``uid``; Harbor searches ``(<ldap_uid>=<username>)``), every user
  without ``username``; ``[{username, realname, email}]``.
* ``POST /ldap/users/import {"ldap_uid_list": [...]}`` (system ``ldap-user:create``): each uid is searched and
  onboarded as a Harbor user (comment ``From LDAP.``, the username as email when it has an ``@`` and the entry no
  mail); a user that already exists counts as imported. Failures do not stop the others; when there is one the
  answer is **404** with ``[{uid, error}]``: ``empty_uid``, ``unknown_user``, or ``failed to import user: <uid>``
  when the auth mode cannot onboard users (``db_auth`` and ``oidc_auth``: Harbor's helper for the mode leaves the
  user id 0); otherwise 200 without a body.
* ``GET /ldap/groups/search?groupname=|groupdn=`` (system ``ldap-user:list``): by name (exact, case-insensitive)
  or, without a name, by DN (a DN that does not parse → 500 "invalid DN"); no match, or neither parameter →
  **404** "group name:X, group DN:Y" (a status the spec does not list); ``[{group_name, ldap_group_dn}]``.
"""

import re
import secrets
from urllib.parse import urlsplit

from ..framework import auth
from ..framework.errors import internal, not_found
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import users
from .configurations import get_config, unreachable

ROUTES = RouteTable()

_FROM_CONFIG = {
    "ldap_url": "ldap_url", "ldap_search_dn": "ldap_search_dn", "ldap_search_password": "ldap_search_password",
    "ldap_base_dn": "ldap_base_dn", "ldap_connection_timeout": "ldap_timeout",
}


def ping_result(settings):
    """(success, message) of a bind with ``settings`` (LdapConf keys)."""
    url = settings.get("ldap_url") or ""
    parts = urlsplit(url)
    if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
        return False, "LDAP Result Code 200 \"Network Error\": invalid LDAP URL %r" % url
    if unreachable(parts.hostname):
        return False, ("LDAP Result Code 200 \"Network Error\": dial tcp: lookup %s: no such host" % parts.hostname)
    if settings.get("ldap_search_dn") and not settings.get("ldap_search_password"):
        return False, "LDAP Result Code 49 \"Invalid Credentials\": the search DN needs a password"
    return True, ""


@ROUTES.post("/ldap/ping")
def ping_ldap(ctx):
    auth.require(ctx, None, "configuration", "read")  # PingLdap: RequireSystemAccess(read, configuration)
    body = ctx.json_object(required=False)
    ctx.state.remember_secret(body.get("ldap_search_password"))
    settings = dict((key, get_config(ctx.state, config_key)) for key, config_key in _FROM_CONFIG.items())
    settings.update((k, v) for k, v in body.items() if v not in (None, ""))
    success, message = ping_result(settings)
    return Response.json({"success": success, "message": message} if message else {"success": success})


# ---------------------------------------------------------------- the directory behind the search and import APIs

ONBOARDING_MODES = ("ldap_auth", "uaa_auth", "http_auth")  # auth helpers whose OnBoardUser inserts the user
LDAP_COMMENT = "From LDAP."
_ATTRIBUTE_RE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)$")


def init_state(state):
    state.ldap_directory = {"users": [], "groups": []}


def set_directory(state, body):
    """Replace the directory (control API ``POST /_fake/ldap``); returns an error message or None."""
    entries, groups = body.get("users") or [], body.get("groups") or []
    if not isinstance(entries, list) or not all(isinstance(u, dict) and u.get("username") for u in entries):
        return 'users: a list of {"username", "realname"?, "email"?, "password"?}'
    if not isinstance(groups, list) or not all(isinstance(g, dict) and g.get("name") and g.get("dn") for g in groups):
        return 'groups: a list of {"name", "dn"}'
    for entry in entries:
        state.remember_secret(entry.get("password"))
    state.ldap_directory = {
        "users": [{"username": u["username"], "realname": u.get("realname") or u["username"],
                   "email": u.get("email") or "", "password": u.get("password") or ""} for u in entries],
        "groups": [{"name": g["name"], "dn": g["dn"]} for g in groups],
    }
    return None


def directory(state):
    return {"users": [dict(u) for u in state.ldap_directory["users"]],
            "groups": [dict(g) for g in state.ldap_directory["groups"]]}


def _open_session(state):
    """``Session.Open`` with the stored configuration: failing to connect or bind is a plain error (500)."""
    settings = {key: get_config(state, config_key) for key, config_key in _FROM_CONFIG.items()}
    success, message = ping_result(settings)
    if not success:
        raise internal(message)


def _search_users(state, username):
    wanted = (username or "").lower()
    return [u for u in state.ldap_directory["users"] if not wanted or u["username"].lower() == wanted]


def valid_dn(text):
    """Enough of go-ldap's ``ParseDN``: comma-separated ``type=value`` pairs, the types attribute names or OIDs."""
    parts = re.split(r"(?<!\\),", text)
    for part in parts:
        kind, sep, value = part.partition("=")
        if not sep or not _ATTRIBUTE_RE.match(kind.strip()) or not value.strip():
            return False
    return True


@ROUTES.get("/ldap/users/search")
def search_ldap_users(ctx):
    auth.require(ctx, None, "ldap-user", "list")
    username = ctx.query_str("username") or ""
    _open_session(ctx.state)
    return Response.json([{"username": u["username"], "realname": u["realname"], "email": u["email"]}
                          for u in _search_users(ctx.state, username)])


@ROUTES.post("/ldap/users/import")
def import_ldap_users(ctx):
    auth.require(ctx, None, "ldap-user", "create")
    body = ctx.json_object()
    uids = body.get("ldap_uid_list") or []
    state = ctx.state
    _open_session(state)
    onboard = get_config(state, "auth_mode") in ONBOARDING_MODES
    failed = []
    for uid in uids:
        if not uid:
            failed.append({"uid": uid, "error": "empty_uid"})
            continue
        found = _search_users(state, uid)
        if not found:
            failed.append({"uid": uid, "error": "unknown_user"})
            continue
        if not onboard:
            failed.append({"uid": uid, "error": "failed to import user: %s" % uid})
            continue
        entry = found[0]
        if users.find_user(state, entry["username"]) is None:
            email = entry["email"] or (entry["username"] if "@" in entry["username"] else "")
            password = entry["password"] or secrets.token_urlsafe(24)
            users.add_user(state, entry["username"], password, email=email, realname=entry["realname"],
                           comment=LDAP_COMMENT)
    if failed:
        return Response.json(failed, status=404)
    return Response.ok()


@ROUTES.get("/ldap/groups/search")
def search_ldap_groups(ctx):
    auth.require(ctx, None, "ldap-user", "list")
    name = ctx.query_str("groupname") or ""
    dn = ctx.query_str("groupdn") or ""
    state = ctx.state
    _open_session(state)
    found = []
    if name:
        found = [g for g in state.ldap_directory["groups"] if g["name"].lower() == name.lower()]
    elif dn:
        if not valid_dn(dn):
            raise internal("invalid DN: DN ended with incomplete type, value pair")
        found = [g for g in state.ldap_directory["groups"] if g["dn"].lower() == dn.lower()]
    if not found:
        raise not_found("group name:%s, group DN:%s" % (name, dn))
    return Response.json([{"id": 0, "group_name": g["name"], "group_type": 0, "ldap_group_dn": g["dn"]}
                          for g in found])
