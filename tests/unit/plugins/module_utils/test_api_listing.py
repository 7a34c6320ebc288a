# -*- coding: utf-8 -*-
"""The client's bulk reads: a whole list read once and served from memory until a write makes it stale."""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborClient, field_getter

from ...conftest import API, URL
from .test_api import page_callback

PROJECTS = [{"name": "p%03d" % i, "project_id": i + 1, "metadata": {"public": "false"}} for i in range(250)]


def client():
    return HarborClient(URL, "admin", "Harbor12345", sleep=lambda seconds: None)


def list_reads(harbor, path):
    return [call for call in harbor.sent("GET") if call[1] == path]


def test_single_object_lookups_send_the_filter_each_time(harbor):
    harbor.systeminfo()
    harbor.add_callback("GET", API + "/registries", callback=page_callback([{"name": "a", "id": 1}]))
    cli = client()
    for attempt in range(3):
        assert cli.lookup("/registries", "name", "a", filters={"q": "name=a"}) == {"name": "a", "id": 1}, attempt
    assert len(list_reads(harbor, "/registries")) == 3
    assert all("q=name%3Da" in call.request.url for call in harbor.calls if "/registries" in call.request.url)


def test_bulk_lookups_list_once_without_the_filter(harbor):
    harbor.systeminfo()
    harbor.add_callback("GET", API + "/projects", callback=page_callback(PROJECTS))
    cli = client()
    cli.bulk()
    for item in PROJECTS:
        assert cli.get_project(item["name"]) == item
    assert cli.get_project("nope") is None
    assert len(list_reads(harbor, "/projects")) == 3  # 250 projects, pages of 100
    assert all("name=" not in call.request.url for call in harbor.calls)
    assert cli.reads == 1 + 3 and cli.writes == 0


def test_what_a_lookup_returns_can_be_changed_by_the_caller(harbor):
    harbor.systeminfo()
    harbor.add_callback("GET", API + "/projects", callback=page_callback(PROJECTS[:2]))
    cli = client()
    cli.bulk()
    cli.get_project("p000")["metadata"]["public"] = "true"
    assert cli.get_project("p000")["metadata"]["public"] == "false"


def test_a_write_makes_the_lists_stale_until_refresh(harbor):
    harbor.systeminfo()
    harbor.add_callback("GET", API + "/projects", callback=page_callback(PROJECTS[:5]))
    harbor.get(API + "/projects/p001", json=PROJECTS[1])
    harbor.put(API + "/projects/p001", json={})
    cli = client()
    cli.bulk()
    assert cli.get_project("p001") == PROJECTS[1]
    cli.put("/projects/p001", {"metadata": {"public": "true"}})
    assert cli.get_project("p001") == PROJECTS[1]  # a targeted read now, not the stale list
    assert [call[1] for call in harbor.sent("GET")][-1] == "/projects/p001"
    assert len(list_reads(harbor, "/projects")) == 1
    cli.refresh()
    cli.get_project("p002")
    cli.get_project("p003")
    assert len(list_reads(harbor, "/projects")) == 2  # listed again, once


def test_refresh_keeps_lists_that_no_write_touched(harbor):
    harbor.systeminfo()
    harbor.add_callback("GET", API + "/projects", callback=page_callback(PROJECTS[:5]))
    cli = client()
    cli.bulk()
    cli.get_project("p001")
    cli.refresh()
    cli.get_project("p002")
    assert len(list_reads(harbor, "/projects")) == 1


def test_lookup_by_tuple_and_dotted_keys(harbor):
    harbor.systeminfo()
    members = [{"entity_type": "u", "entity_name": "alice", "id": 1},
               {"entity_type": "g", "entity_name": "alice", "id": 2}]
    quotas = [{"id": 7, "ref": {"id": 3, "name": "p"}}, {"id": 8, "ref": {"id": 4, "name": "q"}}]
    harbor.add_callback("GET", API + "/projects/p/members", callback=page_callback(members))
    harbor.add_callback("GET", API + "/quotas", callback=page_callback(quotas))
    cli = client()
    cli.bulk()
    assert cli.lookup("/projects/p/members", ("entity_type", "entity_name"), ("g", "alice"))["id"] == 2
    assert cli.lookup("/quotas", "ref.id", 4, params={"reference": "project"})["id"] == 8
    assert cli.lookup("/quotas", "ref.id", 5, params={"reference": "project"}) is None
    assert field_getter("a.b")({"a": None}) is None


def test_documents_are_read_once_in_bulk_mode(harbor):
    harbor.systeminfo()
    harbor.get(API + "/permissions", json={"system": [], "project": []})
    cli = client()
    cli.document("/permissions")
    cli.document("/permissions")
    assert len(list_reads(harbor, "/permissions")) == 2
    cli.bulk()
    cli.document("/permissions")
    cli.document("/permissions")
    assert len(list_reads(harbor, "/permissions")) == 3
