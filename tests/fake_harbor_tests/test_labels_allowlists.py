"""Labels and the system CVE allowlist (api-notes §1 "CVE allowlist", §13)."""

import pytest
import requests

from .conftest import request_violations


def test_label_needs_a_scope_to_list(harbor_api):
    assert harbor_api.get("/labels").status_code == 400
    assert harbor_api.get("/labels", params={"scope": "p"}).status_code == 400
    assert harbor_api.get("/labels", params={"scope": "g"}).status_code == 200
    assert harbor_api.get("/labels", params={"scope": "p", "project_id": 1}).json() == []


def test_label_lifecycle(fake_harbor, harbor_api):
    resp = harbor_api.post("/labels", json={"name": "release", "description": "Released", "color": "#1D5100",
                                            "scope": "g"})
    assert resp.status_code == 201 and resp.headers["Location"] == "/api/v2.0/labels/1" and resp.content == b""
    harbor_api.post("/labels", json={"name": "release-candidate", "scope": "g"})
    harbor_api.post("/labels", json={"name": "release", "scope": "p", "project_id": 1})
    found = harbor_api.get("/labels", params={"scope": "g", "name": "RELEASE"})
    assert [l["name"] for l in found.json()] == ["release", "release-candidate"]  # fuzzy
    assert found.headers["X-Total-Count"] == "2"
    project = harbor_api.get("/labels", params={"scope": "p", "project_id": 1}).json()
    assert [(l["name"], l["scope"], l["project_id"]) for l in project] == [("release", "p", 1)]
    assert harbor_api.put("/labels/1", json={"name": "release", "color": "#C92100"}).status_code == 200
    label = harbor_api.get("/labels/1").json()
    # the body replaces the three fields; the emptied description is left out of the answer (omitempty)
    assert label["color"] == "#C92100" and "description" not in label
    assert harbor_api.put("/labels/1", json={"name": "release-candidate"}).status_code == 409
    assert harbor_api.delete("/labels/1").status_code == 200
    assert harbor_api.get("/labels/1").status_code == 404
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("body, status", [
    ({"name": "release", "scope": "g"}, 409),
    ({"name": "", "scope": "g"}, 400),
    ({"name": "x", "scope": "x"}, 400),
    ({"name": "x", "scope": "p"}, 400),
    ({"name": "x", "scope": "p", "project_id": 99}, 404),
])
def test_label_create_errors(harbor_api, body, status):
    harbor_api.post("/labels", json={"name": "release", "scope": "g"})
    assert harbor_api.post("/labels", json=body).status_code == status


def test_label_permissions(fake_harbor, harbor_api):
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "joe", "password": "Joe12345"}, timeout=10)
    joe = dict(auth=("joe", "Joe12345"), timeout=10)
    url = fake_harbor.api_url + "/labels"
    assert requests.post(url, json={"name": "x", "scope": "g"}, **joe).status_code == 403
    assert requests.get(url, params={"scope": "g"}, **joe).status_code == 200
    assert requests.get(url, params={"scope": "g"}, timeout=10).status_code == 401


def test_project_labels_go_with_the_project(harbor_api):
    harbor_api.post("/projects", json={"project_name": "team"})
    project_id = harbor_api.get("/projects/team").json()["project_id"]
    harbor_api.post("/labels", json={"name": "x", "scope": "p", "project_id": project_id})
    harbor_api.delete("/projects/team")
    assert harbor_api.get("/labels/1").status_code == 404


def test_system_allowlist_is_overwritten(fake_harbor, harbor_api):
    first = harbor_api.get("/system/CVEAllowlist").json()
    # the system allowlist has project_id 0, which Harbor's omitempty leaves out; items is an array: kept
    assert first["items"] == [] and "project_id" not in first and "expires_at" not in first
    assert harbor_api.put("/system/CVEAllowlist", json={"items": [{"cve_id": "CVE-2024-3094"}],
                                                        "expires_at": 1798675200}).status_code == 200
    stored = harbor_api.get("/system/CVEAllowlist").json()
    assert stored["items"] == [{"cve_id": "CVE-2024-3094"}] and stored["expires_at"] == 1798675200
    assert harbor_api.put("/system/CVEAllowlist", json={"items": [{"cve_id": "CVE-2023-44487"}]}).status_code == 200
    stored = harbor_api.get("/system/CVEAllowlist").json()
    assert stored["items"] == [{"cve_id": "CVE-2023-44487"}] and "expires_at" not in stored
    assert harbor_api.put("/system/CVEAllowlist", json={"items": [], "expires_at": None}).status_code == 200
    assert harbor_api.get("/system/CVEAllowlist").json()["items"] == []
    assert request_violations(fake_harbor) == []


def test_system_allowlist_permissions(fake_harbor):
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "joe", "password": "Joe12345"}, timeout=10)
    url = fake_harbor.api_url + "/system/CVEAllowlist"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, auth=("joe", "Joe12345"), timeout=10).status_code == 200
    assert requests.put(url, json={"items": []}, auth=("joe", "Joe12345"), timeout=10).status_code == 403


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_no_contract_violation_on_both_spec_versions(fake_harbor, harbor_api):
    harbor_api.post("/labels", json={"name": "release", "color": "#1D5100", "scope": "g"})
    harbor_api.get("/labels", params={"scope": "g", "name": "rel"})
    harbor_api.put("/labels/1", json={"name": "release", "description": "d", "color": "#1D5100"})
    harbor_api.get("/labels/1")
    harbor_api.delete("/labels/1")
    harbor_api.put("/system/CVEAllowlist", json={"items": [{"cve_id": "CVE-2024-3094"}], "expires_at": None})
    harbor_api.get("/system/CVEAllowlist")
    assert fake_harbor.violations == []
