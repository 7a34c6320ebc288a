# -*- coding: utf-8 -*-
"""Schedules, executions and waiting, shared by gc, purge_audit and scan_all (plugins/module_utils/_jobs.py)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _jobs
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborClient

from ...conftest import API, URL


class FakeClock(object):
    """Stands in for the ``time`` module of _jobs: sleeping moves the clock, nothing waits."""

    def __init__(self):
        self.now = 1000.0
        self.pauses = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(_jobs, "time", fake)
    return fake


@pytest.mark.parametrize("schedule, cron", [
    ("Daily", None), ("Hourly", None), ("Weekly", "0 0 2 * * 6"), ("Custom", "0 0 4 * * *"), ("None", None),
    (None, None),
])
def test_valid_schedules(schedule, cron):
    assert _jobs.check_schedule(schedule, cron) is None


@pytest.mark.parametrize("schedule, cron, message", [
    ("Custom", None, "schedule=Custom needs a cron"),
    ("Custom", "0 4 * * *", "must have 6 fields"),         # a crontab line, as in the seed guide
    ("Daily", "30 0 4 * * *", "seconds) field to be 0"),
    ("None", "0 0 4 * * *", "cannot be used with schedule=None"),
    (None, "0 0 4 * * *", "cron is set but schedule is not"),
])
def test_invalid_schedules(schedule, cron, message):
    assert message in _jobs.check_schedule(schedule, cron)


def test_periodic_types_get_the_crons_of_harbors_ui_unless_a_cron_is_given():
    assert _jobs.schedule_object("Hourly", None) == {"type": "Hourly", "cron": "0 0 * * * *"}
    assert _jobs.schedule_object("Daily", None) == {"type": "Daily", "cron": "0 0 0 * * *"}
    assert _jobs.schedule_object("Weekly", None) == {"type": "Weekly", "cron": "0 0 0 * * 0"}
    assert _jobs.schedule_object("Daily", "0 0 4 * * *") == {"type": "Daily", "cron": "0 0 4 * * *"}
    assert _jobs.schedule_object("None", None) == {"type": "None"}


@pytest.mark.parametrize("body", [None, "", {}, {"schedule": None}, {"schedule": {"type": "None"}}])
def test_no_schedule_is_none_even_for_an_empty_body(body):
    assert _jobs.current_schedule(body) is None


def test_current_schedule():
    body = {"id": 3, "schedule": {"type": "Custom", "cron": "0 0 4 * * *", "next_scheduled_time": "x"}}
    assert _jobs.current_schedule(body) == {"type": "Custom", "cron": "0 0 4 * * *"}


def test_job_parameters_is_a_json_string():
    text = json.dumps({"delete_untagged": True, "workers": 2, "redis_url_reg": "redis://redis:6379/1"})
    assert _jobs.job_parameters(text, drop=("redis_url_reg",)) == {"delete_untagged": True, "workers": 2}
    assert _jobs.job_parameters({"workers": 1}) == {"workers": 1}
    for empty in (None, "", "   ", "not json", "[1, 2]"):
        assert _jobs.job_parameters(empty) == {}


def test_log_tail():
    text = "\n".join("line %d" % n for n in range(30)) + "\n\n"
    assert _jobs.log_tail(text) == ["line %d" % n for n in range(10, 30)]
    assert _jobs.log_tail(None) == []


def test_wait_until_polls_with_growing_pauses_until_done(clock):
    values = iter(["Pending", "Running", "Running", "Running", "Success"])
    value, finished = _jobs.wait_until(lambda: next(values), lambda v: v == "Success", 600)
    assert (value, finished) == ("Success", True)
    assert clock.pauses == [0.5, 1.0, 2.0, 4.0]


def test_wait_until_pauses_are_capped(clock):
    calls = []
    _jobs.wait_until(lambda: calls.append(1), lambda v: len(calls) == 8, 600)
    assert max(clock.pauses) == _jobs.POLL_MAX


def test_wait_until_gives_up_after_the_timeout(clock):
    value, finished = _jobs.wait_until(lambda: "Running", lambda v: v == "Success", 3)
    assert (value, finished) == ("Running", False)
    assert sum(clock.pauses) == 3  # the last pause is cut to the time left


def test_wait_until_with_timeout_zero_looks_once(clock):
    calls = []
    value, finished = _jobs.wait_until(lambda: calls.append(1) or "Running", lambda v: False, 0)
    assert (finished, len(calls), clock.pauses) == (False, 1, [])


def test_system_job_reads_the_latest_execution_and_starts_one(harbor):
    harbor.systeminfo()
    harbor.get(API + "/system/gc", json=[{"id": 7, "job_status": "Running", "job_kind": "MANUAL",
                                          "job_parameters": '{"dry_run": false, "time_window": 2}'}])
    harbor.post(API + "/system/gc/schedule", status=201, headers={"Location": "/api/v2.0/system/gc/8"})
    client = HarborClient(URL, "admin", "pw")
    jobs = _jobs.SystemJob(client, "/system/gc", drop=("time_window",))
    assert jobs.latest() == {"id": 7, "status": "Running", "trigger": "MANUAL", "parameters": {"dry_run": False},
                             "creation_time": None, "update_time": None}
    assert harbor.calls[1].request.url.endswith("/system/gc?page=1&page_size=1")
    assert jobs.start({"delete_untagged": True}) == 8
    assert harbor.sent("POST") == [("POST", "/system/gc/schedule",
                                    {"schedule": {"type": "Manual"}, "parameters": {"delete_untagged": True}})]


def test_system_job_without_history(harbor):
    harbor.systeminfo()
    harbor.get(API + "/system/gc", json=[])
    assert _jobs.SystemJob(HarborClient(URL, "admin", "pw"), "/system/gc").latest() is None
