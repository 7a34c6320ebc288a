"""Robot accounts as Harbor answers them (api-notes §2, errata E1, E5-E8)."""

import json
import time

import pytest
import requests

from tests.fake_harbor.pytest_plugin import ApiClient

from .conftest import request_violations

DAY = 86400
PULL = [{"resource": "repository", "action": "pull"}]


def project_perm(namespace, access=None):
    return {"kind": "project", "namespace": namespace, "access": PULL if access is None else access}


def robot_body(name="ci", level="project", namespace="production", duration=30, permissions=None, **extra):
    body = {"name": name, "level": level, "duration": duration,
            "permissions": permissions if permissions is not None else [project_perm(namespace)]}
    body.update(extra)
    return body


def add_user(server, username, password="User12345"):
    resp = requests.post(server.url + "/_fake/users", json={"username": username, "password": password}, timeout=10)
    assert resp.status_code in (200, 201)
    return ApiClient(server, auth=(username, password))


def as_robot(server, name, secret):
    return ApiClient(server, auth=(name, secret))


@pytest.fixture
def production(harbor_api):
    assert harbor_api.post("/projects", json={"project_name": "production"}).status_code == 201
    assert harbor_api.post("/projects", json={"project_name": "staging"}).status_code == 201
    return harbor_api


def message(resp):
    return resp.json()["errors"][0]["message"]


# ---------------------------------------------------------------- create, read, list

@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_create_project_robot_returns_the_secret_once(fake_harbor, production):
    resp = production.post("/robots", json=robot_body(description="CI", duration=365))
    assert resp.status_code == 201
    assert resp.headers["Location"] == "/api/v2.0/robots/1"
    created = resp.json()
    assert set(created) == {"id", "name", "secret", "creation_time", "expires_at"}
    assert created["name"] == "robot$production+ci"
    assert created["secret"] in fake_harbor.known_secrets()
    assert abs(created["expires_at"] - (time.time() + 365 * DAY)) < 60
    robot = production.get("/robots/1").json()
    assert "secret" not in robot
    assert robot["name"] == "robot$production+ci" and robot["level"] == "project" and robot["description"] == "CI"
    assert robot["permissions"] == [project_perm("production")]
    assert robot["editable"] is True and robot["disable"] is False
    assert ("creator_type" in robot) == (fake_harbor.version >= (2, 13))
    assert request_violations(fake_harbor) == []


def test_secret_and_disable_are_ignored_on_create(production):
    resp = production.post("/robots", json=robot_body(secret="Ignored-Secret-1", disable=True))
    assert resp.json()["secret"] != "Ignored-Secret-1"
    assert production.get("/robots/1").json()["disable"] is False


def test_system_robot_name_and_duplicates(production):
    body = robot_body(level="system", permissions=[{"kind": "system", "namespace": "/", "access": [
        {"resource": "project", "action": "list"}]}, project_perm("*")])
    resp = production.post("/robots", json=body)
    assert resp.status_code == 201 and resp.json()["name"] == "robot$ci"
    again = production.post("/robots", json=body)
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "CONFLICT"
    # a project robot of the same short name is another robot
    assert production.post("/robots", json=robot_body()).status_code == 201


def test_prefix_comes_from_the_configuration(production):
    assert production.put("/configurations", json={"robot_name_prefix": "bot_"}).status_code == 200
    assert production.post("/robots", json=robot_body()).json()["name"] == "bot_production+ci"


def test_list_without_q_gives_system_robots_only(production):
    production.post("/robots", json=robot_body())
    production.post("/robots", json=robot_body(name="sys", level="system", permissions=[project_perm("staging")]))
    resp = production.get("/robots")
    assert resp.status_code == 200 and resp.headers["X-Total-Count"] == "1"
    assert [r["name"] for r in resp.json()] == ["robot$sys"]
    project = production.get("/robots", params={"q": "Level=project,ProjectID=2"})
    assert [r["name"] for r in project.json()] == ["robot$production+ci"]
    assert production.get("/robots", params={"q": "Level=project,ProjectID=3"}).json() == []


@pytest.mark.parametrize("q", ["Level=project", "Level=project,ProjectID=0", "Level=project,ProjectID=x"])
def test_project_listing_needs_a_positive_project_id(production, q):
    assert production.get("/robots", params={"q": q}).status_code == 400


def test_name_filter_uses_the_stored_name_and_q_is_unescaped_twice(production):
    production.post("/robots", json=robot_body())
    # a literal "+" must be sent as %2B inside q (the server unescapes q a second time)
    found = production.get("/robots", params={"q": "Level=project,ProjectID=2,name=production%2Bci"})
    assert [r["name"] for r in found.json()] == ["robot$production+ci"]
    plus_as_space = production.get("/robots", params={"q": "Level=project,ProjectID=2,name=production+ci"})
    assert plus_as_space.json() == []


def test_get_and_delete(production):
    production.post("/robots", json=robot_body())
    assert production.delete("/robots/1").status_code == 200
    assert production.get("/robots/1").status_code == 404
    assert production.delete("/robots/1").status_code == 404


def test_project_deletion_deletes_its_robots(fake_harbor, production):
    production.post("/robots", json=robot_body())
    assert production.delete("/projects/production").status_code == 200
    assert production.get("/robots/1").status_code == 404


# ---------------------------------------------------------------- validation (errata E5-E7)

@pytest.mark.parametrize("body, text", [
    (robot_body(permissions=[]), "bad request empty permission"),
    (robot_body(permissions=[project_perm("production", access=[])]), "bad request empty access"),
    (robot_body(permissions=[project_perm("production"), project_perm("staging")]), "bad request permission"),
    (robot_body(level="system", permissions=[{"kind": "global", "namespace": "/", "access": PULL}]),
     "bad request permission level: global"),
    (robot_body(permissions=[project_perm("production", [{"resource": "repository", "action": "fly"}])]),
     "bad request permission: repository:fly"),
    (robot_body(level="everything"), "bad request invalid level: everything"),
    (robot_body(name="CI"), "robot name is not in lower case or contains illegal characters"),
    (robot_body(name="a+b"), "robot name is not in lower case or contains illegal characters"),
    # order: an empty access is reported before the second entry of a project robot
    (robot_body(permissions=[project_perm("production", access=[]), project_perm("staging")]),
     "bad request empty access"),
    # order: per entry, the kind before the pairs
    (robot_body(level="system", permissions=[
        {"kind": "weird", "namespace": "/", "access": [{"resource": "x", "action": "y"}]}]),
     "bad request permission level: weird"),
])
def test_permission_validation_in_harbor_order(production, body, text):
    resp = production.post("/robots", json=body)
    assert resp.status_code == 400 and message(resp) == text


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.11", "2.12", "2.15"], indirect=True)
def test_allowed_pairs_by_version_match_get_permissions(fake_harbor, production):
    listed = production.get("/permissions").json()
    system = {(p["resource"], p["action"]) for p in listed["system"]}
    project = {(p["resource"], p["action"]) for p in listed["project"]}
    extras = fake_harbor.version >= (2, 12)
    assert (("robot", "list") in system) == extras and (("user-group", "create") in system) == extras
    assert (("member", "list") in project) == extras and (("export-cve", "read") in project) == extras
    assert (("sbom", "create") in project) == (fake_harbor.version >= (2, 11))
    assert {("repository", "pull"), ("repository", "push"), ("artifact", "delete")} <= project
    # everything listed is accepted, a pair of a later version is refused with Harbor's message
    every = robot_body(name="all", level="system", permissions=[
        {"kind": "system", "namespace": "/", "access": [{"resource": r, "action": a} for r, a in sorted(system)]},
        project_perm("*", [{"resource": r, "action": a} for r, a in sorted(project)])])
    assert production.post("/robots", json=every).status_code == 201
    if not extras:
        resp = production.post("/robots", json=robot_body(level="system", permissions=[
            {"kind": "system", "namespace": "/", "access": [{"resource": "robot", "action": "list"}]}]))
        assert resp.status_code == 400 and message(resp) == "bad request permission: robot:list"


def test_permissions_list_is_for_admins(fake_harbor, production):
    assert requests.get(fake_harbor.api_url + "/permissions", timeout=10).status_code == 401
    bob = add_user(fake_harbor, "bob")
    assert bob.get("/permissions").status_code == 403
    assert bob.post("/projects", json={"project_name": "bobs"}).status_code == 201  # bob is its project admin
    assert set(bob.get("/permissions").json()) == {"project"}


@pytest.mark.parametrize("fake_harbor", ["2.11", "2.15"], indirect=True)
@pytest.mark.parametrize("duration", [0, None, -2, 2147483647])
def test_duration_from_2_11(production, duration):
    body = robot_body(duration=duration)
    if duration is None:
        del body["duration"]
    resp = production.post("/robots", json=body)
    assert resp.status_code == 400
    assert message(resp) == ("bad request error duration input: %s, duration must be either -1(Never) or a positive "
                             "integer" % (duration or 0))


@pytest.mark.harbor_version("2.10")
def test_duration_on_2_10(production):
    body = robot_body()
    del body["duration"]
    absent = production.post("/robots", json=body).json()
    assert abs(absent["expires_at"] - (time.time() + 30 * DAY)) < 60  # robot_token_duration
    assert production.get("/robots/1").json()["duration"] == 30
    assert production.post("/robots", json=robot_body(name="zero", duration=0)).status_code == 201
    assert production.get("/robots/2").json()["duration"] == 30
    assert production.post("/robots", json=robot_body(name="never", duration=-1)).json()["expires_at"] == -1
    assert production.post("/robots", json=robot_body(name="bad", duration=-2)).status_code == 400


def test_missing_project_is_404_for_admins_403_for_others_on_create(fake_harbor, production):
    resp = production.post("/robots", json=robot_body(namespace="nope"))
    assert resp.status_code == 404 and resp.json()["errors"][0]["code"] == "NOT_FOUND"
    bob = add_user(fake_harbor, "bob")
    assert bob.post("/robots", json=robot_body(namespace="nope")).status_code == 403
    anonymous = requests.post(fake_harbor.api_url + "/robots", json=robot_body(namespace="nope"), timeout=10)
    assert anonymous.status_code == 401
    # a system robot's project entry names an existing project too
    resp = production.post("/robots", json=robot_body(level="system", permissions=[project_perm("nope")]))
    assert resp.status_code == 404


def test_non_admin_without_robot_permission_is_403(fake_harbor, production):
    bob = add_user(fake_harbor, "bob")
    assert bob.post("/robots", json=robot_body()).status_code == 403
    assert bob.post("/projects", json={"project_name": "bobs"}).status_code == 201
    assert bob.post("/robots", json=robot_body(namespace="bobs")).status_code == 201  # project admin of bobs


# ---------------------------------------------------------------- update (errata E8)

def stored(api, robot_id=1):
    return api.get("/robots/%d" % robot_id).json()


def put_body(robot, **changes):
    body = {k: robot[k] for k in ("name", "level", "permissions", "duration")}
    body.update(changes)
    return body


def test_put_replaces_description_and_disable(production):
    production.post("/robots", json=robot_body(description="CI"))
    robot = stored(production)
    assert production.put("/robots/1", json=put_body(robot, disable=True)).status_code == 200
    after = stored(production)
    assert "description" not in after and after["disable"] is True  # absent description -> ""
    assert production.put("/robots/1", json=put_body(robot, description="again")).status_code == 200
    assert stored(production)["disable"] is False  # absent disable re-enables


def test_put_replaces_permissions(production):
    production.post("/robots", json=robot_body())
    new = [project_perm("production", [{"resource": "artifact", "action": "delete"}])]
    assert production.put("/robots/1", json=put_body(stored(production), permissions=new)).status_code == 200
    assert stored(production)["permissions"] == new


@pytest.mark.parametrize("change, status, text", [
    (dict(permissions=[]), 400, "bad request empty permission"),
    (dict(permissions=[project_perm("staging")]), 400, "cannot update the project id of robot"),
    (dict(permissions=[project_perm("nope")]), 404, "project nope not found"),
    (dict(name="robot$production+other"), 400, "cannot update the level or name of robot"),
    (dict(name="ci"), 400, "cannot update the level or name of robot"),
    (dict(level="system"), 400, "cannot update the level or name of robot"),
    # the name check runs after the permission checks
    (dict(name="other", permissions=[project_perm("production", [{"resource": "x", "action": "y"}])]), 400,
     "bad request permission: x:y"),
])
def test_put_checks(production, change, status, text):
    production.post("/robots", json=robot_body())
    resp = production.put("/robots/1", json=put_body(stored(production), **change))
    assert resp.status_code == status and message(resp) == text


def test_put_of_a_missing_namespace_is_404_even_for_non_admins(fake_harbor, production):
    production.post("/robots", json=robot_body())
    bob = add_user(fake_harbor, "bob")
    resp = bob.put("/robots/1", json=put_body(stored(production), permissions=[project_perm("nope")]))
    assert resp.status_code == 404
    assert bob.put("/robots/1", json=put_body(stored(production))).status_code == 403


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_put_duration_by_version(fake_harbor, production):
    created = production.post("/robots", json=robot_body(duration=365)).json()
    robot = stored(production)
    body = put_body(robot)
    del body["duration"]
    assert production.put("/robots/1", json=body).status_code == 200
    after = stored(production)
    if fake_harbor.version >= (2, 11):
        assert after["duration"] == 365 and after["expires_at"] == created["expires_at"]
    else:  # 2.10 resets a missing duration to robot_token_duration, counted from the creation
        assert after["duration"] == 30 and after["expires_at"] == created["expires_at"] - 335 * DAY
    assert production.put("/robots/1", json=put_body(robot, duration=730)).status_code == 200
    assert stored(production)["expires_at"] == created["expires_at"] + 365 * DAY
    assert production.put("/robots/1", json=put_body(robot, duration=-1)).status_code == 200
    assert stored(production)["expires_at"] == -1


def test_put_duration_0_is_refused_from_2_11(production):
    production.post("/robots", json=robot_body())
    assert production.put("/robots/1", json=put_body(stored(production), duration=0)).status_code == 400


# ---------------------------------------------------------------- secrets and robot principals

def test_refresh_returns_a_new_secret_and_the_old_one_stops_working(fake_harbor, production):
    first = production.post("/robots", json=robot_body()).json()["secret"]
    assert as_robot(fake_harbor, "robot$production+ci", first).get("/projects").status_code == 200
    resp = production.request("PATCH", "/robots/1", json={})
    assert resp.status_code == 200
    second = resp.json()["secret"]
    assert second != first and second in fake_harbor.known_secrets()
    names = [p["name"] for p in as_robot(fake_harbor, "robot$production+ci", first).get("/projects").json()]
    assert names == ["library"]  # anonymous: public projects only
    assert "production" in [p["name"] for p in as_robot(fake_harbor, "robot$production+ci", second).get("/projects").json()]


def test_own_secret_follows_the_password_rules(fake_harbor, production):
    production.post("/robots", json=robot_body())
    weak = production.request("PATCH", "/robots/1", json={"secret": "weak"})
    assert weak.status_code == 400 and "8 chars" in message(weak)
    resp = production.request("PATCH", "/robots/1", json={"secret": "Own-Secret-1234"})
    assert resp.status_code == 200 and resp.json() == {}
    assert "Own-Secret-1234" in fake_harbor.known_secrets()
    assert as_robot(fake_harbor, "robot$production+ci", "Own-Secret-1234").get("/systeminfo").json()["harbor_version"]


def test_robot_calls_within_its_permissions(fake_harbor, production):
    secret = production.post("/robots", json=robot_body(permissions=[project_perm("production", [
        {"resource": "repository", "action": "pull"}, {"resource": "project", "action": "read"}])])).json()["secret"]
    robot = as_robot(fake_harbor, "robot$production+ci", secret)
    assert robot.get("/systeminfo").json()["harbor_version"] == fake_harbor.version.harbor_version
    assert robot.get("/projects/production").status_code == 200
    assert robot.get("/projects/staging").status_code == 403
    assert robot.post("/projects", json={"project_name": "mine"}).status_code == 403
    current = robot.get("/users/current")  # errata E1
    assert current.status_code == 412 and message(current) == "get current user not available for security context: robot"
    assert robot.get("/users/current/permissions").status_code == 200


def test_disabled_or_expired_robot_is_anonymous(fake_harbor, production):
    secret = production.post("/robots", json=robot_body()).json()["secret"]
    robot = as_robot(fake_harbor, "robot$production+ci", secret)
    assert robot.get("/users/current/permissions").status_code == 200
    production.put("/robots/1", json=put_body(stored(production), disable=True))
    assert robot.get("/users/current/permissions").status_code == 401
    assert "harbor_version" not in robot.get("/systeminfo").json()
    production.put("/robots/1", json=put_body(stored(production), disable=False))
    assert robot.get("/users/current/permissions").status_code == 200
    with fake_harbor.lock:
        fake_harbor.state.robots[1]["expires_at"] = int(time.time()) - 1
    assert robot.get("/users/current/permissions").status_code == 401


@pytest.mark.harbor_version("2.15")
def test_robot_may_only_create_robots_within_its_own_permissions(fake_harbor, production):
    secret = production.post("/robots", json=robot_body(name="maker", level="system", permissions=[
        {"kind": "system", "namespace": "/", "access": [{"resource": "robot", "action": "create"}]},
        project_perm("production")])).json()["secret"]
    maker = as_robot(fake_harbor, "robot$maker", secret)
    subset = robot_body(name="child", level="system", permissions=[project_perm("production")])
    assert maker.post("/robots", json=subset).status_code == 201
    wider = robot_body(name="wider", level="system", permissions=[project_perm("staging")])
    assert maker.post("/robots", json=wider).status_code == 403
    created = maker.post("/robots", json=robot_body(name="grandchild", level="system",
                                                    permissions=[project_perm("production")]))
    assert production.get("/robots/%d" % created.json()["id"]).json()["creator_type"] == "robot"


# ---------------------------------------------------------------- robot API v1 (until 2.13) and the seed guide

SEED_BODY = json.dumps({"name": "ci-robot", "description": "CI/CD pipeline robot account", "duration": 365,
                        "access": [{"resource": "repository", "action": "pull"},
                                   {"resource": "repository", "action": "push"},
                                   {"resource": "artifact", "action": "delete"}]})


def seed_curl(server, path, data):
    return requests.post(server.api_url + path, data=data, headers={"Content-Type": "application/json"},
                         auth=("admin", server.options.admin_password), timeout=10)


@pytest.mark.harbor_version("2.10")
def test_seed_robot_call_on_2_10_is_refused(fake_harbor, production):
    resp = seed_curl(fake_harbor, "/projects/production/robots", SEED_BODY)
    assert resp.status_code == 400 and "/project/2/<resource>" in message(resp)
    if fake_harbor.contract_enabled:  # "duration" is not a property of RobotCreateV1
        assert any("duration" in v["message"] for v in request_violations(fake_harbor))


def test_seed_robot_call_on_2_15_does_not_exist(fake_harbor, production):
    resp = seed_curl(fake_harbor, "/projects/production/robots", SEED_BODY)
    assert resp.status_code == 404 and resp.json()["errors"][0]["code"] == "NOT_FOUND"
    assert production.get("/projects/production/robots").status_code == 404


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.12"], indirect=True)
def test_v1_project_robots_before_2_13(fake_harbor, production):
    body = {"name": "legacy", "access": [{"resource": "/project/2/repository", "action": "pull"}]}
    resp = production.post("/projects/production/robots", json=body)
    assert resp.status_code == 201 and resp.headers["Location"] == "/api/v2.0/projects/production/robots/1"
    assert resp.json()["name"] == "robot$production+legacy" and resp.json()["secret"]
    listed = production.get("/projects/production/robots").json()
    assert [r["name"] for r in listed] == ["robot$production+legacy"] and listed[0]["editable"] is False
    assert production.get("/projects/production/robots/1").json()["level"] == "project"
    # v1 robots are not editable through the v2 API, only (dis)abled through v1
    v2 = production.put("/robots/1", json=put_body(stored(production)))
    assert v2.status_code == 403
    assert production.put("/projects/production/robots/1", json={"disable": True}).status_code == 200
    assert stored(production)["disable"] is True
    wrong = production.post("/projects/production/robots", json={
        "name": "x", "access": [{"resource": "/project/3/repository", "action": "pull"}]})
    assert wrong.status_code == 400
    assert production.delete("/projects/production/robots/1").status_code == 200
    assert production.get("/projects/production/robots").json() == []
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_contract_clean_round_trip(fake_harbor, production):
    production.post("/robots", json=robot_body(description="d"))
    robot = stored(production)
    production.put("/robots/1", json=put_body(robot, description="e"))
    production.request("PATCH", "/robots/1", json={})
    production.get("/robots", params={"q": "Level=project,ProjectID=2", "page_size": 5})
    production.get("/permissions")
    production.delete("/robots/1")
    assert fake_harbor.violations == []
