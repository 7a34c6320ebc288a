# -*- coding: utf-8 -*-
"""harbor_ops.harbor.project, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import project

from ...conftest import SYSTEMINFO_210
from .harbor_projects import HarborProjects

GIB = 1024 ** 3


@pytest.fixture
def projects(harbor):
    harbor.systeminfo()
    return HarborProjects(harbor)


def test_create_sends_harbor_shaped_body(run_module, harbor, projects):
    result = run_module(project, dict(name="production", public=False, auto_scan=True, prevent_vul=True,
                                      severity="high", enable_content_trust_cosign=True, storage_quota="500GB"))
    assert result["changed"] is True
    assert harbor.writes() == [("POST", "/projects", {
        "project_name": "production",
        "metadata": {"public": "false", "auto_scan": "true", "prevent_vul": "true", "severity": "high",
                     "enable_content_trust_cosign": "true"},
        "storage_limit": 500 * GIB,
    })]
    assert result["project"]["project_id"] == projects.projects["production"]["project_id"]
    assert result["project"]["storage_limit"] == 500 * GIB


def test_second_run_is_a_no_op_without_writes(run_module, harbor, projects):
    projects.add("production", {"public": "false", "auto_scan": "true", "severity": "high"}, storage=10 * GIB)
    result = run_module(project, dict(name="production", public=False, auto_scan=True, severity="high",
                                      storage_quota="10GB"))
    assert result["changed"] is False
    assert harbor.writes() == []


def test_update_sends_only_the_changed_field(run_module, harbor, projects):
    projects.add("production", {"public": "false", "auto_scan": "true"})
    result = run_module(project, dict(name="production", public=False, auto_scan=True, severity="critical"))
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/projects/production", {"metadata": {"severity": "critical"}})]
    assert result["project"]["metadata"]["severity"] == "critical"


def test_project_name_header_is_sent(run_module, harbor, projects):
    # A project may be called "123"; without the header Harbor would read it as an id.
    projects.add("123")
    run_module(project, dict(name="123", public=True))
    for call in harbor.calls[1:]:
        assert call.request.headers["X-Is-Resource-Name"] == "true"


def test_missing_metadata_key_means_false(run_module, harbor, projects):
    # Harbor only returns metadata keys that were ever set.
    projects.add("shared-libs", {"public": "false"})
    result = run_module(project, dict(name="shared-libs", auto_scan=False, prevent_vul=False))
    assert result["changed"] is False and harbor.writes() == []


def test_quota_is_changed_through_the_quota_api(run_module, harbor, projects):
    # PUT /projects ignores storage_limit, so the quota must go to PUT /quotas/{id}.
    created = projects.add("staging", storage=-1)
    result = run_module(project, dict(name="staging", storage_quota="2TB"))
    quota_id = projects.quotas[created["project_id"]]["id"]
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/quotas/%d" % quota_id, {"hard": {"storage": 2 * 1024 * GIB}})]
    assert result["project"]["storage_limit"] == 2 * 1024 * GIB


def test_unlimited_quota(run_module, harbor, projects):
    projects.add("staging", storage=10 * GIB)
    run_module(project, dict(name="staging", storage_quota="unlimited"))
    assert harbor.writes()[0][2] == {"hard": {"storage": -1}}


def test_check_mode_create_sends_no_write(run_module, harbor, projects):
    result = run_module(project, dict(name="production", public=True), check_mode=True)
    assert result["changed"] is True
    assert harbor.writes() == []
    assert "production" not in projects.projects
    assert result["project"]["metadata"] == {"public": "true"}


def test_check_mode_update_sends_no_write(run_module, harbor, projects):
    projects.add("production", {"public": "false"}, storage=GIB)
    result = run_module(project, dict(name="production", public=True, storage_quota="2GB"), check_mode=True)
    assert result["changed"] is True
    assert harbor.writes() == []
    assert result["project"]["metadata"]["public"] == "true"
    assert result["project"]["storage_limit"] == 2 * GIB
    assert projects.projects["production"]["metadata"]["public"] == "false"


def test_diff_shows_only_what_changes(run_module, harbor, projects):
    projects.add("production", {"public": "false", "auto_scan": "true"}, storage=GIB)
    result = run_module(project, dict(name="production", public=True, auto_scan=True, storage_quota="1GB"), diff=True)
    assert result["diff"] == {"before": {"metadata": {"public": "false"}}, "after": {"metadata": {"public": "true"}}}


def test_diff_on_create_and_delete(run_module, harbor, projects):
    created = run_module(project, dict(name="dev", public=False), diff=True)
    assert created["diff"]["before"] == {}
    assert created["diff"]["after"] == {"name": "dev", "metadata": {"public": "false"}}
    deleted = run_module(project, dict(name="dev", state="absent"), diff=True)
    assert deleted["diff"]["after"] == {} and deleted["diff"]["before"]["name"] == "dev"


def test_no_diff_when_unchanged(run_module, harbor, projects):
    projects.add("production", {"public": "false"})
    result = run_module(project, dict(name="production", public=False), diff=True)
    assert "diff" not in result


def test_delete(run_module, harbor, projects):
    projects.add("old-team")
    result = run_module(project, dict(name="old-team", state="absent"))
    assert result["changed"] is True and result["project"] == {}
    assert harbor.writes() == [("DELETE", "/projects/old-team", None)]
    assert "old-team" not in projects.projects


def test_delete_in_check_mode_sends_no_write(run_module, harbor, projects):
    projects.add("old-team")
    result = run_module(project, dict(name="old-team", state="absent"), check_mode=True)
    assert result["changed"] is True and harbor.writes() == []
    assert "old-team" in projects.projects


def test_absent_and_already_missing_is_unchanged(run_module, harbor, projects):
    result = run_module(project, dict(name="never-existed", state="absent"))
    assert result["changed"] is False and harbor.writes() == []


def test_delete_refused_by_harbor_fails_clearly(run_module, harbor, projects):
    projects.add("busy", repo_count=2)
    result = run_module(project, dict(name="busy", state="absent"))
    assert result["failed"] is True
    assert "DELETE /api/v2.0/projects/busy failed with HTTP 412" in result["msg"]
    assert "contains repositories" in result["msg"]
    assert result["status"] == 412


def test_proxy_cache_project_resolves_the_registry_by_exact_name(run_module, harbor):
    harbor.systeminfo()
    projects = HarborProjects(harbor, registries=[{"id": 3, "name": "docker-hub-old"}, {"id": 4, "name": "docker-hub"}])
    run_module(project, dict(name="dockerhub-cache", proxy_cache_registry="docker-hub", public=True))
    assert harbor.writes()[0][2]["registry_id"] == 4
    assert projects.projects["dockerhub-cache"]["registry_id"] == 4


def test_proxy_cache_registry_that_does_not_exist(run_module, harbor):
    harbor.systeminfo()
    HarborProjects(harbor, registries=[{"id": 3, "name": "docker-hub-old"}])
    result = run_module(project, dict(name="cache", proxy_cache_registry="docker-hub"))
    assert result["failed"] and "no registry endpoint with that name" in result["msg"]
    assert harbor.writes() == []


def test_proxy_cache_registry_cannot_change(run_module, harbor):
    harbor.systeminfo()
    projects = HarborProjects(harbor, registries=[{"id": 4, "name": "docker-hub"}, {"id": 5, "name": "ghcr"}])
    projects.add("cache", registry_id=4)
    result = run_module(project, dict(name="cache", proxy_cache_registry="ghcr"))
    assert result["failed"] and "cannot be changed after creation" in result["msg"]
    assert harbor.writes() == []


def test_option_unknown_to_the_connected_version_is_refused(run_module, harbor):
    harbor.systeminfo(SYSTEMINFO_210)
    HarborProjects(harbor)
    result = run_module(project, dict(name="production", auto_sbom_generation=True))
    assert result["failed"]
    assert result["msg"].startswith("auto_sbom_generation needs Harbor 2.11 or later")
    assert "v2.10.0" in result["msg"]
    assert harbor.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(name="Production"), "project name 'Production' is not valid"),
    (dict(name="team--a"), "is not valid"),
    (dict(name="-lead"), "is not valid"),
    (dict(name="a" * 256), "is not valid"),
    (dict(name="p", severity="urgent"), "value of severity must be one of"),
    (dict(name="p", storage_quota="-5"), "must be -1 (unlimited) or greater than 0"),
    (dict(name="p", storage_quota="0"), "must be -1 (unlimited) or greater than 0"),
    (dict(name="p", storage_quota="ten gigs"), "is not a size"),
    (dict(name="p", storage_quota="2000TB"), "exceeds Harbor's maximum"),
    (dict(name="p", url="https://"), "has no host name"),
    (dict(name="p", url="https:///api/v2.0"), "has no host name"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(project, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(harbor.calls) == 0


def test_wrong_credentials_fail_clearly(run_module, harbor):
    harbor.get("https://harbor.test/api/v2.0/systeminfo", json={"auth_mode": "db_auth"})
    result = run_module(project, dict(name="production", password="S3cret-Passw0rd"))
    assert result["failed"] is True
    assert result["msg"].startswith("authentication failed for admin at https://harbor.test")
    assert "S3cret-Passw0rd" not in str(result)
    assert harbor.writes() == []
