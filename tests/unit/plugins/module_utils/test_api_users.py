# -*- coding: utf-8 -*-
"""HarborClient.get_user: an exact name over Harbor's substring search."""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborClient

from ...conftest import API, URL


def client():
    return HarborClient(URL, "admin", "Harbor12345", sleep=lambda _s: None)


def test_get_user_matches_the_exact_name(harbor):
    harbor.systeminfo()
    found = [{"user_id": 3, "username": "alice-admin"}, {"user_id": 4, "username": "alice"}]
    harbor.get(API + "/users/search", json=found, headers={"X-Total-Count": "2"})
    harbor.get(API + "/users/4", json={"user_id": 4, "username": "alice", "email": "a@example.com"})
    user = client().get_user("alice")
    assert user == {"user_id": 4, "username": "alice", "email": "a@example.com"}
    search = [c.request for c in harbor.calls if "/users/search" in c.request.url][0]
    assert "username=alice" in search.url and "q=" not in search.url


def test_get_user_keeps_a_plus_in_the_name(harbor):
    harbor.systeminfo()
    harbor.get(API + "/users/search", json=[{"user_id": 5, "username": "bob+ci"}], headers={"X-Total-Count": "1"})
    harbor.get(API + "/users/5", json={"user_id": 5, "username": "bob+ci"})
    assert client().get_user("bob+ci")["user_id"] == 5
    search = [c.request for c in harbor.calls if "/users/search" in c.request.url][0]
    assert "username=bob%2Bci" in search.url


def test_get_user_missing(harbor):
    harbor.systeminfo()
    harbor.get(API + "/users/search", json=[{"user_id": 3, "username": "alice-admin"}], headers={"X-Total-Count": "1"})
    assert client().get_user("alice") is None
    assert not [c for c in harbor.calls if c.request.url.endswith("/users/3")]
