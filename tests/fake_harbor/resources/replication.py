"""``/replication/policies`` and ``/replication/executions``: replication (api-notes §4, errata E9).

Policies (system permission ``replication-policy``; executions ``replication``):

* exactly one of ``src_registry`` / ``dest_registry`` names a remote registry
  by ``{"id": N}``; the other side is the local Harbor (absent, null or id 0);
  GET shows the local side as registry 0 "Local";
* create and update read the deprecated ``deletion`` field, never
  ``replicate_deletion``; responses fill both;
* PUT replaces the policy: every field not sent takes its zero value
  (booleans false, no filters, manual trigger);
* filters ``name``/``tag``/``label``/``resource``; decoration
  (``matches``/``excludes``) only on tag and label; label values are string
  arrays, the others strings; resource is ``image`` or ``artifact``;
* triggers ``manual``, ``scheduled`` (6-field cron, seconds ``0``, minute not
  ``*``) and ``event_based`` (push policies only);
* ``single_active_replication`` (2.14+) together with ``event_based`` -> 500
  (errata E9);
* ``speed`` below 0 becomes 0; ``dest_namespace_replace_count`` omitted = -1;
* duplicate name 409; delete 412 while an execution runs.

Executions are jobs of the fake's job service (executions.py, kind
``REPLICATION``), so they run and end by themselves:

* ``POST /replication/executions {"policy_id"}`` starts one (201 + Location);
  a push creates one task per local repository that matches the name filter
  (``POST /_fake/repositories`` seeds them), a pull one task for the remote
  repository its name filter names; each task is a job service job (its
  ``job_id``); without any task the execution succeeds at once;
* the execution is ``InProgress`` for the job's duration (Harbor shows its
  job service status Running so, ``convertExecution``); its tasks end one
  after the other as the time passes (``succeed``/``failed``/``in_progress``
  follow the job's progress; a task not started yet is ``Pending``, a
  running one ``InProgress``); then it is ``Succeed``, or ``Failed`` when
  the remote registry's URL host has the label ``broken`` (every task then
  fails with an error in its log);
* ``end_time`` is Go's zero time (``0001-01-01T00:00:00.000Z``) until the
  end: Harbor sends ``strfmt.DateTime(EndTime)``, which ``omitempty`` never
  drops;
* ``PUT /replication/executions/{id}`` stops a running one (``Stopped``,
  its unfinished tasks too).
"""

import re

from ..framework import auth
from ..framework.doublestar import doublestar_match
from ..framework.context import now_iso
from ..framework.errors import HarborError, bad_request, conflict, not_found, precondition
from ..framework.paging import paginate
from ..framework.query import Fuzzy, filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import executions, registries

ROUTES = RouteTable()

FILTER_TYPES = ("name", "tag", "label", "resource")
DECORATIONS = ("matches", "excludes")
RESOURCE_TYPES = ("image", "artifact")
TRIGGER_TYPES = ("manual", "scheduled", "event_based")
ZERO_TIME = "0001-01-01T00:00:00.000Z"  # Go's zero time.Time as strfmt.DateTime
# the job service status of an execution -> Harbor's replication words (handler/replication.go convertExecution)
EXECUTION_STATUS = {executions.PENDING: "InProgress", executions.RUNNING: "InProgress",
                    executions.SUCCESS: "Succeed", executions.ERROR: "Failed", executions.STOPPED: "Stopped"}
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*"
NAMESPACE_RE = re.compile(r"^%s(?:/%s)*$" % (_COMPONENT, _COMPONENT))


def init_state(state):
    state.replication_policies = {}
    state.replication_executions = {}
    state.replication_tasks = {}


def _registry_in_use(state, registry):
    for policy in state.replication_policies.values():
        if registry["id"] in (policy["src_registry_id"], policy["dest_registry_id"]):
            return "the registry %d is referenced by replication policy %s, can not be deleted" % (
                registry["id"], policy["name"])
    return None


HOOKS = {"registry_in_use": _registry_in_use}


# ------------------------------------------------------------------ policies

def _registry_id(ctx, value, side):
    if value is None:
        return 0
    registry_id = value.get("id") or 0
    if registry_id and registries.lookup(ctx.state, registry_id) is None:
        raise bad_request("%s registry %d not found" % (side, registry_id))
    return registry_id


def _check_filter(item):
    kind = item.get("type")
    if kind not in FILTER_TYPES:
        raise bad_request("invalid filter type: %s" % kind)
    decoration = item.get("decoration")
    if decoration:
        if kind not in ("tag", "label"):
            raise bad_request("only tag and label filters support decoration, not %s" % kind)
        if decoration not in DECORATIONS:
            raise bad_request("invalid decoration: %s" % decoration)
    value = item.get("value")
    if kind == "label":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad_request("the value of a label filter must be a string array")
    elif not isinstance(value, str):
        raise bad_request("the value of a %s filter must be a string" % kind)
    if kind == "resource" and value not in RESOURCE_TYPES:
        raise bad_request("invalid resource type: %s" % value)
    stored = {"type": kind, "value": list(value) if kind == "label" else value}
    if decoration:
        stored["decoration"] = decoration
    return stored


def _check_trigger(raw, src_id):
    trigger = raw or {}
    kind = trigger.get("type") or "manual"
    if kind not in TRIGGER_TYPES:
        raise bad_request("invalid trigger type: %s" % kind)
    cron = ((trigger.get("trigger_settings") or {}).get("cron") or "").strip()
    if kind == "scheduled":
        fields = cron.split()
        if not cron:
            raise bad_request("the cron string cannot be empty for a scheduled trigger")
        if len(fields) != 6:
            raise bad_request("invalid cron string %s: 6 fields are required" % cron)
        if fields[0] != "0":
            raise bad_request("the 1st field (indicating Seconds of time) of the cron setting must be 0")
        if fields[1] == "*":
            raise bad_request("the 2nd field (indicating Minutes of time) of the cron setting must not be *")
    if kind == "event_based" and src_id:
        raise bad_request("the event_based trigger is only supported when the source is the local Harbor")
    return {"type": kind, "trigger_settings": {"cron": cron if kind == "scheduled" else ""}}


def _policy_from_body(ctx, body, own_id=None):
    """Validate a create/update body (Policy.Validate) and return the stored fields; zero values when absent."""
    name = body.get("name") or ""
    if not name:
        raise bad_request("name is required")
    src_id = _registry_id(ctx, body.get("src_registry"), "source")
    dest_id = _registry_id(ctx, body.get("dest_registry"), "destination")
    if src_id and dest_id:
        raise bad_request("either src_registry or dest_registry should be empty")
    if not src_id and not dest_id:
        raise bad_request("src_registry and dest_registry cannot be both empty")
    namespace = body.get("dest_namespace") or ""
    if namespace and not NAMESPACE_RE.match(namespace):
        raise bad_request("invalid dest_namespace: %s" % namespace)
    filters = [_check_filter(item if isinstance(item, dict) else {}) for item in body.get("filters") or []]
    trigger = _check_trigger(body.get("trigger"), src_id)
    single_active = bool(body.get("single_active_replication")) if ctx.version >= (2, 14) else False
    if single_active and trigger["type"] == "event_based":
        # errata E9: the handler returns an untyped error -> 500
        raise HarborError(500, "single active replication is not supported with the event_based trigger")
    for other in ctx.state.replication_policies.values():
        if other["name"] == name and other["id"] != own_id:
            raise conflict("policy %s already exists" % name)
    replace_count = body.get("dest_namespace_replace_count")
    speed = body.get("speed") or 0
    return {
        "name": name, "description": body.get("description") or "", "src_registry_id": src_id,
        "dest_registry_id": dest_id, "dest_namespace": namespace,
        "dest_namespace_replace_count": -1 if replace_count is None else replace_count,
        "filters": filters, "trigger": trigger,
        # api-notes §4: Harbor reads the deprecated "deletion"; "replicate_deletion" is ignored
        "deletion": bool(body.get("deletion")), "override": bool(body.get("override")),
        "enabled": bool(body.get("enabled")), "speed": max(speed, 0), "copy_by_chunk": bool(body.get("copy_by_chunk")),
        "single_active_replication": single_active,
    }


def _side(ctx, registry_id):
    if not registry_id:
        return registries.local_registry(ctx.state)
    record = registries.lookup(ctx.state, registry_id)
    return registries.serialize_registry(ctx.state, record)


def serialize_policy(ctx, policy):
    body = {
        "id": policy["id"], "name": policy["name"], "description": policy["description"],
        "src_registry": _side(ctx, policy["src_registry_id"]), "dest_registry": _side(ctx, policy["dest_registry_id"]),
        "dest_namespace": policy["dest_namespace"],
        "dest_namespace_replace_count": policy["dest_namespace_replace_count"],
        "trigger": {"type": policy["trigger"]["type"], "trigger_settings": dict(policy["trigger"]["trigger_settings"])},
        "filters": [dict(f, value=list(f["value"]) if isinstance(f["value"], list) else f["value"])
                    for f in policy["filters"]],
        "replicate_deletion": policy["deletion"], "deletion": policy["deletion"], "override": policy["override"],
        "enabled": policy["enabled"], "speed": policy["speed"], "copy_by_chunk": policy["copy_by_chunk"],
        "creation_time": policy["creation_time"], "update_time": policy["update_time"],
    }
    if ctx.version >= (2, 14):
        body["single_active_replication"] = policy["single_active_replication"]
    return body


def _require_policy(ctx, policy_id):
    policy = ctx.state.replication_policies.get(policy_id)
    if policy is None:
        raise not_found("policy %d not found" % policy_id)
    return policy


@ROUTES.post("/replication/policies")
def create_policy(ctx):
    auth.require(ctx, None, "replication-policy", "create")
    policy = _policy_from_body(ctx, ctx.json_object())
    now = now_iso()
    policy.update(id=ctx.state.next_id("replication_policy"), creation_time=now, update_time=now)
    ctx.state.replication_policies[policy["id"]] = policy
    return Response.created(ctx.location(policy["id"]))


@ROUTES.get("/replication/policies")
def list_policies(ctx):
    auth.require(ctx, None, "replication-policy", "list")
    extra = {}
    name = ctx.query_str("name")
    if name:
        extra["name"] = Fuzzy(name)
    items = filter_items(ctx, list(ctx.state.replication_policies.values()), {"name": "name", "id": "id"},
                         sortable={"id": "id", "name": "name", "creation_time": "creation_time"},
                         default_sort="-creation_time", extra=extra)
    return paginate(ctx, items, lambda p: serialize_policy(ctx, p))


@ROUTES.get("/replication/policies/{id}")
def get_policy(ctx):
    auth.require(ctx, None, "replication-policy", "read")
    return Response.json(serialize_policy(ctx, _require_policy(ctx, ctx.path_int("id"))))


@ROUTES.put("/replication/policies/{id}")
def update_policy(ctx):
    auth.require(ctx, None, "replication-policy", "update")
    policy = _require_policy(ctx, ctx.path_int("id"))
    fields = _policy_from_body(ctx, ctx.json_object(), own_id=policy["id"])
    policy.update(fields, update_time=now_iso())
    return Response.ok()


def _running(state, policy_id):
    return [e for e in state.replication_executions.values()
            if e["policy_id"] == policy_id and execution_status(e) == "InProgress"]


@ROUTES.delete("/replication/policies/{id}")
def delete_policy(ctx):
    auth.require(ctx, None, "replication-policy", "delete")
    policy = _require_policy(ctx, ctx.path_int("id"))
    if _running(ctx.state, policy["id"]):
        raise precondition("the policy %d has running executions, can not be deleted" % policy["id"])
    state = ctx.state
    for execution in [e for e in state.replication_executions.values() if e["policy_id"] == policy["id"]]:
        for task_id in execution["task_ids"]:
            state.replication_tasks.pop(task_id, None)
        del state.replication_executions[execution["id"]]
    del state.replication_policies[policy["id"]]
    return Response.ok()


# ---------------------------------------------------------------- executions

def replace_namespace(repository, namespace, count):
    """api-notes §4: -1 replaces everything before the last component, N the first N components."""
    if not namespace:
        return repository
    parts = repository.split("/")
    if count is None or count < 0:
        return "%s/%s" % (namespace, parts[-1])
    if count > len(parts) - 1:
        return None
    return "/".join([namespace] + parts[count:])


def _name_filter(policy):
    for item in policy["filters"]:
        if item["type"] == "name":
            return item["value"]
    return None


def _resource_type(policy):
    for item in policy["filters"]:
        if item["type"] == "resource":
            return item["value"]
    return "image"


def _sources(state, policy):
    """The repositories an execution copies (see the module docstring)."""
    pattern = _name_filter(policy)
    if policy["src_registry_id"]:
        return [(pattern or "library/hello-world").replace("**", "app").replace("*", "app")]
    return sorted(r["name"] for r in state.repositories if not pattern or doublestar_match(pattern, r["name"]))


def _start(state, policy, trigger):
    now = executions.clock_iso(state)
    execution = {"id": state.next_id("replication_execution"), "policy_id": policy["id"], "trigger": trigger,
                 "start_time": now, "end_time": None, "status_text": "", "task_ids": []}
    remote_id = policy["src_registry_id"] or policy["dest_registry_id"]
    remote = registries.lookup(state, remote_id)
    remote_name = remote["name"] if remote else str(remote_id)
    for source in _sources(state, policy):
        target = replace_namespace(source, policy["dest_namespace"], policy["dest_namespace_replace_count"])
        destination = remote_name if not policy["src_registry_id"] else "local"
        task = {"id": state.next_id("replication_task"), "execution_id": execution["id"], "status": "Pending",
                "job_id": executions.new_job_id(), "operation": "copy",
                "resource_type": _resource_type(policy), "src_resource": source + ":[*]",
                "dst_resource": "%s:%s:[*]" % (destination, target or source),
                "start_time": now, "end_time": None, "log": [], "broken": registries.is_broken(remote),
                "bad_namespace": target is None}
        state.replication_tasks[task["id"]] = task
        execution["task_ids"].append(task["id"])
    state.replication_executions[execution["id"]] = execution
    execution["job"] = executions.new_execution(
        state, "replication:%d" % execution["id"], trigger, kind=executions.REPLICATION,
        on_finish=executions.callback(_complete, execution),
        on_progress=executions.callback(_progress, execution),
        on_end=executions.callback(_ended, execution),
        job_ids=[state.replication_tasks[t]["job_id"] for t in execution["task_ids"]])
    if not execution["task_ids"]:
        executions.finish(state, execution["job"])  # nothing to copy: done at once
    else:
        _progress(state, execution)
    return execution


def execution_status(execution):
    """Harbor's status word of a replication execution (``InProgress``, ``Succeed``, ``Failed``, ``Stopped``)."""
    return EXECUTION_STATUS[execution["job"]["status"]]


def _task_log(task, failed):
    stamp = task["start_time"]
    lines = [
        "%s [INFO] [/controller/replication/transfer/image/transfer.go:100]: client for source registry created" % stamp,
        "%s [INFO] [/controller/replication/transfer/image/transfer.go:110]: client for destination registry created"
        % stamp,
        "%s [INFO] [/controller/replication/transfer/image/transfer.go:150]: copying %s to %s"
        % (stamp, task["src_resource"], task["dst_resource"]),
    ]
    if task["bad_namespace"]:
        lines.append("%s [ERROR] [/controller/replication/flow/stage.go:90]: the source repository has fewer "
                     "components than dest_namespace_replace_count" % stamp)
    elif failed:
        lines.append("%s [ERROR] [/controller/replication/transfer/image/transfer.go:320]: failed to push manifest "
                     "of %s: http status code: 500, body: internal server error" % (stamp, task["dst_resource"]))
    else:
        lines.append("%s [INFO] [/controller/replication/transfer/image/transfer.go:330]: copy %s completed"
                     % (stamp, task["src_resource"]))
    return lines


def _tasks(state, execution):
    return [state.replication_tasks[t] for t in execution["task_ids"]]


def _end_task(task, stamp):
    bad = task["broken"] or task["bad_namespace"]
    task["status"] = "Failed" if bad else "Succeed"
    task["log"] = _task_log(task, bad)
    task["end_time"] = stamp


def _progress(state, execution):
    """The job runs: its tasks run, and the first ones end as its progress grows."""
    job = execution["job"]
    if job["status"] != executions.RUNNING:
        return
    tasks = _tasks(state, execution)
    done = int(len(tasks) * job["progress"])
    stamp = job["update_time"]
    for index, task in enumerate(tasks):
        if index < done and task["status"] in ("Pending", "InProgress"):
            _end_task(task, executions.clock_iso(state))
        elif task["status"] == "Pending":
            task.update(status="InProgress", start_time=stamp)


def _complete(state, execution):
    """The job's duration is over: every task ends; any failed task fails the execution."""
    for task in _tasks(state, execution):
        if task["status"] in ("Pending", "InProgress"):
            _end_task(task, execution["job"]["end_time"])
    failed = sum(1 for t in _tasks(state, execution) if t["status"] == "Failed")
    if failed:
        execution["status_text"] = "%d of %d tasks failed" % (failed, len(execution["task_ids"]))
        return executions.ERROR
    return None


def _ended(state, execution):
    job = execution["job"]
    execution["end_time"] = job["end_time"]
    for task in _tasks(state, execution):
        if task["status"] in ("Pending", "InProgress"):
            task.update(status="Stopped", end_time=job["end_time"])


def serialize_execution(state, execution):
    tasks = _tasks(state, execution)
    return {
        "id": execution["id"], "policy_id": execution["policy_id"], "status": execution_status(execution),
        "trigger": execution["trigger"], "start_time": execution["start_time"],
        "end_time": execution["end_time"] or ZERO_TIME, "status_text": execution["status_text"],
        "total": len(tasks), "failed": sum(1 for t in tasks if t["status"] == "Failed"),
        "succeed": sum(1 for t in tasks if t["status"] == "Succeed"),
        "in_progress": sum(1 for t in tasks if t["status"] in ("Pending", "InProgress")),
        "stopped": sum(1 for t in tasks if t["status"] == "Stopped"),
    }


def serialize_task(task):
    body = {k: task[k] for k in ("id", "execution_id", "status", "job_id", "operation", "resource_type",
                                 "src_resource", "dst_resource", "start_time")}
    body["end_time"] = task["end_time"] or ZERO_TIME
    return body


def _require_execution(ctx):
    execution_id = ctx.path_int("id")
    execution = ctx.state.replication_executions.get(execution_id)
    if execution is None:
        raise not_found("execution %d not found" % execution_id)
    return execution


@ROUTES.post("/replication/executions")
def start_execution(ctx):
    auth.require(ctx, None, "replication", "create")
    body = ctx.json_object()
    policy_id = body.get("policy_id") or 0
    policy = ctx.state.replication_policies.get(policy_id)
    if policy is None:
        raise not_found("policy %d not found" % policy_id)
    execution = _start(ctx.state, policy, "manual")
    return Response.created(ctx.location(execution["id"]))


@ROUTES.get("/replication/executions")
def list_executions(ctx):
    auth.require(ctx, None, "replication", "list")
    policy_id = ctx.query_int("policy_id")
    status = ctx.query_str("status")
    trigger = ctx.query_str("trigger")
    items = [e for e in ctx.state.replication_executions.values()
             if (policy_id is None or e["policy_id"] == policy_id) and (not status or execution_status(e) == status)
             and (not trigger or e["trigger"] == trigger)]
    items = filter_items(ctx, items, {}, sortable={"id": "id", "start_time": "start_time"}, default_sort="-id")
    return paginate(ctx, items, lambda e: serialize_execution(ctx.state, e))


@ROUTES.get("/replication/executions/{id}")
def get_execution(ctx):
    auth.require(ctx, None, "replication", "read")
    execution = _require_execution(ctx)
    return Response.json(serialize_execution(ctx.state, execution))


@ROUTES.put("/replication/executions/{id}")
def stop_execution(ctx):
    auth.require(ctx, None, "replication", "create")  # StopReplication checks create, like StartReplication
    execution = _require_execution(ctx)
    executions.stop(ctx.state, execution["job"])
    return Response.ok()


@ROUTES.get("/replication/executions/{id}/tasks")
def list_tasks(ctx):
    auth.require(ctx, None, "replication", "list")
    execution = _require_execution(ctx)
    status = ctx.query_str("status")
    resource_type = ctx.query_str("resource_type")
    tasks = [ctx.state.replication_tasks[t] for t in execution["task_ids"]]
    tasks = [t for t in tasks if (not status or t["status"] == status)
             and (not resource_type or t["resource_type"] == resource_type)]
    return paginate(ctx, tasks, serialize_task)


@ROUTES.get("/replication/executions/{id}/tasks/{task_id}/log")
def task_log(ctx):
    auth.require(ctx, None, "replication", "read")
    execution = _require_execution(ctx)
    task_id = ctx.path_int("task_id")
    task = ctx.state.replication_tasks.get(task_id)
    if task is None or task["execution_id"] != execution["id"]:
        raise not_found("task %d not found" % task_id)
    text = "".join(line + "\n" for line in task["log"])
    response = Response.text(text)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response
