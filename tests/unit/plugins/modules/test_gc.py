# -*- coding: utf-8 -*-
"""harbor_ops.harbor.gc, with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import json

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _jobs
from ansible_collections.harbor_ops.harbor.plugins.modules import gc

from ...conftest import API, SYSTEMINFO_210
from ..module_utils.test_jobs import FakeClock

SCHEDULE = API + "/system/gc/schedule"
SERVER_KEYS = {"redis_url_reg": "redis://redis:6379/1?idle_timeout_seconds=30", "time_window": 2}


def history(cron="0 0 4 * * *", kind="Custom", **parameters):
    """GET /system/gc/schedule as Harbor answers it: job_parameters is a JSON string with the server's keys."""
    return {"id": 1, "job_name": "", "job_kind": cron, "schedule": {"type": kind, "cron": cron},
            "job_parameters": json.dumps(dict(parameters, **SERVER_KEYS)), "deleted": False}


def execution(execution_id, status, **parameters):
    return {"id": execution_id, "job_name": "GARBAGE_COLLECTION", "job_kind": "MANUAL", "job_status": status,
            "job_parameters": json.dumps(dict(parameters, **SERVER_KEYS)), "schedule": {"type": "Manual"}}


def schedules(harbor, *answers):
    """Answers of successive GET /system/gc/schedule calls (None = Harbor's empty body)."""
    for answer in answers:
        harbor.get(SCHEDULE, body="" if answer is None else json.dumps(answer), content_type="application/json")
    harbor.put(SCHEDULE)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(_jobs, "time", fake)
    return fake


@pytest.fixture
def harbor215(harbor):
    harbor.systeminfo()
    return harbor


# ---------------------------------------------------------------- the schedule

def test_create_schedule_when_harbor_answers_an_empty_body(run_module, harbor215):
    schedules(harbor215, None, history(delete_untagged=True, workers=2))
    result = run_module(gc, dict(schedule="Custom", cron="0 0 4 * * *", delete_untagged=True, workers=2))
    assert result["changed"] is True
    assert harbor215.writes() == [("PUT", "/system/gc/schedule", {
        "schedule": {"type": "Custom", "cron": "0 0 4 * * *"}, "parameters": {"delete_untagged": True, "workers": 2}})]
    assert result["schedule"] == {"type": "Custom", "cron": "0 0 4 * * *",
                                  "parameters": {"delete_untagged": True, "workers": 2}}


def test_daily_uses_the_cron_of_harbors_ui(run_module, harbor215):
    schedules(harbor215, None, history("0 0 0 * * *", "Daily"))
    run_module(gc, dict(schedule="Daily"))
    assert harbor215.writes()[0][2] == {"schedule": {"type": "Daily", "cron": "0 0 0 * * *"}, "parameters": {}}


def test_same_schedule_is_a_no_op_without_writes(run_module, harbor215):
    schedules(harbor215, history(delete_untagged=True, workers=2, dry_run=False))
    result = run_module(gc, dict(schedule="Custom", cron="0 0 4 * * *", delete_untagged=True, workers=2,
                                 dry_run=False))
    assert result["changed"] is False and harbor215.writes() == []
    assert "redis_url_reg" not in result["schedule"]["parameters"]


def test_a_flag_harbor_does_not_list_is_off(run_module, harbor215):
    schedules(harbor215, history(workers=1))
    result = run_module(gc, dict(schedule="Custom", cron="0 0 4 * * *", dry_run=False, delete_untagged=False))
    assert result["changed"] is False and harbor215.writes() == []


def test_update_sends_every_parameter_but_not_the_servers_keys(run_module, harbor215):
    schedules(harbor215, history(delete_untagged=True, workers=2), history(delete_untagged=True, workers=3))
    result = run_module(gc, dict(schedule="Custom", cron="0 0 4 * * *", workers=3), diff=True)
    assert result["changed"] is True
    assert harbor215.writes() == [("PUT", "/system/gc/schedule", {
        "schedule": {"type": "Custom", "cron": "0 0 4 * * *"}, "parameters": {"delete_untagged": True, "workers": 3}})]
    assert result["diff"] == {"before": {"parameters": {"workers": 2}}, "after": {"parameters": {"workers": 3}}}


def test_check_mode_create_sends_no_write(run_module, harbor215):
    schedules(harbor215, None)
    result = run_module(gc, dict(schedule="Custom", cron="0 0 4 * * *", delete_untagged=True), check_mode=True,
                        diff=True)
    assert result["changed"] is True and harbor215.writes() == []
    assert result["schedule"] == {"type": "Custom", "cron": "0 0 4 * * *", "parameters": {"delete_untagged": True}}
    assert result["diff"]["before"] == {}


def test_check_mode_update_sends_no_write(run_module, harbor215):
    schedules(harbor215, history(workers=2))
    result = run_module(gc, dict(schedule="Daily", workers=2), check_mode=True)
    assert result["changed"] is True and harbor215.writes() == []
    assert result["schedule"]["type"] == "Daily" and result["schedule"]["cron"] == "0 0 0 * * *"


def test_schedule_none_removes_it(run_module, harbor215):
    schedules(harbor215, history(workers=2), None)
    result = run_module(gc, dict(schedule="None"), diff=True)
    assert result["changed"] is True and result["schedule"] == {}
    assert harbor215.writes() == [("PUT", "/system/gc/schedule", {"schedule": {"type": "None"},
                                                                  "parameters": {"workers": 2}})]
    assert result["diff"]["after"] == {} and result["diff"]["before"]["cron"] == "0 0 4 * * *"


def test_schedule_none_when_there_is_none_is_unchanged(run_module, harbor215):
    schedules(harbor215, None)
    result = run_module(gc, dict(schedule="None"))
    assert result["changed"] is False and harbor215.writes() == []


def test_schedule_none_in_check_mode_sends_no_write(run_module, harbor215):
    schedules(harbor215, history())
    result = run_module(gc, dict(schedule="None"), check_mode=True)
    assert result["changed"] is True and harbor215.writes() == []


# ---------------------------------------------------------------- run now

def gc_runs(harbor, latest, started=None):
    harbor.get(API + "/system/gc", json=[latest] if latest else [])
    harbor.post(SCHEDULE, status=201, headers={"Location": "/api/v2.0/system/gc/8"})
    for answer in started or []:
        harbor.get(API + "/system/gc/8", json=answer)


def test_run_now_starts_a_manual_gc(run_module, harbor215):
    gc_runs(harbor215, execution(7, "Success"), [execution(8, "Running", delete_untagged=True)])
    result = run_module(gc, dict(run_now=True, delete_untagged=True))
    assert result["changed"] is True and result["already_running"] is False
    assert harbor215.writes() == [("POST", "/system/gc/schedule",
                                   {"schedule": {"type": "Manual"}, "parameters": {"delete_untagged": True}})]
    assert result["execution"]["id"] == 8 and result["execution"]["status"] == "Running"
    assert result["execution"]["parameters"] == {"delete_untagged": True}
    assert "freed_bytes" not in result and "log" not in result


def test_run_now_while_a_gc_runs_starts_none(run_module, harbor215):
    # Harbor would queue a second GC and answer 201 (errata E13): the module must look first.
    gc_runs(harbor215, execution(7, "Running"))
    result = run_module(gc, dict(run_now=True))
    assert result["changed"] is False and result["already_running"] is True
    assert harbor215.writes() == []
    assert result["execution"]["id"] == 7 and "already running" in result["msg"]


def test_run_now_while_a_gc_is_pending_starts_none(run_module, harbor215):
    gc_runs(harbor215, execution(7, "Pending"))
    assert run_module(gc, dict(run_now=True))["already_running"] is True
    assert harbor215.writes() == []


def test_fail_if_running(run_module, harbor215):
    gc_runs(harbor215, execution(7, "Running"))
    result = run_module(gc, dict(run_now=True, fail_if_running=True))
    assert result["failed"] is True and "already running" in result["msg"]
    assert harbor215.writes() == []


def test_run_now_in_check_mode_sends_no_write(run_module, harbor215):
    gc_runs(harbor215, None)
    result = run_module(gc, dict(run_now=True, delete_untagged=True), check_mode=True, diff=True)
    assert result["changed"] is True and harbor215.writes() == []
    assert result["diff"]["after"]["run_now"] == {"type": "Manual", "parameters": {"delete_untagged": True}}


def test_run_now_and_wait_returns_status_freed_bytes_and_log(run_module, harbor215, clock):
    gc_runs(harbor215, None, [execution(8, "Running"), execution(8, "Running"),
                              execution(8, "Success", delete_untagged=True, freed_space=5242880, purged_blobs=4)])
    harbor215.get(API + "/system/gc/8/log", body="\n".join("line %d" % n for n in range(25)) + "\n",
                  content_type="text/plain")
    result = run_module(gc, dict(run_now=True, delete_untagged=True, wait=True))
    assert result["execution"]["status"] == "Success"
    assert result["freed_bytes"] == 5242880
    assert result["log"] == ["line %d" % n for n in range(5, 25)]
    assert len(clock.pauses) == 1  # read once after the start, then twice while waiting


def test_a_gc_that_ends_with_an_error_fails_with_its_log(run_module, harbor215, clock):
    gc_runs(harbor215, None, [execution(8, "Error")])
    harbor215.get(API + "/system/gc/8/log", body="mark: failed to delete blob\n", content_type="text/plain")
    result = run_module(gc, dict(run_now=True, wait=True))
    assert result["failed"] is True
    assert "ended with status Error" in result["msg"] and "failed to delete blob" in result["msg"]


def test_wait_timeout(run_module, harbor215, clock):
    gc_runs(harbor215, None, [execution(8, "Running")])
    result = run_module(gc, dict(run_now=True, wait=True, wait_timeout=30))
    assert result["failed"] is True
    assert "garbage collection 8 is still Running after 30 seconds" in result["msg"]
    assert sum(clock.pauses) == 30


def test_wait_for_the_gc_that_was_already_running(run_module, harbor215, clock):
    harbor215.get(API + "/system/gc", json=[execution(7, "Running")])
    harbor215.get(API + "/system/gc/7", json=execution(7, "Success", freed_space=0))
    harbor215.get(API + "/system/gc/7/log", body="done\n", content_type="text/plain")
    result = run_module(gc, dict(run_now=True, wait=True))
    assert result["already_running"] is True and result["changed"] is False
    assert result["execution"]["status"] == "Success" and result["freed_bytes"] == 0
    assert harbor215.writes() == []


def test_schedule_and_run_together(run_module, harbor215):
    schedules(harbor215, None, history(delete_untagged=True))
    gc_runs(harbor215, None, [execution(8, "Running", delete_untagged=True)])
    result = run_module(gc, dict(schedule="Custom", cron="0 0 4 * * *", delete_untagged=True, run_now=True))
    assert [w[:2] for w in harbor215.writes()] == [("PUT", "/system/gc/schedule"), ("POST", "/system/gc/schedule")]
    assert result["changed"] is True and result["schedule"]["cron"] == "0 0 4 * * *"


# ---------------------------------------------------------------- versions and bad input

def test_delete_tag_needs_2_15(run_module, harbor):
    harbor.systeminfo(SYSTEMINFO_210)
    result = run_module(gc, dict(run_now=True, delete_tag=True))
    assert result["failed"] is True
    assert result["msg"].startswith("delete_tag needs Harbor 2.15 or later")
    assert [c[1] for c in harbor.sent()] == ["/systeminfo"]


def test_delete_tag_on_2_15(run_module, harbor215):
    gc_runs(harbor215, None, [execution(8, "Running", delete_tag=True)])
    run_module(gc, dict(run_now=True, delete_tag=True))
    assert harbor215.writes()[0][2]["parameters"] == {"delete_tag": True}


def test_more_than_five_workers_need_2_13(run_module, harbor):
    harbor.systeminfo(SYSTEMINFO_210)
    result = run_module(gc, dict(schedule="Daily", workers=7))
    assert result["failed"] is True
    assert result["msg"].startswith("workers 7 needs Harbor 2.13 or later (1 to 5 before)")
    assert [c[1] for c in harbor.sent()] == ["/systeminfo"]


def test_ten_workers_on_2_15(run_module, harbor215):
    schedules(harbor215, None, history(workers=10))
    assert run_module(gc, dict(schedule="Daily", workers=10))["changed"] is True


@pytest.mark.parametrize("args, message", [
    (dict(schedule="Custom", cron="0 4 * * *"), "must have 6 fields"),
    (dict(schedule="Custom", cron="30 0 4 * * *"), "seconds) field to be 0"),
    (dict(schedule="Custom"), "schedule=Custom needs a cron"),
    (dict(schedule="Monthly"), "value of schedule must be one of"),
    (dict(schedule="Daily", workers=0), "workers must be 1 to 10"),
    (dict(run_now=True, workers=11), "workers must be 1 to 10"),
    (dict(delete_untagged=True), "only apply to a schedule or a run"),
    (dict(schedule="None", workers=2), "only apply to a schedule or a run"),
    (dict(), "nothing to do"),
    (dict(cron="0 0 4 * * *"), "cron is set but schedule is not"),
    (dict(run_now=True, wait_timeout=-1), "wait_timeout must be 0 or more"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(gc, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(harbor.calls) == 0
