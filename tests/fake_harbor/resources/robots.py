"""Robot accounts: ``/robots*`` (v2), ``/permissions`` and the v1 ``/projects/{p}/robots*`` (api-notes §2,
errata E1, E5-E8).

* v2 robots are ``system`` or ``project`` level.  Harbor stores a project robot's name as
  ``<project>+<name>`` and adds the ``robot_name_prefix`` configuration (default ``robot$``) when it
  returns a name: ``robot$ci``, ``robot$production+ci``.
* ``POST /robots`` answers 201 with a ``RobotCreated`` body: the generated secret is returned there and by
  ``PATCH /robots/{id}`` with an empty body only; ``secret`` and ``disable`` of the create body are ignored.
* Validation order of create/update (errata E5, E6): duration, level, empty permission, empty access,
  more than one entry for a project robot, then per entry the kind and every ``resource:action`` pair
  against the set the version allows (errata E7, the same set ``GET /permissions`` returns).  A project
  robot's namespace is looked up as a project name: on POST a missing project is 404 for a sysadmin and
  403 for others (the access check runs first), on PUT 404 (the lookup runs first).
* ``PUT /robots/{id}`` replaces description, disable, permissions and (2.11+) an optional duration; on 2.10
  an absent or 0 duration resets it to ``robot_token_duration`` (errata E8).  ``name`` and ``level`` must
  equal the stored ones, checked after the permissions.
* ``GET /robots`` lists system robots; ``q=Level=project,ProjectID=N`` lists a project's robots.
* The v1 project endpoints exist before 2.13 only (removed in 2.13.0): ``access[].resource`` must be
  ``/project/<id>/<resource>``; v1 robots are not editable through the v2 PUT.
* Robots authenticate with their full name and secret (hook ``authenticate_robot``); a disabled or expired
  robot is anonymous.  Every secret goes through ``state.remember_secret()``.

Derived simplifications (not verified against a running Harbor): ``GET /permissions`` answers a project
admin with the project list only and robots with 403; the error texts of name checks, v1 resources and
legacy edits are ours.
"""

import datetime
import re
import secrets
import string
import time

from ..framework import auth
from ..framework.errors import HarborError, bad_request, conflict, forbidden, not_found
from ..framework.paging import paginate
from ..framework.query import filter_items, parse_q
from ..framework.response import Response
from ..framework.routing import RouteTable
from .configurations import get_config
from .projects import lookup, require_project
from .users import PASSWORD_MESSAGE, valid_password

ROUTES = RouteTable()

NAME_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
MAX_DURATION = 2147483646
DAY = 86400
V1_RESOURCE_RE = re.compile(r"^/project/(\d+)/([a-z-]+)$")


def _pairs(table):
    return {(resource, action) for resource, actions in table.items() for action in actions.split()}


# The resource/action pairs Harbor accepts for robots (rbac PoliciesMap, plus NolimitProvider's extras from
# 2.12: errata E7).  GET /permissions returns exactly this set for the running version.
_SYSTEM_BASE = _pairs({
    "audit-log": "list", "preheat-instance": "read create delete list update", "project": "list create",
    "replication-policy": "read create delete list update", "replication": "read create list",
    "replication-adapter": "list", "registry": "read create delete list update",
    "scan-all": "read update stop create", "system-volumes": "read",
    "garbage-collection": "read create list update stop", "purge-audit": "read create list update stop",
    "jobservice-monitor": "list stop", "scanner": "read create delete list update",
    "label": "read create delete update", "security-hub": "read list", "catalog": "read", "quota": "read list",
})
_SYSTEM_EXTRA_212 = _pairs({
    "robot": "create read list delete", "user": "create read update list delete", "ldap-user": "create list",
    "quota": "update", "user-group": "create read update list delete",
})
_PROJECT_BASE = _pairs({
    "log": "list", "project": "read update delete", "metadata": "read create update delete list",
    "repository": "read list update delete pull push", "artifact": "read create list delete",
    "scan": "create stop read", "tag": "create list delete", "accessory": "list", "artifact-addition": "read",
    "artifact-label": "create delete", "scanner": "create read", "preheat-policy": "read create delete list update",
    "immutable-tag": "create delete list update", "tag-retention": "read create delete list update operate",
    "notification-policy": "read create delete list update", "quota": "read",
    "label": "create delete list read update",
})
_PROJECT_SBOM_211 = _pairs({"sbom": "create stop read"})
_PROJECT_EXTRA_212 = _pairs({
    "robot": "create read list delete", "export-cve": "create read", "member": "create read update list delete",
})


def allowed_pairs(version, kind):
    """The set of (resource, action) pairs a robot may hold at ``kind`` ("system"/"project") on ``version``."""
    if kind == "system":
        pairs = set(_SYSTEM_BASE)
        if version >= (2, 12):
            pairs |= _SYSTEM_EXTRA_212
        return pairs
    pairs = set(_PROJECT_BASE)
    if version >= (2, 11):
        pairs |= _PROJECT_SBOM_211
    if version >= (2, 12):
        pairs |= _PROJECT_EXTRA_212
    return pairs


def init_state(state):
    state.robots = {}  # id -> record, see _insert


def _epoch():
    return int(time.time())


def _iso(epoch):
    moment = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def _expires_at(created, duration):
    return -1 if duration == -1 else created + duration * DAY


def generate_secret():
    """32 random characters with at least one upper-case letter, one lower-case letter and one digit."""
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _position in range(32))
        if valid_password(value):
            return value


def prefix(state):
    return get_config(state, "robot_name_prefix")


def full_name(state, robot):
    return prefix(state) + robot["name"]


def _insert(state, name, level, duration, permissions, project_id=0, description="", creator=None, v1=False):
    created = _epoch()
    robot = {
        "id": state.next_id("robot"), "name": name, "level": level, "description": description or "",
        "duration": duration, "expires_at": _expires_at(created, duration), "disable": False, "editable": not v1,
        "permissions": permissions, "project_id": project_id, "secret": state.remember_secret(generate_secret()),
        "creator_type": (creator or ("local", 1))[0], "creator_ref": (creator or ("local", 1))[1],
        "created": created, "creation_time": _iso(created), "update_time": _iso(created),
    }
    state.robots[robot["id"]] = robot
    return robot


def add_robot(state, name, level="system", duration=-1, permissions=None, project=None, description=""):
    """Seed a v2 robot (no validation); ``project`` is a project name for a project robot."""
    project_id = 0
    if level == "project":
        project_id = lookup(state, ("name", project))["project_id"]
        name = "%s+%s" % (project, name)
    return _insert(state, name, level, duration, permissions or [], project_id=project_id, description=description)


def serialize(ctx, robot):
    body = {
        "id": robot["id"], "name": full_name(ctx.state, robot), "level": robot["level"],
        "duration": robot["duration"], "editable": robot["editable"], "disable": robot["disable"],
        "expires_at": robot["expires_at"], "creation_time": robot["creation_time"],
        "update_time": robot["update_time"],
        "permissions": [{"kind": p["kind"], "namespace": p["namespace"], "access": [dict(a) for a in p["access"]]}
                        for p in robot["permissions"]],
    }
    if robot["description"]:
        body["description"] = robot["description"]
    if ctx.version >= (2, 13):  # the v2.10.0 spec (2.10-2.12) has no creator fields
        body["creator_type"] = robot["creator_type"]
        body["creator_ref"] = robot["creator_ref"]
    return body


def _created_body(ctx, robot):
    return {"id": robot["id"], "name": full_name(ctx.state, robot), "secret": robot["secret"],
            "creation_time": robot["creation_time"], "expires_at": robot["expires_at"]}


# ------------------------------------------------------------------ validation (errata E5-E8)

def _duration_error(duration):
    return bad_request("bad request error duration input: %s, duration must be either -1(Never) or a positive integer"
                       % duration)


def _check_duration(ctx, duration, creating):
    """Return the duration to store (None = keep the current one) or raise 400 (errata E5, E8)."""
    if duration is not None and not isinstance(duration, int):
        raise _duration_error(duration)
    if ctx.version >= (2, 11):
        if duration is None and not creating:
            return None
        duration = duration or 0
        if duration != -1 and not 0 < duration <= MAX_DURATION:
            raise _duration_error(duration)
        return duration
    if duration is not None and duration < -1:
        raise _duration_error(duration)
    if not duration:  # 2.10: absent or 0 means robot_token_duration
        return get_config(ctx.state, "robot_token_duration")
    return duration


def _clean_permissions(permissions):
    out = []
    for perm in permissions or []:
        if not isinstance(perm, dict):
            continue
        access = []
        for item in perm.get("access") or []:
            if isinstance(item, dict):
                entry = {"resource": item.get("resource") or "", "action": item.get("action") or ""}
                if item.get("effect"):
                    entry["effect"] = item["effect"]
                access.append(entry)
        out.append({"kind": perm.get("kind") or "", "namespace": perm.get("namespace") or "", "access": access})
    return out


def _validate(ctx, level, permissions):
    """Harbor's validate(): level, then the permission rules in errata E6's order."""
    if level not in ("system", "project"):
        raise bad_request("bad request invalid level: %s" % level)
    if not permissions:
        raise bad_request("bad request empty permission")
    for perm in permissions:
        if not perm["access"]:
            raise bad_request("bad request empty access")
    if level == "project" and len(permissions) > 1:
        raise bad_request("bad request permission")
    for perm in permissions:
        if perm["kind"] not in ("system", "project"):
            raise bad_request("bad request permission level: %s" % perm["kind"])
        allowed = allowed_pairs(ctx.version, perm["kind"])
        for item in perm["access"]:
            if (item["resource"], item["action"]) not in allowed:
                raise bad_request("bad request permission: %s:%s" % (item["resource"], item["action"]))


def _namespace_projects(ctx, permissions):
    """The projects named by project entries (``*`` = all); None for a name no project has."""
    found = {}
    for perm in permissions:
        if perm["kind"] == "project" and perm["namespace"] != "*":
            found[perm["namespace"]] = lookup(ctx.state, ("name", perm["namespace"]))
    return found


def _require_subset(ctx, permissions):
    """A robot caller may only hand out permissions it holds itself (isValidPermissionScope)."""
    principal = ctx.principal
    if not principal.is_robot:
        return
    for perm in permissions:
        project = None if perm["kind"] == "system" else perm["namespace"]
        for item in perm["access"]:
            if not principal.robot_allows(project, item["resource"], item["action"]):
                raise forbidden("the permissions of the robot exceed those of the caller")


def _require_robot_access(ctx, robot, action):
    project = ctx.state.projects.get(robot["project_id"]) if robot["level"] == "project" else None
    auth.require(ctx, project, "robot", action)


def _get_robot(ctx):
    auth.require_authenticated(ctx)
    robot = ctx.state.robots.get(ctx.path_int("robot_id"))
    if robot is None:
        raise not_found("robot %s not found" % ctx.params["robot_id"])
    return robot


# ------------------------------------------------------------------ v2 endpoints

@ROUTES.post("/robots")
def create_robot(ctx):
    auth.require_authenticated(ctx)
    body = ctx.json_object()
    level = body.get("level") or ""
    duration = _check_duration(ctx, body.get("duration"), creating=True)
    permissions = _clean_permissions(body.get("permissions"))
    _validate(ctx, level, permissions)
    name = body.get("name") or ""
    if not NAME_RE.match(name) or len(name) > 255:
        raise bad_request("robot name is not in lower case or contains illegal characters")
    projects = _namespace_projects(ctx, permissions)
    project = None
    if level == "project":
        project = projects.get(permissions[0]["namespace"]) if permissions[0]["kind"] == "project" else None
        if project is None:
            # the access check runs first, against project id 0 (errata E6)
            if not ctx.principal.sysadmin:
                raise forbidden("forbidden")
            raise not_found("project %s not found" % permissions[0]["namespace"])
        auth.require(ctx, project, "robot", "create")
        name = "%s+%s" % (project["name"], name)
    else:
        auth.require(ctx, None, "robot", "create")
        missing = sorted(n for n, p in projects.items() if p is None)
        if missing:
            raise not_found("project %s not found" % missing[0])
    _require_subset(ctx, permissions)
    if any(r["name"] == name for r in ctx.state.robots.values()):
        raise conflict("robot account %s already exists" % (prefix(ctx.state) + name))
    principal = ctx.principal
    creator = ("robot", principal.robot.get("id", 0)) if principal.is_robot else ("local", principal.user_id)
    robot = _insert(ctx.state, name, level, duration, permissions, project_id=project["project_id"] if project else 0,
                    description=body.get("description") or "", creator=creator)
    ctx.state.hooks.all("audit_event", ctx.state, principal, "create", "robot", full_name(ctx.state, robot),
                        robot["project_id"])
    return Response.created(ctx.location(robot["id"]), body=_created_body(ctx, robot))


@ROUTES.get("/robots")
def list_robots(ctx):
    auth.require_authenticated(ctx)
    state = ctx.state
    keywords = parse_q(ctx.query_value("q"))  # filter_items applies them below; here they pick the scope
    if keywords.get("Level") == "project":
        project_id = keywords.get("ProjectID")
        if not isinstance(project_id, str) or not project_id.isdigit() or int(project_id) <= 0:
            raise bad_request("must with project ID when to query project robots")
        project = state.projects.get(int(project_id))
        if project is None and not ctx.principal.sysadmin:
            raise forbidden("forbidden")
        if project is not None:
            auth.require(ctx, project, "robot", "list")
        candidates = [r for r in state.robots.values() if r["level"] == "project" and r["project_id"] == int(project_id)]
    else:
        auth.require(ctx, None, "robot", "list")
        candidates = [r for r in state.robots.values() if r["level"] == "system"]
    items = filter_items(ctx, candidates, {
        "name": "name", "Level": "level", "ProjectID": "project_id", "id": "id", "disable": "disable",
    }, sortable={"name": "name", "id": "id", "creation_time": "created", "expires_at": "expires_at"},
        default_sort="id")
    return paginate(ctx, items, lambda r: serialize(ctx, r))


@ROUTES.get("/robots/{robot_id}")
def get_robot(ctx):
    robot = _get_robot(ctx)
    _require_robot_access(ctx, robot, "read")
    return Response.json(serialize(ctx, robot))


@ROUTES.put("/robots/{robot_id}")
def update_robot(ctx):
    robot = _get_robot(ctx)
    body = ctx.json_object()
    if not robot["editable"]:
        raise HarborError(403, "editing of legacy robot is not allowed", code="DENIED")
    level = body.get("level") or ""
    duration = _check_duration(ctx, body.get("duration"), creating=False)
    permissions = _clean_permissions(body.get("permissions"))
    _validate(ctx, level, permissions)
    projects = _namespace_projects(ctx, permissions)
    missing = sorted(n for n, p in projects.items() if p is None)
    if missing:  # the lookup runs before the access check on update (errata E6)
        raise not_found("project %s not found" % missing[0])
    if level == "project" and robot["level"] == "project":
        project = projects.get(permissions[0]["namespace"]) if permissions[0]["kind"] == "project" else None
        if project is None or project["project_id"] != robot["project_id"]:
            raise bad_request("cannot update the project id of robot")
    _require_robot_access(ctx, robot, "update")
    if body.get("name") != full_name(ctx.state, robot) or level != robot["level"]:
        raise bad_request("cannot update the level or name of robot")
    _require_subset(ctx, permissions)
    robot["description"] = body.get("description") or ""
    robot["disable"] = bool(body.get("disable"))
    robot["permissions"] = permissions
    if duration is not None and (duration != robot["duration"] or ctx.version < (2, 11)):
        robot["duration"] = duration
        robot["expires_at"] = _expires_at(robot["created"], duration)
    robot["update_time"] = _iso(_epoch())
    return Response.ok()


@ROUTES.patch("/robots/{robot_id}")
def refresh_secret(ctx):
    robot = _get_robot(ctx)
    body = ctx.json_object()
    _require_robot_access(ctx, robot, "update")
    wanted = body.get("secret") or ""
    robot["update_time"] = _iso(_epoch())
    if not wanted:
        robot["secret"] = ctx.state.remember_secret(generate_secret())
        return Response.json({"secret": robot["secret"]})
    ctx.state.remember_secret(wanted)
    if not valid_password(wanted):
        raise bad_request(PASSWORD_MESSAGE)
    robot["secret"] = wanted
    return Response.json({})


@ROUTES.delete("/robots/{robot_id}")
def delete_robot(ctx):
    robot = _get_robot(ctx)
    _require_robot_access(ctx, robot, "delete")
    del ctx.state.robots[robot["id"]]
    ctx.state.hooks.all("audit_event", ctx.state, ctx.principal, "delete", "robot", full_name(ctx.state, robot),
                        robot["project_id"])
    return Response.ok()


@ROUTES.get("/permissions")
def get_permissions(ctx):
    auth.require_authenticated(ctx)
    principal = ctx.principal

    def listing(kind):
        return [{"resource": r, "action": a} for r, a in sorted(allowed_pairs(ctx.version, kind))]

    if principal.sysadmin:
        return Response.json({"system": listing("system"), "project": listing("project")})
    if principal.kind == "user" and any(auth.project_role(ctx.state, principal, p) == auth.ROLE_PROJECT_ADMIN
                                        for p in ctx.state.projects.values()):
        return Response.json({"project": listing("project")})
    raise forbidden("forbidden")


# ------------------------------------------------------------------ v1 project robots (until 2.13.0)

def _v1_robot(ctx, project):
    robot = _get_robot(ctx)
    if robot["project_id"] != project["project_id"]:
        raise not_found("robot %s not found" % ctx.params["robot_id"])
    return robot


@ROUTES.get("/projects/{project_name_or_id}/robots", until=(2, 13))
def list_robots_v1(ctx):
    project = require_project(ctx, "robot", "list")
    items = [r for r in ctx.state.robots.values() if r["project_id"] == project["project_id"]]
    items = filter_items(ctx, items, {"name": "name", "id": "id"}, sortable={"name": "name", "id": "id"},
                         default_sort="id")
    return paginate(ctx, items, lambda r: serialize(ctx, r))


@ROUTES.post("/projects/{project_name_or_id}/robots", until=(2, 13))
def create_robot_v1(ctx):
    project = require_project(ctx, "robot", "create")
    body = ctx.json_object()
    name = body.get("name") or ""
    if not NAME_RE.match(name):
        raise bad_request("robot name is not in lower case or contains illegal characters")
    access = []
    for item in body.get("access") or []:
        match = V1_RESOURCE_RE.match((item or {}).get("resource") or "")
        if not match or int(match.group(1)) != project["project_id"]:
            raise bad_request("bad request resource: %s, it must be /project/%d/<resource>"
                              % ((item or {}).get("resource"), project["project_id"]))
        pair = (match.group(2), item.get("action") or "")
        if pair not in allowed_pairs(ctx.version, "project"):
            raise bad_request("bad request permission: %s:%s" % pair)
        access.append({"resource": pair[0], "action": pair[1]})
    if not access:
        raise bad_request("bad request empty access")
    stored = "%s+%s" % (project["name"], name)
    if any(r["name"] == stored for r in ctx.state.robots.values()):
        raise conflict("robot account %s already exists" % (prefix(ctx.state) + stored))
    expires_at = body.get("expires_at") or 0
    if expires_at == -1:
        duration = -1
    elif expires_at > _epoch():
        duration = -(-(expires_at - _epoch()) // DAY)
    else:
        duration = get_config(ctx.state, "robot_token_duration")
    permissions = [{"kind": "project", "namespace": project["name"], "access": access}]
    robot = _insert(ctx.state, stored, "project", duration, permissions, project_id=project["project_id"],
                    description=body.get("description") or "", creator=("local", ctx.principal.user_id or 0), v1=True)
    if expires_at > 0:
        robot["expires_at"] = expires_at
    return Response.created(ctx.location(robot["id"]), body=_created_body(ctx, robot))


@ROUTES.get("/projects/{project_name_or_id}/robots/{robot_id}", until=(2, 13))
def get_robot_v1(ctx):
    project = require_project(ctx, "robot", "read")
    return Response.json(serialize(ctx, _v1_robot(ctx, project)))


@ROUTES.put("/projects/{project_name_or_id}/robots/{robot_id}", until=(2, 13))
def update_robot_v1(ctx):
    project = require_project(ctx, "robot", "update")
    robot = _v1_robot(ctx, project)
    robot["disable"] = bool(ctx.json_object().get("disable"))
    robot["update_time"] = _iso(_epoch())
    return Response.ok()


@ROUTES.delete("/projects/{project_name_or_id}/robots/{robot_id}", until=(2, 13))
def delete_robot_v1(ctx):
    project = require_project(ctx, "robot", "delete")
    robot = _v1_robot(ctx, project)
    del ctx.state.robots[robot["id"]]
    return Response.ok()


# ------------------------------------------------------------------ hooks

def authenticate_robot(state, username, secret):
    """Basic auth of a robot: its full name and secret; disabled or expired robots are anonymous."""
    for robot in state.robots.values():
        if full_name(state, robot) != username:
            continue
        expired = robot["expires_at"] != -1 and robot["expires_at"] <= _epoch()
        if robot["secret"] != secret or robot["disable"] or expired:
            return None
        record = {"id": robot["id"], "name": robot["name"], "level": robot["level"],
                  "permissions": [dict(p, access=[dict(a) for a in p["access"]]) for p in robot["permissions"]]}
        return auth.Principal.robot_principal(username, record)
    return None


def project_deleted(state, project):
    """Harbor deletes a project's robots with the project."""
    for robot_id in [i for i, r in state.robots.items() if r["project_id"] == project["project_id"]]:
        del state.robots[robot_id]


HOOKS = {"authenticate_robot": authenticate_robot, "project_deleted": project_deleted}
