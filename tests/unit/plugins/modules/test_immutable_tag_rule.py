# -*- coding: utf-8 -*-
"""harbor_ops.harbor.immutable_tag_rule, Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import immutable_tag_rule

from .harbor_policies import HarborPolicies

PATH = "/projects/production/immutabletagrules"
RELEASES = {"disabled": False, "action": "immutable", "template": "immutable_template",
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v*"}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}}


@pytest.fixture
def policies(harbor):
    harbor.systeminfo()
    fake = HarborPolicies(harbor)
    fake.add("production")
    return fake


def test_create_release_tags_rule(run_module, harbor, policies):
    result = run_module(immutable_tag_rule, dict(project="production", tags="v*"))
    assert result["changed"] is True
    assert harbor.writes() == [("POST", PATH, RELEASES)]
    assert result["immutable_tag_rule"]["id"] in policies.immutable


def test_same_selectors_find_the_same_rule(run_module, harbor, policies):
    # Harbor adds priority and params; another rule with other selectors is not "the same"
    policies.add_item(policies.immutable, "production", dict(RELEASES, tag_selectors=[
        {"kind": "doublestar", "decoration": "matches", "pattern": "v*", "extras": ""}], priority=0, params={}))
    policies.add_item(policies.immutable, "production", dict(RELEASES, scope_selectors={"repository": [
        {"kind": "doublestar", "decoration": "repoMatches", "pattern": "app"}]}))
    result = run_module(immutable_tag_rule, dict(project="production", tags="v*", repositories="**"))
    assert result["changed"] is False and harbor.writes() == []


def test_disable_puts_the_rule_with_its_id(run_module, harbor, policies):
    rule_id = policies.add_item(policies.immutable, "production", dict(RELEASES, priority=0))
    result = run_module(immutable_tag_rule, dict(project="production", tags="v*", disabled=True), diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "%s/%d" % (PATH, rule_id), dict(RELEASES, id=rule_id, disabled=True, priority=0))]
    assert result["diff"] == {"before": {"disabled": False}, "after": {"disabled": True}}
    assert policies.immutable[rule_id]["disabled"] is True


def test_other_selectors_create_another_rule(run_module, harbor, policies):
    policies.add_item(policies.immutable, "production", RELEASES)
    run_module(immutable_tag_rule, dict(project="production", tags="v*", tag_decoration="excludes",
                                        repositories="tools/**", repository_decoration="excludes"))
    assert harbor.writes() == [("POST", PATH, dict(RELEASES, tag_selectors=[
        {"kind": "doublestar", "decoration": "excludes", "pattern": "v*"}], scope_selectors={"repository": [
            {"kind": "doublestar", "decoration": "repoExcludes", "pattern": "tools/**"}]}))]


def test_check_mode_sends_no_write(run_module, harbor, policies):
    created = run_module(immutable_tag_rule, dict(project="production", tags="v*"), check_mode=True)
    policies.add_item(policies.immutable, "production", RELEASES)
    disabled = run_module(immutable_tag_rule, dict(project="production", tags="v*", disabled=True), check_mode=True)
    deleted = run_module(immutable_tag_rule, dict(project="production", tags="v*", state="absent"), check_mode=True)
    assert created["changed"] and disabled["changed"] and deleted["changed"]
    assert disabled["immutable_tag_rule"]["disabled"] is True
    assert harbor.writes() == []


def test_delete_then_absent_is_unchanged(run_module, harbor, policies):
    rule_id = policies.add_item(policies.immutable, "production", RELEASES)
    deleted = run_module(immutable_tag_rule, dict(project="production", tags="v*", state="absent"), diff=True)
    again = run_module(immutable_tag_rule, dict(project="production", tags="v*", state="absent"))
    assert deleted["changed"] is True and deleted["diff"]["after"] == {}
    assert again["changed"] is False
    assert harbor.writes() == [("DELETE", "%s/%d" % (PATH, rule_id), None)]


def test_missing_project(run_module, harbor, policies):
    present = run_module(immutable_tag_rule, dict(project="nope", tags="v*"))
    absent = run_module(immutable_tag_rule, dict(project="nope", tags="v*", state="absent"))
    assert present["failed"] and "project nope does not exist" in present["msg"]
    assert absent["changed"] is False and harbor.writes() == []


@pytest.mark.parametrize("extra, message", [
    (dict(tags=""), "non-empty pattern"),
    (dict(tags="v[0-9"), "unbalanced"),
    (dict(repositories="{a,b"), "unbalanced"),
    (dict(tag_decoration="repoMatches"), "value of tag_decoration must be one of"),
    (dict(project="Production"), "is not valid"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, extra, message):
    result = run_module(immutable_tag_rule, dict(dict(project="production", tags="v*"), **extra))
    assert result["failed"] and message in result["msg"]
    assert len(harbor.calls) == 0
