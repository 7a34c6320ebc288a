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

The search/import endpoints of the group are not implemented (501).
"""

from urllib.parse import urlsplit

from ..framework import auth
from ..framework.response import Response
from ..framework.routing import RouteTable
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
    auth.require_sysadmin(ctx)
    body = ctx.json_object(required=False)
    ctx.state.remember_secret(body.get("ldap_search_password"))
    settings = dict((key, get_config(ctx.state, config_key)) for key, config_key in _FROM_CONFIG.items())
    settings.update((k, v) for k, v in body.items() if v not in (None, ""))
    success, message = ping_result(settings)
    return Response.json({"success": success, "message": message} if message else {"success": success})
