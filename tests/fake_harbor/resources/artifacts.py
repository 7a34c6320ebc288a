"""Repositories, artifacts and tags.

Endpoints (swagger ``/projects/{project_name}/repositories*``, ``/repositories``):

* ``GET /repositories``; ``GET /projects/{p}/repositories``; ``GET|PUT|DELETE /projects/{p}/repositories/{r}``
* ``GET /projects/{p}/repositories/{r}/artifacts``; ``GET|DELETE …/artifacts/{reference}``
* ``GET|POST …/artifacts/{reference}/tags``; ``DELETE …/artifacts/{reference}/tags/{tag_name}``

``{repository_name}`` arrives encoded twice (``a%252Fb``); the router decodes once, this module once more.
``{reference}`` is a tag or a digest.

Artifacts come into the store through ``push_artifact()``: today from the control endpoint
``POST /_fake/artifacts`` (tests seed images with tags, size, push/pull times and the packages a scanner
stand-in reads), later from real pushes through the registry protocol. Other resources use:

* ``find_repository(state, project, name)``, ``find_artifact(state, repo, reference)``, ``repository_artifacts``;
* ``delete_artifact(state, artifact)`` / ``delete_tag(state, artifact, tag)`` (retention, GC and the API);
* hooks called here: ``artifact_deleted(state, artifact)`` after an API delete (the registry removes the
  manifest); hooks other resources may provide: ``artifact_scan_overview(state, artifact, mime_types) -> dict | None`` (scans),
  ``tag_immutable(state, project, repository_name, tag_name) -> bool | None`` (immutable tag rules).

Storage used by a project (quotas, statistics) is the sum of its artifacts' sizes.
"""

import hashlib
import json
from urllib.parse import unquote

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import bad_request, conflict, not_found, precondition
from ..framework.paging import paginate
from ..framework.query import filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import projects

ROUTES = RouteTable()

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
IMMUTABLE_MESSAGE = "the operation isn't allowed because of immutable tag(s)"


def init_state(state):
    state.artifacts = {}  # id -> artifact record (see push_artifact)


# ---------------------------------------------------------------- store API

def find_repository(state, project, name):
    full = "%s/%s" % (project["name"], name)
    for repo in state.repositories:
        if repo["name"] == full:
            return repo
    return None


def ensure_repository(state, project, name):
    repo = find_repository(state, project, name)
    if repo is None:
        now = now_iso()
        repo = {"id": state.next_id("repository"), "project_id": project["project_id"],
                "name": "%s/%s" % (project["name"], name), "description": "", "pull_count": 0,
                "creation_time": now, "update_time": now}
        state.repositories.append(repo)
    return repo


def repository_artifacts(state, repo):
    return [a for a in state.artifacts.values() if a["repository_id"] == repo["id"]]


def repository_size(state, repo):
    return sum(a["size"] for a in repository_artifacts(state, repo))


def project_size(state, project_id):
    return sum(a["size"] for a in state.artifacts.values() if a["project_id"] == project_id)


def push_artifact(state, project, repository, tags=(), size=1024, digest=None, push_time=None, pull_time=None,
                  packages=None, media_type=MANIFEST_MEDIA_TYPE, labels=None):
    """Add (or re-tag) an artifact as a push does; returns the artifact record.

    ``packages`` ([{"name", "version", "vulnerabilities": [...]}] or any JSON) is what the image carries;
    a scanner stand-in derives its findings from it.
    """
    repo = ensure_repository(state, project, repository)
    content = json.dumps({"repository": repo["name"], "tags": sorted(tags), "size": size, "packages": packages},
                         sort_keys=True)
    digest = digest or "sha256:" + hashlib.sha256(content.encode()).hexdigest()
    push_time = push_time or now_iso()
    artifact = find_artifact(state, repo, digest)
    if artifact is None:
        artifact = {
            "id": state.next_id("artifact"), "project_id": project["project_id"], "repository_id": repo["id"],
            "repository_name": repo["name"], "digest": digest, "size": int(size), "media_type": CONFIG_MEDIA_TYPE,
            "manifest_media_type": media_type, "type": "IMAGE", "push_time": push_time, "pull_time": pull_time,
            "tags": [], "labels": list(labels or []), "packages": packages,
        }
        state.artifacts[artifact["id"]] = artifact
    for tag in tags:
        # a tag moves to the newest artifact that carries it
        for other in repository_artifacts(state, repo):
            other["tags"] = [t for t in other["tags"] if t["name"] != tag]
        artifact["tags"].append({"id": state.next_id("tag"), "name": tag, "push_time": push_time,
                                 "pull_time": pull_time, "repository_id": repo["id"], "artifact_id": artifact["id"]})
    repo["update_time"] = push_time
    return artifact


def find_artifact(state, repo, reference):
    for artifact in repository_artifacts(state, repo):
        if artifact["digest"] == reference or any(t["name"] == reference for t in artifact["tags"]):
            return artifact
    return None


def delete_artifact(state, artifact):
    """Delete an artifact. Its repository stays, even when empty, as in Harbor (goharbor/harbor#18313)."""
    state.artifacts.pop(artifact["id"], None)


def remove_artifact(state, artifact):
    """Delete an artifact as Harbor's API, retention and GC do: the store, then every ``artifact_deleted`` hook
    (the registry removes the manifest, scans drop the report, GC counts the garbage)."""
    delete_artifact(state, artifact)
    state.hooks.all("artifact_deleted", state, artifact)


def delete_tag(artifact, tag_name):
    artifact["tags"] = [t for t in artifact["tags"] if t["name"] != tag_name]


def delete_repository(state, repo):
    for artifact in repository_artifacts(state, repo):
        state.artifacts.pop(artifact["id"], None)
    state.repositories.remove(repo)


# ---------------------------------------------------------------- serialisation

def serialize_repository(state, repo):
    return {"id": repo["id"], "project_id": repo["project_id"], "name": repo["name"],
            "description": repo["description"], "artifact_count": len(repository_artifacts(state, repo)),
            "pull_count": repo["pull_count"], "creation_time": repo["creation_time"],
            "update_time": repo["update_time"]}


def _immutable(ctx, project, repo, tag_name):
    name = repo["name"][len(project["name"]) + 1:]
    return bool(ctx.hook("tag_immutable", project, name, tag_name, default=False))


def serialize_artifact(ctx, project, repo, artifact, with_tag=True, with_scan_overview=False,
                       with_immutable_status=False, with_label=False):
    body = {key: artifact[key] for key in ("id", "project_id", "repository_id", "repository_name", "digest", "size",
                                           "media_type", "manifest_media_type", "type", "push_time")}
    if ctx.version < (2, 13):
        # the v2.10.0 Artifact model (also served for 2.11/2.12) has no repository_name; v2.15.2's has
        body.pop("repository_name")
    if artifact["pull_time"]:
        body["pull_time"] = artifact["pull_time"]
    body["extra_attrs"] = {"architecture": "amd64", "os": "linux"}
    body["references"] = []
    if with_tag and artifact["tags"]:
        tags = []
        for tag in artifact["tags"]:
            item = {k: v for k, v in tag.items() if v is not None}
            if with_immutable_status:
                item["immutable"] = _immutable(ctx, project, repo, tag["name"])
            tags.append(item)
        body["tags"] = tags
    if with_label:
        body["labels"] = list(artifact["labels"])
    if with_scan_overview:
        overview = ctx.hook("artifact_scan_overview", artifact, accept_vulnerabilities(ctx))
        if overview:
            body["scan_overview"] = overview
    return body


def accept_vulnerabilities(ctx):
    """The report MIME types of X-Accept-Vulnerabilities (api-notes §11), in the caller's order."""
    raw = ctx.header("X-Accept-Vulnerabilities") or (
        "application/vnd.security.vulnerability.report; version=1.1, "
        "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0")
    return [part.strip() for part in raw.split(",") if part.strip()]


# ---------------------------------------------------------------- request helpers

def repository_name(ctx):
    """{repository_name} after Harbor's second decoding; a '/' after the first one is a client bug (422)."""
    once = ctx.params["repository_name"]
    if "/" in once:
        raise bad_request("repository name %r must be URL-encoded twice" % once)
    return unquote(once)


def project_for(ctx, resource="repository", action="read"):
    project = projects.project_access(ctx, resource, action, param="project_name")
    if project is None:
        raise not_found("project %s not found" % ctx.params["project_name"])
    return project


def repository_for(ctx, project):
    name = repository_name(ctx)
    repo = find_repository(ctx.state, project, name)
    if repo is None:
        raise not_found("repository %s/%s not found" % (project["name"], name))
    return repo


def artifact_for(ctx, project, repo):
    artifact = find_artifact(ctx.state, repo, ctx.params["reference"])
    if artifact is None:
        raise not_found("artifact %s@%s not found" % (repo["name"], ctx.params["reference"]))
    return artifact


# ---------------------------------------------------------------- repositories

@ROUTES.get("/repositories")
def list_all_repositories(ctx):
    auth.require_authenticated(ctx)
    visible = [r for r in ctx.state.repositories
               if auth.has_permission(ctx, ctx.state.projects.get(r["project_id"]), "repository", "list")]
    items = filter_items(ctx, visible, {"name": "name", "project_id": "project_id"},
                         sortable={"name": "name", "creation_time": "creation_time", "update_time": "update_time"},
                         default_sort="-creation_time")
    return paginate(ctx, items, lambda r: serialize_repository(ctx.state, r))


@ROUTES.get("/projects/{project_name}/repositories")
def list_repositories(ctx):
    project = project_for(ctx, "repository", "list")
    repos = [r for r in ctx.state.repositories if r["project_id"] == project["project_id"]]
    items = filter_items(ctx, repos, {"name": "name"},
                         sortable={"name": "name", "creation_time": "creation_time", "update_time": "update_time"},
                         default_sort="-creation_time")
    return paginate(ctx, items, lambda r: serialize_repository(ctx.state, r))


@ROUTES.get("/projects/{project_name}/repositories/{repository_name}")
def get_repository(ctx):
    project = project_for(ctx, "repository", "read")
    return Response.json(serialize_repository(ctx.state, repository_for(ctx, project)))


@ROUTES.put("/projects/{project_name}/repositories/{repository_name}")
def update_repository(ctx):
    project = project_for(ctx, "repository", "update")
    repo = repository_for(ctx, project)
    repo["description"] = ctx.json_object().get("description") or ""
    repo["update_time"] = now_iso()
    return Response.ok()


@ROUTES.delete("/projects/{project_name}/repositories/{repository_name}")
def delete_repository_handler(ctx):
    project = project_for(ctx, "repository", "delete")
    repo = repository_for(ctx, project)
    for artifact in repository_artifacts(ctx.state, repo):
        if any(_immutable(ctx, project, repo, t["name"]) for t in artifact["tags"]):
            raise precondition(IMMUTABLE_MESSAGE)
    for artifact in repository_artifacts(ctx.state, repo):
        remove_artifact(ctx.state, artifact)
    delete_repository(ctx.state, repo)
    ctx.state.hooks.all("audit_event", ctx.state, ctx.principal, "delete", "repository", repo["name"],
                        project["project_id"])
    return Response.ok()


# ---------------------------------------------------------------- artifacts

def _listing_flags(ctx):
    return dict(with_tag=ctx.query_bool("with_tag", True), with_scan_overview=ctx.query_bool("with_scan_overview", False),
                with_immutable_status=ctx.query_bool("with_immutable_status", False),
                with_label=ctx.query_bool("with_label", False))


@ROUTES.get("/projects/{project_name}/repositories/{repository_name}/artifacts")
def list_artifacts(ctx):
    project = project_for(ctx, "artifact", "list")
    repo = repository_for(ctx, project)
    flags = _listing_flags(ctx)
    items = filter_items(ctx, repository_artifacts(ctx.state, repo),
                         {"digest": "digest", "media_type": "media_type", "type": "type",
                          "tags": lambda a: [t["name"] for t in a["tags"]]},
                         sortable={"push_time": "push_time", "pull_time": "pull_time", "size": "size"},
                         default_sort="-push_time")
    return paginate(ctx, items, lambda a: serialize_artifact(ctx, project, repo, a, **flags))


@ROUTES.get("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}")
def get_artifact(ctx):
    project = project_for(ctx, "artifact", "read")
    repo = repository_for(ctx, project)
    artifact = artifact_for(ctx, project, repo)
    return Response.json(serialize_artifact(ctx, project, repo, artifact, **_listing_flags(ctx)))


@ROUTES.delete("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}")
def delete_artifact_handler(ctx):
    project = project_for(ctx, "artifact", "delete")
    repo = repository_for(ctx, project)
    artifact = artifact_for(ctx, project, repo)
    if any(_immutable(ctx, project, repo, t["name"]) for t in artifact["tags"]):
        raise precondition(IMMUTABLE_MESSAGE)
    remove_artifact(ctx.state, artifact)
    ctx.state.hooks.all("artifact_event", ctx.state, "DELETE_ARTIFACT", project, artifact, None, ctx.principal)
    return Response.ok()


# ---------------------------------------------------------------- tags

@ROUTES.get("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags")
def list_tags(ctx):
    project = project_for(ctx, "tag", "list")
    repo = repository_for(ctx, project)
    artifact = artifact_for(ctx, project, repo)
    with_immutable = ctx.query_bool("with_immutable_status", False)
    tags = []
    for tag in artifact["tags"]:
        item = {k: v for k, v in tag.items() if v is not None}
        if with_immutable:
            item["immutable"] = _immutable(ctx, project, repo, tag["name"])
        tags.append(item)
    items = filter_items(ctx, tags, {"name": "name"}, sortable={"name": "name", "push_time": "push_time"})
    return paginate(ctx, items, lambda t: t)


@ROUTES.post("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags")
def create_tag(ctx):
    project = project_for(ctx, "tag", "create")
    repo = repository_for(ctx, project)
    artifact = artifact_for(ctx, project, repo)
    name = (ctx.json_object().get("name") or "").strip()
    if not name:
        raise bad_request("tag name is required")
    for other in repository_artifacts(ctx.state, repo):
        if any(t["name"] == name for t in other["tags"]):
            raise conflict("tag %s already exists in %s" % (name, repo["name"]))
    now = now_iso()
    tag = {"id": ctx.state.next_id("tag"), "name": name, "push_time": now, "pull_time": None,
           "repository_id": repo["id"], "artifact_id": artifact["id"]}
    artifact["tags"].append(tag)
    ctx.state.hooks.all("audit_event", ctx.state, ctx.principal, "create", "tag", "%s:%s" % (repo["name"], name),
                        project["project_id"])
    return Response.created(ctx.location(name))


@ROUTES.delete("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/tags/{tag_name}")
def delete_tag_handler(ctx):
    project = project_for(ctx, "tag", "delete")
    repo = repository_for(ctx, project)
    artifact = artifact_for(ctx, project, repo)
    name = ctx.params["tag_name"]
    if not any(t["name"] == name for t in artifact["tags"]):
        raise not_found("tag %s not found" % name)
    if _immutable(ctx, project, repo, name):
        raise precondition(IMMUTABLE_MESSAGE)
    delete_tag(artifact, name)
    ctx.state.hooks.all("audit_event", ctx.state, ctx.principal, "delete", "tag", "%s:%s" % (repo["name"], name),
                        project["project_id"])
    return Response.ok()
