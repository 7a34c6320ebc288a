"""Scanner registrations: ``/scanners*``, ``/projects/{p}/scanner`` and ``/projects/{p}/scanner/candidates``.

Harbor's behaviour (api-notes §11, §13; swagger ``ScannerRegistration*``; ``src/server/v2.0/handler/scanner.go``,
``src/controller/scanner/base_controller.go``, ``src/pkg/scan/dao/scanner/model.go``, ``src/pkg/scan/rest/v1``):

* **The adapter is real.** ``POST /scanners`` pings the adapter (``GET <url>/api/v1/metadata``, with the auth
  header of the registration) before it stores anything, and answers **500** when the adapter cannot be reached
  or its metadata is invalid (no scanner name/vendor/version, no capability that consumes Docker manifests and
  produces a vulnerability report). ``POST /scanners/ping`` and ``GET /scanners/{id}/metadata`` ping the same
  way (500 when unreachable; the metadata endpoint answers 404 for an unknown id). Which adapters the fake
  reaches (``adapter_metadata``):

  - the built-in Trivy address ``http://trivy-adapter:8080`` (started "with trivy"), answered in-process;
  - any ``http(s)://`` URL on a loopback host (``127.0.0.0/8``, ``localhost``, ``::1``): fetched over real HTTP,
    with the fake's CA trusted (unless ``skip_certVerify``). The fake serves a stand-in adapter itself at
    ``<fake url>/_fake/scanner-adapter/<name>`` (``adapter_stand_in``), and tests may start their own;
  - every other host is unreachable (the fake has no network: Harbor would get a DNS error, a refused
    connection or a timeout).

* Started "with trivy" (the default, like ``install.sh --with-trivy``), the fake registers the **immutable**
  adapter ``Trivy`` as the system default at start-up, as Harbor's core does: ``PUT``/``DELETE`` of it → 403.
  ``Trivy`` is a reserved name: creating or renaming another registration to it → 400.
* ``POST /scanners`` (``ScannerRegistrationReq``: ``name`` and ``url`` required) → 201 +
  ``Location: /api/v2.0/scanners/{uuid}``. Order of the checks: validation (400: name, http(s) URL, ``auth`` one
  of ``""``/``Basic``/``Bearer``/``X-ScannerAdapter-API-Key``, a credential for the three), reserved name (400),
  the ping (500), then uniqueness of name and URL (409). The first registration becomes the default.
* **The credential by version.** Harbor 2.10.0 – 2.14.3 and 2.15.0 return the stored ``access_credential`` in
  every read (``ScannerRegistration.ToSwagger`` copies it), and ``PUT`` copies the body onto the registration, so
  a PUT without ``access_credential`` fails validation with 400 "access_credential is required for auth type X".
  2.14.4, 2.15.1 and later (``scanner.go`` "an empty value in the update body means leave unchanged") keep the
  stored credential when the body has none and the auth type still needs one, and no longer return it (the
  property is ``x-omitempty: false``, so reads carry ``"access_credential": ""``).
* ``PUT`` replaces the editable fields (``description``, ``disabled``, ``skip_certVerify``,
  ``use_internal_addr`` absent → empty/false); it does not ping. Disabling the default registration → 500
  ("default registration can not be marked to deactivated" is an untyped error).
* Reads: ``adapter``, ``vendor``, ``version`` and ``health`` are not stored (``orm:"-"``): ``GET /scanners`` and
  ``GET /scanners/{id}`` carry them empty; ``GET /projects/{p}/scanner`` pings the adapter and fills them
  (``health`` ``healthy``/``unhealthy``). From 2.13 on (the v2.15.2 schema) list and get carry the adapter's
  ``capabilities`` (``support_vulnerability``/``support_sbom``) when it answers.
* ``PATCH /scanners/{uuid} {"is_default": true}`` makes it the system default (the others stop being it).
* ``DELETE`` → 200 with the deleted registration.
* ``GET /projects/{p}/scanner``: the project's scanner, else the system default; **200 with an empty body**
  when there is none (``ToSwagger`` of nil is a nil payload). ``PUT /projects/{p}/scanner {"uuid"}`` stores the
  uuid without checking it (``SetRegistrationByProject``); a read of a uuid that no longer exists falls back to
  the default.
* ``GET /projects/{p}/scanner/candidates``: every registration (``q``, ``sort``, paging), for a caller who may set
  the project's scanner.

Other resources use ``default_scanner(state)`` and ``scanner_for_project(state, project)`` (scans, scan-all).
"""

import json
import ssl
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from ..framework import auth
from ..framework.network import is_loopback
from ..framework.context import now_iso
from ..framework.errors import HarborError, bad_request, conflict, forbidden, not_found
from ..framework.paging import paginate
from ..framework.query import Fuzzy, filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import projects

ROUTES = RouteTable()

AUTH_TYPES = ("", "Basic", "Bearer", "X-ScannerAdapter-API-Key")
RESERVED_NAMES = ("Trivy",)
TRIVY_URL = "http://trivy-adapter:8080"
METADATA_MIME = "application/vnd.scanner.adapter.metadata+json; version=1.0"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
NATIVE_REPORT = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
GENERIC_REPORT = "application/vnd.security.vulnerability.report; version=1.1"
SBOM_REPORT = "application/vnd.security.sbom.report+json; version=1.0"
PING_TIMEOUT = 3.0
EMPTY_BODY_QUIRK = "Harbor answers 200 with an empty body when the project has no scanner (nil payload)"


def metadata_document(name, vendor, version):
    """A Scanner Adapter API v1 metadata answer (``src/pkg/scan/rest/v1/models.go``)."""
    return {
        "scanner": {"name": name, "vendor": vendor, "version": version},
        "capabilities": [{"type": "vulnerability", "consumes_mime_types": [OCI_MANIFEST, DOCKER_MANIFEST],
                          "produces_mime_types": [GENERIC_REPORT, NATIVE_REPORT]}],
        "properties": {"harbor.scanner-adapter/scanner-type": "os-package-vulnerability"},
    }


TRIVY_METADATA = metadata_document("Trivy", "Aqua Security", "v0.56.2")


class AdapterUnreachable(Exception):
    """Harbor could not get valid metadata from the adapter (its ping failed)."""


def init_state(state):
    state.scanners = {}          # uuid -> registration (with its access_credential)
    state.project_scanners = {}  # project_id -> uuid
    if state.options.with_trivy:
        registration = _new(state, {"name": "Trivy", "url": TRIVY_URL, "use_internal_addr": True}, TRIVY_METADATA)
        registration.update(is_default=True, immutable=True)


def _new(state, body, metadata):
    now = now_iso()
    scanner = metadata.get("scanner") or {}
    registration = {
        "uuid": str(uuid.uuid4()), "name": body["name"], "description": body.get("description") or "",
        "url": body["url"], "disabled": bool(body.get("disabled")), "is_default": False,
        "auth": body.get("auth") or "", "access_credential": state.remember_secret(body.get("access_credential") or ""),
        "skip_certVerify": bool(body.get("skip_certVerify")), "use_internal_addr": bool(body.get("use_internal_addr")),
        "immutable": False, "create_time": now, "update_time": now,
        # what the adapter said about itself at registration (the scans use it in their reports)
        "adapter": scanner.get("name") or "", "vendor": scanner.get("vendor") or "",
        "version": scanner.get("version") or "",
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


def returns_credential(version):
    """Harbor 2.10.0-2.14.3 and 2.15.0 return the stored credential and need it back on every PUT."""
    return not keeps_credential(version)


def keeps_credential(version):
    """2.14.4, 2.15.1 and later keep the stored credential when a PUT has none (and no longer return it)."""
    return version >= (2, 15, 1) or version.between((2, 14, 4), (2, 15, 0))


# ---------------------------------------------------------------- the adapter

def _auth_headers(kind, credential):
    if kind == "Basic":
        return {"Authorization": "Basic " + credential}
    if kind == "Bearer":
        return {"Authorization": "Bearer " + credential}
    if kind == "X-ScannerAdapter-API-Key":
        return {"X-ScannerAdapter-API-Key": credential}
    return {}


def validate_metadata(metadata):
    """Harbor's ``ScannerAdapterMetadata.Validate``; returns an error message or None."""
    if not isinstance(metadata, dict):
        return "invalid metadata"
    scanner = metadata.get("scanner")
    if not isinstance(scanner, dict) or not all(scanner.get(key) for key in ("name", "vendor", "version")):
        return "invalid scanner in metadata"
    capabilities = metadata.get("capabilities")
    if not isinstance(capabilities, list) or not capabilities:
        return "invalid capabilities in metadata"
    for capability in capabilities:
        if not isinstance(capability, dict) or DOCKER_MANIFEST not in (capability.get("consumes_mime_types") or []):
            return "missing %s in consumes_mime_types" % DOCKER_MANIFEST
        if not set(capability.get("produces_mime_types") or []) & {NATIVE_REPORT, GENERIC_REPORT, SBOM_REPORT}:
            return "missing %s or %s in produces_mime_types" % (NATIVE_REPORT, GENERIC_REPORT)
    return None


def adapter_metadata(state, url, kind="", credential="", skip_verify=False):
    """Ping the adapter at ``url`` as Harbor does; its metadata, or ``AdapterUnreachable``."""
    base = (url or "").rstrip("/")
    if state.options.with_trivy and base == TRIVY_URL:
        return TRIVY_METADATA
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AdapterUnreachable("invalid adapter URL %s" % url)
    if not is_loopback(parts.hostname):
        raise AdapterUnreachable("dial tcp: lookup %s: no such host" % parts.hostname)
    headers = dict(_auth_headers(kind, credential), Accept=METADATA_MIME)
    request = urllib.request.Request(base + "/api/v1/metadata", headers=headers, method="GET")
    context = None
    if parts.scheme == "https":
        ca_path = state.options.ca_path
        context = ssl.create_default_context(cafile=ca_path) if ca_path else ssl.create_default_context()
        if skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(request, timeout=PING_TIMEOUT, context=context) as resp:  # nosec - test fake
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raise AdapterUnreachable("v1 client: get metadata: unexpected status code: %d" % exc.code) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise AdapterUnreachable("v1 client: get metadata: %s" % exc) from exc
    try:
        metadata = json.loads(raw)
    except ValueError as exc:
        raise AdapterUnreachable("v1 client: get metadata: %s" % exc) from exc
    problem = validate_metadata(metadata)
    if problem:
        raise AdapterUnreachable(problem)
    return metadata


def ping(state, registration):
    """The adapter's metadata for a registration (or the settings of a ping), or ``AdapterUnreachable``."""
    return adapter_metadata(state, registration.get("url"), registration.get("auth") or "",
                            registration.get("access_credential") or "", bool(registration.get("skip_certVerify")))


def _ping_or_500(state, registration, what):
    try:
        return ping(state, registration)
    except AdapterUnreachable as exc:
        # untyped errors of the client: Harbor answers 500 (UNKNOWN, "internal server error")
        raise HarborError(500, "%s: scanner controller: ping: %s" % (what, exc)) from exc


def adapter_stand_in(name, rest):
    """``GET /_fake/scanner-adapter/<name>/api/v1/metadata``: a reachable scanner adapter (control API).

    Returns ``(status, body)``; the adapter calls itself ``<name>``.
    """
    if rest != "api/v1/metadata":
        return 404, {"error": {"message": "the stand-in adapter only answers api/v1/metadata"}}
    return 200, metadata_document(name, "harbor_ops fake", "1.0.0")


# ---------------------------------------------------------------- serialisation

def _capabilities(metadata):
    """``ScannerAdapterMetadata.ConvertCapability``: capabilities without a type are vulnerability scanners."""
    kinds = {(c.get("type") or "vulnerability") for c in metadata.get("capabilities") or []}
    return {"support_vulnerability": "vulnerability" in kinds, "support_sbom": "sbom" in kinds}


def serialize(state, registration, metadata=None, health=""):
    """The ``ScannerRegistration`` shape of this version; ``metadata`` and ``health`` from a ping, if any."""
    scanner = (metadata or {}).get("scanner") or {}
    body = {
        "uuid": registration["uuid"], "name": registration["name"], "description": registration["description"],
        "url": registration["url"], "disabled": registration["disabled"], "is_default": registration["is_default"],
        "auth": registration["auth"],
        "access_credential": registration["access_credential"] if returns_credential(state.version) else "",
        "skip_certVerify": registration["skip_certVerify"], "use_internal_addr": registration["use_internal_addr"],
        "create_time": registration["create_time"], "update_time": registration["update_time"],
        "adapter": scanner.get("name") or "", "vendor": scanner.get("vendor") or "",
        "version": scanner.get("version") or "", "health": health,
    }
    return body


def _with_capabilities(state, registration):
    """A registration of a list or get: from 2.13 on with the capabilities of a ping (RetrieveCap)."""
    body = serialize(state, registration)
    if state.version >= (2, 13):
        try:
            body["capabilities"] = _capabilities(ping(state, registration))
        except AdapterUnreachable:
            pass  # only logged by Harbor: the capabilities stay nil
    return body


def _project_deleted(state, project):
    state.project_scanners.pop(project["project_id"], None)


HOOKS = {"project_deleted": _project_deleted}


# ---------------------------------------------------------------- checks

def _check_url(url):
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("scanner registration validate: invalid URL %s: scheme must be http or https" % url)


def _validate(body):
    """``Registration.Validate``: the 400 answers of create, update and ping."""
    if not body.get("name"):
        raise bad_request("missing registration name")
    _check_url(body.get("url"))
    kind = body.get("auth") or ""
    if kind not in AUTH_TYPES:
        raise bad_request("auth type %s is not supported" % kind)
    if kind and not body.get("access_credential"):
        raise bad_request("access_credential is required for auth type %s" % kind)


def _reserved(name):
    if name in RESERVED_NAMES:
        raise bad_request('name "%s" is reserved, please try a different name' % name)


def _unique(state, name, url, current=None):
    for other in state.scanners.values():
        if current is not None and other["uuid"] == current["uuid"]:
            continue
        if other["name"] == name:
            raise conflict("registration %s already exists" % name)
        if other["url"] == url:
            raise conflict("registration with URL %s already exists" % url)


def _require(ctx):
    registration = ctx.state.scanners.get(ctx.params["registration_id"])
    if registration is None:
        raise not_found("scanner %s not found" % ctx.params["registration_id"])
    return registration


# ---------------------------------------------------------------- routes

def _listed(ctx, items):
    return filter_items(ctx, sorted(items, key=lambda r: r["create_time"]),
                        {"name": "name", "url": "url", "description": "description"},
                        sortable={"name": "name", "create_time": "create_time", "url": "url"},
                        extra=_compat_keywords(ctx))


def _compat_keywords(ctx):
    """``name``, ``description`` and ``url`` (fuzzy), ``ex_name`` and ``ex_url`` (exact): the old list API."""
    extra = {}
    for key in ("name", "description", "url"):
        value = ctx.query_value(key)
        if value:
            extra[key] = Fuzzy(value)
    for key in ("ex_name", "ex_url"):
        value = ctx.query_value(key)
        if value:
            extra[key[3:]] = value
    return extra


@ROUTES.get("/scanners")
def list_scanners(ctx):
    auth.require(ctx, None, "scanner", "list")
    return paginate(ctx, _listed(ctx, ctx.state.scanners.values()), lambda r: _with_capabilities(ctx.state, r))


@ROUTES.post("/scanners")
def create_scanner(ctx):
    auth.require(ctx, None, "scanner", "create")
    body = ctx.json_object()
    _validate(body)
    _reserved(body["name"])
    metadata = _ping_or_500(ctx.state, body, "api controller: create registration")
    _unique(ctx.state, body["name"], body["url"])
    first = not ctx.state.scanners
    registration = _new(ctx.state, body, metadata)
    registration["is_default"] = first
    return Response.created(ctx.location(registration["uuid"]))


@ROUTES.post("/scanners/ping")
def ping_scanner(ctx):
    auth.require(ctx, None, "scanner", "read")
    settings = ctx.json_object()
    _validate(settings)
    _ping_or_500(ctx.state, settings, "api controller: ping")
    return Response.ok()


@ROUTES.get("/scanners/{registration_id}")
def get_scanner(ctx):
    auth.require(ctx, None, "scanner", "read")
    return Response.json(_with_capabilities(ctx.state, _require(ctx)))


@ROUTES.get("/scanners/{registration_id}/metadata")
def get_scanner_metadata(ctx):
    auth.require(ctx, None, "scanner", "read")
    registration = ctx.state.scanners.get(ctx.params["registration_id"])
    if registration is None:
        raise not_found("registration %s not found" % ctx.params["registration_id"])
    metadata = _ping_or_500(ctx.state, registration, "scanner controller: get metadata")
    body = {"scanner": dict(metadata["scanner"]), "properties": dict(metadata.get("properties") or {}),
            "capabilities": []}
    for capability in metadata["capabilities"]:
        item = {"consumes_mime_types": list(capability.get("consumes_mime_types") or []),
                "produces_mime_types": list(capability.get("produces_mime_types") or [])}
        if ctx.version >= (2, 13):
            item["type"] = capability.get("type") or ""
        body["capabilities"].append(item)
    return Response.json(body)


@ROUTES.put("/scanners/{registration_id}")
def update_scanner(ctx):
    auth.require(ctx, None, "scanner", "update")
    registration = _require(ctx)
    if registration["immutable"]:
        raise forbidden("registration %s is not allowed to update as it is immutable: scanner API: update"
                        % registration["name"])
    body = ctx.json_object()
    updated = {
        "name": body.get("name") or "", "url": body.get("url") or "", "description": body.get("description") or "",
        "auth": body.get("auth") or "", "access_credential": body.get("access_credential") or "",
        "skip_certVerify": bool(body.get("skip_certVerify")), "use_internal_addr": bool(body.get("use_internal_addr")),
        "disabled": bool(body.get("disabled")),
    }
    if keeps_credential(ctx.version) and not updated["access_credential"] and updated["auth"]:
        updated["access_credential"] = registration["access_credential"]
    _validate(updated)
    if registration["is_default"] and updated["disabled"]:
        raise HarborError(500, "default registration %s can not be marked to deactivated" % registration["uuid"])
    _reserved(updated["name"])
    _unique(ctx.state, updated["name"], updated["url"], registration)
    ctx.state.remember_secret(updated["access_credential"])
    registration.update(updated, update_time=now_iso())
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
    if registration["immutable"]:
        raise forbidden("registration %s is not allowed to delete as it is immutable: scanner API: delete"
                        % registration["name"])
    del ctx.state.scanners[registration["uuid"]]
    for project_id, chosen in list(ctx.state.project_scanners.items()):
        if chosen == registration["uuid"]:
            del ctx.state.project_scanners[project_id]
    return Response.json(serialize(ctx.state, registration))


@ROUTES.get("/projects/{project_name_or_id}/scanner")
def get_project_scanner(ctx):
    auth.require_authenticated(ctx)
    project = projects.require_project(ctx, "scanner", "read")
    registration = scanner_for_project(ctx.state, project)
    if registration is None:
        return Response(200, None, spec_quirk=EMPTY_BODY_QUIRK)
    try:
        metadata = ping(ctx.state, registration)
    except AdapterUnreachable:
        return Response.json(serialize(ctx.state, registration, health="unhealthy"))
    return Response.json(serialize(ctx.state, registration, metadata, health="healthy"))


@ROUTES.put("/projects/{project_name_or_id}/scanner")
def set_project_scanner(ctx):
    auth.require_authenticated(ctx)
    project = projects.require_project(ctx, "scanner", "create")
    chosen = ctx.json_object().get("uuid")
    if not chosen:
        raise HarborError(500, "missing scanner UUID")
    # SetRegistrationByProject stores the uuid as project metadata without looking it up
    ctx.state.project_scanners[project["project_id"]] = chosen
    return Response.ok()


@ROUTES.get("/projects/{project_name_or_id}/scanner/candidates")
def list_scanner_candidates(ctx):
    auth.require_authenticated(ctx)
    projects.require_project(ctx, "scanner", "create")
    items = filter_items(ctx, sorted(ctx.state.scanners.values(), key=lambda r: r["create_time"]),
                         {"name": "name", "url": "url", "description": "description"},
                         sortable={"name": "name", "create_time": "create_time", "url": "url"})
    return paginate(ctx, items, lambda r: _with_capabilities(ctx.state, r))
