# -*- coding: utf-8 -*-
"""harbor_ops.harbor.retention_policy_info, Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import retention_policy_info

from .harbor_policies import HarborPolicies
from .test_retention_policy import SEED_API_RULES


@pytest.fixture
def policies(harbor):
    harbor.systeminfo()
    fake = HarborPolicies(harbor)
    fake.add("production")
    return fake


def test_policy_in_readable_form_with_executions(run_module, harbor, policies):
    policy_id = policies.add_retention("production", SEED_API_RULES, cron="0 0 3 * * *")
    policies.add_execution(policy_id, ["Success"], [])
    policies.add_execution(policy_id, ["Running"], [])
    result = run_module(retention_policy_info, dict(project="production", executions=5))
    assert result["changed"] is False and harbor.writes() == []
    assert result["raw"] == {
        "id": policy_id, "project": "production", "project_id": policies.projects["production"]["project_id"],
        "schedule": "0 0 3 * * *",
        "rules": [
            {"template": "latestPushedK", "count": 10, "params": {"latestPushedK": 10}, "tags": "v*",
             "tag_decoration": "matches", "untagged": True, "repositories": "**", "repository_decoration": "matches",
             "disabled": False},
            {"template": "nDaysSinceLastPush", "days": 7, "params": {"nDaysSinceLastPush": 7}, "tags": "main-*",
             "tag_decoration": "matches", "untagged": True, "repositories": "**", "repository_decoration": "matches",
             "disabled": False},
        ],
    }
    assert [(e["id"], e["status"]) for e in result["executions"]] == [(2, "Running"), (1, "Success")]
    listed = [c for c in harbor.calls if "/executions" in c.request.path_url][0].request
    assert "page_size=5" in listed.path_url


def test_wrong_parameter_key_is_shown_raw(run_module, harbor, policies):
    rule = dict(SEED_API_RULES[1], params={"days": 7})
    policies.add_retention("production", [rule])
    result = run_module(retention_policy_info, dict(project="production", executions=0))
    assert result["raw"]["rules"][0]["params"] == {"days": 7}
    assert "days" not in result["raw"]["rules"][0]
    assert not [c for c in harbor.calls if "/executions" in c.request.path_url]


def test_project_without_policy(run_module, harbor, policies):
    result = run_module(retention_policy_info, dict(project="production"))
    assert result["raw"] == {} and result["executions"] == []


def test_stale_link_means_no_policy(run_module, harbor, policies):
    policies.projects["production"]["metadata"]["retention_id"] = "41"
    result = run_module(retention_policy_info, dict(project="production"))
    assert result["raw"] == {}


def test_missing_project_fails(run_module, harbor, policies):
    result = run_module(retention_policy_info, dict(project="nope"))
    assert result["failed"] and "project nope does not exist" in result["msg"]


@pytest.mark.parametrize("extra, message", [(dict(project="Prod"), "is not valid"),
                                            (dict(executions=101), "between 0 and 100")])
def test_bad_input_fails_before_any_request(run_module, harbor, extra, message):
    result = run_module(retention_policy_info, dict(dict(project="production"), **extra))
    assert result["failed"] and message in result["msg"]
    assert len(harbor.calls) == 0
