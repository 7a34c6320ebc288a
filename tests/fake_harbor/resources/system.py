"""``/ping``, ``/health``, ``/systeminfo``, ``/systeminfo/volumes``, ``/systeminfo/getcert``, ``/statistics`` and
``/internalconfig`` (api-notes §0, §13).

* ``GET /systeminfo/volumes`` (system permission ``system-volumes:read``, handler/systeminfo.go ``GetVolumes``): one
  ``storage`` entry with the ``total`` and ``free`` bytes of the file system that holds the registry storage, as
  Harbor's filesystem driver reads them (``statfs``: blocks × block size, available blocks × block size;
  src/pkg/systeminfo/imagestorage/filesystem/driver.go). The fake measures the storage directory of its
  distribution registry when it runs one (``FakeHarbor(registry=True)``), else the temp directory.
* ``GET /health``: every component healthy unless ``POST /_fake/health`` said otherwise; with a real distribution
  behind the fake, ``registry`` is also unhealthy while distribution does not answer (hook ``registry_health``,
  registry.py), as Harbor's core finds when its registry container is down.
* ``GET /systeminfo``: ``registry_storage_provider_name`` is ``state.options.storage_provider_name`` (default
  ``filesystem``; the stand-in Harbor sets the driver of harbor.yml's ``storage_service``).
* ``GET /systeminfo/getcert`` (no permission: the CA is public): the CA that signs the server certificate, as
  ``application/octet-stream`` with ``Content-Disposition: attachment; filename=ca.crt``; 404 "cert not found in
  path: /etc/core/ca/ca.crt" when Harbor has none (controller/systeminfo ``GetCA``) -- here: when the fake serves
  plain HTTP (``has_ca_root`` of ``/systeminfo`` says the same).
* ``GET /internalconfig`` is for Harbor's own components (``RequireSolutionUserAccess``): every other caller,
  admins included, gets 401 "only internal service is allowed to call this API".
"""

import os
import tempfile
from urllib.parse import urlsplit

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import not_found, unauthorized
from ..framework.response import Response
from ..framework.routing import RouteTable
from .configurations import get_config

ROUTES = RouteTable()

COMPONENTS = ("core", "portal", "jobservice", "registry", "registryctl", "database", "redis")


def init_state(state):
    # component name -> None (healthy) or an error message; changed by POST /_fake/health
    state.health = {name: None for name in components(state)}


def components(state):
    names = list(COMPONENTS)
    if state.options.with_trivy:
        names.append("trivy")
    return names


@ROUTES.get("/ping")
def ping(_ctx):
    return Response.text("Pong")


@ROUTES.get("/health")
def health(ctx):
    items = []
    for name in components(ctx.state):
        error = ctx.state.health.get(name)
        if error is None and name == "registry":
            # a real distribution behind the fake (registry.py): healthy only while it answers
            error = ctx.state.hooks.first("registry_health", ctx.state)
        item = {"name": name, "status": "healthy" if error is None else "unhealthy"}
        if error is not None:
            item["error"] = error
        items.append(item)
    overall = "healthy" if all(i["status"] == "healthy" for i in items) else "unhealthy"
    return Response.json({"status": overall, "components": items})


@ROUTES.get("/systeminfo")
def systeminfo(ctx):
    state = ctx.state
    mode = get_config(state, "auth_mode")
    body = {
        "auth_mode": mode,
        "primary_auth_mode": get_config(state, "primary_auth_mode"),
        "self_registration": get_config(state, "self_registration"),
        "banner_message": get_config(state, "banner_message"),
    }
    if mode == "oidc_auth":
        body["oidc_provider_name"] = get_config(state, "oidc_name")
    if mode == "http_auth":
        body["authproxy_settings"] = {
            "endpoint": get_config(state, "http_authproxy_endpoint"),
            "tokenreivew_endpoint": get_config(state, "http_authproxy_tokenreview_endpoint"),
            "skip_search": get_config(state, "http_authproxy_skip_search"),
            "verify_cert": get_config(state, "http_authproxy_verify_cert"),
            "server_certificate": get_config(state, "http_authproxy_server_certificate"),
        }
    if ctx.principal.authenticated:
        external = state.options.external_url
        body.update({
            "harbor_version": ctx.version.harbor_version,
            "external_url": external,
            "registry_url": urlsplit(external).netloc,
            "read_only": get_config(state, "read_only"),
            "has_ca_root": ctx.server.tls,
            "project_creation_restriction": get_config(state, "project_creation_restriction"),
            "registry_storage_provider_name": getattr(state.options, "storage_provider_name", "filesystem"),
            "notification_enable": get_config(state, "notification_enable"),
            "current_time": now_iso(),
        })
    return Response.json(body)


@ROUTES.get("/statistics")
def statistics(ctx):
    auth.require_authenticated(ctx)
    state = ctx.state
    body = {
        "private_project_count": 0, "private_repo_count": 0, "public_project_count": 0, "public_repo_count": 0,
        "total_project_count": 0, "total_repo_count": 0, "total_storage_consumption": 0,
    }
    for project in state.projects.values():
        repos = [r for r in state.repositories if r["project_id"] == project["project_id"]]
        if auth.is_public(project):
            body["public_project_count"] += 1
            body["public_repo_count"] += len(repos)
        elif auth.has_permission(ctx, project, "project", "read"):
            body["private_project_count"] += 1
            body["private_repo_count"] += len(repos)
    if ctx.principal.sysadmin:
        body["total_project_count"] = len(state.projects)
        body["total_repo_count"] = len(state.repositories)
        body["total_storage_consumption"] = sum(a["size"] for a in getattr(state, "artifacts", {}).values())
    return Response.json(body)


CA_PATH = "/etc/core/ca/ca.crt"  # defaultRootCert, src/controller/systeminfo/controller.go


def storage_path(server):
    """The directory whose file system ``/systeminfo/volumes`` reports (the registry storage when there is one)."""
    registry = getattr(server, "registry", None)
    if registry is not None:
        for path in (registry.distribution.storage, registry.distribution.workdir):
            if path and os.path.isdir(path):
                return path
    return tempfile.gettempdir()


@ROUTES.get("/systeminfo/volumes")
def volumes(ctx):
    auth.require(ctx, None, "system-volumes", "read")
    stat = os.statvfs(storage_path(ctx.server))
    return Response.json({"storage": [{"total": stat.f_blocks * stat.f_bsize, "free": stat.f_bavail * stat.f_bsize}]})


@ROUTES.get("/systeminfo/getcert")
def get_cert(ctx):
    path = ctx.server.ca_path
    if not ctx.server.tls or not path or not os.path.isfile(path):
        raise not_found("cert not found in path: %s" % CA_PATH)
    with open(path, "rb") as handle:
        content = handle.read()
    return Response(200, raw=content, content_type="application/octet-stream",
                    headers={"Content-Disposition": "attachment; filename=ca.crt"})


@ROUTES.get("/internalconfig")
def internal_config(_ctx):
    raise unauthorized("only internal service is allowed to call this API")
