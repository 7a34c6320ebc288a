# -*- coding: utf-8 -*-
"""harbor_ops.harbor.cve_allowlist, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import cve_allowlist

from .harbor_accounts import HarborProjectsLite, HarborSystemAllowlist

END_2026 = 1798675200  # 2026-12-31T00:00:00Z


@pytest.fixture
def projects(harbor):
    harbor.systeminfo()
    return HarborProjectsLite(harbor)


def test_system_allowlist_is_overwritten_with_the_whole_list(run_module, harbor, projects):
    HarborSystemAllowlist(harbor, items=["CVE-2020-0001"], expires_at=END_2026)
    result = run_module(cve_allowlist, dict(cves=["CVE-2024-3094", "CVE-2023-44487"]))
    assert result["changed"] is True
    # expires_at was not given: the stored one is sent back, since PUT overwrites everything
    assert harbor.writes() == [("PUT", "/system/CVEAllowlist", {
        "items": [{"cve_id": "CVE-2023-44487"}, {"cve_id": "CVE-2024-3094"}], "expires_at": END_2026})]
    assert result["cve_allowlist"]["cves"] == ["CVE-2023-44487", "CVE-2024-3094"]


def test_items_compare_as_a_set(run_module, harbor, projects):
    HarborSystemAllowlist(harbor, items=["CVE-2024-3094", "CVE-2023-44487"])
    result = run_module(cve_allowlist, dict(cves=["CVE-2023-44487", "CVE-2024-3094", "CVE-2023-44487"],
                                            expires_at="never"))
    assert result["changed"] is False and harbor.writes() == []


@pytest.mark.parametrize("text, epoch", [
    ("2026-12-31", END_2026), ("2026-12-31T00:00:00Z", END_2026), ("2026-12-31T02:00:00+02:00", END_2026),
    ("2026-12-31 00:00", END_2026), (str(END_2026), END_2026), ("never", None), ("", None),
])
def test_expiry_forms(run_module, harbor, projects, text, epoch):
    allowlist = HarborSystemAllowlist(harbor, items=["CVE-2024-3094"], expires_at=1)
    run_module(cve_allowlist, dict(cves=["CVE-2024-3094"], expires_at=text))
    assert harbor.writes()[0][2]["expires_at"] == epoch
    assert allowlist.allowlist.get("expires_at") == epoch


def test_only_the_expiry(run_module, harbor, projects):
    HarborSystemAllowlist(harbor, items=["CVE-2024-3094"])
    result = run_module(cve_allowlist, dict(expires_at="2026-12-31"), diff=True)
    assert harbor.writes() == [("PUT", "/system/CVEAllowlist", {"items": [{"cve_id": "CVE-2024-3094"}],
                                                                "expires_at": END_2026})]
    assert result["diff"] == {"before": {"expires_at": None}, "after": {"expires_at": END_2026}}


def test_project_allowlist_stops_reusing_the_system_one(run_module, harbor, projects):
    projects.add("production", 12, metadata={"public": "false", "reuse_sys_cve_allowlist": "true"})
    result = run_module(cve_allowlist, dict(project="production", cves=["CVE-2024-3094"], expires_at="2026-12-31"))
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/projects/production", {
        "cve_allowlist": {"items": [{"cve_id": "CVE-2024-3094"}], "expires_at": END_2026},
        "metadata": {"reuse_sys_cve_allowlist": "false"}})]
    assert harbor.calls[-2].request.headers["X-Is-Resource-Name"] == "true"
    assert result["cve_allowlist"]["reuse_sys_cve_allowlist"] == "false"
    assert result["cve_allowlist"]["project_id"] == 12


def test_project_allowlist_no_op(run_module, harbor, projects):
    projects.add("production", 12, items=["CVE-2024-3094"], expires_at=END_2026)  # reuse flag unset means false
    result = run_module(cve_allowlist, dict(project="production", cves=["CVE-2024-3094"], expires_at="2026-12-31"))
    assert result["changed"] is False and harbor.writes() == []


def test_project_flag_only(run_module, harbor, projects):
    projects.add("production", 12, metadata={"reuse_sys_cve_allowlist": "true"}, items=["CVE-2024-3094"])
    run_module(cve_allowlist, dict(project="production", cves=["CVE-2024-3094"]))
    assert harbor.writes() == [("PUT", "/projects/production", {"metadata": {"reuse_sys_cve_allowlist": "false"}})]


def test_check_mode_sends_no_write(run_module, harbor, projects):
    allowlist = HarborSystemAllowlist(harbor)
    result = run_module(cve_allowlist, dict(cves=["CVE-2024-3094"]), check_mode=True)
    assert result["changed"] is True and harbor.writes() == []
    assert result["cve_allowlist"]["cves"] == ["CVE-2024-3094"]
    assert allowlist.allowlist["items"] == []


def test_absent_empties_the_list(run_module, harbor, projects):
    HarborSystemAllowlist(harbor, items=["CVE-2024-3094"], expires_at=END_2026)
    result = run_module(cve_allowlist, dict(state="absent"))
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/system/CVEAllowlist", {"items": [], "expires_at": None})]
    assert result["cve_allowlist"]["cves"] == []


def test_absent_empties_a_project_list_and_keeps_the_flag(run_module, harbor, projects):
    projects.add("production", 12, metadata={"reuse_sys_cve_allowlist": "true"}, items=["CVE-2024-3094"])
    run_module(cve_allowlist, dict(project="production", state="absent"))
    assert harbor.writes() == [("PUT", "/projects/production", {"cve_allowlist": {"items": [], "expires_at": None}})]


def test_absent_in_check_mode_sends_no_write(run_module, harbor, projects):
    HarborSystemAllowlist(harbor, items=["CVE-2024-3094"])
    assert run_module(cve_allowlist, dict(state="absent"), check_mode=True)["changed"] is True
    assert harbor.writes() == []


@pytest.mark.parametrize("args", [dict(state="absent"), dict(project="production", state="absent"),
                                  dict(project="staging", state="absent")])
def test_absent_on_an_empty_list_is_unchanged(run_module, harbor, projects, args):
    HarborSystemAllowlist(harbor)
    projects.add("production", 12)
    result = run_module(cve_allowlist, args)
    assert result["changed"] is False and harbor.writes() == []


def test_missing_project_fails_clearly(run_module, harbor, projects):
    result = run_module(cve_allowlist, dict(project="staging", cves=["CVE-2024-3094"]))
    assert result["failed"] is True and "project staging does not exist" in result["msg"]


@pytest.mark.parametrize("args, message", [
    (dict(cves=["CVE-2024-309"]), "cves: 'CVE-2024-309' is not a CVE id of the form CVE-YYYY-NNNN"),
    (dict(cves=["cve-2024-3094", "GHSA-xxxx"]), "'cve-2024-3094', 'GHSA-xxxx' are not a CVE id"),
    (dict(cves=["CVE-24-3094"]), "is not a CVE id"),
    (dict(cves=["CVE-2024-3094"], expires_at="next year"), "expires_at 'next year' is not a date"),
    (dict(cves=["CVE-2024-3094"], expires_at="2026-13-01"), "is not a date"),
    (dict(), "state is present but any of the following are missing: cves, expires_at"),
    (dict(project="Prod", cves=[]), "project name 'Prod' is not valid"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(cve_allowlist, args)
    assert result["failed"] is True and message in result["msg"]
    assert len(harbor.calls) == 0


# Harbor replaces a project's whole allowlist on every PUT (an omitted expires_at becomes null, omitted items
# empty): the module always sends both, the stored value of what the user did not set.

def test_project_expiry_only_sends_the_stored_cves(run_module, harbor, projects):
    projects.add("production", 12, items=["CVE-2024-3094", "CVE-2023-44487"])
    result = run_module(cve_allowlist, dict(project="production", expires_at="2026-12-31"))
    assert harbor.writes() == [("PUT", "/projects/production", {
        "cve_allowlist": {"items": [{"cve_id": "CVE-2023-44487"}, {"cve_id": "CVE-2024-3094"}],
                          "expires_at": END_2026}})]
    assert result["cve_allowlist"]["cves"] == ["CVE-2023-44487", "CVE-2024-3094"]


def test_project_cves_only_send_the_stored_expiry(run_module, harbor, projects):
    projects.add("production", 12, items=["CVE-2024-3094"], expires_at=END_2026)
    result = run_module(cve_allowlist, dict(project="production", cves=[]))
    assert harbor.writes() == [("PUT", "/projects/production", {
        "cve_allowlist": {"items": [], "expires_at": END_2026}})]
    assert result["cve_allowlist"]["expires_at"] == END_2026 and result["cve_allowlist"]["cves"] == []


def test_an_empty_list_matches_an_allowlist_without_items_or_expiry(run_module, harbor, projects):
    projects.add("production", 12)  # Harbor leaves out a null expires_at
    result = run_module(cve_allowlist, dict(project="production", cves=[], expires_at="never"))
    assert result["changed"] is False and harbor.writes() == []


def test_the_system_allowlist_reports_project_id_0(run_module, harbor, projects):
    allowlist = HarborSystemAllowlist(harbor, items=["CVE-2024-3094"])
    del allowlist.allowlist["project_id"]  # Harbor leaves out the zero project_id of the system list
    result = run_module(cve_allowlist, dict(cves=["CVE-2024-3094"]))
    assert result["changed"] is False and result["cve_allowlist"]["project_id"] == 0
