# -*- coding: utf-8 -*-
"""harbor_ops.harbor.project_info, with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import project_info

from .harbor_projects import HarborProjects


@pytest.fixture
def projects(harbor):
    harbor.systeminfo()
    store = HarborProjects(harbor)
    store.add("production", {"public": "false", "auto_scan": "true"})
    store.add("production-old", {"public": "true"})
    store.add("shared-libs", {"public": "true"})
    return store


def test_one_project_by_exact_name(run_module, harbor, projects):
    result = run_module(project_info, dict(name="production"))
    assert result["changed"] is False
    assert [p["name"] for p in result["projects"]] == ["production"]
    assert harbor.calls[1].request.headers["X-Is-Resource-Name"] == "true"


def test_missing_project_gives_an_empty_list(run_module, harbor, projects):
    assert run_module(project_info, dict(name="nope"))["projects"] == []


def test_all_projects_filtered_by_visibility(run_module, harbor, projects):
    result = run_module(project_info, dict(public=True))
    assert sorted(p["name"] for p in result["projects"]) == ["production-old", "shared-libs"]
    assert "public=true" in harbor.calls[1].request.url


def test_info_never_writes_even_outside_check_mode(run_module, harbor, projects):
    run_module(project_info, {})
    assert harbor.writes() == []


def test_invalid_name_fails_before_any_request(run_module, harbor):
    result = run_module(project_info, dict(name="Not Valid"))
    assert result["failed"] and "is not valid" in result["msg"]
    assert len(harbor.calls) == 0
