"""LDAP user search and import, LDAP group search (resources/ldap.py) and the OIDC CLI secret (resources/users.py).

The directory behind the fake is seeded with ``POST /_fake/ldap``; Harbor reaches it with the stored LDAP
configuration (``ldap_url``, ``ldap_search_dn``, ``ldap_search_password``), whatever the auth mode.
"""

import pytest
import requests

from tests.fake_harbor.pytest_plugin import ApiClient

from .conftest import request_violations

BOTH = pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
DIRECTORY = {
    "users": [{"username": "alice", "realname": "Alice Liddell", "email": "alice@example.com",
               "password": "Alice-Ldap-1"},
              {"username": "bob@example.com"},
              {"username": "carol", "realname": "Carol"}],
    "groups": [{"name": "developers", "dn": "cn=developers,ou=groups,dc=example,dc=com"},
               {"name": "ops", "dn": "cn=ops,ou=groups,dc=example,dc=com"}],
}
LDAP = {"ldap_url": "ldaps://ldap.example.com", "ldap_search_dn": "cn=harbor,dc=example,dc=com",
        "ldap_search_password": "Bind-Passw0rd", "ldap_base_dn": "dc=example,dc=com"}


def directory(server, body=None):
    resp = requests.post(server.url + "/_fake/ldap", json=DIRECTORY if body is None else body, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()


@pytest.fixture
def ldap(fake_harbor, harbor_api):
    """LDAP auth configured and a directory seeded (before any user exists: auth_mode is still editable)."""
    assert harbor_api.put("/configurations", json=dict(LDAP, auth_mode="ldap_auth")).status_code == 200
    directory(fake_harbor)
    return harbor_api


def message(resp):
    return resp.json()["errors"][0]["message"]


def add_user(server, username="joe", password="Joe12345", **extra):
    resp = requests.post(server.url + "/_fake/users", json=dict(username=username, password=password, **extra),
                         timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()["user_id"]


# ---------------------------------------------------------------- the directory seed

def test_directory_seed_is_checked_and_replaced(fake_harbor):
    url = fake_harbor.url + "/_fake/ldap"
    assert requests.post(url, json={"users": [{"realname": "no name"}]}, timeout=10).status_code == 400
    assert requests.post(url, json={"groups": [{"name": "no dn"}]}, timeout=10).status_code == 400
    seeded = directory(fake_harbor)
    assert [u["username"] for u in seeded["users"]] == ["alice", "bob@example.com", "carol"]
    assert seeded["users"][1]["realname"] == "bob@example.com"  # realname defaults to the name
    assert "Alice-Ldap-1" in fake_harbor.known_secrets()
    directory(fake_harbor, {"users": [{"username": "dave"}]})
    assert requests.get(url, timeout=10).json() == {
        "users": [{"username": "dave", "realname": "dave", "email": "", "password": ""}], "groups": []}


# ---------------------------------------------------------------- user search

@BOTH
def test_search_users(fake_harbor, ldap):
    everyone = ldap.get("/ldap/users/search")
    assert everyone.status_code == 200
    assert [u["username"] for u in everyone.json()] == ["alice", "bob@example.com", "carol"]
    found = ldap.get("/ldap/users/search", params={"username": "ALICE"}).json()
    assert found == [{"username": "alice", "realname": "Alice Liddell", "email": "alice@example.com"}]
    assert ldap.get("/ldap/users/search", params={"username": "ali"}).json() == []  # (uid=ali): exact
    assert "email" not in ldap.get("/ldap/users/search", params={"username": "carol"}).json()[0]  # omitempty
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("settings", [
    {},  # nothing configured: the session cannot open
    {"ldap_url": "ldaps://ldap.corp.invalid"},  # unreachable
    {"ldap_url": "ldaps://ldap.example.com", "ldap_search_dn": "cn=harbor"},  # a bind without a password
])
def test_search_needs_a_reachable_directory(fake_harbor, harbor_api, settings):
    if settings:
        assert harbor_api.put("/configurations", json=settings).status_code == 200
    directory(fake_harbor)
    answers = (harbor_api.get("/ldap/users/search"),
               harbor_api.post("/ldap/users/import", json={"ldap_uid_list": ["alice"]}),
               harbor_api.get("/ldap/groups/search", params={"groupname": "ops"}))
    for resp in answers:
        assert resp.status_code == 500
        assert resp.json() == {"errors": [{"code": "UNKNOWN", "message": "internal server error"}]}


def test_search_does_not_depend_on_the_auth_mode(fake_harbor, harbor_api):
    assert harbor_api.put("/configurations", json=LDAP).status_code == 200  # auth_mode stays db_auth
    directory(fake_harbor)
    assert len(harbor_api.get("/ldap/users/search").json()) == 3


# ---------------------------------------------------------------- import

@BOTH
def test_import_onboards_users(fake_harbor, ldap):
    resp = ldap.post("/ldap/users/import", json={"ldap_uid_list": ["alice", "bob@example.com"]})
    assert resp.status_code == 200 and resp.content == b""
    users = {u["username"]: u for u in ldap.get("/users").json()}
    assert users["alice"]["email"] == "alice@example.com" and users["alice"]["realname"] == "Alice Liddell"
    assert users["alice"]["comment"] == "From LDAP."
    assert users["bob@example.com"]["email"] == "bob@example.com"  # the name, as it has an "@"
    # the directory's password works for basic auth, as an LDAP bind would
    assert ApiClient(fake_harbor, auth=("alice", "Alice-Ldap-1")).get("/users/current").status_code == 200
    # importing again is not an error
    assert ldap.post("/ldap/users/import", json={"ldap_uid_list": ["alice"]}).status_code == 200
    assert len(ldap.get("/users").json()) == 3
    assert request_violations(fake_harbor) == []


@BOTH
def test_import_reports_failures_with_404(fake_harbor, ldap):
    resp = ldap.post("/ldap/users/import", json={"ldap_uid_list": ["carol", "mallory", ""]})
    assert resp.status_code == 404
    assert resp.json() == [{"uid": "mallory", "error": "unknown_user"}, {"error": "empty_uid"}]  # uid "" omitted
    assert [u["username"] for u in ldap.get("/users").json()] == ["admin", "carol"]  # the others were imported
    assert request_violations(fake_harbor) == []


def test_import_in_db_auth_cannot_onboard(fake_harbor, harbor_api):
    assert harbor_api.put("/configurations", json=LDAP).status_code == 200
    directory(fake_harbor)
    resp = harbor_api.post("/ldap/users/import", json={"ldap_uid_list": ["alice"]})
    assert resp.status_code == 404 and resp.json() == [{"uid": "alice", "error": "failed to import user: alice"}]
    assert [u["username"] for u in harbor_api.get("/users").json()] == ["admin"]


# ---------------------------------------------------------------- group search

@BOTH
def test_search_groups(fake_harbor, ldap):
    by_name = ldap.get("/ldap/groups/search", params={"groupname": "Developers"})
    assert by_name.status_code == 200
    assert by_name.json() == [{"group_name": "developers",
                               "ldap_group_dn": "cn=developers,ou=groups,dc=example,dc=com"}]
    by_dn = ldap.get("/ldap/groups/search", params={"groupdn": "CN=ops,ou=groups,dc=example,dc=com"}).json()
    assert [g["group_name"] for g in by_dn] == ["ops"]
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("params, status", [
    ({"groupname": "nobody"}, 404),
    ({}, 404),  # neither a name nor a DN: no group
    ({"groupdn": "cn=nobody,dc=example,dc=com"}, 404),
    ({"groupdn": "not a dn"}, 500),  # ParseDN fails: a plain error
])
def test_group_search_misses(fake_harbor, ldap, params, status):
    resp = ldap.get("/ldap/groups/search", params=params)
    assert resp.status_code == status
    if status == 404:
        assert message(resp) == "group name:%s, group DN:%s" % (params.get("groupname", ""), params.get("groupdn", ""))


# ---------------------------------------------------------------- permissions

@BOTH
def test_ldap_permissions(fake_harbor, ldap):
    anonymous = ApiClient(fake_harbor, auth=("nobody", "Wrong-Passw0rd"))
    assert anonymous.get("/ldap/users/search").status_code == 401
    assert anonymous.post("/ldap/users/import", json={"ldap_uid_list": ["alice"]}).status_code == 401
    add_user(fake_harbor)
    joe = ApiClient(fake_harbor, auth=("joe", "Joe12345"))
    assert joe.get("/ldap/users/search").status_code == 403
    assert joe.get("/ldap/groups/search", params={"groupname": "ops"}).status_code == 403
    assert joe.post("/ldap/users/import", json={"ldap_uid_list": ["alice"]}).status_code == 403


@pytest.mark.parametrize("fake_harbor", ["2.15"], indirect=True)
def test_robot_with_ldap_user_permissions(fake_harbor, ldap):
    body = {"name": "ldap", "level": "system", "duration": 30, "permissions": [
        {"kind": "system", "namespace": "/", "access": [{"resource": "ldap-user", "action": "list"}]}]}
    created = ldap.post("/robots", json=body).json()
    robot = ApiClient(fake_harbor, auth=(created["name"], created["secret"]))
    assert robot.get("/ldap/users/search").status_code == 200
    assert robot.get("/ldap/groups/search", params={"groupname": "ops"}).status_code == 200
    assert robot.post("/ldap/users/import", json={"ldap_uid_list": ["alice"]}).status_code == 403  # create


# ---------------------------------------------------------------- the OIDC CLI secret

@pytest.fixture
def oidc(fake_harbor, harbor_api):
    """oidc_auth, an OIDC user ``olivia`` (CLI secret ``Olivia-Cli-1``) and a db user ``joe``."""
    assert harbor_api.put("/configurations", json={"auth_mode": "oidc_auth"}).status_code == 200
    olivia = add_user(fake_harbor, "olivia", "Olivia-Cli-1", oidc=True)
    joe = add_user(fake_harbor)
    return {"olivia": olivia, "joe": joe}


def cli_secret(api, user_id, secret=None):
    return api.put("/users/%d/cli_secret" % user_id, json={} if secret is None else {"secret": secret})


@BOTH
def test_own_cli_secret(fake_harbor, oidc):
    olivia = ApiClient(fake_harbor, auth=("olivia", "Olivia-Cli-1"))
    assert olivia.get("/users/current").status_code == 200  # the CLI secret is the basic-auth password
    assert cli_secret(olivia, oidc["olivia"], "Olivia-Cli-2").status_code == 200
    assert "Olivia-Cli-2" in fake_harbor.known_secrets()
    assert olivia.get("/users/current").status_code == 401  # the old secret is gone at once
    assert ApiClient(fake_harbor, auth=("olivia", "Olivia-Cli-2")).get("/users/current").status_code == 200
    assert request_violations(fake_harbor) == []


@BOTH
def test_an_empty_secret_becomes_a_random_one(fake_harbor, harbor_api, oidc):
    before = set(fake_harbor.known_secrets())
    assert cli_secret(harbor_api, oidc["olivia"]).status_code == 200
    assert cli_secret(harbor_api, oidc["olivia"], "").status_code == 200
    new = set(fake_harbor.known_secrets()) - before
    assert len(new) == 2 and all(len(s) == 9 for s in new)
    assert ApiClient(fake_harbor, auth=("olivia", "Olivia-Cli-1")).get("/users/current").status_code == 401


@pytest.mark.parametrize("secret", ["short1A", "alllowercase1", "ALLUPPERCASE1", "NoDigitsHere", "Aa1" * 43])
def test_cli_secret_rules(harbor_api, oidc, secret):
    resp = cli_secret(harbor_api, oidc["olivia"], secret)
    assert resp.status_code == 400 and message(resp).startswith("the password or secret must be")


@BOTH
def test_cli_secret_access(fake_harbor, harbor_api, oidc):
    assert cli_secret(harbor_api, oidc["olivia"], "Admin-Set-1").status_code == 200  # an admin sets anyone's
    joe = ApiClient(fake_harbor, auth=("joe", "Joe12345"))
    assert cli_secret(joe, oidc["olivia"], "Joe-Sets-1").status_code == 403
    assert cli_secret(ApiClient(fake_harbor, auth=("x", "Wrong-Passw0rd")), oidc["olivia"], "Anon-Set-1"
                      ).status_code == 401
    # a user not onboarded through OIDC, or none at all
    missing = cli_secret(harbor_api, oidc["joe"], "Not-Oidc-1")
    assert missing.status_code == 404 and message(missing) == "oidc info for user %d not found" % oidc["joe"]
    assert cli_secret(harbor_api, 99, "Nobody-1x").status_code == 404


@BOTH
def test_cli_secret_needs_oidc_auth(fake_harbor, harbor_api):
    resp = cli_secret(harbor_api, 1, "Db-Auth-1x")
    assert resp.status_code == 412 and message(resp) == "unable to update CLI secret under authmode: db_auth"
    # the auth mode is checked before the caller is
    assert cli_secret(ApiClient(fake_harbor, auth=("x", "Wrong-Passw0rd")), 1, "Db-Auth-1x").status_code == 412


@pytest.mark.parametrize("fake_harbor, status", [("2.14", 403), ("2.15", 200)], indirect=["fake_harbor"])
def test_robot_with_user_update(fake_harbor, harbor_api, oidc, status):
    # robots hold user permissions from 2.12 (errata E7); before 2.15 Harbor's check of them fails (#22488)
    body = {"name": "users", "level": "system", "duration": 30, "permissions": [
        {"kind": "system", "namespace": "/", "access": [{"resource": "user", "action": "update"}]}]}
    created = harbor_api.post("/robots", json=body).json()
    robot = ApiClient(fake_harbor, auth=(created["name"], created["secret"]))
    assert cli_secret(robot, oidc["olivia"], "Robot-Set-1").status_code == status
