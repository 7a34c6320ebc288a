"""Webhook (notification) policies: ``/projects/{p}/webhook/policies*``, ``/projects/{p}/webhook/events`` (api-notes §6).

* Create → 201 + Location; ``(name, project)`` is unique (409). PUT replaces every field (id, project_id and
  the times excepted).
* ``event_types``: the supported list of 2.10-2.15.2; empty or unknown → 400 "unsupported event type".
* Targets: ``type`` http or slack; ``address`` parsed like ``utils.ParseEndpoint`` (no scheme → http://, other
  schemes or no host → 400) but stored exactly as sent; ``payload_format`` Default/CloudEvents for http only
  (slack → 400), http without one is stored as Default.
* ``enabled`` defaults to false. Auth headers are returned as stored (go-swagger ``omitempty``: empty strings
  and false flags of a target are left out) and remembered as secrets.

Events are delivered: the ``artifact_event`` hook (pushes and pulls through the registry front, API deletes,
finished scans) POSTs Harbor's payload — the Default JSON or a CloudEvents JSON, as the target asks — to every
http target of the project's enabled policies that subscribe to the event, with the target's auth header, in a
background thread as Harbor's job service does. ``state.webhook_deliveries`` records each attempt. Tests point a
target at the fake's own receiver (``/_fake/receiver/<name>``, see control.py).
"""

import json
import ssl
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from ..framework.errors import bad_request, conflict, not_found
from ..framework.paging import paginate
from ..framework.query import filter_items
from ..framework.response import Response
from ..framework.routing import RouteTable
from .projects import require_project

ROUTES = RouteTable()

EVENT_TYPES = ["PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "QUOTA_EXCEED", "QUOTA_WARNING",
               "SCANNING_FAILED", "SCANNING_STOPPED", "SCANNING_COMPLETED", "REPLICATION", "TAG_RETENTION"]
NOTIFY_TYPES = ["http", "slack"]
PAYLOAD_FORMATS = ["Default", "CloudEvents"]


def init_state(state):
    state.webhook_policies = {}  # id -> policy (with project_id)
    state.webhook_deliveries = []  # {"policy_id", "event_type", "address", "payload_format", "status"}


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
    name = (body.get("name") or "").strip()
    if not name:
        raise bad_request("empty name of notification policy")
    fields = {"name": body["name"], "description": body.get("description") or "",
              "targets": _targets(ctx.state, body.get("targets")), "event_types": _event_types(body.get("event_types")),
              "enabled": bool(body.get("enabled"))}
    for other in ctx.state.webhook_policies.values():
        if other["project_id"] == project["project_id"] and other["name"] == fields["name"] and other["id"] != skip_id:
            raise conflict("notification policy %s already exists in project %s" % (fields["name"], project["name"]))
    return fields


def _omit_empty(target):
    return {k: v for k, v in target.items() if v not in ("", False, None)}


def serialize(policy):
    body = {k: policy[k] for k in ("id", "name", "project_id", "event_types", "creator", "creation_time",
                                   "update_time", "enabled")}
    body["targets"] = [_omit_empty(t) for t in policy["targets"]]
    if policy["description"]:
        body["description"] = policy["description"]
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
                  creator=ctx.principal.username, creation_time=now, update_time=now)
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
    policy.update(_fields(ctx, project, ctx.json_object(), skip_id=policy["id"]), update_time=ctx.now())
    return Response.ok()


@ROUTES.delete("/projects/{project_name_or_id}/webhook/policies/{webhook_policy_id}")
def delete_policy(ctx):
    project = require_project(ctx, "notification-policy", "delete")
    ctx.state.webhook_policies.pop(_stored(ctx, project)["id"])
    return Response.ok()


@ROUTES.get("/projects/{project_name_or_id}/webhook/events")
def supported_events(ctx):
    require_project(ctx, "notification-policy", "read")
    return Response.json({"event_type": list(EVENT_TYPES), "notify_type": list(NOTIFY_TYPES),
                          "payload_formats": [{"notify_type": "http", "formats": list(PAYLOAD_FORMATS)}]})


def _project_deleted(state, project):
    for policy_id in [p["id"] for p in state.webhook_policies.values() if p["project_id"] == project["project_id"]]:
        state.webhook_policies.pop(policy_id)


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


def _deliver(record, target, body, ca_path):
    """POST one payload (stdlib only: the fake also runs in minimal containers)."""
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


def notify(state, event_type, project, artifact, tag, principal, extra=None):
    """Hook ``artifact_event``: deliver the event to the project's enabled policies that subscribe to it."""
    policies = [p for p in state.webhook_policies.values()
                if p["project_id"] == project["project_id"] and p["enabled"] and event_type in p["event_types"]]
    if not policies:
        return
    data = event_data(state, project, artifact, tag, extra)
    operator = principal.username if principal is not None and principal.username else "anonymous"
    ca_path = state.options.ca_path  # Harbor trusts its own CA (the fake's, with TLS)
    for policy in policies:
        for target in policy["targets"]:
            if target["type"] != "http":
                continue  # Slack's own payload is not modelled
            record = {"policy_id": policy["id"], "event_type": event_type, "address": target["address"],
                      "payload_format": target["payload_format"], "status": "pending"}
            state.webhook_deliveries.append(record)
            body = payload(event_type, data, operator, target["payload_format"], policy)
            threading.Thread(target=_deliver, args=(record, dict(target), body, ca_path), daemon=True).start()


HOOKS = {"project_deleted": _project_deleted, "artifact_event": notify}
