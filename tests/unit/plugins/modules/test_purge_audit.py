# -*- coding: utf-8 -*-
"""harbor_ops.harbor.purge_audit, with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import json

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _jobs
from ansible_collections.harbor_ops.harbor.plugins.modules import purge_audit

from ...conftest import API, SYSTEMINFO_210
from ..module_utils.test_jobs import FakeClock

SCHEDULE = API + "/system/purgeaudit/schedule"
ARTIFACT_EVENTS = "create_artifact,delete_artifact,pull_artifact"
ALL_CREATE_DELETE_PULL = ("create_artifact,create_project,create_robot,create_user,delete_artifact,delete_project,"
                          "delete_repository,delete_robot,delete_user,pull_artifact")


def history(cron="0 0 1 * * *", kind="Custom", **parameters):
    return {"id": 2, "job_name": "", "job_kind": cron, "schedule": {"type": kind, "cron": cron},
            "job_parameters": json.dumps(parameters), "deleted": False}


def schedules(harbor, *answers):
    for answer in answers:
        harbor.get(SCHEDULE, body="" if answer is None else json.dumps(answer), content_type="application/json")
    harbor.put(SCHEDULE)


@pytest.fixture
def harbor215(harbor):
    harbor.systeminfo()
    return harbor


@pytest.fixture
def harbor210(harbor):
    harbor.systeminfo(SYSTEMINFO_210)
    return harbor


def test_create_keeping_30_days_sends_event_types_on_2_15(run_module, harbor215):
    schedules(harbor215, None, history(audit_retention_hour=720, include_event_types=ARTIFACT_EVENTS))
    result = run_module(purge_audit, dict(schedule="Custom", cron="0 0 1 * * *", retention_hours=720,
                                          event_types=["pull_artifact", "create_artifact", "delete_artifact"]))
    assert result["changed"] is True
    assert harbor215.writes() == [("PUT", "/system/purgeaudit/schedule", {
        "schedule": {"type": "Custom", "cron": "0 0 1 * * *"},
        "parameters": {"audit_retention_hour": 720, "include_event_types": ARTIFACT_EVENTS}})]


def test_operations_mean_every_matching_event_on_2_15(run_module, harbor215):
    schedules(harbor215, None, history())
    run_module(purge_audit, dict(schedule="Daily", retention_hours=720, event_types=["create", "delete", "pull"]))
    assert harbor215.writes()[0][2]["parameters"] == {"audit_retention_hour": 720,
                                                      "include_event_types": ALL_CREATE_DELETE_PULL}


def test_the_key_is_include_operations_before_2_13(run_module, harbor210):
    schedules(harbor210, None, history())
    run_module(purge_audit, dict(schedule="Daily", retention_hours=720,
                                 event_types=["create_artifact", "delete_project", "pull"]))
    assert harbor210.writes()[0][2]["parameters"] == {"audit_retention_hour": 720,
                                                      "include_operations": "create,delete,pull"}


def test_events_that_2_10_does_not_have_are_refused(run_module, harbor210):
    result = run_module(purge_audit, dict(schedule="Daily", retention_hours=720, event_types=["login_user", "pull"]))
    assert result["failed"] is True
    assert result["msg"].startswith("event_types login_user need Harbor 2.13 or later")
    assert [c[1] for c in harbor210.sent()] == ["/systeminfo"]


def test_same_schedule_in_another_order_is_a_no_op(run_module, harbor215):
    schedules(harbor215, history(audit_retention_hour=720, include_event_types="pull_artifact,create_artifact",
                                 dry_run=False))
    result = run_module(purge_audit, dict(schedule="Custom", cron="0 0 1 * * *", retention_hours=720,
                                          event_types=["create_artifact", "pull_artifact"], dry_run=False))
    assert result["changed"] is False and harbor215.writes() == []


def test_update_sends_the_complete_parameters(run_module, harbor215):
    current = history(audit_retention_hour=168, include_event_types=ARTIFACT_EVENTS, dry_run=True)
    schedules(harbor215, current, history(audit_retention_hour=720, include_event_types=ARTIFACT_EVENTS, dry_run=True))
    result = run_module(purge_audit, dict(schedule="Custom", cron="0 0 1 * * *", retention_hours=720,
                                          event_types=["create_artifact", "delete_artifact", "pull_artifact"]),
                        diff=True)
    assert harbor215.writes()[0][2]["parameters"] == {"audit_retention_hour": 720,
                                                      "include_event_types": ARTIFACT_EVENTS, "dry_run": True}
    assert result["diff"] == {"before": {"parameters": {"audit_retention_hour": 168}},
                              "after": {"parameters": {"audit_retention_hour": 720}}}


def test_check_mode_sends_no_write(run_module, harbor215):
    schedules(harbor215, None)
    result = run_module(purge_audit, dict(schedule="Weekly", retention_hours=720, event_types=["pull"]),
                        check_mode=True)
    assert result["changed"] is True and harbor215.writes() == []
    assert result["schedule"]["cron"] == "0 0 0 * * 0"


def test_none_still_sends_the_parameters(run_module, harbor215):
    # Harbor wants the parameters on POST and PUT even for None (api-notes §9).
    params = dict(audit_retention_hour=720, include_event_types=ARTIFACT_EVENTS)
    schedules(harbor215, history(**params), None)
    result = run_module(purge_audit, dict(schedule="None"))
    assert result["changed"] is True
    assert harbor215.writes() == [("PUT", "/system/purgeaudit/schedule",
                                   {"schedule": {"type": "None"}, "parameters": params})]


def test_none_without_schedule_is_unchanged(run_module, harbor215):
    schedules(harbor215, None)
    assert run_module(purge_audit, dict(schedule="None"))["changed"] is False
    assert harbor215.writes() == []


def test_run_now_and_wait(run_module, harbor215, monkeypatch):
    monkeypatch.setattr(_jobs, "time", FakeClock())
    harbor215.get(API + "/system/purgeaudit", json=[])
    harbor215.post(SCHEDULE, status=201, headers={"Location": "/api/v2.0/system/purgeaudit/5"})
    for status in ("Running", "Success"):
        harbor215.get(API + "/system/purgeaudit/5",
                      json={"id": 5, "job_status": status, "job_kind": "MANUAL", "job_parameters": "{}"})
    harbor215.get(API + "/system/purgeaudit/5/log", body="purged 12 audit logs\n", content_type="text/plain")
    result = run_module(purge_audit, dict(run_now=True, retention_hours=168, event_types=["pull_artifact"],
                                          dry_run=True, wait=True))
    assert result["changed"] is True
    assert harbor215.writes() == [("POST", "/system/purgeaudit/schedule", {
        "schedule": {"type": "Manual"},
        "parameters": {"audit_retention_hour": 168, "include_event_types": "pull_artifact", "dry_run": True}})]
    assert result["execution"]["status"] == "Success" and result["log"] == ["purged 12 audit logs"]


def test_run_now_while_a_purge_runs(run_module, harbor215):
    harbor215.get(API + "/system/purgeaudit", json=[{"id": 5, "job_status": "Running", "job_parameters": "{}"}])
    result = run_module(purge_audit, dict(run_now=True, retention_hours=168, event_types=["pull"]))
    assert result["already_running"] is True and result["changed"] is False
    assert harbor215.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(schedule="Daily", retention_hours=240001, event_types=["pull"]), "retention_hours must be 1 to 240000"),
    (dict(schedule="Daily", retention_hours=0, event_types=["pull"]), "retention_hours must be 1 to 240000"),
    (dict(schedule="Daily", event_types=["pull"]), "retention_hours is required with schedule=Daily"),
    (dict(schedule="Daily", retention_hours=24), "event_types is required with schedule=Daily"),
    (dict(run_now=True), "retention_hours and event_types are required with run_now=true"),
    (dict(schedule="Daily", retention_hours=24, event_types=[]), "at least one event"),
    (dict(schedule="Daily", retention_hours=24, event_types=["push"]), "value of event_types must be one or more"),
    (dict(schedule="Yearly", retention_hours=24, event_types=["pull"]), "value of schedule must be one of"),
    (dict(schedule="Custom", cron="0 1 * * *", retention_hours=24, event_types=["pull"]), "must have 6 fields"),
    (dict(schedule="None", retention_hours=24), "only apply to a periodic schedule or to run_now"),
    (dict(retention_hours=24), "nothing to do"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(purge_audit, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert len(harbor.calls) == 0
