# -*- coding: utf-8 -*-
"""harbor_ops.harbor.replication_policy, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import replication_policy

from ...conftest import SYSTEMINFO_210
from .harbor_replication import HarborReplication

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
# the seed guide's "push production to ECR on push" rule
SYNC_TO_ECR = dict(name="sync-to-ecr", dest_registry="aws-ecr-us-east-1", dest_namespace="production",
                   filters=[dict(type="name", value="production/**"), dict(type="tag", value="v*")],
                   trigger="event_based")
STORED_FILTERS = [{"type": "name", "value": "production/**"},
                  {"type": "tag", "value": "v*", "decoration": "matches"}]


@pytest.fixture
def remote(harbor):
    harbor.systeminfo()
    store = HarborReplication(harbor)
    store.ecr = store.add_registry("aws-ecr-us-east-1", "aws-ecr", "https://123456789.dkr.ecr.us-east-1.amazonaws.com",
                                   credential=dict(type="basic", access_key="AKIAIOSFODNN7EXAMPLE",
                                                   access_secret=SECRET))
    store.hub = store.add_registry("docker-hub")
    return store


def stored_sync(remote, **fields):
    values = dict(dest_namespace="production", filters=STORED_FILTERS, enabled=True,
                  trigger={"type": "event_based", "trigger_settings": {"cron": ""}})
    values.update(fields)
    return remote.add_policy("sync-to-ecr", dest=remote.ecr, **values)


def test_create_push_policy_sends_harbor_shaped_body(run_module, harbor, remote):
    result = run_module(replication_policy, SYNC_TO_ECR)
    assert result["changed"] is True
    assert harbor.writes() == [("POST", "/replication/policies", {
        "name": "sync-to-ecr", "dest_registry": {"id": remote.ecr["id"]}, "dest_namespace": "production",
        "enabled": True, "filters": STORED_FILTERS,
        "trigger": {"type": "event_based", "trigger_settings": {"cron": ""}},
        "deletion": False, "replicate_deletion": False,
    })]
    assert result["policy"]["id"] in remote.policies
    assert result["policy"]["dest_registry"]["name"] == "aws-ecr-us-east-1"
    assert result["policy"]["dest_registry"]["credential"]["access_secret"] == "********"
    assert SECRET not in str(result)


def test_create_scheduled_pull_policy(run_module, harbor, remote):
    run_module(replication_policy, dict(name="dockerhub-base", src_registry="docker-hub", dest_namespace="shared-libs",
                                        dest_namespace_replace_count=1, trigger="scheduled", cron="0 0 2 * * *",
                                        filters=[dict(type="label", value=["base", "approved"], decoration="excludes"),
                                                 dict(type="resource", value="image")],
                                        speed=-1, override=True, copy_by_chunk=True))
    body = harbor.writes()[0][2]
    assert body["src_registry"] == {"id": remote.hub["id"]} and "dest_registry" not in body
    assert body["trigger"] == {"type": "scheduled", "trigger_settings": {"cron": "0 0 2 * * *"}}
    assert body["filters"] == [{"type": "label", "value": ["approved", "base"], "decoration": "excludes"},
                               {"type": "resource", "value": "image"}]
    assert body["dest_namespace_replace_count"] == 1
    assert body["speed"] == 0  # -1 means unlimited, which Harbor stores as 0
    assert body["override"] is True and body["copy_by_chunk"] is True


def test_second_run_is_a_no_op_with_filters_in_another_order(run_module, harbor, remote):
    stored_sync(remote, filters=[{"type": "tag", "value": "v*", "decoration": "matches"},
                                 {"type": "label", "value": ["b", "a"]},
                                 {"type": "name", "value": "production/**"}])
    result = run_module(replication_policy, dict(SYNC_TO_ECR, filters=[
        dict(type="label", value=["a", "b"]), dict(type="name", value="production/**"),
        dict(type="tag", value="v*", decoration="matches")]), diff=True)
    assert result["changed"] is False and "diff" not in result
    assert harbor.writes() == []


def test_update_sends_the_stored_policy_with_the_change(run_module, harbor, remote):
    # Harbor's PUT replaces the policy: every field not sent would fall back to its zero value.
    policy = stored_sync(remote, override=True, description="to ECR", speed=2048, deletion=True)
    result = run_module(replication_policy, dict(SYNC_TO_ECR, dest_namespace="prod"), diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/replication/policies/%d" % policy["id"], {
        "name": "sync-to-ecr", "description": "to ECR", "dest_registry": {"id": remote.ecr["id"]},
        "dest_namespace": "prod", "dest_namespace_replace_count": -1, "speed": 2048, "override": True,
        "enabled": True, "copy_by_chunk": False, "filters": STORED_FILTERS,
        "trigger": {"type": "event_based", "trigger_settings": {"cron": ""}},
        "deletion": True, "replicate_deletion": True,
    })]
    assert result["diff"] == {"before": {"dest_namespace": "production"}, "after": {"dest_namespace": "prod"}}
    assert remote.policies[policy["id"]]["override"] is True


def test_replicate_deletion_is_sent_in_the_field_harbor_reads(run_module, harbor, remote):
    policy = stored_sync(remote)
    result = run_module(replication_policy, dict(SYNC_TO_ECR, replicate_deletion=True))
    body = harbor.writes()[0][2]
    assert body["deletion"] is True and body["replicate_deletion"] is True
    assert remote.policies[policy["id"]]["deletion"] is True
    assert result["policy"]["replicate_deletion"] is True


def test_enabled_is_true_unless_asked(run_module, harbor, remote):
    stored_sync(remote, enabled=False)
    result = run_module(replication_policy, SYNC_TO_ECR, diff=True)
    assert result["diff"] == {"before": {"enabled": False}, "after": {"enabled": True}}
    assert harbor.writes()[0][2]["enabled"] is True


def test_changing_the_schedule(run_module, harbor, remote):
    remote.add_policy("nightly", src=remote.hub, enabled=True,
                      trigger={"type": "scheduled", "trigger_settings": {"cron": "0 0 2 * * *"}})
    result = run_module(replication_policy, dict(name="nightly", src_registry="docker-hub", trigger="scheduled",
                                                 cron="0 30 3 * * *"), diff=True)
    assert result["diff"]["after"] == {"trigger": {"trigger_settings": {"cron": "0 30 3 * * *"}}}
    assert harbor.writes()[0][2]["trigger"] == {"type": "scheduled", "trigger_settings": {"cron": "0 30 3 * * *"}}
    again = run_module(replication_policy, dict(name="nightly", src_registry="docker-hub", trigger="manual"))
    assert again["changed"] is True
    assert harbor.writes()[1][2]["trigger"] == {"type": "manual", "trigger_settings": {"cron": ""}}


def test_push_becomes_pull(run_module, harbor, remote):
    policy = stored_sync(remote, trigger={"type": "manual", "trigger_settings": {"cron": ""}})
    run_module(replication_policy, dict(name="sync-to-ecr", src_registry="docker-hub"))
    body = harbor.writes()[0][2]
    assert body["src_registry"] == {"id": remote.hub["id"]} and "dest_registry" not in body
    assert remote.policies[policy["id"]]["dest_registry"] is None


def test_check_mode_create_sends_no_write(run_module, harbor, remote):
    result = run_module(replication_policy, SYNC_TO_ECR, check_mode=True, diff=True)
    assert result["changed"] is True and harbor.writes() == [] and remote.policies == {}
    assert result["diff"]["after"]["filters"] == STORED_FILTERS


def test_check_mode_update_sends_no_write(run_module, harbor, remote):
    policy = stored_sync(remote)
    result = run_module(replication_policy, dict(SYNC_TO_ECR, override=True), check_mode=True)
    assert result["changed"] is True and result["policy"]["override"] is True
    assert harbor.writes() == [] and remote.policies[policy["id"]]["override"] is False


def test_delete(run_module, harbor, remote):
    policy = stored_sync(remote)
    result = run_module(replication_policy, dict(name="sync-to-ecr", state="absent"), diff=True)
    assert result["changed"] is True and result["policy"] == {}
    assert harbor.writes() == [("DELETE", "/replication/policies/%d" % policy["id"], None)]
    assert SECRET not in str(result)


def test_delete_in_check_mode_sends_no_write(run_module, harbor, remote):
    policy = stored_sync(remote)
    result = run_module(replication_policy, dict(name="sync-to-ecr", state="absent"), check_mode=True)
    assert result["changed"] is True and harbor.writes() == [] and policy["id"] in remote.policies


def test_absent_and_already_missing_is_unchanged(run_module, harbor, remote):
    result = run_module(replication_policy, dict(name="never-existed", state="absent"))
    assert result["changed"] is False and harbor.writes() == []


def test_delete_while_running_fails_clearly(run_module, harbor, remote):
    policy = stored_sync(remote)
    remote.executions[99] = dict(id=99, policy_id=policy["id"], status="InProgress")
    result = run_module(replication_policy, dict(name="sync-to-ecr", state="absent"))
    assert result["failed"] is True and result["status"] == 412
    assert "cannot be deleted while one of its executions is running" in result["msg"]


def test_unknown_registry_name_fails_without_writes(run_module, harbor, remote):
    result = run_module(replication_policy, dict(SYNC_TO_ECR, dest_registry="aws-ecr-eu-west-1"))
    assert result["failed"] is True
    assert "dest_registry: registry endpoint aws-ecr-eu-west-1 does not exist in Harbor" in result["msg"]
    assert "create it first (harbor_ops.harbor.registry)" in result["msg"]
    assert harbor.writes() == []


def test_single_active_replication_on_215(run_module, harbor, remote):
    run_module(replication_policy, dict(name="nightly", src_registry="docker-hub", trigger="scheduled",
                                        cron="0 0 2 * * *", single_active_replication=True))
    assert harbor.writes()[0][2]["single_active_replication"] is True


def test_single_active_replication_is_refused_before_214(run_module, harbor):
    harbor.systeminfo(SYSTEMINFO_210)
    HarborReplication(harbor).add_registry("docker-hub")
    result = run_module(replication_policy, dict(name="nightly", src_registry="docker-hub",
                                                 single_active_replication=True))
    assert result["failed"] is True
    assert result["msg"].startswith("single_active_replication needs Harbor 2.14 or later")
    assert harbor.writes() == []


def test_event_based_on_a_policy_with_single_active_replication_is_refused(run_module, harbor, remote):
    # errata E9: Harbor answers 500 for this combination; the module says why instead
    stored_sync(remote, single_active_replication=True, trigger={"type": "manual", "trigger_settings": {"cron": ""}})
    result = run_module(replication_policy, SYNC_TO_ECR)
    assert result["failed"] is True
    assert "set single_active_replication: false" in result["msg"]
    assert harbor.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(trigger="scheduled", cron="0 0 2 * *"), "must have 6 fields"),
    (dict(trigger="scheduled", cron="30 0 2 * * *"), "first (seconds) field to be 0"),
    (dict(trigger="scheduled", cron="0 * 2 * * *"), "refuses '*' in the minute field"),
    (dict(trigger="scheduled", cron="0 0 25 * * *"), "is not a valid hour"),
    (dict(trigger="scheduled"), "trigger scheduled needs cron"),
    (dict(trigger="manual", cron="0 0 2 * * *"), "cron is only used with trigger: scheduled"),
    (dict(filters=[dict(type="name", value="production/**", decoration="matches")]),
     "decoration is only possible on tag and label filters, not on a name filter"),
    (dict(filters=[dict(type="resource", value="artifact", decoration="excludes")]), "not on a resource filter"),
    (dict(filters=[dict(type="label", value=7)]), "the value of a label filter is a list of label names"),
    (dict(filters=[dict(type="label", value=[])]), "the value of a label filter is a list of label names"),
    (dict(filters=[dict(type="tag", value=["v*"])]), "the value of a tag filter is a non-empty string"),
    (dict(filters=[dict(type="resource", value="chart")]), "the value of a resource filter is image or artifact"),
    (dict(filters=[dict(type="digest", value="x")]), "value of type must be one of"),
    (dict(dest_registry=None, src_registry="docker-hub", trigger="event_based"),
     "trigger event_based is only possible for a push policy"),
    (dict(src_registry="docker-hub"), "not both"),
    (dict(dest_registry=None), "set src_registry (pull from that registry endpoint) or dest_registry"),
    (dict(dest_namespace_replace_count=-2), "dest_namespace_replace_count -2 is not valid"),
    (dict(dest_namespace_replace_count=128), "dest_namespace_replace_count 128 is not valid"),
    (dict(dest_namespace="Production"), "dest_namespace 'Production' is not a valid repository path"),
    (dict(trigger="event_based", single_active_replication=True),
     "single_active_replication is not possible with trigger event_based"),
    (dict(speed=-5), "speed -5 is not valid"),
    (dict(name=" "), "name must not be empty"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    base = dict(name="sync-to-ecr", dest_registry="aws-ecr-us-east-1")
    base.update(args)
    result = run_module(replication_policy, dict((k, v) for k, v in base.items() if v is not None))
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(harbor.calls) == 0
