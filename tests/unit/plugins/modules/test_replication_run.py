# -*- coding: utf-8 -*-
"""harbor_ops.harbor.replication_run, run end to end with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import replication_run

from .harbor_replication import HarborReplication

RUNNING = dict(status="InProgress", total=3, succeed=1, failed=0, in_progress=2)
FAILED = dict(status="Failed", total=3, succeed=1, failed=2, in_progress=0, status_text="2 of 3 tasks failed")
LOG = "".join("2024-05-01T10:00:0%d.000Z [INFO] line %d\n" % (i, i) for i in range(5)) + \
    "2024-05-01T10:00:09.000Z [ERROR] failed to push manifest: http status code: 500\n"


class Clock(object):
    """Stands in for the module's ``time``: sleeping only moves the clock."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(replication_run, "time", fake)
    return fake


@pytest.fixture
def remote(harbor):
    harbor.systeminfo()
    store = HarborReplication(harbor)
    store.policy = store.add_policy("sync-to-ecr", dest=store.add_registry("aws-ecr-us-east-1", "aws-ecr"))
    return store


def with_failed_tasks(remote):
    remote.next_script = [RUNNING, FAILED]
    execution_id = remote.next_id + 1
    remote.tasks[execution_id] = [
        dict(id=71, execution_id=execution_id, status="Succeed", src_resource="production/web:[v1]"),
        dict(id=72, execution_id=execution_id, status="Failed", operation="copy", resource_type="image",
             src_resource="production/app:[v2]", dst_resource="aws-ecr-us-east-1:production/app:[v2]"),
        dict(id=73, execution_id=execution_id, status="Failed", operation="copy", resource_type="image",
             src_resource="production/api:[v2]", dst_resource="aws-ecr-us-east-1:production/api:[v2]"),
    ]
    remote.logs[72] = LOG
    return execution_id


def test_run_and_wait(run_module, harbor, remote, clock):
    remote.next_script = [RUNNING, RUNNING, dict(status="Succeed", total=3, succeed=3, in_progress=0)]
    result = run_module(replication_run, dict(policy="sync-to-ecr", poll_interval=2))
    assert result["changed"] is True and "failed" not in result
    assert harbor.writes() == [("POST", "/replication/executions", {"policy_id": remote.policy["id"]})]
    assert result["execution"]["status"] == "Succeed" and result["execution"]["succeed"] == 3
    assert result["policy_id"] == remote.policy["id"] and result["failed_tasks"] == []
    assert clock.sleeps == [2, 2]
    assert len(harbor.sent("GET")) == 1 + 1 + 3  # systeminfo, policy lookup, three reads of the execution


def test_without_wait_the_execution_is_returned_as_started(run_module, harbor, remote, clock):
    remote.next_script = [RUNNING, dict(status="Succeed")]
    result = run_module(replication_run, dict(policy="sync-to-ecr", wait=False))
    assert result["changed"] is True and result["execution"]["status"] == "InProgress"
    assert clock.sleeps == []


def test_check_mode_starts_nothing(run_module, harbor, remote, clock):
    result = run_module(replication_run, dict(policy="sync-to-ecr"), check_mode=True)
    assert result["changed"] is True and result["execution"] == {}
    assert harbor.writes() == [] and remote.executions == {}


def test_failed_execution_fails_with_the_failed_tasks_and_their_log(run_module, harbor, remote, clock):
    execution_id = with_failed_tasks(remote)
    result = run_module(replication_run, dict(policy="sync-to-ecr", poll_interval=1, log_lines=2))
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("execution %d of replication policy sync-to-ecr ended Failed: 1 of 3 tasks "
                                    "succeeded, 2 failed" % execution_id)
    assert "(2 of 3 tasks failed)" in result["msg"]
    assert "first failed task: production/app:[v2] -> aws-ecr-us-east-1:production/app:[v2]" in result["msg"]
    assert result["msg"].endswith("failed to push manifest: http status code: 500")
    assert [t["id"] for t in result["failed_tasks"]] == [72, 73]
    assert result["failed_tasks"][0]["log_tail"] == LOG.splitlines()[-2:]
    assert result["failed_tasks"][1]["log_tail"] is None  # Harbor has no log for it
    assert harbor.calls[-1].request.headers["Accept"] == "text/plain"


def test_failure_is_only_reported_when_asked(run_module, harbor, remote, clock):
    with_failed_tasks(remote)
    result = run_module(replication_run, dict(policy="sync-to-ecr", fail_on_error=False, max_failed_tasks=1,
                                              log_lines=0))
    assert "failed" not in result and result["execution"]["status"] == "Failed"
    assert [(t["id"], t["log_tail"]) for t in result["failed_tasks"]] == [(72, None)]
    assert not [c for c in harbor.calls if c.request.url.endswith("/log")]


def test_stopped_execution_fails(run_module, harbor, remote, clock):
    remote.next_script = [dict(status="Stopped", total=3, succeed=1, stopped=2, in_progress=0)]
    result = run_module(replication_run, dict(policy="sync-to-ecr"))
    assert result["failed"] is True and "ended Stopped" in result["msg"]


def test_wait_timeout(run_module, harbor, remote, clock):
    remote.next_script = [RUNNING]
    result = run_module(replication_run, dict(policy="sync-to-ecr", wait_timeout=30, poll_interval=10))
    assert result["failed"] is True and result["changed"] is True
    assert "is still InProgress after 30 seconds (it goes on in Harbor)" in result["msg"]
    assert result["execution"]["status"] == "InProgress"
    assert clock.sleeps == [10, 10, 10]


def test_missing_policy(run_module, harbor, remote, clock):
    result = run_module(replication_run, dict(policy="sync-to-gcr"))
    assert result["failed"] is True
    assert result["msg"].startswith("replication policy 'sync-to-gcr' does not exist")
    assert harbor.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(wait_timeout=0), "wait_timeout must be a positive number"),
    (dict(poll_interval=0), "poll_interval must be a positive number"),
    (dict(log_lines=-1), "log_lines must be 0 or more"),
    (dict(max_failed_tasks=-3), "max_failed_tasks must be 0 or more"),
    (dict(policy=" "), "policy must name a replication policy"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(replication_run, dict(dict(policy="sync-to-ecr"), **args))
    assert result["failed"] is True and message in result["msg"]
    assert len(harbor.calls) == 0
