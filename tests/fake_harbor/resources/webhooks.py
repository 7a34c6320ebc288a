"""Webhook (notification) policies and their jobs: ``/projects/{p}/webhook/*`` (api-notes §6).

Harbor's behaviour (``src/server/v2.0/handler/webhook.go``, ``webhook_job.go``, ``model/webhook_policy.go``,
``model/webhook_job.go``; ``src/pkg/notification/policy/manager.go`` and ``dao/dao.go``;
``src/controller/webhook/controller.go``; ``src/pkg/notification/hook/hook.go``):

* Create → 201 + Location; ``(name, project)`` is unique (409). The handler copies the body onto a fresh record
  (``lib.JSONCopy``): ``creator`` is what the body says (Harbor does not fill it in), the times are set by the
  manager.
* **PUT replaces the whole record.** The body is copied onto a fresh record and the DAO saves every column
  (``ormer.Update`` without a column list): ``description``, ``enabled`` and ``creator`` absent → empty/false, and
  ``creation_time`` absent → the zero time ``0001-01-01T00:00:00.000Z`` (an ``auto_now_add`` column is only set
  on insert; Go's ``strfmt.DateTime`` is a struct, never omitted). ``id`` and ``project_id`` come from the path,
  ``update_time`` is now. A client that updates a policy sends back ``creator`` and ``creation_time``.
* ``event_types``: the supported list of 2.10-2.15.2; empty or unknown → 400 "unsupported event type".
* Targets: ``type`` http or slack; ``address`` parsed like ``utils.ParseEndpoint`` (no scheme → http://, other
  schemes or no host → 400) but stored exactly as sent; ``payload_format`` Default/CloudEvents for http only
  (slack → 400), http without one is stored as Default. Auth headers are returned as stored and remembered as
  secrets.
* ``enabled`` defaults to false.

**Events are delivered, and every delivery is a job.** The ``artifact_event`` hook (pushes and pulls through the
registry front, API deletes, finished scans) starts one execution per target of every enabled policy of the
project that subscribes to the event (``StartHook``): ``vendor_type`` ``WEBHOOK`` (http) or ``SLACK``,
``vendor_id`` the policy id, ``trigger`` ``EVENT``, ``extra_attrs`` ``{"event_type", "payload"}`` (the payload as
a JSON string), with one task. A background thread, like Harbor's job service, POSTs the payload — the Default
JSON or a CloudEvents JSON for http, a Slack message for slack — with the target's auth header, and ends the
task ``Success`` (2xx) or ``Error``. Like the scanner pings, only loopback addresses are reachable (the fake has no
network; other hosts end in ``Error``). Tests point a target at the fake's own receiver
(``/_fake/receiver/<name>``, see control.py). ``state.webhook_deliveries`` records each attempt.

The job API: ``GET …/policies/{id}/executions`` (q, sort, paging; newest first), ``…/executions/{eid}/tasks``,
``…/tasks/{tid}/log`` (text/plain), 404 when the execution is not one of the policy's or the task not one of the
execution's; the deprecated ``GET …/webhook/lasttrigger`` (one item per policy and event type, with the start
time of the latest execution of that event, the zero time when there was none) and ``GET …/webhook/jobs
?policy_id=N[&status=…]`` (the executions in the old ``WebhookJob`` shape: ``notify_type`` http/slack,
``job_detail`` the payload, ``creation_time`` the start time).
"""

import datetime
import json
import ssl
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from ..framework.errors import bad_request, conflict, not_found
from ..framework.network import is_loopback
from ..framework.paging import paginate
from ..framework.query import OrList, filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from .projects import require_project

ROUTES = RouteTable()

EVENT_TYPES = ["PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "QUOTA_EXCEED", "QUOTA_WARNING",
               "SCANNING_FAILED", "SCANNING_STOPPED", "SCANNING_COMPLETED", "REPLICATION", "TAG_RETENTION"]
NOTIFY_TYPES = ["http", "slack"]
PAYLOAD_FORMATS = ["Default", "CloudEvents"]
ZERO_TIME = "0001-01-01T00:00:00.000Z"  # Go's zero time.Time as strfmt.DateTime writes it
ZERO_TIME_RFC3339 = "0001-01-01T00:00:00Z"  # the same, as time.RFC3339 (the executions' times)
VENDOR_TYPES = {"http": "WEBHOOK", "slack": "SLACK"}
PENDING, RUNNING, SUCCESS, ERROR = "Pending", "Running", "Success", "Error"
JOB_LOCK = threading.Lock()  # the delivery threads update executions while requests read them


def init_state(state):
    state.webhook_policies = {}  # id -> policy (with project_id)
    state.webhook_deliveries = []  # {"policy_id", "event_type", "address", "payload_format", "status"}
    state.webhook_executions = []  # one per (event, policy, target), each with its one task (see notify)


def _targets(state, raw):
    if not raw:
        raise bad_request("empty notification target with policy")
    out = []
    for target in raw:
        kind = target.get("type")
        if kind not in NOTIFY_TYPES:
            raise bad_request("unsupported target type %s" % kind)
        address = target.get("address") or ""
        parts = urlsplit(address if "://" in address else "http://" + address)
        if not address or parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("invalid target address %s" % address)
        payload_format = target.get("payload_format") or ""
        if kind == "slack" and payload_format:
            raise bad_request("payload format is not supported for slack targets")
        if kind == "http":
            payload_format = payload_format or "Default"
            if payload_format not in PAYLOAD_FORMATS:
                raise bad_request("unsupported payload format %s" % payload_format)
        auth_header = state.remember_secret(target.get("auth_header") or "")
        out.append({"type": kind, "address": address, "auth_header": auth_header or "",
                    "skip_cert_verify": bool(target.get("skip_cert_verify")), "payload_format": payload_format})
    return out


def _event_types(raw):
    if not raw:
        raise bad_request("empty event type")
    for event in raw:
        if event not in EVENT_TYPES:
            raise bad_request("unsupported event type %s" % event)
    return list(raw)


def _fields(ctx, project, body, skip_id=None):
    """The record Harbor makes of a body (``lib.JSONCopy`` onto an empty policy): absent means empty."""
    name = (body.get("name") or "").strip()
    if not name:
        raise bad_request("empty name of notification policy")
    fields = {"name": body["name"], "description": body.get("description") or "",
              "targets": _targets(ctx.state, body.get("targets")), "event_types": _event_types(body.get("event_types")),
              "enabled": bool(body.get("enabled")), "creator": body.get("creator") or ""}
    for other in ctx.state.webhook_policies.values():
        if other["project_id"] == project["project_id"] and other["name"] == fields["name"] and other["id"] != skip_id:
            raise conflict("notification policy %s already exists in project %s" % (fields["name"], project["name"]))
    return fields


def _datetime(text):
    """A ``date-time`` of a body as Harbor stores and returns it (UTC, milliseconds); absent → the zero time."""
    if not text:
        return ZERO_TIME
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return ZERO_TIME
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def serialize(policy):
    """``WebhookPolicy.ToSwagger``: every field (the response serialiser leaves out what Harbor omits)."""
    body = {k: policy[k] for k in ("id", "name", "description", "project_id", "event_types", "creator",
                                   "creation_time", "update_time", "enabled")}
    body["targets"] = [dict(t) for t in policy["targets"]]
    return body


@ROUTES.get("/projects/{project_name_or_id}/webhook/policies")
def list_policies(ctx):
    project = require_project(ctx, "notification-policy", "list")
    items = [p for p in ctx.state.webhook_policies.values() if p["project_id"] == project["project_id"]]
    items = filter_items(ctx, items, {"name": "name"},
                         sortable={"name": "name", "id": "id", "creation_time": "creation_time"},
                         default_sort="-creation_time")
    return paginate(ctx, items, serialize)


@ROUTES.post("/projects/{project_name_or_id}/webhook/policies")
def create_policy(ctx):
    project = require_project(ctx, "notification-policy", "create")
    fields = _fields(ctx, project, ctx.json_object())
    now = ctx.now()
    policy = dict(fields, id=ctx.state.next_id("webhook_policy"), project_id=project["project_id"],
                  creation_time=now, update_time=now)
    ctx.state.webhook_policies[policy["id"]] = policy
    return Response.created(ctx.location(policy["id"]))


def _stored(ctx, project):
    policy_id = ctx.path_int("webhook_policy_id")
    policy = ctx.state.webhook_policies.get(policy_id)
    if policy is None or policy["project_id"] != project["project_id"]:
        raise not_found("notification policy %d not found" % policy_id)
    return policy


@ROUTES.get("/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}")
def get_policy(ctx):
    project = require_project(ctx, "notification-policy", "read")
    return Response.json(serialize(_stored(ctx, project)))


@ROUTES.put("/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}")
def update_policy(ctx):
    project = require_project(ctx, "notification-policy", "update")
    policy = _stored(ctx, project)
    body = ctx.json_object()
    fields = _fields(ctx, project, body, skip_id=policy["id"])
    # every column is saved: creation_time is what the body says (absent: the zero time), update_time is now
    policy.update(fields, creation_time=_datetime(body.get("creation_time")), update_time=ctx.now())
    return Response.ok()


@ROUTES.delete("/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}")
def delete_policy(ctx):
    project = require_project(ctx, "notification-policy", "delete")
    policy = ctx.state.webhook_policies.pop(_stored(ctx, project)["id"])
    _drop_executions(ctx.state, policy["id"])  # DeletePolicy deletes the policy's executions first
    return Response.ok()


@ROUTES.get("/projects/{project_name_or_id}/webhook/events")
def supported_events(ctx):
    require_project(ctx, "notification-policy", "read")
    return Response.json({"event_type": list(EVENT_TYPES), "notify_type": list(NOTIFY_TYPES),
                          "payload_formats": [{"notify_type": "http", "formats": list(PAYLOAD_FORMATS)}]})


def _project_deleted(state, project):
    for policy_id in [p["id"] for p in state.webhook_policies.values() if p["project_id"] == project["project_id"]]:
        state.webhook_policies.pop(policy_id)
        _drop_executions(state, policy_id)


def _drop_executions(state, policy_id):
    state.webhook_executions[:] = [e for e in state.webhook_executions if e["policy_id"] != policy_id]


# ---------------------------------------------------------------- delivery

CLOUD_EVENT_TYPES = {
    "PUSH_ARTIFACT": "harbor.artifact.pushed", "PULL_ARTIFACT": "harbor.artifact.pulled",
    "DELETE_ARTIFACT": "harbor.artifact.deleted", "SCANNING_COMPLETED": "harbor.scan.completed",
    "SCANNING_FAILED": "harbor.scan.failed", "SCANNING_STOPPED": "harbor.scan.stopped",
    "QUOTA_EXCEED": "harbor.quota.exceed", "QUOTA_WARNING": "harbor.quota.warning",
    "REPLICATION": "harbor.replication.status.changed", "TAG_RETENTION": "harbor.tag_retention.finished",
}


def event_data(state, project, artifact, tag, extra=None):
    """Harbor's ``event_data`` of an artifact event: the resource and its repository."""
    host = urlsplit(state.options.external_url).netloc
    namespace, _sep, name = artifact["repository_name"].partition("/")
    reference = (":" + tag) if tag else ("@" + artifact["digest"])
    resource = {"digest": artifact["digest"], "tag": tag or "",
                "resource_url": "%s/%s%s" % (host, artifact["repository_name"], reference)}
    resource.update(extra or {})
    created = int(time.time())
    return {"resources": [resource],
            "repository": {"date_created": created, "name": name, "namespace": namespace,
                           "repo_full_name": artifact["repository_name"],
                           "repo_type": "public" if (project.get("metadata") or {}).get("public") == "true"
                           else "private"}}


def payload(event_type, data, operator, payload_format, policy):
    if payload_format == "CloudEvents":
        return {"specversion": "1.0", "id": str(uuid.uuid4()), "requestid": str(uuid.uuid4()),
                "source": "/projects/%d/webhook/policies/%d" % (policy["project_id"], policy["id"]),
                "type": CLOUD_EVENT_TYPES[event_type], "datacontenttype": "application/json",
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "data": data, "operator": operator}
    return {"type": event_type, "occur_at": int(time.time()), "operator": operator, "event_data": data}


def slack_message(event_type, data, operator):
    """The Slack message of an event (Harbor renders its Slack template: a header and the event as JSON)."""
    details = json.dumps({"type": event_type, "occur_at": int(time.time()), "operator": operator,
                          "event_data": data}, indent=2)
    return {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Harbor webhook events*"}},
                       {"type": "section", "text": {"type": "mrkdwn", "text": "```%s```" % details}}]}


def _rfc3339():
    """The executions' and tasks' times (``time.RFC3339``: seconds, no fraction)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _loopback(address):
    return is_loopback(urlsplit(address if "://" in address else "http://" + address).hostname)


def _log(task, message, level="INFO"):
    task["log"].append("%s [%s] [/jobservice/job/impl/notification/webhook_job.go]: %s" % (
        _rfc3339(), level, message))


def _end(execution, status, message=""):
    now = _rfc3339()
    with JOB_LOCK:
        for item in (execution, execution["task"]):
            item.update(status=status, status_message=message, end_time=now, update_time=now)


def _deliver(record, execution, target, body, ca_path):
    """The job: POST one payload (stdlib only: the fake also runs in minimal containers), end the task."""
    task = execution["task"]
    now = _rfc3339()
    with JOB_LOCK:
        for item in (execution, task):
            item.update(status=RUNNING, start_time=item["start_time"] or now, update_time=now)
    _log(task, "start to run webhook job to %s" % target["address"])
    if not _loopback(target["address"]):
        host = urlsplit(target["address"] if "://" in target["address"] else "http://" + target["address"]).hostname
        record["status"] = "error: URLError"
        _log(task, "failed to send request: dial tcp: lookup %s: no such host" % host, "ERROR")
        _end(execution, ERROR, "dial tcp: lookup %s: no such host" % host)
        return
    headers = {"Content-Type": "application/json"}
    if target["auth_header"]:
        headers["Authorization"] = target["auth_header"]
    if target["payload_format"] == "CloudEvents":
        headers["Content-Type"] = "application/cloudevents+json"
    context = ssl.create_default_context(cafile=ca_path) if ca_path else ssl.create_default_context()
    if target["skip_cert_verify"]:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(target["address"], data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as resp:  # nosec - test fake
            record["status"] = resp.status
    except urllib.error.HTTPError as exc:
        record["status"] = exc.code
    except (urllib.error.URLError, OSError) as exc:
        record["status"] = "error: %s" % exc.__class__.__name__
    if isinstance(record["status"], int) and 200 <= record["status"] < 300:
        _log(task, "webhook job to %s succeeded with status %d" % (target["address"], record["status"]))
        _end(execution, SUCCESS)
    else:
        _log(task, "failed to send request to %s: %s" % (target["address"], record["status"]), "ERROR")
        _end(execution, ERROR, "webhook job failed: %s" % record["status"])


def _start_job(state, policy, target, event_type, body):
    """``StartHook``: an execution of the policy (with the payload in its extra_attrs) and its one task."""
    now = _rfc3339()
    execution = {
        "id": state.next_id("execution"), "policy_id": policy["id"], "vendor_type": VENDOR_TYPES[target["type"]],
        "notify_type": target["type"], "status": PENDING, "status_message": "", "trigger": "EVENT",
        "extra_attrs": {"event_type": event_type, "payload": json.dumps(body)},
        "start_time": now, "end_time": None, "update_time": now,
    }
    execution["task"] = {"id": state.next_id("task"), "execution_id": execution["id"], "status": PENDING,
                         "status_message": "", "run_count": 1, "creation_time": now, "update_time": now,
                         "start_time": None, "end_time": None, "log": []}
    state.webhook_executions.append(execution)
    return execution


def notify(state, event_type, project, artifact, tag, principal, extra=None):
    """Hook ``artifact_event``: a job per target of the project's enabled policies that subscribe to the event."""
    policies = [p for p in state.webhook_policies.values()
                if p["project_id"] == project["project_id"] and p["enabled"] and event_type in p["event_types"]]
    if not policies:
        return
    data = event_data(state, project, artifact, tag, extra)
    operator = principal.username if principal is not None and principal.username else "anonymous"
    ca_path = state.options.ca_path  # Harbor trusts its own CA (the fake's, with TLS)
    for policy in policies:
        for target in policy["targets"]:
            if target["type"] == "slack":
                body = slack_message(event_type, data, operator)
            else:
                body = payload(event_type, data, operator, target["payload_format"], policy)
            execution = _start_job(state, policy, target, event_type, body)
            record = {"policy_id": policy["id"], "event_type": event_type, "address": target["address"],
                      "payload_format": target["payload_format"], "status": "pending", "execution_id": execution["id"]}
            state.webhook_deliveries.append(record)
            threading.Thread(target=_deliver, args=(record, execution, dict(target), body, ca_path),
                             daemon=True).start()


# ---------------------------------------------------------------- the job API

def _locked(serializer):
    def serialize(item):
        with JOB_LOCK:
            return serializer(item)
    return serialize


def _metrics(execution):
    status = execution["task"]["status"]
    counts = {"task_count": 1, "success_task_count": 0, "error_task_count": 0, "pending_task_count": 0,
              "running_task_count": 0, "scheduled_task_count": 0, "stopped_task_count": 0}
    counts["%s_task_count" % status.lower()] = 1
    return counts


def serialize_execution(execution):
    """``convertExecutionToPayload``: times as RFC 3339, the zero time while the execution has not ended."""
    return {"id": execution["id"], "vendor_type": execution["vendor_type"], "vendor_id": execution["policy_id"],
            "status": execution["status"], "status_message": execution["status_message"],
            "metrics": _metrics(execution), "trigger": execution["trigger"],
            "extra_attrs": dict(execution["extra_attrs"]), "start_time": execution["start_time"],
            "end_time": execution["end_time"] or ZERO_TIME_RFC3339}


def serialize_task(task):
    """``convertTaskToPayload``."""
    return {"id": task["id"], "execution_id": task["execution_id"], "status": task["status"],
            "status_message": task["status_message"], "run_count": task["run_count"], "extra_attrs": {},
            "creation_time": task["creation_time"], "update_time": task["update_time"],
            "start_time": task["start_time"] or ZERO_TIME_RFC3339, "end_time": task["end_time"] or ZERO_TIME_RFC3339}


def serialize_job(execution):
    """An execution in the deprecated ``WebhookJob`` shape (``model/webhook_job.go``)."""
    return {"id": execution["id"], "policy_id": execution["policy_id"],
            "event_type": execution["extra_attrs"]["event_type"], "notify_type": execution["notify_type"],
            "status": execution["status"], "job_detail": execution["extra_attrs"]["payload"],
            "creation_time": _strfmt(execution["start_time"]), "update_time": _strfmt(execution["update_time"])}


def _strfmt(rfc3339):
    """An RFC 3339 time of an execution as ``strfmt.DateTime`` writes it (milliseconds)."""
    return rfc3339.replace("Z", ".000Z") if rfc3339 else ZERO_TIME


def _policy_executions(state, policy):
    return sorted((e for e in state.webhook_executions if e["policy_id"] == policy["id"]),
                  key=lambda e: (e["start_time"], e["id"]), reverse=True)


def _execution(ctx, policy):
    execution_id = ctx.path_int("execution_id")
    for execution in ctx.state.webhook_executions:
        if execution["id"] == execution_id:
            if execution["policy_id"] != policy["id"]:
                break
            return execution
    raise not_found("execution %d not found in policy %d" % (execution_id, policy["id"]))


@ROUTES.get("/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions")
def list_executions(ctx):
    project = require_project(ctx, "notification-policy", "read")
    policy = _stored(ctx, project)
    items = filter_items(ctx, _policy_executions(ctx.state, policy),
                         {"id": "id", "status": "status", "trigger": "trigger", "vendor_type": "vendor_type",
                          "start_time": "start_time", "end_time": "end_time"},
                         sortable={"id": "id", "start_time": "start_time", "end_time": "end_time", "status": "status"})
    return paginate(ctx, items, _locked(serialize_execution))


@ROUTES.get("/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions/{execution_id}/tasks")
def list_tasks(ctx):
    project = require_project(ctx, "notification-policy", "read")
    execution = _execution(ctx, _stored(ctx, project))
    items = filter_items(ctx, [execution["task"]], {"id": "id", "status": "status"},
                         sortable={"id": "id", "creation_time": "creation_time"})
    return paginate(ctx, items, _locked(serialize_task))


@ROUTES.get("/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}/executions/{execution_id}"
            "/tasks/{task_id}/log")
def task_log(ctx):
    project = require_project(ctx, "notification-policy", "read")
    execution = _execution(ctx, _stored(ctx, project))
    task_id = ctx.path_int("task_id")
    if execution["task"]["id"] != task_id:
        raise not_found("task %d not found in execution %d" % (task_id, execution["id"]))
    with JOB_LOCK:
        lines = list(execution["task"]["log"])
    resp = Response.text("".join(line + "\n" for line in lines))
    resp.headers["Content-Type"] = "text/plain"  # a declared header of GetLogsOfWebhookTask
    return resp


@ROUTES.get("/projects/{project_name_or_id}/webhook/lasttrigger")
def last_trigger(ctx):
    project = require_project(ctx, "notification-policy", "read")
    policies = sorted((p for p in ctx.state.webhook_policies.values() if p["project_id"] == project["project_id"]),
                      key=lambda p: (p["creation_time"], p["id"]), reverse=True)
    out = []
    for policy in policies:
        for event_type in policy["event_types"]:
            starts = [e["start_time"] for e in _policy_executions(ctx.state, policy)
                      if e["extra_attrs"]["event_type"] == event_type]
            out.append({"policy_name": policy["name"], "event_type": event_type, "enabled": policy["enabled"],
                        "creation_time": policy["creation_time"],
                        "last_trigger_time": _strfmt(max(starts)) if starts else ZERO_TIME})
    return Response.json(out)


@ROUTES.get("/projects/{project_name_or_id}/webhook/jobs")
def list_jobs(ctx):
    project = require_project(ctx, "notification-policy", "list")
    policy_id = ctx.query_int("policy_id", required=True)
    policy = ctx.state.webhook_policies.get(policy_id)
    if policy is None:
        raise not_found("notificationPolicy %d not found" % policy_id)
    if policy["project_id"] != project["project_id"]:
        raise not_found("project id %d does not match" % project["project_id"])
    statuses = [value for raw in ctx.query.get("status") or [] for value in raw.split(",") if value]
    extra = {"status": OrList(statuses)} if statuses else None
    items = filter_items(ctx, _policy_executions(ctx.state, policy),
                         {"id": "id", "status": "status", "start_time": "start_time"},
                         sortable={"id": "id", "start_time": "start_time"}, extra=extra)
    return paginate(ctx, items, _locked(serialize_job))


HOOKS = {"project_deleted": _project_deleted, "artifact_event": notify}
