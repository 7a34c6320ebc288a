# -*- coding: utf-8 -*-
"""harbor_ops.harbor.system_info, with Harbor faked at the HTTP transport level."""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.modules import system_info

from ...conftest import API, SYSTEMINFO_210

FULL = {"harbor_version": "v2.15.2-080b0220", "auth_mode": "oidc_auth", "primary_auth_mode": False,
        "self_registration": False, "external_url": "https://registry.example.com",
        "registry_url": "registry.example.com", "read_only": False, "has_ca_root": True,
        "project_creation_restriction": "adminonly", "registry_storage_provider_name": "s3",
        "notification_enable": True, "current_time": "2026-01-01T00:00:00Z", "oidc_provider_name": "corp"}


def test_version_is_parsed_and_returned_not_set_as_fact(run_module, harbor):
    harbor.systeminfo(FULL)
    result = run_module(system_info, {})
    info = result["system_info"]
    assert result["changed"] is False
    assert info["version"] == "2.15.2" and info["version_info"] == {"major": 2, "minor": 15, "patch": 2}
    assert info["harbor_version"] == "v2.15.2-080b0220"
    assert info["auth_mode"] == "oidc_auth" and info["read_only"] is False
    assert info["storage_provider"] == "s3" and info["registry_url"] == "registry.example.com"
    assert info["url"] == "https://harbor.test"
    assert "ansible_facts" not in result  # a result, not a fact (module guidelines for *_info)


def test_one_request(run_module, harbor):
    harbor.systeminfo(SYSTEMINFO_210)
    result = run_module(system_info, {}, check_mode=True)
    assert result["system_info"]["version"] == "2.10.0"
    assert [c[1] for c in harbor.sent()] == ["/systeminfo"]


def test_wrong_credentials_fail(run_module, harbor):
    harbor.get(API + "/systeminfo", json={"auth_mode": "db_auth"})
    result = run_module(system_info, dict(password="wrong-Passw0rd"))
    assert result["failed"] is True and result["msg"].startswith("authentication failed for admin")
    assert "wrong-Passw0rd" not in str(result)


def test_bad_url_fails_before_any_request(run_module, harbor):
    result = run_module(system_info, dict(url="ftp://harbor.test"))
    assert result["failed"] is True and "must start with http:// or https://" in result["msg"]
    assert len(harbor.calls) == 0
