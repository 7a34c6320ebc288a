# -*- coding: utf-8 -*-
"""harbor_ops.harbor.scan (the CI gate), with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _jobs
from ansible_collections.harbor_ops.harbor.plugins.module_utils._scan import GENERIC_REPORT, NATIVE_REPORT
from ansible_collections.harbor_ops.harbor.plugins.modules import scan

from ...conftest import API
from ..module_utils.test_jobs import FakeClock

DIGEST = "sha256:" + "12" * 32
ARTIFACT = API + "/projects/production/repositories/my-app/artifacts/v1.2.3"
GATE = dict(project="production", repository="my-app", tag="v1.2.3")
CRITICAL = [
    {"id": "CVE-2024-0001", "package": "openssl", "version": "3.0.1", "fix_version": "3.0.13", "severity": "Critical"},
    {"id": "CVE-2024-0002", "package": "curl", "version": "8.0.0", "fix_version": "", "severity": "High"},
    {"id": "CVE-2024-0003", "package": "zlib", "version": "1.2.11", "fix_version": "1.2.12", "severity": "Low"},
]
HIGH = CRITICAL[1:]


def artifact(status=None, report_id="r-new", vulns=(), mime=GENERIC_REPORT):
    body = {"id": 1, "digest": DIGEST, "tags": [{"name": "v1.2.3"}]}
    if status:
        counts = {}
        for item in vulns:
            counts[item["severity"]] = counts.get(item["severity"], 0) + 1
        body["scan_overview"] = {mime: {
            "report_id": report_id, "scan_status": status, "start_time": "2026-01-01T00:00:00Z",
            "scanner": {"name": "Trivy", "vendor": "Aqua Security", "version": "v0.56.2"},
            "summary": {"total": len(vulns), "fixable": 0, "summary": counts}}}
        if status == "Success":
            body["scan_overview"][mime]["severity"] = "Critical" if counts.get("Critical") else "None"
    return body


def report(vulns, mime=GENERIC_REPORT):
    return {mime: {"generated_at": "2026-01-01T00:00:10Z", "severity": "Critical" if vulns else "None",
                   "scanner": {"name": "Trivy"}, "vulnerabilities": list(vulns)}}


def answers(harbor, *bodies, url=ARTIFACT):
    for body in bodies:
        harbor.get(url, json=body)


@pytest.fixture
def gate(harbor, monkeypatch):
    """Harbor 2.15 with production/my-app:v1.2.3; sleeping is faked."""
    harbor.systeminfo()
    harbor.post(ARTIFACT + "/scan", status=202)
    monkeypatch.setattr(_jobs, "time", FakeClock())
    return harbor


def scanned(harbor, vulns, mime=GENERIC_REPORT):
    """Never scanned before; the scan runs, then succeeds with ``vulns``."""
    answers(harbor, artifact(), artifact("Running"), artifact("Success", vulns=vulns))
    harbor.get(ARTIFACT + "/additions/vulnerabilities", json=report(vulns, mime))


def test_clean_image_passes_the_gate(run_module, gate):
    scanned(gate, [])
    result = run_module(scan, dict(GATE, fail_on_severity="critical"))
    assert "failed" not in result
    assert result["changed"] is True
    assert gate.writes() == [("POST", "/projects/production/repositories/my-app/artifacts/v1.2.3/scan", None)]
    assert result["scan"]["status"] == "Success" and result["scan"]["counts"]["total"] == 0
    assert result["vulnerabilities"] == [] and result["artifact"] == {"digest": DIGEST, "tags": ["v1.2.3"]}


def test_critical_image_fails_the_gate_with_counts_and_worst_cves(run_module, gate):
    scanned(gate, CRITICAL)
    result = run_module(scan, dict(GATE, fail_on_severity="critical"))
    assert result["failed"] is True
    assert result["msg"] == ("production/my-app:v1.2.3 has vulnerabilities at or above critical: 1 critical. "
                             "Worst: CVE-2024-0001 (critical, openssl 3.0.1, fixed in 3.0.13)")
    assert result["scan"]["counts"]["critical"] == 1 and result["scan"]["counts"]["high"] == 1


def test_gate_counts_findings_at_or_above_the_threshold(run_module, gate):
    scanned(gate, CRITICAL)
    result = run_module(scan, dict(GATE, fail_on_severity="high"))
    assert "1 critical, 1 high" in result["msg"]
    assert "CVE-2024-0003" not in result["msg"]


def test_high_findings_pass_a_critical_gate(run_module, gate):
    scanned(gate, HIGH)
    result = run_module(scan, dict(GATE, fail_on_severity="critical"))
    assert "failed" not in result and result["scan"]["counts"]["high"] == 1


def test_without_a_gate_the_findings_are_returned(run_module, gate):
    scanned(gate, CRITICAL)
    result = run_module(scan, GATE)
    assert "failed" not in result
    assert [v["id"] for v in result["vulnerabilities"]] == ["CVE-2024-0001", "CVE-2024-0002", "CVE-2024-0003"]
    assert result["scan"]["counts"] == {"none": 0, "unknown": 0, "negligible": 0, "low": 1, "medium": 0, "high": 1,
                                        "critical": 1, "total": 3, "fixable": 2}
    assert result["scan"]["mime_type"] == GENERIC_REPORT


def test_reports_are_asked_for_with_x_accept_vulnerabilities(run_module, gate):
    scanned(gate, HIGH, mime=NATIVE_REPORT)
    result = run_module(scan, GATE)
    for call in gate.calls[1:]:
        if call.request.method == "GET":
            assert call.request.headers["X-Accept-Vulnerabilities"] == "%s, %s" % (GENERIC_REPORT, NATIVE_REPORT)
            assert call.request.headers["Accept"] == "application/json"
    assert "with_scan_overview=true" in gate.calls[1].request.url
    assert result["scan"]["mime_type"] == NATIVE_REPORT and len(result["vulnerabilities"]) == 2


def test_waits_for_the_new_report_not_the_old_one(run_module, gate):
    old = artifact("Success", report_id="r-old", vulns=HIGH)
    answers(gate, old, old, artifact("Running"), artifact("Success", vulns=CRITICAL))
    gate.get(ARTIFACT + "/additions/vulnerabilities", json=report(CRITICAL))
    result = run_module(scan, dict(GATE, fail_on_severity="critical"))
    assert result["failed"] is True and "1 critical" in result["msg"]
    assert len([c for c in gate.calls if c.request.url.startswith(ARTIFACT + "?")]) == 4


def test_rescan_false_uses_the_existing_report(run_module, gate):
    answers(gate, artifact("Success", report_id="r-push", vulns=HIGH))
    gate.get(ARTIFACT + "/additions/vulnerabilities", json=report(HIGH))
    result = run_module(scan, dict(GATE, rescan=False, fail_on_severity="high"))
    assert result["failed"] is True and "1 high" in result["msg"]
    assert result["changed"] is False and gate.writes() == []


def test_rescan_false_without_a_report_scans(run_module, gate):
    scanned(gate, [])
    result = run_module(scan, dict(GATE, rescan=False))
    assert result["changed"] is True and len(gate.writes()) == 1


def test_check_mode_starts_no_scan(run_module, gate):
    answers(gate, artifact("Success", report_id="r-old", vulns=CRITICAL))
    result = run_module(scan, dict(GATE, fail_on_severity="critical"), check_mode=True, diff=True)
    assert result["changed"] is True and gate.writes() == []
    assert "failed" not in result
    assert result["diff"] == {"before": {"scan": "r-old"}, "after": {"scan": "started"}}


def test_check_mode_with_rescan_false_applies_the_gate_to_the_existing_report(run_module, gate):
    answers(gate, artifact("Success", report_id="r-old", vulns=CRITICAL))
    gate.get(ARTIFACT + "/additions/vulnerabilities", json=report(CRITICAL))
    result = run_module(scan, dict(GATE, rescan=False, fail_on_severity="critical"), check_mode=True)
    assert result["failed"] is True and gate.writes() == []


def test_diff(run_module, gate):
    scanned(gate, [])
    result = run_module(scan, GATE, diff=True)
    assert result["diff"] == {"before": {"scan": None}, "after": {"scan": "started"}}


def test_a_scan_already_running_is_awaited(run_module, harbor, monkeypatch):
    harbor.systeminfo()
    monkeypatch.setattr(_jobs, "time", FakeClock())
    harbor.post(ARTIFACT + "/scan", status=409,
                json={"errors": [{"code": "CONFLICT", "message": "a previous scan process is Running"}]})
    answers(harbor, artifact("Running", report_id="r-1"), artifact("Success", report_id="r-1"))
    harbor.get(ARTIFACT + "/additions/vulnerabilities", json=report([]))
    result = run_module(scan, GATE)
    assert result["changed"] is False and result["scan"]["status"] == "Success"


def test_no_scanner_is_a_clear_error(run_module, harbor):
    harbor.systeminfo()
    answers(harbor, artifact())
    harbor.post(ARTIFACT + "/scan", status=412,
                json={"errors": [{"code": "PRECONDITION", "message": "no available scanner for project: 3"}]})
    result = run_module(scan, GATE)
    assert result["failed"] is True
    assert "no scanner is configured for project production" in result["msg"]
    assert "no available scanner for project: 3" in result["msg"]


def test_missing_artifact_is_a_clear_error(run_module, harbor):
    harbor.systeminfo()
    harbor.get(ARTIFACT, status=404, json={"errors": [{"code": "NOT_FOUND", "message": "artifact not found"}]})
    result = run_module(scan, GATE)
    assert result["failed"] is True
    assert result["msg"].startswith("artifact production/my-app:v1.2.3 does not exist in Harbor at https://harbor.test")
    assert harbor.writes() == []


def test_a_scan_that_ends_with_an_error_fails(run_module, gate):
    answers(gate, artifact(), artifact("Error"))
    result = run_module(scan, GATE)
    assert result["failed"] is True and "ended with status Error" in result["msg"]


def test_wait_timeout(run_module, gate):
    answers(gate, artifact(), artifact("Running"))
    result = run_module(scan, dict(GATE, wait_timeout=20))
    assert result["failed"] is True
    assert result["msg"] == "the scan of production/my-app:v1.2.3 is still Running after 20 seconds (wait_timeout)"


def test_without_wait_the_status_after_the_start(run_module, gate):
    answers(gate, artifact(), artifact("Pending"))
    result = run_module(scan, dict(GATE, wait=False))
    assert result["changed"] is True and result["scan"]["status"] == "Pending"
    assert "vulnerabilities" not in result


def test_digest_and_nested_repository(run_module, harbor, monkeypatch):
    harbor.systeminfo()
    monkeypatch.setattr(_jobs, "time", FakeClock())
    url = API + "/projects/production/repositories/team%252Fmy-app/artifacts/sha256%3A" + "12" * 32
    harbor.post(url + "/scan", status=202)
    answers(harbor, artifact(), artifact("Success"), url=url)
    harbor.get(url + "/additions/vulnerabilities", json=report([]))
    result = run_module(scan, dict(project="production", repository="team/my-app", digest=DIGEST))
    assert "failed" not in result
    assert harbor.writes()[0][1] == "/projects/production/repositories/team%252Fmy-app/artifacts/sha256%3A" + "12" * 32 \
        + "/scan"


@pytest.mark.parametrize("args, message", [
    (dict(GATE, fail_on_severity="urgent"), "value of fail_on_severity must be one of: critical, high, medium, low"),
    (dict(GATE, fail_on_severity="Critical"), "value of fail_on_severity must be one of"),
    (dict(GATE, digest=DIGEST), "parameters are mutually exclusive: tag|digest"),
    (dict(project="production", repository="my-app"), "one of the following is required: tag, digest"),
    (dict(GATE, repository="production/My-App"), "repository 'production/My-App' is not valid"),
    (dict(GATE, project="Production"), "project name 'Production' is not valid"),
    (dict(GATE, tag="v1.2.3:latest"), "tag 'v1.2.3:latest' is not valid"),
    (dict(GATE, fail_on_severity="high", wait=False), "fail_on_severity needs wait=true"),
    (dict(GATE, wait_timeout=-5), "wait_timeout must be 0 or more"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(scan, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(harbor.calls) == 0
