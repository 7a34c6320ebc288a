"""``/projects/{p}/metadatas/``: per-key project metadata (api-notes §1, errata E14).

POST/PUT take exactly one key, accept only the keys of the running version
(never ``retention_id``) and normalise the value; DELETE does not validate
the key (so it can remove a stale ``retention_id``, errata E10).
"""

from ..framework.errors import bad_request, conflict
from ..framework.response import Response
from ..framework.routing import RouteTable
from .projects import not_found_error, project_access

ROUTES = RouteTable()

_BOOL_KEYS = {"public", "enable_content_trust", "enable_content_trust_cosign", "prevent_vul", "auto_scan",
              "reuse_sys_cve_allowlist", "auto_sbom_generation", "proxy_cache_local_on_not_found"}
_PARSE_BOOL = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
               "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}
_SEVERITIES = {"none": "none", "negligible": "none", "low": "low", "medium": "medium", "high": "high",
               "critical": "critical"}

# Keys POST/PUT accept, by the version that started accepting them (errata E14).
_WRITABLE = [
    ("public", None), ("enable_content_trust", None), ("enable_content_trust_cosign", None), ("prevent_vul", None),
    ("severity", None), ("auto_scan", None), ("reuse_sys_cve_allowlist", None), ("auto_sbom_generation", (2, 11)),
    ("proxy_speed_kb", (2, 12)), ("max_upstream_conn", (2, 15, 0)), ("proxy_cache_local_on_not_found", (2, 15, 1)),
]
_INT32 = (-(2 ** 31), 2 ** 31 - 1)


def writable_keys(version):
    return [key for key, since in _WRITABLE if version.between(since, None)]


def _int32(value):
    text = value.strip() if isinstance(value, str) else ""
    try:
        number = int(text, 10)
    except ValueError:
        return None
    return number if _INT32[0] <= number <= _INT32[1] and text.lstrip("+-").isdigit() else None


def validate(ctx, metas):
    """Harbor's projectMetadataAPI.validate: one pair, known key, normalised value."""
    if len(metas) != 1:
        raise bad_request("only allow one key/value pair")
    key, value = next(iter(metas.items()))
    if key not in writable_keys(ctx.version):
        raise bad_request("invalid key: %s" % key)
    value = "" if value is None else value
    if key in _BOOL_KEYS:
        if value not in _PARSE_BOOL:
            raise bad_request("invalid value: %s" % value)
        return key, "true" if _PARSE_BOOL[value] else "false"
    if key == "severity":
        if value.lower() not in _SEVERITIES:
            raise bad_request("invalid value: %s" % value)
        return key, _SEVERITIES[value.lower()]
    number = _int32(value)
    if number is None:
        raise bad_request("invalid value: %s" % value)
    if key == "max_upstream_conn" and number <= 0 and number != -1:
        raise bad_request("invalid value for %s: %d" % (key, number))
    return key, str(number)


@ROUTES.get("/projects/{project_name_or_id}/metadatas/")
def list_metadatas(ctx):
    project = project_access(ctx, "metadata", "list")
    if project is None:
        raise not_found_error(ctx)
    return Response.json(dict(project["metadata"]))


@ROUTES.post("/projects/{project_name_or_id}/metadatas/")
def add_metadatas(ctx):
    project = project_access(ctx, "metadata", "create")
    key, value = validate(ctx, ctx.json_object())
    if project is None:
        raise not_found_error(ctx)
    if key in project["metadata"]:
        raise conflict("metadata %s already exists in project %s" % (key, project["name"]))
    project["metadata"][key] = value
    return Response.ok()


@ROUTES.get("/projects/{project_name_or_id}/metadatas/{meta_name}")
def get_metadata(ctx):
    project = project_access(ctx, "metadata", "read")
    if project is None:
        raise not_found_error(ctx)
    name = ctx.params["meta_name"]
    if name in project["metadata"]:
        return Response.json({name: project["metadata"][name]})
    return Response.json({})


@ROUTES.put("/projects/{project_name_or_id}/metadatas/{meta_name}")
def update_metadata(ctx):
    project = project_access(ctx, "metadata", "update")
    name = ctx.params["meta_name"]
    body = ctx.json_object(required=False)
    key, value = validate(ctx, {name: body.get(name, "")})
    if project is None:
        raise not_found_error(ctx)
    # The metadata manager only updates existing rows: a missing key stays missing (derived).
    if key in project["metadata"]:
        project["metadata"][key] = value
    return Response.ok()


@ROUTES.delete("/projects/{project_name_or_id}/metadatas/{meta_name}")
def delete_metadata(ctx):
    project = project_access(ctx, "metadata", "delete")
    if project is None:
        raise not_found_error(ctx)
    project["metadata"].pop(ctx.params["meta_name"], None)
    return Response.ok()
