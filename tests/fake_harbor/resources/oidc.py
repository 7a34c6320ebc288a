"""``POST /system/oidc/ping``: test an OIDC endpoint (api-notes §12).

The system ``configuration: update`` permission (``oidc.go``: administrators only,
no robot may hold it); body ``{"url", "verify_cert"}`` (required).  200 when Harbor
reaches the provider, 400 otherwise.  There is no provider behind the fake: a
URL without http(s) scheme or host, or a host under ``.invalid``
(``configurations.unreachable``), is unreachable; anything else answers.
"""

from urllib.parse import urlsplit

from ..framework import auth
from ..framework.errors import bad_request
from ..framework.response import Response
from ..framework.routing import RouteTable
from .configurations import unreachable

ROUTES = RouteTable()


@ROUTES.post("/system/oidc/ping")
def ping_oidc(ctx):
    auth.require(ctx, None, "configuration", "update")
    body = ctx.json_object()
    url = body.get("url") or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or unreachable(parts.hostname):
        raise bad_request("failed to verify connection: Get \"%s/.well-known/openid-configuration\": "
                          "dial tcp: lookup %s: no such host" % (url.rstrip("/"), parts.hostname or url))
    return Response.ok()
