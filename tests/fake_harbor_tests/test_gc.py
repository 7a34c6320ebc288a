"""Garbage collection and the audit-log purge: schedules, executions, logs (api-notes §8, §9, errata E12, E13)."""

import datetime
import json

import pytest
import requests

from . import job_control
from .conftest import request_violations

GC = "/system/gc/schedule"
PURGE = "/system/purgeaudit/schedule"


def seed(server, repository, tags, project="library", **extra):
    body = dict(project=project, repository=repository, tags=tags, **extra)
    resp = requests.post(server.url + "/_fake/artifacts", json=body, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()


def start_gc(api, **parameters):
    resp = api.post(GC, json={"schedule": {"type": "Manual"}, "parameters": parameters})
    assert resp.status_code == 201, resp.text
    return int(resp.headers["Location"].rsplit("/", 1)[1])


# ---------------------------------------------------------------- schedules

def test_no_schedule_is_200_with_an_empty_body(fake_harbor, harbor_api):
    for path in (GC, PURGE):
        resp = harbor_api.get(path)
        assert resp.status_code == 200 and resp.content == b""
    assert fake_harbor.violations == []


def test_gc_schedule_with_job_parameters_as_a_json_string(fake_harbor, harbor_api):
    body = {"schedule": {"type": "Custom", "cron": "0 0 4 * * *"}, "parameters": {"delete_untagged": True, "workers": 3}}
    assert harbor_api.put(GC, json=body).status_code == 200
    got = harbor_api.get(GC).json()
    assert got["schedule"] == {"type": "Custom", "cron": "0 0 4 * * *"} and got["job_kind"] == "0 0 4 * * *"
    parameters = json.loads(got["job_parameters"])
    assert parameters["delete_untagged"] is True and parameters["workers"] == 3
    assert {"redis_url_reg", "time_window"} <= set(parameters)  # added by the server
    assert fake_harbor.violations == []


def test_put_replaces_and_none_removes_the_schedule(harbor_api):
    harbor_api.put(GC, json={"schedule": {"type": "Daily", "cron": "0 0 0 * * *"}, "parameters": {"workers": 2}})
    harbor_api.put(GC, json={"schedule": {"type": "Weekly", "cron": "0 0 0 * * 0"}, "parameters": {}})
    got = harbor_api.get(GC).json()
    assert got["schedule"]["type"] == "Weekly" and "workers" not in json.loads(got["job_parameters"])
    assert harbor_api.put(GC, json={"schedule": {"type": "None"}}).status_code == 200
    assert harbor_api.get(GC).content == b""


def test_post_creates_a_schedule_too(harbor_api):
    resp = harbor_api.post(GC, json={"schedule": {"type": "Hourly", "cron": "0 0 * * * *"}})
    assert resp.status_code == 201
    assert harbor_api.get(GC).json()["schedule"]["type"] == "Hourly"


@pytest.mark.parametrize("schedule", [
    {"type": "Daily"}, {"type": "Custom", "cron": ""}, {"type": "Custom", "cron": "0 4 * * *"},
    {"type": "Custom", "cron": "30 0 4 * * *"},
])
def test_periodic_types_need_a_6_field_cron_with_seconds_0(harbor_api, schedule):
    resp = harbor_api.put(GC, json={"schedule": schedule})
    assert resp.status_code == 400 and "cron" in resp.json()["errors"][0]["message"]


def test_an_unknown_schedule_type_is_refused_by_the_spec(fake_harbor, harbor_api):
    resp = harbor_api.put(GC, json={"schedule": {"type": "Monthly", "cron": "0 0 0 1 * *"}})
    assert resp.status_code == 422
    assert request_violations(fake_harbor)


@pytest.mark.parametrize("fake_harbor, workers, status", [
    ("2.10", 5, 200), ("2.10", 6, 400), ("2.12", 6, 400), ("2.13", 10, 200), ("2.15", 10, 200), ("2.15", 11, 400),
    ("2.15", 0, 400), ("2.10", "7", 200),
], indirect=["fake_harbor"])
def test_workers_range_depends_on_the_version(fake_harbor, harbor_api, workers, status):
    resp = harbor_api.put(GC, json={"schedule": {"type": "Daily", "cron": "0 0 0 * * *"},
                                    "parameters": {"workers": workers}})
    assert resp.status_code == status
    if status == 400:
        assert resp.json()["errors"][0]["message"] == "Invalid number of workers"


@pytest.mark.parametrize("fake_harbor, kept", [("2.10", False), ("2.15", True)], indirect=["fake_harbor"])
def test_delete_tag_is_a_2_15_parameter(fake_harbor, harbor_api, kept):
    harbor_api.put(GC, json={"schedule": {"type": "Daily", "cron": "0 0 0 * * *"}, "parameters": {"delete_tag": True}})
    assert ("delete_tag" in json.loads(harbor_api.get(GC).json()["job_parameters"])) is kept


# ---------------------------------------------------------------- schedules without a type (gc.go, purge.go kick)

@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
@pytest.mark.parametrize("path, parameters", [(GC, {"workers": 2}), (PURGE, {"audit_retention_hour": 24})])
def test_a_schedule_without_type_changes_nothing(fake_harbor, harbor_api, path, parameters):
    body = {"schedule": {"type": "Daily", "cron": "0 0 3 * * *"}, "parameters": parameters}
    assert harbor_api.put(path, json=body).status_code == 200
    stored = harbor_api.get(path).json()
    untyped = {"schedule": {"cron": "0 0 5 * * *"}, "parameters": parameters}
    assert harbor_api.put(path, json=untyped).status_code == 200
    created = harbor_api.post(path, json=untyped)
    # kick() returns id 0 without a Manual run, and the handler puts it into Location
    assert created.status_code == 201 and created.headers["Location"] == "/api/v2.0" + path.replace("/schedule", "/0")
    assert harbor_api.get(path).json() == stored
    assert harbor_api.get(path.replace("/schedule", "")).json() == []  # nothing ran
    assert fake_harbor.violations == []


def test_periodic_post_answers_location_0(harbor_api):
    resp = harbor_api.post(GC, json={"schedule": {"type": "Hourly", "cron": "0 0 * * * *"}})
    assert resp.status_code == 201 and resp.headers["Location"] == "/api/v2.0/system/gc/0"


def test_gc_checks_workers_only_for_manual_and_periodic_schedules(harbor_api):
    for schedule in ({"type": "None"}, {}):
        assert harbor_api.put(GC, json={"schedule": schedule, "parameters": {"workers": 99}}).status_code == 200
    resp = harbor_api.put(GC, json={"schedule": {"type": "Manual"}, "parameters": {"workers": 99}})
    assert resp.status_code == 400


@pytest.mark.allow_response_violations
def test_gc_without_a_schedule_object_crashes_harbor_s_handler(harbor_api):
    # params.Schedule.Schedule.Type without a nil check (gc.go): the server answers 500
    resp = harbor_api.put(GC, json={"parameters": {"workers": 2}})
    assert resp.status_code == 500 and resp.json()["errors"][0]["code"] == "UNKNOWN"


def test_purge_without_a_schedule_object_is_400(harbor_api):
    for method in (harbor_api.put, harbor_api.post):
        resp = method(PURGE, json={"parameters": {"audit_retention_hour": 24}})
        assert resp.status_code == 400 and resp.json()["errors"][0]["message"] == "schedule cann't be empty"


# ---------------------------------------------------------------- executions

def test_manual_gc_runs_for_its_duration_then_succeeds(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, duration=30)
    gc_id = start_gc(harbor_api, delete_untagged=True)
    assert harbor_api.get("/system/gc/%d" % gc_id).json()["job_status"] == "Running"
    job_control.advance(fake_harbor, 20)
    assert harbor_api.get("/system/gc/%d" % gc_id).json()["job_status"] == "Running"  # reads do not move it
    job_control.advance(fake_harbor, 11)
    assert harbor_api.get("/system/gc/%d" % gc_id).json()["job_status"] == "Success"
    assert fake_harbor.violations == []


def test_history_is_newest_first_and_paged(harbor_api):
    first = start_gc(harbor_api)
    second = start_gc(harbor_api)
    resp = harbor_api.get("/system/gc", params={"page_size": 1})
    assert resp.headers["X-Total-Count"] == "2" and [g["id"] for g in resp.json()] == [second] and first < second


def test_a_second_manual_gc_is_queued_not_refused(fake_harbor, harbor_api):
    # errata E13: no 409; the job service runs one GC at a time.
    job_control.configure(fake_harbor, duration=10)
    first = start_gc(harbor_api)
    second = start_gc(harbor_api)
    assert harbor_api.get("/system/gc/%d" % second).json()["job_status"] == "Pending"
    job_control.advance(fake_harbor, 11)
    assert harbor_api.get("/system/gc/%d" % first).json()["job_status"] == "Success"
    assert harbor_api.get("/system/gc/%d" % second).json()["job_status"] == "Running"


def test_gc_deletes_untagged_artifacts_and_reports_the_freed_bytes(fake_harbor, harbor_api):
    seed(fake_harbor, "app", [], size=3000)
    seed(fake_harbor, "app", ["v1"], size=500)
    job_control.configure(fake_harbor, duration=0)
    gc_id = start_gc(harbor_api, delete_untagged=True)
    done = harbor_api.get("/system/gc/%d" % gc_id).json()
    parameters = json.loads(done["job_parameters"])
    assert done["job_status"] == "Success"
    assert parameters["freed_space"] == 3000 and parameters["purged_manifests"] == 1
    artifacts = harbor_api.get("/projects/library/repositories/app/artifacts").json()
    assert [a["size"] for a in artifacts] == [500]
    log = harbor_api.get("/system/gc/%d/log" % gc_id)
    assert log.headers["Content-Type"].startswith("text/plain")
    assert "The GC job actual frees up 3000 bytes." in log.text
    assert fake_harbor.violations == []


def test_dry_run_deletes_nothing(fake_harbor, harbor_api):
    seed(fake_harbor, "app", [], size=3000)
    job_control.configure(fake_harbor, duration=0)
    gc_id = start_gc(harbor_api, delete_untagged=True, dry_run=True)
    parameters = json.loads(harbor_api.get("/system/gc/%d" % gc_id).json()["job_parameters"])
    assert parameters["freed_space"] == 3000
    assert len(harbor_api.get("/projects/library/repositories/app/artifacts").json()) == 1
    assert "eligible for deletion" in harbor_api.get("/system/gc/%d/log" % gc_id).text


def test_gc_frees_the_blobs_of_deleted_artifacts(fake_harbor, harbor_api):
    seed(fake_harbor, "app", ["v1"], size=700)
    assert harbor_api.delete("/projects/library/repositories/app/artifacts/v1").status_code == 200
    job_control.configure(fake_harbor, duration=0)
    gc_id = start_gc(harbor_api)
    assert json.loads(harbor_api.get("/system/gc/%d" % gc_id).json()["job_parameters"])["freed_space"] == 700
    again = start_gc(harbor_api)
    assert json.loads(harbor_api.get("/system/gc/%d" % again).json()["job_parameters"])["freed_space"] == 0


def test_stop_a_gc(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, hold=True)
    gc_id = start_gc(harbor_api)
    assert harbor_api.put("/system/gc/%d" % gc_id).status_code == 200
    assert harbor_api.get("/system/gc/%d" % gc_id).json()["job_status"] == "Stopped"


def test_unknown_gc_and_permissions(fake_harbor, harbor_api):
    assert harbor_api.get("/system/gc/999").status_code == 404
    assert requests.get(fake_harbor.api_url + "/system/gc/schedule", timeout=10).status_code == 401
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "dev", "password": "Passw0rd1"}, timeout=10)
    assert requests.get(fake_harbor.api_url + "/system/gc", auth=("dev", "Passw0rd1"), timeout=10).status_code == 403


# ---------------------------------------------------------------- audit-log purge

@pytest.mark.parametrize("fake_harbor, key", [("2.10", "include_operations"), ("2.13", "include_event_types")],
                         indirect=["fake_harbor"])
def test_purge_parameters_by_version(fake_harbor, harbor_api, key):
    other = "include_event_types" if key == "include_operations" else "include_operations"
    body = {"schedule": {"type": "Daily", "cron": "0 0 1 * * *"},
            "parameters": {"audit_retention_hour": 720, key: "create,delete", other: "pull"}}
    assert harbor_api.put(PURGE, json=body).status_code == 200
    stored = json.loads(harbor_api.get(PURGE).json()["job_parameters"])
    assert stored == {"audit_retention_hour": 720, key: "create,delete"}
    assert fake_harbor.violations == []


@pytest.mark.parametrize("body, message", [
    ({"schedule": {"type": "None"}}, "parameters of the purge audit log job are required"),
    ({"schedule": {"type": "Daily", "cron": "0 0 1 * * *"}, "parameters": {"include_event_types": "x"}},
     "audit_retention_hour is required"),
    ({"schedule": {"type": "Daily", "cron": "0 0 1 * * *"}, "parameters": {"audit_retention_hour": 240001}},
     "less than or equal to 240000"),
])
def test_purge_parameters_are_mandatory_even_for_none(harbor_api, body, message):
    for method in (harbor_api.put, harbor_api.post):
        resp = method(PURGE, json=body)
        assert resp.status_code == 400 and message in resp.json()["errors"][0]["message"]


def test_purge_none_with_parameters_removes_the_schedule(harbor_api):
    params = {"audit_retention_hour": 720, "include_event_types": "create_artifact"}
    harbor_api.put(PURGE, json={"schedule": {"type": "Daily", "cron": "0 0 1 * * *"}, "parameters": params})
    assert harbor_api.put(PURGE, json={"schedule": {"type": "None"}, "parameters": params}).status_code == 200
    assert harbor_api.get(PURGE).content == b""


def test_manual_purge(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, duration=10)
    resp = harbor_api.post(PURGE, json={"schedule": {"type": "Manual"},
                                        "parameters": {"audit_retention_hour": 24, "include_event_types": "pull_artifact",
                                                       "dry_run": True}})
    assert resp.status_code == 201 and resp.headers["Location"].startswith("/api/v2.0/system/purgeaudit/")
    purge_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    latest = harbor_api.get("/system/purgeaudit", params={"page_size": 1}).json()[0]
    assert latest["id"] == purge_id and latest["job_status"] == "Running"
    job_control.advance(fake_harbor, 11)
    assert harbor_api.get("/system/purgeaudit/%d" % purge_id).json()["job_status"] == "Success"
    log = harbor_api.get("/system/purgeaudit/%d/log" % purge_id).text.splitlines()
    assert log[0].endswith("[INFO] Purge audit job start")
    assert any(line.endswith("[INFO] [DRYRUN]Purged 0 rows of audit logs") for line in log)  # no audit records
    assert fake_harbor.violations == []


def _audit_record(record_id, hours_ago, operation, resource_type, kind):
    stamp = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=hours_ago)
    return {"id": record_id, "kind": kind, "project_id": 1, "username": "admin", "resource": "library/app:v1",
            "resource_type": resource_type, "operation": operation,
            "op_time": stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z")}


@pytest.mark.parametrize("fake_harbor, key, include, kind", [
    ("2.10", "include_operations", "pull,create", "legacy"),
    ("2.15", "include_event_types", "pull_artifact,create_artifact", "ext"),
], indirect=["fake_harbor"])
def test_purge_removes_the_old_audit_records_it_selects(fake_harbor, harbor_api, key, include, kind):
    with fake_harbor.lock:
        fake_harbor.state.audit_logs = [
            _audit_record(1, 48, "pull", "artifact", kind), _audit_record(2, 72, "create", "artifact", kind),
            _audit_record(3, 48, "delete", "artifact", kind),  # not selected
            _audit_record(4, 1, "pull", "artifact", kind),  # too young
            _audit_record(5, 48, "pull", "artifact", "ext" if kind == "legacy" else "legacy"),  # the other table
        ]
    job_control.configure(fake_harbor, duration=0)
    parameters = {"audit_retention_hour": 24, key: include}
    for dry_run, rows in ((True, "[DRYRUN]Purged 2 rows of audit logs"), (False, "Purged 2 rows of audit logs")):
        body = {"schedule": {"type": "Manual"}, "parameters": dict(parameters, dry_run=dry_run)}
        resp = harbor_api.post(PURGE, json=body)
        purge_id = int(resp.headers["Location"].rsplit("/", 1)[1])
        assert harbor_api.get("/system/purgeaudit/%d" % purge_id).json()["job_status"] == "Success"
        log = harbor_api.get("/system/purgeaudit/%d/log" % purge_id).text
        assert log.splitlines()[3].endswith("[INFO] %s" % rows), log
    with fake_harbor.lock:
        assert [r["id"] for r in fake_harbor.state.audit_logs] == [3, 4, 5]


def test_a_retention_of_0_hours_quits_the_purge(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, duration=0)
    parameters = {"audit_retention_hour": 0, "include_event_types": "pull_artifact"}
    resp = harbor_api.post(PURGE, json={"schedule": {"type": "Manual"}, "parameters": parameters})
    purge_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert harbor_api.get("/system/purgeaudit/%d" % purge_id).json()["job_status"] == "Success"
    log = harbor_api.get("/system/purgeaudit/%d/log" % purge_id).text
    assert "Purge audit job start" in log and "Purged" not in log
