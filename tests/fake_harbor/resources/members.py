"""``/projects/{project_name_or_id}/members``: project members (api-notes §13).

Stored in ``state.members`` (created by ``users``; ``projects`` adds the
creator as project admin, deletions of users, groups and projects clean up):
``{"id", "project_id", "entity_type": "u"|"g", "entity_id", "role_id"}``.

* Role ids 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest;
  any other → 400.
* ``POST`` ``{"role_id", "member_user": {"user_id"}|{"username"}}`` or
  ``{"role_id", "member_group": {"id"}|{"group_name", "group_type", "ldap_group_dn"}}``
  → 201 + ``Location: /api/v2.0/projects/<name or id as sent>/members/<id>``;
  the same entity twice → 409.  There is no directory behind the fake, so
  nothing is onboarded: an unknown user or group id → 404, and an LDAP group
  given by DN is created as a user group when it does not exist yet.
* ``GET`` list: ``entityname`` is a case-insensitive substring match, paged;
  ``PUT /members/{mid}`` ``{"role_id"}``; ``DELETE`` (404 when missing).
* Permissions: ``member`` list/read for project members, create/update/delete
  for project admins (``auth.role_allows``) and sysadmins.
"""

from ..framework import auth
from ..framework.errors import bad_request, conflict, not_found
from ..framework.paging import paginate
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import usergroups, users
from .projects import require_project

ROUTES = RouteTable()

ROLE_NAMES = {auth.ROLE_PROJECT_ADMIN: "projectAdmin", auth.ROLE_DEVELOPER: "developer", auth.ROLE_GUEST: "guest",
              auth.ROLE_MAINTAINER: "maintainer", auth.ROLE_LIMITED_GUEST: "limitedGuest"}


def entity_name(state, member):
    if member["entity_type"] == "u":
        return (state.users.get(member["entity_id"]) or {}).get("username", "")
    return (state.usergroups.get(member["entity_id"]) or {}).get("group_name", "")


def serialize(state, member):
    return {"id": member["id"], "project_id": member["project_id"], "entity_name": entity_name(state, member),
            "role_name": ROLE_NAMES.get(member["role_id"], ""), "role_id": member["role_id"],
            "entity_id": member["entity_id"], "entity_type": member["entity_type"]}


def _role(body):
    role_id = body.get("role_id")
    if role_id not in ROLE_NAMES:
        raise bad_request("invalid role id %s, should be 1, 2, 3, 4 or 5" % role_id)
    return role_id


def _entity(state, body):
    user, group = body.get("member_user"), body.get("member_group")
    if user:
        if user.get("user_id"):
            record = state.users.get(user["user_id"])
        else:
            record = users.find_user(state, user.get("username") or "")
        if record is None:
            raise not_found("user %s not found" % (user.get("user_id") or user.get("username")))
        return "u", record["user_id"]
    if group:
        if group.get("id"):
            record = state.usergroups.get(group["id"])
            if record is None:
                raise not_found("user group %s not found" % group["id"])
            return "g", record["id"]
        dn = group.get("ldap_group_dn") or ""
        if dn:
            record = usergroups.find_group(state, group_type=1, ldap_group_dn=dn)
            if record is None:
                record = usergroups.add_group(state, group.get("group_name") or dn, 1, dn)
            return "g", record["id"]
        record = usergroups.find_group(state, name=group.get("group_name") or "", group_type=group.get("group_type"))
        if record is None:
            raise not_found("user group %s not found" % group.get("group_name"))
        return "g", record["id"]
    raise bad_request("member_user or member_group is required")


def _member(ctx, project):
    mid = ctx.path_int("mid")
    for member in ctx.state.members:
        if member["id"] == mid and member["project_id"] == project["project_id"]:
            return member
    raise not_found("project member %d not found" % mid)


@ROUTES.get("/projects/{project_name_or_id}/members")
def list_members(ctx):
    project = require_project(ctx, "member", "list")
    name = (ctx.query_str("entityname") or "").lower()
    state = ctx.state
    items = [m for m in sorted(state.members, key=lambda m: m["id"]) if m["project_id"] == project["project_id"]
             and name in entity_name(state, m).lower()]
    return paginate(ctx, items, lambda m: serialize(state, m))


@ROUTES.post("/projects/{project_name_or_id}/members")
def create_member(ctx):
    project = require_project(ctx, "member", "create")
    body = ctx.json_object()
    role_id = _role(body)
    entity_type, entity_id = _entity(ctx.state, body)
    for member in ctx.state.members:
        if (member["project_id"], member["entity_type"], member["entity_id"]) == (
                project["project_id"], entity_type, entity_id):
            raise conflict("the member already exists in project %s" % project["name"])
    member = {"id": ctx.state.next_id("member"), "project_id": project["project_id"], "entity_type": entity_type,
              "entity_id": entity_id, "role_id": role_id}
    ctx.state.members.append(member)
    return Response.created(ctx.location(member["id"]))


@ROUTES.get("/projects/{project_name_or_id}/members/{mid}")
def get_member(ctx):
    project = require_project(ctx, "member", "read")
    return Response.json(serialize(ctx.state, _member(ctx, project)))


@ROUTES.put("/projects/{project_name_or_id}/members/{mid}")
def update_member(ctx):
    project = require_project(ctx, "member", "update")
    member = _member(ctx, project)
    member["role_id"] = _role(ctx.json_object())
    return Response.ok()


@ROUTES.delete("/projects/{project_name_or_id}/members/{mid}")
def delete_member(ctx):
    project = require_project(ctx, "member", "delete")
    member = _member(ctx, project)
    ctx.state.members.remove(member)
    return Response.ok()
