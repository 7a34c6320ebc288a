"""Audit logs: ``/audit-logs``, ``/projects/{project_name}/logs`` and, from 2.13, ``/auditlog-exts``,
``/projects/{project_name}/auditlog-exts``, ``/auditlog-exts/events`` (api-notes §9, §10).

**What Harbor records, by version.** The records come from what happens in the fake: resources report what they
did through the ``audit_event`` hook (``audit_event(state, principal, operation, resource_type, resource,
project_id=0, details=None)``, see framework/hooks.py), and registry pushes, pulls and API artifact deletes
arrive through the ``artifact_event`` hook. This module decides what the emulated version keeps:

* **before 2.13** (legacy ``audit_log`` table): Harbor's audit handler resolves the events of the event bus only
  (src/controller/event/topic.go ``ResolveToAuditLog`` and handler/auditlog/auditlog.go at v2.10.0): project
  create/delete (resource: the project name), repository delete (the repository name), artifact push
  (``create``), pull and delete (``<repository>:<tag>``, or ``<repository>:<digest>`` by digest and for deletes;
  an anonymous pull is logged as user ``anonymous``) and tag create/delete (``<repository>:<tag>``). Users, robots
  and configuration changes are not audited.
* **2.13 and later** (``audit_log_ext``): the same event handler writes to the new table only (the legacy lists keep
  showing the records of an older installation: none in the fake), for the event types of ``EVENT_TYPES``
  (src/pkg/auditext/model/model.go, api-notes §9): artifact, project and repository events as above (tag events are
  not among them), robot create/delete, and the API calls that the common-event middleware resolves: user
  create/update/delete (``POST /users``, ``PUT /users/{id}``, ``…/password``, ``…/sysadmin``, ``DELETE``;
  the resource is the user name) and ``PUT /configurations`` (resource ``configuration``; the description holds
  the request payload, truncated at 450 characters, secrets masked here). ``operation_description`` is
  ``"<operation> <resource_type> with name: <resource>"`` (src/pkg/auditext/event/basic.go; derived for the
  event-bus types), ``operation_result`` is true (only operations that succeeded are reported to this module; Harbor
  also logs failed user and configuration calls with ``false``, which the fake does not). Event types listed in
  ``disabled_audit_log_event_types`` (comma separated) are not logged (``config.AuditLogEventEnabled``).
* ``skip_audit_log_database`` true: nothing is stored (pkg/audit and pkg/auditext ``Create``), on every version.

Logging in through the UI (``login_user``/``logout_user``) does not exist in the fake (no ``/c/login``).

**Records** are kept in ``state.audit_logs``, a list of dicts, oldest first (the audit-log purge job counts and
deletes them, purge_audit.py): ``{"id", "kind": "legacy"|"ext", "project_id", "username", "resource",
"resource_type", "operation", "op_time"}`` plus, for ``ext``, ``"operation_description"`` and
``"operation_result"``. ``op_time`` is Harbor's time format (``2024-05-01T10:00:00.123Z``).

**Listing** (handler/auditlog.go, handler/project.go ``GetLogs``): paging, ``q=`` on the table's columns
(``id``, ``project_id``, ``username``, ``resource``, ``resource_type``, ``operation``, ``op_time`` with a range,
for ``ext`` also ``op_desc`` and ``op_result``) and ``sort=`` (default ``-op_time``).

* ``GET /audit-logs`` and ``GET /auditlog-exts``: 401 for anonymous; everything for a caller with the system
  permission ``audit-log:list`` (sysadmins, system robots holding it); a db user sees the records of the projects
  where they hold ``log:list`` (as project admin); any other caller (a robot without the system permission)
  gets an empty list (the handler restricts the query to project id -1).
* ``GET /projects/{project_name}/logs`` and ``…/auditlog-exts``: the project permission ``log:list``
  (``RequireProjectAccess``), which of the project roles only the project admin holds (rbac_role.go) and a public
  project grants to no one (``log`` is not among the policies of a public project,
  src/common/rbac/project/util.go): other members and non-members get 403, anonymous 401.
* ``GET /auditlog-exts/events``: any authenticated caller; ``[{"event_type": …}]`` in Harbor's order.
"""

import json

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import forbidden, not_found, unauthorized
from ..framework.paging import paginate
from ..framework.query import filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import projects
from .configurations import SECRET_KEYS, get_config

ROUTES = RouteTable()

EXT_SINCE = (2, 13)
# src/controller/event/topic.go (v2.10.0): the events that have a ResolveToAuditLog
LEGACY_EVENTS = frozenset({
    ("create", "project"), ("delete", "project"), ("delete", "repository"), ("create", "artifact"),
    ("pull", "artifact"), ("delete", "artifact"), ("create", "tag"), ("delete", "tag"),
})
# src/pkg/auditext/model/model.go EventTypes (api-notes §9), in Harbor's order
EVENT_TYPES = ("create_artifact", "delete_artifact", "pull_artifact", "create_project", "delete_project",
               "delete_repository", "login_user", "logout_user", "create_user", "delete_user", "update_user",
               "create_robot", "delete_robot", "update_configuration")
ARTIFACT_OPERATIONS = {"PUSH_ARTIFACT": "create", "PULL_ARTIFACT": "pull", "DELETE_ARTIFACT": "delete"}
PAYLOAD_LIMIT = 450  # src/pkg/auditext/event/config/config.go payloadSizeLimit
MASK = "***"
LEGACY_COLUMNS = ("id", "project_id", "username", "resource", "resource_type", "operation", "op_time")


def init_state(state):
    state.audit_logs = []


def uses_ext(version):
    """2.13.0 moved audit logging to ``audit_log_ext`` (api-notes §10, §14)."""
    return version >= EXT_SINCE


def _disabled(state):
    raw = get_config(state, "disabled_audit_log_event_types") or ""
    return {item.strip().lower() for item in str(raw).split(",") if item.strip()}


def record(state, principal, operation, resource_type, resource, project_id=0, details=None):
    """Store one audit record if the emulated version logs this event (the module docstring); return it or None.

    ``details``: for a configuration update, the request body (it goes into the description)."""
    if get_config(state, "skip_audit_log_database"):
        return None
    username = principal.username if principal is not None else ""
    if operation == "pull" and not username:
        username = "anonymous"  # PullArtifactEvent.ResolveToAuditLog: "for pull public resource"
    entry = {"id": state.next_id("audit_log"), "project_id": int(project_id or 0), "username": username,
             "resource": resource, "resource_type": resource_type, "operation": operation, "op_time": now_iso()}
    if uses_ext(state.version):
        event_type = "%s_%s" % (operation, resource_type)
        if event_type not in EVENT_TYPES or event_type in _disabled(state):
            return None
        if resource_type == "configuration":
            description = configuration_description(details or {})
        else:
            description = "%s %s with name: %s" % (operation, resource_type, resource)
        entry.update(kind="ext", operation_result=True, operation_description=description)
    else:
        if (operation, resource_type) not in LEGACY_EVENTS:
            return None
        entry["kind"] = "legacy"
    state.audit_logs.append(entry)
    return entry


def _audit_event(state, principal, operation, resource_type, resource, project_id=0, details=None):
    record(state, principal, operation, resource_type, resource, project_id, details)


def _artifact_event(state, event_type, project, artifact, tag, principal, _extra=None):
    """Hook ``artifact_event``: registry push/pull and API deletes (topic.go: ``<repository>:<tag or digest>``)."""
    operation = ARTIFACT_OPERATIONS.get(event_type)
    if operation is None:
        return
    reference = artifact["digest"] if operation == "delete" or not tag else tag
    record(state, principal, operation, "artifact", "%s:%s" % (artifact["repository_name"], reference),
           project["project_id"])


def configuration_description(body):
    """``update configuration: <payload>`` (config.go), the payload truncated at 450 characters, secrets masked."""
    payload = json.dumps({key: (MASK if key in SECRET_KEYS else value) for key, value in body.items()},
                         separators=(",", ":"), sort_keys=True)
    if len(payload) > PAYLOAD_LIMIT:
        payload = payload[:PAYLOAD_LIMIT] + "..."
    return "update configuration: %s" % payload


HOOKS = {"audit_event": _audit_event, "artifact_event": _artifact_event}


# ---------------------------------------------------------------- listing

def _serialize_legacy(entry):
    return {key: entry[key] for key in ("id", "username", "resource", "resource_type", "operation", "op_time")}


def _serialize_ext(entry):
    body = _serialize_legacy(entry)
    body.update(operation_description=entry["operation_description"], operation_result=entry["operation_result"])
    return body


def _columns(kind):
    columns = {name: name for name in LEGACY_COLUMNS}
    if kind == "ext":
        columns.update(op_desc="operation_description", op_result="operation_result")
    return columns


def _list(ctx, kind, project_ids=None):
    items = [e for e in ctx.state.audit_logs if e["kind"] == kind
             and (project_ids is None or e["project_id"] in project_ids)]
    columns = _columns(kind)
    items = filter_items(ctx, items, columns, sortable=columns, default_sort="-op_time,-id")
    return paginate(ctx, items, _serialize_ext if kind == "ext" else _serialize_legacy)


def _may_list_project_logs(ctx, project):
    """``log:list`` in ``project``: of the roles only the project admin holds it (rbac_role.go), robots by their
    permission; a public project grants it to no one."""
    principal = ctx.principal
    if principal.sysadmin:
        return True
    if principal.is_robot:
        return principal.robot_allows(project["name"], "log", "list")
    return auth.project_role(ctx.state, principal, project) == auth.ROLE_PROJECT_ADMIN


def _visible_projects(ctx):
    """None (everything) with the system permission ``audit-log:list``, else the ids of the caller's projects."""
    if not ctx.principal.authenticated:
        raise unauthorized()
    if auth.has_permission(ctx, None, "audit-log", "list"):
        return None
    if ctx.principal.kind != "user":
        return set()  # not a local security context: the query is limited to project id -1
    return {p["project_id"] for p in ctx.state.projects.values()
            if auth.project_role(ctx.state, ctx.principal, p) is not None and _may_list_project_logs(ctx, p)}


def _project(ctx):
    """RequireProjectAccess(project_name, list, log) (handler/project.go ``GetLogs``, the name taken as a name): 401
    for anonymous, 403 for others without it; a missing project is 404 for sysadmins, 403 for others."""
    name = ctx.params["project_name"]
    project = projects.lookup(ctx.state, ("name", name))
    if project is None and ctx.principal.sysadmin:
        raise not_found("project %s not found" % name)
    if project is None or not _may_list_project_logs(ctx, project):
        auth.require_authenticated(ctx)
        raise forbidden("forbidden")
    return project


@ROUTES.get("/audit-logs")
def list_audit_logs(ctx):
    return _list(ctx, "legacy", _visible_projects(ctx))


@ROUTES.get("/projects/{project_name}/logs")
def project_logs(ctx):
    return _list(ctx, "legacy", {_project(ctx)["project_id"]})


@ROUTES.get("/auditlog-exts", since=EXT_SINCE)
def list_audit_log_exts(ctx):
    return _list(ctx, "ext", _visible_projects(ctx))


@ROUTES.get("/projects/{project_name}/auditlog-exts", since=EXT_SINCE)
def project_log_exts(ctx):
    return _list(ctx, "ext", {_project(ctx)["project_id"]})


@ROUTES.get("/auditlog-exts/events", since=EXT_SINCE)
def list_event_types(ctx):
    auth.require_authenticated(ctx)
    return Response.json([{"event_type": name} for name in EVENT_TYPES])
