# -*- coding: utf-8 -*-
"""harbor_ops.harbor.user_info, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import user_info

from .harbor_accounts import HarborUsers


@pytest.fixture
def users(harbor):
    users = HarborUsers(harbor)
    users.add("alice", sysadmin=False)
    users.add("alice-ops", sysadmin=True)
    return users


def test_one_user_by_exact_name(run_module, harbor, users):
    result = run_module(user_info, dict(name="alice"))
    assert result["changed"] is False
    assert [u["username"] for u in result["raw"]] == ["alice"]
    assert "password" not in result["raw"][0]


def test_missing_user_gives_an_empty_list(run_module, harbor, users):
    assert run_module(user_info, dict(name="bob"))["users"] == []


def test_all_users(run_module, harbor, users):
    result = run_module(user_info, {})
    assert [u["username"] for u in result["raw"]] == ["admin", "alice", "alice-ops"]
    assert harbor.writes() == []


def test_sysadmins_only(run_module, harbor, users):
    result = run_module(user_info, dict(sysadmin=True))
    assert [u["username"] for u in result["raw"]] == ["admin", "alice-ops"]


def test_bad_name_fails_before_any_request(run_module, harbor):
    result = run_module(user_info, dict(name="a#b"))
    assert result["failed"] is True and "is not valid" in result["msg"]
    assert len(harbor.calls) == 0
