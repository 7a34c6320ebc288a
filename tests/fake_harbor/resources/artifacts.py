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

More operations of ``artifact.go`` (Harbor's handler and ``src/controller/artifact``; api-notes is silent):

* ``POST …/artifacts/{reference}/labels`` (``addLabel``, permission ``artifact-label:create``): the project is looked
  up first (a missing one is 404 for every caller), then the permission, then the label (``{"id"}`` of the body):
  a missing label, or a project label of another project → 404; then the artifact (404); a label already on the
  artifact → 409. ``DELETE …/labels/{label_id}`` (``artifact-label:delete``): a label that is not on the artifact
  → 404. The artifact shows its labels with ``with_label=true`` (the current label records; a deleted label is
  gone from its artifacts, as Harbor deletes the references with the label).
* ``GET …/accessories`` (``accessory:list``): the accessories seeded with ``POST /_fake/accessories`` (each is an
  artifact of the subject's repository, with ``type`` such as ``signature.cosign``); paged, ``q`` and ``sort``.
  Accessory artifacts are left out of artifact lists and shown under their subject (``accessories``); deleting a
  subject deletes its accessories.
* ``GET …/additions/{addition}`` (``artifact-addition:read``): the fake's artifacts are images with a v2 manifest
  (``manifestV2Processor``): ``build_history`` is the config's ``history`` as JSON (``null`` when the image has
  none, which is what the images of oci.py and most seeds have; ``POST /_fake/artifacts`` takes a ``history``),
  ``Content-Type: application/json; charset=utf-8``; any other addition → **400** "addition VALUES.YAML isn't
  supported for IMAGE(manifest version 2)" (the name upper-cased, as the handler passes it). ``sbom``, ``license``
  and ``files`` exist from 2.13 (the v2.15.2 spec); before, the spec's enum refuses them (422).
* ``POST /projects/{p}/repositories/{r}/artifacts?from=project/repo:tag|@digest`` (``CopyArtifact``): permission
  ``artifact:create`` on the destination, no proxy-cache destination (405), ``from`` must parse as a reference
  (400 "invalid input: X"), ``artifact:read`` on the source project, the source artifact must exist (404) and not
  be a signature or SBOM accessory (403 ``DENIED``), the destination repository is created, an artifact with the
  same digest already in it → 409; the copy carries the source's tags (a tag of the destination repository moves
  to the copy unless an immutable rule protects it: 412) and accessories; it must fit the destination project's
  storage quota (403 ``DENIED``; bytes of a digest the project already holds are free). 201 with ``Location``:
  the request path (decoded once) plus ``/<reference>``.
* ``GET /projects/{project_name_or_id}/artifacts`` (``listArtifactsOfProject``, 2.13+: the operation is in the
  v2.15.2 spec only): the artifacts of every repository of the project, the flags of the repository listing,
  ``q`` (``repository_name``, ``digest``, ``media_type``, ``type``, ``tags``), ``sort``, paging;
  ``latest_in_repository=true`` keeps the newest push of each repository, only when ``q`` names ``type`` or
  ``media_type`` (as the parameter's description says).
"""

import hashlib
import json
import re
from urllib.parse import unquote

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import HarborError, bad_request, conflict, not_found, precondition
from ..framework.paging import paginate
from ..framework.query import filter_items, parse_q
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import projects, quotas

ROUTES = RouteTable()

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
IMMUTABLE_MESSAGE = "the operation isn't allowed because of immutable tag(s)"


HARD_ACCESSORIES = ("signature.cosign", "signature.notation", "harbor.sbom")
ACCESSORY_TYPES = HARD_ACCESSORIES + ("accelerator.nydus", "build.attestation", "subject.accessory")
COPY_ACCESSORY_MESSAGE = "the operation isn't supported for an artifact accessory"


def init_state(state):
    state.artifacts = {}  # id -> artifact record (see push_artifact)
    state.accessories = {}  # id -> {"id", "artifact_id", "subject_artifact_id", "type", "creation_time"}


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
                  packages=None, media_type=MANIFEST_MEDIA_TYPE, labels=None, history=None):
    """Add (or re-tag) an artifact as a push does; returns the artifact record.

    ``packages`` ([{"name", "version", "vulnerabilities": [...]}] or any JSON) is what the image carries;
    a scanner stand-in derives its findings from it. ``labels`` are label records shown as they are;
    ``history`` is the image config's ``history`` (the ``build_history`` addition).
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
            "tags": [], "labels": list(labels or []), "label_ids": [], "packages": packages, "history": history,
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
    """Delete an artifact and its accessories. Its repository stays, even when empty, as in Harbor
    (goharbor/harbor#18313)."""
    state.artifacts.pop(artifact["id"], None)
    for accessory in list(state.accessories.values()):
        if accessory["artifact_id"] == artifact["id"]:
            state.accessories.pop(accessory["id"], None)
        elif accessory["subject_artifact_id"] == artifact["id"]:
            state.accessories.pop(accessory["id"], None)
            attached = state.artifacts.get(accessory["artifact_id"])
            if attached is not None:
                delete_artifact(state, attached)


def artifact_labels(state, artifact):
    """The labels of an artifact: the seeded records, then the labels added through the API that still exist."""
    added = [state.labels[i] for i in artifact.get("label_ids", []) if i in getattr(state, "labels", {})]
    keys = ("id", "name", "description", "color", "scope", "project_id", "creation_time", "update_time")
    return list(artifact["labels"]) + [{k: label[k] for k in keys} for label in added]


def add_accessory(state, subject, accessory_type, size=512, digest=None):
    """Attach an accessory (a signature, an SBOM, ...) to ``subject``: an artifact of the subject's repository."""
    project = state.projects[subject["project_id"]]
    repo_name = subject["repository_name"][len(project["name"]) + 1:]
    digest = digest or "sha256:" + hashlib.sha256(("%s %s %d" % (subject["digest"], accessory_type, len(
        state.accessories))).encode()).hexdigest()
    attached = push_artifact(state, project, repo_name, size=size, digest=digest)
    record = {"id": state.next_id("accessory"), "artifact_id": attached["id"], "subject_artifact_id": subject["id"],
              "type": accessory_type, "creation_time": now_iso()}
    state.accessories[record["id"]] = record
    return record


def accessories_of(state, artifact):
    return sorted((a for a in state.accessories.values() if a["subject_artifact_id"] == artifact["id"]),
                  key=lambda a: a["id"])


def is_accessory(state, artifact):
    return any(a["artifact_id"] == artifact["id"] for a in state.accessories.values())


def serialize_accessory(state, accessory):
    attached = state.artifacts.get(accessory["artifact_id"]) or {}
    subject = state.artifacts.get(accessory["subject_artifact_id"]) or {}
    return {"id": accessory["id"], "artifact_id": accessory["artifact_id"], "digest": attached.get("digest", ""),
            "size": attached.get("size", 0), "type": accessory["type"], "icon": "",
            "subject_artifact_id": accessory["subject_artifact_id"],
            "subject_artifact_digest": subject.get("digest", ""),
            "subject_artifact_repo": subject.get("repository_name", ""),
            "creation_time": accessory["creation_time"]}


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
                       with_immutable_status=False, with_label=False, with_accessory=True):
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
        body["labels"] = artifact_labels(ctx.state, artifact)
    attached = accessories_of(ctx.state, artifact) if with_accessory else []
    if attached:
        body["accessories"] = [serialize_accessory(ctx.state, a) for a in attached]
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
    return dict(with_tag=ctx.query_bool("with_tag", True),
                with_scan_overview=ctx.query_bool("with_scan_overview", False),
                with_immutable_status=ctx.query_bool("with_immutable_status", False),
                with_label=ctx.query_bool("with_label", False), with_accessory=ctx.query_bool("with_accessory", True))


def _listed(state, artifact_list):
    """Artifact lists leave accessories out: they are shown under their subject."""
    return [a for a in artifact_list if not is_accessory(state, a)]


@ROUTES.get("/projects/{project_name}/repositories/{repository_name}/artifacts")
def list_artifacts(ctx):
    project = project_for(ctx, "artifact", "list")
    repo = repository_for(ctx, project)
    flags = _listing_flags(ctx)
    items = filter_items(ctx, _listed(ctx.state, repository_artifacts(ctx.state, repo)),
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


# ---------------------------------------------------------------- labels of an artifact

@ROUTES.post("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/labels")
def add_label(ctx):
    """``AddLabel``: ``getProjectID`` (404 for a missing project, before any permission check), the permission,
    ``RequireLabelInProject``, the artifact, then the reference (409 when the label is already there)."""
    project = projects.lookup(ctx.state, ("name", ctx.params["project_name"]))
    if project is None:
        raise not_found("project %s not found" % ctx.params["project_name"])
    auth.require(ctx, project, "artifact-label", "create")
    body = ctx.json_object()
    label_id = body.get("id") if isinstance(body.get("id"), int) and not isinstance(body.get("id"), bool) else 0
    label = getattr(ctx.state, "labels", {}).get(label_id)
    if label is None:
        raise not_found("label %d not found" % label_id)
    if label["scope"] == "p" and label["project_id"] != project["project_id"]:
        raise not_found("project id %d, label %d not found" % (project["project_id"], label_id))
    repo = repository_for(ctx, project)
    artifact = artifact_for(ctx, project, repo)
    if label_id in artifact["label_ids"]:
        raise conflict("label %d is already added to the artifact %d" % (label_id, artifact["id"]))
    artifact["label_ids"].append(label_id)
    return Response.ok()


@ROUTES.delete("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/labels/{label_id}")
def remove_label(ctx):
    project = project_for(ctx, "artifact-label", "delete")
    repo = repository_for(ctx, project)
    artifact = artifact_for(ctx, project, repo)
    label_id = ctx.path_int("label_id")
    if label_id not in artifact["label_ids"] or label_id not in getattr(ctx.state, "labels", {}):
        raise not_found("reference with label %d and artifact %d not found" % (label_id, artifact["id"]))
    artifact["label_ids"].remove(label_id)
    return Response.ok()


# ---------------------------------------------------------------- accessories and additions

@ROUTES.get("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/accessories")
def list_accessories(ctx):
    project = project_for(ctx, "accessory", "list")
    repo = repository_for(ctx, project)
    artifact = artifact_for(ctx, project, repo)
    state = ctx.state
    items = filter_items(ctx, accessories_of(state, artifact),
                         {"type": "type", "id": "id", "digest": lambda a: state.artifacts[a["artifact_id"]]["digest"]},
                         sortable={"id": "id", "creation_time": "creation_time"})
    return paginate(ctx, items, lambda a: serialize_accessory(state, a))


ADDITION_QUIRK = "Harbor writes the addition's content (a JSON document) as it is, the spec calls it a string"


@ROUTES.get("/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/additions/{addition}")
def get_addition(ctx):
    project = project_for(ctx, "artifact-addition", "read")
    repo = repository_for(ctx, project)
    artifact = artifact_for(ctx, project, repo)
    addition = ctx.params["addition"].upper()
    if addition != "BUILD_HISTORY":
        raise bad_request("addition %s isn't supported for %s(manifest version 2)" % (addition, artifact["type"]))
    content_type = "application/json; charset=utf-8"
    return Response(raw=json.dumps(artifact.get("history"), separators=(",", ":")).encode(),
                    content_type=content_type, headers={"Content-Type": content_type}, spec_quirk=ADDITION_QUIRK)


# ---------------------------------------------------------------- copy

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*"
_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = r"%s(?:\.%s)*(?::[0-9]+)?" % (_LABEL, _LABEL)
# distribution/reference ReferenceRegexp: name, optional :tag, optional @digest
REFERENCE_RE = re.compile(r"^((?:%s/)?%s(?:/%s)*)(?::([\w][\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z]"
                          r"[A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}))?$" % (_DOMAIN, _COMPONENT, _COMPONENT))
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}


def parse_reference(text):
    """``parse()`` of artifact.go: ``repository:tag`` or ``repository@digest`` (a digest wins); 400 otherwise."""
    found = REFERENCE_RE.match(text or "")
    if not found:
        raise bad_request("invalid input: %s" % text)
    repository, tag, digest = found.groups()
    if digest:
        algorithm, _sep, hexpart = digest.partition(":")
        if _DIGEST_LENGTHS.get(algorithm) != len(hexpart) or hexpart != hexpart.lower():
            raise bad_request("invalid input: %s" % text)
        return repository, digest
    return repository, tag or ""


def _human(size):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return ("%d %s" % (size, unit)) if unit == "B" else ("%.1f %s" % (size, unit))
        size /= 1024.0
    return "%d B" % size


def _copy_size(state, artifact, project):
    """Bytes a copy adds to ``project``: nothing for a digest the project already holds (its blobs are shared)."""
    held = {a["digest"] for a in state.artifacts.values() if a["project_id"] == project["project_id"]}
    total = 0 if artifact["digest"] in held else artifact["size"]
    for accessory in accessories_of(state, artifact):
        attached = state.artifacts.get(accessory["artifact_id"])
        if attached is not None and attached["digest"] not in held:
            total += attached["size"]
    return total


def _check_quota(state, project, added):
    quota = quotas.project_quota(state, project["project_id"])
    hard = (quota or {}).get("hard", {}).get("storage", quotas.UNLIMITED)
    if hard is None or hard < 0 or added == 0:
        return
    used = quotas.used_storage(state, project["project_id"])
    if used + added > hard:
        raise HarborError(403, "Quota exceeded when processing the request of adding %s of storage resource, which "
                               "when updated to current usage of %s will exceed the configured upper limit of %s."
                          % (_human(added), _human(used + added), _human(hard)), code="DENIED")


def _copy(state, source, project, repository, tags):
    copied = push_artifact(state, project, repository, size=source["size"], digest=source["digest"],
                           packages=source["packages"], media_type=source["manifest_media_type"],
                           history=source.get("history"))
    copied["labels"] = []
    repo = find_repository(state, project, repository)
    now = now_iso()
    for name in tags:
        for other in repository_artifacts(state, repo):
            other["tags"] = [t for t in other["tags"] if t["name"] != name]
        copied["tags"].append({"id": state.next_id("tag"), "name": name, "push_time": now, "pull_time": None,
                               "repository_id": repo["id"], "artifact_id": copied["id"]})
    for accessory in accessories_of(state, source):
        attached = state.artifacts.get(accessory["artifact_id"])
        if attached is not None:
            add_accessory(state, copied, accessory["type"], size=attached["size"], digest=attached["digest"])
    return copied


@ROUTES.post("/projects/{project_name}/repositories/{repository_name}/artifacts")
def copy_artifact(ctx):
    state = ctx.state
    project = project_for(ctx, "artifact", "create")
    if project.get("registry_id"):
        raise HarborError(405, "the operation isn't supported for a proxy cache project")
    name = repository_name(ctx)
    source_repo_name, reference = parse_reference(ctx.query_str("from", required=True))
    source_project_name = source_repo_name.split("/", 1)[0]
    source_project = projects.lookup(state, ("name", source_project_name))
    if source_project is None:
        if not ctx.principal.sysadmin:
            auth.require_authenticated(ctx)
            raise HarborError(403, "forbidden")
        raise not_found("project %s not found" % source_project_name)
    auth.require(ctx, source_project, "artifact", "read")
    source_repo = find_repository(state, source_project, source_repo_name[len(source_project_name) + 1:])
    source = find_artifact(state, source_repo, reference) if source_repo is not None and reference else None
    if source is None:
        raise not_found("artifact %s%s%s not found" % (source_repo_name, "@" if reference.startswith("sha") else ":",
                                                       reference))
    if any(a["artifact_id"] == source["id"] and a["type"] in HARD_ACCESSORIES for a in state.accessories.values()):
        raise HarborError(403, COPY_ACCESSORY_MESSAGE, code="DENIED")
    target = find_repository(state, project, name)
    full = "%s/%s" % (project["name"], name)
    if target is not None and find_artifact(state, target, source["digest"]) is not None:
        raise conflict("the artifact %s already exists under the repository %s" % (source["digest"], full))
    tags = [t["name"] for t in source["tags"]]
    if target is not None:
        for tag in tags:
            holder = find_artifact(state, target, tag)
            if holder is not None and _immutable(ctx, project, target, tag):
                raise precondition("the tag %s configured as immutable, cannot be updated" % tag)
    _check_quota(state, project, _copy_size(state, source, project))
    _copy(state, source, project, name, tags)
    return Response.created(unquote(ctx.raw_path.rstrip("/")) + "/" + reference)


# ---------------------------------------------------------------- the artifacts of a project (2.13+)

@ROUTES.get("/projects/{project_name_or_id}/artifacts", since=(2, 13))
def list_project_artifacts(ctx):
    project = projects.require_project(ctx, "artifact", "list")
    state = ctx.state
    flags = _listing_flags(ctx)
    repos = {r["id"]: r for r in state.repositories if r["project_id"] == project["project_id"]}
    mine = _listed(state, [a for a in state.artifacts.values() if a["repository_id"] in repos])
    if ctx.query_bool("latest_in_repository", False):
        keys = parse_q(ctx.query_value("q"))
        if "type" in keys or "media_type" in keys:
            newest = {}
            for artifact in sorted(mine, key=lambda a: (a["push_time"], a["id"])):
                newest[artifact["repository_id"]] = artifact
            mine = list(newest.values())
    items = filter_items(ctx, mine, {"digest": "digest", "media_type": "media_type", "type": "type",
                                     "repository_name": "repository_name",
                                     "tags": lambda a: [t["name"] for t in a["tags"]]},
                         sortable={"push_time": "push_time", "pull_time": "pull_time", "size": "size",
                                   "repository_name": "repository_name"},
                         default_sort="-push_time")
    return paginate(ctx, items, lambda a: serialize_artifact(ctx, project, repos[a["repository_id"]], a, **flags))
