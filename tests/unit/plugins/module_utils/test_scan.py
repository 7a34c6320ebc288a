# -*- coding: utf-8 -*-
"""Artifact scan helpers shared by scan and vulnerability_info (plugins/module_utils/_scan.py)."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _scan

DIGEST = "sha256:" + "ab" * 32


def params(**kwargs):
    base = dict(project="production", repository="my-app", tag=None, digest=None)
    base.update(kwargs)
    return base


def test_accept_header_names_the_report_types_in_order():
    assert _scan.accept_header() == {"X-Accept-Vulnerabilities": "%s, %s" % (_scan.GENERIC_REPORT, _scan.NATIVE_REPORT)}
    assert _scan.accept_header(["native"]) == {"X-Accept-Vulnerabilities": _scan.NATIVE_REPORT}


def test_artifact_path_encodes_the_repository_twice():
    assert _scan.artifact_path(params(repository="team/my-app", tag="v1.2.3")) == (
        "/projects/production/repositories/team%252Fmy-app/artifacts/v1.2.3")
    assert _scan.artifact_path(params(digest=DIGEST)).endswith("/artifacts/sha256%3A" + "ab" * 32)
    assert _scan.artifact_name(params(tag="v1")) == "production/my-app:v1"
    assert _scan.artifact_name(params(digest=DIGEST)) == "production/my-app@" + DIGEST


@pytest.mark.parametrize("kwargs", [
    dict(tag="v1.2.3"), dict(repository="team/my-app", tag="latest"), dict(digest=DIGEST), dict(tag="1.0_rc-1"),
])
def test_valid_artifacts(kwargs):
    assert _scan.check_artifact(params(**kwargs)) is None


@pytest.mark.parametrize("kwargs, message", [
    (dict(project="Production", tag="v1"), "project name 'Production' is not valid"),
    (dict(repository="My-App", tag="v1"), "repository 'My-App' is not valid"),
    (dict(repository="/my-app", tag="v1"), "is not valid"),
    (dict(repository="", tag="v1"), "is not valid"),
    (dict(tag="-v1"), "tag '-v1' is not valid"),
    (dict(tag="a" * 129), "is not valid"),
    (dict(digest="sha256:xyz"), "digest 'sha256:xyz' is not valid"),
])
def test_invalid_artifacts(kwargs, message):
    assert message in _scan.check_artifact(params(**kwargs))


def test_keyed_takes_the_preferred_mime_type_and_empty_means_nothing():
    report = {"severity": "High"}
    assert _scan.keyed({}) == (None, None)
    assert _scan.keyed(None) == (None, None)
    assert _scan.keyed({_scan.NATIVE_REPORT: report}) == (_scan.NATIVE_REPORT, report)
    both = {_scan.NATIVE_REPORT: {"n": 1}, _scan.GENERIC_REPORT: {"g": 1}}
    assert _scan.keyed(both) == (_scan.GENERIC_REPORT, {"g": 1})
    assert _scan.keyed(both, preferred=[_scan.NATIVE_REPORT]) == (_scan.NATIVE_REPORT, {"n": 1})
    assert _scan.keyed({"application/x-other": report}) == ("application/x-other", report)


def test_overview_of_an_artifact():
    item = {"scan_status": "Success"}
    assert _scan.overview({"scan_overview": {_scan.GENERIC_REPORT: item}}) == (_scan.GENERIC_REPORT, item)
    assert _scan.overview({"digest": DIGEST}) == (None, None)


def test_counts_from_a_report_and_from_an_overview():
    vulns = [{"severity": "Critical", "fix_version": "1.1"}, {"severity": "High"}, {"severity": "high"},
             {"severity": "Strange"}, {}]
    counts = _scan.count(vulns)
    assert counts == {"none": 0, "unknown": 2, "negligible": 0, "low": 0, "medium": 0, "high": 2, "critical": 1,
                      "total": 5, "fixable": 1}
    summary = {"total": 3, "fixable": 2, "summary": {"Critical": 1, "Low": 2}}
    assert _scan.count_summary(summary) == dict(counts, unknown=0, high=0, low=2, total=3, fixable=2)
    assert _scan.count_summary(None)["total"] == 0


def test_at_or_above():
    counts = _scan.count([{"severity": "Critical"}, {"severity": "Medium"}, {"severity": "Low"}])
    assert _scan.at_or_above(counts, "high") == {"critical": 1}
    assert _scan.at_or_above(counts, "medium") == {"critical": 1, "medium": 1}
    assert _scan.at_or_above(_scan.count([{"severity": "Low"}]), "critical") == {}


def test_worst_lists_the_most_severe_first():
    vulns = [{"id": "CVE-3", "severity": "Medium", "package": "zlib", "version": "1.2"},
             {"id": "CVE-2", "severity": "Critical", "package": "openssl", "version": "3.0.1", "fix_version": "3.0.13"},
             {"id": "CVE-1", "severity": "High", "package": "curl", "version": "8.0"}]
    assert _scan.worst(vulns, "high") == ["CVE-2 (critical, openssl 3.0.1, fixed in 3.0.13)", "CVE-1 (high, curl 8.0)"]
    assert len(_scan.worst([dict(vulns[1], id="CVE-%d" % n) for n in range(30)], "low")) == _scan.WORST_LISTED


def test_gate_message():
    vulns = [{"id": "CVE-9", "severity": "Critical", "package": "openssl", "version": "3"},
             {"id": "CVE-8", "severity": "High", "package": "curl", "version": "8"}]
    message = _scan.gate_message("production/my-app:v1.2.3", _scan.count(vulns), "high", vulns)
    assert message == ("production/my-app:v1.2.3 has vulnerabilities at or above high: 1 critical, 1 high. "
                       "Worst: CVE-9 (critical, openssl 3); CVE-8 (high, curl 8)")
    assert _scan.gate_message("x", _scan.count(vulns[1:]), "critical", vulns[1:]) is None
