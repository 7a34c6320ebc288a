# -*- coding: utf-8 -*-
"""harbor_ops.harbor.retention_policy, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import retention_policy

from ...conftest import SYSTEMINFO_210
from .harbor_policies import HarborPolicies

ALL = {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}
SEED_RULES = [dict(template="latestPushedK", count=10, tags="v*", repositories="**"),
              dict(template="nDaysSinceLastPush", days=7, tags="main-*")]
SEED_API_RULES = [
    {"disabled": False, "action": "retain", "template": "latestPushedK", "params": {"latestPushedK": 10},
     "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v*", "extras": '{"untagged":true}'}],
     "scope_selectors": ALL},
    {"disabled": False, "action": "retain", "template": "nDaysSinceLastPush", "params": {"nDaysSinceLastPush": 7},
     "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "main-*",
                        "extras": '{"untagged":true}'}],
     "scope_selectors": ALL},
]


@pytest.fixture
def harbor15(harbor):
    harbor.systeminfo()
    policies = HarborPolicies(harbor)
    policies.add("library")
    policies.add("production")
    return policies


@pytest.fixture
def harbor10(harbor):
    harbor.systeminfo(SYSTEMINFO_210)
    policies = HarborPolicies(harbor, version=(2, 10))
    policies.add("production")
    return policies


def args(**extra):
    return dict(dict(project="production", rules=SEED_RULES, schedule="0 0 3 * * *"), **extra)


def test_create_sends_the_seed_policy_done_right(run_module, harbor, harbor15):
    result = run_module(retention_policy, args())
    production = harbor15.projects["production"]
    assert result["changed"] is True
    assert harbor.writes() == [("POST", "/retentions", {
        "algorithm": "or", "rules": SEED_API_RULES,
        "trigger": {"kind": "Schedule", "settings": {"cron": "0 0 3 * * *"}},
        # the project's own id, not the seed's hard-coded 1 (library)
        "scope": {"level": "project", "ref": production["project_id"]},
    })]
    assert production["project_id"] != harbor15.projects["library"]["project_id"]
    assert result["retention_policy"]["id"] == int(production["metadata"]["retention_id"])
    assert result["retention_policy"]["rules"] == SEED_API_RULES


def test_new_policy_without_schedule_is_manual_only(run_module, harbor, harbor15):
    run_module(retention_policy, dict(project="production", rules=[dict(template="always")]))
    body = harbor.writes()[0][2]
    assert body["trigger"] == {"kind": "Schedule", "settings": {"cron": ""}}
    assert body["rules"][0]["params"] == {}


def test_second_run_is_a_no_op_without_writes(run_module, harbor, harbor15):
    # Harbor returns ids and priorities and its own extras spelling; none of it is a difference
    rules = [dict(r, tag_selectors=[dict(r["tag_selectors"][0], extras='{"untagged": true}')]) for r in SEED_API_RULES]
    harbor15.add_retention("production", rules, cron="0 0 3 * * *")
    result = run_module(retention_policy, args())
    assert result["changed"] is False
    assert harbor.writes() == []


def test_schedule_change_puts_the_whole_policy(run_module, harbor, harbor15):
    policy_id = harbor15.add_retention("production", SEED_API_RULES, cron="")
    result = run_module(retention_policy, dict(project="production", schedule="0 0 3 * * *"), diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/retentions/%d" % policy_id, {
        "id": policy_id, "algorithm": "or", "rules": SEED_API_RULES,
        "trigger": {"kind": "Schedule", "settings": {"cron": "0 0 3 * * *"}},
        "scope": {"level": "project", "ref": harbor15.projects["production"]["project_id"]},
    })]
    assert result["diff"] == {"before": {"trigger": {"settings": {"cron": ""}}},
                              "after": {"trigger": {"settings": {"cron": "0 0 3 * * *"}}}}


def test_rules_change_keeps_the_schedule(run_module, harbor, harbor15):
    policy_id = harbor15.add_retention("production", SEED_API_RULES[:1], cron="0 0 1 * * *")
    run_module(retention_policy, dict(project="production", rules=SEED_RULES))
    method, path, body = harbor.writes()[0]
    assert (method, path) == ("PUT", "/retentions/%d" % policy_id)
    assert body["rules"] == SEED_API_RULES and body["trigger"]["settings"]["cron"] == "0 0 1 * * *"


def test_rule_order_is_compared(run_module, harbor, harbor15):
    harbor15.add_retention("production", SEED_API_RULES, cron="0 0 3 * * *")
    result = run_module(retention_policy, args(rules=list(reversed(SEED_RULES))))
    assert result["changed"] is True
    assert [r["template"] for r in harbor.writes()[0][2]["rules"]] == ["nDaysSinceLastPush", "latestPushedK"]


def test_raw_params_and_every_option_of_a_rule(run_module, harbor, harbor15):
    rules = [dict(template="nDaysSinceLastPull", params={"nDaysSinceLastPull": "30"}, tags="rc-*",
                  tag_decoration="excludes", untagged=False, repositories="tools/**", repository_decoration="excludes",
                  disabled=True)]
    run_module(retention_policy, dict(project="production", rules=rules))
    assert harbor.writes()[0][2]["rules"] == [{
        "disabled": True, "action": "retain", "template": "nDaysSinceLastPull", "params": {"nDaysSinceLastPull": 30},
        "tag_selectors": [{"kind": "doublestar", "decoration": "excludes", "pattern": "rc-*",
                           "extras": '{"untagged":false}'}],
        "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoExcludes", "pattern": "tools/**"}]},
    }]


def test_check_mode_create_and_update_send_no_write(run_module, harbor, harbor15):
    created = run_module(retention_policy, args(), check_mode=True)
    assert created["changed"] is True and harbor.writes() == []
    assert created["retention_policy"]["rules"] == SEED_API_RULES
    harbor15.add_retention("production", SEED_API_RULES, cron="")
    updated = run_module(retention_policy, args(), check_mode=True)
    assert updated["changed"] is True and harbor.writes() == []
    assert updated["retention_policy"]["trigger"]["settings"]["cron"] == "0 0 3 * * *"


def test_delete_on_2_15(run_module, harbor, harbor15):
    policy_id = harbor15.add_retention("production", SEED_API_RULES)
    result = run_module(retention_policy, dict(project="production", state="absent"), diff=True)
    assert result["changed"] is True and result["retention_policy"] == {}
    assert harbor.writes() == [("DELETE", "/retentions/%d" % policy_id, None)]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["id"] == policy_id
    assert "retention_id" not in harbor15.projects["production"]["metadata"]


def test_delete_on_2_10_also_removes_the_stale_link(run_module, harbor, harbor10):
    policy_id = harbor10.add_retention("production", SEED_API_RULES)
    run_module(retention_policy, dict(project="production", state="absent"))
    assert harbor.writes() == [("DELETE", "/retentions/%d" % policy_id, None),
                               ("DELETE", "/projects/production/metadatas/retention_id", None)]
    assert "retention_id" not in harbor10.projects["production"]["metadata"]


def test_create_over_a_stale_link_removes_it_first(run_module, harbor, harbor10):
    # errata E10: a policy deleted on 2.10-2.13 leaves retention_id behind; GET answers 500, POST 400
    harbor10.projects["production"]["metadata"]["retention_id"] = "41"
    result = run_module(retention_policy, args())
    assert result["changed"] is True
    assert [(m, p) for m, p, _b in harbor.writes()] == [
        ("DELETE", "/projects/production/metadatas/retention_id"), ("POST", "/retentions")]
    assert harbor10.projects["production"]["metadata"]["retention_id"] != "41"


@pytest.mark.parametrize("version", ["2.10", "2.15"])
def test_a_passing_500_on_the_policy_is_read_again_not_taken_for_a_stale_link(run_module, harbor, version, request):
    harbor_policies = request.getfixturevalue("harbor10" if version == "2.10" else "harbor15")
    harbor_policies.add_retention("production", SEED_API_RULES, "0 0 3 * * *")
    harbor_policies.get_failures = 1
    result = run_module(retention_policy, args())
    assert result["changed"] is False and harbor.writes() == []
    assert len(harbor_policies.retentions) == 1


def test_a_500_that_persists_fails_and_never_creates_a_second_policy(run_module, harbor, harbor10):
    harbor10.add_retention("production", SEED_API_RULES, "0 0 3 * * *")
    harbor10.get_failures = 100
    result = run_module(retention_policy, args())
    assert result["failed"] is True and "HTTP 500" in result["msg"]
    assert harbor.writes() == [] and len(harbor10.retentions) == 1


def test_absent_with_a_stale_link_is_unchanged(run_module, harbor, harbor10):
    harbor10.projects["production"]["metadata"]["retention_id"] = "41"
    result = run_module(retention_policy, dict(project="production", state="absent"))
    assert result["changed"] is False and harbor.writes() == []


def test_delete_in_check_mode_sends_no_write(run_module, harbor, harbor15):
    harbor15.add_retention("production", SEED_API_RULES)
    result = run_module(retention_policy, dict(project="production", state="absent"), check_mode=True)
    assert result["changed"] is True and harbor.writes() == []


@pytest.mark.parametrize("project", ["production", "never-existed"])
def test_absent_and_already_missing_is_unchanged(run_module, harbor, harbor15, project):
    result = run_module(retention_policy, dict(project=project, state="absent"))
    assert result["changed"] is False and harbor.writes() == []


def test_missing_project_fails_clearly(run_module, harbor, harbor15):
    result = run_module(retention_policy, args(project="nope"))
    assert result["failed"] and "project nope does not exist" in result["msg"]
    assert harbor.writes() == []


SIXTEEN = [dict(template="latestPushedK", count=n + 1) for n in range(16)]


@pytest.mark.parametrize("extra, message", [
    (dict(schedule="0 3 * * *"), "must have 6 fields"),
    (dict(schedule="30 0 3 * * *"), "seconds) field to be 0"),
    (dict(rules=[dict(template="keepLatest", count=3)]), "value of template must be one of"),
    (dict(rules=[dict(template="nDaysSinceLastPush", params={"days": 7})]), "keyed by the template id"),
    (dict(rules=[dict(template="latestPushedK", params={"latestPushedK": 0})]), "positive whole number"),
    (dict(rules=[dict(template="latestPushedK", params={"latestPushedK": 3}, count=3)]), "not both"),
    (dict(rules=[dict(template="latestPushedK", days=3)]), "takes count, not days"),
    (dict(rules=[dict(template="latestPushedK")]), "needs count"),
    (dict(rules=[dict(template="nDaysSinceLastPull", days=-1)]), "must be greater than 0"),
    (dict(rules=[dict(template="always", count=1)]), "takes no count"),
    (dict(rules=[dict(template="always", params={"always": 1})]), "takes no parameter"),
    (dict(rules=SIXTEEN), "at most 15 retention rules"),
    (dict(rules=[dict(template="always"), dict(template="always")]), "rules[1] duplicates rules[0]"),
    (dict(rules=[dict(template="always", tags="{v1,v2")]), "unbalanced"),
    (dict(rules=[dict(template="always", repositories="")]), "non-empty pattern"),
    (dict(project="Production"), "is not valid"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, extra, message):
    result = run_module(retention_policy, args(**extra))
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(harbor.calls) == 0
