"""User groups and project members (api-notes §13)."""

import pytest
import requests

from .conftest import request_violations

DN = "cn=developers,ou=groups,dc=example,dc=com"


def add_group(api, name="developers", group_type=1, dn=DN):
    body = {"group_name": name, "group_type": group_type}
    if dn is not None:
        body["ldap_group_dn"] = dn
    return api.post("/usergroups", json=body)


def test_create_group_201_location(harbor_api):
    resp = add_group(harbor_api)
    assert resp.status_code == 201 and resp.content == b""
    assert resp.headers["Location"] == "/api/v2.0/usergroups/1"
    assert harbor_api.get("/usergroups/1").json() == {"id": 1, "group_name": "developers", "group_type": 1,
                                                      "ldap_group_dn": DN}


def test_group_duplicates_are_409(harbor_api):
    assert add_group(harbor_api).status_code == 201
    assert add_group(harbor_api).status_code == 409
    assert add_group(harbor_api, name="devs").status_code == 409  # the DN is taken
    assert add_group(harbor_api, group_type=3, dn=None).status_code == 201  # same name, other type
    assert add_group(harbor_api, name="developers", group_type=3, dn=None).json()["errors"][0]["code"] == "CONFLICT"


@pytest.mark.parametrize("body, message", [
    ({"group_name": "x", "group_type": 4}, "invalid group type"),
    ({"group_name": "x", "group_type": 1}, "ldap_group_dn is required"),
    ({"group_name": "", "group_type": 3}, "group_name is required"),
])
def test_group_validation_is_400(harbor_api, body, message):
    resp = harbor_api.post("/usergroups", json=body)
    assert resp.status_code == 400 and message in resp.json()["errors"][0]["message"]


def test_group_list_filters_and_search(fake_harbor, harbor_api):
    add_group(harbor_api)
    add_group(harbor_api, name="developers-old", dn="cn=old")
    add_group(harbor_api, name="ops", group_type=3, dn=None)
    by_name = harbor_api.get("/usergroups", params={"group_name": "DEVELOP"})
    assert [g["group_name"] for g in by_name.json()] == ["developers", "developers-old"]
    assert by_name.headers["X-Total-Count"] == "2"
    by_dn = harbor_api.get("/usergroups", params={"ldap_group_dn": "cn=old"}).json()
    assert [g["group_name"] for g in by_dn] == ["developers-old"]
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "joe", "password": "Joe12345"}, timeout=10)
    joe = dict(auth=("joe", "Joe12345"), timeout=10)
    assert requests.get(fake_harbor.api_url + "/usergroups", **joe).status_code == 403
    found = requests.get(fake_harbor.api_url + "/usergroups/search", params={"groupname": "ops"}, **joe)
    assert found.status_code == 200 and found.json() == [{"id": 3, "group_name": "ops", "group_type": 3}]
    assert request_violations(fake_harbor) == []


def test_group_rename_only(harbor_api):
    add_group(harbor_api)
    assert harbor_api.put("/usergroups/1", json={"group_name": "devs", "group_type": 3,
                                                 "ldap_group_dn": "cn=x"}).status_code == 200
    assert harbor_api.get("/usergroups/1").json() == {"id": 1, "group_name": "devs", "group_type": 1,
                                                      "ldap_group_dn": DN}
    assert harbor_api.put("/usergroups/1", json={"group_name": ""}).status_code == 400
    assert harbor_api.put("/usergroups/9", json={"group_name": "x"}).status_code == 404


def test_member_lifecycle(fake_harbor, harbor_api):
    add_group(harbor_api)
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "alice", "password": "Al1ce-Passw0rd"},
                  timeout=10)
    base = "/projects/library/members"
    group = harbor_api.post(base, json={"role_id": 2, "member_group": {"id": 1}})
    assert group.status_code == 201 and group.headers["Location"] == "/api/v2.0/projects/library/members/2"
    user = harbor_api.post(base, json={"role_id": 5, "member_user": {"username": "alice"}})
    assert user.status_code == 201
    assert harbor_api.post(base, json={"role_id": 3, "member_user": {"username": "alice"}}).status_code == 409
    members = harbor_api.get(base).json()
    assert [(m["entity_name"], m["entity_type"], m["role_id"], m["role_name"]) for m in members] == [
        ("admin", "u", 1, "projectAdmin"), ("developers", "g", 2, "developer"), ("alice", "u", 5, "limitedGuest")]
    assert [m["entity_name"] for m in harbor_api.get(base, params={"entityname": "DEV"}).json()] == ["developers"]
    assert harbor_api.put(base + "/2", json={"role_id": 4}).status_code == 200
    assert harbor_api.get(base + "/2").json()["role_name"] == "maintainer"
    assert harbor_api.put(base + "/2", json={"role_id": 6}).status_code == 400
    assert harbor_api.delete(base + "/2").status_code == 200
    assert harbor_api.get(base + "/2").status_code == 404
    assert request_violations(fake_harbor) == []


def test_member_errors(harbor_api):
    base = "/projects/library/members"
    assert harbor_api.post(base, json={"role_id": 9, "member_user": {"username": "admin"}}).status_code == 400
    assert harbor_api.post(base, json={"role_id": 2, "member_user": {"username": "nobody"}}).status_code == 404
    assert harbor_api.post(base, json={"role_id": 2, "member_group": {"id": 42}}).status_code == 404
    assert harbor_api.post(base, json={"role_id": 2}).status_code == 400
    assert harbor_api.get("/projects/nope/members").status_code == 404


def test_ldap_group_member_by_dn_creates_the_group(harbor_api):
    resp = harbor_api.post("/projects/library/members", json={
        "role_id": 2, "member_group": {"group_name": "developers", "group_type": 1, "ldap_group_dn": DN}})
    assert resp.status_code == 201
    assert harbor_api.get("/usergroups").json()[0]["ldap_group_dn"] == DN


def test_deleting_a_group_or_project_removes_its_memberships(harbor_api):
    add_group(harbor_api)
    harbor_api.post("/projects", json={"project_name": "team"})
    harbor_api.post("/projects/team/members", json={"role_id": 2, "member_group": {"id": 1}})
    harbor_api.post("/projects/library/members", json={"role_id": 3, "member_group": {"id": 1}})
    harbor_api.delete("/projects/team")
    assert harbor_api.delete("/usergroups/1").status_code == 200
    assert [m["entity_type"] for m in harbor_api.get("/projects/library/members").json()] == ["u"]


def test_only_project_admins_add_members(fake_harbor, harbor_api):
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "dev", "password": "Dev-Passw0rd"}, timeout=10)
    harbor_api.post("/projects/library/members", json={"role_id": 2, "member_user": {"username": "dev"}})
    as_dev = dict(auth=("dev", "Dev-Passw0rd"), timeout=10)
    listed = requests.get(fake_harbor.api_url + "/projects/library/members", **as_dev)
    assert listed.status_code == 200
    added = requests.post(fake_harbor.api_url + "/projects/library/members", json={"role_id": 1,
                                                                                   "member_user": {"username": "dev"}},
                          **as_dev)
    assert added.status_code == 403


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_no_contract_violation_on_both_spec_versions(fake_harbor, harbor_api):
    add_group(harbor_api)
    harbor_api.get("/usergroups", params={"group_name": "dev"})
    harbor_api.get("/usergroups/1")
    harbor_api.post("/projects/library/members", json={"role_id": 2, "member_group": {"id": 1}})
    harbor_api.get("/projects/library/members", params={"entityname": "dev"})
    harbor_api.put("/projects/library/members/2", json={"role_id": 3})
    harbor_api.delete("/projects/library/members/2")
    harbor_api.delete("/usergroups/1")
    assert fake_harbor.violations == []
