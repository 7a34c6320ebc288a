# -*- coding: utf-8 -*-
"""harbor_ops.harbor.user_group, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import user_group

from .harbor_accounts import HarborGroups

DN = "cn=developers,ou=groups,dc=corp,dc=example,dc=com"
DEVELOPERS = dict(name="developers", type="ldap", ldap_group_dn=DN)


@pytest.fixture
def groups(harbor):
    harbor.systeminfo()
    return HarborGroups(harbor)


def test_create_ldap_group(run_module, harbor, groups):
    result = run_module(user_group, DEVELOPERS)
    assert result["changed"] is True
    assert harbor.writes() == [("POST", "/usergroups", {"group_name": "developers", "group_type": 1,
                                                        "ldap_group_dn": DN})]
    assert result["user_group"]["id"] == 1 and result["user_group"]["ldap_group_dn"] == DN


@pytest.mark.parametrize("kind, number", [("http", 2), ("oidc", 3)])
def test_create_other_group_types(run_module, harbor, groups, kind, number):
    run_module(user_group, dict(name="harbor-admins", type=kind))
    assert harbor.writes() == [("POST", "/usergroups", {"group_name": "harbor-admins", "group_type": number})]


def test_second_run_is_a_no_op_without_writes(run_module, harbor, groups):
    groups.add("developers", 1, DN)
    result = run_module(user_group, dict(DEVELOPERS, ldap_group_dn=DN.upper().replace(",", ", ")))
    assert result["changed"] is False and harbor.writes() == []


def test_same_name_of_another_type_is_another_group(run_module, harbor, groups):
    groups.add("developers", 3)
    groups.add("developers-old", 1, "cn=old")
    result = run_module(user_group, DEVELOPERS)
    assert result["changed"] is True and harbor.writes()[0][1] == "/usergroups"


def test_conflict_is_handled_as_existing(run_module, harbor):
    harbor.systeminfo()
    groups = HarborGroups(harbor, race=True)
    result = run_module(user_group, DEVELOPERS)
    assert "failed" not in result
    assert result["changed"] is True
    assert result["user_group"] == {"id": 1, "group_name": "developers", "group_type": 1, "ldap_group_dn": DN}
    assert [w[:2] for w in harbor.writes()] == [("POST", "/usergroups")]
    assert len(groups.groups) == 1


def test_conflict_with_the_dn_under_another_name_fails_clearly(run_module, harbor, groups):
    groups.add("devs", 1, DN)
    result = run_module(user_group, DEVELOPERS)
    assert result["failed"] is True
    assert "exists in Harbor already, under the name 'devs'" in result["msg"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_another_dn_for_an_existing_group_fails_without_a_write(run_module, harbor, groups, check_mode):
    groups.add("developers", 1, "cn=devs,dc=old")
    result = run_module(user_group, DEVELOPERS, check_mode=check_mode)
    assert result["failed"] is True
    assert "cannot change the DN" in result["msg"] and "state=absent" in result["msg"]
    assert harbor.writes() == []


def test_check_mode_create_sends_no_write(run_module, harbor, groups):
    result = run_module(user_group, DEVELOPERS, check_mode=True, diff=True)
    assert result["changed"] is True and harbor.writes() == [] and groups.groups == {}
    assert result["diff"]["after"] == {"group_name": "developers", "group_type": 1, "ldap_group_dn": DN}


def test_delete(run_module, harbor, groups):
    groups.add("developers", 1, DN)
    result = run_module(user_group, dict(name="developers", type="ldap", state="absent"))
    assert result["changed"] is True
    assert harbor.writes() == [("DELETE", "/usergroups/1", None)]


def test_delete_in_check_mode_sends_no_write(run_module, harbor, groups):
    groups.add("developers", 1, DN)
    assert run_module(user_group, dict(name="developers", type="ldap", state="absent"), check_mode=True)["changed"]
    assert harbor.writes() == [] and groups.groups


def test_absent_and_already_missing_is_unchanged(run_module, harbor, groups):
    groups.add("developers", 3)
    result = run_module(user_group, dict(name="developers", type="ldap", state="absent"))
    assert result["changed"] is False and harbor.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(name="developers", type="ldap"), "ldap_group_dn is required for an LDAP group"),
    (dict(name="developers", type="oidc", ldap_group_dn=DN), "ldap_group_dn is only for LDAP groups"),
    (dict(name="developers", type="posix"), "value of type must be one of: ldap, http, oidc"),
    (dict(name="", type="oidc"), "name must have 1 to 255 characters"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(user_group, args)
    assert result["failed"] is True and message in result["msg"]
    assert len(harbor.calls) == 0
