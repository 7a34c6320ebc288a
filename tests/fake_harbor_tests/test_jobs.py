"""The fake's job service: jobs run by themselves (resources/executions.py), ``/jobservice/*``, ``/schedules``.

Harbor's job service finishes queued jobs whether or not anyone reads them; a queue drains in its order; different
kinds do not wait for each other. Tests steer the time with the control API ``/_fake/jobs`` (job_control.py).
"""

import json
import time

import pytest
import requests

from tests.fake_harbor.pytest_plugin import ApiClient

from . import job_control
from .conftest import request_violations

GC = "/system/gc/schedule"
PURGE = "/system/purgeaudit/schedule"
PURGE_PARAMETERS = {"audit_retention_hour": 24, "include_event_types": "pull_artifact"}


def start_gc(api, **parameters):
    resp = api.post(GC, json={"schedule": {"type": "Manual"}, "parameters": parameters})
    assert resp.status_code == 201, resp.text
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def start_purge(api):
    resp = api.post(PURGE, json={"schedule": {"type": "Manual"}, "parameters": PURGE_PARAMETERS})
    assert resp.status_code == 201, resp.text
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def gc_status(api, gc_id):
    return api.get("/system/gc/%d" % gc_id).json()["job_status"]


def seed(server, repository, tags, **extra):
    resp = requests.post(server.url + "/_fake/artifacts", timeout=10,
                         json=dict(project="library", repository=repository, tags=tags, **extra))
    assert resp.status_code == 201, resp.text
    return resp.json()


def system_robot(api, server, name, pairs):
    access = [{"resource": resource, "action": action} for resource, action in pairs]
    resp = api.post("/robots", json={"name": name, "level": "system", "duration": -1,
                                     "permissions": [{"kind": "system", "namespace": "/", "access": access}]})
    assert resp.status_code == 201, resp.text
    return ApiClient(server, auth=(resp.json()["name"], resp.json()["secret"]))


# ---------------------------------------------------------------- the job model

def test_a_queued_gc_finishes_without_anyone_reading_the_first(fake_harbor, harbor_api):
    # real time, no job clock: two short GCs, then nothing but waiting
    job_control.configure(fake_harbor, duration=0.2)
    first = start_gc(harbor_api)
    second = start_gc(harbor_api)
    time.sleep(0.6)
    assert gc_status(harbor_api, second) == "Success"  # the first was never read
    assert gc_status(harbor_api, first) == "Success"
    one, two = (harbor_api.get("/system/gc/%d" % i).json() for i in (first, second))
    assert one["update_time"] <= two["update_time"]  # one after the other
    assert fake_harbor.violations == []


def test_a_queue_drains_in_its_order_as_the_clock_moves(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, duration=10)
    first, second, third = start_gc(harbor_api), start_gc(harbor_api), start_gc(harbor_api)
    assert [gc_status(harbor_api, i) for i in (first, second, third)] == ["Running", "Pending", "Pending"]
    job_control.advance(fake_harbor, 15)  # the first ended at 10, the second runs since then
    assert [gc_status(harbor_api, i) for i in (first, second, third)] == ["Success", "Running", "Pending"]
    job_control.advance(fake_harbor, 20)  # the second ended at 20, the third at 30
    assert [gc_status(harbor_api, i) for i in (first, second, third)] == ["Success", "Success", "Success"]


def test_jobs_of_different_kinds_are_independent(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, kind="GARBAGE_COLLECTION", hold=True)
    job_control.configure(fake_harbor, kind="PURGE_AUDIT_LOG", duration=5)
    gc_id = start_gc(harbor_api)
    purge_id = start_purge(harbor_api)
    assert harbor_api.get("/system/purgeaudit/%d" % purge_id).json()["job_status"] == "Running"
    job_control.advance(fake_harbor, 6)
    assert harbor_api.get("/system/purgeaudit/%d" % purge_id).json()["job_status"] == "Success"
    assert gc_status(harbor_api, gc_id) == "Running"  # held: it runs until released


def test_a_held_job_runs_until_it_is_released(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, hold=True, duration=1)
    gc_id = start_gc(harbor_api)
    job_control.advance(fake_harbor, 100)
    assert gc_status(harbor_api, gc_id) == "Running"
    listed = job_control.jobs(fake_harbor, kind="GARBAGE_COLLECTION")["jobs"]
    assert [(j["id"], j["held"], j["progress"]) for j in listed] == [(gc_id, True, 0.99)]
    released = job_control.release(fake_harbor)
    assert released["released"] == [gc_id] and released["settings"]["hold"] is False
    assert gc_status(harbor_api, gc_id) == "Success"  # its duration had passed
    assert gc_status(harbor_api, start_gc(harbor_api)) == "Running"  # new jobs are not held any more


def test_finish_ends_the_active_jobs_of_a_kind_with_their_work(fake_harbor, harbor_api):
    seed(fake_harbor, "app", [], size=3000)
    job_control.configure(fake_harbor, hold=True)
    first = start_gc(harbor_api, delete_untagged=True)
    second = start_gc(harbor_api)
    purge_id = start_purge(harbor_api)
    done = job_control.finish(fake_harbor, kind="GARBAGE_COLLECTION")
    assert done["finished"] == [first, second]
    assert [gc_status(harbor_api, i) for i in (first, second)] == ["Success", "Success"]
    assert json.loads(harbor_api.get("/system/gc/%d" % first).json()["job_parameters"])["freed_space"] == 3000
    assert harbor_api.get("/system/purgeaudit/%d" % purge_id).json()["job_status"] == "Running"
    job_control.finish(fake_harbor, id=purge_id, status="Error")
    assert harbor_api.get("/system/purgeaudit/%d" % purge_id).json()["job_status"] == "Error"


def test_the_control_api_refuses_bad_settings(fake_harbor):
    url = fake_harbor.url + "/_fake/jobs"
    for body in ({"duration": -1}, {"duration": "long"}, {"hold": "yes"}, {"kind": "BACKUP", "hold": True},
                 {"speed": 2}, {}):
        assert requests.post(url, json=body, timeout=10).status_code == 400, body
    assert requests.post(url + "/finish", json={"id": 99}, timeout=10).status_code == 404
    assert requests.post(url + "/finish", json={"status": "Done"}, timeout=10).status_code == 400
    assert requests.post(url + "/release", json={"kind": "nope"}, timeout=10).status_code == 400
    reset = job_control.configure(fake_harbor, reset=True)
    assert reset["settings"] == {"duration": 0.5, "hold": False, "kinds": {}} and reset["jobs"] == []


def test_the_default_duration_is_short(fake_harbor, harbor_api):
    gc_id = start_gc(harbor_api)
    deadline = time.monotonic() + 5
    while gc_status(harbor_api, gc_id) != "Success":
        assert time.monotonic() < deadline, "a GC with the default duration did not end within 5 s"
        time.sleep(0.1)


# ---------------------------------------------------------------- /jobservice

@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_pools_and_workers_show_the_running_jobs(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, hold=True)
    gc_id = start_gc(harbor_api)
    pools = harbor_api.get("/jobservice/pools").json()
    assert len(pools) == 1 and pools[0]["concurrency"] == 10 and pools[0]["pid"] > 0
    pool_id = pools[0]["worker_pool_id"]
    workers = harbor_api.get("/jobservice/pools/%s/workers" % pool_id).json()
    assert len(workers) == 10 and {w["pool_id"] for w in workers} == {pool_id}
    busy = [w for w in workers if w.get("job_id")]
    job_id = job_control.jobs(fake_harbor, id=gc_id)["jobs"][0]["job_ids"][0]
    assert [(w["job_name"], w["job_id"]) for w in busy] == [("GARBAGE_COLLECTION", job_id)] and busy[0]["start_at"]
    assert all(set(w) == {"id", "pool_id"} for w in workers if w not in busy)  # idle: id and pool only
    assert harbor_api.get("/jobservice/pools/all/workers").json() == workers
    assert harbor_api.get("/jobservice/pools/nope/workers").json() == []
    assert fake_harbor.violations == []


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_stop_a_job_by_id_and_read_its_log(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, hold=True)
    gc_id = start_gc(harbor_api)
    job_id = job_control.jobs(fake_harbor, id=gc_id)["jobs"][0]["job_ids"][0]
    log = harbor_api.get("/jobservice/jobs/%s/log" % job_id)
    assert log.status_code == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert "start to run gc in job." in log.text
    assert harbor_api.put("/jobservice/jobs/%s" % job_id).status_code == 200
    assert gc_status(harbor_api, gc_id) == "Stopped"
    assert harbor_api.put("/jobservice/jobs/0123456789abcdef01234567").status_code == 200  # unknown: fine
    assert harbor_api.get("/jobservice/jobs/0123456789abcdef01234567/log").status_code == 404
    assert fake_harbor.violations == []


def test_stop_all_running_jobs(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, hold=True)
    gc_id, purge_id = start_gc(harbor_api), start_purge(harbor_api)
    assert harbor_api.put("/jobservice/jobs/all").status_code == 200
    assert gc_status(harbor_api, gc_id) == "Stopped"
    assert harbor_api.get("/system/purgeaudit/%d" % purge_id).json()["job_status"] == "Stopped"


@pytest.mark.parametrize("fake_harbor, sbom", [("2.10", False), ("2.15", True)], indirect=["fake_harbor"])
def test_queues_count_pending_jobs_per_job_type(fake_harbor, harbor_api, sbom):
    job_control.configure(fake_harbor, hold=True)
    start_gc(harbor_api)
    start_gc(harbor_api)
    start_gc(harbor_api)
    job_control.advance(fake_harbor, 7)
    queues = {q["job_type"]: q for q in harbor_api.get("/jobservice/queues").json()}
    assert list(queues) == sorted(queues) and ("SBOM" in queues) is sbom
    assert {"GARBAGE_COLLECTION", "IMAGE_SCAN", "PURGE_AUDIT_LOG", "REPLICATION", "RETENTION",
            "SCHEDULER"} <= set(queues)
    assert not {"DEMO", "IMAGE_GC", "IMAGE_SCAN_ALL", "IMAGE_REPLICATE"} & set(queues)
    assert queues["GARBAGE_COLLECTION"]["count"] == 2 and queues["GARBAGE_COLLECTION"]["latency"] >= 7
    assert queues["GARBAGE_COLLECTION"]["paused"] is False  # x-omitempty: false
    assert fake_harbor.violations == []


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_pause_resume_and_stop_a_queue(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, duration=10)
    queue = "/jobservice/queues/garbage_collection"  # the type is upper-cased
    assert harbor_api.put(queue, json={"action": "pause"}).status_code == 200
    first, second = start_gc(harbor_api), start_gc(harbor_api)
    job_control.advance(fake_harbor, 50)
    assert [gc_status(harbor_api, i) for i in (first, second)] == ["Pending", "Pending"]
    paused = {q["job_type"]: q for q in harbor_api.get("/jobservice/queues").json()}["GARBAGE_COLLECTION"]
    assert paused["paused"] is True and paused["count"] == 2
    assert harbor_api.put(queue, json={"action": "resume"}).status_code == 200
    job_control.advance(fake_harbor, 5)  # it starts when resumed, not when queued
    assert [gc_status(harbor_api, i) for i in (first, second)] == ["Running", "Pending"]
    assert harbor_api.put(queue, json={"action": "stop"}).status_code == 200  # the pending ones
    assert [gc_status(harbor_api, i) for i in (first, second)] == ["Running", "Stopped"]
    assert harbor_api.put("/jobservice/queues/all", json={"action": "pause"}).status_code == 200
    assert all(q["paused"] for q in harbor_api.get("/jobservice/queues").json())
    assert fake_harbor.violations == []


def test_queue_actions_outside_the_enum(fake_harbor, harbor_api):
    assert harbor_api.put("/jobservice/queues/all", json={"action": "drain"}).status_code == 422
    assert request_violations(fake_harbor)
    resp = harbor_api.put("/jobservice/queues/all", json={})
    assert resp.status_code == 400 and resp.json()["errors"][0]["message"] == "the action is not supported"


def test_jobservice_is_a_system_api(fake_harbor, harbor_api):
    anonymous = requests.get(fake_harbor.api_url + "/jobservice/queues", timeout=10)
    assert anonymous.status_code == 401
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "dev", "password": "Passw0rd1"}, timeout=10)
    user = ApiClient(fake_harbor, auth=("dev", "Passw0rd1"))
    assert user.get("/jobservice/pools").status_code == 403
    reader = system_robot(harbor_api, fake_harbor, "monitor", [("jobservice-monitor", "list")])
    assert reader.get("/jobservice/queues").status_code == 200
    assert reader.get("/schedules").status_code == 200
    assert reader.put("/jobservice/queues/all", json={"action": "pause"}).status_code == 403
    stopper = system_robot(harbor_api, fake_harbor, "stopper", [("jobservice-monitor", "stop")])
    assert stopper.put("/jobservice/jobs/all").status_code == 200
    assert stopper.get("/jobservice/pools").status_code == 403


# ---------------------------------------------------------------- /schedules

@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_schedules_of_every_kind(fake_harbor, harbor_api):
    listed = harbor_api.get("/schedules").json()
    assert [(s["vendor_type"], s.get("vendor_id", 0), s["cron"]) for s in listed] == [
        ("SYSTEM_ARTIFACT_CLEANUP", 0, "0 0 0 * * *")]  # core schedules it at start-up
    assert harbor_api.put(GC, json={"schedule": {"type": "Daily", "cron": "0 0 3 * * *"}}).status_code == 200
    assert harbor_api.put(PURGE, json={"schedule": {"type": "Weekly", "cron": "0 0 4 * * 0"},
                                       "parameters": PURGE_PARAMETERS}).status_code == 200
    assert harbor_api.put("/system/scanAll/schedule",
                          json={"schedule": {"type": "Daily", "cron": "0 0 5 * * *"}}).status_code == 200
    assert harbor_api.post("/registries", json={"name": "hub", "type": "docker-hub",
                                                "url": "https://hub.docker.com"}).status_code == 201
    scheduled = {"name": "nightly", "dest_registry": {"id": 1}, "enabled": True,
                 "filters": [{"type": "name", "value": "library/**"}],
                 "trigger": {"type": "scheduled", "trigger_settings": {"cron": "0 30 1 * * *"}}}
    assert harbor_api.post("/replication/policies", json=scheduled).status_code == 201
    assert harbor_api.post("/replication/policies", json=dict(scheduled, name="off", enabled=False)).status_code == 201
    retention = {"algorithm": "or", "scope": {"level": "project", "ref": 1}, "rules": [],
                 "trigger": {"kind": "Schedule", "settings": {"cron": "0 0 2 * * *"}, "references": {}}}
    assert harbor_api.post("/retentions", json=retention).status_code == 201
    resp = harbor_api.get("/schedules", params={"page_size": 100})
    found = [(s["vendor_type"], s.get("vendor_id", 0), s["cron"]) for s in resp.json()]  # 0 is left out
    assert found == [("SYSTEM_ARTIFACT_CLEANUP", 0, "0 0 0 * * *"), ("GARBAGE_COLLECTION", -1, "0 0 3 * * *"),
                     ("PURGE_AUDIT_LOG", -1, "0 0 4 * * 0"), ("SCAN_ALL", 0, "0 0 5 * * *"),
                     ("REPLICATION", 1, "0 30 1 * * *"), ("RETENTION", 1, "0 0 2 * * *")]  # not the disabled one
    assert resp.headers["X-Total-Count"] == "6"
    ids = [s["id"] for s in resp.json()]
    assert ids == sorted(ids) and len(set(ids)) == 6
    page = harbor_api.get("/schedules", params={"page": 2, "page_size": 4})
    assert len(page.json()) == 2 and 'rel="prev"' in page.headers["Link"]
    assert harbor_api.put(GC, json={"schedule": {"type": "Daily", "cron": "0 0 6 * * *"}}).status_code == 200
    replaced = [s for s in harbor_api.get("/schedules").json() if s["vendor_type"] == "GARBAGE_COLLECTION"]
    assert replaced[0]["cron"] == "0 0 6 * * *" and replaced[0]["id"] not in ids  # a new record
    assert fake_harbor.violations == []


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_the_scheduler_is_paused_with_its_queue(fake_harbor, harbor_api):
    assert harbor_api.get("/schedules/all/paused").json() == {"paused": False}  # x-omitempty: false
    assert harbor_api.put("/jobservice/queues/SCHEDULER", json={"action": "pause"}).status_code == 200
    assert harbor_api.get("/schedules/ALL/paused").json() == {"paused": True}
    resp = harbor_api.get("/schedules/GARBAGE_COLLECTION/paused")
    assert resp.status_code == 400 and resp.json()["errors"][0]["message"] == "job_type can only be 'all'"
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "dev", "password": "Passw0rd1"}, timeout=10)
    assert ApiClient(fake_harbor, auth=("dev", "Passw0rd1")).get("/schedules/all/paused").status_code == 200
    assert requests.get(fake_harbor.api_url + "/schedules/all/paused", timeout=10).status_code == 401
    assert ApiClient(fake_harbor, auth=("dev", "Passw0rd1")).get("/schedules").status_code == 403
    assert fake_harbor.violations == []
