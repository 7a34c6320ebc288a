"""Cross-cutting Harbor behaviour (api-notes §0 + errata E1/E2), users and configurations."""

import threading
import time

import pytest
import requests

from tests.fake_harbor.__main__ import parse_args
from tests.fake_harbor.framework.auth import PUBLIC_PROJECT_POLICIES, Principal, require
from tests.fake_harbor.framework.errors import HarborError
from tests.fake_harbor.framework.response import Response
from tests.fake_harbor.framework.routing import RouteTable
from tests.fake_harbor.resources.projects import lookup
from tests.fake_harbor.resources.users import PROJECT_PERMISSIONS
from tests.fake_harbor.server import FakeHarbor

from .conftest import ADMIN, stand_ins_first


def test_wrong_credentials_run_as_anonymous_after_a_delay(fake_harbor, harbor_api):
    harbor_api.post("/projects", json={"project_name": "secret"})
    start = time.monotonic()
    resp = requests.get(fake_harbor.api_url + "/projects", auth=("admin", "wrong"), timeout=10)
    elapsed = time.monotonic() - start
    assert resp.status_code == 200  # no 401: anonymous
    assert [p["name"] for p in resp.json()] == ["library"]
    assert elapsed >= fake_harbor.authenticator.fail_delay
    assert fake_harbor.requests[-1]["user"] is None
    check = requests.get(fake_harbor.api_url + "/users/current", auth=("admin", "wrong"), timeout=10)
    assert check.status_code == 401
    assert check.json()["errors"][0]["code"] == "UNAUTHORIZED"


def test_failed_login_delay_is_configurable_and_locks_concurrent_requests():
    assert FakeHarbor().authenticator.fail_delay == 1.5  # Harbor's frozenTime
    assert parse_args([]).auth_fail_delay == 1.5
    with FakeHarbor(auth_fail_delay=0.4) as server:
        url = server.api_url + "/users/current"
        results = {}

        def failing():
            results["failed"] = requests.get(url, auth=("admin", "bad"), timeout=10).status_code

        thread = threading.Thread(target=failing)
        start = time.monotonic()
        thread.start()
        time.sleep(0.15)
        # inside the lock window even the right password runs as anonymous, without waiting
        during = requests.get(url, auth=ADMIN, timeout=10)
        during_elapsed = time.monotonic() - start
        thread.join()
        assert results["failed"] == 401
        assert time.monotonic() - start >= 0.4
        assert during.status_code == 401 and during_elapsed < 0.4
        assert requests.get(url, auth=ADMIN, timeout=10).status_code == 200  # sequential retry is fine


def test_users_current_and_permissions_by_principal(fake_harbor):
    url = fake_harbor.api_url
    assert requests.get(url + "/users/current", timeout=10).status_code == 401
    assert requests.get(url + "/users/current/permissions", timeout=10).status_code == 401
    me = requests.get(url + "/users/current", auth=ADMIN, timeout=10)
    assert me.status_code == 200 and me.json()["user_id"] == 1 and me.json()["sysadmin_flag"] is True
    perms = requests.get(url + "/users/current/permissions", auth=ADMIN, timeout=10)
    assert perms.status_code == 200 and {"resource": "/system/project", "action": "create"} in perms.json()


class _RobotAuth:
    """Test stand-in for the robots resource (hook authenticate_robot)."""

    ROUTES = RouteTable()
    ROBOT = {"name": "robot$library+ci", "level": "project",
             "permissions": [{"kind": "project", "namespace": "library",
                              "access": [{"resource": "repository", "action": "push"}]}]}

    @staticmethod
    def _authenticate(_state, username, secret):
        if username == "robot$library+ci" and secret == "Secret123":
            return Principal.robot_principal(username, _RobotAuth.ROBOT)
        return None

    HOOKS = {"authenticate_robot": _authenticate}

    @staticmethod
    # a stand-in for the fake's own route (stand_ins_first), guarded like a push
    @ROUTES.get("/projects/{project_name}/preheat/providers")
    def _providers(ctx):
        project = lookup(ctx.state, ("name", ctx.params["project_name"]))
        require(ctx, project, "repository", "push")
        return Response.json([], headers={"X-Total-Count": "0"})


def test_robot_principal_and_permission_helper():
    with FakeHarbor(extra_modules=[_RobotAuth], auth_fail_delay=0) as server:
        stand_ins_first(server, _RobotAuth)
        url = server.api_url
        robot = ("robot$library+ci", "Secret123")
        current = requests.get(url + "/users/current", auth=robot, timeout=10)
        assert current.status_code == 412
        assert current.json()["errors"][0] == {
            "code": "PRECONDITION", "message": "get current user not available for security context: robot"}
        perms = requests.get(url + "/users/current/permissions", params={"scope": "/project/1", "relative": "true"},
                             auth=robot, timeout=10)
        assert perms.status_code == 200
        # its own permission, plus what everybody may do in the public project library (publicProjectPolicies)
        got = {(p["resource"], p["action"]) for p in perms.json()}
        assert got == {("repository", "push")} | (PUBLIC_PROJECT_POLICIES & set(PROJECT_PERMISSIONS))
        assert requests.get(url + "/projects/library/preheat/providers", auth=robot, timeout=10).status_code == 200
        assert requests.get(url + "/projects/library/preheat/providers", timeout=10).status_code == 401
        requests.post(server.url + "/_fake/users", json={"username": "joe", "password": "Joe12345"}, timeout=10)
        assert requests.get(url + "/projects/library/preheat/providers", auth=("joe", "Joe12345"),
                            timeout=10).status_code == 403
        # a project robot cannot create projects
        denied = requests.post(url + "/projects", json={"project_name": "x"}, auth=robot, timeout=10)
        assert denied.status_code == 403
        assert server.requests[-1]["user"] == "robot$library+ci"
        assert not [v for v in server.violations if v["kind"] == "response"]


def test_sid_cookie_is_set_and_csrf_rejects_writes_with_it(fake_harbor):
    session = requests.Session()  # keeps cookies, like a careless client
    session.auth = ADMIN
    first = session.get(fake_harbor.api_url + "/projects", timeout=10)
    assert first.headers["Set-Cookie"].startswith("sid=")
    assert "sid" in session.cookies
    resp = session.post(fake_harbor.api_url + "/projects", json={"project_name": "csrf"}, timeout=10)
    assert resp.status_code == 403
    assert resp.json() == {"errors": [{"code": "FORBIDDEN", "message": "CSRF token invalid"}]}
    assert fake_harbor.requests[-1]["has_sid_cookie"] is True
    assert session.get(fake_harbor.api_url + "/projects/csrf", timeout=10).status_code == 404  # reads still work
    session.cookies.clear()
    assert session.post(fake_harbor.api_url + "/projects", json={"project_name": "csrf"}, timeout=10).status_code == 201
    assert fake_harbor.requests[-1]["has_sid_cookie"] is False


def test_request_id_echoed_or_generated(harbor_api):
    assert harbor_api.get("/ping", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"] == "abc-123"
    generated = harbor_api.get("/ping").headers["X-Request-Id"]
    assert len(generated) == 36


def test_error_shapes_404_405_and_5xx(fake_harbor, harbor_api):
    unknown = harbor_api.get("/nothing/here")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["code"] == "NOT_FOUND"
    wrong = harbor_api.request("PATCH", "/projects")
    assert wrong.status_code == 405
    assert wrong.json()["errors"][0]["code"] == "METHOD_NOT_ALLOWED"
    fake_harbor.add_fault(path="^/api/v2.0/ping$", action="status", status=502, message="details hidden")
    broken = harbor_api.get("/ping")
    assert broken.status_code == 502
    assert broken.json() == {"errors": [{"code": "UNKNOWN", "message": "internal server error"}]}


def test_ping_and_health(fake_harbor):
    ping = requests.get(fake_harbor.api_url + "/ping", timeout=10)
    assert ping.text == "Pong" and ping.headers["Content-Type"].startswith("text/plain")
    health = requests.get(fake_harbor.api_url + "/health", timeout=10).json()
    assert health["status"] == "healthy"
    assert [c["name"] for c in health["components"]] == [
        "core", "portal", "jobservice", "registry", "registryctl", "database", "redis", "trivy"]
    marked = requests.post(fake_harbor.url + "/_fake/health", timeout=10,
                           json={"component": "redis", "healthy": False, "error": "dial tcp: refused"})
    assert marked.status_code == 200
    resp = requests.get(fake_harbor.api_url + "/health", timeout=10)
    assert resp.status_code == 200  # always 200
    assert resp.json()["status"] == "unhealthy"
    assert {"name": "redis", "status": "unhealthy", "error": "dial tcp: refused"} in resp.json()["components"]
    requests.post(fake_harbor.url + "/_fake/health", json={"components": {"redis": True, "core": False}}, timeout=10)
    components = {c["name"]: c["status"] for c in requests.get(fake_harbor.api_url + "/health", timeout=10).json()[
        "components"]}
    assert components["redis"] == "healthy" and components["core"] == "unhealthy"


def test_health_without_trivy():
    with FakeHarbor(with_trivy=False, auth_fail_delay=0) as server:
        names = [c["name"] for c in requests.get(server.api_url + "/health", timeout=10).json()["components"]]
        assert "trivy" not in names and len(names) == 7


def test_systeminfo_protected_fields(fake_harbor):
    anon = requests.get(fake_harbor.api_url + "/systeminfo", timeout=10).json()
    assert "harbor_version" not in anon and anon["auth_mode"] == "db_auth"
    authed = requests.get(fake_harbor.api_url + "/systeminfo", auth=ADMIN, timeout=10).json()
    assert authed["harbor_version"] == "v2.15.2-080b0220"
    assert authed["external_url"] == fake_harbor.url


def test_statistics(fake_harbor, harbor_api):
    harbor_api.post("/projects", json={"project_name": "priv"})
    requests.post(fake_harbor.url + "/_fake/repositories", json={"project": "priv", "name": "x", "size": 7}, timeout=10)
    stats = harbor_api.get("/statistics").json()
    assert stats["public_project_count"] == 1 and stats["private_project_count"] == 1
    assert stats["total_project_count"] == 2 and stats["total_storage_consumption"] == 7
    assert requests.get(fake_harbor.api_url + "/statistics", timeout=10).status_code == 401


def test_create_user_rules_and_login(fake_harbor, harbor_api):
    body = {"username": "alice", "email": "alice@example.com", "realname": "Alice", "password": "Alice1234"}
    resp = harbor_api.post("/users", json=body)
    assert resp.status_code == 201 and resp.headers["Location"] == "/api/v2.0/users/2"
    assert harbor_api.post("/users", json=body).status_code == 409
    for i, bad in enumerate(({"password": "short1A"}, {"password": "alllower123"}, {"email": ""}, {"realname": ""},
                             {"email": "nope"}, {"username": "a,b"}, {"comment": "x" * 31})):
        attempt = dict(body, username="u%d" % i, email="u%d@example.com" % i)
        attempt.update(bad)
        resp = harbor_api.post("/users", json=attempt)
        assert resp.status_code == 400, bad
    me = requests.get(fake_harbor.api_url + "/users/current", auth=("alice", "Alice1234"), timeout=10)
    assert me.status_code == 200 and me.json()["username"] == "alice"
    assert requests.post(fake_harbor.api_url + "/users", json=dict(body, username="x", email="x@example.com"),
                         auth=("alice", "Alice1234"), timeout=10).status_code == 403
    found = harbor_api.get("/users/search", params={"username": "ali"})
    assert found.json() == [{"user_id": 2, "username": "alice"}] and found.headers["X-Total-Count"] == "1"
    listed = harbor_api.get("/users", params={"q": "username=alice"}).json()
    assert [u["username"] for u in listed] == ["alice"]
    assert harbor_api.get("/users/99").status_code == 404


def test_auth_mode_locked_once_users_exist(harbor_api):
    config = harbor_api.get("/configurations").json()
    assert config["auth_mode"] == {"value": "db_auth", "editable": True}
    assert "ldap_search_password" not in config and "oidc_client_secret" not in config
    assert harbor_api.put("/configurations", json={"auth_mode": "ldap_auth"}).status_code == 200
    assert harbor_api.put("/configurations", json={"auth_mode": "db_auth"}).status_code == 200
    harbor_api.post("/users", json={"username": "carol", "email": "c@example.com", "realname": "C",
                                    "password": "Carol1234"})
    assert harbor_api.get("/configurations").json()["auth_mode"]["editable"] is False
    resp = harbor_api.put("/configurations", json={"auth_mode": "oidc_auth"})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["message"] == \
        "the auth mode cannot be modified as new users have been inserted into database"
    assert harbor_api.put("/configurations", json={"auth_mode": "db_auth", "read_only": True}).status_code == 200
    assert harbor_api.get("/configurations").json()["read_only"]["value"] is True


def test_configuration_values_and_access(fake_harbor, harbor_api):
    assert harbor_api.put("/configurations", json={"project_creation_restriction": "nobody"}).status_code == 400
    assert harbor_api.put("/configurations", json={"storage_per_project": 0}).status_code == 400
    assert harbor_api.put("/configurations", json={"ldap_search_password": "s3cret", "ldap_scope": 1}).status_code == 200
    config = harbor_api.get("/configurations").json()
    assert config["ldap_scope"]["value"] == 1 and "ldap_search_password" not in config
    assert requests.get(fake_harbor.api_url + "/configurations", timeout=10).status_code == 401
    harbor_api.put("/configurations", json={"project_creation_restriction": "adminonly"})
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "dan", "password": "Dan12345"}, timeout=10)
    resp = requests.post(fake_harbor.api_url + "/projects", json={"project_name": "dans"}, auth=("dan", "Dan12345"),
                         timeout=10)
    assert resp.status_code == 403
    assert requests.get(fake_harbor.api_url + "/configurations", auth=("dan", "Dan12345"), timeout=10).status_code == 403


@pytest.mark.harbor_version("2.10")
def test_configuration_keys_follow_the_version(harbor_api):
    config = harbor_api.get("/configurations").json()
    assert "oidc_logout" not in config and "ldap_group_attach_parallel" not in config
    assert "ldap_url" in config


def test_require_helper_raises_harbor_errors():
    class Ctx:  # pylint: disable=too-few-public-methods
        def __init__(self, principal):
            self.principal = principal
            self.state = None

    with pytest.raises(HarborError) as err:
        require(Ctx(Principal()), None, "project", "create")
    assert err.value.status == 401
    robot = Principal.robot_principal("robot$x", {"permissions": []})
    with pytest.raises(HarborError) as err:
        require(Ctx(robot), None, "project", "create")
    assert err.value.status == 403


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_a_public_project_opens_only_harbors_public_policies(fake_harbor):
    """publicProjectPolicies: anyone reads the project, its repositories, artifacts and labels; nothing else."""
    url = fake_harbor.api_url + "/projects/library"
    assert requests.get(url, timeout=10).status_code == 200
    assert requests.get(url + "/repositories", timeout=10).status_code == 200
    for path in ("/members", "/logs", "/webhook/policies", "/immutabletagrules", "/metadatas/"):
        assert requests.get(url + path, timeout=10).status_code == 401, path  # anonymous: not public
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "joe", "password": "Joe12345"}, timeout=10)
    assert requests.get(url + "/members", auth=("joe", "Joe12345"), timeout=10).status_code == 403
    assert requests.get(url + "/repositories", auth=("joe", "Joe12345"), timeout=10).status_code == 200
