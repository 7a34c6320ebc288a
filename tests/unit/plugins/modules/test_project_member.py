# -*- coding: utf-8 -*-
"""harbor_ops.harbor.project_member, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import project_member

from ...conftest import warnings_of
from .harbor_accounts import HarborGroups, HarborMembers, HarborProjectsLite

DEVELOPERS = dict(project="production", group="developers", group_type="ldap")


@pytest.fixture
def setup(harbor):
    harbor.systeminfo()
    projects = HarborProjectsLite(harbor)
    projects.add("production", 12)
    groups = HarborGroups(harbor)
    groups.add("developers-old", 1, "cn=old")
    groups.add("developers", 3)
    groups.add("developers", 1, "cn=developers")
    members = HarborMembers(harbor, projects, groups)
    members.add("production", "u", "admin", 1)
    return members


def test_group_member_is_added_by_group_id(run_module, harbor, setup):
    result = run_module(project_member, dict(DEVELOPERS, role="developer"))
    assert result["changed"] is True
    assert harbor.writes() == [("POST", "/projects/production/members", {"role_id": 2, "member_group": {"id": 3}})]
    assert result["member"]["entity_name"] == "developers" and result["member"]["role_id"] == 2


def test_user_member_is_added_by_name(run_module, harbor, setup):
    result = run_module(project_member, dict(project="production", user="alice", role="limited_guest"))
    assert harbor.writes() == [("POST", "/projects/production/members",
                                {"role_id": 5, "member_user": {"username": "alice"}})]
    assert result["member"]["entity_type"] == "u"


def test_project_name_header_is_sent(run_module, harbor, setup):
    run_module(project_member, dict(project="production", user="alice", role="guest"))
    for call in harbor.calls:
        if "/members" in call.request.path_url:
            assert call.request.headers["X-Is-Resource-Name"] == "true"


@pytest.mark.parametrize("role, role_id", [("projectAdmin", 1), ("admin", 1), ("Maintainer", 4), ("developer", 2),
                                           ("guest", 3), ("limitedGuest", 5), ("limited-guest", 5)])
def test_role_names(run_module, harbor, setup, role, role_id):
    run_module(project_member, dict(project="production", user="alice", role=role))
    assert harbor.writes()[0][2]["role_id"] == role_id


def test_second_run_is_a_no_op_without_writes(run_module, harbor, setup):
    setup.add("production", "u", "developers", 4)  # a user of the same name is another member
    setup.add("production", "g", "developers", 2)
    result = run_module(project_member, dict(DEVELOPERS, role="developer"))
    assert result["changed"] is False and harbor.writes() == []


def test_role_change_is_a_put_of_the_role(run_module, harbor, setup):
    member = setup.add("production", "g", "developers", 2)
    setup.add("production", "g", "developers-old", 3)
    result = run_module(project_member, dict(DEVELOPERS, role="guest"), diff=True)
    assert result["changed"] is True
    assert harbor.writes() == [("PUT", "/projects/production/members/%d" % member["id"], {"role_id": 3})]
    assert result["diff"] == {"before": {"role_id": 2}, "after": {"role_id": 3}}
    assert result["member"]["role_id"] == 3


def test_check_mode_sends_no_write(run_module, harbor, setup):
    setup.add("production", "g", "developers", 2)
    assert run_module(project_member, dict(DEVELOPERS, role="maintainer"), check_mode=True)["changed"] is True
    assert run_module(project_member, dict(project="production", user="bob", role="guest"),
                      check_mode=True)["changed"] is True
    assert harbor.writes() == []


def test_missing_group_fails_without_a_write(run_module, harbor, setup):
    result = run_module(project_member, dict(project="production", group="testers", group_type="oidc", role="guest"))
    assert result["failed"] is True
    assert "user group testers (oidc) does not exist in Harbor" in result["msg"]
    assert "create it first (harbor_ops.harbor.user_group)" in result["msg"]
    assert harbor.writes() == []


def test_check_mode_assumes_an_earlier_task_creates_the_missing_group(run_module, harbor, setup):
    result = run_module(project_member, dict(project="production", group="testers", group_type="oidc", role="guest"),
                        check_mode=True)
    assert not result.get("failed") and result["changed"] is True
    assert any("user group testers (oidc) does not exist" in w and "earlier task" in w for w in warnings_of(result))
    assert harbor.writes() == []


def test_missing_project_fails_clearly(run_module, harbor, setup):
    result = run_module(project_member, dict(project="staging", user="alice", role="guest"))
    assert result["failed"] is True and "project staging does not exist" in result["msg"]


def test_delete(run_module, harbor, setup):
    member = setup.add("production", "u", "bob", 2)
    result = run_module(project_member, dict(project="production", user="bob", state="absent"))
    assert result["changed"] is True and result["member"] == {}
    assert harbor.writes() == [("DELETE", "/projects/production/members/%d" % member["id"], None)]


def test_delete_in_check_mode_sends_no_write(run_module, harbor, setup):
    setup.add("production", "u", "bob", 2)
    assert run_module(project_member, dict(project="production", user="bob", state="absent"),
                      check_mode=True)["changed"] is True
    assert harbor.writes() == []


@pytest.mark.parametrize("project", ["production", "staging"])
def test_absent_and_already_missing_is_unchanged(run_module, harbor, setup, project):
    setup.add("production", "u", "bobby", 2)
    result = run_module(project_member, dict(project=project, user="bob", state="absent"))
    assert result["changed"] is False and harbor.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(project="production", user="alice", role="owner"), "role 'owner' does not exist"),
    (dict(project="production", user="alice", role="reader"), "use projectAdmin (or admin), maintainer"),
    (dict(project="production", user="alice"), "state is present but all of the following are missing: role"),
    (dict(project="production", role="guest"), "one of the following is required: user, group"),
    (dict(project="production", user="a", group="b", group_type="ldap", role="guest"), "mutually exclusive"),
    (dict(project="production", group="developers", role="guest"), "missing parameter(s) required by 'group'"),
    (dict(project="production", user="alice", group_type="ldap", role="guest"), "group_type is only for a group"),
    (dict(project="Production", user="alice", role="guest"), "project name 'Production' is not valid"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(project_member, args)
    assert result["failed"] is True and message in result["msg"]
    assert len(harbor.calls) == 0
