# -*- coding: utf-8 -*-
"""harbor_ops.harbor.user, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import json

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import user

from .harbor_accounts import HarborUsers

PASSWORD = "Al1ce-Passw0rd"
ALICE = dict(name="alice", email="alice@example.com", realname="Alice Example", user_password=PASSWORD)


@pytest.fixture
def users(harbor):
    return HarborUsers(harbor)


def test_create_sends_harbor_shaped_body(run_module, harbor, users):
    result = run_module(user, dict(ALICE, comment="pushes images"))
    assert result["changed"] is True
    assert harbor.writes() == [("POST", "/users", {"username": "alice", "email": "alice@example.com",
                                                   "realname": "Alice Example", "password": PASSWORD,
                                                   "comment": "pushes images"})]
    assert result["user"]["user_id"] == users.by_name("alice")["user_id"]
    assert "password" not in result["user"]
    assert PASSWORD not in json.dumps(result)


def test_create_as_sysadmin_sets_the_flag_afterwards(run_module, harbor, users):
    result = run_module(user, dict(ALICE, sysadmin=True))
    created = users.by_name("alice")
    assert [w[:2] for w in harbor.writes()] == [("POST", "/users"), ("PUT", "/users/%d/sysadmin" % created["user_id"])]
    assert harbor.writes()[1][2] == {"sysadmin_flag": True}
    assert result["user"]["sysadmin_flag"] is True


def test_second_run_is_a_no_op_without_writes(run_module, harbor, users):
    users.add("alice", PASSWORD, email="alice@example.com", realname="Alice Example")
    result = run_module(user, dict(ALICE, sysadmin=False))
    assert result["changed"] is False
    assert harbor.writes() == []


def test_on_create_never_checks_the_password_of_an_existing_user(run_module, harbor, users):
    users.add("alice", "0ther-Passw0rd", email="alice@example.com", realname="Alice Example")
    result = run_module(user, ALICE)
    assert result["changed"] is False and harbor.writes() == []
    assert all("Authorization" not in c.request.headers or "YWxpY2" not in c.request.headers["Authorization"]
               for c in harbor.calls)  # never logged in as alice


def test_update_sends_the_profile_with_only_the_changed_value(run_module, harbor, users):
    alice = users.add("alice", PASSWORD, email="alice@example.com", realname="Alice Example", comment="dev")
    result = run_module(user, dict(name="alice", email="alice@corp.example.com"))
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/users/%d" % alice["user_id"], {
        "email": "alice@corp.example.com", "realname": "Alice Example", "comment": "dev"})]
    assert result["user"]["email"] == "alice@corp.example.com"


def test_sysadmin_flag_is_changed_through_its_endpoint(run_module, harbor, users):
    alice = users.add("alice", PASSWORD, sysadmin=True)
    result = run_module(user, dict(name="alice", sysadmin=False))
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/users/%d/sysadmin" % alice["user_id"], {"sysadmin_flag": False})]


def test_update_password_always_checks_by_logging_in(run_module, harbor, users):
    users.add("alice", PASSWORD)
    result = run_module(user, dict(name="alice", user_password=PASSWORD, update_password="always"))
    assert result["changed"] is False and harbor.writes() == []
    logins = [c for c in harbor.calls if c.request.path_url == "/api/v2.0/systeminfo"
              and c.request.headers.get("Authorization", "").startswith("Basic YWxpY2")]
    assert len(logins) == 1


def test_update_password_always_changes_a_different_password(run_module, harbor, users):
    alice = users.add("alice", "0ld-Passw0rd")
    result = run_module(user, dict(name="alice", user_password=PASSWORD, update_password="always"), diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/users/%d/password" % alice["user_id"], {"new_password": PASSWORD})]
    assert users.passwords[alice["user_id"]] == PASSWORD
    assert result["diff"] == {"before": {}, "after": {"password": "******** (changed)"}}
    assert PASSWORD not in json.dumps(result) and "0ld-Passw0rd" not in json.dumps(result)


def test_changing_the_own_password_sends_the_old_one(run_module, harbor, users):
    result = run_module(user, dict(name="admin", user_password="N3w-Admin-Passw0rd", update_password="always"))
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/users/1/password", {"new_password": "N3w-Admin-Passw0rd",
                                                             "old_password": "Harbor12345"})]
    # no read with the old credentials after the change
    assert harbor.calls[-1].request.method == "PUT"
    assert result["user"]["username"] == "admin"


def test_check_mode_create_sends_no_write(run_module, harbor, users):
    result = run_module(user, ALICE, check_mode=True)
    assert result["changed"] is True and harbor.writes() == []
    assert users.by_name("alice") is None
    assert result["user"]["password"] == "********"


def test_check_mode_password_change_sends_no_write(run_module, harbor, users):
    users.add("alice", "0ld-Passw0rd")
    result = run_module(user, dict(name="alice", user_password=PASSWORD, update_password="always"), check_mode=True)
    assert result["changed"] is True and harbor.writes() == []


def test_diff_on_create_masks_the_password(run_module, harbor, users):
    result = run_module(user, ALICE, diff=True)
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == {"username": "alice", "email": "alice@example.com", "realname": "Alice Example",
                                       "password": "********"}


def test_create_without_the_required_fields_fails_without_a_write(run_module, harbor, users):
    result = run_module(user, dict(name="alice", email="alice@example.com"))
    assert result["failed"] is True
    assert "creating it needs realname, user_password" in result["msg"]
    assert harbor.writes() == []


def test_delete(run_module, harbor, users):
    alice = users.add("alice")
    result = run_module(user, dict(name="alice", state="absent"))
    assert result["changed"] is True and result["user"] == {}
    assert harbor.writes() == [("DELETE", "/users/%d" % alice["user_id"], None)]


def test_delete_in_check_mode_sends_no_write(run_module, harbor, users):
    users.add("alice")
    assert run_module(user, dict(name="alice", state="absent"), check_mode=True)["changed"] is True
    assert harbor.writes() == [] and users.by_name("alice") is not None


def test_absent_and_already_missing_is_unchanged(run_module, harbor, users):
    users.add("alice2")  # the search is fuzzy: alice2 is not alice
    result = run_module(user, dict(name="alice", state="absent"))
    assert result["changed"] is False and harbor.writes() == []


def test_exact_name_among_fuzzy_search_results(run_module, harbor, users):
    users.add("alice-admin", email="aa@example.com")
    result = run_module(user, ALICE)
    assert result["changed"] is True and harbor.writes()[0][1] == "/users"


@pytest.mark.parametrize("mode", ["ldap_auth", "oidc_auth"])
def test_other_auth_modes_are_refused_before_any_write(run_module, harbor, mode):
    HarborUsers(harbor, auth_mode=mode)
    result = run_module(user, ALICE)
    assert result["failed"] is True
    assert "authenticates with %s" % mode in result["msg"] and "db_auth" in result["msg"]
    assert harbor.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(ALICE, user_password="short1A"), "user_password does not meet Harbor's password rules"),
    (dict(ALICE, user_password="alllowercase1"), "password rules"),
    (dict(ALICE, user_password="ALLUPPERCASE1"), "password rules"),
    (dict(ALICE, user_password="NoDigitsHere"), "password rules"),
    (dict(ALICE, user_password="A1" + "a" * 127), "password rules"),
    (dict(ALICE, name="al,ice"), "username 'al,ice' is not valid"),
    (dict(ALICE, name="al$ice"), "is not valid"),
    (dict(ALICE, email="alice"), "email 'alice' is not a valid e-mail address"),
    (dict(ALICE, comment="c" * 31), "comment must not be longer than 30 characters"),
    (dict(ALICE, update_password="sometimes"), "value of update_password must be one of"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(user, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(harbor.calls) == 0
    if args.get("user_password"):
        assert args["user_password"] not in result["msg"]
