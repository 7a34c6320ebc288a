"""``/labels``: system (scope ``g``) and project (scope ``p``) labels (api-notes §13).

* ``GET /labels`` needs ``scope=g``, or ``scope=p`` with ``project_id``
  (otherwise 400); ``name`` is a case-insensitive substring match; paged.
* ``POST`` ``{"name", "description", "color", "scope", "project_id"}`` → 201 +
  ``Location: /api/v2.0/labels/<id>``; empty name or another scope → 400; a
  missing project → 404; the same name in the same scope (and project) → 409.
* ``PUT /labels/{id}`` sets ``name``, ``description`` and ``color`` from the
  body (absent ones become empty) **(assumed: not in api-notes)**; scope and
  project stay.  ``DELETE`` → 200.
* Permissions (``label.go`` ``requireAccess``): a system label is read,
  created, updated and deleted with the system ``label`` permission (robots
  may hold ``label: read create update delete``); listing them needs only an
  authenticated caller; project labels follow the project's ``label``
  permission.
* Labels of a deleted project go with it (``project_deleted`` hook).
"""

from ..framework import auth
from ..framework.errors import bad_request, conflict, forbidden, not_found
from ..framework.paging import paginate
from ..framework.response import Response
from ..framework.routing import RouteTable
from .projects import lookup

ROUTES = RouteTable()


def init_state(state):
    state.labels = {}


def serialize(label):
    return {k: label[k] for k in ("id", "name", "description", "color", "scope", "project_id", "creation_time",
                                  "update_time")}


def _project(ctx, project_id):
    project = lookup(ctx.state, ("id", project_id))
    if project is None:
        if ctx.principal.sysadmin:
            raise not_found("project %d not found" % project_id)
        auth.require_authenticated(ctx)
        raise forbidden("forbidden")
    return project


def _require(ctx, label, action):
    """``labelAPI.requireAccess``: a system label needs the system ``label`` permission (``RequireSystemAccess``),
    a project label the project's; listing system labels checks nothing but who is calling (``ListLabels``)."""
    if label["scope"] == "g":
        if action == "list":
            auth.require_authenticated(ctx)
        else:
            auth.require(ctx, None, "label", action)
        return
    auth.require(ctx, _project(ctx, label["project_id"]), "label", action)


def _duplicate(state, name, scope, project_id, own_id=None):
    return any(l["name"] == name and l["scope"] == scope and l["project_id"] == project_id and l["id"] != own_id
               for l in state.labels.values())


def _get(ctx):
    label = ctx.state.labels.get(ctx.path_int("label_id"))
    if label is None:
        raise not_found("label %s not found" % ctx.params["label_id"])
    return label


@ROUTES.get("/labels")
def list_labels(ctx):
    scope = ctx.query_str("scope")
    project_id = ctx.query_int("project_id")
    if scope not in ("g", "p"):
        raise bad_request("invalid scope: %s" % scope)
    if scope == "p" and not project_id:
        raise bad_request("must specify project ID for project level labels")
    _require(ctx, {"scope": scope, "project_id": project_id}, "list")
    name = (ctx.query_str("name") or "").lower()
    items = [l for l in sorted(ctx.state.labels.values(), key=lambda l: l["id"])
             if l["scope"] == scope and (scope == "g" or l["project_id"] == project_id) and name in l["name"].lower()]
    return paginate(ctx, items, serialize)


@ROUTES.post("/labels")
def create_label(ctx):
    body = ctx.json_object()
    scope = body.get("scope") or ""
    name = body.get("name") or ""
    project_id = (body.get("project_id") or 0) if scope == "p" else 0
    if scope not in ("g", "p"):
        raise bad_request("invalid scope: %s" % scope)
    if scope == "p" and not project_id:
        raise bad_request("must specify project ID for project level labels")
    _require(ctx, {"scope": scope, "project_id": project_id}, "create")
    if not name:
        raise bad_request("label name is required")
    if _duplicate(ctx.state, name, scope, project_id):
        raise conflict("label %s already exists" % name)
    now = ctx.now()
    label = {"id": ctx.state.next_id("label"), "name": name, "description": body.get("description") or "",
             "color": body.get("color") or "", "scope": scope, "project_id": project_id, "creation_time": now,
             "update_time": now}
    ctx.state.labels[label["id"]] = label
    return Response.created(ctx.location(label["id"]))


@ROUTES.get("/labels/{label_id}")
def get_label(ctx):
    label = _get(ctx)
    _require(ctx, label, "read")
    return Response.json(serialize(label))


@ROUTES.put("/labels/{label_id}")
def update_label(ctx):
    label = _get(ctx)
    _require(ctx, label, "update")
    body = ctx.json_object()
    name = body.get("name") or ""
    if not name:
        raise bad_request("label name is required")
    if _duplicate(ctx.state, name, label["scope"], label["project_id"], own_id=label["id"]):
        raise conflict("label %s already exists" % name)
    label.update(name=name, description=body.get("description") or "", color=body.get("color") or "",
                 update_time=ctx.now())
    return Response.ok()


@ROUTES.delete("/labels/{label_id}")
def delete_label(ctx):
    label = _get(ctx)
    _require(ctx, label, "delete")
    del ctx.state.labels[label["id"]]
    return Response.ok()


def _project_deleted(state, project):
    for label_id in [l["id"] for l in state.labels.values() if l["project_id"] == project["project_id"]]:
        del state.labels[label_id]


HOOKS = {"project_deleted": _project_deleted}
