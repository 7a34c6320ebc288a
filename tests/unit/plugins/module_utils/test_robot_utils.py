# -*- coding: utf-8 -*-
"""Robot names, permissions and expiry (plugins/module_utils/_robot.py)."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils._robot import (
    DAY,
    KNOWN_PERMISSIONS,
    build_permissions,
    canonical,
    expiry_warning,
    parse_name,
    refused_by_harbor,
    with_expiry,
)

NOW = 1700000000


@pytest.mark.parametrize("args, short, level, project, full", [
    (("ci",), "ci", "system", None, "robot$ci"),
    (("robot$ci",), "ci", "system", None, "robot$ci"),
    (("robot$production+ci",), "ci", "project", "production", "robot$production+ci"),
    (("production+ci",), "ci", "project", "production", "robot$production+ci"),
    (("ci", "production"), "ci", "project", "production", "robot$production+ci"),
    (("robot$ci", "production"), "ci", "project", "production", "robot$production+ci"),
    (("ci", None, "system", "bot_"), "ci", "system", None, "bot_ci"),
    (("bot_shared-libs+ci.v2", None, None, "bot_"), "ci.v2", "project", "shared-libs", "bot_shared-libs+ci.v2"),
])
def test_parse_name(args, short, level, project, full):
    robot, problem = parse_name(*args)
    assert problem is None
    assert (robot.short, robot.level, robot.project, robot.full) == (short, level, project, full)
    assert robot.stored == full[len(robot.prefix):]


@pytest.mark.parametrize("args, message", [
    (("",), "is not valid"),
    (("robot$",), "is not valid"),
    (("CI",), "is not valid"),
    (("ci robot",), "is not valid"),
    (("a+b+c",), "is not valid"),
    (("+ci",), "is not valid"),
    (("robot$Prod+ci",), "is not valid"),
    (("ci", None, "project"), "needs its project"),
    (("ci", "production", "system"), "only for project robots"),
    (("production+ci", None, "system"), "but level is system"),
    (("production+ci", "staging"), "names project production, but project is staging"),
])
def test_parse_name_refuses(args, message):
    robot, problem = parse_name(*args)
    assert robot is None and message in problem


def test_canonical_orders_merges_and_drops_the_default_effect():
    perms = [
        {"kind": "project", "namespace": "b", "access": [{"resource": "tag", "action": "list", "effect": "allow"}]},
        {"kind": "project", "namespace": "a", "access": [{"resource": "repository", "action": "push"}]},
        {"kind": "project", "namespace": "a", "access": [{"resource": "repository", "action": "pull"},
                                                         {"resource": "repository", "action": "push"}]},
        {"kind": "system", "namespace": "/", "access": [{"resource": "project", "action": "list", "effect": "deny"}]},
    ]
    assert canonical(perms) == [
        {"kind": "project", "namespace": "a", "access": [{"resource": "repository", "action": "pull"},
                                                         {"resource": "repository", "action": "push"}]},
        {"kind": "project", "namespace": "b", "access": [{"resource": "tag", "action": "list"}]},
        {"kind": "system", "namespace": "/", "access": [{"resource": "project", "action": "list", "effect": "deny"}]},
    ]
    assert canonical(list(reversed(perms))) == canonical(perms)


def test_build_permissions_of_a_system_robot():
    robot, _problem = parse_name("release", level="system")
    perms, problem = build_permissions([
        dict(project="staging", resource="repository", actions=["push", "pull"], access=None),
        dict(project=None, resource=None, actions=None, access=[dict(resource="registry", actions=["list"])]),
        dict(project="*", resource="repository", actions=["pull"], access=None),
    ], robot)
    assert problem is None
    assert perms == [
        {"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "pull"}]},
        {"kind": "project", "namespace": "staging", "access": [{"resource": "repository", "action": "pull"},
                                                               {"resource": "repository", "action": "push"}]},
        {"kind": "system", "namespace": "/", "access": [{"resource": "registry", "action": "list"}]},
    ]


def test_build_permissions_of_a_project_robot_use_its_project():
    robot, _problem = parse_name("robot$production+ci")
    perms, problem = build_permissions([dict(resource="artifact", actions=["delete"]),
                                        dict(project="production", resource="repository", actions=["pull"])], robot)
    assert problem is None
    assert perms == [{"kind": "project", "namespace": "production", "access": [
        {"resource": "artifact", "action": "delete"}, {"resource": "repository", "action": "pull"}]}]


@pytest.mark.parametrize("entries, message", [
    ([], "must not be empty"),
    ([dict(resource="repository", actions=["fly"])], "action 'fly' is not valid for resource 'repository'"),
    ([dict(resource="registry", actions=["list"])], "'registry' is not a project-level resource"),
    ([dict(project="staging", resource="repository", actions=["pull"])], "can only hold permissions in production"),
    ([dict(project="*", resource="repository", actions=["pull"])], "can only hold permissions in production"),
    ([dict(access=[dict(resource="repository", actions=[])])], "every item needs a resource and its actions"),
    ([dict()], "grants nothing"),
])
def test_build_permissions_refuses(entries, message):
    robot, _problem = parse_name("robot$production+ci")
    perms, problem = build_permissions(entries, robot)
    assert perms is None and message in problem


def test_known_permissions_cover_the_seed_guide():
    project = KNOWN_PERMISSIONS["project"]
    assert {"pull", "push"} <= project["repository"] and "delete" in project["artifact"]


def test_refused_by_harbor_names_the_first_pair_the_version_lacks():
    perms = [{"kind": "project", "namespace": "p", "access": [{"resource": "member", "action": "list"},
                                                              {"resource": "repository", "action": "pull"}]}]
    allowed = {"project": [{"resource": "repository", "action": "pull"}]}
    assert "member:list (project level) is not accepted by Harbor v2.10.0" in refused_by_harbor(perms, allowed, "v2.10.0")
    assert refused_by_harbor(perms, {"system": []}, "v2.10.0") is None  # a scope Harbor did not list is not checked
    allowed["project"].append({"resource": "member", "action": "list"})
    assert refused_by_harbor(perms, allowed, "v2.15.2") is None


@pytest.mark.parametrize("expires_at, days_left, iso", [
    (-1, None, None),
    (NOW + 10 * DAY - 1, 9, "2023-11-24T22:13:19Z"),
    (NOW + 10 * DAY, 10, "2023-11-24T22:13:20Z"),
    (NOW - 1, -1, "2023-11-14T22:13:19Z"),
])
def test_with_expiry(expires_at, days_left, iso):
    robot = with_expiry({"name": "robot$ci", "expires_at": expires_at}, now=NOW)
    assert robot["days_left"] == days_left and robot["expires_at_iso"] == iso


@pytest.mark.parametrize("robot, days, expected", [
    ({"expires_at": NOW + 14 * DAY}, 14, "expires on"),
    ({"expires_at": NOW + 14 * DAY + 1}, 14, None),
    ({"expires_at": NOW}, 14, "expired on"),
    ({"expires_at": NOW + DAY, "disable": True}, 14, None),
    ({"expires_at": NOW + DAY}, 0, None),
    ({"expires_at": -1}, 14, None),
])
def test_expiry_warning(robot, days, expected):
    warning = expiry_warning(dict(robot, name="robot$ci"), days, now=NOW)
    assert (warning is None) if expected is None else (expected in warning and "robot$ci" in warning)
