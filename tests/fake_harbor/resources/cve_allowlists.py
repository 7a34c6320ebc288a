"""CVE allowlists: ``/system/CVEAllowlist`` and the ``cve_allowlist`` of a project (api-notes §1 "CVE allowlist").

Harbor's behaviour (``src/server/v2.0/handler``: ``systemCVEAllowListAPI``, ``project.go`` ``UpdateProject``;
``src/controller/project/controller.go`` ``Update``, ``src/pkg/allowlist/{manager,validator}.go``,
``src/pkg/allowlist/dao/dao.go``):

* ``GET /system/CVEAllowlist`` for any authenticated user: ``{"id", "project_id": 0, "items": [{"cve_id"}],
  "expires_at", "creation_time", "update_time"}``; ``expires_at`` is null when the list never expires
  (``*int64``: Harbor's JSON leaves it out).
* **Every write replaces the whole allowlist**, never merges:

  - ``PUT /system/CVEAllowlist`` (sysadmin) builds a new list from ``items`` (absent → empty) and
    ``expires_at`` (absent or null → never);
  - ``PUT /projects/{p}`` with ``cve_allowlist`` copies it (``lib.JSONCopy``) onto an **empty** allowlist (the
    project is read without its allowlist), so ``items`` absent or ``[]`` → empty and ``expires_at`` absent →
    null. A project PUT without ``cve_allowlist`` leaves the allowlist alone (``project_id`` stays 0, so
    ``Update`` does not write it). A ``project_id`` other than 0 or the project's → 400 (projects.py).
  - the DAO upserts the row with ``creation_time`` and ``update_time`` set to now (``Set``), so both times are
    the time of the last write (derived).

* A duplicate CVE id → **500** (``Validate`` returns an untyped error), and nothing is stored. The ids are not
  checked otherwise (Harbor removed its CVE id pattern; an empty id is accepted on 2.10-2.15).
"""

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import HarborError
from ..framework.response import Response
from ..framework.routing import RouteTable

ROUTES = RouteTable()


def init_state(state):
    now = now_iso()
    state.system_cve_allowlist = {"id": state.next_id("cve_allowlist"), "project_id": 0, "items": [],
                                  "expires_at": None, "creation_time": now, "update_time": now}


def serialize(allowlist):
    """The ``CVEAllowlist`` shape, every field (the response serialiser leaves out what Harbor omits)."""
    return {"id": allowlist["id"], "project_id": allowlist["project_id"],
            "items": [dict(item) for item in allowlist["items"]], "expires_at": allowlist["expires_at"],
            "creation_time": allowlist["creation_time"], "update_time": allowlist["update_time"]}


def replacement(body):
    """What a write stores: the whole list from ``body`` (absent parts empty), or 500 for a duplicate CVE id."""
    items = [{"cve_id": item.get("cve_id") or ""} for item in (body or {}).get("items") or []]
    seen = set()
    for item in items:
        if item["cve_id"] in seen:
            raise HarborError(500, "duplicate CVE ID in allowlist: %s" % item["cve_id"])
        seen.add(item["cve_id"])
    now = now_iso()
    return {"items": items, "expires_at": (body or {}).get("expires_at"), "creation_time": now, "update_time": now}


@ROUTES.get("/system/CVEAllowlist")
def get_allowlist(ctx):
    auth.require_authenticated(ctx)
    return Response.json(serialize(ctx.state.system_cve_allowlist))


@ROUTES.put("/system/CVEAllowlist")
def put_allowlist(ctx):
    auth.require(ctx, None, "configuration", "update")  # PutSystemCVEAllowlist: no robot may hold it
    ctx.state.system_cve_allowlist.update(replacement(ctx.json_object(required=False)))
    return Response.ok()
