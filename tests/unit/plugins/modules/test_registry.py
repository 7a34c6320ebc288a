# -*- coding: utf-8 -*-
"""harbor_ops.harbor.registry, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import registry

from ...conftest import SYSTEMINFO_210
from .harbor_replication import HarborReplication

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
ECR_URL = "https://123456789.dkr.ecr.us-east-1.amazonaws.com"
ECR = dict(name="aws-ecr-us-east-1", type="aws-ecr", endpoint_url=ECR_URL, access_key="AKIAIOSFODNN7EXAMPLE",
           access_secret=SECRET, insecure=False)
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture
def remote(harbor):
    harbor.systeminfo()
    return HarborReplication(harbor)


def stored_ecr(remote, **extra):
    return remote.add_registry("aws-ecr-us-east-1", "aws-ecr", ECR_URL,
                               credential=dict(type="basic", access_key="AKIAIOSFODNN7EXAMPLE", access_secret=SECRET),
                               **extra)


def test_create_nests_the_credential(run_module, harbor, remote):
    result = run_module(registry, ECR)
    assert result["changed"] is True
    assert harbor.writes() == [("POST", "/registries", {
        "name": "aws-ecr-us-east-1", "type": "aws-ecr", "url": ECR_URL, "insecure": False,
        "credential": {"type": "basic", "access_key": "AKIAIOSFODNN7EXAMPLE", "access_secret": SECRET},
    })]
    assert result["registry"]["id"] in remote.registries
    assert result["registry"]["credential"] == {"type": "basic", "access_key": "AKIAIOSFODNN7EXAMPLE",
                                                "access_secret": "********"}
    assert SECRET not in str(result)


def test_second_run_is_a_no_op_without_writes(run_module, harbor, remote):
    stored_ecr(remote)
    result = run_module(registry, dict(ECR, endpoint_url=ECR_URL + "/"), diff=True)
    assert result["changed"] is False and "diff" not in result
    assert harbor.writes() == []


def test_a_trailing_slash_is_not_a_change(run_module, harbor, remote):
    remote.add_registry("mirror", "docker-registry", "https://mirror.example.com/")
    result = run_module(registry, dict(name="mirror", type="docker-registry", endpoint_url="https://mirror.example.com"))
    assert result["changed"] is False and harbor.writes() == []


def test_update_sends_only_the_changed_field(run_module, harbor, remote):
    stored_ecr(remote)
    result = run_module(registry, dict(ECR, description="production images"))
    assert result["changed"] is True
    registry_id = result["registry"]["id"]
    assert harbor.writes() == [("PUT", "/registries/%d" % registry_id, {"description": "production images"})]
    assert remote.registries[registry_id]["description"] == "production images"


def test_new_access_key_goes_flat_with_its_secret(run_module, harbor, remote):
    stored = stored_ecr(remote)
    result = run_module(registry, dict(ECR, access_key="AKIANEWKEYEXAMPLE", access_secret="new-" + SECRET), diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/registries/%d" % stored["id"], {
        "credential_type": "basic", "access_key": "AKIANEWKEYEXAMPLE", "access_secret": "new-" + SECRET})]
    assert result["diff"] == {"before": {"credential": {"access_key": "AKIAIOSFODNN7EXAMPLE"}},
                              "after": {"credential": {"access_key": "AKIANEWKEYEXAMPLE"}}}
    assert SECRET not in str(result)


def test_credential_added_to_an_endpoint_without_one(run_module, harbor, remote):
    hub = remote.add_registry("docker-hub")
    run_module(registry, dict(name="docker-hub", type="docker-hub", endpoint_url="https://hub.docker.com", access_key="ci-bot",
                              access_secret=SECRET))
    assert harbor.writes() == [("PUT", "/registries/%d" % hub["id"], {
        "credential_type": "basic", "access_key": "ci-bot", "access_secret": SECRET})]


def test_update_secret_always_sends_the_secret_and_masks_it(run_module, harbor, remote):
    stored = stored_ecr(remote)
    result = run_module(registry, dict(ECR, access_secret="rotated-" + SECRET, update_secret="always"), diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/registries/%d" % stored["id"], {
        "credential_type": "basic", "access_key": "AKIAIOSFODNN7EXAMPLE", "access_secret": "rotated-" + SECRET})]
    assert result["diff"] == {"before": {"credential": {"access_secret": "********"}},
                              "after": {"credential": {"access_secret": "******** (changed)"}}}
    assert SECRET not in str(result)


def test_update_secret_on_create_does_not_compare_the_secret(run_module, harbor, remote):
    stored_ecr(remote)
    result = run_module(registry, dict(ECR, access_secret="another-" + SECRET))
    assert result["changed"] is False and harbor.writes() == []


def test_check_mode_create_sends_no_write(run_module, harbor, remote):
    result = run_module(registry, ECR, check_mode=True, diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [] and remote.registries == {}
    assert result["diff"]["after"]["credential"] == {"access_key": "AKIAIOSFODNN7EXAMPLE"}
    assert SECRET not in str(result)


def test_check_mode_update_sends_no_write(run_module, harbor, remote):
    stored = stored_ecr(remote)
    result = run_module(registry, dict(ECR, insecure=True), check_mode=True)
    assert result["changed"] is True and result["registry"]["insecure"] is True
    assert harbor.writes() == [] and remote.registries[stored["id"]]["insecure"] is False


def test_delete(run_module, harbor, remote):
    stored = stored_ecr(remote)
    result = run_module(registry, dict(name="aws-ecr-us-east-1", state="absent"), diff=True)
    assert result["changed"] is True and result["registry"] == {}
    assert harbor.writes() == [("DELETE", "/registries/%d" % stored["id"], None)]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["credential"]["access_secret"] == "********"


def test_delete_in_check_mode_sends_no_write(run_module, harbor, remote):
    stored = stored_ecr(remote)
    result = run_module(registry, dict(name="aws-ecr-us-east-1", state="absent"), check_mode=True)
    assert result["changed"] is True and harbor.writes() == [] and stored["id"] in remote.registries


def test_absent_and_already_missing_is_unchanged(run_module, harbor, remote):
    result = run_module(registry, dict(name="never-existed", state="absent"))
    assert result["changed"] is False and harbor.writes() == []


def test_delete_of_an_endpoint_in_use_fails_clearly(run_module, harbor, remote):
    stored = stored_ecr(remote)
    remote.in_use.add(stored["id"])
    result = run_module(registry, dict(name="aws-ecr-us-east-1", state="absent"))
    assert result["failed"] is True and result["status"] == 412
    assert "aws-ecr-us-east-1 cannot be deleted while a replication policy or a proxy-cache project uses it" \
        in result["msg"]
    assert "referenced by replication policy p1" in result["msg"]


def test_type_cannot_change(run_module, harbor, remote):
    stored_ecr(remote)
    for check_mode in (True, False):
        result = run_module(registry, dict(ECR, type="docker-registry", endpoint_url="https://ecr.example.com"),
                            check_mode=check_mode)
        assert result["failed"] is True
        assert "is of type aws-ecr: Harbor cannot change the type" in result["msg"]
    assert harbor.writes() == []


def test_unhealthy_remote_on_create_names_the_endpoint(run_module, harbor, remote):
    result = run_module(registry, dict(name="mirror", type="docker-registry", endpoint_url="https://unhealthy.example.com"))
    assert result["failed"] is True and result["status"] == 400
    assert result["msg"].startswith("Harbor cannot reach registry endpoint mirror at https://unhealthy.example.com")
    assert "the registry is unhealthy" in result["msg"]


def test_unhealthy_remote_on_update_names_the_endpoint(run_module, harbor, remote):
    remote.add_registry("mirror", "docker-registry", "https://mirror.example.com")
    result = run_module(registry, dict(name="mirror", type="docker-registry", endpoint_url="https://unhealthy.example.com"))
    assert result["failed"] is True
    assert "refused to update it" in result["msg"] and "mirror" in result["msg"]


def test_ping_checks_an_unchanged_endpoint(run_module, harbor, remote):
    stored = stored_ecr(remote)
    result = run_module(registry, dict(ECR, ping=True))
    assert result["changed"] is False
    assert harbor.writes() == [("POST", "/registries/ping", {"id": stored["id"]})]


def test_ping_failure_is_a_clear_error(run_module, harbor, remote):
    remote.add_registry("mirror", "docker-registry", "https://unhealthy.example.com")
    result = run_module(registry, dict(name="mirror", type="docker-registry", endpoint_url="https://unhealthy.example.com",
                                       ping=True))
    assert result["failed"] is True
    assert result["msg"].startswith("ping of registry endpoint mirror (https://unhealthy.example.com) failed")


def test_no_ping_in_check_mode(run_module, harbor, remote):
    stored_ecr(remote)
    result = run_module(registry, dict(ECR, ping=True), check_mode=True)
    assert result["changed"] is False and harbor.writes() == []


def test_ca_certificate_is_sent_on_215(run_module, harbor, remote):
    result = run_module(registry, dict(name="dr", type="harbor", endpoint_url="https://dr.example.com", ca_certificate=PEM))
    assert harbor.writes()[0][2]["ca_certificate"] == PEM.strip()
    assert result["changed"] is True


def test_ca_certificate_is_refused_before_215(run_module, harbor):
    harbor.systeminfo(SYSTEMINFO_210)
    HarborReplication(harbor)
    result = run_module(registry, dict(name="dr", type="harbor", endpoint_url="https://dr.example.com", ca_certificate=PEM))
    assert result["failed"] is True
    assert result["msg"].startswith("ca_certificate needs Harbor 2.15.0 or later")
    assert harbor.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(type="nexus"), "value of type must be one of"),
    (dict(endpoint_url="ftp://hub.example.com"), "'ftp://hub.example.com' must start with http:// or https://"),
    (dict(endpoint_url="https://"), "'https://' has no host name"),
    (dict(type="aws-ecr", endpoint_url="https://ecr.us-east-1.amazonaws.com"), "is not an AWS ECR endpoint"),
    (dict(type="aws-ecr", endpoint_url="http://api.ecr.us-east-1.amazonaws.com"), "is not an AWS ECR endpoint"),
    (dict(name="x" * 65), "registry name"),
    (dict(name=" "), "registry name"),
    (dict(ca_certificate="not a certificate"), "is not a PEM certificate"),
    (dict(access_secret=SECRET), "missing parameter(s) required by 'access_secret': access_key"),
    (dict(type=None), "state is present but all of the following are missing: type"),
    (dict(credential_type="token"), "value of credential_type must be one of"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    base = dict(name="hub", type="docker-hub", endpoint_url="https://hub.docker.com")
    base.update(args)
    result = run_module(registry, dict((k, v) for k, v in base.items() if v is not None))
    assert result["failed"] is True
    assert message in result["msg"]
    assert SECRET not in result["msg"]
    assert len(harbor.calls) == 0


@pytest.mark.parametrize("url", [
    "https://api.ecr.eu-west-1.amazonaws.com",
    "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
    "https://api.ecr-fips.us-gov-west-1.amazonaws.com",
    "https://api.ecr.cn-north-1.amazonaws.com.cn/",
])
def test_aws_ecr_urls_harbor_accepts(run_module, harbor, remote, url):
    result = run_module(registry, dict(ECR, endpoint_url=url))
    assert result["changed"] is True
