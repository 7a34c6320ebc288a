# -*- coding: utf-8 -*-
"""harbor_ops.harbor.configuration, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import json

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import configuration

from .harbor_accounts import HarborConfig

OIDC_SECRET = "Keycl0ak-Client-Secret"
LDAP_PASSWORD = "Ld4p-Search-Passw0rd"
KEYCLOAK = dict(name="Company SSO", endpoint="https://auth.example.com/realms/company", client_id="harbor",
                client_secret=OIDC_SECRET, scope=["openid", "email", "profile", "groups"], groups_claim="groups",
                admin_group="harbor-admins", verify_cert=True, auto_onboard=True, user_claim="preferred_username")
LDAP = dict(url="ldaps://ldap.corp.example.com:636", search_dn="cn=harbor-svc,dc=corp,dc=example,dc=com",
            search_password=LDAP_PASSWORD, base_dn="ou=people,dc=corp,dc=example,dc=com", uid="sAMAccountName",
            scope="subtree", group_scope="onelevel")


@pytest.fixture
def config(harbor):
    return HarborConfig(harbor)


def test_oidc_settings_in_one_put_with_harbor_keys(run_module, harbor, config):
    result = run_module(configuration, dict(auth_mode="oidc", oidc=KEYCLOAK))
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/configurations", {
        "auth_mode": "oidc_auth", "oidc_name": "Company SSO", "oidc_endpoint": "https://auth.example.com/realms/company",
        "oidc_client_id": "harbor", "oidc_client_secret": OIDC_SECRET, "oidc_scope": "openid,email,profile,groups",
        "oidc_groups_claim": "groups", "oidc_admin_group": "harbor-admins", "oidc_auto_onboard": True,
        "oidc_user_claim": "preferred_username",
    })]  # oidc_verify_cert is already true: not sent
    assert result["configuration"]["auth_mode"] == "oidc_auth"
    assert "oidc_client_secret" not in result["configuration"]
    assert OIDC_SECRET not in json.dumps(result)


def test_second_run_is_a_no_op_without_writes(run_module, harbor, config):
    config.values.update(auth_mode="oidc_auth", oidc_name="Company SSO", oidc_endpoint=KEYCLOAK["endpoint"],
                         oidc_client_id="harbor", oidc_scope="openid, profile,email,groups", oidc_groups_claim="groups",
                         oidc_admin_group="harbor-admins", oidc_auto_onboard=True,
                         oidc_user_claim="preferred_username", oidc_extra_redirect_parms='{"b": "2", "a": "1"}',
                         banner_message='{"type":"warning","message":"Maintenance","closable":false,"fromDate":""}',
                         http_authproxy_admin_groups="ops,admins")
    args = dict(auth_mode="oidc", oidc=dict(KEYCLOAK, extra_redirect_params=dict(a="1", b=2)),
                banner_message=dict(text="Maintenance"), http_authproxy=dict(admin_groups=["admins", "ops"]))
    result = run_module(configuration, args)
    assert result["changed"] is False
    assert harbor.writes() == []


def test_update_sends_only_the_changed_key(run_module, harbor, config):
    config.values.update(oidc_name="Company SSO", oidc_endpoint=KEYCLOAK["endpoint"], oidc_client_id="harbor",
                         oidc_scope="openid,email,profile,groups", oidc_groups_claim="groups",
                         oidc_admin_group="harbor-admins", oidc_auto_onboard=True, oidc_user_claim="preferred_username")
    result = run_module(configuration, dict(oidc=KEYCLOAK, read_only=True))
    assert result["changed"] is True
    # the OIDC block did not change, so its secret is not sent either
    assert harbor.writes() == [("PUT", "/configurations", {"read_only": True})]


def test_secret_goes_with_a_change_of_its_block_only(run_module, harbor, config):
    config.values.update(ldap_url=LDAP["url"])
    result = run_module(configuration, dict(ldap=dict(url=LDAP["url"], search_password=LDAP_PASSWORD,
                                                      base_dn="dc=example,dc=com"),
                                            oidc=dict(client_secret=OIDC_SECRET)))
    assert result["changed"] is True
    assert harbor.writes()[0][2] == {"ldap_base_dn": "dc=example,dc=com", "ldap_search_password": LDAP_PASSWORD}


def test_secret_goes_with_a_change_of_auth_mode(run_module, harbor, config):
    config.values.update(oidc_client_id="harbor")
    run_module(configuration, dict(auth_mode="oidc", oidc=dict(client_id="harbor", client_secret=OIDC_SECRET)))
    assert harbor.writes()[0][2] == {"auth_mode": "oidc_auth", "oidc_client_secret": OIDC_SECRET}


@pytest.mark.parametrize("mode, sent", [("always", True), ("on_change", False), ("never", False)])
def test_update_secrets_when_nothing_else_changes(run_module, harbor, config, mode, sent):
    config.values.update(oidc_client_id="harbor")
    result = run_module(configuration, dict(oidc=dict(client_id="harbor", client_secret=OIDC_SECRET),
                                            update_secrets=mode))
    assert result["changed"] is sent
    assert harbor.writes() == ([("PUT", "/configurations", {"oidc_client_secret": OIDC_SECRET})] if sent else [])


def test_never_keeps_the_secret_out_of_a_block_change(run_module, harbor, config):
    run_module(configuration, dict(oidc=dict(client_id="harbor", client_secret=OIDC_SECRET), update_secrets="never"))
    assert harbor.writes()[0][2] == {"oidc_client_id": "harbor"}


def test_uaa_secret_is_compared_and_masked(run_module, harbor, config):
    config.values.update(uaa_client_secret="Uaa-0ld-Secret")
    result = run_module(configuration, dict(uaa=dict(client_secret="Uaa-0ld-Secret")))
    assert result["changed"] is False and harbor.writes() == []
    assert result["configuration"]["uaa_client_secret"] == "********"
    changed = run_module(configuration, dict(uaa=dict(client_secret="Uaa-N3w-Secret")), diff=True)
    assert changed["changed"] is True
    assert harbor.writes()[0][2] == {"uaa_client_secret": "Uaa-N3w-Secret"}
    assert changed["diff"] == {"before": {"uaa_client_secret": "********"}, "after": {"uaa_client_secret": "******** (changed)"}}  # a rotation shows
    assert "Uaa-" not in json.dumps(changed)


def test_ldap_options_become_harbor_values(run_module, harbor, config):
    run_module(configuration, dict(auth_mode="ldap", ldap=dict(LDAP, scope="base", timeout=10,
                                                               group_filter="(objectClass=group)"),
                                   storage_per_project="100GB", disabled_audit_log_event_types=["pull_artifact",
                                                                                                "create_user"]))
    sent = harbor.writes()[0][2]
    assert sent["ldap_scope"] == 0 and sent["ldap_group_search_scope"] == 1
    assert sent["ldap_timeout"] == 10 and sent["ldap_group_search_filter"] == "(objectClass=group)"
    assert sent["ldap_search_password"] == LDAP_PASSWORD
    assert sent["storage_per_project"] == 100 * 1024 ** 3
    assert sent["disabled_audit_log_event_types"] == "create_user,pull_artifact"
    assert "ldap_group_membership_attribute" not in sent


def test_banner_is_stringified_json(run_module, harbor, config):
    run_module(configuration, dict(banner_message=dict(text="Maintenance until 08:00", type="danger", closable=True,
                                                       from_date="2026-09-01T06:00:00Z", to_date="2026-09-01")))
    banner = json.loads(harbor.writes()[0][2]["banner_message"])
    assert banner == {"message": "Maintenance until 08:00", "type": "danger", "closable": True,
                      "fromDate": "2026-09-01T06:00:00Z", "toDate": "2026-09-01"}


def test_empty_banner_message_removes_the_banner(run_module, harbor, config):
    config.values.update(banner_message='{"message":"x","type":"info","closable":false}')
    run_module(configuration, dict(banner_message=dict(text="")))
    assert harbor.writes() == [("PUT", "/configurations", {"banner_message": ""})]


def test_check_mode_sends_no_write(run_module, harbor, config):
    result = run_module(configuration, dict(auth_mode="oidc", oidc=KEYCLOAK, read_only=True), check_mode=True)
    assert result["changed"] is True
    assert harbor.writes() == []
    assert config.values["auth_mode"] == "db_auth"
    assert result["configuration"]["auth_mode"] == "oidc_auth"
    assert result["configuration"]["oidc_client_secret"] == "********"


def test_diff_masks_the_secrets(run_module, harbor, config):
    result = run_module(configuration, dict(ldap=dict(url=LDAP["url"], search_password=LDAP_PASSWORD)), diff=True)
    assert result["diff"] == {"before": {"ldap_url": ""},
                              "after": {"ldap_url": LDAP["url"], "ldap_search_password": "******** (changed)"}}
    assert LDAP_PASSWORD not in json.dumps(result)


def test_no_diff_when_unchanged(run_module, harbor, config):
    result = run_module(configuration, dict(read_only=False), diff=True)
    assert result["changed"] is False and "diff" not in result


@pytest.mark.parametrize("check_mode", [False, True])
def test_auth_mode_locked_by_users_fails_before_the_put(run_module, harbor, config, check_mode):
    config.locked.add("auth_mode")
    result = run_module(configuration, dict(auth_mode="ldap", ldap=LDAP), check_mode=check_mode)
    assert result["failed"] is True
    assert "auth_mode cannot be changed from db_auth to ldap_auth" in result["msg"]
    assert "no user besides admin" in result["msg"]
    assert harbor.writes() == []


def test_locked_auth_mode_does_not_block_other_settings(run_module, harbor, config):
    config.locked.add("auth_mode")
    result = run_module(configuration, dict(auth_mode="db", read_only=True))
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/configurations", {"read_only": True})]


def test_read_only_setting_fails_before_the_put(run_module, harbor, config):
    config.locked.add("token_expiration")
    result = run_module(configuration, dict(token_expiration=60, read_only=True))
    assert result["failed"] is True and "read-only" in result["msg"] and "token_expiration" in result["msg"]
    assert harbor.writes() == []


def test_ldap_ping_before_the_change(run_module, harbor, config):
    result = run_module(configuration, dict(ldap=dict(LDAP, timeout=7, ping=True)))
    assert result["changed"] is True
    assert [w[1] for w in harbor.writes()] == ["/ldap/ping", "/configurations"]
    kind, ping = config.pings[0]
    assert ping["ldap_url"] == LDAP["url"] and ping["ldap_search_password"] == LDAP_PASSWORD
    assert ping["ldap_connection_timeout"] == 7 and ping["ldap_scope"] == 2
    assert "ldap_timeout" not in ping


def test_failed_ldap_ping_changes_nothing(run_module, harbor, config):
    config.ldap_ping = {"success": False, "message": "LDAP Result Code 49 \"Invalid Credentials\""}
    result = run_module(configuration, dict(auth_mode="ldap", ldap=dict(LDAP, ping=True)))
    assert result["failed"] is True
    assert "LDAP ping of ldaps://ldap.corp.example.com:636 failed" in result["msg"]
    assert "Invalid Credentials" in result["msg"]
    assert [w[1] for w in harbor.writes()] == ["/ldap/ping"]
    assert config.values["auth_mode"] == "db_auth"
    assert LDAP_PASSWORD not in json.dumps(result)


def test_no_ping_without_a_change_or_in_check_mode(run_module, harbor, config):
    config.values.update(ldap_url=LDAP["url"])
    assert run_module(configuration, dict(ldap=dict(url=LDAP["url"], ping=True)))["changed"] is False
    assert run_module(configuration, dict(ldap=dict(url="ldap://other.example.com", ping=True)),
                      check_mode=True)["changed"] is True
    assert harbor.writes() == [] and config.pings == []


def test_failed_oidc_ping_changes_nothing(run_module, harbor, config):
    config.oidc_ping_status = 400
    result = run_module(configuration, dict(auth_mode="oidc", oidc=dict(KEYCLOAK, ping=True)))
    assert result["failed"] is True
    assert "OIDC ping of https://auth.example.com/realms/company failed" in result["msg"]
    assert [w[1] for w in harbor.writes()] == ["/system/oidc/ping"]
    assert config.pings[0][1] == {"url": KEYCLOAK["endpoint"], "verify_cert": True}


def test_oidc_ping_then_put(run_module, harbor, config):
    run_module(configuration, dict(oidc=dict(KEYCLOAK, ping=True)))
    assert [w[1] for w in harbor.writes()] == ["/system/oidc/ping", "/configurations"]


@pytest.mark.parametrize("args, message", [
    (dict(oidc=dict(logout=True)), "oidc.logout needs Harbor 2.13 or later"),
    (dict(ldap=dict(group_attach_parallel=True)), "ldap.group_attach_parallel needs Harbor 2.11 or later"),
    (dict(disabled_audit_log_event_types=["pull_artifact"]), "disabled_audit_log_event_types needs Harbor 2.13"),
])
def test_options_unknown_to_the_connected_version_are_refused(run_module, harbor, args, message):
    HarborConfig(harbor, version=(2, 10))
    result = run_module(configuration, args)
    assert result["failed"] is True
    assert result["msg"].startswith(message) and "v2.10.0" in result["msg"]
    assert harbor.writes() == []


def test_version_gated_options_work_on_a_recent_harbor(run_module, harbor, config):
    run_module(configuration, dict(oidc=dict(logout=True), ldap=dict(group_attach_parallel=True)))
    assert harbor.writes()[0][2] == {"oidc_logout": True, "ldap_group_attach_parallel": True}


@pytest.mark.parametrize("args, message", [
    (dict(auth_mode="ldap_auth"), "value of auth_mode must be one of: db, ldap, oidc, uaa, http"),
    (dict(auth_mode="kerberos"), "value of auth_mode must be one of"),
    (dict(ldap=dict(url="ldap.corp.example.com")), "ldap.url 'ldap.corp.example.com' must start with ldap:// or ldaps://"),
    (dict(ldap=dict(url="https://ldap.corp.example.com")), "must start with ldap:// or ldaps://"),
    (dict(ldap=dict(url="ldaps://")), "ldap.url 'ldaps://' has no host name"),
    (dict(ldap=dict(scope="deep")), "value of scope must be one of: base, onelevel, subtree"),
    (dict(ldap=dict(timeout=0)), "ldap.timeout must be greater than 0"),
    (dict(oidc=dict(endpoint="auth.example.com")), "oidc.endpoint (the provider's issuer URL) 'auth.example.com' must start with http://"),
    (dict(oidc=dict(scope=[" "])), "oidc.scope must not be empty"),
    (dict(oidc=dict(extra_redirect_params=dict(a=dict(b="c")))), "oidc.extra_redirect_params: the value of 'a'"),
    (dict(token_expiration=0), "token_expiration must be greater than 0"),
    (dict(storage_per_project="lots"), "storage_per_project 'lots' is not a size"),
    (dict(banner_message=dict(text="x", from_date="tomorrow")), "banner_message.from_date 'tomorrow' is not"),
    (dict(banner_message=dict(text="x", type="red")), "value of type must be one of"),
    (dict(disabled_audit_log_event_types=["pull"]), "disabled_audit_log_event_types must be one or more of"),
    (dict(project_creation_restriction="nobody"), "value of project_creation_restriction must be one of"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(configuration, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(harbor.calls) == 0
