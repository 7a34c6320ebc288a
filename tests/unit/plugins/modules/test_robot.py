# -*- coding: utf-8 -*-
"""harbor_ops.harbor.robot, run end to end with Harbor faked at the HTTP transport level.

``HarborRobots`` is a small stateful stand-in for the endpoints the robot modules use (projects by name,
``/robots``, ``/permissions`` and ``/systeminfo`` that knows robot logins); test_robot_info.py uses it too.
"""

from __future__ import annotations

import base64
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import robot

from ...conftest import API, SYSTEMINFO_210, SYSTEMINFO_215, warnings_of

DAY = 86400
ALL_PROJECT = [{"resource": r, "action": a} for r, a in (
    ("repository", "pull"), ("repository", "push"), ("repository", "delete"), ("artifact", "delete"),
    ("artifact", "read"), ("project", "read"), ("member", "list"))]
ALL_SYSTEM = [{"resource": r, "action": a} for r, a in (("project", "list"), ("robot", "list"), ("registry", "read"))]
CI_PERMISSIONS = [{"kind": "project", "namespace": "production", "access": [
    {"resource": "artifact", "action": "delete"}, {"resource": "repository", "action": "pull"},
    {"resource": "repository", "action": "push"}]}]
CI_ARGS = dict(name="ci-robot", project="production", description="CI/CD pipeline robot account", duration=365,
               permissions=[dict(resource="repository", actions=["pull", "push"]),
                            dict(resource="artifact", actions=["delete"])])
SECRET = "Own-Secret-1234"


def error(status, code, message):
    return status, {}, json.dumps({"errors": [{"code": code, "message": message}]})


class HarborRobots(object):
    def __init__(self, mock, info=None, permissions=None):
        self.mock = mock
        self.info = info or SYSTEMINFO_215
        self.projects = {"production": 2, "staging": 3}
        self.robots = {}
        self.next_id = 1
        self.counter = 0
        self.lose_answer = False
        self.hide_new_once = False  # after a lost answer, the first list does not show the new robot yet
        self.patch_failures = 0     # PATCH answers 503 this many times
        self.list_failures = 0      # GET /robots answers 500 this many times (once a robot exists)
        self.permissions = permissions if permissions is not None else {"system": ALL_SYSTEM, "project": ALL_PROJECT}
        mock.add_callback("GET", API + "/systeminfo", callback=self.systeminfo)
        mock.add_callback("GET", re.compile(API + r"/projects/[^/?]+$"), callback=self.get_project)
        mock.add_callback("GET", re.compile(API + r"/robots(\?.*)?$"), callback=self.list_robots)
        mock.add_callback("POST", API + "/robots", callback=self.create)
        mock.add_callback("PUT", re.compile(API + r"/robots/\d+$"), callback=self.update)
        mock.add_callback("PATCH", re.compile(API + r"/robots/\d+$"), callback=self.refresh)
        mock.add_callback("DELETE", re.compile(API + r"/robots/\d+$"), callback=self.delete)
        mock.add_callback("GET", API + "/permissions", callback=self.get_permissions)

    def add(self, name, level="system", project=None, duration=30, permissions=None, description="", disable=False,
            expires_in=None, editable=True, secret="Robot-Secret-0"):
        rid = self.next_id
        self.next_id += 1
        now = int(time.time())
        stored = name if level == "system" else "%s+%s" % (project, name)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now))
        robot_ = dict(id=rid, name="robot$" + stored, level=level, duration=duration, editable=editable,
                      disable=disable, permissions=permissions or [], creation_time=stamp, update_time=stamp,
                      project_id=self.projects.get(project, 0), secret=secret)
        robot_["created"] = now
        robot_["expires_at"] = (-1 if duration == -1 else now + duration * DAY) if expires_in is None else now + expires_in
        if description:
            robot_["description"] = description
        self.robots[rid] = robot_
        return robot_

    @staticmethod
    def public(robot_):
        return dict((k, v) for k, v in robot_.items() if k not in ("secret", "project_id", "created"))

    def by_id(self, request):
        return self.robots.get(int(urlsplit(request.url).path.rsplit("/", 1)[1]))

    def systeminfo(self, request):
        header = request.headers.get("Authorization", "")
        user, _sep, password = base64.b64decode(header.split(" ", 1)[1]).decode().partition(":")
        if user.startswith("robot$"):
            match = [r for r in self.robots.values() if r["name"] == user and r["secret"] == password]
            if not match:
                return 200, {}, json.dumps({"auth_mode": "db_auth"})
        return 200, {}, json.dumps(self.info)

    def get_project(self, request):
        name = urlsplit(request.url).path.rsplit("/", 1)[1]
        if name not in self.projects:
            return error(404, "NOT_FOUND", "project %s not found" % name)
        return 200, {}, json.dumps({"project_id": self.projects[name], "name": name})

    def list_robots(self, request):
        if self.list_failures and self.robots:
            self.list_failures -= 1
            return error(500, "UNKNOWN", "internal server error")
        if self.hide_new_once and self.robots:
            self.hide_new_once = False
            return 200, {"X-Total-Count": "0"}, "[]"
        query = parse_qs(urlsplit(request.url).query)
        q = dict(part.split("=", 1) for part in query.get("q", [""])[0].split(",") if part)
        if q.get("Level") == "project":
            items = [r for r in self.robots.values() if r["level"] == "project" and r["project_id"] == int(q["ProjectID"])]
        else:
            items = [r for r in self.robots.values() if r["level"] == "system"]
        return 200, {"X-Total-Count": str(len(items))}, json.dumps([self.public(r) for r in items])

    def create(self, request):
        body = json.loads(request.body)
        project = None
        if body["level"] == "project":
            project = body["permissions"][0]["namespace"]
        full = "robot$" + (body["name"] if project is None else "%s+%s" % (project, body["name"]))
        if any(r["name"] == full for r in self.robots.values()):
            return error(409, "CONFLICT", "robot account already exists")
        self.counter += 1
        secret = "Generated-Secret-%d" % self.counter
        new = self.add(body["name"], level=body["level"], project=project, duration=body["duration"],
                       permissions=body["permissions"], description=body.get("description", ""), secret=secret)
        if self.lose_answer:
            return 502, {}, ""
        return 201, {"Location": "/api/v2.0/robots/%d" % new["id"]}, json.dumps({
            "id": new["id"], "name": new["name"], "secret": secret, "expires_at": new["expires_at"]})

    def update(self, request):
        robot_ = self.by_id(request)
        body = json.loads(request.body)
        if body["name"] != robot_["name"] or body["level"] != robot_["level"]:
            return error(400, "BAD_REQUEST", "cannot update the level or name of robot")
        robot_.update(disable=body.get("disable", False), permissions=body["permissions"])
        robot_.pop("description", None)
        if body.get("description"):
            robot_["description"] = body["description"]
        if "duration" in body and body["duration"] != robot_["duration"]:
            robot_["duration"] = body["duration"]
            robot_["expires_at"] = -1 if body["duration"] == -1 else robot_["created"] + body["duration"] * DAY
        return 200, {}, ""

    def refresh(self, request):
        if self.patch_failures:
            self.patch_failures -= 1
            return 503, {}, ""
        robot_ = self.by_id(request)
        body = json.loads(request.body)
        if body.get("secret"):
            robot_["secret"] = body["secret"]
            return 200, {}, "{}"
        self.counter += 1
        robot_["secret"] = "Refreshed-Secret-%d" % self.counter
        return 200, {}, json.dumps({"secret": robot_["secret"]})

    def delete(self, request):
        robot_ = self.by_id(request)
        if robot_ is None:
            return error(404, "NOT_FOUND", "robot not found")
        del self.robots[robot_["id"]]
        return 200, {}, ""

    def get_permissions(self, request):
        if isinstance(self.permissions, int):
            return error(self.permissions, "FORBIDDEN", "forbidden")
        return 200, {}, json.dumps(self.permissions)


@pytest.fixture
def robots(harbor):
    return HarborRobots(harbor)


def reads(harbor):
    return [(m, p) for m, p, _b in harbor.sent("GET")]


# ---------------------------------------------------------------- create

def test_create_the_seed_ci_robot(run_module, harbor, robots):
    result = run_module(robot, CI_ARGS)
    assert result["changed"] is True
    assert harbor.writes() == [("POST", "/robots", {
        "name": "ci-robot", "level": "project", "duration": 365, "description": "CI/CD pipeline robot account",
        "permissions": CI_PERMISSIONS})]
    assert result["robot"]["name"] == "robot$production+ci-robot"
    assert result["robot"]["permissions"] == CI_PERMISSIONS
    assert result["secret"] == "Generated-Secret-1"
    assert result["robot"]["days_left"] == 364
    assert result["robot"]["expires_at_iso"].endswith("Z")
    assert "secret" not in result["robot"]


def test_project_robot_is_looked_up_in_its_project(run_module, harbor, robots):
    run_module(robot, CI_ARGS)
    listing = [call for call in harbor.calls if call.request.method == "GET" and "/robots" in call.request.url]
    assert parse_qs(urlsplit(listing[0].request.url).query)["q"] == ["Level=project,ProjectID=2"]


def test_create_a_system_robot_for_several_projects(run_module, harbor, robots):
    result = run_module(robot, dict(name="release-bot", level="system", duration=90, permissions=[
        dict(project="staging", resource="repository", actions=["push", "pull"]),
        dict(project="production", access=[dict(resource="repository", actions=["pull"]),
                                           dict(resource="artifact", action="read")]),
        dict(resource="project", actions=["list"]),
        dict(project="*", resource="repository", actions=["pull"]),
    ]))
    assert result["changed"] is True
    body = harbor.writes()[0][2]
    assert body["name"] == "release-bot" and body["level"] == "system"
    assert body["permissions"] == [
        {"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "pull"}]},
        {"kind": "project", "namespace": "production", "access": [
            {"resource": "artifact", "action": "read"}, {"resource": "repository", "action": "pull"}]},
        {"kind": "project", "namespace": "staging", "access": [
            {"resource": "repository", "action": "pull"}, {"resource": "repository", "action": "push"}]},
        {"kind": "system", "namespace": "/", "access": [{"resource": "project", "action": "list"}]},
    ]
    assert result["robot"]["name"] == "robot$release-bot"


@pytest.mark.parametrize("name, project", [("robot$production+ci-robot", None), ("ci-robot", "production"),
                                           ("production+ci-robot", None), ("robot$ci-robot", "production")])
def test_name_forms_of_a_project_robot(run_module, harbor, robots, name, project):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS,
               description="CI/CD pipeline robot account")
    args = dict(CI_ARGS, name=name)
    if project is None:
        del args["project"]
    result = run_module(robot, args)
    assert result["changed"] is False, result
    assert harbor.writes() == []


def test_custom_name_prefix(run_module, harbor, robots):
    robots.add("ci", duration=30, permissions=[{"kind": "system", "namespace": "/",
                                                "access": [{"resource": "project", "action": "list"}]}])
    robots.robots[1]["name"] = "bot_ci"
    result = run_module(robot, dict(name="bot_ci", name_prefix="bot_", duration=30,
                                    permissions=[dict(resource="project", actions=["list"])]))
    assert result["changed"] is False and harbor.writes() == []


def test_own_secret_is_set_after_create_and_never_returned_by_the_module(run_module, harbor, robots):
    result = run_module(robot, dict(CI_ARGS, secret=SECRET))
    assert [w[0] for w in harbor.writes()] == ["POST", "PATCH"]
    assert harbor.writes()[1] == ("PATCH", "/robots/1", {"secret": SECRET})
    assert result["secret_set"] is True  # the action plugin puts the secret (from the task args) back
    assert "secret" not in result and "Generated-Secret-1" not in json.dumps(result)
    assert SECRET not in json.dumps(result)
    assert robots.robots[1]["secret"] == SECRET


def test_disable_on_create_needs_a_put_because_harbor_ignores_it(run_module, harbor, robots):
    result = run_module(robot, dict(CI_ARGS, disable=True))
    assert [w[0] for w in harbor.writes()] == ["POST", "PUT"]
    assert harbor.writes()[1][2]["disable"] is True
    assert result["robot"]["disable"] is True


def test_lost_create_answer_refreshes_the_secret(run_module, harbor, robots):
    robots.lose_answer = True  # Harbor creates the robot, the answer is lost (502 from a proxy)
    result = run_module(robot, CI_ARGS)
    assert [w[0] for w in harbor.writes()] == ["POST", "PATCH"]
    assert harbor.writes()[1][2] == {}
    assert result["secret"] == "Refreshed-Secret-2"
    assert any("was lost" in w for w in warnings_of(result))


def test_409_on_a_retried_create_adopts_the_robot_it_created(run_module, harbor, robots):
    # the first POST is applied but its answer lost, the next list does not show it yet: the POST is sent again
    robots.lose_answer, robots.hide_new_once = True, True
    result = run_module(robot, CI_ARGS)
    assert not result.get("failed"), result.get("msg")
    assert [w[0] for w in harbor.writes()] == ["POST", "POST", "PATCH"]  # the 409, then the secret is learnt
    assert len(robots.robots) == 1 and result["secret"] == robots.robots[1]["secret"]
    assert "is name_prefix" not in json.dumps(result)  # no misleading hint


def test_409_on_the_first_create_adopts_a_concurrent_runs_robot_without_taking_its_secret(run_module, harbor, robots):
    # another run created the robot between our read and our POST: it holds the secret; a refresh would break it
    robots.add("ci-robot", level="project", project="production", duration=365,
               permissions=CI_PERMISSIONS, description=CI_ARGS["description"], secret="Theirs-1")
    robots.hide_new_once = True
    result = run_module(robot, CI_ARGS)
    assert not result.get("failed"), result.get("msg")
    assert [w[0] for w in harbor.writes()] == ["POST"]  # the 409; no secret refresh
    assert robots.robots[1]["secret"] == "Theirs-1" and "secret" not in result
    assert any("created at the same time by another run" in w for w in warnings_of(result))


def test_a_passing_failure_of_the_secret_patch_is_retried(run_module, harbor, robots):
    robots.patch_failures = 1
    result = run_module(robot, dict(CI_ARGS, secret=SECRET))
    assert not result.get("failed"), result.get("msg")
    assert [w[0] for w in harbor.writes()] == ["POST", "PATCH", "PATCH"]
    assert robots.robots[1]["secret"] == SECRET


def test_a_secret_that_cannot_be_set_rolls_the_new_robot_back(run_module, harbor, robots):
    # otherwise the next run (update_secret=on_create) would be ok while the robot keeps Harbor's random secret
    robots.patch_failures = 100
    result = run_module(robot, dict(CI_ARGS, secret=SECRET))
    assert result["failed"] is True and "it was deleted again" in result["msg"]
    assert robots.robots == {} and [w[0] for w in harbor.writes()][-1] == "DELETE"
    assert SECRET not in json.dumps(result)


def test_the_secret_of_a_new_robot_survives_a_failed_read_back(run_module, harbor, robots):
    robots.list_failures = 100  # the robot is created (201, with its secret), then every read of it fails
    result = run_module(robot, CI_ARGS)
    assert result["failed"] is True and "keep it, Harbor shows it only once" in result["msg"]
    assert result["secret"] == "Generated-Secret-1"  # the action plugin writes it or marks the result no_log
    assert len(robots.robots) == 1


@pytest.mark.parametrize("missing", ["duration", "permissions"])
def test_create_needs_duration_and_permissions(run_module, harbor, robots, missing):
    args = dict(CI_ARGS)
    del args[missing]
    result = run_module(robot, args)
    assert result["failed"] is True
    assert "does not exist; to create it, set %s" % missing in result["msg"]
    assert harbor.writes() == []


def test_project_that_does_not_exist(run_module, harbor, robots):
    result = run_module(robot, dict(CI_ARGS, project="nope"))
    assert result["failed"] is True and "project nope does not exist" in result["msg"]
    assert harbor.writes() == []


def test_conflict_hints_at_the_prefix(run_module, harbor, robots):
    robots.add("ci", permissions=[])
    robots.robots[1]["name"] = "robot$ci"
    result = run_module(robot, dict(name="ci", name_prefix="bot$", duration=30,
                                    permissions=[dict(resource="project", actions=["list"])]))
    assert result["failed"] is True and result["status"] == 409
    assert "is name_prefix 'bot$' Harbor's robot_name_prefix?" in result["msg"]


# ---------------------------------------------------------------- permissions against the connected Harbor

def test_permission_the_connected_harbor_refuses_fails_without_a_write(run_module, harbor):
    HarborRobots(harbor, info=SYSTEMINFO_210,
                 permissions={"system": ALL_SYSTEM, "project": [p for p in ALL_PROJECT if p["resource"] != "member"]})
    result = run_module(robot, dict(CI_ARGS, permissions=[dict(resource="member", actions=["list"])]))
    assert result["failed"] is True
    assert result["msg"].startswith("permission member:list (project level) is not accepted by Harbor v2.10.0")
    assert harbor.writes() == []
    assert ("GET", "/permissions") in reads(harbor)


def test_permissions_list_refused_to_a_non_admin_is_skipped(run_module, harbor):
    HarborRobots(harbor, permissions=403)
    result = run_module(robot, CI_ARGS)
    assert result["changed"] is True and [w[0] for w in harbor.writes()] == ["POST"]


def test_permissions_are_not_read_when_they_do_not_change(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS,
               description="CI/CD pipeline robot account")
    run_module(robot, CI_ARGS)
    assert ("GET", "/permissions") not in reads(harbor)


# ---------------------------------------------------------------- idempotence and update

def test_second_run_is_a_no_op_without_writes_in_any_order(run_module, harbor, robots):
    reordered = [dict(access=[dict(resource="repository", actions=["push"]), dict(resource="artifact", actions=["delete"]),
                              dict(resource="repository", actions=["pull", "push"])])]
    robots.add("ci-robot", level="project", project="production", duration=365, description="CI/CD pipeline robot account",
               permissions=[{"kind": "project", "namespace": "production", "access": list(reversed(
                   CI_PERMISSIONS[0]["access"]))}])
    result = run_module(robot, dict(CI_ARGS, permissions=reordered))
    assert result["changed"] is False
    assert harbor.writes() == []
    assert "secret" not in result


def test_update_sends_the_full_editable_set(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS,
               description="CI/CD pipeline robot account", disable=True)
    result = run_module(robot, dict(name="robot$production+ci-robot", permissions=[
        dict(resource="repository", actions=["pull"])]))
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/robots/1", {
        "name": "robot$production+ci-robot", "level": "project", "description": "CI/CD pipeline robot account",
        "disable": True, "duration": 365,
        "permissions": [{"kind": "project", "namespace": "production",
                         "access": [{"resource": "repository", "action": "pull"}]}]})]
    assert robots.robots[1]["disable"] is True and robots.robots[1]["description"] == "CI/CD pipeline robot account"


def test_update_on_2_10_always_sends_the_duration(run_module, harbor):
    robots = HarborRobots(harbor, info=SYSTEMINFO_210)
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS)
    run_module(robot, dict(name="robot$production+ci-robot", description="new"))
    assert harbor.writes()[0][2]["duration"] == 365


def test_a_missing_description_counts_as_empty(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot", description=""))
    assert result["changed"] is False and harbor.writes() == []


def test_changed_duration_counts_from_the_creation(run_module, harbor, robots):
    created = robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot", duration=730))
    assert result["changed"] is True
    assert result["robot"]["expires_at"] == created["created"] + 730 * DAY


def test_legacy_robot_cannot_be_edited(run_module, harbor, robots):
    robots.add("old", level="project", project="production", duration=30, permissions=CI_PERMISSIONS, editable=False)
    result = run_module(robot, dict(name="robot$production+old", description="x"))
    assert result["failed"] is True and "legacy (robot API v1) robot" in result["msg"]
    assert harbor.writes() == []


def test_check_mode_create_sends_no_write(run_module, harbor, robots):
    result = run_module(robot, CI_ARGS, check_mode=True)
    assert result["changed"] is True
    assert harbor.writes() == []
    assert robots.robots == {}
    assert "secret" not in result
    assert result["robot"]["name"] == "robot$production+ci-robot"
    assert result["robot"]["days_left"] == 364


def test_check_mode_update_sends_no_write(run_module, harbor, robots):
    created = robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot", duration=30, disable=True), check_mode=True)
    assert result["changed"] is True and harbor.writes() == []
    assert result["robot"]["disable"] is True
    assert robots.robots[1]["disable"] is False
    # the predicted expiry counts from the creation time, like Harbor's
    assert result["robot"]["expires_at"] == created["created"] + 30 * DAY


def test_diff_shows_only_what_changes(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS,
               description="old")
    result = run_module(robot, dict(CI_ARGS, description="new"), diff=True)
    assert result["diff"] == {"before": {"description": "old"}, "after": {"description": "new"}}


# ---------------------------------------------------------------- secrets

def test_refresh_secret_rotates_and_returns_it_once(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot", refresh_secret=True), diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [("PATCH", "/robots/1", {})]
    assert result["secret"] == robots.robots[1]["secret"] == "Refreshed-Secret-1"
    assert result["diff"] == {"before": {"secret": "********"}, "after": {"secret": "******** (refreshed)"}}


def test_refresh_in_check_mode_sends_no_write(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot", refresh_secret=True), check_mode=True)
    assert result["changed"] is True and harbor.writes() == [] and "secret" not in result


def test_update_secret_always_keeps_a_working_secret_without_a_write(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS,
               secret=SECRET)
    result = run_module(robot, dict(name="robot$production+ci-robot", secret=SECRET, update_secret="always"))
    assert result["changed"] is False and harbor.writes() == []
    logins = [c for c in harbor.calls if c.request.url.endswith("/systeminfo")]
    expected = "Basic " + base64.b64encode(("robot$production+ci-robot:" + SECRET).encode()).decode()
    assert logins[-1].request.headers["Authorization"] == expected


def test_update_secret_always_sets_a_secret_that_does_not_work(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot", secret=SECRET, update_secret="always"))
    assert result["changed"] is True and result["secret_set"] is True
    assert harbor.writes() == [("PATCH", "/robots/1", {"secret": SECRET})]


def test_update_secret_always_in_check_mode_checks_but_does_not_write(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot", secret=SECRET, update_secret="always"),
                        check_mode=True)
    assert result["changed"] is True and harbor.writes() == []


def test_update_secret_on_create_ignores_an_existing_robot(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot", secret=SECRET))
    assert result["changed"] is False and harbor.writes() == []


def test_secret_of_a_disabled_robot_is_left_alone(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS,
               disable=True)
    result = run_module(robot, dict(name="robot$production+ci-robot", secret=SECRET, update_secret="always"))
    assert result["changed"] is False and harbor.writes() == []
    assert any("is disabled, so its secret cannot be checked" in w for w in warnings_of(result))


# ---------------------------------------------------------------- expiry

@pytest.mark.parametrize("expires_in, disable, warning_days, expected", [
    (5 * DAY, False, 14, "expires on"),
    (-DAY, False, 14, "expired on"),
    (20 * DAY, False, 14, None),
    (20 * DAY, False, 30, "expires on"),
    (5 * DAY, True, 14, None),
    (5 * DAY, False, 0, None),
])
def test_expiry_warning(run_module, harbor, robots, expires_in, disable, warning_days, expected):
    robots.add("ci-robot", level="project", project="production", duration=365, permissions=CI_PERMISSIONS,
               disable=disable, expires_in=expires_in)
    result = run_module(robot, dict(name="robot$production+ci-robot", expiry_warning_days=warning_days))
    warnings = [w for w in warnings_of(result) if "robot$production+ci-robot" in w]
    if expected is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and expected in warnings[0]
    assert result["robot"]["days_left"] == (expires_in - 1) // DAY


def test_never_expiring_robot(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", duration=-1, permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot"))
    assert result["robot"]["days_left"] is None and result["robot"]["expires_at_iso"] is None
    assert "warnings" not in result


# ---------------------------------------------------------------- delete

def test_delete(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot", state="absent"), diff=True)
    assert result["changed"] is True and result["robot"] == {}
    assert harbor.writes() == [("DELETE", "/robots/1", None)]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["name"] == "robot$production+ci-robot"


def test_delete_in_check_mode_sends_no_write(run_module, harbor, robots):
    robots.add("ci-robot", level="project", project="production", permissions=CI_PERMISSIONS)
    result = run_module(robot, dict(name="robot$production+ci-robot", state="absent"), check_mode=True)
    assert result["changed"] is True and harbor.writes() == [] and 1 in robots.robots


@pytest.mark.parametrize("args", [dict(name="robot$production+gone"), dict(name="gone", project="nope"),
                                  dict(name="gone")])
def test_absent_and_already_missing_is_unchanged(run_module, harbor, robots, args):
    result = run_module(robot, dict(args, state="absent"))
    assert result["changed"] is False and harbor.writes() == []


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("args, message", [
    (dict(CI_ARGS, duration=0), "duration 0 is not valid"),
    (dict(CI_ARGS, duration=-2), "duration -2 is not valid"),
    (dict(CI_ARGS, duration=2147483647), "duration 2147483647 is not valid"),
    (dict(CI_ARGS, permissions=[dict(resource="repository", actions=["pull", "fly"])]),
     "action 'fly' is not valid for resource 'repository' at project level"),
    (dict(CI_ARGS, permissions=[dict(resource="project", actions=["create"])]),
     "action 'create' is not valid for resource 'project' at project level"),
    (dict(CI_ARGS, permissions=[dict(resource="helm-chart", actions=["read"])]),
     "'helm-chart' is not a project-level resource"),
    (dict(CI_ARGS, permissions=[]), "permissions must not be empty"),
    (dict(CI_ARGS, permissions=[dict(project="production")]), "permissions[0] grants nothing"),
    (dict(CI_ARGS, permissions=[dict(resource="repository")]), "resource and actions go together"),
    (dict(CI_ARGS, permissions=[dict(project="staging", resource="repository", actions=["pull"])]),
     "a project robot of production can only hold permissions in production"),
    (dict(name="ci", level="system", duration=1, permissions=[dict(project="Bad", resource="repository",
                                                                   actions=["pull"])]), "is not valid"),
    (dict(name="ci", level="project", duration=1, permissions=[dict(resource="repository", actions=["pull"])]),
     "a project robot needs its project"),
    (dict(name="ci", level="system", project="production"), "project is only for project robots"),
    (dict(name="robot$production+ci", level="system"), "but level is system"),
    (dict(name="robot$production+ci", project="staging"), "names project production, but project is staging"),
    (dict(name="CI Robot"), "is not valid"),
    (dict(name="robot$"), "is not valid"),
    (dict(name="robot$a+b+c"), "is not valid"),
    (dict(name="ci", project="Production"), "is not valid"),
    (dict(CI_ARGS, secret="short1A"), "secret does not meet Harbor's password rules"),
    (dict(CI_ARGS, secret="alllowercase123"), "secret does not meet Harbor's password rules"),
    (dict(CI_ARGS, secret="A1" + "a" * 127), "secret does not meet Harbor's password rules"),
    (dict(CI_ARGS, secret=SECRET, refresh_secret=True), "cannot be combined"),
    (dict(CI_ARGS, expiry_warning_days=-1), "expiry_warning_days must be 0"),
    (dict(CI_ARGS, update_secret="sometimes"), "value of update_secret must be one of"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(robot, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(harbor.calls) == 0
    if "secret" in args:
        assert args["secret"] not in json.dumps(result).replace("********", "")


def test_bad_secret_message_does_not_repeat_it(run_module, harbor):
    result = run_module(robot, dict(CI_ARGS, secret="weak-secret-value"))
    assert result["failed"] is True and "weak-secret-value" not in json.dumps(result)
