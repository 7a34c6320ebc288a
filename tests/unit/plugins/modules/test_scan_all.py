# -*- coding: utf-8 -*-
"""harbor_ops.harbor.scan_all, with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import json

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _jobs
from ansible_collections.harbor_ops.harbor.plugins.modules import scan_all

from ...conftest import API
from ..module_utils.test_jobs import FakeClock

SCHEDULE = API + "/system/scanAll/schedule"
METRICS = API + "/scans/all/metrics"
NO_SCANNER = {"errors": [{"code": "PRECONDITION", "message": "no scanner is configured, it's not possible to scan"}]}


def schedule(kind="Weekly", cron="0 0 0 * * 0"):
    return {"id": 4, "status": "", "schedule": {"type": kind, "cron": cron}}


def schedules(harbor, *answers):
    for answer in answers:
        harbor.get(SCHEDULE, body="" if answer is None else json.dumps(answer), content_type="application/json")
    harbor.put(SCHEDULE)


def stats(ongoing, total=3, completed=3):
    return {"total": total, "completed": completed, "metrics": {"Success": completed}, "ongoing": ongoing,
            "trigger": "Manual"}


@pytest.fixture
def harbor215(harbor):
    harbor.systeminfo()
    return harbor


def test_weekly_schedule_is_created_with_put(run_module, harbor215):
    schedules(harbor215, None, schedule())
    result = run_module(scan_all, dict(schedule="Weekly"))
    assert result["changed"] is True
    assert harbor215.writes() == [("PUT", "/system/scanAll/schedule",
                                   {"schedule": {"type": "Weekly", "cron": "0 0 0 * * 0"}})]
    assert result["schedule"] == {"type": "Weekly", "cron": "0 0 0 * * 0"}


def test_same_schedule_is_a_no_op(run_module, harbor215):
    schedules(harbor215, schedule())
    result = run_module(scan_all, dict(schedule="Weekly"))
    assert result["changed"] is False and harbor215.writes() == []


def test_another_schedule_replaces_it_with_put(run_module, harbor215):
    # A periodic POST would answer 412 because a schedule exists (api-notes §11).
    schedules(harbor215, schedule(), schedule("Custom", "0 0 2 * * 6"))
    result = run_module(scan_all, dict(schedule="Custom", cron="0 0 2 * * 6"), diff=True)
    assert harbor215.writes() == [("PUT", "/system/scanAll/schedule",
                                   {"schedule": {"type": "Custom", "cron": "0 0 2 * * 6"}})]
    assert result["diff"] == {"before": {"type": "Weekly", "cron": "0 0 0 * * 0"},
                              "after": {"type": "Custom", "cron": "0 0 2 * * 6"}}


def test_check_mode_sends_no_write(run_module, harbor215):
    schedules(harbor215, None)
    result = run_module(scan_all, dict(schedule="Daily"), check_mode=True)
    assert result["changed"] is True and harbor215.writes() == []


def test_none_removes_the_schedule(run_module, harbor215):
    schedules(harbor215, schedule(), None)
    result = run_module(scan_all, dict(schedule="None"))
    assert result["changed"] is True
    assert harbor215.writes() == [("PUT", "/system/scanAll/schedule", {"schedule": {"type": "None"}})]


def test_none_when_there_is_none_is_unchanged(run_module, harbor215):
    schedules(harbor215, None)
    assert run_module(scan_all, dict(schedule="None"))["changed"] is False
    assert harbor215.writes() == []


def test_run_now_starts_a_manual_scan_all(run_module, harbor215):
    harbor215.get(METRICS, json=stats(False))
    harbor215.get(METRICS, json=stats(True, completed=0))
    harbor215.post(SCHEDULE, status=201, headers={"Location": "/api/v2.0/system/scanAll/9"})
    result = run_module(scan_all, dict(run_now=True))
    assert result["changed"] is True and result["already_running"] is False
    assert harbor215.writes() == [("POST", "/system/scanAll/schedule", {"schedule": {"type": "Manual"}})]
    assert result["metrics"]["ongoing"] is True


def test_run_now_while_one_runs_is_reported_not_failed(run_module, harbor215):
    harbor215.get(METRICS, json=stats(True, completed=1))
    result = run_module(scan_all, dict(run_now=True))
    assert result["changed"] is False and result["already_running"] is True
    assert harbor215.writes() == []


def test_409_from_harbor_is_reported_too(run_module, harbor215):
    # The metrics said idle, but one started before our POST: Harbor answers 409.
    harbor215.get(METRICS, json=stats(False))
    harbor215.get(METRICS, json=stats(True, completed=1))
    harbor215.post(SCHEDULE, status=409, json={"errors": [{"code": "CONFLICT", "message": "scan all is running"}]})
    result = run_module(scan_all, dict(run_now=True))
    assert result["changed"] is False and result["already_running"] is True
    assert "failed" not in result


def test_fail_if_running(run_module, harbor215):
    harbor215.get(METRICS, json=stats(True, completed=1))
    result = run_module(scan_all, dict(run_now=True, fail_if_running=True))
    assert result["failed"] is True and "already running" in result["msg"]
    assert harbor215.writes() == []


def test_run_now_in_check_mode_sends_no_write(run_module, harbor215):
    harbor215.get(METRICS, json=stats(False))
    result = run_module(scan_all, dict(run_now=True), check_mode=True)
    assert result["changed"] is True and harbor215.writes() == []


def test_wait_returns_the_metrics(run_module, harbor215, monkeypatch):
    monkeypatch.setattr(_jobs, "time", FakeClock())
    for answer in (stats(False), stats(True, completed=0), stats(True, completed=1), stats(False)):
        harbor215.get(METRICS, json=answer)
    harbor215.post(SCHEDULE, status=201, headers={"Location": "/api/v2.0/system/scanAll/9"})
    result = run_module(scan_all, dict(run_now=True, wait=True))
    assert result["metrics"] == stats(False)


def test_wait_timeout(run_module, harbor215, monkeypatch):
    monkeypatch.setattr(_jobs, "time", FakeClock())
    harbor215.get(METRICS, json=stats(False))
    harbor215.get(METRICS, json=stats(True, completed=1))
    harbor215.post(SCHEDULE, status=201, headers={"Location": "/api/v2.0/system/scanAll/9"})
    result = run_module(scan_all, dict(run_now=True, wait=True, wait_timeout=60))
    assert result["failed"] is True and "still running after 60 seconds (wait_timeout)" in result["msg"]
    assert "1 of 3 scans done" in result["msg"]


@pytest.mark.parametrize("args", [dict(schedule="Daily"), dict(run_now=True)])
def test_without_a_default_scanner_the_error_is_clear(run_module, harbor215, args):
    harbor215.get(SCHEDULE, status=412, json=NO_SCANNER)
    harbor215.get(METRICS, status=412, json=NO_SCANNER)
    result = run_module(scan_all, args)
    assert result["failed"] is True
    assert "has no default scanner" in result["msg"] and "harbor_ops.harbor.scanner" in result["msg"]
    assert "no scanner is configured" in result["msg"]
    assert harbor215.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(schedule="Custom"), "schedule=Custom needs a cron"),
    (dict(schedule="Custom", cron="0 0 2 * *"), "must have 6 fields"),
    (dict(schedule="Custom", cron="0 0 25 * * *"), "not a valid hour"),
    (dict(schedule="Fortnightly"), "value of schedule must be one of"),
    (dict(), "nothing to do"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(scan_all, args)
    assert result["failed"] is True and message in result["msg"]
    assert len(harbor.calls) == 0
