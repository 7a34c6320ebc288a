"""Scanner registrations: ``/scanners``, ``/scanners/{registration_id}``, ``/projects/{p}/scanner``.

Harbor's behaviour (api-notes §11, §13; swagger ``ScannerRegistration*``):

* Started "with trivy" (the default, like ``install.sh --with-trivy``), the fake registers the adapter
  ``Trivy`` as the system default at start-up, as Harbor's core does.
* ``POST /scanners`` (``ScannerRegistrationReq``: ``name`` and ``url`` required) → 201 +
  ``Location: /api/v2.0/scanners/{uuid}``. Names and URLs are unique (409). ``auth`` is ``""`` (none),
  ``Basic``, ``Bearer`` or ``X-ScannerAdapter-API-Key``; the three need an ``access_credential``.
* The credential is **write-only** here: it is stored (and remembered as a secret for the harness) but never
  returned. ``PUT`` replaces the registration; an omitted or empty credential keeps the stored one while the
  auth type still needs one (v2.15.2 spec, ``updateScanner``).
* ``PATCH /scanners/{uuid} {"is_default": true}`` makes it the system default (the others stop being it).
* ``DELETE`` → 200 with the deleted registration.
* ``GET /projects/{p}/scanner``: the project's scanner, else the system default (404 when there is none);
  ``PUT /projects/{p}/scanner {"uuid"}`` sets it.

Other resources use ``default_scanner(state)`` and ``scanner_for_project(state, project)`` (scans, scan-all).
"""

import uuid

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import bad_request, conflict, not_found
from ..framework.paging import paginate
from ..framework.query import filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import projects

ROUTES = RouteTable()

AUTH_TYPES = ("", "Basic", "Bearer", "X-ScannerAdapter-API-Key")
TRIVY = {"name": "Trivy", "url": "http://trivy-adapter:8080", "description": "", "auth": "",
         "use_internal_addr": True, "adapter": "Trivy", "vendor": "Aqua Security", "version": "v0.56.2"}
FIELDS = ("uuid", "name", "description", "url", "disabled", "is_default", "auth", "skip_certVerify",
          "use_internal_addr", "create_time", "update_time", "adapter", "vendor", "version")


def init_state(state):
    state.scanners = {}          # uuid -> registration (with its write-only access_credential)
    state.project_scanners = {}  # project_id -> uuid
    if state.options.with_trivy:
        registration = _new(state, dict(TRIVY))
        registration["is_default"] = True


def _new(state, body):
    now = now_iso()
    registration = {
        "uuid": str(uuid.uuid4()), "name": body["name"], "description": body.get("description") or "",
        "url": body["url"], "disabled": bool(body.get("disabled")), "is_default": False,
        "auth": body.get("auth") or "", "access_credential": state.remember_secret(body.get("access_credential") or ""),
        "skip_certVerify": bool(body.get("skip_certVerify")), "use_internal_addr": bool(body.get("use_internal_addr")),
        "create_time": now, "update_time": now, "adapter": body.get("adapter") or body["name"],
        "vendor": body.get("vendor") or "", "version": body.get("version") or "",
    }
    state.scanners[registration["uuid"]] = registration
    return registration


def default_scanner(state):
    for registration in state.scanners.values():
        if registration["is_default"]:
            return registration
    return None


def scanner_for_project(state, project):
    """The project's scanner, else the system default, else None."""
    chosen = state.scanners.get(state.project_scanners.get(project["project_id"]))
    return chosen or default_scanner(state)


def serialize(registration):
    body = {key: registration[key] for key in FIELDS if registration.get(key) not in (None, "") or key in (
        "description", "auth")}
    body["health"] = "healthy"
    return body


def _project_deleted(state, project):
    state.project_scanners.pop(project["project_id"], None)


HOOKS = {"project_deleted": _project_deleted}


def _check(state, body, current=None):
    """Harbor's validation of a registration; returns the credential to store."""
    if not (body.get("name") or "").strip():
        raise bad_request("scanner registration name is required")
    if not (body.get("url") or "").startswith(("http://", "https://")):
        raise bad_request("scanner registration url %s is not a valid http(s) URL" % body.get("url"))
    kind = body.get("auth") or ""
    if kind not in AUTH_TYPES:
        raise bad_request("auth type %s is not supported" % kind)
    for other in state.scanners.values():
        if current is not None and other["uuid"] == current["uuid"]:
            continue
        if other["name"] == body["name"]:
            raise conflict("scanner registration name %s already exists" % body["name"])
        if other["url"] == body["url"]:
            raise conflict("scanner registration url %s already exists" % body["url"])
    credential = body.get("access_credential") or ""
    if not credential and current is not None and kind:
        credential = current["access_credential"]
    if kind and not credential:
        raise bad_request("access_credential is required for auth type %s" % kind)
    return credential


def _require(ctx):
    registration = ctx.state.scanners.get(ctx.params["registration_id"])
    if registration is None:
        raise not_found("scanner registration %s not found" % ctx.params["registration_id"])
    return registration


@ROUTES.get("/scanners")
def list_scanners(ctx):
    auth.require(ctx, None, "scanner", "list")
    items = filter_items(ctx, sorted(ctx.state.scanners.values(), key=lambda r: r["create_time"]),
                         {"name": "name", "url": "url", "description": "description"},
                         sortable={"name": "name", "create_time": "create_time"})
    return paginate(ctx, items, serialize)


@ROUTES.post("/scanners")
def create_scanner(ctx):
    auth.require(ctx, None, "scanner", "create")
    body = ctx.json_object()
    credential = _check(ctx.state, body)
    registration = _new(ctx.state, dict(body, access_credential=credential, adapter=None, vendor=None, version=None))
    return Response.created(ctx.location(registration["uuid"]))


@ROUTES.get("/scanners/{registration_id}")
def get_scanner(ctx):
    auth.require(ctx, None, "scanner", "read")
    return Response.json(serialize(_require(ctx)))


@ROUTES.put("/scanners/{registration_id}")
def update_scanner(ctx):
    auth.require(ctx, None, "scanner", "update")
    registration = _require(ctx)
    body = ctx.json_object()
    credential = _check(ctx.state, body, registration)
    registration.update({
        "name": body["name"], "url": body["url"], "description": body.get("description") or "",
        "auth": body.get("auth") or "", "access_credential": ctx.state.remember_secret(credential),
        "skip_certVerify": bool(body.get("skip_certVerify")), "use_internal_addr": bool(body.get("use_internal_addr")),
        "disabled": bool(body.get("disabled")), "update_time": now_iso(),
    })
    return Response.ok()


@ROUTES.patch("/scanners/{registration_id}")
def set_default(ctx):
    auth.require(ctx, None, "scanner", "update")
    registration = _require(ctx)
    if ctx.json_object().get("is_default"):
        for other in ctx.state.scanners.values():
            other["is_default"] = other["uuid"] == registration["uuid"]
    return Response.ok()


@ROUTES.delete("/scanners/{registration_id}")
def delete_scanner(ctx):
    auth.require(ctx, None, "scanner", "delete")
    registration = _require(ctx)
    del ctx.state.scanners[registration["uuid"]]
    for project_id, chosen in list(ctx.state.project_scanners.items()):
        if chosen == registration["uuid"]:
            del ctx.state.project_scanners[project_id]
    return Response.json(serialize(registration))


@ROUTES.get("/projects/{project_name_or_id}/scanner")
def get_project_scanner(ctx):
    project = projects.require_project(ctx, "scanner", "read")
    registration = scanner_for_project(ctx.state, project)
    if registration is None:
        raise not_found("no scanner is configured for project %s" % project["name"])
    return Response.json(serialize(registration))


@ROUTES.put("/projects/{project_name_or_id}/scanner")
def set_project_scanner(ctx):
    project = projects.require_project(ctx, "scanner", "create")
    chosen = ctx.json_object().get("uuid")
    if chosen not in ctx.state.scanners:
        raise bad_request("scanner registration %s not found" % chosen)
    ctx.state.project_scanners[project["project_id"]] = chosen
    return Response.ok()
