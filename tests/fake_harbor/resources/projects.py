"""``/projects``: create / head / list / get / update / delete, ``_deletable``, ``summary``.

Behaviour follows api-notes §1 and errata E4 (see the README for what is
simplified).  Other resources use:

* ``project_access(ctx, resource, action)`` / ``require_project(...)``:
  resolve ``{project_name_or_id}`` with Harbor's permission-first order;
* ``lookup(state, ("id", 12) | ("name", "foo"))``;
"""

import re

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import HarborError, bad_request, conflict, forbidden, not_found, precondition
from ..framework.paging import paginate
from ..framework.query import Fuzzy, filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import cve_allowlists, quotas
from .configurations import get_config

ROUTES = RouteTable()

NAME_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
PERMITTED_PROXY_CACHE_TYPES = ("docker-hub", "harbor", "azure-acr", "ali-acr", "aws-ecr", "google-gcr",
                               "docker-registry", "github-ghcr", "jfrog-artifactory")

# ProjectMetadata keys by the version that introduced them (api-notes §1, errata E14).
_METADATA_KEYS = [
    ("public", None), ("enable_content_trust", None), ("enable_content_trust_cosign", None), ("prevent_vul", None),
    ("severity", None), ("auto_scan", None), ("reuse_sys_cve_allowlist", None), ("retention_id", None),
    ("auto_sbom_generation", (2, 11)), ("proxy_speed_kb", (2, 12)), ("max_upstream_conn", (2, 15, 0)),
    ("proxy_cache_local_on_not_found", (2, 15, 1)),
]


def metadata_keys(version):
    """Keys of the ProjectMetadata model of ``version``."""
    return [key for key, since in _METADATA_KEYS if version.between(since, None)]


def init_state(state):
    state.projects = {}
    state.repositories = []  # see resources/artifacts.py
    library = _insert(state, "library", owner_id=1, metadata={"public": "true"})
    quotas.create_project_quota(state, library, get_config(state, "storage_per_project"))


def _insert(state, name, owner_id, metadata, registry_id=0):
    now = now_iso()
    project_id = state.next_id("project")
    project = {
        "project_id": project_id, "name": name, "owner_id": owner_id, "registry_id": registry_id,
        "creation_time": now, "update_time": now, "metadata": dict(metadata),
        "cve_allowlist": {"id": state.next_id("cve_allowlist"), "project_id": project_id, "items": [],
                          "expires_at": None, "creation_time": now, "update_time": now},
    }
    state.projects[project_id] = project
    state.members.append({"id": state.next_id("member"), "project_id": project_id, "entity_type": "u",
                          "entity_id": owner_id, "role_id": auth.ROLE_PROJECT_ADMIN})
    return project


def lookup(state, ref):
    kind, value = ref
    if kind == "id":
        return state.projects.get(value)
    for project in state.projects.values():
        if project["name"] == value:
            return project
    return None


def project_access(ctx, resource="project", action="read", param="project_name_or_id"):
    """Harbor's RequireProjectAccess: the permission check runs first.

    Returns the project, or None when it does not exist and the caller is a
    sysadmin (the handler then answers 404 at the point Harbor does).  For a
    missing project other callers get 401 (anonymous) / 403.
    """
    ref = ctx.name_or_id(param)
    project = lookup(ctx.state, ref)
    if project is None:
        if ctx.principal.sysadmin:
            return None
        auth.require_authenticated(ctx)
        raise forbidden("forbidden")
    auth.require(ctx, project, resource, action)
    return project


def not_found_error(ctx, param="project_name_or_id"):
    return not_found("project %s not found" % ctx.params[param])


def require_project(ctx, resource="project", action="read", param="project_name_or_id"):
    project = project_access(ctx, resource, action, param)
    if project is None:
        raise not_found_error(ctx, param)
    return project


def repo_count(state, project):
    return sum(1 for r in state.repositories if r["project_id"] == project["project_id"])


def _normalized_metadata(metadata):
    out = dict(metadata)
    if "severity" in out:
        out["severity"] = out["severity"].lower()
    return out


def serialize(ctx, project, detail=True):
    state = ctx.state
    owner = state.users.get(project["owner_id"]) or {}
    body = {
        "project_id": project["project_id"], "owner_id": project["owner_id"], "name": project["name"],
        "creation_time": project["creation_time"], "update_time": project["update_time"],
        "owner_name": owner.get("username", ""), "repo_count": repo_count(state, project),
        "metadata": _normalized_metadata(project["metadata"]),
    }
    if project["registry_id"]:
        body["registry_id"] = project["registry_id"]
    if ctx.principal.kind == "user":
        roles = sorted({m["role_id"] for m in state.members if m["project_id"] == project["project_id"]
                        and m["entity_type"] == "u" and m["entity_id"] == ctx.principal.user_id})
        if roles:
            body["current_user_role_ids"] = roles
            body["current_user_role_id"] = auth.project_role(state, ctx.principal, project)
    if detail:
        body["cve_allowlist"] = cve_allowlists.serialize(project["cve_allowlist"])
    return body


def _is_sysadmin_for(ctx, action):
    """Harbor's isSysAdmin(ctx, action): system-level project permission."""
    return auth.has_permission(ctx, None, "project", action)


def _validate_registry(ctx, registry_id):
    if registry_id <= 0:
        raise bad_request("%d is invalid value of registry_id, it should be geater than 0" % registry_id)
    registry = ctx.hook("get_registry", registry_id)
    if registry is None:
        # errata E4: the lookup error loses its NOT_FOUND code -> 500
        raise HarborError(500, "failed to get the registry %d: registry %d not found" % (registry_id, registry_id))
    if registry.get("type") not in PERMITTED_PROXY_CACHE_TYPES:
        raise bad_request("unsupported registry type %s" % registry.get("type"))


def _clean_metadata(ctx, metadata):
    """Keep the keys of this version's ProjectMetadata model; drop nulls."""
    keys = metadata_keys(ctx.version)
    return {k: v for k, v in (metadata or {}).items() if k in keys and v is not None}


@ROUTES.post("/projects")
def create_project(ctx):
    auth.require_authenticated(ctx)
    principal = ctx.principal
    if principal.is_robot and (principal.robot or {}).get("level") != "system":
        raise forbidden("Only system level robot can create project")
    if get_config(ctx.state, "project_creation_restriction") == "adminonly" and not _is_sysadmin_for(ctx, "create"):
        raise forbidden("Only system admin can create project")
    req = ctx.json_object()
    registry_id = req.get("registry_id")
    if registry_id is not None and not _is_sysadmin_for(ctx, "create"):
        raise forbidden("Only system admin can create proxy cache project")

    storage_limit = req.get("storage_limit")
    if get_config(ctx.state, "quota_per_project_enable"):
        if storage_limit is None or storage_limit == 0 or not _is_sysadmin_for(ctx, "create"):
            storage_limit = get_config(ctx.state, "storage_per_project")
    else:
        storage_limit = None

    metadata = _clean_metadata(ctx, req.get("metadata"))
    if req.get("public") is not None and not metadata.get("public"):
        metadata["public"] = "true" if req["public"] else "false"
    if not metadata.get("public"):
        metadata["public"] = "false"
    if metadata["public"] not in ("true", "false"):
        raise bad_request("metadata.public should only be 'true' or 'false', but got: '%s'" % metadata["public"])
    if metadata.get("retention_id"):
        raise bad_request("retention_id is not allowed to be set when creating a project")
    metadata.pop("retention_id", None)
    if registry_id is not None:
        metadata.pop("enable_content_trust", None)
        _validate_registry(ctx, registry_id)
    if storage_limit is not None:
        quotas.validate_hard({"storage": storage_limit})

    name = req.get("project_name") or ""
    if not NAME_RE.match(name) or len(name) > 255:
        raise bad_request("project name is not in lower case or contains illegal characters")
    if lookup(ctx.state, ("name", name)) is not None:
        raise conflict("project %s already exists" % name)

    owner_id = principal.user_id if principal.kind == "user" else 1
    project = _insert(ctx.state, name, owner_id, metadata, registry_id=registry_id or 0)
    if storage_limit is not None:
        quotas.create_project_quota(ctx.state, project, storage_limit)
    if registry_id is not None:
        retention_id = ctx.hook("create_proxy_cache_retention", project)
        if retention_id is not None:
            project["metadata"]["retention_id"] = str(retention_id)
    ctx.state.hooks.all("audit_event", ctx.state, principal, "create", "project", name, project["project_id"])
    if ctx.header_bool("X-Resource-Name-In-Location", False):
        return Response.created(ctx.location(name))
    return Response.created(ctx.location(project["project_id"]))


@ROUTES.head("/projects")
def head_project(ctx):
    auth.require_authenticated(ctx)
    name = ctx.query_str("project_name", required=True)
    if lookup(ctx.state, ("name", name)) is None:
        raise not_found("project %s not found" % name)
    return Response.ok()


def _visible(ctx, project, public_filter):
    principal = ctx.principal
    if principal.sysadmin:
        return True
    if principal.is_robot and principal.robot_covers_all():
        return True
    public = auth.is_public(project)
    if public and (public_filter is None or public_filter):
        return True
    if principal.is_robot:
        return project["name"] in principal.robot_namespaces()
    if principal.kind == "user":
        return auth.project_role(ctx.state, principal, project) is not None
    return False


@ROUTES.get("/projects")
def list_projects(ctx):
    public_filter = ctx.query_bool("public")
    extra = {}
    name = ctx.query_str("name")
    if name:
        extra["name"] = Fuzzy(name)
    owner = ctx.query_str("owner")
    if owner:
        extra["owner"] = owner
    if public_filter is not None:
        extra["public"] = "true" if public_filter else "false"
    with_detail = ctx.query_bool("with_detail", True)
    if not ctx.principal.authenticated and public_filter is False:
        return Response.json([], headers={"X-Total-Count": "0"})
    state = ctx.state
    candidates = [p for p in state.projects.values() if _visible(ctx, p, public_filter)]
    items = filter_items(ctx, candidates, {
        "name": "name", "project_id": "project_id", "owner_id": "owner_id", "registry_id": "registry_id",
        "creation_time": "creation_time", "update_time": "update_time",
        "public": lambda p: p["metadata"].get("public", "false"),
        "owner": lambda p: (state.users.get(p["owner_id"]) or {}).get("username"),
    }, sortable={
        "name": "name", "project_id": "project_id", "creation_time": "creation_time",
        "update_time": "update_time", "owner_id": "owner_id",
    }, default_sort="-creation_time,name", extra=extra)
    if not items:
        return Response.json([], headers={"X-Total-Count": "0"})
    return paginate(ctx, items, lambda p: serialize(ctx, p, with_detail))


@ROUTES.get("/projects/{project_name_or_id}")
def get_project(ctx):
    return Response.json(serialize(ctx, require_project(ctx, "project", "read")))


@ROUTES.put("/projects/{project_name_or_id}")
def update_project(ctx):
    project = require_project(ctx, "project", "update")
    req = ctx.json_object()
    allowlist = req.get("cve_allowlist")
    if allowlist is not None:
        allowlist_project = allowlist.get("project_id") or 0
        if allowlist_project not in (0, project["project_id"]):
            raise bad_request("project_id in cve_allowlist must be %d but it's %d" % (
                project["project_id"], allowlist_project))
    metadata = _clean_metadata(ctx, req.get("metadata"))
    if project["registry_id"]:
        metadata.pop("enable_content_trust", None)
    if "retention_id" in metadata and metadata["retention_id"] != project["metadata"].get("retention_id"):
        raise bad_request("the retention_id in the request's metadata (%s) must be the same as the project's (%s)" % (
            metadata["retention_id"], project["metadata"].get("retention_id", "")))
    # the whole allowlist is replaced (see cve_allowlists.py), checked before anything is stored
    replacement = cve_allowlists.replacement(allowlist) if allowlist is not None else None
    now = now_iso()
    if replacement is not None:
        project["cve_allowlist"].update(replacement)
    project["metadata"].update(metadata)
    project["update_time"] = now
    return Response.ok()


def _deletable_message(ctx, project):
    if repo_count(ctx.state, project):
        return "the project contains repositories, can not be deleted"
    messages = ctx.server.hooks.all("project_deletable", ctx.state, project)
    return messages[0] if messages else None


@ROUTES.delete("/projects/{project_name_or_id}")
def delete_project(ctx):
    project = require_project(ctx, "project", "delete")
    message = _deletable_message(ctx, project)
    if message:
        raise precondition(message)
    state = ctx.state
    del state.projects[project["project_id"]]
    state.members[:] = [m for m in state.members if m["project_id"] != project["project_id"]]
    quotas.delete_project_quota(state, project["project_id"])
    ctx.server.hooks.all("project_deleted", state, project)
    state.hooks.all("audit_event", state, ctx.principal, "delete", "project", project["name"], project["project_id"])
    return Response.ok()


@ROUTES.get("/projects/{project_name_or_id}/_deletable")
def project_deletable(ctx):
    project = require_project(ctx, "project", "delete")
    message = _deletable_message(ctx, project)
    if message:
        return Response.json({"deletable": False, "message": message})
    return Response.json({"deletable": True})


@ROUTES.get("/projects/{project_name_or_id}/summary")
def project_summary(ctx):
    project = require_project(ctx, "project", "read")
    state = ctx.state
    body = {"repo_count": repo_count(state, project)}
    if get_config(state, "quota_per_project_enable") and auth.has_permission(ctx, project, "quota", "read"):
        quota = quotas.project_quota(state, project["project_id"])
        if quota is not None:
            body["quota"] = {"hard": dict(quota["hard"]),
                             "used": {"storage": quotas.used_storage(state, project["project_id"])}}
    if auth.has_permission(ctx, project, "member", "list"):
        fields = {auth.ROLE_PROJECT_ADMIN: "project_admin_count", auth.ROLE_MAINTAINER: "maintainer_count",
                  auth.ROLE_DEVELOPER: "developer_count", auth.ROLE_GUEST: "guest_count",
                  auth.ROLE_LIMITED_GUEST: "limited_guest_count"}
        for member in state.members:
            if member["project_id"] == project["project_id"] and member["role_id"] in fields:
                field = fields[member["role_id"]]
                body[field] = body.get(field, 0) + 1
    if project["registry_id"]:
        registry = ctx.hook("get_registry", project["registry_id"])
        if registry is not None:
            body["registry"] = {k: v for k, v in registry.items() if k != "credential"}
    return Response.json(body)
