# -*- coding: utf-8 -*-
"""Retention and immutability rules: selectors, templates, the policy lookup (module_utils/_tag_rules.py)."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._tag_rules import (
    check_pattern,
    get_retention_policy,
    normalize_retention_rule,
    readable_retention_rule,
    retention_rules,
    schedule_of,
)


def readable(**options):
    rule = dict(template="always", count=None, days=None, params=None, tags="**", tag_decoration="matches",
                untagged=True, repositories="**", repository_decoration="matches", disabled=False)
    rule.update(options)
    return rule


@pytest.mark.parametrize("template, option, value", [
    ("latestPushedK", "count", 5), ("latestPulledN", "count", 2), ("latestActiveK", "count", 1),
    ("nDaysSinceLastPush", "days", 7), ("nDaysSinceLastPull", "days", 30), ("lastXDays", "days", 3),
])
def test_every_template_keys_its_parameter_by_its_id(template, option, value):
    rules, problem = retention_rules([readable(template=template, **{option: value})])
    assert problem is None
    assert rules[0]["params"] == {template: value}


def test_readable_and_api_forms_round_trip():
    rules, _problem = retention_rules([readable(template="latestPushedK", count=10, tags="v*", untagged=False,
                                                tag_decoration="excludes", repository_decoration="excludes",
                                                repositories="a/**", disabled=True)])
    back = readable_retention_rule(rules[0])
    assert back == dict(template="latestPushedK", count=10, params={"latestPushedK": 10}, tags="v*",
                        tag_decoration="excludes", untagged=False, repositories="a/**",
                        repository_decoration="excludes", disabled=True)


def test_normalized_rule_ignores_what_harbor_adds():
    rules, _problem = retention_rules([readable(template="nDaysSinceLastPush", days=7)])
    stored = dict(rules[0], id=3, priority=1, params={"nDaysSinceLastPush": 7.0})
    stored["tag_selectors"] = [dict(stored["tag_selectors"][0], extras='{ "untagged" : true }')]
    assert normalize_retention_rule(stored) == rules[0]


def test_untagged_defaults_to_true_without_extras():
    rule = {"template": "always", "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}]}
    assert readable_retention_rule(rule)["untagged"] is True


@pytest.mark.parametrize("pattern, ok", [("**", True), ("{v1,v2}*", True), ("v[0-9]*", True), ("", False),
                                         ("  ", False), ("{v1", False), ("v]", False), ("}{", False)])
def test_check_pattern(pattern, ok):
    assert (check_pattern(pattern, "tags") is None) is ok


def test_schedule_of():
    assert schedule_of({"trigger": {"kind": "Schedule", "settings": {"cron": "0 0 1 * * *"}}}) == "0 0 1 * * *"
    assert schedule_of({"trigger": {"kind": "Schedule"}}) == ""
    assert schedule_of({"trigger": {"kind": "Other", "settings": {"cron": "0 0 1 * * *"}}}) == ""


class Client(object):
    """Answers ``answer`` for the policy and ``executions`` for its executions list."""

    def __init__(self, answer, executions=None):
        self.answer = answer
        self.executions = executions
        self.paths = []

    def get(self, path, params=None):
        self.paths.append(path)
        answer = self.executions if path.endswith("/executions") else self.answer
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_policy_lookup_follows_the_project_link():
    client = Client({"id": 7, "scope": {"level": "project", "ref": 12}})
    assert get_retention_policy(client, {"project_id": 12, "metadata": {"retention_id": "7"}}) == (client.answer, None)
    assert client.paths == ["/retentions/7"]


def test_policy_lookup_without_a_link_sends_nothing():
    client = Client(None)
    assert get_retention_policy(client, {"project_id": 12, "metadata": {}}) == (None, None)
    assert client.paths == []


def test_a_500_is_a_stale_link_when_the_executions_say_the_policy_is_gone():
    client = Client(HarborError("boom", status=500), executions=HarborError("not found", status=400))
    assert get_retention_policy(client, {"project_id": 12, "metadata": {"retention_id": "7"}}) == (None, 7)
    assert client.paths == ["/retentions/7", "/retentions/7/executions"]


@pytest.mark.parametrize("executions", [[], HarborError("boom", status=500), HarborError("forbidden", status=403)])
def test_a_500_of_a_policy_that_may_exist_is_raised(executions):
    # Harbor failing answers the same 500: unlinking the policy would make the module create a second one
    client = Client(HarborError("boom", status=500), executions=executions)
    with pytest.raises(HarborError, match="boom"):
        get_retention_policy(client, {"project_id": 12, "metadata": {"retention_id": "7"}})


def test_other_errors_are_raised():
    client = Client(HarborError("forbidden", status=403))
    with pytest.raises(HarborError):
        get_retention_policy(client, {"project_id": 12, "metadata": {"retention_id": "7"}})
