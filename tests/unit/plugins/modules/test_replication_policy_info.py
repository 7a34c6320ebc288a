# -*- coding: utf-8 -*-
"""harbor_ops.harbor.replication_policy_info, with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import replication_policy_info

from .harbor_replication import HarborReplication

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def remote(harbor):
    harbor.systeminfo()
    store = HarborReplication(harbor)
    ecr = store.add_registry("aws-ecr-us-east-1", "aws-ecr", "https://api.ecr.us-east-1.amazonaws.com",
                             credential=dict(type="basic", access_key="AKIAIOSFODNN7EXAMPLE", access_secret=SECRET))
    hub = store.add_registry("docker-hub")
    store.add_policy("sync-to-ecr", dest=ecr, enabled=True, filters=[{"type": "name", "value": "production/**"}])
    store.add_policy("sync-to-ecr-old", dest=ecr)
    store.add_policy("dockerhub-base", src=hub, trigger={"type": "scheduled", "trigger_settings": {"cron": "0 0 2 * * *"}})
    return store


def test_one_policy_by_exact_name_with_registries_by_name(run_module, harbor, remote):
    result = run_module(replication_policy_info, dict(name="sync-to-ecr"))
    assert result["changed"] is False
    [policy] = result["raw"]
    assert policy["name"] == "sync-to-ecr"
    assert policy["src_registry"] is None and policy["dest_registry"] == "aws-ecr-us-east-1"
    assert policy["filters"] == [{"type": "name", "value": "production/**"}]
    assert SECRET not in str(result) and "AKIAIOSFODNN7EXAMPLE" not in str(result)
    # the option shape of replication_policy: registry by name, trigger as its type, no id
    [options] = result["replication_policies"]
    assert options["dest_registry"] == "aws-ecr-us-east-1" and "src_registry" not in options
    assert isinstance(options["trigger"], str) and "id" not in options


def test_all_policies(run_module, harbor, remote):
    result = run_module(replication_policy_info, {})
    by_name = dict((p["name"], p) for p in result["raw"])
    assert sorted(by_name) == ["dockerhub-base", "sync-to-ecr", "sync-to-ecr-old"]
    assert by_name["dockerhub-base"]["src_registry"] == "docker-hub"
    assert by_name["dockerhub-base"]["dest_registry"] is None
    assert by_name["dockerhub-base"]["trigger"]["trigger_settings"]["cron"] == "0 0 2 * * *"


def test_missing_policy_gives_an_empty_list(run_module, harbor, remote):
    assert run_module(replication_policy_info, dict(name="nope"))["replication_policies"] == []
    assert harbor.writes() == []
