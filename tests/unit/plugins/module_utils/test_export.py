# -*- coding: utf-8 -*-
"""Export readers against a stub client: what Harbor returns becomes the modules' options."""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._bulk import _existing_members
from ansible_collections.harbor_ops.harbor.plugins.module_utils._export import Exporter


class StubClient(object):
    """Answers ``get`` from ``documents`` and ``list_all`` from ``lists``; records every read."""

    def __init__(self, documents=None, lists=None):
        self.documents = documents or {}
        self.lists = lists or {}
        self.reads = []

    def get(self, path, params=None, missing_ok=False):
        self.reads.append(path)
        return self.documents.get(path)

    def list_all(self, path, params=None, headers=None):
        self.reads.append(path)
        return self.lists.get(path, [])

    def get_project(self, name):
        return {"name": name, "project_id": 1}


def test_a_project_allowlist_is_exported_when_the_system_list_is_empty():
    client = StubClient(documents={"/system/CVEAllowlist": {"items": []}}, lists={"/projects": [
        {"name": "production", "project_id": 2, "cve_allowlist": {"items": [{"cve_id": "CVE-2024-1"}]}}]})
    assert Exporter(client).read_cve_allowlist() == [{"project": "production", "cves": ["CVE-2024-1"]}]


def test_group_members_are_named_from_one_list_of_groups():
    members = [{"entity_type": "g", "entity_name": "devs", "entity_id": 3},
               {"entity_type": "g", "entity_name": "ops", "entity_id": 4},
               {"entity_type": "u", "entity_name": "alice", "entity_id": 9}]
    client = StubClient(lists={"/projects/a/members": members, "/projects/b/members": members, "/usergroups": [
        {"id": 3, "group_name": "devs", "group_type": 3}, {"id": 4, "group_name": "ops", "group_type": 1}]})
    found = _existing_members(client, ["a", "b"])
    assert dict(project="a", group="devs", group_type="oidc") in found
    assert dict(project="b", group="ops", group_type="ldap") in found
    assert client.reads.count("/usergroups") == 1
