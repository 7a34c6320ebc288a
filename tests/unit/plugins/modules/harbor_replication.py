# -*- coding: utf-8 -*-
"""A small stateful stand-in for Harbor's registry and replication endpoints, served through `responses`.

Unit tests use it to run the registry and replication modules end to end at the HTTP transport level; the full
fake Harbor (tests/fake_harbor) serves the integration tests. A remote whose URL contains "unhealthy" cannot be
reached (400 "the registry is unhealthy", as Harbor answers).
"""

from __future__ import annotations

import copy
import json
import re

from ...conftest import API

MASKED = "*****"


def error(status, code, message):
    return status, {}, json.dumps({"errors": [{"code": code, "message": message}]})


def listed(items):
    return 200, {"X-Total-Count": str(len(items))}, json.dumps(items)


class HarborReplication(object):
    def __init__(self, mock):
        self.mock = mock
        self.registries = {}
        self.policies = {}
        self.executions = {}
        self.in_use = set()
        self.next_id = 3
        # what successive GETs of the next execution return (the last one repeats); tasks by execution id
        self.next_script = [dict(status="Succeed", succeed=2, in_progress=0)]
        self.script = {}
        self.tasks = {}
        self.logs = {}
        ident = r"/(\d+)$"
        mock.add_callback("GET", re.compile(API + r"/registries(\?.*)?$"), callback=self.list_registries)
        mock.add_callback("GET", re.compile(API + r"/registries" + ident), callback=self.get_registry)
        mock.add_callback("POST", API + "/registries", callback=self.post_registry)
        mock.add_callback("PUT", re.compile(API + r"/registries" + ident), callback=self.put_registry)
        mock.add_callback("DELETE", re.compile(API + r"/registries" + ident), callback=self.delete_registry)
        mock.add_callback("POST", API + "/registries/ping", callback=self.ping)
        mock.add_callback("GET", re.compile(API + r"/replication/policies(\?.*)?$"), callback=self.list_policies)
        mock.add_callback("POST", API + "/replication/policies", callback=self.post_policy)
        mock.add_callback("PUT", re.compile(API + r"/replication/policies" + ident), callback=self.put_policy)
        mock.add_callback("DELETE", re.compile(API + r"/replication/policies" + ident), callback=self.delete_policy)
        mock.add_callback("POST", API + "/replication/executions", callback=self.post_execution)
        mock.add_callback("GET", re.compile(API + r"/replication/executions" + ident), callback=self.get_execution)
        mock.add_callback("GET", re.compile(API + r"/replication/executions/(\d+)/tasks(\?.*)?$"),
                          callback=self.list_tasks)
        mock.add_callback("GET", re.compile(API + r"/replication/executions/\d+/tasks/(\d+)/log$"),
                          callback=self.get_log)

    @staticmethod
    def ident(request):
        """The last number in the path (below /api/v2.0)."""
        return int(re.findall(r"/(\d+)", request.path_url.split("?")[0])[-1])

    def new_id(self):
        self.next_id += 1
        return self.next_id

    # ---------------------------------------------------------------- registries

    def add_registry(self, name, kind="docker-hub", url="https://hub.docker.com", credential=None, **extra):
        registry = dict(id=self.new_id(), name=name, type=kind, url=url, description="", insecure=False,
                        status="healthy", creation_time="2024-05-01T10:00:00.000Z",
                        update_time="2024-05-01T10:00:00.000Z")
        registry.update(extra)
        if credential:
            registry["credential"] = dict(credential)
        self.registries[registry["id"]] = registry
        return registry

    def shown(self, registry):
        out = copy.deepcopy(registry)
        if out.get("credential", {}).get("access_secret"):
            out["credential"]["access_secret"] = MASKED
        return out

    def list_registries(self, request):
        return listed([self.shown(r) for r in self.registries.values()])

    def get_registry(self, request):
        registry = self.registries.get(self.ident(request))
        if registry is None:
            return error(404, "NOT_FOUND", "registry not found")
        return 200, {}, json.dumps(self.shown(registry))

    def post_registry(self, request):
        body = json.loads(request.body)
        if "unhealthy" in body["url"]:
            return error(400, "BAD_REQUEST", "the registry is unhealthy")
        extra = dict((k, v) for k, v in body.items() if k not in ("name", "type", "url", "credential"))
        registry = self.add_registry(body["name"], body["type"], body["url"], body.get("credential"), **extra)
        return 201, {"Location": "/api/v2.0/registries/%d" % registry["id"]}, ""

    def put_registry(self, request):
        registry = self.registries[self.ident(request)]
        body = json.loads(request.body)
        if "unhealthy" in body.get("url", registry["url"]):
            return error(400, "BAD_REQUEST", "the registry is unhealthy")
        for key in ("name", "description", "url", "insecure", "ca_certificate"):
            if key in body:
                registry[key] = body[key]
        for flat, nested in (("credential_type", "type"), ("access_key", "access_key"), ("access_secret", "access_secret")):
            if flat in body:
                registry.setdefault("credential", {})[nested] = body[flat]
        return 200, {}, ""

    def delete_registry(self, request):
        registry_id = self.ident(request)
        if registry_id in self.in_use:
            return error(412, "PRECONDITION", "the registry %d is referenced by replication policy p1" % registry_id)
        del self.registries[registry_id]
        return 200, {}, ""

    def ping(self, request):
        body = json.loads(request.body)
        registry = self.registries.get(body.get("id")) or body
        if "unhealthy" in registry.get("url", ""):
            return error(400, "BAD_REQUEST", "the registry is unhealthy")
        return 200, {}, ""

    # ---------------------------------------------------------------- policies

    def side(self, ref):
        if not ref or not ref.get("id"):
            return {"id": 0, "name": "Local", "type": "harbor", "url": "https://harbor.test"}
        return self.shown(self.registries[ref["id"]])

    def add_policy(self, name, src=None, dest=None, **fields):
        """A stored policy as Harbor answers it (PUT replaces: omitted fields become zero values)."""
        policy = dict(id=self.new_id(), name=name, description="", dest_namespace="", dest_namespace_replace_count=-1,
                      filters=[], trigger={"type": "manual", "trigger_settings": {"cron": ""}}, deletion=False,
                      override=False, enabled=False, speed=0, copy_by_chunk=False)
        policy.update(fields)
        policy["src_registry"] = {"id": src["id"]} if src else None
        policy["dest_registry"] = {"id": dest["id"]} if dest else None
        self.policies[policy["id"]] = policy
        return policy

    def shown_policy(self, policy):
        out = copy.deepcopy(policy)
        out["src_registry"] = self.side(policy["src_registry"])
        out["dest_registry"] = self.side(policy["dest_registry"])
        out["replicate_deletion"] = policy["deletion"]
        return out

    def list_policies(self, request):
        return listed([self.shown_policy(p) for p in self.policies.values()])

    def from_body(self, body, policy_id):
        policy = dict(id=policy_id, name=body["name"], description=body.get("description", ""),
                      dest_namespace=body.get("dest_namespace", ""),
                      dest_namespace_replace_count=body.get("dest_namespace_replace_count", -1),
                      filters=body.get("filters", []),
                      trigger=body.get("trigger") or {"type": "manual", "trigger_settings": {"cron": ""}},
                      deletion=body.get("deletion", False), override=body.get("override", False),
                      enabled=body.get("enabled", False), speed=body.get("speed", 0),
                      copy_by_chunk=body.get("copy_by_chunk", False), src_registry=body.get("src_registry"),
                      dest_registry=body.get("dest_registry"))
        if "single_active_replication" in body:
            policy["single_active_replication"] = body["single_active_replication"]
        return policy

    def post_policy(self, request):
        body = json.loads(request.body)
        policy = self.from_body(body, self.new_id())
        self.policies[policy["id"]] = policy
        return 201, {"Location": "/api/v2.0/replication/policies/%d" % policy["id"]}, ""

    def put_policy(self, request):
        policy_id = self.ident(request)
        self.policies[policy_id] = self.from_body(json.loads(request.body), policy_id)
        return 200, {}, ""

    def delete_policy(self, request):
        policy_id = self.ident(request)
        if any(e["policy_id"] == policy_id and e["status"] == "InProgress" for e in self.executions.values()):
            return error(412, "PRECONDITION", "the policy has running executions")
        del self.policies[policy_id]
        return 200, {}, ""

    # ---------------------------------------------------------------- executions

    def post_execution(self, request):
        body = json.loads(request.body)
        execution_id = self.new_id()
        self.executions[execution_id] = dict(id=execution_id, policy_id=body["policy_id"], status="InProgress",
                                             trigger="manual", status_text="", total=2, succeed=0, failed=0,
                                             in_progress=2, stopped=0, start_time="2024-05-01T10:00:00.000Z")
        self.script[execution_id] = list(self.next_script)
        return 201, {"Location": "/api/v2.0/replication/executions/%d" % execution_id}, ""

    def get_execution(self, request):
        execution = self.executions[self.ident(request)]
        script = self.script[execution["id"]]
        execution.update(script.pop(0) if len(script) > 1 else script[0])
        return 200, {}, json.dumps(execution)

    def list_tasks(self, request):
        return listed(self.tasks.get(self.ident(request), []))

    def get_log(self, request):
        task_id = self.ident(request)
        if task_id not in self.logs:
            return error(404, "NOT_FOUND", "no log")
        return 200, {"Content-Type": "text/plain"}, self.logs[task_id]
