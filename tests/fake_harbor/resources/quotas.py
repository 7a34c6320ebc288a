"""``/quotas``: project storage quotas (api-notes §1 "Quota").

A quota is created with its project (``create_project_quota``); its ``used``
storage is the sum of the project's repository sizes.
"""

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import bad_request, not_found
from ..framework.paging import paginate
from ..framework.query import apply_sort
from ..framework.response import Response
from ..framework.routing import RouteTable

ROUTES = RouteTable()

UNLIMITED = -1
MAX_STORAGE = 1024 ** 5  # 1024 TB, types.MaxLimitedValue


def init_state(state):
    state.quotas = {}


def validate_hard(hard):
    """Harbor's project quota driver Validate: storage only, -1 or 1..1024 TB."""
    for resource, value in hard.items():
        if resource != "storage":
            raise bad_request("resource %s not support" % resource)
        if not isinstance(value, int) or isinstance(value, bool) or (value <= 0 and value != UNLIMITED):
            raise bad_request("invalid value for resource storage: %s, should be -1 or greater than 0" % value)
        if value > MAX_STORAGE:
            raise bad_request("invalid value for resource storage: %d, should not be greater than %d" % (
                value, MAX_STORAGE))


def create_project_quota(state, project, storage_limit):
    now = now_iso()
    quota = {
        "id": state.next_id("quota"), "ref_type": "project", "ref_id": project["project_id"],
        "hard": {"storage": storage_limit}, "creation_time": now, "update_time": now,
    }
    state.quotas[quota["id"]] = quota
    return quota


def project_quota(state, project_id):
    for quota in state.quotas.values():
        if quota["ref_type"] == "project" and quota["ref_id"] == project_id:
            return quota
    return None


def delete_project_quota(state, project_id):
    quota = project_quota(state, project_id)
    if quota is not None:
        del state.quotas[quota["id"]]


def used_storage(state, project_id):
    """The sum of the project's artifact sizes (resources/artifacts.py)."""
    return sum(a["size"] for a in getattr(state, "artifacts", {}).values() if a["project_id"] == project_id)


def serialize(state, quota):
    project = state.projects.get(quota["ref_id"]) or {}
    owner = state.users.get(project.get("owner_id")) or {}
    return {
        "id": quota["id"],
        "ref": {"id": quota["ref_id"], "name": project.get("name", ""), "owner_name": owner.get("username", "")},
        "hard": dict(quota["hard"]),
        "used": {"storage": used_storage(state, quota["ref_id"])},
        "creation_time": quota["creation_time"],
        "update_time": quota["update_time"],
    }


def _get_quota(ctx):
    quota = ctx.state.quotas.get(ctx.path_int("id"))
    if quota is None:
        raise not_found("quota %s not found" % ctx.params["id"])
    return quota


@ROUTES.get("/quotas")
def list_quotas(ctx):
    auth.require(ctx, None, "quota", "list")
    reference = ctx.query_str("reference")
    reference_id = ctx.query_str("reference_id")
    quotas = sorted(ctx.state.quotas.values(), key=lambda q: q["id"])
    if reference:
        quotas = [q for q in quotas if q["ref_type"] == reference]
    if reference_id:
        quotas = [q for q in quotas if str(q["ref_id"]) == reference_id]
    quotas = apply_sort(quotas, ctx.query_value("sort"), {
        "creation_time": "creation_time", "update_time": "update_time",
        "hard.storage": lambda q: q["hard"].get("storage"),
        "used.storage": lambda q: used_storage(ctx.state, q["ref_id"]),
    })
    return paginate(ctx, quotas, lambda q: serialize(ctx.state, q))


@ROUTES.get("/quotas/{id}")
def get_quota(ctx):
    auth.require(ctx, None, "quota", "read")
    return Response.json(serialize(ctx.state, _get_quota(ctx)))


@ROUTES.put("/quotas/{id}")
def update_quota(ctx):
    auth.require(ctx, None, "quota", "update")
    quota = _get_quota(ctx)
    body = ctx.json_object()
    hard = body.get("hard")
    if not isinstance(hard, dict) or not hard:
        raise bad_request("hard in body is required")
    validate_hard(hard)
    quota["hard"] = dict(quota["hard"], **hard)
    quota["update_time"] = now_iso()
    return Response.ok()
