"""Webhook policies of the fake and the jobs of their deliveries (api-notes §6, resources/webhooks.py)."""

import json
import time

import pytest
import requests

from .conftest import request_violations

NAME = {"X-Is-Resource-Name": "true"}
PATH = "/projects/team/webhook/policies"


def body(**changes):
    policy = {"name": "hook", "description": "", "enabled": True, "event_types": ["SCANNING_COMPLETED"],
              "targets": [{"type": "http", "address": "https://hooks.example/harbor", "auth_header": "Bearer s3cr3t",
                           "skip_cert_verify": False}]}
    policy.update(changes)
    return policy


@pytest.fixture
def team(harbor_api):
    assert harbor_api.post("/projects", json={"project_name": "team"}).status_code == 201


def create(harbor_api, policy):
    resp = harbor_api.post(PATH, json=policy, headers=NAME)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].startswith("/api/v2.0" + PATH + "/")
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_create_read_and_defaults(fake_harbor, harbor_api, team):
    policy_id = create(harbor_api, body())
    got = harbor_api.get("%s/%d" % (PATH, policy_id), headers=NAME).json()
    assert got["name"] == "hook" and got["enabled"] is True
    assert not got.get("creator")  # Harbor copies the body: no creator in it, none stored
    # http without a format is stored as Default; the auth header comes back as stored
    assert got["targets"] == [{"type": "http", "address": "https://hooks.example/harbor",
                               "auth_header": "Bearer s3cr3t", "payload_format": "Default"}]
    assert "Bearer s3cr3t" in fake_harbor.known_secrets()
    assert request_violations(fake_harbor) == []


def test_enabled_defaults_to_false(harbor_api, team):
    policy = body()
    del policy["enabled"]
    policy_id = create(harbor_api, policy)
    assert harbor_api.get("%s/%d" % (PATH, policy_id), headers=NAME).json()["enabled"] is False


def test_name_is_unique_per_project(harbor_api, team):
    create(harbor_api, body())
    assert harbor_api.post(PATH, json=body(), headers=NAME).status_code == 409
    assert harbor_api.post("/projects", json={"project_name": "other"}).status_code == 201
    assert harbor_api.post("/projects/other/webhook/policies", json=body(), headers=NAME).status_code == 201


@pytest.mark.parametrize("changes, message", [
    (dict(event_types=["SCAN_DONE"]), "unsupported event type"),
    (dict(event_types=[]), "empty event type"),
    (dict(targets=[]), "empty notification target"),
    (dict(targets=[{"type": "email", "address": "https://x.example"}]), "unsupported target type"),
    (dict(targets=[{"type": "http", "address": "ftp://x.example"}]), "invalid target address"),
    (dict(targets=[{"type": "slack", "address": "https://hooks.slack.com/x", "payload_format": "CloudEvents"}]),
     "not supported for slack"),
    (dict(targets=[{"type": "http", "address": "https://x.example", "payload_format": "Xml"}]), "unsupported payload"),
    (dict(name=""), "empty name"),
])
def test_validation(harbor_api, team, changes, message):
    resp = harbor_api.post(PATH, json=body(**changes), headers=NAME)
    assert resp.status_code == 400 and message in resp.text


def test_address_is_stored_verbatim(harbor_api, team):
    policy_id = create(harbor_api, body(targets=[{"type": "http", "address": "HTTPS://Hooks.Example:443/a/../b?x=1"}]))
    got = harbor_api.get("%s/%d" % (PATH, policy_id), headers=NAME).json()
    assert got["targets"][0]["address"] == "HTTPS://Hooks.Example:443/a/../b?x=1"


def test_put_replaces_every_field(harbor_api, team):
    policy_id = create(harbor_api, body(description="first"))
    update = body(enabled=False, event_types=["PUSH_ARTIFACT", "PULL_ARTIFACT"],
                  targets=[{"type": "slack", "address": "https://hooks.slack.com/services/x"}])
    del update["description"]
    assert harbor_api.put("%s/%d" % (PATH, policy_id), json=update, headers=NAME).status_code == 200
    got = harbor_api.get("%s/%d" % (PATH, policy_id), headers=NAME).json()
    assert not got.get("description") and got["enabled"] is False
    assert got["targets"] == [{"type": "slack", "address": "https://hooks.slack.com/services/x"}]


def test_list_delete_and_events(harbor_api, team):
    first = create(harbor_api, body(name="a"))
    create(harbor_api, body(name="b"))
    listed = harbor_api.get(PATH, headers=NAME)
    assert listed.headers["X-Total-Count"] == "2"
    assert harbor_api.delete("%s/%d" % (PATH, first), headers=NAME).status_code == 200
    assert harbor_api.get("%s/%d" % (PATH, first), headers=NAME).status_code == 404
    assert [p["name"] for p in harbor_api.get(PATH, headers=NAME).json()] == ["b"]
    events = harbor_api.get("/projects/team/webhook/events", headers=NAME).json()
    assert "TAG_RETENTION" in events["event_type"] and events["notify_type"] == ["http", "slack"]


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_the_creator_is_what_the_body_says(fake_harbor, harbor_api, team):
    policy_id = create(harbor_api, body(creator="ci-bot"))
    assert harbor_api.get("%s/%d" % (PATH, policy_id), headers=NAME).json()["creator"] == "ci-bot"


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_put_without_creator_and_creation_time_blanks_them(fake_harbor, harbor_api, team):
    policy_id = create(harbor_api, body(creator="ci-bot"))
    path = "%s/%d" % (PATH, policy_id)
    created = harbor_api.get(path, headers=NAME).json()
    assert harbor_api.put(path, json=body(description="second"), headers=NAME).status_code == 200
    blanked = harbor_api.get(path, headers=NAME).json()
    assert not blanked.get("creator") and blanked["creation_time"] == "0001-01-01T00:00:00.000Z"
    assert blanked["description"] == "second" and blanked["update_time"] >= created["update_time"]
    # sent back from a read, both are kept
    again = body(description="third", creator="ci-bot", creation_time=created["creation_time"])
    assert harbor_api.put(path, json=again, headers=NAME).status_code == 200
    kept = harbor_api.get(path, headers=NAME).json()
    assert kept["creator"] == "ci-bot" and kept["creation_time"] == created["creation_time"]
    assert request_violations(fake_harbor) == []


# ---------------------------------------------------------------- deliveries and their jobs

def seed_and_delete(server, harbor_api, tag="v1"):
    """An artifact deleted through the API: a DELETE_ARTIFACT event of project team."""
    seeded = requests.post(server.url + "/_fake/artifacts", timeout=10, json={
        "project": "team", "repository": "app", "tags": [tag]})
    assert seeded.status_code == 201, seeded.text
    assert harbor_api.delete("/projects/team/repositories/app/artifacts/" + tag).status_code == 200


def wait_for_jobs(harbor_api, policy_id, count):
    path = "%s/%d/executions" % (PATH, policy_id)
    for _attempt in range(100):
        executions = harbor_api.get(path, headers=NAME).json()
        if len(executions) >= count and all(e["status"] in ("Success", "Error") for e in executions):
            return executions
        time.sleep(0.05)
    raise AssertionError("the deliveries did not end: %s" % executions)


def receiver_policy(server, **changes):
    policy = body(event_types=["DELETE_ARTIFACT"],
                  targets=[{"type": "http", "address": server.url + "/_fake/receiver/jobs",
                            "auth_header": "Bearer s3cr3t"}])
    policy.update(changes)
    return policy


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_a_delivery_is_an_execution_with_one_task_and_a_log(fake_harbor, harbor_api, team):
    policy_id = create(harbor_api, receiver_policy(fake_harbor))
    seed_and_delete(fake_harbor, harbor_api)
    [execution] = wait_for_jobs(harbor_api, policy_id, 1)
    assert execution["vendor_type"] == "WEBHOOK" and execution["vendor_id"] == policy_id
    assert execution["status"] == "Success" and execution["trigger"] == "EVENT"
    assert execution["extra_attrs"]["event_type"] == "DELETE_ARTIFACT"
    payload = json.loads(execution["extra_attrs"]["payload"])
    assert payload["type"] == "DELETE_ARTIFACT" and payload["event_data"]["repository"]["repo_full_name"] == "team/app"
    assert execution["metrics"]["task_count"] == 1 and execution["metrics"]["success_task_count"] == 1
    tasks_path = "%s/%d/executions/%d/tasks" % (PATH, policy_id, execution["id"])
    tasks = harbor_api.get(tasks_path, headers=NAME)
    assert tasks.headers["X-Total-Count"] == "1"
    [task] = tasks.json()
    assert task["execution_id"] == execution["id"] and task["status"] == "Success" and task["run_count"] == 1
    log = harbor_api.get("%s/%d/log" % (tasks_path, task["id"]), headers=NAME)
    assert log.status_code == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert "succeeded with status 200" in log.text
    assert "Bearer s3cr3t" not in log.text
    assert request_violations(fake_harbor) == []


def test_jobs_of_other_policies_and_executions_are_404(fake_harbor, harbor_api, team):
    first = create(harbor_api, receiver_policy(fake_harbor, name="first"))
    second = create(harbor_api, receiver_policy(fake_harbor, name="second"))
    seed_and_delete(fake_harbor, harbor_api)
    [mine] = wait_for_jobs(harbor_api, first, 1)
    [theirs] = wait_for_jobs(harbor_api, second, 1)
    assert harbor_api.get("%s/%d/executions/%d/tasks" % (PATH, first, theirs["id"]), headers=NAME).status_code == 404
    task = harbor_api.get("%s/%d/executions/%d/tasks" % (PATH, second, theirs["id"]), headers=NAME).json()[0]
    wrong_task = "%s/%d/executions/%d/tasks/%d/log" % (PATH, first, mine["id"], task["id"])
    assert harbor_api.get(wrong_task, headers=NAME).status_code == 404
    assert harbor_api.get("%s/999/executions" % PATH, headers=NAME).status_code == 404
    # deleting the policy deletes its executions
    assert harbor_api.delete("%s/%d" % (PATH, first), headers=NAME).status_code == 200
    assert [e["policy_id"] for e in fake_harbor.state.webhook_executions] == [second]


def test_an_unreachable_receiver_ends_in_error(fake_harbor, harbor_api, team):
    policy_id = create(harbor_api, body(event_types=["DELETE_ARTIFACT"]))  # https://hooks.example/harbor
    seed_and_delete(fake_harbor, harbor_api)
    [execution] = wait_for_jobs(harbor_api, policy_id, 1)
    assert execution["status"] == "Error" and "no such host" in execution["status_message"]
    assert execution["metrics"]["error_task_count"] == 1


def test_slack_targets_get_a_slack_message(fake_harbor, harbor_api, team):
    policy_id = create(harbor_api, body(event_types=["DELETE_ARTIFACT"], targets=[
        {"type": "slack", "address": fake_harbor.url + "/_fake/receiver/slack"}]))
    seed_and_delete(fake_harbor, harbor_api)
    [execution] = wait_for_jobs(harbor_api, policy_id, 1)
    assert execution["vendor_type"] == "SLACK" and execution["status"] == "Success"
    received = requests.get(fake_harbor.url + "/_fake/received", params={"receiver": "slack"}, timeout=10).json()
    assert "DELETE_ARTIFACT" in json.dumps(received["received"][0]["body"]["blocks"])


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_deprecated_last_trigger_and_jobs(fake_harbor, harbor_api, team):
    policy_id = create(harbor_api, receiver_policy(fake_harbor, event_types=["DELETE_ARTIFACT", "PUSH_ARTIFACT"]))
    triggers = harbor_api.get("/projects/team/webhook/lasttrigger", headers=NAME).json()
    assert {t["event_type"]: t["last_trigger_time"] for t in triggers} == {
        "DELETE_ARTIFACT": "0001-01-01T00:00:00.000Z", "PUSH_ARTIFACT": "0001-01-01T00:00:00.000Z"}
    seed_and_delete(fake_harbor, harbor_api)
    seed_and_delete(fake_harbor, harbor_api, tag="v2")
    executions = wait_for_jobs(harbor_api, policy_id, 2)
    triggers = {t["event_type"]: t for t in harbor_api.get("/projects/team/webhook/lasttrigger", headers=NAME).json()}
    assert triggers["DELETE_ARTIFACT"]["last_trigger_time"].startswith(executions[0]["start_time"][:-1])
    assert triggers["DELETE_ARTIFACT"]["policy_name"] == "hook" and triggers["DELETE_ARTIFACT"]["enabled"] is True
    assert triggers["PUSH_ARTIFACT"]["last_trigger_time"] == "0001-01-01T00:00:00.000Z"
    jobs = harbor_api.get("/projects/team/webhook/jobs", params={"policy_id": policy_id}, headers=NAME)
    assert jobs.status_code == 200 and jobs.headers["X-Total-Count"] == "2"
    job = jobs.json()[0]
    assert job["policy_id"] == policy_id and job["notify_type"] == "http" and job["event_type"] == "DELETE_ARTIFACT"
    assert job["status"] == "Success" and json.loads(job["job_detail"])["type"] == "DELETE_ARTIFACT"
    failed = harbor_api.get("/projects/team/webhook/jobs", params={"policy_id": policy_id, "status": "Error"},
                            headers=NAME)
    assert failed.json() == [] and failed.headers["X-Total-Count"] == "0"
    assert harbor_api.get("/projects/team/webhook/jobs", headers=NAME).status_code == 422  # policy_id is required
    assert harbor_api.get("/projects/team/webhook/jobs", params={"policy_id": 999}, headers=NAME).status_code == 404
    assert all("policy_id" in v["message"] for v in request_violations(fake_harbor))
