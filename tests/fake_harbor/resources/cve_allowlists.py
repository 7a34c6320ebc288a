"""``/system/CVEAllowlist``: the system CVE allowlist (api-notes §1 "CVE allowlist").

* ``GET`` for any authenticated user: ``{"id", "project_id": 0, "items":
  [{"cve_id"}], "expires_at"?, "creation_time", "update_time"}``
  (``expires_at`` absent when the list never expires).
* ``PUT`` (sysadmin) **overwrites** the whole list: ``items`` (absent → empty)
  and ``expires_at`` (absent or null → never).

Project allowlists live in the project (``PUT /projects/{p}`` with
``cve_allowlist``, see ``projects.py``).
"""

from ..framework import auth
from ..framework.context import now_iso
from ..framework.response import Response
from ..framework.routing import RouteTable

ROUTES = RouteTable()


def init_state(state):
    now = now_iso()
    state.system_cve_allowlist = {"id": state.next_id("cve_allowlist"), "project_id": 0, "items": [],
                                  "expires_at": None, "creation_time": now, "update_time": now}


@ROUTES.get("/system/CVEAllowlist")
def get_allowlist(ctx):
    auth.require_authenticated(ctx)
    stored = ctx.state.system_cve_allowlist
    return Response.json({k: v for k, v in stored.items() if v is not None})


@ROUTES.put("/system/CVEAllowlist")
def put_allowlist(ctx):
    auth.require_sysadmin(ctx)
    body = ctx.json_object(required=False)
    stored = ctx.state.system_cve_allowlist
    stored["items"] = [{"cve_id": item.get("cve_id", "")} for item in body.get("items") or []]
    stored["expires_at"] = body.get("expires_at")
    stored["update_time"] = now_iso()
    return Response.ok()
