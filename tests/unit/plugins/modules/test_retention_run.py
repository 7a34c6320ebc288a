# -*- coding: utf-8 -*-
"""harbor_ops.harbor.retention_run: dry runs and real runs, Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import retention_run

from .harbor_policies import HarborPolicies

APP_LOG = """2026-01-02T03:00:00Z [INFO] Run retention process.
 Repository: production/app
+-----------------+-------------+-------+--------+---------------------+------------+-------------+-----------+
|     DIGEST      |     TAG     | KIND  | LABELS |     PUSHEDTIME      | PULLEDTIME | CREATEDTIME | RETENTION |
+-----------------+-------------+-------+--------+---------------------+------------+-------------+-----------+
| sha256:aaaa1111 | v1.2,latest | image |        | 2026/01/01 00:00:00 |            |             | RETAIN    |
| sha256:bbbb2222 | feature-x   | image |        | 2025/12/01 00:00:00 |            |             | DEL       |
| sha256:cccc3333 | <none>      | image |        | 2025/11/01 00:00:00 |            |             | DEL       |
+-----------------+-------------+-------+--------+---------------------+------------+-------------+-----------+
"""
DB_LOG = """| DIGEST | TAG | RETENTION |
| sha256:dddd4444 | v9 | RETAIN |
"""


@pytest.fixture
def policies(harbor, monkeypatch):
    harbor.systeminfo()
    monkeypatch.setattr(retention_run.time, "sleep", lambda seconds: None)
    fake = HarborPolicies(harbor)
    fake.add("production")
    fake.policy_id = fake.add_retention("production", [])
    return fake


def test_dry_run_waits_and_reports_the_candidates(run_module, harbor, policies):
    policies.add_execution(policies.policy_id, ["Running", "Running", "Success"],
                           [("production/app", APP_LOG), ("production/db", DB_LOG)])
    result = run_module(retention_run, dict(project="production"))
    assert result["changed"] is False
    assert harbor.writes() == [("POST", "/retentions/%d/executions" % policies.policy_id, {"dry_run": True})]
    assert result["execution"]["status"] == "Success" and result["execution"]["dry_run"] is True
    # the execution was listed until it finished
    assert len([c for c in harbor.sent("GET") if c[1] == "/retentions/%d/executions" % policies.policy_id]) == 3
    assert result["deleted"] == [
        {"repository": "production/app", "digest": "sha256:bbbb2222", "tags": ["feature-x"]},
        {"repository": "production/app", "digest": "sha256:cccc3333", "tags": []},
    ]
    assert result["retained"] == [
        {"repository": "production/app", "digest": "sha256:aaaa1111", "tags": ["v1.2", "latest"]},
        {"repository": "production/db", "digest": "sha256:dddd4444", "tags": ["v9"]},
    ]
    app = result["repositories"][0]
    assert app["repository"] == "production/app" and app["total"] == 3 and app["retained"] == 1
    assert [a["digest"] for a in app["deleted_artifacts"]] == ["sha256:bbbb2222", "sha256:cccc3333"]


def test_trigger_and_log_ask_for_text(run_module, harbor, policies):
    policies.add_execution(policies.policy_id, ["Success"], [("production/app", APP_LOG)])
    run_module(retention_run, dict(project="production"))
    text_calls = [c.request for c in harbor.calls if c.request.headers.get("Accept") == "text/plain"]
    assert [(r.method, r.path_url.split("/")[-2]) for r in text_calls] == [
        ("POST", "%d" % policies.policy_id), ("GET", "tasks")]


def test_real_run_that_deletes_is_changed(run_module, harbor, policies):
    policies.add_execution(policies.policy_id, ["Success"], [("production/app", APP_LOG)])
    result = run_module(retention_run, dict(project="production", dry_run=False))
    assert harbor.writes()[0][2] == {"dry_run": False}
    assert result["changed"] is True and len(result["deleted"]) == 2


def test_real_run_that_deletes_nothing_is_unchanged(run_module, harbor, policies):
    policies.add_execution(policies.policy_id, ["Success"], [("production/db", DB_LOG)])
    result = run_module(retention_run, dict(project="production", dry_run=False))
    assert result["changed"] is False and result["deleted"] == []


def test_no_wait_returns_the_execution_id(run_module, harbor, policies):
    execution_id = policies.add_execution(policies.policy_id, ["Running"], [])
    result = run_module(retention_run, dict(project="production", dry_run=False, wait=False))
    assert result["changed"] is True and result["execution"]["id"] == execution_id
    assert not [path for _m, path, _b in harbor.sent("GET") if "/executions" in path]


def test_failed_execution_fails_the_task(run_module, harbor, policies):
    log = "2026-01-02T03:00:00Z [ERROR] missing required parameter nDaysSinceLastPush for rule nDaysSinceLastPush\n"
    policies.add_execution(policies.policy_id, ["Error"], [("production/app", log)])
    result = run_module(retention_run, dict(project="production"))
    assert result["failed"] is True
    assert "ended with status Error" in result["msg"]
    assert result["repositories"][0]["repository"] == "production/app"


def test_timeout(run_module, harbor, policies, monkeypatch):
    policies.add_execution(policies.policy_id, ["Running"], [])
    clock = iter(range(0, 10000, 100))
    monkeypatch.setattr(retention_run.time, "time", lambda: next(clock))
    result = run_module(retention_run, dict(project="production", wait_timeout=250))
    assert result["failed"] is True and "still Running after 250 seconds" in result["msg"]


def test_check_mode_starts_nothing(run_module, harbor, policies):
    policies.add_execution(policies.policy_id, ["Success"], [])
    dry = run_module(retention_run, dict(project="production"), check_mode=True)
    real = run_module(retention_run, dict(project="production", dry_run=False), check_mode=True)
    assert harbor.writes() == []
    assert dry["changed"] is False and real["changed"] is True


def test_project_without_policy(run_module, harbor, policies):
    policies.add("staging")
    result = run_module(retention_run, dict(project="staging"))
    assert result["failed"] and "has no retention policy" in result["msg"]
    assert harbor.writes() == []


@pytest.mark.parametrize("extra, message", [
    (dict(project="Prod"), "is not valid"),
    (dict(wait_timeout=0), "wait_timeout must be greater than 0"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, extra, message):
    result = run_module(retention_run, dict(dict(project="production"), **extra))
    assert result["failed"] and message in result["msg"]
    assert len(harbor.calls) == 0


def test_parse_task_log():
    rows = retention_run.parse_task_log(APP_LOG)
    assert rows == [
        {"digest": "sha256:aaaa1111", "tags": ["v1.2", "latest"], "retained": True},
        {"digest": "sha256:bbbb2222", "tags": ["feature-x"], "retained": False},
        {"digest": "sha256:cccc3333", "tags": [], "retained": False},
    ]
    assert retention_run.parse_task_log("no table here") == []
