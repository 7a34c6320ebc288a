# -*- coding: utf-8 -*-
"""A small stateful stand-in for Harbor's project and quota endpoints, served through `responses`.

Unit tests use it to run the project modules end to end at the HTTP transport level; the full fake Harbor
(tests/fake_harbor) serves the integration tests.
"""

from __future__ import annotations

import json
import re

from ...conftest import API

NOT_FOUND = {"errors": [{"code": "NOT_FOUND", "message": "project not found"}]}


class HarborProjects(object):
    def __init__(self, mock, registries=None):
        self.mock = mock
        self.projects = {}
        self.quotas = {}
        self.registries = registries or []
        self.next_id = 10
        mock.add_callback("GET", re.compile(API + r"/projects/[^/?]+$"), callback=self.get_project)
        mock.add_callback("PUT", re.compile(API + r"/projects/[^/?]+$"), callback=self.put_project)
        mock.add_callback("DELETE", re.compile(API + r"/projects/[^/?]+$"), callback=self.delete_project)
        mock.add_callback("POST", API + "/projects", callback=self.post_project)
        mock.add_callback("GET", re.compile(API + r"/projects(\?.*)?$"), callback=self.list_projects)
        mock.add_callback("GET", re.compile(API + r"/quotas(\?.*)?$"), callback=self.list_quotas)
        mock.add_callback("PUT", re.compile(API + r"/quotas/\d+$"), callback=self.put_quota)
        mock.add_callback("GET", re.compile(API + r"/registries(\?.*)?$"), callback=self.list_registries)

    def add(self, name, metadata=None, storage=-1, registry_id=None, repo_count=0):
        pid = self.next_id
        self.next_id += 1
        self.projects[name] = dict(project_id=pid, name=name, owner_name="admin", repo_count=repo_count,
                                   registry_id=registry_id, metadata=dict(metadata or {"public": "false"}))
        self.quotas[pid] = dict(id=pid + 100, ref=dict(id=pid, name=name), hard=dict(storage=storage),
                                used=dict(storage=0))
        return self.projects[name]

    @staticmethod
    def name_of(request):
        return request.path_url.split("?")[0].rsplit("/", 1)[1]

    def get_project(self, request):
        project = self.projects.get(self.name_of(request))
        if project is None:
            return 404, {}, json.dumps(NOT_FOUND)
        return 200, {}, json.dumps(project)

    def list_projects(self, request):
        items = list(self.projects.values())
        return 200, {"X-Total-Count": str(len(items))}, json.dumps(items)

    def post_project(self, request):
        body = json.loads(request.body)
        if body["project_name"] in self.projects:
            return 409, {}, json.dumps({"errors": [{"code": "CONFLICT", "message": "exists"}]})
        project = self.add(body["project_name"], dict(dict(public="false"), **body.get("metadata", {})),
                           storage=body.get("storage_limit") or -1, registry_id=body.get("registry_id"))
        return 201, {"Location": "/api/v2.0/projects/%d" % project["project_id"]}, ""

    def put_project(self, request):
        project = self.projects.get(self.name_of(request))
        if project is None:
            return 404, {}, json.dumps(NOT_FOUND)
        project["metadata"].update(json.loads(request.body).get("metadata", {}))
        return 200, {}, ""

    def delete_project(self, request):
        project = self.projects.get(self.name_of(request))
        if project is None:
            return 404, {}, json.dumps(NOT_FOUND)
        if project["repo_count"]:
            return 412, {}, json.dumps({"errors": [{"code": "PRECONDITION",
                                                    "message": "the project contains repositories, can not be deleted"}]})
        del self.projects[project["name"]]
        return 200, {}, ""

    def list_quotas(self, request):
        ref = re.search(r"reference_id=(\d+)", request.url)
        items = [q for q in self.quotas.values() if ref and q["ref"]["id"] == int(ref.group(1))]
        return 200, {"X-Total-Count": str(len(items))}, json.dumps(items)

    def put_quota(self, request):
        quota_id = int(request.path_url.rsplit("/", 1)[1])
        quota = next(q for q in self.quotas.values() if q["id"] == quota_id)
        quota["hard"].update(json.loads(request.body)["hard"])
        return 200, {}, ""

    def list_registries(self, request):
        return 200, {"X-Total-Count": str(len(self.registries))}, json.dumps(self.registries)
