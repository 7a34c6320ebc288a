"""``GET /search`` and ``GET /icons/{digest}``.

``/search?q=`` (src/server/v2.0/handler/search.go; ``q`` is required: 422 without it):

* The projects the caller may see: every project for a sysadmin; for a db user the projects they are a member of
  and the public ones; for anyone else (anonymous, robots: not a local security context) the public ones only.
* ``project``: those whose name **contains** ``q`` (case-sensitive ``strings.Contains``), in the ``Project`` shape
  with ``repo_count`` and, for a db user, their roles.
* ``repository``: the repositories whose name contains ``q`` case-insensitively (a fuzzy match on the full
  ``project/repo`` name) in any of the visible projects, whatever the project's own name:
  ``{project_id, project_name, project_public, repository_name, pull_count, artifact_count}``.
* Both lists are always present (``[]`` when empty).

``/icons/{digest}`` (handler/icon.go, src/controller/icon/controller.go; no permission): the icons Harbor ships for
the artifact types (image, chart, CNAB, default), as ``{"content-type": "image/png", "content": <base64 PNG>}``;
any other digest would be an icon layer of a stored artifact -- the fake's artifacts carry none, so 404 "the icon
<digest> not found".
"""

import base64
import struct
import zlib

from ..framework import auth
from ..framework.errors import not_found
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import artifacts, projects

ROUTES = RouteTable()

# src/lib/icon/const.go
BUILT_IN_ICONS = {
    "sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06": (0x4a, 0x90, 0xe2),  # image
    "sha256:61cf3a178ff0f75bf08a25d96b75cf7355dc197749a9f128ed3ef34b0df05518": (0x0f, 0x16, 0x89),  # chart
    "sha256:089bdda265c14d8686111402c8ad629e8177a1ceb7dcd0f7f39b6480f623b3bd": (0x2c, 0x3e, 0x50),  # CNAB
    "sha256:da834479c923584f4cbcdecc0dac61f32bef1d51e8aae598cf16bd154efab49f": (0x99, 0x99, 0x99),  # default
}
ICON_SIZE = 50  # Harbor resizes icons to 50x50


def _png(color, size=ICON_SIZE):
    """A plain ``size`` x ``size`` RGB PNG of one colour (the stand-in for Harbor's icon files)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    row = b"\x00" + bytes(color) * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b""))


def _visible(ctx, project):
    principal = ctx.principal
    if principal.sysadmin:
        return True
    if principal.kind == "user":
        return auth.is_public(project) or auth.project_role(ctx.state, principal, project) is not None
    return auth.is_public(project)


@ROUTES.get("/search")
def search(ctx):
    keyword = ctx.query_str("q", required=True)
    state = ctx.state
    visible = [p for p in sorted(state.projects.values(), key=lambda p: p["project_id"]) if _visible(ctx, p)]
    found_projects = [projects.serialize(ctx, p, detail=False) for p in visible if keyword in p["name"]]
    by_id = {p["project_id"]: p for p in visible}
    found_repositories = []
    for repo in sorted(state.repositories, key=lambda r: r["id"]):
        project = by_id.get(repo["project_id"])
        if project is None or keyword.lower() not in repo["name"].lower():
            continue
        found_repositories.append({
            "project_id": project["project_id"], "project_name": project["name"],
            "project_public": auth.is_public(project), "repository_name": repo["name"],
            "pull_count": repo["pull_count"], "artifact_count": len(artifacts.repository_artifacts(state, repo)),
        })
    return Response.json({"project": found_projects, "repository": found_repositories})


@ROUTES.get("/icons/{digest}")
def get_icon(ctx):
    digest = ctx.params["digest"]
    color = BUILT_IN_ICONS.get(digest)
    if color is None:
        raise not_found("the icon %s not found" % digest)
    return Response.json({"content-type": "image/png", "content": base64.b64encode(_png(color)).decode("ascii")})
