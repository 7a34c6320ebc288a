# -*- coding: utf-8 -*-
"""Small stateful stand-ins for Harbor's project policy endpoints (retention, webhooks, immutable rules).

Served through `responses` on top of HarborProjects; unit tests run the policy modules end to end with them.
The full fake Harbor (tests/fake_harbor) serves the integration tests.
"""

from __future__ import annotations

import json
import re

from ...conftest import API
from .harbor_projects import HarborProjects


def _error(status, message):
    code = {400: "BAD_REQUEST", 404: "NOT_FOUND", 409: "CONFLICT", 500: "UNKNOWN"}[status]
    return status, {}, json.dumps({"errors": [{"code": code, "message": message}]})


def _id(request, position=-1):
    return int(request.path_url.split("?")[0].split("/")[position])


class HarborPolicies(HarborProjects):
    def __init__(self, mock, version=(2, 15)):
        super(HarborPolicies, self).__init__(mock)
        self.version = version
        self.retentions = {}
        self.executions = {}
        self.webhooks = {}
        self.immutable = {}
        self.next_policy_id = 1
        self.get_failures = 0  # how many GET /retentions/{id} answer 500 although the policy exists
        mock.add_callback("POST", API + "/retentions", callback=self.post_retention)
        mock.add_callback("GET", re.compile(API + r"/retentions/\d+$"), callback=self.get_retention)
        mock.add_callback("PUT", re.compile(API + r"/retentions/\d+$"), callback=self.put_retention)
        mock.add_callback("DELETE", re.compile(API + r"/retentions/\d+$"), callback=self.delete_retention)
        mock.add_callback("POST", re.compile(API + r"/retentions/\d+/executions$"), callback=self.post_execution)
        mock.add_callback("GET", re.compile(API + r"/retentions/\d+/executions(\?.*)?$"), callback=self.list_executions)
        mock.add_callback("GET", re.compile(API + r"/retentions/\d+/executions/\d+/tasks(\?.*)?$"),
                          callback=self.list_tasks)
        mock.add_callback("GET", re.compile(API + r"/retentions/\d+/executions/\d+/tasks/\d+$"), callback=self.task_log)
        mock.add_callback("DELETE", re.compile(API + r"/projects/[^/]+/metadatas/[^/]+$"), callback=self.delete_metadata)
        for kind, store in (("webhook/policies", self.webhooks), ("immutabletagrules", self.immutable)):
            mock.add_callback("GET", re.compile(API + r"/projects/[^/]+/%s(\?.*)?$" % kind), callback=self.lister(store))
            mock.add_callback("POST", re.compile(API + r"/projects/[^/]+/%s$" % kind), callback=self.poster(store, kind))
            mock.add_callback("PUT", re.compile(API + r"/projects/[^/]+/%s/\d+$" % kind), callback=self.putter(store))
            mock.add_callback("DELETE", re.compile(API + r"/projects/[^/]+/%s/\d+$" % kind), callback=self.deleter(store))

    # ------------------------------------------------------------ retention

    def project_by_id(self, project_id):
        return next(p for p in self.projects.values() if p["project_id"] == project_id)

    def add_retention(self, project_name, rules, cron=""):
        project = self.projects[project_name]
        policy_id = self.next_policy_id
        self.next_policy_id += 1
        self.retentions[policy_id] = dict(id=policy_id, algorithm="or", rules=rules,
                                          trigger=dict(kind="Schedule", settings=dict(cron=cron), references={}),
                                          scope=dict(level="project", ref=project["project_id"]))
        project["metadata"]["retention_id"] = str(policy_id)
        return policy_id

    def post_retention(self, request):
        body = json.loads(request.body)
        project = self.project_by_id(body["scope"]["ref"])
        if project["metadata"].get("retention_id"):
            return _error(400, "project %d already has retention policy %s" % (
                project["project_id"], project["metadata"]["retention_id"]))
        policy_id = self.add_retention(project["name"], body["rules"], body["trigger"]["settings"]["cron"])
        return 201, {"Location": "/api/v2.0/retentions/%d" % policy_id}, ""

    def get_retention(self, request):
        if self.get_failures:  # Harbor failing (a database hiccup): the same 500 as for a missing policy
            self.get_failures -= 1
            return _error(500, "internal server error")
        policy = self.retentions.get(_id(request))
        if policy is None:
            return _error(500, "internal server error")
        # Harbor adds ids and priorities to the rules it stores
        shown = json.loads(json.dumps(policy))
        for number, rule in enumerate(shown["rules"]):
            rule.setdefault("id", number + 1)
            rule.setdefault("priority", 0)
        return 200, {}, json.dumps(shown)

    def put_retention(self, request):
        policy = self.retentions.get(_id(request))
        if policy is None:
            return _error(500, "internal server error")
        body = json.loads(request.body)
        policy.update(rules=body["rules"], trigger=dict(body["trigger"], references={}))
        return 200, {}, ""

    def delete_retention(self, request):
        policy = self.retentions.pop(_id(request), None)
        if policy is None:
            return _error(400, "not found")
        if self.version >= (2, 14):
            self.project_by_id(policy["scope"]["ref"])["metadata"].pop("retention_id", None)
        return 200, {}, ""

    def delete_metadata(self, request):
        parts = request.path_url.split("/")
        self.projects[parts[-3]]["metadata"].pop(parts[-1], None)
        return 200, {}, ""

    def add_execution(self, policy_id, statuses, tasks):
        """An execution listed with ``statuses`` one read after the other; ``tasks`` = [(repository, log)]."""
        execution_id = len(self.executions) + 1
        self.executions[execution_id] = dict(policy_id=policy_id, statuses=list(statuses), tasks=tasks, dry_run=True)
        return execution_id

    def post_execution(self, request):
        policy_id = _id(request, -2)
        if policy_id not in self.retentions:
            return _error(400, "not found")
        execution_id = self.next_execution
        self.executions[execution_id]["dry_run"] = json.loads(request.body)["dry_run"]
        return 201, {"Location": "/api/v2.0/retentions/%d/executions/%d" % (policy_id, execution_id)}, ""

    @property
    def next_execution(self):
        return max(self.executions)

    def list_executions(self, request):
        policy_id = int(request.path_url.split("?")[0].split("/")[-2])
        if policy_id not in self.retentions:  # Harbor: 400 "retention policy N not found"
            return _error(400, "retention policy %d not found" % policy_id)
        items = []
        for execution_id, execution in sorted(self.executions.items(), reverse=True):
            status = execution["statuses"][0]
            if len(execution["statuses"]) > 1:
                execution["statuses"].pop(0)
            items.append(dict(id=execution_id, policy_id=execution["policy_id"], status=status, trigger="MANUAL",
                              dry_run=execution["dry_run"], start_time="2026-01-01T00:00:00Z", end_time=""))
        return 200, {"X-Total-Count": str(len(items))}, json.dumps(items)

    def list_tasks(self, request):
        execution = self.executions[self.execution_of(request)]
        items = [dict(id=n + 1, execution_id=1, repository=repo, status="Success", total=log.count("| sha256"),
                      retained=log.count("RETAIN")) for n, (repo, log) in enumerate(execution["tasks"])]
        return 200, {"X-Total-Count": str(len(items))}, json.dumps(items)

    @staticmethod
    def execution_of(request):
        return int(request.path_url.split("/executions/")[1].split("/")[0])

    def task_log(self, request):
        execution = self.executions[self.execution_of(request)]
        return 200, {"Content-Type": "text/plain"}, execution["tasks"][_id(request) - 1][1]

    # ------------------------------------------------------------ webhooks and immutable rules (per project)

    @staticmethod
    def project_of(request):
        return request.path_url.split("/")[4]

    def lister(self, store):
        def callback(request):
            items = [item for item in store.values() if item["_project"] == self.project_of(request)]
            shown = [dict((k, v) for k, v in item.items() if k != "_project") for item in items]
            return 200, {"X-Total-Count": str(len(shown))}, json.dumps(shown)
        return callback

    def poster(self, store, kind):
        def callback(request):
            body = json.loads(request.body)
            item_id = self.next_policy_id
            self.next_policy_id += 1
            store[item_id] = dict(body, id=item_id, _project=self.project_of(request))
            return 201, {"Location": "/api/v2.0/projects/%s/%s/%d" % (self.project_of(request), kind, item_id)}, ""
        return callback

    def putter(self, store):
        def callback(request):
            item_id = _id(request)
            if item_id not in store:
                return _error(404, "not found")
            store[item_id] = dict(json.loads(request.body), id=item_id, _project=self.project_of(request))
            return 200, {}, ""
        return callback

    def deleter(self, store):
        def callback(request):
            if store.pop(_id(request), None) is None:
                return _error(404, "not found")
            return 200, {}, ""
        return callback

    def add_item(self, store, project, item):
        item_id = self.next_policy_id
        self.next_policy_id += 1
        store[item_id] = dict(item, id=item_id, _project=project)
        return item_id
