"""P2P preheat: provider instances (``/p2p/preheat/*``) and project policies (``/projects/{p}/preheat/*``).

Harbor's behaviour (``src/server/v2.0/handler/preheat.go``, ``src/controller/p2p/preheat/controller.go`` and
``enforcer.go``, ``src/pkg/p2p/preheat/dao/instance/dao.go``, ``src/pkg/p2p/preheat/models/policy/policy.go``,
``src/pkg/p2p/preheat/provider/{dragonfly,kraken}.go``, ``provider/auth/*_handler.go``; api-notes is silent):

**Instances** (system permission ``preheat-instance``: ``create/read/list/update/delete``; ping needs ``read``,
the provider list ``list``):

* ``POST /p2p/preheat/instances`` stores the body as it is: Harbor checks the **name** only
  (``^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$``, a plain error: **500**), refuses an endpoint another instance
  already has (``ErrorConflict``, an error without code: **500**) and a name already used (**409**
  "instance X already exists"); it sets ``setup_timestamp``. The vendor, the endpoint URL and the auth mode are
  *not* checked on create or update: Harbor checks them when it talks to the instance (ping, preheat), below.
  ``Location`` is the request path plus the **name**. A new instance does not take ``default`` from the others.
* ``GET`` answers ``auth_info`` as stored (Harbor returns the credentials), ``status`` is always ``Unknown``.
* ``PUT /p2p/preheat/instances/{name}`` updates the instance whose **id is in the body** (the path name is not
  used: no id → 404 "instance 0 not found"); every column comes from the body (``setup_timestamp`` too).
  Disabling an instance a policy uses → 412, another vendor → 500 (plain error), a name another instance has
  → 500 (the DAO update does not map the constraint), ``default: true`` clears it on every other instance.
  ``auth_info``: 2.10 stores the body's (absent = none); 2.15 keeps the stored credentials when the body's is
  absent or empty and the auth mode (the body's, or the stored one when the body has none) is not ``NONE``;
  with ``NONE`` only the body's are kept (the v2.15.2 swagger description of ``UpdateInstance``; absent from
  v2.10.0's; **assumed** to start with 2.15.0).
* ``DELETE`` → 412 "Provider [X] cannot be deleted as some preheat policies are using it".
* ``POST /p2p/preheat/instances/ping``: by ``id`` (a missing one → 404 with no body), else by ``endpoint``
  (none → **400 with no body**) with the body's name, vendor and auth. The health check (``check_health``, also
  run by a manual preheat): an unknown vendor → 500 "no driver registered for provider X"; the endpoint plus the
  vendor's health path (Dragonfly ``/healthy``, Kraken ``/health``) through ``lib.ValidateHTTPURL`` (another
  scheme → 400); the auth mode must be ``NONE``, ``BASIC`` (``auth_info`` not empty), ``OAUTH`` (a ``token``)
  or ``CUSTOM`` (not empty), anything else → 500; then an HTTP GET: any failure or a non-2xx answer → 500.
  The fake really sends that GET (2 s timeout), so a test can stand a tiny HTTP server in for the provider;
  a host under ``.invalid`` (``configurations.unreachable``) fails without a lookup.
* ``GET /p2p/preheat/providers``: Dragonfly and Kraken (the drivers' ``Self()`` metadata).

**Policies** (project permission ``preheat-policy``; a manual preheat needs only ``read``):

* ``POST /projects/{p}/preheat/policies``: name as above (500); ``provider_id`` must be an instance (404);
  ``filters`` and ``trigger`` are JSON **strings**: empty or not JSON (filters a list, trigger an object) →
  500 ("missing filters in preheat policy schema" / "missing trigger settings in preheat policy schema"); a
  ``scheduled`` trigger's ``trigger_setting.cron`` must be Harbor's 6-field cron with seconds ``0`` → 400;
  the same name in the project → 409. Harbor stores the strings as sent, except for a scheduled trigger with a
  cron, whose filters and trigger it re-encodes (``schema.Encode()`` after scheduling). Trigger and filter
  types are not validated. 2.13+ (the v2.15.2 spec): ``extra_attrs``, a JSON string too (not JSON → 500).
* ``PUT`` updates the policy whose **id is in the body** (none → 404; a policy of another project → 404
  "project id N does not match"), every column from the body (an absent ``creation_time`` becomes Go's zero
  time), the same checks; a name another policy of the project has → 409.
* ``GET`` by name adds ``provider_name``; the list is paged (``q``, ``sort``; default ``update_time``, then
  ``-id``). ``DELETE`` → 412 while an execution of the policy is ``Running``.
* ``POST /projects/{p}/preheat/policies/{name}`` (manual preheat, body required but not read): a disabled
  policy → 500, the instance must be enabled and pass ``check_health`` (else 500/400); then one execution
  (``trigger`` = the policy's trigger type, ``extra_attrs`` ``totalCount``/``trigger``/``triggerSetting``) with
  one task per tagged image tag of the project that passes the ``repository`` and ``tag`` filters (doublestar
  patterns) and the ``label`` filter (all names); ``signature`` and ``vulnerability`` filters are not modelled.
  No candidate → the execution ends at once, "Success", ``status_message`` "no artifacts to preheat". 201 with
  ``Location: /projects/{p}/preheat/policies/{name}/executions/{id}`` (no ``/api/v2.0``: Harbor's TODO).
* Executions run in the fake's job service (executions.py, queue ``P2P_PREHEAT:<policy id>``); their tasks
  share the execution's status. ``PATCH …/executions/{id}`` with ``{"status": "Stopped"}`` stops one (another
  status → 500 "param status invalid"); an execution or task of another policy → 404. Task logs are text.
* ``GET /projects/{p}/preheat/providers``: every instance as ``{id, provider: "<vendor> <name>-<endpoint>",
  default, enabled}`` (permission ``preheat-policy:list``).
* A deleted project takes its policies with it.
"""

import json
import re
import ssl
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from ..framework import auth
from ..framework.doublestar import doublestar_match
from ..framework.errors import bad_request, conflict, internal, not_found, precondition
from ..framework.paging import paginate
from ..framework.query import filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import artifacts, executions
from .configurations import unreachable
from .projects import require_project

ROUTES = RouteTable()

NAME_RE = re.compile(r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$")
VENDOR_TYPE = "P2P_PREHEAT"  # job.P2PPreheatVendorType
HEALTH_PATHS = {"dragonfly": "/healthy", "kraken": "/health"}
AUTH_MODES = ("NONE", "BASIC", "OAUTH", "CUSTOM")
HEALTH_TIMEOUT = 2.0
ZERO_TIME = "0001-01-01T00:00:00.000Z"  # Go's zero time.Time through strfmt.DateTime
ZERO_RFC3339 = "0001-01-01T00:00:00Z"  # Go's zero time.Time through time.RFC3339
ENDED = (executions.SUCCESS, executions.ERROR, executions.STOPPED)
BODY_QUIRK = "Harbor answers this status without a body (preheat.go PingInstances: NewPingInstancesBadRequest())"
PROVIDERS = [
    {"id": "dragonfly", "name": "Dragonfly",
     "icon": "https://raw.githubusercontent.com/dragonflyoss/Dragonfly2/master/docs/images/logo/dragonfly-linear.png",
     "version": "2.1.59", "source": "https://github.com/dragonflyoss/Dragonfly2",
     "maintainers": ["chlins.zhang@gmail.com", "gaius.qi@gmail.com"]},
    {"id": "kraken", "name": "Kraken",
     "icon": "https://github.com/uber/kraken/blob/master/assets/kraken-logo-color.svg",
     "version": "0.1.3", "source": "https://github.com/uber/kraken",
     "maintainers": ["mmpei/peimingming@corp.netease.com"]},
]


def init_state(state):
    state.preheat_instances = {}  # id -> instance record
    state.preheat_policies = {}  # id -> policy record
    state.preheat_tasks = {}  # id -> {"id", "execution_id", "extra_attrs", "log"}


# ---------------------------------------------------------------- helpers

def _check_name(name):
    """``convertParam*ToModel*``: the name regex; a plain ``fmt.Errorf``, so Harbor answers 500."""
    if not NAME_RE.match(name or ""):
        raise internal("name %s is invalid" % (name or ""))


def _find_instance(state, instance_id=None, name=None):
    for instance in state.preheat_instances.values():
        if (instance_id is not None and instance["id"] == instance_id) or (
                name is not None and instance["name"] == name):
            return instance
    return None


def _instance_by_id(state, instance_id):
    instance = _find_instance(state, instance_id=instance_id)
    if instance is None:
        raise not_found("instance %d not found" % instance_id)
    return instance


def _instance_by_name(ctx):
    name = ctx.params["preheat_instance_name"]
    instance = _find_instance(ctx.state, name=name)
    if instance is None:
        raise not_found("instance %s not found" % name)
    return instance


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _str_map(value):
    return {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}


def _instance_from_body(ctx, body):
    """The body as Harbor's model takes it (absent fields are Go zero values); secrets are remembered."""
    auth_info = _str_map(body.get("auth_info"))
    for value in auth_info.values():
        ctx.state.remember_secret(value)
    return {
        "id": _int(body.get("id")), "name": body.get("name") or "", "description": body.get("description") or "",
        "vendor": body.get("vendor") or "", "endpoint": body.get("endpoint") or "",
        "auth_mode": body.get("auth_mode") or "", "auth_info": auth_info, "enabled": body.get("enabled") is True,
        "default": body.get("default") is True, "insecure": body.get("insecure") is True,
        "setup_timestamp": _int(body.get("setup_timestamp")),
    }


def serialize_instance(instance):
    body = {key: instance[key] for key in ("id", "name", "description", "vendor", "endpoint", "auth_mode", "enabled",
                                           "default", "insecure", "setup_timestamp")}
    body["auth_info"] = dict(instance["auth_info"])
    body["status"] = "Unknown"  # convertInstanceToPayload: health is a separate call
    return body


def _policies_using(state, instance):
    return [p for p in state.preheat_policies.values() if p["provider_id"] == instance["id"]]


def validate_http_url(raw):
    """``lib.ValidateHTTPURL``: http(s) only (no scheme means http); the query is dropped. 400 otherwise."""
    text = (raw or "").strip(" ").rstrip("/")
    if not text:
        raise bad_request("empty string")
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
    except ValueError as err:
        raise bad_request("invalid URL: %s" % err) from None
    if parts.scheme not in ("http", "https"):
        raise bad_request("invalid HTTP scheme: %s" % parts.scheme)
    return "%s://%s%s" % (parts.scheme, parts.netloc, parts.path)


def _check_auth(instance):
    """The auth handler of the instance's mode (``provider/auth``): its problems are plain errors (500)."""
    mode, info = instance["auth_mode"], instance["auth_info"]
    if mode not in AUTH_MODES:
        raise internal("no auth handler registered for mode: %s" % mode)
    if mode == "BASIC" and not info:
        raise internal("missing username and/or password")
    if mode == "OAUTH" and "token" not in info:
        raise internal("missing OAuth token")
    if mode == "CUSTOM" and not info:
        raise internal("missing custom token/key data")


def check_health(instance):
    """``CheckHealth`` / ``checkProviderHealthy``: the driver's GET of its health path must answer 2xx."""
    path = HEALTH_PATHS.get(instance["vendor"])
    if path is None:
        raise internal("no driver registered for provider %s" % instance["vendor"])
    url = validate_http_url(instance["endpoint"].rstrip("/") + path)
    _check_auth(instance)
    host = urlsplit(url).hostname
    if not host or unreachable(host):
        raise internal('Get "%s": dial tcp: lookup %s: no such host' % (url, host or ""))
    handlers = [urllib.request.ProxyHandler({})]  # the fake talks to the endpoint itself, never through a proxy
    if url.startswith("https://") and instance["insecure"]:
        handlers.append(urllib.request.HTTPSHandler(context=ssl._create_unverified_context()))  # pylint: disable=W0212
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=HEALTH_TIMEOUT) as answer:
            answer.read()
    except urllib.error.HTTPError as err:
        raise internal('GET "%s" error: %d %s' % (url, err.code, err.reason)) from None
    except (OSError, ValueError) as err:
        raise internal('Get "%s": %s' % (url, err)) from None


# ---------------------------------------------------------------- instances

@ROUTES.get("/p2p/preheat/providers")
def list_providers(ctx):
    auth.require(ctx, None, "preheat-instance", "list")
    return Response.json([dict(p, maintainers=list(p["maintainers"])) for p in PROVIDERS])


@ROUTES.post("/p2p/preheat/instances/ping")
def ping_instance(ctx):
    auth.require(ctx, None, "preheat-instance", "read")
    body = ctx.json_object()
    if _int(body.get("id")) > 0:
        instance = _find_instance(ctx.state, instance_id=body["id"])
        if instance is None:
            return Response(404, None)  # NewPingInstancesNotFound(): the spec's 404 has no schema
    else:
        if not body.get("endpoint"):
            return Response(400, None, spec_quirk=BODY_QUIRK)
        _check_name(body.get("name"))
        instance = _instance_from_body(ctx, body)
    check_health(instance)
    return Response.ok()


@ROUTES.get("/p2p/preheat/instances")
def list_instances(ctx):
    auth.require(ctx, None, "preheat-instance", "list")
    fields = ("id", "name", "description", "vendor", "endpoint", "auth_mode", "enabled", "insecure", "setup_timestamp")
    filterable = dict((f, f) for f in fields)
    filterable["is_default"] = "default"  # the column's name
    items = filter_items(ctx, sorted(ctx.state.preheat_instances.values(), key=lambda i: -i["id"]), filterable,
                         sortable=dict(filterable))
    return paginate(ctx, items, serialize_instance)


@ROUTES.post("/p2p/preheat/instances")
def create_instance(ctx):
    auth.require(ctx, None, "preheat-instance", "create")
    body = ctx.json_object()
    _check_name(body.get("name"))
    instance = _instance_from_body(ctx, body)
    state = ctx.state
    if any(other["endpoint"] == instance["endpoint"] for other in state.preheat_instances.values()):
        raise internal("resource conflict")  # controller.ErrorConflict carries no code
    if _find_instance(state, name=instance["name"]) is not None:
        raise conflict("instance %s already exists" % instance["name"])
    instance["id"] = state.next_id("preheat_instance")
    instance["setup_timestamp"] = int(time.time())
    state.preheat_instances[instance["id"]] = instance
    return Response.created(ctx.location(instance["name"]))


@ROUTES.get("/p2p/preheat/instances/{preheat_instance_name}")
def get_instance(ctx):
    auth.require(ctx, None, "preheat-instance", "read")
    return Response.json(serialize_instance(_instance_by_name(ctx)))


@ROUTES.put("/p2p/preheat/instances/{preheat_instance_name}")
def update_instance(ctx):
    auth.require(ctx, None, "preheat-instance", "update")
    body = ctx.json_object()
    _check_name(body.get("name"))
    new = _instance_from_body(ctx, body)
    state = ctx.state
    old = _instance_by_id(state, new["id"])
    if not new["enabled"] and _policies_using(state, old):
        raise precondition("Provider [%s] cannot be disabled as some preheat policies are using it" % old["name"])
    if old["vendor"] != new["vendor"]:
        raise internal("provider [%s] vendor cannot be changed" % old["name"])
    other = _find_instance(state, name=new["name"])
    if other is not None and other["id"] != old["id"]:
        raise internal("duplicate key value violates unique constraint on the instance name")
    if ctx.version >= (2, 15):
        new["auth_mode"] = new["auth_mode"] or old["auth_mode"]
        if not new["auth_info"] and new["auth_mode"] != "NONE":
            new["auth_info"] = dict(old["auth_info"])
    if new["default"]:
        for instance in state.preheat_instances.values():
            instance["default"] = False
    old.update(new)
    return Response.ok()


@ROUTES.delete("/p2p/preheat/instances/{preheat_instance_name}")
def delete_instance(ctx):
    auth.require(ctx, None, "preheat-instance", "delete")
    instance = _instance_by_name(ctx)
    if _policies_using(ctx.state, instance):
        raise precondition("Provider [%s] cannot be deleted as some preheat policies are using it" % instance["name"])
    del ctx.state.preheat_instances[instance["id"]]
    return Response.ok()


# ---------------------------------------------------------------- policies

def _project(ctx, action):
    return require_project(ctx, "preheat-policy", action, param="project_name")


def _find_policy(state, project_id, name):
    for policy in state.preheat_policies.values():
        if policy["project_id"] == project_id and policy["name"] == name:
            return policy
    return None


def _policy_by_name(ctx, project):
    name = ctx.params["preheat_policy_name"]
    policy = _find_policy(ctx.state, project["project_id"], name)
    if policy is None:
        raise not_found("preheat policy %s not found in project %d" % (name, project["project_id"]))
    return policy


def _decode(text, kind, what):
    """``decodeFilters`` / ``decodeTrigger`` / ``decodeExtraAttrs``: JSON of the given type, else a plain error."""
    if not text:
        if what == "extra attributes":
            return None
        raise internal("missing %s in preheat policy schema" % what)
    try:
        value = json.loads(text)
    except ValueError:
        raise internal("invalid %s: %s" % (what, text)) from None
    if value is not None and not isinstance(value, kind):
        raise internal("json: cannot unmarshal %s into the %s" % (type(value).__name__, what))
    return value


def _check_cron(cron):
    """``utils.ValidateCronString``: robfig's 6-field parser, the seconds field ``0``."""
    fields = cron.split()
    problem = None
    if len(fields) != 6:
        problem = "expected exactly 6 fields, found %d: %s" % (len(fields), fields)
    elif not all(all(ch.isalnum() or ch in "*?,/-" for ch in field) for field in fields):
        problem = "failed to parse the cron fields"
    elif fields[0] != "0":
        problem = "the 1st field (indicating Seconds of time) of the cron setting must be 0"
    if problem:
        raise bad_request("invalid cron string for scheduled preheat: %s, error: %s" % (cron, problem))


def _encode_filters(filters):
    """``schema.Encode()``: Go's json.Marshal of []*Filter (``type``, ``value``); vulnerability values as ints."""
    out = []
    for item in filters or []:
        item = item if isinstance(item, dict) else {}
        value = item.get("value")
        if item.get("type") == "vulnerability" and isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        elif item.get("type") == "vulnerability" and isinstance(value, float):
            value = int(value)
        out.append({"type": item.get("type") or "", "value": value})
    return json.dumps(out, separators=(",", ":"))


def _encode_trigger(trigger):
    settings = trigger.get("trigger_setting") if isinstance(trigger.get("trigger_setting"), dict) else {}
    body = {"type": trigger.get("type") or "", "trigger_setting": {}}
    if settings.get("cron"):
        body["trigger_setting"]["cron"] = settings["cron"]
    return json.dumps(body, separators=(",", ":"))


def _policy_from_body(ctx, body, project):
    """Name check, then the provider, then ``Decode()`` and ``ValidatePreheatPolicy()`` (Harbor's order)."""
    _check_name(body.get("name"))
    provider_id = _int(body.get("provider_id"))
    _instance_by_id(ctx.state, provider_id)
    policy = {
        "id": _int(body.get("id")), "name": body["name"], "description": body.get("description") or "",
        "project_id": project["project_id"], "provider_id": provider_id, "filters": body.get("filters") or "",
        "trigger": body.get("trigger") or "", "enabled": body.get("enabled") is True,
        "creation_time": body.get("creation_time") or ZERO_TIME, "update_time": body.get("update_time") or ZERO_TIME,
    }
    if ctx.version >= (2, 13):
        policy["extra_attrs"] = body.get("extra_attrs") or ""
    return policy


def _validate(ctx, policy):
    filters = _decode(policy["filters"], list, "filters")
    trigger = _decode(policy["trigger"], dict, "trigger settings") or {}
    if "extra_attrs" in policy:
        _decode(policy["extra_attrs"], dict, "extra attributes")
    settings = trigger.get("trigger_setting") if isinstance(trigger.get("trigger_setting"), dict) else {}
    cron = settings.get("cron") if isinstance(settings.get("cron"), str) else ""
    if trigger.get("type") == "scheduled" and cron:
        _check_cron(cron)
    return filters, trigger, cron


def serialize_policy(ctx, policy):
    body = {key: policy[key] for key in ("id", "name", "description", "project_id", "provider_id", "filters",
                                         "trigger", "enabled", "creation_time", "update_time")}
    instance = _find_instance(ctx.state, instance_id=policy["provider_id"])
    body["provider_name"] = instance["name"] if instance else ""
    if ctx.version >= (2, 13):
        body["extra_attrs"] = policy.get("extra_attrs") or ""
    return body


@ROUTES.post("/projects/{project_name}/preheat/policies")
def create_policy(ctx):
    project = _project(ctx, "create")
    body = ctx.json_object()
    policy = _policy_from_body(ctx, body, project)
    filters, trigger, cron = _validate(ctx, policy)
    state = ctx.state
    if _find_policy(state, project["project_id"], policy["name"]) is not None:
        raise conflict("preheat policy %s already exists in project %d" % (policy["name"], project["project_id"]))
    now = ctx.now()
    policy.update(id=state.next_id("preheat_policy"), creation_time=now, update_time=now)
    if trigger.get("type") == "scheduled" and cron:
        policy["filters"], policy["trigger"] = _encode_filters(filters), _encode_trigger(trigger)
    state.preheat_policies[policy["id"]] = policy
    return Response.created(ctx.location(policy["name"]))


@ROUTES.get("/projects/{project_name}/preheat/policies")
def list_policies(ctx):
    project = _project(ctx, "list")
    mine = [p for p in ctx.state.preheat_policies.values() if p["project_id"] == project["project_id"]]
    fields = ("id", "name", "description", "provider_id", "enabled", "creation_time", "update_time")
    filterable = dict((f, f) for f in fields)
    # GetDefaultSorts: UpdatedTime, then ID descending
    ordered = sorted(sorted(mine, key=lambda p: -p["id"]), key=lambda p: p["update_time"])
    items = filter_items(ctx, ordered, filterable, sortable=dict(filterable))
    return paginate(ctx, items, lambda p: serialize_policy(ctx, p))


@ROUTES.get("/projects/{project_name}/preheat/policies/{preheat_policy_name}")
def get_policy(ctx):
    project = _project(ctx, "read")
    return Response.json(serialize_policy(ctx, _policy_by_name(ctx, project)))


@ROUTES.put("/projects/{project_name}/preheat/policies/{preheat_policy_name}")
def update_policy(ctx):
    project = _project(ctx, "update")
    body = ctx.json_object()
    _check_name(body.get("name"))
    state = ctx.state
    body_id = _int(body.get("id"))
    if body_id:
        # requirePolicyAccess
        stored = state.preheat_policies.get(body_id)
        if stored is None:
            raise not_found("policy %d not found" % body_id)
        if stored["project_id"] != project["project_id"]:
            raise not_found("project id %d does not match" % project["project_id"])
    policy = _policy_from_body(ctx, body, project)
    stored = state.preheat_policies.get(policy["id"])
    if stored is None:
        raise not_found("policy %d not found" % policy["id"])
    _validate(ctx, policy)
    other = _find_policy(state, project["project_id"], policy["name"])
    if other is not None and other["id"] != stored["id"]:
        raise conflict("preheat policy %s already exists in project %d" % (policy["name"], project["project_id"]))
    policy["update_time"] = ctx.now()
    stored.update(policy)
    return Response.ok()


@ROUTES.delete("/projects/{project_name}/preheat/policies/{preheat_policy_name}")
def delete_policy(ctx):
    project = _project(ctx, "delete")
    policy = _policy_by_name(ctx, project)
    for execution in executions.of_queue(ctx.state, _queue(policy)):
        if execution["status"] == executions.RUNNING:
            raise precondition("execution %d under the policy %s is running, stop it and retry"
                               % (execution["id"], policy["name"]))
    del ctx.state.preheat_policies[policy["id"]]
    return Response.ok()


# ---------------------------------------------------------------- manual preheat and executions

def _queue(policy):
    return "%s:%d" % (VENDOR_TYPE, policy["id"])


def _candidates(ctx, project, filters):
    """Every (repository, tag) of the project's images that the repository, tag and label filters let through."""
    state = ctx.state
    patterns = {"repository": [], "tag": []}
    labels = []
    for item in filters or []:
        if not isinstance(item, dict):
            continue
        value = item.get("value")
        if item.get("type") in patterns and isinstance(value, str) and value:
            patterns[item["type"]].append(value)
        elif item.get("type") == "label":
            names = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
            labels.extend(n.strip() for n in names if isinstance(n, str) and n.strip())
    found = []
    for repo in sorted(state.repositories, key=lambda r: r["id"]):
        if repo["project_id"] != project["project_id"]:
            continue
        name = repo["name"][len(project["name"]) + 1:]
        if not all(doublestar_match(p, name) for p in patterns["repository"]):
            continue
        for artifact in sorted(artifacts.repository_artifacts(state, repo), key=lambda a: a["id"]):
            if artifact["type"] != "IMAGE":
                continue
            names = {label["name"] for label in artifacts.artifact_labels(state, artifact)}
            if not all(label in names for label in labels):
                continue
            for tag in artifact["tags"]:
                if all(doublestar_match(p, tag["name"]) for p in patterns["tag"]):
                    found.append((repo, artifact, tag["name"]))
    return found


@ROUTES.post("/projects/{project_name}/preheat/policies/{preheat_policy_name}")
def manual_preheat(ctx):
    project = _project(ctx, "read")
    ctx.json_object()
    policy = _policy_by_name(ctx, project)
    if not policy["enabled"]:
        raise internal("policy %d:%s is not enabled" % (policy["id"], policy["name"]))
    instance = _instance_by_id(ctx.state, policy["provider_id"])
    if not instance["enabled"]:
        raise internal("preheat provider instance %s:%s is not enabled" % (instance["vendor"], instance["endpoint"]))
    check_health(instance)
    filters = _decode(policy["filters"], list, "filters")
    trigger = _decode(policy["trigger"], dict, "trigger settings") or {}
    found = _candidates(ctx, project, filters)
    settings = trigger.get("trigger_setting") if isinstance(trigger.get("trigger_setting"), dict) else {}
    trigger_type = trigger.get("type") or ""
    extra = {"totalCount": len(found), "trigger": trigger_type,
             "triggerSetting": settings.get("cron", "") if trigger_type == "scheduled" else "-"}
    state = ctx.state
    execution = executions.new_execution(state, _queue(policy), trigger_type, parameters={"policy_id": policy["id"]},
                                         log=["preheat policy %s, provider %s (%s)" % (
                                             policy["name"], instance["name"], instance["vendor"])])
    execution["extra"].update(extra)
    execution["preheat"] = {"policy_id": policy["id"], "message": ""}
    for repo, artifact, tag in found:
        task_id = state.next_id("preheat_task")
        image = "%s:%s" % (repo["name"], tag)
        state.preheat_tasks[task_id] = {
            "id": task_id, "execution_id": execution["id"],
            "extra_attrs": {"artifact": image, "digest": artifact["digest"], "kind": "image"},
            "log": ["preheating image %s@%s on %s %s" % (
                image, artifact["digest"], instance["vendor"], instance["endpoint"])],
        }
    if not found:
        execution["preheat"]["message"] = "no artifacts to preheat"
        executions.finish(state, execution)  # MarkDone
    location = "/projects/%s/preheat/policies/%s/executions/%d" % (project["name"], policy["name"], execution["id"])
    return Response.created(location)


def _rfc3339(stamp):
    """Harbor formats execution and task times with ``time.RFC3339`` (seconds, ``Z``)."""
    return stamp[:19] + "Z" if stamp else ZERO_RFC3339


def _tasks(state, execution):
    return sorted((t for t in state.preheat_tasks.values() if t["execution_id"] == execution["id"]),
                  key=lambda t: t["id"])


def serialize_execution(state, execution):
    tasks = _tasks(state, execution)
    status = execution["status"]
    counts = {key: 0 for key in ("pending", "running", "success", "error", "stopped")}
    if status.lower() in counts:
        counts[status.lower()] = len(tasks)
    metrics = {"task_count": len(tasks), "pending_task_count": counts["pending"],
               "running_task_count": counts["running"], "success_task_count": counts["success"],
               "error_task_count": counts["error"], "stopped_task_count": counts["stopped"],
               "scheduled_task_count": 0}
    return {
        "id": execution["id"], "vendor_type": VENDOR_TYPE, "vendor_id": execution["preheat"]["policy_id"],
        "status": status, "status_message": execution["preheat"]["message"], "metrics": metrics,
        "trigger": execution["trigger"], "extra_attrs": dict(execution["extra"]),
        "start_time": _rfc3339(execution["creation_time"]), "end_time": _rfc3339(execution["end_time"]),
    }


def serialize_task(execution, task):
    status = execution["status"]
    started = status != executions.PENDING
    return {
        "id": task["id"], "execution_id": execution["id"], "status": status,
        "status_message": execution["preheat"]["message"], "run_count": 1 if started else 0,
        "extra_attrs": dict(task["extra_attrs"]), "creation_time": _rfc3339(execution["creation_time"]),
        "start_time": _rfc3339(execution["creation_time"]) if started else ZERO_RFC3339,
        "update_time": _rfc3339(execution["update_time"]), "end_time": _rfc3339(execution["end_time"]),
    }


def _execution(ctx, project):
    """``requireExecutionInProject``: the policy by name, then an execution of that policy (else 404)."""
    policy = _policy_by_name(ctx, project)
    execution_id = ctx.path_int("execution_id")
    execution = executions.find(ctx.state, _queue(policy), execution_id)
    if execution is None:
        raise not_found("project id %d, execution id %d not found" % (project["project_id"], execution_id))
    return execution


@ROUTES.get("/projects/{project_name}/preheat/policies/{preheat_policy_name}/executions")
def list_executions(ctx):
    project = _project(ctx, "list")
    policy = _policy_by_name(ctx, project)
    items = filter_items(ctx, executions.of_queue(ctx.state, _queue(policy)),
                         {"id": "id", "status": "status", "trigger": "trigger"},
                         sortable={"id": "id", "start_time": "creation_time", "end_time": "end_time"})
    return paginate(ctx, items, lambda e: serialize_execution(ctx.state, e))


@ROUTES.get("/projects/{project_name}/preheat/policies/{preheat_policy_name}/executions/{execution_id}")
def get_execution(ctx):
    project = _project(ctx, "read")
    return Response.json(serialize_execution(ctx.state, _execution(ctx, project)))


@ROUTES.patch("/projects/{project_name}/preheat/policies/{preheat_policy_name}/executions/{execution_id}")
def stop_execution(ctx):
    project = _project(ctx, "update")
    execution = _execution(ctx, project)
    body = ctx.json_object()
    if body.get("status") != "Stopped":
        raise internal("param status invalid: %r" % body)
    executions.stop(ctx.state, execution)
    return Response.ok()


@ROUTES.get("/projects/{project_name}/preheat/policies/{preheat_policy_name}/executions/{execution_id}/tasks")
def list_tasks(ctx):
    project = _project(ctx, "list")
    execution = _execution(ctx, project)
    items = filter_items(ctx, _tasks(ctx.state, execution), {"id": "id"}, sortable={"id": "id"})
    return paginate(ctx, items, lambda t: serialize_task(execution, t))


@ROUTES.get("/projects/{project_name}/preheat/policies/{preheat_policy_name}/executions/{execution_id}/tasks/"
            "{task_id}/logs")
def task_log(ctx):
    project = _project(ctx, "read")
    execution = _execution(ctx, project)
    task_id = ctx.path_int("task_id")
    task = ctx.state.preheat_tasks.get(task_id)
    if task is None:
        raise not_found("task %d not found" % task_id)
    if task["execution_id"] != execution["id"]:
        raise not_found("project id %d, task id %d not found" % (project["project_id"], task_id))
    lines = list(task["log"])
    if execution["status"] in ENDED:
        lines.append("%s [INFO] the preheat task ended with status %s" % (execution["end_time"], execution["status"]))
    return Response(raw=("\n".join(lines) + "\n").encode(), content_type="text/plain",
                    headers={"Content-Type": "text/plain"})


@ROUTES.get("/projects/{project_name}/preheat/providers")
def list_providers_under_project(ctx):
    _project(ctx, "list")
    return Response.json([{"id": i["id"], "provider": "%s %s-%s" % (i["vendor"], i["name"], i["endpoint"]),
                           "default": i["default"], "enabled": i["enabled"]}
                          for i in sorted(ctx.state.preheat_instances.values(), key=lambda i: i["id"])])


def _project_deleted(state, project):
    for policy_id in [p["id"] for p in state.preheat_policies.values() if p["project_id"] == project["project_id"]]:
        del state.preheat_policies[policy_id]


HOOKS = {"project_deleted": _project_deleted}
