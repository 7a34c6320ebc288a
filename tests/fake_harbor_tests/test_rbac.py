"""System robots are authorised like Harbor authorises them (``RequireSystemAccess`` in handler/base.go).

For every system endpoint the fake guards with a resource/action pair, a system robot holding exactly that pair
gets through, and a robot holding every *other* pair the version lets a robot hold gets 403, with the robot's
name as the message (``ForbiddenError(nil).WithMessage(secCtx.GetUsername())``).  The mapping is listed in
tests/fake_harbor/README.md ("System permissions").
"""

import pytest
import requests

from tests.fake_harbor.pytest_plugin import ApiClient
from tests.fake_harbor.resources.robots import allowed_pairs

from .conftest import request_violations

HUB = {"name": "hub", "type": "docker-hub", "url": "https://hub.docker.com"}
QUAY = {"name": "quay", "type": "quay", "url": "https://quay.io"}
PUSH = {"name": "sync", "dest_registry": {"id": 1}, "enabled": True,
        "filters": [{"type": "name", "value": "library/**"}], "trigger": {"type": "manual"}}
USER = {"username": "alice", "email": "alice@example.com", "realname": "Alice", "password": "Alice12345"}


def seed(api, server, needs):
    """The objects a case works on: registry 1, policy 1, execution 1, label 1, user 2, group 1."""
    if needs & {"registry", "policy", "execution"}:
        assert api.post("/registries", json=HUB).status_code == 201
    if needs & {"policy", "execution"}:
        assert api.post("/replication/policies", json=PUSH).status_code == 201
    if "execution" in needs:  # no repository matches: an execution without tasks
        assert api.post("/replication/executions", json={"policy_id": 1}).status_code == 201
    if "label" in needs:
        assert api.post("/labels", json={"name": "prod", "scope": "g", "color": "#FF0000"}).status_code == 201
    if "user" in needs:
        assert api.post("/users", json=USER).status_code == 201
    if "group" in needs:
        assert api.post("/usergroups", json={"group_name": "devs", "group_type": 2}).status_code == 201


def system_robot(api, server, name, pairs):
    """Create a system robot holding ``pairs`` as admin; return (status, ApiClient or None)."""
    access = [{"resource": resource, "action": action} for resource, action in sorted(pairs)]
    resp = api.post("/robots", json={"name": name, "level": "system", "duration": -1,
                                     "permissions": [{"kind": "system", "namespace": "/", "access": access}]})
    if resp.status_code != 201:
        return resp.status_code, None
    created = resp.json()
    return 201, ApiClient(server, auth=(created["name"], created["secret"]))


def call(client, case):
    method, path, body = case[0], case[1], case[2]
    return client.request(method, path, json=body) if body is not None else client.request(method, path)


# (method, path, body, (resource, action), status when allowed, objects it needs)
REGISTRIES = [
    ("POST", "/registries", QUAY, ("registry", "create"), 201, set()),
    ("GET", "/registries", None, ("registry", "list"), 200, {"registry"}),
    ("GET", "/registries/1", None, ("registry", "read"), 200, {"registry"}),
    ("PUT", "/registries/1", {"description": "mirror"}, ("registry", "update"), 200, {"registry"}),
    ("DELETE", "/registries/1", None, ("registry", "delete"), 200, {"registry"}),
    ("POST", "/registries/ping", {"id": 1}, ("registry", "read"), 200, {"registry"}),
    ("GET", "/registries/1/info", None, ("registry", "read"), 200, {"registry"}),
    ("GET", "/replication/adapters", None, ("replication-adapter", "list"), 200, set()),
]
REPLICATION = [
    ("POST", "/replication/policies", PUSH, ("replication-policy", "create"), 201, {"registry"}),
    ("GET", "/replication/policies", None, ("replication-policy", "list"), 200, {"policy"}),
    ("GET", "/replication/policies/1", None, ("replication-policy", "read"), 200, {"policy"}),
    ("PUT", "/replication/policies/1", dict(PUSH, description="d"), ("replication-policy", "update"), 200,
     {"policy"}),
    ("DELETE", "/replication/policies/1", None, ("replication-policy", "delete"), 200, {"policy"}),
    ("POST", "/replication/executions", {"policy_id": 1}, ("replication", "create"), 201, {"policy"}),
    ("GET", "/replication/executions", None, ("replication", "list"), 200, {"execution"}),
    ("GET", "/replication/executions/1", None, ("replication", "read"), 200, {"execution"}),
    ("PUT", "/replication/executions/1", None, ("replication", "create"), 200, {"execution"}),  # stop
    ("GET", "/replication/executions/1/tasks", None, ("replication", "list"), 200, {"execution"}),
    # past the permission check, the log of a task the execution does not have is 404
    ("GET", "/replication/executions/1/tasks/1/log", None, ("replication", "read"), 404, {"execution"}),
]
LABELS = [
    ("POST", "/labels", {"name": "qa", "scope": "g", "color": "#00FF00"}, ("label", "create"), 201, set()),
    ("GET", "/labels/1", None, ("label", "read"), 200, {"label"}),
    ("PUT", "/labels/1", {"name": "production", "color": "#FF0000"}, ("label", "update"), 200, {"label"}),
    ("DELETE", "/labels/1", None, ("label", "delete"), 200, {"label"}),
]
# from 2.12 a robot may hold user / user-group pairs (errata E7)
USERS_ALWAYS = [
    ("GET", "/users", None, ("user", "list"), 200, {"user"}),
    ("POST", "/users", USER, ("user", "create"), 201, set()),
    ("PUT", "/users/2/sysadmin", {"sysadmin_flag": True}, ("user", "update"), 200, {"user"}),
]
USERS_FROM_215 = [  # issue goharbor/harbor#22488: 403 for robots before 2.15.0 even with the permission
    ("GET", "/users/2", None, ("user", "read"), 200, {"user"}),
    ("PUT", "/users/2", {"email": "alice@corp.example.com", "realname": "Alice"}, ("user", "update"), 200,
     {"user"}),
    ("PUT", "/users/2/password", {"new_password": "Changed123"}, ("user", "update"), 200, {"user"}),
    ("DELETE", "/users/2", None, ("user", "delete"), 200, {"user"}),
]
USER_GROUPS = [
    ("GET", "/usergroups", None, ("user-group", "list"), 200, {"group"}),
    ("POST", "/usergroups", {"group_name": "ops", "group_type": 2}, ("user-group", "create"), 201, set()),
    ("GET", "/usergroups/1", None, ("user-group", "read"), 200, {"group"}),
    ("PUT", "/usergroups/1", {"group_name": "developers"}, ("user-group", "update"), 200, {"group"}),
    ("DELETE", "/usergroups/1", None, ("user-group", "delete"), 200, {"group"}),
]
# guarded by configuration pairs that no robot may hold: administrators only, in effect
ADMIN_ONLY = [
    ("GET", "/configurations", None, ("configuration", "read"), 200, set()),
    ("PUT", "/configurations", {"token_expiration": 45}, ("configuration", "update"), 200, set()),
    ("POST", "/ldap/ping", {"ldap_url": "ldaps://ldap.example.com"}, ("configuration", "read"), 200, set()),
    ("POST", "/system/oidc/ping", {"url": "https://login.example.com", "verify_cert": True},
     ("configuration", "update"), 200, set()),
    ("PUT", "/system/CVEAllowlist", {"items": [{"cve_id": "CVE-2024-0001"}]}, ("configuration", "update"), 200,
     set()),
]


def case_id(case):
    return "%s %s" % (case[0], case[1])


def assert_exactly_the_pair_opens(fake_harbor, api, case):
    method, path, _body, pair, status, needs = case
    seed(api, fake_harbor, needs)
    others = allowed_pairs(fake_harbor.version, "system") - {pair}
    created, without = system_robot(api, fake_harbor, "without", others)
    assert created == 201
    denied = call(without, case)
    assert denied.status_code == 403, denied.text
    assert denied.json() == {"errors": [{"code": "FORBIDDEN", "message": "robot$without"}]}
    anonymous = requests.request(method, fake_harbor.api_url + path, json=case[2], timeout=10)
    assert anonymous.status_code == 401, anonymous.text
    created, holder = system_robot(api, fake_harbor, "holder", {pair})
    assert created == 201
    resp = call(holder, case)
    assert resp.status_code == status, "%s %s as a robot with %s:%s: %s" % (method, path, pair[0], pair[1], resp.text)
    assert fake_harbor.requests[-1]["user"] == "robot$holder"
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
@pytest.mark.parametrize("case", REGISTRIES + REPLICATION + LABELS, ids=case_id)
def test_system_robot_with_exactly_the_permission(fake_harbor, harbor_api, case):
    assert_exactly_the_pair_opens(fake_harbor, harbor_api, case)


@pytest.mark.parametrize("fake_harbor", ["2.12", "2.15"], indirect=True)
@pytest.mark.parametrize("case", USERS_ALWAYS + USER_GROUPS, ids=case_id)
def test_users_and_groups_from_212(fake_harbor, harbor_api, case):
    assert_exactly_the_pair_opens(fake_harbor, harbor_api, case)


@pytest.mark.parametrize("fake_harbor", ["2.15"], indirect=True)
@pytest.mark.parametrize("case", USERS_FROM_215, ids=case_id)
def test_another_users_record_from_215(fake_harbor, harbor_api, case):
    assert_exactly_the_pair_opens(fake_harbor, harbor_api, case)


@pytest.mark.parametrize("fake_harbor", ["2.12", "2.14"], indirect=True)
@pytest.mark.parametrize("case", USERS_FROM_215, ids=case_id)
def test_another_users_record_is_closed_to_robots_before_215(fake_harbor, harbor_api, case):
    seed(harbor_api, fake_harbor, case[5])
    created, robot = system_robot(harbor_api, fake_harbor, "ops", allowed_pairs(fake_harbor.version, "system"))
    assert created == 201
    resp = call(robot, case)
    assert resp.status_code == 403 and resp.json()["errors"][0]["code"] == "FORBIDDEN"
    assert call(harbor_api, case).status_code == case[4]  # an administrator still can


@pytest.mark.parametrize("fake_harbor", ["2.10"], indirect=True)
@pytest.mark.parametrize("case", USERS_ALWAYS + USERS_FROM_215 + USER_GROUPS, ids=case_id)
def test_users_and_groups_are_closed_to_robots_on_210(fake_harbor, harbor_api, case):
    seed(harbor_api, fake_harbor, case[5])
    assert system_robot(harbor_api, fake_harbor, "holder", {case[3]})[0] == 400  # not a robot pair before 2.12
    created, robot = system_robot(harbor_api, fake_harbor, "ops", allowed_pairs(fake_harbor.version, "system"))
    assert created == 201
    assert call(robot, case).status_code == 403
    assert call(harbor_api, case).status_code == case[4]


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
@pytest.mark.parametrize("case", ADMIN_ONLY, ids=case_id)
def test_configuration_is_for_administrators(fake_harbor, harbor_api, case):
    assert system_robot(harbor_api, fake_harbor, "holder", {case[3]})[0] == 400  # no robot may hold it
    created, robot = system_robot(harbor_api, fake_harbor, "ops", allowed_pairs(fake_harbor.version, "system"))
    assert created == 201
    denied = call(robot, case)
    assert denied.status_code == 403
    assert denied.json() == {"errors": [{"code": "FORBIDDEN", "message": "robot$ops"}]}
    assert call(harbor_api, case).status_code == case[4]


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_any_caller_lists_system_labels(fake_harbor, harbor_api):
    seed(harbor_api, fake_harbor, {"label"})
    created, robot = system_robot(harbor_api, fake_harbor, "reader", {("project", "list")})
    assert created == 201
    resp = robot.get("/labels", params={"scope": "g"})
    assert resp.status_code == 200 and [label["name"] for label in resp.json()] == ["prod"]
    assert requests.get(fake_harbor.api_url + "/labels", params={"scope": "g"}, timeout=10).status_code == 401


def test_a_project_robot_holds_no_system_permission(fake_harbor, harbor_api):
    seed(harbor_api, fake_harbor, {"registry"})
    resp = harbor_api.post("/robots", json={"name": "ci", "level": "project", "duration": -1, "permissions": [
        {"kind": "project", "namespace": "library", "access": [{"resource": "repository", "action": "pull"}]}]})
    robot = ApiClient(fake_harbor, auth=(resp.json()["name"], resp.json()["secret"]))
    denied = robot.get("/registries")
    assert denied.status_code == 403 and denied.json()["errors"][0]["message"] == "robot$library+ci"


def test_self_registration_cannot_be_triggered_through_the_api(fake_harbor, harbor_api):
    assert harbor_api.put("/configurations", json={"self_registration": True}).status_code == 200
    resp = requests.post(fake_harbor.api_url + "/users", json=USER, timeout=10)
    assert resp.status_code == 403
    assert resp.json()["errors"][0]["message"] == "self-registration cannot be triggered via API"
    assert harbor_api.put("/configurations", json={"self_registration": False}).status_code == 200
    assert requests.post(fake_harbor.api_url + "/users", json=USER, timeout=10).status_code == 401


def test_a_user_changes_its_own_password_with_the_old_one(fake_harbor, harbor_api):
    seed(harbor_api, fake_harbor, {"user"})
    alice = ApiClient(fake_harbor, auth=("alice", USER["password"]))
    assert alice.put("/users/2/password", json={"new_password": "Changed123"}).status_code == 403
    assert alice.put("/users/2/password", json={"old_password": USER["password"],
                                                "new_password": "Changed123"}).status_code == 200
    alice = ApiClient(fake_harbor, auth=("alice", "Changed123"))
    assert alice.get("/users/1").status_code == 403
    assert alice.delete("/users/2").status_code == 403  # not even itself
