"""Replication policies and executions as Harbor answers them (api-notes §4, errata E9)."""

import time

import pytest
import requests

from tests.fake_harbor.resources.replication import replace_namespace

from . import job_control
from .conftest import request_violations

ECR = {"name": "ecr", "type": "aws-ecr", "url": "https://123456789.dkr.ecr.us-east-1.amazonaws.com",
       "credential": {"type": "basic", "access_key": "AKIAEXAMPLE", "access_secret": "Ecr-Secret-1"}}
BROKEN = {"name": "broken", "type": "docker-registry", "url": "https://mirror.broken.example.com"}
HUB = {"name": "hub", "type": "docker-hub", "url": "https://hub.docker.com"}
PUSH = {"name": "sync-to-ecr", "dest_registry": {"id": 1}, "dest_namespace": "production", "enabled": True,
        "filters": [{"type": "name", "value": "production/**"}, {"type": "tag", "value": "v*", "decoration": "matches"}],
        "trigger": {"type": "event_based", "trigger_settings": {"cron": ""}}, "deletion": False,
        "replicate_deletion": False}


@pytest.fixture
def remotes(harbor_api):
    for body in (ECR, HUB, BROKEN):
        assert harbor_api.post("/registries", json=body).status_code == 201
    return {"ecr": 1, "hub": 2, "broken": 3}


def create(api, body):
    return api.post("/replication/policies", json=body)


def seed_repository(server, project, name):
    resp = requests.post(server.url + "/_fake/repositories", json={"project": project, "name": name, "size": 10},
                         timeout=10)
    assert resp.status_code in (200, 201)


def test_create_and_read_a_push_policy(fake_harbor, harbor_api, remotes):
    resp = create(harbor_api, PUSH)
    assert resp.status_code == 201 and resp.headers["Location"] == "/api/v2.0/replication/policies/1"
    got = harbor_api.get("/replication/policies/1").json()
    assert got["src_registry"]["id"] == 0 and got["src_registry"]["name"] == "Local"
    assert got["dest_registry"]["name"] == "ecr" and got["dest_registry"]["credential"]["access_secret"] == "*****"
    assert got["filters"] == PUSH["filters"] and got["enabled"] is True
    assert got["dest_namespace_replace_count"] == -1 and got["single_active_replication"] is False
    assert fake_harbor.violations == []


def test_harbor_reads_deletion_not_replicate_deletion(harbor_api, remotes):
    create(harbor_api, dict(PUSH, deletion=False, replicate_deletion=True))
    got = harbor_api.get("/replication/policies/1").json()
    assert "deletion" not in got and "replicate_deletion" not in got  # both false: omitempty
    create(harbor_api, dict(PUSH, name="with-deletion", deletion=True, replicate_deletion=False))
    got = harbor_api.get("/replication/policies/2").json()
    assert got["deletion"] is True and got["replicate_deletion"] is True


def test_put_replaces_the_policy(harbor_api, remotes):
    create(harbor_api, dict(PUSH, override=True, speed=100, description="d"))
    assert harbor_api.put("/replication/policies/1", json={"name": "sync-to-ecr", "dest_registry": {"id": 1}}).status_code == 200
    got = harbor_api.get("/replication/policies/1").json()
    # the zero values are left out (omitempty); speed is x-isnullable, so its 0 is sent
    assert not {"override", "enabled", "description", "dest_namespace"} & set(got) and got["speed"] == 0
    assert got["filters"] == [] and got["trigger"]["type"] == "manual"


def test_defaults_and_normalisation(harbor_api, remotes):
    create(harbor_api, dict(name="p", src_registry={"id": 2}, speed=-5))
    got = harbor_api.get("/replication/policies/1").json()
    assert got["speed"] == 0 and "enabled" not in got and "override" not in got
    assert got["dest_registry"]["id"] == 0 and got["src_registry"]["name"] == "hub"


@pytest.mark.parametrize("change, message", [
    (dict(src_registry={"id": 2}), "either src_registry or dest_registry should be empty"),
    (dict(dest_registry=None), "src_registry and dest_registry cannot be both empty"),
    (dict(dest_registry={"id": 9}), "destination registry 9 not found"),
    (dict(filters=[{"type": "name", "value": "a/**", "decoration": "matches"}]), "only tag and label filters"),
    (dict(filters=[{"type": "label", "value": "prod"}]), "must be a string array"),
    (dict(filters=[{"type": "tag", "value": ["v*"]}]), "must be a string"),
    (dict(filters=[{"type": "resource", "value": "chart"}]), "invalid resource type"),
    (dict(filters=[{"type": "digest", "value": "x"}]), "invalid filter type"),
    (dict(filters=[{"type": "tag", "value": "v*", "decoration": "keeps"}]), "invalid decoration"),
    (dict(trigger={"type": "scheduled", "trigger_settings": {"cron": ""}}), "cannot be empty"),
    (dict(trigger={"type": "scheduled", "trigger_settings": {"cron": "0 3 * * *"}}), "6 fields"),
    (dict(trigger={"type": "scheduled", "trigger_settings": {"cron": "5 0 3 * * *"}}), "must be 0"),
    (dict(trigger={"type": "scheduled", "trigger_settings": {"cron": "0 * 3 * * *"}}), "must not be *"),
    (dict(trigger={"type": "hourly"}), "invalid trigger type"),
    (dict(dest_namespace="Production"), "invalid dest_namespace"),
    (dict(name=""), "name is required"),
])
def test_policy_validation(harbor_api, remotes, change, message):
    body = dict(PUSH)
    body.update(change)
    resp = create(harbor_api, dict((k, v) for k, v in body.items() if v is not None))
    assert resp.status_code == 400
    assert message in resp.json()["errors"][0]["message"]


def test_event_based_only_for_push(harbor_api, remotes):
    resp = create(harbor_api, dict(name="pull", src_registry={"id": 2}, trigger={"type": "event_based"}))
    assert resp.status_code == 400 and "only supported when the source is the local Harbor" in resp.text


@pytest.mark.parametrize("fake_harbor, status", [("2.15", 500), ("2.14", 500), ("2.13", 201)],
                         indirect=["fake_harbor"])
def test_single_active_replication_with_event_based(fake_harbor, harbor_api, remotes, status):
    # errata E9: 500, not 400; before 2.14 the field does not exist and is dropped
    resp = create(harbor_api, dict(PUSH, single_active_replication=True))
    assert resp.status_code == status
    if status == 500:
        assert resp.json() == {"errors": [{"code": "UNKNOWN", "message": "internal server error"}]}
        create(harbor_api, dict(PUSH, trigger={"type": "manual"}, single_active_replication=True))
        put = harbor_api.put("/replication/policies/1", json=dict(PUSH, single_active_replication=True))
        assert put.status_code == 500
    else:
        assert [v["message"] for v in request_violations(fake_harbor)] == [
            "single_active_replication in body is not defined by the schema (Harbor drops it)"]


def test_duplicate_name_is_409(harbor_api, remotes):
    assert create(harbor_api, PUSH).status_code == 201
    assert create(harbor_api, PUSH).status_code == 409


def test_list_by_exact_and_fuzzy_name(harbor_api, remotes):
    for name in ("sync", "sync-old", "other"):
        create(harbor_api, dict(PUSH, name=name))
    assert [p["name"] for p in harbor_api.get("/replication/policies", params={"q": "name=sync"}).json()] == ["sync"]
    fuzzy = harbor_api.get("/replication/policies", params={"name": "sync"})
    assert sorted(p["name"] for p in fuzzy.json()) == ["sync", "sync-old"] and fuzzy.headers["X-Total-Count"] == "2"


def test_a_policy_blocks_deleting_its_registry(harbor_api, remotes):
    create(harbor_api, PUSH)
    resp = harbor_api.delete("/registries/1")
    assert resp.status_code == 412 and "referenced by replication policy sync-to-ecr" in resp.text
    assert harbor_api.delete("/replication/policies/1").status_code == 200
    assert harbor_api.delete("/registries/1").status_code == 200


def test_only_sysadmins(fake_harbor, harbor_api, remotes):
    create(harbor_api, PUSH)
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "bob", "password": "Bob12345"}, timeout=10)
    resp = requests.get(fake_harbor.api_url + "/replication/policies", auth=("bob", "Bob12345"), timeout=10)
    assert resp.status_code == 403


# ---------------------------------------------------------------- executions

def start(api, policy_id):
    resp = api.post("/replication/executions", json={"policy_id": policy_id})
    assert resp.status_code == 201, resp.text
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_execution_runs_by_itself_and_copies_matching_repositories(fake_harbor, harbor_api, remotes):
    for project in ("production", "staging"):
        harbor_api.post("/projects", json={"project_name": project})
    seed_repository(fake_harbor, "production", "app")
    seed_repository(fake_harbor, "production", "web")
    seed_repository(fake_harbor, "staging", "app")
    create(harbor_api, PUSH)
    job_control.configure(fake_harbor, kind="REPLICATION", duration=10)
    execution_id = start(harbor_api, 1)
    first = harbor_api.get("/replication/executions/%d" % execution_id).json()
    assert first["status"] == "InProgress" and first["in_progress"] == 2 and first["total"] == 2
    assert first["end_time"] == "0001-01-01T00:00:00.000Z"  # Go's zero time: strfmt.DateTime is never left out
    job_control.advance(fake_harbor, 5)  # half the time: one of the two tasks has ended
    half = harbor_api.get("/replication/executions/%d" % execution_id).json()
    assert (half["status"], half["succeed"], half["in_progress"]) == ("InProgress", 1, 1)
    statuses = sorted(t["status"] for t in harbor_api.get("/replication/executions/%d/tasks" % execution_id).json())
    assert statuses == ["InProgress", "Succeed"]
    job_control.advance(fake_harbor, 6)  # nobody read it in between
    second = harbor_api.get("/replication/executions/%d" % execution_id).json()
    assert second["status"] == "Succeed" and second["succeed"] == 2 and second["failed"] == 0
    assert second["trigger"] == "manual" and second["end_time"] > second["start_time"]
    tasks = harbor_api.get("/replication/executions/%d/tasks" % execution_id).json()
    assert sorted(t["src_resource"] for t in tasks) == ["production/app:[*]", "production/web:[*]"]
    assert tasks[0]["dst_resource"].startswith("ecr:production/")
    listed = harbor_api.get("/replication/executions", params={"policy_id": 1}).json()
    assert [e["id"] for e in listed] == [execution_id]
    assert fake_harbor.violations == []


def test_executions_finish_without_being_read(fake_harbor, harbor_api, remotes):
    harbor_api.post("/projects", json={"project_name": "production"})
    seed_repository(fake_harbor, "production", "app")
    create(harbor_api, PUSH)
    job_control.configure(fake_harbor, kind="REPLICATION", duration=0.2)
    first, second = start(harbor_api, 1), start(harbor_api, 1)
    time.sleep(0.5)
    listed = harbor_api.get("/replication/executions", params={"status": "Succeed"}).json()
    assert sorted(e["id"] for e in listed) == [first, second]


def test_a_paused_replication_queue_keeps_tasks_pending(fake_harbor, harbor_api, remotes):
    harbor_api.post("/projects", json={"project_name": "production"})
    seed_repository(fake_harbor, "production", "app")
    create(harbor_api, PUSH)
    assert harbor_api.put("/jobservice/queues/REPLICATION", json={"action": "pause"}).status_code == 200
    execution_id = start(harbor_api, 1)
    execution = harbor_api.get("/replication/executions/%d" % execution_id).json()
    assert execution["status"] == "InProgress" and execution["in_progress"] == 1  # Pending counts as in progress
    tasks = harbor_api.get("/replication/executions/%d/tasks" % execution_id).json()
    assert [t["status"] for t in tasks] == ["Pending"]
    job_id = tasks[0]["job_id"]
    assert {q["job_type"]: q for q in harbor_api.get("/jobservice/queues").json()}["REPLICATION"]["count"] == 1
    assert harbor_api.put("/jobservice/jobs/%s" % job_id).status_code == 200
    stopped = harbor_api.get("/replication/executions/%d" % execution_id).json()
    assert stopped["status"] == "Stopped" and stopped["stopped"] == 1
    assert fake_harbor.violations == []


def test_execution_against_a_broken_remote_fails_with_logs(fake_harbor, harbor_api, remotes):
    create(harbor_api, dict(name="from-broken", src_registry={"id": remotes["broken"]},
                            filters=[{"type": "name", "value": "library/alpine"}]))
    job_control.configure(fake_harbor, kind="REPLICATION", duration=0)
    execution_id = start(harbor_api, 1)
    execution = harbor_api.get("/replication/executions/%d" % execution_id).json()
    assert execution["status"] == "Failed" and execution["failed"] == 1 and execution["status_text"]
    failed = harbor_api.get("/replication/executions/%d/tasks" % execution_id, params={"status": "Failed"}).json()
    assert [t["src_resource"] for t in failed] == ["library/alpine:[*]"]
    log = harbor_api.get("/replication/executions/%d/tasks/%d/log" % (execution_id, failed[0]["id"]))
    assert log.status_code == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert "[ERROR]" in log.text.splitlines()[-1]
    assert harbor_api.get("/replication/executions/%d/tasks/999/log" % execution_id).status_code == 404
    assert fake_harbor.violations == []


def test_execution_without_matching_repositories_succeeds_at_once(harbor_api, remotes):
    create(harbor_api, PUSH)
    execution = harbor_api.get("/replication/executions/%d" % start(harbor_api, 1)).json()
    assert execution["status"] == "Succeed" and execution["total"] == 0


def test_stop_and_running_executions_block_deletion(fake_harbor, harbor_api, remotes):
    create(harbor_api, dict(name="pull", src_registry={"id": remotes["hub"]}))
    job_control.configure(fake_harbor, hold=True)
    execution_id = start(harbor_api, 1)
    resp = harbor_api.delete("/replication/policies/1")
    assert resp.status_code == 412 and "running executions" in resp.text
    assert harbor_api.put("/replication/executions/%d" % execution_id).status_code == 200
    execution = harbor_api.get("/replication/executions/%d" % execution_id).json()
    assert execution["status"] == "Stopped" and execution["stopped"] == 1
    assert harbor_api.delete("/replication/policies/1").status_code == 200
    assert harbor_api.get("/replication/executions/%d" % execution_id).status_code == 404


def test_start_of_a_missing_policy_is_404(harbor_api):
    assert harbor_api.post("/replication/executions", json={"policy_id": 5}).status_code == 404


@pytest.mark.parametrize("count, expected", [(-1, "ns/c"), (0, "ns/a/b/c"), (1, "ns/b/c"), (2, "ns/c"), (3, None)])
def test_dest_namespace_replace_count(count, expected):
    # api-notes §4, for the source repository a/b/c
    assert replace_namespace("a/b/c", "ns", count) == expected
    assert replace_namespace("a/b/c", "", count) == "a/b/c"


def test_the_log_of_a_task_that_has_not_logged_yet_is_an_empty_text(fake_harbor, harbor_api, remotes):
    seed_repository(fake_harbor, "library", "app")
    assert requests.post(fake_harbor.url + "/_fake/jobs", json={"hold": True, "kind": "REPLICATION"},
                         timeout=10).status_code in (200, 201)
    create(harbor_api, dict(PUSH, filters=[{"type": "name", "value": "library/**"}], trigger={"type": "manual"}))
    execution = harbor_api.post("/replication/executions", json={"policy_id": 1})
    execution_id = int(execution.headers["Location"].rsplit("/", 1)[1])
    tasks = harbor_api.get("/replication/executions/%d/tasks" % execution_id).json()
    log = harbor_api.get("/replication/executions/%d/tasks/%d/log" % (execution_id, tasks[0]["id"]))
    assert log.status_code == 200 and log.text == ""
    assert fake_harbor.violations == []
