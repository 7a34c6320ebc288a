"""``/registries`` and ``/replication/adapters``: replication and proxy-cache endpoints (api-notes §3).

Behaviour (api-notes §3):

* create takes the credential **nested** (``credential: {type, access_key,
  access_secret}``); a flat ``access_key`` on create is not in the schema, so
  the contract check drops it and the registry is stored without credential;
* update takes it **flat** (``RegistryUpdate``: ``credential_type``,
  ``access_key``, ``access_secret``); only the fields sent change; ``type``
  cannot change (it is not in the schema);
* Harbor pings the remote on create and update: an unhealthy remote answers
  400 "the registry is unhealthy"; ``POST /registries/ping`` does the same
  check with a flat body or the ``id`` of a stored registry;
* GET shows ``credential.access_secret`` as ``"*****"``;
* delete answers 412 while a replication policy (hook ``registry_in_use``) or
  a proxy-cache project references the registry;
* ``ca_certificate`` exists from 2.15.0 (the contract overlay drops it before).

Whether a remote is "healthy" is decided by its URL, so that tests can choose
(``remote_health``):

* a host name label ``unhealthy`` or ``unreachable``
  (``https://unhealthy.example.com``) -> every ping fails;
* a label ``auth-required`` -> healthy only with a credential that has both an
  access key and an access secret;
* a label ``broken`` -> healthy, but every replication task to or from it
  fails (see ``replication.py``).

Other resources use ``lookup(state, id)`` and ``serialize_registry(state,
record)``; hook ``get_registry`` serves proxy-cache projects (errata E4).
"""

import re
from urllib.parse import urlsplit

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import bad_request, conflict, not_found, precondition
from ..framework.paging import paginate
from ..framework.query import Fuzzy, filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable

ROUTES = RouteTable()

# Adapters compiled into Harbor 2.15 (api-notes §3 "Types").
ADAPTER_TYPES = ("ali-acr", "aws-ecr", "azure-acr", "docker-hub", "docker-registry", "dtr", "github-ghcr", "gitlab",
                 "google-gcr", "harbor", "huawei-SWR", "jfrog-artifactory", "quay", "tencent-tcr", "volcengine-cr")
# Since 2.14 the adapter lists show only REPLICATION_ADAPTER_WHITELIST (installer default).
ADAPTER_WHITELIST = ("ali-acr", "aws-ecr", "azure-acr", "docker-hub", "docker-registry", "github-ghcr", "google-gcr",
                     "harbor", "huawei-SWR", "jfrog-artifactory", "tencent-tcr", "volcengine-cr")
CREDENTIAL_TYPES = ("basic", "oauth")
MASKED_SECRET = "*****"
MAX_NAME_LENGTH = 64
AWS_ECR_URL_RE = re.compile(r"^https://(?:api|(\d+)\.dkr)\.ecr(?:-public|-fips)?\.([a-z0-9-]+)\."
                            r"(?:amazonaws\.com(?:\.cn)?|sc2s\.sgov\.gov|c2s\.ic\.gov)/?$")
UNHEALTHY = "the registry is unhealthy"
LOCAL_REGISTRY_NAME = "Local"


def init_state(state):
    state.registries = {}


def lookup(state, registry_id):
    return state.registries.get(registry_id)


def labels(url):
    host = urlsplit(url or "").hostname or ""
    return set(host.lower().split("."))


def remote_health(registry):
    """None when Harbor could reach the remote with these settings, else the reason (the URL convention above)."""
    url = registry.get("url") or ""
    if not valid_url(url):
        return "invalid url"
    host_labels = labels(url)
    if host_labels & {"unhealthy", "unreachable"}:
        return "cannot reach %s" % url
    if registry.get("type") == "aws-ecr" and not AWS_ECR_URL_RE.match(url):
        return "bad aws-ecr endpoint url %s" % url
    credential = registry.get("credential") or {}
    if "auth-required" in host_labels and not (credential.get("access_key") and credential.get("access_secret")):
        return "authentication required by %s" % url
    return None


def is_broken(registry):
    """Replication tasks to or from this remote fail (URL label ``broken``)."""
    return registry is not None and "broken" in labels(registry.get("url"))


def valid_url(url):
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def serialize_registry(state, record, with_credential=True):
    """The spec's ``Registry`` shape for this version; the secret masked as Harbor does."""
    body = {
        "id": record["id"], "name": record["name"], "type": record["type"], "url": record["url"],
        "description": record.get("description") or "", "insecure": bool(record.get("insecure")),
        "status": "healthy" if remote_health(record) is None else "unhealthy",
        "creation_time": record["creation_time"], "update_time": record["update_time"],
    }
    if state.version >= (2, 15) and record.get("ca_certificate"):
        body["ca_certificate"] = record["ca_certificate"]
    credential = record.get("credential")
    if with_credential and credential:
        body["credential"] = {
            "type": credential.get("type") or "basic",
            "access_key": credential.get("access_key") or "",
            "access_secret": MASKED_SECRET if credential.get("access_secret") else "",
        }
    return body


def local_registry(state):
    """How a policy shows the local Harbor side (id 0)."""
    return {"id": 0, "name": LOCAL_REGISTRY_NAME, "type": "harbor", "url": state.options.external_url,
            "insecure": True, "status": "healthy", "description": ""}


def _get_registry_hook(state, registry_id):
    record = lookup(state, registry_id)
    return None if record is None else serialize_registry(state, record, with_credential=False)


HOOKS = {"get_registry": _get_registry_hook}


def _require(ctx, action):
    """``RequireSystemAccess(action, registry)`` first, then the lookup (404), as ``registry.go`` does."""
    auth.require(ctx, None, "registry", action)
    registry_id = ctx.path_int("id")
    record = lookup(ctx.state, registry_id)
    if record is None:
        raise not_found("registry %d not found" % registry_id)
    return record


def _check_name(state, name, own_id=None):
    if not name:
        raise bad_request("name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise bad_request("the max length of name is %d" % MAX_NAME_LENGTH)
    for other in state.registries.values():
        if other["name"] == name and other["id"] != own_id:
            raise conflict("registry %s already exists" % name)


def _check_settings(record):
    """Harbor's controller.validate: URL, type, credential type, then the health ping."""
    if not valid_url(record.get("url")):
        raise bad_request("invalid url: %s" % record.get("url"))
    if record.get("type") not in ADAPTER_TYPES:
        raise bad_request("invalid registry type %s" % record.get("type"))
    credential = record.get("credential") or {}
    if credential.get("type") and credential["type"] not in CREDENTIAL_TYPES:
        raise bad_request("invalid credential type %s" % credential["type"])
    if remote_health(record) is not None:
        raise bad_request(UNHEALTHY)


def _credential(ctx, raw):
    if not isinstance(raw, dict) or not any(raw.get(k) for k in ("type", "access_key", "access_secret")):
        return None
    ctx.state.remember_secret(raw.get("access_secret"))
    return {"type": raw.get("type") or "basic", "access_key": raw.get("access_key") or "",
            "access_secret": raw.get("access_secret") or ""}


@ROUTES.post("/registries")
def create_registry(ctx):
    auth.require(ctx, None, "registry", "create")
    body = ctx.json_object()
    now = now_iso()
    record = {
        "name": body.get("name") or "", "type": body.get("type") or "", "url": (body.get("url") or "").strip(),
        "description": body.get("description") or "", "insecure": bool(body.get("insecure")),
        "ca_certificate": body.get("ca_certificate") or "", "credential": _credential(ctx, body.get("credential")),
        "creation_time": now, "update_time": now,
    }
    _check_name(ctx.state, record["name"])
    _check_settings(record)
    record["id"] = ctx.state.next_id("registry")
    ctx.state.registries[record["id"]] = record
    return Response.created(ctx.location(record["id"]))


@ROUTES.get("/registries")
def list_registries(ctx):
    auth.require(ctx, None, "registry", "list")
    extra = {}
    name = ctx.query_str("name")
    if name:
        extra["name"] = Fuzzy(name)
    items = filter_items(ctx, list(ctx.state.registries.values()),
                         {"name": "name", "type": "type", "url": "url", "id": "id"},
                         sortable={"id": "id", "name": "name", "creation_time": "creation_time"},
                         default_sort="-creation_time", extra=extra)
    return paginate(ctx, items, lambda r: serialize_registry(ctx.state, r))


@ROUTES.get("/registries/{id}")
def get_registry(ctx):
    return Response.json(serialize_registry(ctx.state, _require(ctx, "read")))


@ROUTES.put("/registries/{id}")
def update_registry(ctx):
    record = _require(ctx, "update")
    body = ctx.json_object()
    updated = dict(record, credential=dict(record.get("credential") or {}))
    for key in ("name", "description", "url", "insecure", "ca_certificate"):
        if body.get(key) is not None:
            updated[key] = body[key].strip() if key == "url" else body[key]
    for key, target in (("credential_type", "type"), ("access_key", "access_key"), ("access_secret", "access_secret")):
        if body.get(key) is not None:
            updated["credential"][target] = body[key]
    ctx.state.remember_secret(body.get("access_secret"))
    if not any(updated["credential"].values()):
        updated["credential"] = None
    _check_name(ctx.state, updated["name"], own_id=record["id"])
    _check_settings(updated)
    updated["update_time"] = now_iso()
    ctx.state.registries[record["id"]] = updated
    return Response.ok()


def in_use_message(ctx, record):
    for project in ctx.state.projects.values():
        if project.get("registry_id") == record["id"]:
            return "Can't delete registry %d, it is used by proxy cache project %s" % (record["id"], project["name"])
    messages = ctx.server.hooks.all("registry_in_use", ctx.state, record)
    return messages[0] if messages else None


@ROUTES.delete("/registries/{id}")
def delete_registry(ctx):
    record = _require(ctx, "delete")
    message = in_use_message(ctx, record)
    if message:
        raise precondition(message)
    del ctx.state.registries[record["id"]]
    return Response.ok()


@ROUTES.post("/registries/ping")
def ping_registry(ctx):
    auth.require(ctx, None, "registry", "read")  # PingRegistry checks read, not create
    body = ctx.json_object()
    ctx.state.remember_secret(body.get("access_secret"))
    if body.get("id") is not None:
        stored = lookup(ctx.state, body["id"])
        if stored is None:
            raise not_found("registry %d not found" % body["id"])
        target = dict(stored, credential=dict(stored.get("credential") or {}))
    else:
        if not body.get("type") or not body.get("url"):
            raise bad_request("type and url are required")
        target = {"type": body["type"], "url": body["url"], "credential": {}}
    for key in ("type", "url", "insecure", "ca_certificate"):
        if body.get(key) is not None:
            target[key] = body[key]
    for key, dest in (("credential_type", "type"), ("access_key", "access_key"), ("access_secret", "access_secret")):
        if body.get(key) is not None:
            target["credential"][dest] = body[key]
    if target.get("type") not in ADAPTER_TYPES:
        raise bad_request("invalid registry type %s" % target.get("type"))
    if not valid_url(target.get("url")):
        raise bad_request("invalid url: %s" % target.get("url"))
    if remote_health(target) is not None:
        raise bad_request(UNHEALTHY)
    return Response.ok()


@ROUTES.get("/registries/{id}/info")
def registry_info(ctx):
    record = _require(ctx, "read")
    info = {
        "type": record["type"], "description": "",
        "supported_resource_filters": [{"type": "name", "style": "input"}, {"type": "tag", "style": "input"}],
        "supported_triggers": ["manual", "scheduled"],
        "supported_copy_by_chunk": record["type"] in ("harbor", "docker-registry"),
    }
    return Response.json(info)


@ROUTES.get("/replication/adapters")
def list_adapters(ctx):
    auth.require(ctx, None, "replication-adapter", "list")
    types = ADAPTER_WHITELIST if ctx.version >= (2, 14) else ADAPTER_TYPES
    return Response.json(sorted(types))


# ---------------------------------------------------------------- /replication/adapterinfos

# The endpoint and credential patterns of the adapters that declare one (``AdapterPattern()`` of each factory under
# src/pkg/reg/adapter/*; src/pkg/reg/model/registry.go for the type names). Adapters whose factory returns nil
# (azure-acr, docker-registry, dtr, gitlab, harbor, huawei-SWR, jfrog-artifactory, quay) are not in the map Harbor
# answers (adapter.go ``RegisterFactory``); tencent-tcr and volcengine-cr declare an empty pattern.
PATTERN_LIST, PATTERN_FIX = "EndpointPatternTypeList", "EndpointPatternTypeFix"
ALI_ACR_REGIONS = ("cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu", "cn-hangzhou",
                   "cn-shanghai", "cn-shenzhen", "cn-heyuan", "cn-guangzhou", "cn-chengdu", "cn-hongkong",
                   "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-5", "ap-south-1",
                   "ap-northeast-1", "us-west-1", "us-east-1", "eu-central-1", "eu-west-1", "me-east-1")
AWS_ECR_REGIONS = ("us-east-2", "us-east-1", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
                   "ap-northeast-3", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1",
                   "ca-central-1", "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-west-1", "eu-west-2",
                   "eu-south-1", "eu-west-3", "eu-north-1", "me-south-1", "sa-east-1")


def _endpoints(kind, pairs):
    return {"endpoint_type": kind, "endpoints": [{"key": key, "value": value} for key, value in pairs]}


def _ali_acr_endpoints():
    for region in ALI_ACR_REGIONS:
        yield region, "https://registry.%s.aliyuncs.com" % region
        yield region + "-vpc", "https://registry-vpc.%s.aliyuncs.com" % region
        yield region + "-internal", "https://registry-internal.%s.aliyuncs.com" % region
        yield region + "-ee-vpc", "https://instanceName-registry-vpc.%s.cr.aliyuncs.com" % region
        yield region + "-ee", "https://instanceName-registry.%s.cr.aliyuncs.com" % region


ADAPTER_PATTERNS = {
    "ali-acr": {"endpoint_pattern": _endpoints(PATTERN_LIST, _ali_acr_endpoints())},
    "aws-ecr": {"endpoint_pattern": _endpoints(PATTERN_LIST, (
        (region, "https://api.ecr.%s.amazonaws.com" % region) for region in AWS_ECR_REGIONS))},
    "docker-hub": {"endpoint_pattern": _endpoints(PATTERN_FIX, [("hub.docker.com", "https://hub.docker.com")])},
    "github-ghcr": {"endpoint_pattern": _endpoints(PATTERN_FIX, [("ghcr.io", "https://ghcr.io")])},
    "google-gcr": {
        "endpoint_pattern": _endpoints(PATTERN_LIST, [(host, "https://" + host) for host in (
            "gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io")]),
        "credential_pattern": {"access_key_type": "AccessKeyTypeFix", "access_key_data": "_json_key",
                               "access_secret_type": "AccessSecretTypeFile", "access_secret_data": "No Change"},
    },
    "tencent-tcr": {},
    "volcengine-cr": {},
}


@ROUTES.get("/replication/adapterinfos")
def list_adapter_infos(ctx):
    """``listRegistryProviderInfos``: ``RequireSystemAccess(list, replication-adapter)``; the adapters of
    ``/replication/adapters`` (since 2.14 only the whitelist, api-notes §3) that declare a pattern, keyed by type."""
    auth.require(ctx, None, "replication-adapter", "list")
    types = ADAPTER_WHITELIST if ctx.version >= (2, 14) else ADAPTER_TYPES
    return Response.json({kind: ADAPTER_PATTERNS[kind] for kind in sorted(types) if kind in ADAPTER_PATTERNS})
