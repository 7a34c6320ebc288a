# -*- coding: utf-8 -*-
"""harbor_ops.harbor.webhook_policy and webhook_policy_info, Harbor faked at the HTTP transport level."""

from __future__ import annotations

import json

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import webhook_policy, webhook_policy_info

from .harbor_policies import HarborPolicies

TOKEN = "Bearer s3cr3t-T0ken"
SLACK = "https://hooks.slack.com/services/T000/B000/XXXX"
SEED = dict(project="production", name="slack-scan-alerts",
            description="Notify Slack when image scan finds critical CVEs",
            event_types=["SCANNING_COMPLETED", "SCANNING_FAILED"], targets=[dict(type="slack", address=SLACK)])
CREATED = "2026-03-01T09:30:00.000Z"
STORED = dict(name="slack-scan-alerts", description="Notify Slack when image scan finds critical CVEs", enabled=True,
              project_id=11, creator="admin", creation_time=CREATED, update_time=CREATED,
              event_types=["SCANNING_FAILED", "SCANNING_COMPLETED"], targets=[dict(type="slack", address=SLACK)])


@pytest.fixture
def policies(harbor):
    harbor.systeminfo()
    fake = HarborPolicies(harbor)
    fake.add("production")
    return fake


def hook(**changes):
    return dict(dict(SEED, targets=[dict(type="http", address="https://hooks.example/harbor", auth_header=TOKEN)]),
                **changes)


def test_create_sends_every_field_enabled(run_module, harbor, policies):
    result = run_module(webhook_policy, SEED)
    assert result["changed"] is True
    assert harbor.writes() == [("POST", "/projects/production/webhook/policies", {
        "name": "slack-scan-alerts", "description": "Notify Slack when image scan finds critical CVEs",
        "enabled": True, "event_types": ["SCANNING_COMPLETED", "SCANNING_FAILED"],
        "targets": [{"type": "slack", "address": SLACK, "auth_header": "", "skip_cert_verify": False}],
    })]
    assert result["webhook_policy"]["id"] in policies.webhooks
    for call in harbor.calls[1:]:
        assert call.request.headers["X-Is-Resource-Name"] == "true"


def test_http_target_gets_the_default_payload_format(run_module, harbor, policies):
    run_module(webhook_policy, hook())
    target = harbor.writes()[0][2]["targets"][0]
    assert target["payload_format"] == "Default" and target["auth_header"] == TOKEN


def test_second_run_is_a_no_op_without_writes(run_module, harbor, policies):
    # Harbor leaves out empty strings and false flags, and may order event types its own way
    policies.add_item(policies.webhooks, "production", STORED)
    result = run_module(webhook_policy, SEED)
    assert result["changed"] is False and harbor.writes() == []


def test_update_puts_every_field(run_module, harbor, policies):
    item_id = policies.add_item(policies.webhooks, "production", STORED)
    result = run_module(webhook_policy, dict(SEED, event_types=["SCANNING_FAILED"], description=None), diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/projects/production/webhook/policies/%d" % item_id, {
        "name": "slack-scan-alerts", "description": "Notify Slack when image scan finds critical CVEs",
        "enabled": True, "event_types": ["SCANNING_FAILED"],
        "targets": [{"type": "slack", "address": SLACK}],
        "creator": "admin", "creation_time": CREATED,
    })]
    assert result["diff"] == {"before": {"event_types": ["SCANNING_COMPLETED", "SCANNING_FAILED"]},
                              "after": {"event_types": ["SCANNING_FAILED"]}}


def test_enabled_defaults_to_true_and_is_compared(run_module, harbor, policies):
    policies.add_item(policies.webhooks, "production", dict(STORED, enabled=False))
    result = run_module(webhook_policy, SEED)
    assert result["changed"] is True and harbor.writes()[0][2]["enabled"] is True


def test_changed_auth_header_is_detected_and_masked(run_module, harbor, policies):
    stored = dict(STORED, targets=[dict(type="http", address="https://hooks.example/harbor", auth_header="Bearer old",
                                        payload_format="Default")])
    policies.add_item(policies.webhooks, "production", stored)
    result = run_module(webhook_policy, hook(), diff=True)
    assert result["changed"] is True
    assert harbor.writes()[0][2]["targets"][0]["auth_header"] == TOKEN
    text = json.dumps(result)
    assert TOKEN not in text and "Bearer old" not in text
    assert result["diff"]["before"]["targets"][0]["auth_header"] == "********"
    assert result["webhook_policy"]["targets"][0]["auth_header"] == "********"


def test_same_auth_header_is_unchanged(run_module, harbor, policies):
    stored = dict(STORED, targets=[dict(type="http", address="https://hooks.example/harbor", auth_header=TOKEN,
                                        payload_format="Default")])
    policies.add_item(policies.webhooks, "production", stored)
    result = run_module(webhook_policy, hook())
    assert result["changed"] is False and harbor.writes() == []
    assert TOKEN not in json.dumps(result)


def test_address_is_compared_verbatim(run_module, harbor, policies):
    policies.add_item(policies.webhooks, "production", STORED)
    result = run_module(webhook_policy, dict(SEED, targets=[dict(type="slack", address=SLACK + "/")]))
    assert result["changed"] is True


def test_check_mode_sends_no_write(run_module, harbor, policies):
    created = run_module(webhook_policy, SEED, check_mode=True)
    policies.add_item(policies.webhooks, "production", STORED)
    updated = run_module(webhook_policy, dict(SEED, enabled=False), check_mode=True)
    deleted = run_module(webhook_policy, dict(project="production", name="slack-scan-alerts", state="absent"),
                         check_mode=True)
    assert created["changed"] and updated["changed"] and deleted["changed"]
    assert harbor.writes() == []


def test_delete_and_absent_when_missing(run_module, harbor, policies):
    item_id = policies.add_item(policies.webhooks, "production", STORED)
    deleted = run_module(webhook_policy, dict(project="production", name="slack-scan-alerts", state="absent"))
    assert deleted["changed"] is True and deleted["webhook_policy"] == {}
    assert harbor.writes() == [("DELETE", "/projects/production/webhook/policies/%d" % item_id, None)]
    again = run_module(webhook_policy, dict(project="production", name="slack-scan-alerts", state="absent"))
    gone = run_module(webhook_policy, dict(project="no-such-project", name="x", state="absent"))
    assert again["changed"] is False and gone["changed"] is False
    assert len(harbor.writes()) == 1


def test_name_is_matched_exactly(run_module, harbor, policies):
    policies.add_item(policies.webhooks, "production", dict(STORED, name="slack-scan-alerts-old"))
    run_module(webhook_policy, SEED)
    assert harbor.writes()[0][0] == "POST"


@pytest.mark.parametrize("extra, message", [
    (dict(event_types=["SCAN_COMPLETED"]), "SCAN_COMPLETED is not supported by Harbor"),
    (dict(event_types=[]), "at least one event"),
    (dict(targets=[dict(type="slack", address=SLACK, payload_format="CloudEvents")]), "only for http targets"),
    (dict(targets=[dict(address="hooks.example/harbor")]), "must start with http:// or https://"),
    (dict(targets=[dict(address="ftp://hooks.example")]), "must start with http:// or https://"),
    (dict(targets=[dict(address=SLACK, type="slack"), dict(address=SLACK, type="slack")]), "listed twice"),
    (dict(targets=[]), "at least one entry"),
    (dict(targets=[dict(type="email", address=SLACK)]), "value of type must be one of"),
    (dict(project="Production"), "is not valid"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, extra, message):
    result = run_module(webhook_policy, dict(SEED, **extra))
    assert result["failed"] is True and message in result["msg"]
    assert len(harbor.calls) == 0


def test_targets_are_required_when_present(run_module, harbor):
    result = run_module(webhook_policy, dict((k, v) for k, v in SEED.items() if k != "targets"))
    assert result["failed"] and "missing: targets" in result["msg"]
    assert len(harbor.calls) == 0


def test_auth_header_is_no_log(run_module, harbor):
    assert webhook_policy.WebhookPolicy.module_args["targets"]["options"]["auth_header"]["no_log"] is True
    result = run_module(webhook_policy, hook(event_types=["NOPE"]))
    assert TOKEN not in json.dumps(result)


def test_info_masks_auth_headers_and_filters_by_name(run_module, harbor, policies):
    stored = dict(STORED, targets=[dict(type="http", address="https://hooks.example/harbor", auth_header=TOKEN)])
    policies.add_item(policies.webhooks, "production", stored)
    policies.add_item(policies.webhooks, "production", dict(STORED, name="other"))
    every = run_module(webhook_policy_info, dict(project="production"))
    one = run_module(webhook_policy_info, dict(project="production", name="other"))
    assert TOKEN not in json.dumps(every)
    assert [p["name"] for p in every["webhook_policies"]] == ["slack-scan-alerts", "other"]
    assert every["raw"][0]["targets"][0]["auth_header"] == "********"
    # the option shape of webhook_policy leaves the secret out; the rest is as the module takes it
    assert "auth_header" not in every["webhook_policies"][0]["targets"][0]
    assert every["webhook_policies"][0]["project"] == "production" and "id" not in every["webhook_policies"][0]
    assert [p["name"] for p in one["webhook_policies"]] == ["other"]
    assert harbor.writes() == []


def test_info_of_a_missing_project(run_module, harbor, policies):
    result = run_module(webhook_policy_info, dict(project="nope"))
    assert result["failed"] and "project nope does not exist" in result["msg"]


def test_info_bad_project_name_sends_nothing(run_module, harbor):
    result = run_module(webhook_policy_info, dict(project="Nope"))
    assert result["failed"] and len(harbor.calls) == 0


def test_an_update_sends_back_the_creator_and_the_creation_time(run_module, harbor, policies):
    # Harbor's PUT saves every column of the body: without them it would blank the creator and creation time
    item_id = policies.add_item(policies.webhooks, "production", STORED)
    run_module(webhook_policy, dict(SEED, enabled=False))
    body = harbor.writes()[0][2]
    assert body["creator"] == "admin" and body["creation_time"] == CREATED and body["enabled"] is False
    assert policies.webhooks[item_id]["creator"] == "admin"
    assert policies.webhooks[item_id]["creation_time"] == CREATED


def test_an_update_of_a_policy_without_creator_sends_none(run_module, harbor, policies):
    stored = dict((k, v) for k, v in STORED.items() if k != "creator")  # Harbor leaves out an empty creator
    policies.add_item(policies.webhooks, "production", stored)
    run_module(webhook_policy, dict(SEED, enabled=False))
    body = harbor.writes()[0][2]
    assert "creator" not in body and body["creation_time"] == CREATED


def test_empty_and_false_options_match_what_harbor_leaves_out(run_module, harbor, policies):
    # Harbor's JSON has no description, no auth_header and no skip_cert_verify when they are empty or false
    stored = dict((k, v) for k, v in STORED.items() if k != "description")
    stored.update(enabled=False, targets=[dict(type="http", address="https://hooks.example/harbor",
                                               payload_format="Default")])
    policies.add_item(policies.webhooks, "production", stored)
    result = run_module(webhook_policy, dict(SEED, description="", enabled=False, targets=[
        dict(type="http", address="https://hooks.example/harbor", skip_cert_verify=False, auth_header="")]))
    assert result["changed"] is False and harbor.writes() == []
