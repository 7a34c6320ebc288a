# -*- coding: utf-8 -*-
"""Harbor's rules for user names and passwords, checked before any request."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_password, check_username


@pytest.mark.parametrize("password", ["Passw0rd", "Al1ce-Passw0rd", "aB3" + "x" * 125])
def test_valid_passwords(password):
    assert check_password(password) is None


@pytest.mark.parametrize("password", ["", None, "Pa1", "Passw0r", "password1", "PASSWORD1", "Password",
                                      "aB3" + "x" * 126])
def test_invalid_passwords_without_repeating_them(password):
    message = check_password(password, "user_password")
    assert message.startswith("user_password does not meet Harbor's password rules: 8 to 128 characters")
    if password:
        assert password not in message


@pytest.mark.parametrize("name", ["alice", "alice.example", "a" * 255, "bob+ci", "Ünïcode"])
def test_valid_usernames(name):
    assert check_username(name) is None


@pytest.mark.parametrize("name", ["", "a" * 256, "a,b", 'a"b', "a~b", "a#b", "a%b", "a$b"])
def test_invalid_usernames(name):
    assert "is not valid" in check_username(name)
