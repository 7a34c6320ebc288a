"""Configuration secrets and checks, ``POST /ldap/ping`` and ``POST /system/oidc/ping`` (api-notes §10, §12)."""

import json

import pytest
import requests

from .conftest import request_violations


def anonymous(fake_harbor, method, path, **kwargs):
    return requests.request(method, fake_harbor.api_url + path, timeout=10, **kwargs)


def test_secrets_are_write_only_and_remembered(fake_harbor, harbor_api):
    resp = harbor_api.put("/configurations", json={"ldap_search_password": "Ld4p-S3cret", "oidc_client_secret": "0idc-S3cret",
                                                   "uaa_client_secret": "Uaa-S3cret"})
    assert resp.status_code == 200
    config = harbor_api.get("/configurations").json()
    assert "ldap_search_password" not in config and "oidc_client_secret" not in config
    assert config["uaa_client_secret"] == {"value": "Uaa-S3cret", "editable": True}  # a plain string item
    assert {"Ld4p-S3cret", "0idc-S3cret", "Uaa-S3cret"} <= set(fake_harbor.known_secrets())


def test_extra_redirect_params_must_be_a_json_map_of_strings(harbor_api):
    assert harbor_api.put("/configurations", json={"oidc_extra_redirect_parms": '{"prompt": "login"}'}).status_code == 200
    for bad in ("not json", '["a"]', '{"a": 1}'):
        resp = harbor_api.put("/configurations", json={"oidc_extra_redirect_parms": bad})
        assert resp.status_code == 400
        assert "oidc_extra_redirect_parms" in resp.json()["errors"][0]["message"]
    assert harbor_api.get("/configurations").json()["oidc_extra_redirect_parms"]["value"] == '{"prompt": "login"}'


def test_audit_endpoint_must_be_reachable(harbor_api):
    resp = harbor_api.put("/configurations", json={"audit_log_forward_endpoint": "syslog.example.invalid:514"})
    assert resp.status_code == 400 and "failed to connect" in resp.json()["errors"][0]["message"]
    assert harbor_api.put("/configurations", json={"audit_log_forward_endpoint": "syslog.example.com:514"}).status_code == 200
    assert harbor_api.put("/configurations", json={"audit_log_forward_endpoint": ""}).status_code == 200


def test_ldap_ping_reports_failure_with_200(fake_harbor, harbor_api):
    resp = harbor_api.post("/ldap/ping", json={"ldap_url": "ldaps://ldap.corp.invalid:636"})
    assert resp.status_code == 200
    body = resp.json()
    # LdapPingResult.success is not required: Harbor's omitempty leaves "success": false out
    assert "success" not in body and "no such host" in body["message"]
    resp = harbor_api.post("/ldap/ping", json={"ldap_url": "ldap.corp.example.com"})
    assert "success" not in resp.json() and "invalid LDAP URL" in resp.json()["message"]
    assert request_violations(fake_harbor) == []


def test_ldap_ping_success_and_bind(fake_harbor, harbor_api):
    ok = harbor_api.post("/ldap/ping", json={"ldap_url": "ldaps://ldap.corp.example.com", "ldap_search_dn": "cn=svc",
                                             "ldap_search_password": "Bind-Passw0rd", "ldap_connection_timeout": 5})
    assert ok.status_code == 200 and ok.json() == {"success": True}
    assert "Bind-Passw0rd" in fake_harbor.known_secrets()
    no_password = harbor_api.post("/ldap/ping", json={"ldap_url": "ldaps://ldap.corp.example.com",
                                                      "ldap_search_dn": "cn=svc"})
    assert "success" not in no_password.json() and "Invalid Credentials" in no_password.json()["message"]


def test_ldap_ping_falls_back_to_the_stored_settings(harbor_api):
    assert "success" not in harbor_api.post("/ldap/ping").json()  # nothing configured yet: false, omitted
    harbor_api.put("/configurations", json={"ldap_url": "ldap://ldap.example.com", "ldap_search_dn": "cn=svc",
                                            "ldap_search_password": "Stored-Passw0rd"})
    assert harbor_api.post("/ldap/ping").json() == {"success": True}
    # a body without the password uses the stored one
    assert harbor_api.post("/ldap/ping", json={"ldap_url": "ldaps://other.example.com",
                                               "ldap_search_dn": "cn=svc"}).json() == {"success": True}


def test_oidc_ping(fake_harbor, harbor_api):
    assert harbor_api.post("/system/oidc/ping", json={"url": "https://auth.example.com/realms/company",
                                                      "verify_cert": True}).status_code == 200
    resp = harbor_api.post("/system/oidc/ping", json={"url": "https://auth.example.invalid/realms/x"})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["code"] == "BAD_REQUEST"
    assert "failed to verify connection" in resp.json()["errors"][0]["message"]
    assert harbor_api.post("/system/oidc/ping", json={"url": "auth.example.com"}).status_code == 400
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("method, path", [("POST", "/ldap/ping"), ("POST", "/system/oidc/ping")])
def test_pings_need_a_sysadmin(fake_harbor, method, path):
    body = json.dumps({"url": "https://auth.example.com"})
    assert anonymous(fake_harbor, method, path, data=body,
                     headers={"Content-Type": "application/json"}).status_code == 401
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "joe", "password": "Joe12345"}, timeout=10)
    assert anonymous(fake_harbor, method, path, data=body, auth=("joe", "Joe12345"),
                     headers={"Content-Type": "application/json"}).status_code == 403


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_no_contract_violation_on_both_spec_versions(fake_harbor, harbor_api):
    harbor_api.put("/configurations", json={"ldap_url": "ldap://ldap.example.com", "ldap_scope": 1})
    harbor_api.post("/ldap/ping", json={"ldap_url": "ldap://ldap.example.com", "ldap_scope": 2})
    harbor_api.post("/system/oidc/ping", json={"url": "https://auth.example.com", "verify_cert": False})
    harbor_api.get("/configurations")
    assert fake_harbor.violations == []
