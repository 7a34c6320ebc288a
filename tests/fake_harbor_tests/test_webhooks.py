"""Webhook policies of the fake (api-notes §6)."""

import pytest

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
    assert got["name"] == "hook" and got["enabled"] is True and got["creator"] == "admin"
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
    assert "description" not in got and got["enabled"] is False
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
