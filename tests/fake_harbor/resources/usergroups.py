"""``/usergroups``: LDAP, HTTP and OIDC user groups (api-notes §13).

* The system ``user-group`` permission (``RequireSystemAccess``, ``usergroup.go``; robots may hold it from
  2.12, errata E7), except ``GET /usergroups/search`` (any authenticated user).
* ``group_type`` 1 LDAP, 2 HTTP, 3 OIDC (else 400); an LDAP group needs its
  ``ldap_group_dn`` (400).  A second group with the same name and type, or an
  LDAP group with a DN already used, is a conflict: **409** (api-notes §0).
* ``GET /usergroups``: ``group_name`` fuzzy, ``ldap_group_dn`` exact, paged.
* ``PUT /usergroups/{id}`` renames the group: only ``group_name`` is taken
  (empty → 400) **(assumed: not in api-notes)**; type and DN stay.
* ``DELETE`` also removes the group's project memberships.

Other resources use ``find_group(state, ...)`` and ``add_group(state, ...)``.
"""

from ..framework import auth
from ..framework.errors import bad_request, conflict, not_found
from ..framework.paging import paginate
from ..framework.query import Fuzzy, filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable

ROUTES = RouteTable()

GROUP_TYPES = (1, 2, 3)  # LDAP, HTTP, OIDC


def init_state(state):
    state.usergroups = {}


def serialize(group):
    body = {"id": group["id"], "group_name": group["group_name"], "group_type": group["group_type"]}
    if group["ldap_group_dn"]:
        body["ldap_group_dn"] = group["ldap_group_dn"]
    return body


def find_group(state, group_id=None, name=None, group_type=None, ldap_group_dn=None):
    for group in state.usergroups.values():
        if group_id is not None and group["id"] != group_id:
            continue
        if name is not None and group["group_name"] != name:
            continue
        if group_type is not None and group["group_type"] != group_type:
            continue
        if ldap_group_dn is not None and group["ldap_group_dn"].lower() != ldap_group_dn.lower():
            continue
        return group
    return None


def add_group(state, name, group_type, ldap_group_dn=""):
    """Validate and insert a group (Harbor's rules above); return it."""
    if group_type not in GROUP_TYPES:
        raise bad_request("invalid group type %s, should be 1 (LDAP), 2 (HTTP) or 3 (OIDC)" % group_type)
    ldap_group_dn = ldap_group_dn or ""
    if group_type == 1:
        if not ldap_group_dn:
            raise bad_request("ldap_group_dn is required for an LDAP group")
        if find_group(state, group_type=1, ldap_group_dn=ldap_group_dn) is not None:
            raise conflict("the LDAP group with DN %s already exists" % ldap_group_dn)
    if not name:
        raise bad_request("group_name is required")
    if find_group(state, name=name, group_type=group_type) is not None:
        raise conflict("the user group %s already exists" % name)
    group = {"id": state.next_id("usergroup"), "group_name": name, "group_type": group_type,
             "ldap_group_dn": ldap_group_dn if group_type == 1 else ""}
    state.usergroups[group["id"]] = group
    return group


def _get(ctx):
    group = ctx.state.usergroups.get(ctx.path_int("group_id"))
    if group is None:
        raise not_found("the user group with id %s is not found" % ctx.params["group_id"])
    return group


@ROUTES.get("/usergroups")
def list_groups(ctx):
    auth.require(ctx, None, "user-group", "list")
    extra = {}
    name = ctx.query_str("group_name")
    if name:
        extra["group_name"] = Fuzzy(name)
    groups = sorted(ctx.state.usergroups.values(), key=lambda g: g["id"])
    dn = ctx.query_str("ldap_group_dn")
    if dn:
        groups = [g for g in groups if g["ldap_group_dn"].lower() == dn.lower()]
    items = filter_items(ctx, groups, {"group_name": "group_name"}, extra=extra)
    return paginate(ctx, items, serialize)


@ROUTES.post("/usergroups")
def create_group(ctx):
    auth.require(ctx, None, "user-group", "create")
    body = ctx.json_object()
    group = add_group(ctx.state, body.get("group_name") or "", body.get("group_type") or 0,
                      body.get("ldap_group_dn") or "")
    return Response.created(ctx.location(group["id"]))


@ROUTES.get("/usergroups/search")
def search_groups(ctx):
    auth.require_authenticated(ctx)
    name = ctx.query_str("groupname", required=True)
    groups = [g for g in sorted(ctx.state.usergroups.values(), key=lambda g: g["id"])
              if name.lower() in g["group_name"].lower()]
    return paginate(ctx, groups, lambda g: {"id": g["id"], "group_name": g["group_name"],
                                            "group_type": g["group_type"]})


@ROUTES.get("/usergroups/{group_id}")
def get_group(ctx):
    auth.require(ctx, None, "user-group", "read")
    return Response.json(serialize(_get(ctx)))


@ROUTES.put("/usergroups/{group_id}")
def update_group(ctx):
    auth.require(ctx, None, "user-group", "update")
    group = _get(ctx)
    name = ctx.json_object().get("group_name") or ""
    if not name:
        raise bad_request("group name can not be empty")
    other = find_group(ctx.state, name=name, group_type=group["group_type"])
    if other is not None and other["id"] != group["id"]:
        raise conflict("the user group %s already exists" % name)
    group["group_name"] = name
    return Response.ok()


@ROUTES.delete("/usergroups/{group_id}")
def delete_group(ctx):
    auth.require(ctx, None, "user-group", "delete")
    group = _get(ctx)
    del ctx.state.usergroups[group["id"]]
    ctx.state.members[:] = [m for m in ctx.state.members
                            if not (m["entity_type"] == "g" and m["entity_id"] == group["id"])]
    return Response.ok()
