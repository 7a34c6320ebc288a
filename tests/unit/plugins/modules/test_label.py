# -*- coding: utf-8 -*-
"""harbor_ops.harbor.label, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import label

from .harbor_accounts import HarborLabels, HarborProjectsLite


@pytest.fixture
def labels(harbor):
    harbor.systeminfo()
    HarborProjectsLite(harbor).add("production", 12)
    return HarborLabels(harbor)


def test_create_system_label(run_module, harbor, labels):
    result = run_module(label, dict(name="release", description="Released", color="#1D5100"))
    assert result["changed"] is True
    assert harbor.writes() == [("POST", "/labels", {"name": "release", "description": "Released", "color": "#1D5100",
                                                    "scope": "g"})]
    assert result["label"]["id"] == 1 and result["label"]["scope"] == "g"


def test_create_project_label(run_module, harbor, labels):
    labels.add("cve-exception")  # a system label of the same name is another label
    result = run_module(label, dict(name="cve-exception", project="production", color="#C92100"))
    assert harbor.writes() == [("POST", "/labels", {"name": "cve-exception", "color": "#C92100", "scope": "p",
                                                    "project_id": 12})]
    assert result["label"]["project_id"] == 12


def test_list_is_scoped(run_module, harbor, labels):
    run_module(label, dict(name="x", project="production"))
    listed = [c.request.url for c in harbor.calls if c.request.path_url.startswith("/api/v2.0/labels?")]
    assert "scope=p" in listed[0] and "project_id=12" in listed[0]


def test_exact_name_among_fuzzy_results_and_color_case(run_module, harbor, labels):
    labels.add("release-candidate", color="#000000")
    labels.add("release", description="Released", color="#1d5100")
    result = run_module(label, dict(name="release", description="Released", color="#1D5100"))
    assert result["changed"] is False and harbor.writes() == []


def test_update_sends_the_three_fields(run_module, harbor, labels):
    existing = labels.add("release", description="Released", color="#1D5100")
    result = run_module(label, dict(name="release", color="#C92100"), diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/labels/%d" % existing["id"],
                                {"name": "release", "description": "Released", "color": "#C92100"})]
    assert result["diff"] == {"before": {"color": "#1D5100"}, "after": {"color": "#C92100"}}


def test_check_mode_sends_no_write(run_module, harbor, labels):
    labels.add("release", color="#1D5100")
    assert run_module(label, dict(name="release", color="#C92100"), check_mode=True)["changed"] is True
    assert run_module(label, dict(name="new"), check_mode=True)["changed"] is True
    assert harbor.writes() == []


def test_delete(run_module, harbor, labels):
    existing = labels.add("release")
    result = run_module(label, dict(name="release", state="absent"))
    assert result["changed"] is True
    assert harbor.writes() == [("DELETE", "/labels/%d" % existing["id"], None)]


def test_delete_in_check_mode_sends_no_write(run_module, harbor, labels):
    labels.add("release")
    assert run_module(label, dict(name="release", state="absent"), check_mode=True)["changed"] is True
    assert harbor.writes() == []


@pytest.mark.parametrize("args", [dict(name="release", state="absent"),
                                  dict(name="release", project="staging", state="absent")])
def test_absent_and_already_missing_is_unchanged(run_module, harbor, labels, args):
    labels.add("release-candidate")
    result = run_module(label, args)
    assert result["changed"] is False and harbor.writes() == []


def test_missing_project_fails_clearly(run_module, harbor, labels):
    result = run_module(label, dict(name="x", project="staging"))
    assert result["failed"] is True and "project staging does not exist" in result["msg"]


@pytest.mark.parametrize("args, message", [
    (dict(name="release", color="red"), "color 'red' is not a colour of the form #RRGGBB"),
    (dict(name="release", color="#12345"), "is not a colour"),
    (dict(name="release", color="#GGGGGG"), "is not a colour"),
    (dict(name="release", color="1D5100"), "is not a colour"),
    (dict(name=""), "name must have 1 to 128 characters"),
    (dict(name="x", project="Prod"), "project name 'Prod' is not valid"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(label, args)
    assert result["failed"] is True and message in result["msg"]
    assert len(harbor.calls) == 0
