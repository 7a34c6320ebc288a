"""CVE allowlists of the fake: every write replaces the whole list (resources/cve_allowlists.py, api-notes §1)."""

import pytest

from .conftest import request_violations

END_2026 = 1798675200
CVES = [{"cve_id": "CVE-2024-3094"}, {"cve_id": "CVE-2023-44487"}]


@pytest.fixture
def production(harbor_api):
    assert harbor_api.post("/projects", json={"project_name": "production"}).status_code == 201


def project_allowlist(harbor_api):
    return harbor_api.get("/projects/production").json()["cve_allowlist"]


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_project_put_replaces_the_whole_allowlist(fake_harbor, harbor_api, production):
    full = {"cve_allowlist": {"items": CVES, "expires_at": END_2026}}
    assert harbor_api.put("/projects/production", json=full).status_code == 200
    stored = project_allowlist(harbor_api)
    assert stored["items"] == CVES and stored["expires_at"] == END_2026
    # only items: the expiry is not kept, it becomes null (never)
    only_items = {"cve_allowlist": {"items": [{"cve_id": "CVE-2024-3094"}]}}
    assert harbor_api.put("/projects/production", json=only_items).status_code == 200
    stored = project_allowlist(harbor_api)
    assert stored["items"] == [{"cve_id": "CVE-2024-3094"}] and stored.get("expires_at") is None
    # only the expiry: the items are not kept
    assert harbor_api.put("/projects/production", json={"cve_allowlist": {"expires_at": END_2026}}).status_code == 200
    stored = project_allowlist(harbor_api)
    assert stored["items"] == [] and stored["expires_at"] == END_2026
    assert request_violations(fake_harbor) == []


def test_project_put_with_empty_items_clears_the_list(harbor_api, production):
    harbor_api.put("/projects/production", json={"cve_allowlist": {"items": CVES, "expires_at": END_2026}})
    assert harbor_api.put("/projects/production", json={"cve_allowlist": {"items": []}}).status_code == 200
    stored = project_allowlist(harbor_api)
    assert stored["items"] == [] and stored.get("expires_at") is None


def test_project_put_without_an_allowlist_leaves_it_alone(harbor_api, production):
    harbor_api.put("/projects/production", json={"cve_allowlist": {"items": CVES, "expires_at": END_2026}})
    assert harbor_api.put("/projects/production", json={"metadata": {"auto_scan": "true"}}).status_code == 200
    stored = project_allowlist(harbor_api)
    assert stored["items"] == CVES and stored["expires_at"] == END_2026


def test_a_write_sets_both_times(harbor_api, production):
    before = project_allowlist(harbor_api)
    harbor_api.put("/projects/production", json={"cve_allowlist": {"items": CVES}})
    after = project_allowlist(harbor_api)
    assert after["creation_time"] == after["update_time"] >= before["creation_time"]
    assert after["id"] == before["id"] and after["project_id"] == before["project_id"]


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_a_duplicate_cve_is_500_and_changes_nothing(fake_harbor, harbor_api, production):
    harbor_api.put("/projects/production", json={"cve_allowlist": {"items": CVES}})
    twice = {"cve_allowlist": {"items": CVES + CVES[:1]}, "metadata": {"auto_scan": "true"}}
    assert harbor_api.put("/projects/production", json=twice).status_code == 500
    project = harbor_api.get("/projects/production").json()
    assert project["cve_allowlist"]["items"] == CVES and project["metadata"].get("auto_scan") != "true"
    system = harbor_api.put("/system/CVEAllowlist", json={"items": CVES + CVES})
    assert system.status_code == 500 and harbor_api.get("/system/CVEAllowlist").json()["items"] == []


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_system_put_replaces_the_whole_allowlist(fake_harbor, harbor_api):
    assert harbor_api.put("/system/CVEAllowlist", json={"items": CVES, "expires_at": END_2026}).status_code == 200
    assert harbor_api.put("/system/CVEAllowlist", json={"expires_at": END_2026}).status_code == 200
    stored = harbor_api.get("/system/CVEAllowlist").json()
    assert stored["items"] == [] and stored["expires_at"] == END_2026
    assert harbor_api.put("/system/CVEAllowlist", json={"items": CVES[:1]}).status_code == 200
    stored = harbor_api.get("/system/CVEAllowlist").json()
    assert stored["items"] == CVES[:1] and stored.get("expires_at") is None
    assert request_violations(fake_harbor) == []
