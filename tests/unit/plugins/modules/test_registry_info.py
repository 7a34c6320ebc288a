# -*- coding: utf-8 -*-
"""harbor_ops.harbor.registry_info, with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import registry_info

from .harbor_replication import HarborReplication

SECRET = "dckr_pat_2bW9uZXktdG9rZW4tZXhhbXBsZQ"


@pytest.fixture
def remote(harbor):
    harbor.systeminfo()
    store = HarborReplication(harbor)
    store.add_registry("docker-hub", credential=dict(type="basic", access_key="ci-bot", access_secret=SECRET))
    store.add_registry("docker-hub-old")
    store.add_registry("aws-ecr-us-east-1", "aws-ecr", "https://api.ecr.us-east-1.amazonaws.com")
    return store


def test_one_endpoint_by_exact_name(run_module, harbor, remote):
    result = run_module(registry_info, dict(name="docker-hub"))
    assert result["changed"] is False
    assert [r["name"] for r in result["registries"]] == ["docker-hub"]
    assert "q=name%3Ddocker-hub" in harbor.calls[1].request.url


def test_the_secret_is_never_returned(run_module, harbor, remote):
    result = run_module(registry_info, {})
    hub = [r for r in result["raw"] if r["name"] == "docker-hub"][0]
    assert hub["credential"] == {"type": "basic", "access_key": "ci-bot", "access_secret": "********"}
    # the option shape of the registry module: no access_secret at all (Harbor never returns it)
    options = [r for r in result["registries"] if r["name"] == "docker-hub"][0]
    assert options["credential_type"] == "basic" and options["access_key"] == "ci-bot"
    assert "access_secret" not in options and "credential" not in options and "id" not in options
    assert SECRET not in str(result)


def test_missing_endpoint_gives_an_empty_list(run_module, harbor, remote):
    assert run_module(registry_info, dict(name="quay"))["registries"] == []


def test_all_endpoints_of_one_type(run_module, harbor, remote):
    result = run_module(registry_info, dict(type="docker-hub"))
    assert sorted(r["name"] for r in result["registries"]) == ["docker-hub", "docker-hub-old"]
    assert len(run_module(registry_info, {})["registries"]) == 3


def test_info_never_writes_even_outside_check_mode(run_module, harbor, remote):
    run_module(registry_info, {})
    assert harbor.writes() == []
