# -*- coding: utf-8 -*-
"""harbor_ops.harbor.robot_info, run with Harbor faked at the HTTP transport level (stand-in of test_robot.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import robot_info

from .test_robot import CI_PERMISSIONS, DAY, HarborRobots, warnings_of

SYSTEM_PERMISSIONS = [{"kind": "system", "namespace": "/", "access": [{"resource": "project", "action": "list"}]}]


@pytest.fixture
def robots(harbor):
    robots = HarborRobots(harbor)
    robots.add("ci", level="project", project="production", duration=365,
               permissions=[{"kind": "project", "namespace": "production", "access": list(reversed(
                   CI_PERMISSIONS[0]["access"]))}])
    robots.add("nightly", level="project", project="production", duration=5)
    robots.add("paused", level="project", project="production", duration=2, disable=True)
    robots.add("ci", level="project", project="staging", duration=-1)
    robots.add("ci", level="system", duration=30, permissions=SYSTEM_PERMISSIONS)
    robots.add("old", level="system", duration=30, expires_in=-2 * DAY)
    return robots


def names(result):
    return [r["name"] for r in result["raw"]]


def test_project_robots_with_expiry_and_warnings(run_module, harbor, robots):
    result = run_module(robot_info, dict(project="production"))
    assert result["changed"] is False
    assert names(result) == ["robot$production+ci", "robot$production+nightly", "robot$production+paused"]
    ci = result["raw"][0]
    assert ci["permissions"] == CI_PERMISSIONS  # canonical order
    assert ci["days_left"] == 364 and ci["expires_at_iso"].endswith("Z")
    assert result["raw"][1]["days_left"] == 4
    warnings = warnings_of(result)
    assert len(warnings) == 1 and "robot$production+nightly expires on" in warnings[0]
    listing = [c for c in harbor.calls if "/robots" in c.request.url]
    assert parse_qs(urlsplit(listing[0].request.url).query)["q"] == ["Level=project,ProjectID=2"]
    assert harbor.writes() == []


def test_system_robots(run_module, harbor, robots):
    result = run_module(robot_info, dict())
    assert names(result) == ["robot$ci", "robot$old"]
    assert result["raw"][1]["days_left"] == -3  # whole days, rounded down: negative once expired
    assert [w for w in warnings_of(result) if "robot$old expired on" in w]


def test_warnings_can_be_switched_off(run_module, harbor, robots):
    result = run_module(robot_info, dict(project="production", expiry_warning_days=0))
    assert warnings_of(result) == []


@pytest.mark.parametrize("args, expected", [
    (dict(name="robot$staging+ci"), ["robot$staging+ci"]),
    (dict(name="ci", project="production"), ["robot$production+ci"]),
    (dict(name="robot$ci"), ["robot$ci"]),
    (dict(name="ci"), ["robot$ci"]),
    (dict(name="robot$nobody"), []),
    (dict(name="robot$production+nobody"), []),
])
def test_filter_by_name(run_module, harbor, robots, args, expected):
    result = run_module(robot_info, args)
    assert names(result) == expected


def test_never_expiring_robot(run_module, harbor, robots):
    result = run_module(robot_info, dict(name="robot$staging+ci"))
    assert result["raw"][0]["days_left"] is None and result["raw"][0]["expires_at_iso"] is None


def test_project_that_does_not_exist(run_module, harbor, robots):
    result = run_module(robot_info, dict(project="nope"))
    assert result["failed"] is True and "project nope does not exist" in result["msg"]


@pytest.mark.parametrize("args, message", [
    (dict(level="project"), "set project"),
    (dict(level="system", project="production"), "cannot be combined with level=system"),
    (dict(project="Bad Name"), "is not valid"),
    (dict(name="Robot$CI"), "is not valid"),
    (dict(name="robot$production+ci", project="staging"), "names project production"),
    (dict(expiry_warning_days=-3), "expiry_warning_days must be 0"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(robot_info, args)
    assert result["failed"] is True and message in result["msg"]
    assert len(harbor.calls) == 0
