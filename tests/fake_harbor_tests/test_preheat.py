"""P2P preheat: provider instances, project policies, manual preheat and its executions (resources/preheat.py).

A tiny HTTP server started by the test stands in for a Dragonfly or Kraken instance: it answers the driver's
health path, so that a ping and a preheat can succeed; a host under ``.invalid`` never answers.
"""

import http.server
import json
import threading
import time

import pytest
import requests

from tests.fake_harbor.pytest_plugin import ApiClient

from .conftest import request_violations

BOTH = pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
INSTANCES = "/p2p/preheat/instances"
POLICIES = "/projects/library/preheat/policies"
ALL = '[{"type":"repository","value":"**"},{"type":"tag","value":"**"}]'
MANUAL = '{"type":"manual"}'


class _Provider(http.server.BaseHTTPRequestHandler):
    healthy = True

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        ok = self.path in ("/healthy", "/health") and self.server.healthy
        self.send_response(200 if ok else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args):
        pass


@pytest.fixture
def provider():
    """A stand-in P2P provider on loopback: ``.url``, ``.seen`` (path, Authorization), ``.healthy``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    server.seen = []
    server.healthy = True
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def instance(name="df", endpoint="https://df.invalid", vendor="dragonfly", **extra):
    body = {"name": name, "vendor": vendor, "endpoint": endpoint, "auth_mode": "NONE", "enabled": True}
    body.update(extra)
    return body


def policy(name="warm", provider_id=1, filters=ALL, trigger=MANUAL, **extra):
    body = {"name": name, "provider_id": provider_id, "filters": filters, "trigger": trigger, "enabled": True}
    body.update(extra)
    return body


def message(resp):
    return resp.json()["errors"][0]["message"]


def seed(server, repository, tags, project="library", **extra):
    resp = requests.post(server.url + "/_fake/artifacts", json=dict(project=project, repository=repository, tags=tags,
                                                                    **extra), timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()


def add_user(server, username="joe", password="Joe12345"):
    assert requests.post(server.url + "/_fake/users", json={"username": username, "password": password},
                         timeout=10).status_code == 201
    return ApiClient(server, auth=(username, password))


def robot(server, api, access, level="system", namespace="/"):
    kind = "system" if level == "system" else "project"
    body = {"name": "p2p", "level": level, "duration": 30,
            "permissions": [{"kind": kind, "namespace": namespace, "access": access}]}
    resp = api.post("/robots", json=body)
    assert resp.status_code == 201, resp.text
    return ApiClient(server, auth=(resp.json()["name"], resp.json()["secret"]))


def wait_for(api, path, status, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        body = api.get(path).json()
        if body["status"] == status or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


# ---------------------------------------------------------------- providers and instances

@BOTH
def test_providers_are_dragonfly_and_kraken(fake_harbor, harbor_api):
    providers = harbor_api.get("/p2p/preheat/providers").json()
    assert [(p["id"], p["name"]) for p in providers] == [("dragonfly", "Dragonfly"), ("kraken", "Kraken")]
    assert all(p["version"] and p["source"].startswith("https://github.com/") for p in providers)
    assert request_violations(fake_harbor) == []


@BOTH
def test_instance_lifecycle(fake_harbor, harbor_api):
    resp = harbor_api.post(INSTANCES, json=instance(description="the cluster", auth_mode="BASIC",
                                                    auth_info={"username": "df", "password": "Df-Secret-1"}))
    assert resp.status_code == 201 and resp.content == b""
    assert resp.headers["Location"] == "/api/v2.0/p2p/preheat/instances/df"  # the name, not the id
    got = harbor_api.get(INSTANCES + "/df").json()
    assert got["id"] == 1 and got["vendor"] == "dragonfly" and got["status"] == "Unknown"
    assert got["auth_info"] == {"username": "df", "password": "Df-Secret-1"}  # Harbor returns the credentials
    assert got["enabled"] is True and got["default"] is False and got["insecure"] is False  # x-omitempty: false
    assert abs(got["setup_timestamp"] - time.time()) < 60
    assert "Df-Secret-1" in fake_harbor.known_secrets()
    listed = harbor_api.get(INSTANCES)
    assert listed.headers["X-Total-Count"] == "1" and [i["name"] for i in listed.json()] == ["df"]
    assert harbor_api.delete(INSTANCES + "/df").status_code == 200
    assert harbor_api.get(INSTANCES + "/df").status_code == 404
    assert harbor_api.delete(INSTANCES + "/df").status_code == 404
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("body, status", [
    (instance(name="bad name"), 500),  # the name regex: a plain error in Harbor's handler
    (instance(name=""), 500),
    (instance(name="df", endpoint="https://other.invalid"), 409),  # the name is unique
    (instance(name="other", endpoint="https://df.invalid"), 500),  # controller.ErrorConflict has no code
])
def test_create_checks_name_and_endpoint(harbor_api, body, status):
    assert harbor_api.post(INSTANCES, json=instance()).status_code == 201
    resp = harbor_api.post(INSTANCES, json=body)
    assert resp.status_code == status
    if status == 409:
        assert message(resp) == "instance df already exists"


def test_vendor_endpoint_and_auth_are_not_checked_on_create(fake_harbor, harbor_api):
    # Harbor checks them when it talks to the instance (ping, preheat), not when it stores it
    resp = harbor_api.post(INSTANCES, json=instance(vendor="uber", endpoint="ftp://x", auth_mode="WHATEVER"))
    assert resp.status_code == 201
    assert harbor_api.post(INSTANCES + "/ping", json={"id": 1}).status_code == 500  # no driver for "uber"


@BOTH
def test_update_takes_the_id_from_the_body(fake_harbor, harbor_api):
    harbor_api.post(INSTANCES, json=instance())
    harbor_api.post(INSTANCES, json=instance(name="kr", vendor="kraken", endpoint="https://kr.invalid"))
    # the path name is not used: without an id Harbor looks up instance 0
    no_id = harbor_api.put(INSTANCES + "/df", json=instance(description="x"))
    assert no_id.status_code == 404 and message(no_id) == "instance 0 not found"
    assert harbor_api.put(INSTANCES + "/df", json=instance(id=1, description="x", default=True)).status_code == 200
    got = harbor_api.get(INSTANCES + "/df").json()
    assert got["description"] == "x" and got["default"] is True
    assert "setup_timestamp" not in got  # every column comes from the body: 0, left out (omitempty)
    # one default instance: setting another clears the first
    kraken = instance(id=2, name="kr", vendor="kraken", endpoint="https://kr.invalid", default=True)
    assert harbor_api.put(INSTANCES + "/kr", json=kraken).status_code == 200
    assert harbor_api.get(INSTANCES + "/df").json()["default"] is False
    assert harbor_api.get(INSTANCES + "/kr").json()["default"] is True
    renamed = harbor_api.put(INSTANCES + "/df", json=instance(id=1, name="df2"))
    assert renamed.status_code == 200 and harbor_api.get(INSTANCES + "/df2").json()["id"] == 1
    assert harbor_api.put(INSTANCES + "/df2", json=instance(id=1, name="df2", vendor="kraken")).status_code == 500
    assert harbor_api.put(INSTANCES + "/df2", json=instance(id=1, name="kr")).status_code == 500  # name taken
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("fake_harbor, kept", [("2.10", False), ("2.15", True)], indirect=["fake_harbor"])
def test_update_without_auth_info_keeps_the_credentials_from_2_15(fake_harbor, harbor_api, kept):
    creds = {"username": "df", "password": "Df-Secret-1"}
    harbor_api.post(INSTANCES, json=instance(auth_mode="BASIC", auth_info=creds))
    assert harbor_api.put(INSTANCES + "/df", json=instance(id=1, auth_mode="BASIC")).status_code == 200
    got = harbor_api.get(INSTANCES + "/df").json()
    assert got.get("auth_info") == (creds if kept else None) and got["auth_mode"] == "BASIC"
    if kept:  # 2.15: an absent auth_mode keeps the stored one too; NONE drops the credentials
        body = instance(id=1)
        del body["auth_mode"]
        assert harbor_api.put(INSTANCES + "/df", json=body).status_code == 200
        assert harbor_api.get(INSTANCES + "/df").json()["auth_info"] == creds
        assert harbor_api.put(INSTANCES + "/df", json=instance(id=1, auth_mode="NONE")).status_code == 200
        assert "auth_info" not in harbor_api.get(INSTANCES + "/df").json()


def test_instance_in_use_cannot_be_deleted_or_disabled(harbor_api):
    harbor_api.post(INSTANCES, json=instance())
    assert harbor_api.post(POLICIES, json=policy()).status_code == 201
    deleted = harbor_api.delete(INSTANCES + "/df")
    assert deleted.status_code == 412
    assert message(deleted) == "Provider [df] cannot be deleted as some preheat policies are using it"
    disabled = harbor_api.put(INSTANCES + "/df", json=instance(id=1, enabled=False))
    assert disabled.status_code == 412 and "cannot be disabled" in message(disabled)
    assert harbor_api.delete(POLICIES + "/warm").status_code == 200
    assert harbor_api.delete(INSTANCES + "/df").status_code == 200


# ---------------------------------------------------------------- ping

@BOTH
def test_ping_a_stand_in_provider_by_id_and_by_endpoint(fake_harbor, harbor_api, provider):
    harbor_api.post(INSTANCES, json=instance(endpoint=provider.url + "/"))
    harbor_api.post(INSTANCES, json=instance(name="kr", vendor="kraken", endpoint=provider.url + "/kraken",
                                             auth_mode="OAUTH", auth_info={"token": "Kr-Token-1"}))
    assert harbor_api.post(INSTANCES + "/ping", json={"id": 1}).status_code == 200
    assert provider.seen[-1] == ("/healthy", None)  # Dragonfly's health path
    # Kraken's path under the endpoint's own path (the endpoint's path is kept by ValidateHTTPURL)
    assert harbor_api.post(INSTANCES + "/ping", json={"id": 2}).status_code == 500
    assert provider.seen[-1][0] == "/kraken/health"
    by_endpoint = harbor_api.post(INSTANCES + "/ping",
                                  json=instance(name="new", vendor="kraken", endpoint=provider.url))
    assert by_endpoint.status_code == 200 and by_endpoint.content == b""
    assert provider.seen[-1][0] == "/health"
    provider.healthy = False
    assert harbor_api.post(INSTANCES + "/ping", json={"id": 1}).status_code == 500  # a non-2xx answer
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("body, status", [
    ({"id": 99}, 404),  # by id: a missing instance, no body
    ({"name": "x", "vendor": "dragonfly"}, 400),  # neither id nor endpoint: 400 without a body
    (instance(endpoint="https://df.invalid"), 500),  # unreachable
    (instance(vendor="spegel"), 500),  # no driver
    (instance(endpoint="ftp://df.example.com"), 400),  # lib.ValidateHTTPURL
    # the cases below point at the stand-in, which answers: only the checks fail
    (instance(name="", endpoint="STAND_IN"), 500),  # by endpoint the name is checked too
    (instance(auth_mode="", endpoint="STAND_IN"), 500),  # no auth handler for ""
    (instance(auth_mode="BASIC", endpoint="STAND_IN"), 500),  # missing username and/or password
    (instance(auth_mode="OAUTH", auth_info={"user": "x"}, endpoint="STAND_IN"), 500),  # missing OAuth token
    (instance(auth_mode="CUSTOM", endpoint="STAND_IN"), 500),  # missing custom token/key data
    (instance(endpoint="STAND_IN"), 200),
])
def test_ping_failures(fake_harbor, harbor_api, provider, body, status):
    if body.get("endpoint") == "STAND_IN":
        body = dict(body, endpoint=provider.url)
    resp = harbor_api.post(INSTANCES + "/ping", json=body)
    assert resp.status_code == status
    if status == 404 or "endpoint" not in body:
        assert resp.content == b""
    assert request_violations(fake_harbor) == []


def test_ping_with_credentials_reaches_the_stand_in(harbor_api, provider):
    body = instance(endpoint=provider.url, auth_mode="CUSTOM", auth_info={"Authorization": "Token Abc-123"})
    assert harbor_api.post(INSTANCES + "/ping", json=body).status_code == 200
    assert harbor_api.post(INSTANCES + "/ping", json=dict(body, auth_mode="BASIC",
                                                          auth_info={"df": "Df-Secret-1"})).status_code == 200


# ---------------------------------------------------------------- permissions

@BOTH
def test_instance_permissions(fake_harbor, harbor_api):
    harbor_api.post(INSTANCES, json=instance())
    joe = add_user(fake_harbor)
    assert joe.get(INSTANCES).status_code == 403
    assert joe.get("/p2p/preheat/providers").status_code == 403
    anonymous = ApiClient(fake_harbor, auth=("nobody", "Wrong-Passw0rd"))
    assert anonymous.get(INSTANCES).status_code == 401
    reader = robot(fake_harbor, harbor_api, [{"resource": "preheat-instance", "action": "list"},
                                             {"resource": "preheat-instance", "action": "read"}])
    assert reader.get(INSTANCES).status_code == 200
    assert reader.get("/p2p/preheat/providers").status_code == 200
    assert reader.get(INSTANCES + "/df").status_code == 200
    assert reader.post(INSTANCES, json=instance(name="x", endpoint="https://x.invalid")).status_code == 403
    assert reader.delete(INSTANCES + "/df").status_code == 403


@BOTH
def test_policy_permissions(fake_harbor, harbor_api):
    harbor_api.post(INSTANCES, json=instance())
    harbor_api.post("/projects", json={"project_name": "team"})
    team = "/projects/team/preheat/policies"
    assert harbor_api.post(team, json=policy()).status_code == 201
    lister = robot(fake_harbor, harbor_api, [{"resource": "preheat-policy", "action": "list"}], level="project",
                   namespace="team")
    assert lister.get(team).status_code == 200
    assert lister.get("/projects/team/preheat/providers").status_code == 200
    assert lister.get(team + "/warm").status_code == 403  # read is another permission
    assert lister.post(team, json=policy(name="other")).status_code == 403
    joe = add_user(fake_harbor)
    assert joe.get(team).status_code == 403  # not a member of the private project
    assert ApiClient(fake_harbor, auth=("nobody", "Wrong-Passw0rd")).get(team).status_code == 401


# ---------------------------------------------------------------- policies

@BOTH
def test_policy_lifecycle(fake_harbor, harbor_api):
    harbor_api.post(INSTANCES, json=instance())
    resp = harbor_api.post(POLICIES, json=policy(description="warm the caches"))
    assert resp.status_code == 201 and resp.headers["Location"] == "/api/v2.0" + POLICIES + "/warm"
    got = harbor_api.get(POLICIES + "/warm").json()
    assert got["id"] == 1 and got["project_id"] == 1 and got["provider_name"] == "df"
    assert got["filters"] == ALL and got["trigger"] == MANUAL  # the strings as sent
    assert got["enabled"] is True and got["description"] == "warm the caches"
    assert harbor_api.post(POLICIES, json=policy()).status_code == 409
    listed = harbor_api.get(POLICIES)
    assert listed.headers["X-Total-Count"] == "1" and [p["name"] for p in listed.json()] == ["warm"]
    # PUT: the id comes from the body; every column is replaced, creation_time too
    assert harbor_api.put(POLICIES + "/warm", json=policy(enabled=False)).status_code == 404
    assert harbor_api.put(POLICIES + "/warm", json=policy(id=1, name="warmer", enabled=False)).status_code == 200
    updated = harbor_api.get(POLICIES + "/warmer").json()
    assert "enabled" in updated and updated["enabled"] is False  # x-omitempty: false
    assert updated["creation_time"] == "0001-01-01T00:00:00.000Z"  # Go's zero time: the body had none
    assert harbor_api.get(POLICIES + "/warm").status_code == 404
    assert harbor_api.delete(POLICIES + "/warmer").status_code == 200
    assert harbor_api.delete(POLICIES + "/warmer").status_code == 404
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("body, status", [
    (policy(name="bad name"), 500),
    (policy(provider_id=9), 404),
    (policy(filters=""), 500),  # missing filters in preheat policy schema
    (policy(filters="{not json"), 500),
    (policy(filters='{"type":"tag"}'), 500),  # filters are a list
    (policy(trigger=""), 500),  # missing trigger settings
    (policy(trigger='"manual"'), 500),  # a trigger is an object
    (policy(trigger='{"type":"scheduled","trigger_setting":{"cron":"0 0 * * *"}}'), 400),  # 5 fields
    (policy(trigger='{"type":"scheduled","trigger_setting":{"cron":"5 0 * * * *"}}'), 400),  # seconds not 0
    (policy(trigger='{"type":"sometimes"}'), 201),  # trigger types are not validated
    (policy(trigger='{"type":"scheduled"}'), 201),  # no cron: nothing to schedule
])
def test_policy_validation(harbor_api, body, status):
    harbor_api.post(INSTANCES, json=instance())
    resp = harbor_api.post(POLICIES, json=body)
    assert resp.status_code == status, resp.text
    if status == 400:
        assert message(resp).startswith("invalid cron string for scheduled preheat: ")


def test_scheduled_policy_is_re_encoded(harbor_api):
    harbor_api.post(INSTANCES, json=instance())
    filters = '[ {"type": "vulnerability", "value": "3"} ]'
    trigger = '{"trigger_setting": {"cron": "0 0 2 * * *"}, "type": "scheduled"}'
    assert harbor_api.post(POLICIES, json=policy(filters=filters, trigger=trigger)).status_code == 201
    got = harbor_api.get(POLICIES + "/warm").json()
    assert got["filters"] == '[{"type":"vulnerability","value":3}]'
    assert got["trigger"] == '{"type":"scheduled","trigger_setting":{"cron":"0 0 2 * * *"}}'


def test_update_checks_the_project_and_names(harbor_api):
    harbor_api.post(INSTANCES, json=instance())
    harbor_api.post("/projects", json={"project_name": "team"})
    harbor_api.post(POLICIES, json=policy())
    harbor_api.post(POLICIES, json=policy(name="second"))
    other = harbor_api.put("/projects/team/preheat/policies/warm", json=policy(id=1))
    assert other.status_code == 404 and message(other) == "project id 2 does not match"
    assert harbor_api.put(POLICIES + "/second", json=policy(id=2, name="warm")).status_code == 409
    assert harbor_api.put(POLICIES + "/warm", json=policy(id=1, filters="")).status_code == 500


@pytest.mark.parametrize("fake_harbor", ["2.15"], indirect=True)
def test_extra_attrs_from_2_13(fake_harbor, harbor_api):
    harbor_api.post(INSTANCES, json=instance())
    attrs = '{"cluster_ids":[1,2]}'
    assert harbor_api.post(POLICIES, json=policy(extra_attrs=attrs)).status_code == 201
    assert harbor_api.get(POLICIES + "/warm").json()["extra_attrs"] == attrs
    assert harbor_api.post(POLICIES, json=policy(name="bad", extra_attrs="[1]")).status_code == 500
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("fake_harbor", ["2.10"], indirect=True)
def test_extra_attrs_is_not_in_2_10(fake_harbor, harbor_api):
    harbor_api.post(INSTANCES, json=instance())
    assert harbor_api.post(POLICIES, json=policy(extra_attrs="[1]")).status_code == 201  # dropped: not in the model
    assert "extra_attrs" not in harbor_api.get(POLICIES + "/warm").json()
    assert [v["message"] for v in request_violations(fake_harbor)] and all(
        "extra_attrs" in v["message"] for v in request_violations(fake_harbor))


def test_project_deletion_takes_its_policies(harbor_api):
    harbor_api.post(INSTANCES, json=instance())
    harbor_api.post("/projects", json={"project_name": "team"})
    assert harbor_api.post("/projects/team/preheat/policies", json=policy()).status_code == 201
    assert harbor_api.delete(INSTANCES + "/df").status_code == 412
    assert harbor_api.delete("/projects/team").status_code == 200
    assert harbor_api.delete(INSTANCES + "/df").status_code == 200


@BOTH
def test_providers_under_project(fake_harbor, harbor_api):
    assert harbor_api.get("/projects/library/preheat/providers").json() == []
    harbor_api.post(INSTANCES, json=instance(default=True))
    assert harbor_api.get("/projects/library/preheat/providers").json() == [
        {"id": 1, "provider": "dragonfly df-https://df.invalid", "default": True, "enabled": True}]
    assert request_violations(fake_harbor) == []


# ---------------------------------------------------------------- manual preheat, executions and tasks

@BOTH
def test_manual_preheat_runs_one_task_per_matching_tag(fake_harbor, harbor_api, provider):
    seed(fake_harbor, "app", ["v1", "latest"])
    seed(fake_harbor, "app", ["dev"], size=7)
    seed(fake_harbor, "tools/cli", ["v1"])
    harbor_api.post(INSTANCES, json=instance(endpoint=provider.url))
    filters = '[{"type":"repository","value":"app"},{"type":"tag","value":"{v*,latest}"}]'
    assert harbor_api.post(POLICIES, json=policy(filters=filters)).status_code == 201
    resp = harbor_api.post(POLICIES + "/warm", json={})
    assert resp.status_code == 201
    assert resp.headers["Location"] == "/projects/library/preheat/policies/warm/executions/1"  # no /api/v2.0
    path = POLICIES + "/warm/executions/1"
    done = wait_for(harbor_api, path, "Success")
    assert done["status"] == "Success" and done["vendor_type"] == "P2P_PREHEAT" and done["vendor_id"] == 1
    assert done["trigger"] == "manual"
    assert done["extra_attrs"] == {"totalCount": 2, "trigger": "manual", "triggerSetting": "-"}
    assert done["metrics"]["task_count"] == 2 and done["metrics"]["success_task_count"] == 2
    assert done["end_time"] != "0001-01-01T00:00:00Z" and done["start_time"].endswith("Z")
    listed = harbor_api.get(POLICIES + "/warm/executions")
    assert listed.headers["X-Total-Count"] == "1" and listed.json()[0]["id"] == 1
    tasks = harbor_api.get(path + "/tasks")
    assert tasks.headers["X-Total-Count"] == "2"
    assert sorted(t["extra_attrs"]["artifact"] for t in tasks.json()) == ["library/app:latest", "library/app:v1"]
    assert all(t["status"] == "Success" and t["execution_id"] == 1 and t["run_count"] == 1 for t in tasks.json())
    log = harbor_api.get(path + "/tasks/%d/logs" % tasks.json()[0]["id"])
    assert log.status_code == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert "preheating image library/app" in log.text
    assert provider.seen[-1][0] == "/healthy"  # the instance's health is checked before the preheat
    assert request_violations(fake_harbor) == []


def test_manual_preheat_without_candidates_is_done_at_once(fake_harbor, harbor_api, provider):
    harbor_api.post(INSTANCES, json=instance(endpoint=provider.url))
    harbor_api.post(POLICIES, json=policy())
    assert harbor_api.post(POLICIES + "/warm", json={}).status_code == 201
    execution = harbor_api.get(POLICIES + "/warm/executions/1").json()
    assert execution["status"] == "Success" and execution["status_message"] == "no artifacts to preheat"
    assert execution["extra_attrs"]["totalCount"] == 0
    assert harbor_api.get(POLICIES + "/warm/executions/1/tasks").json() == []


def test_manual_preheat_needs_an_enabled_policy_and_a_healthy_instance(fake_harbor, harbor_api, provider):
    harbor_api.post(INSTANCES, json=instance(endpoint=provider.url))
    harbor_api.post(INSTANCES, json=instance(name="gone", endpoint="https://gone.invalid"))
    harbor_api.post(POLICIES, json=policy(enabled=False))
    harbor_api.post(POLICIES, json=policy(name="broken", provider_id=2))
    assert harbor_api.post(POLICIES + "/warm", json={}).status_code == 500  # policy 1:warm is not enabled
    assert harbor_api.post(POLICIES + "/broken", json={}).status_code == 500  # the instance does not answer
    assert harbor_api.post(POLICIES + "/nothing", json={}).status_code == 404
    assert harbor_api.get(POLICIES + "/warm/executions").json() == []


def test_stop_and_delete_while_running(fake_harbor, harbor_api, provider):
    seed(fake_harbor, "app", ["v1"])
    harbor_api.post(INSTANCES, json=instance(endpoint=provider.url))
    harbor_api.post(POLICIES, json=policy())
    assert requests.post(fake_harbor.url + "/_fake/jobs", json={"hold": True}, timeout=10).status_code == 200
    assert harbor_api.post(POLICIES + "/warm", json={}).status_code == 201
    path = POLICIES + "/warm/executions/1"
    assert harbor_api.get(path).json()["status"] == "Running"
    busy = harbor_api.delete(POLICIES + "/warm")
    assert busy.status_code == 412
    assert message(busy) == "execution 1 under the policy warm is running, stop it and retry"
    wrong = harbor_api.request("PATCH", path, json={"status": "Success"})
    assert wrong.status_code == 500  # param status invalid
    assert harbor_api.request("PATCH", path, json={"status": "Stopped"}).status_code == 200
    stopped = harbor_api.get(path).json()
    assert stopped["status"] == "Stopped" and stopped["metrics"]["stopped_task_count"] == 1
    assert harbor_api.request("PATCH", path, json={"status": "Stopped"}).status_code == 200  # ended: no-op
    assert harbor_api.delete(POLICIES + "/warm").status_code == 200


def test_executions_and_tasks_of_another_policy_are_404(fake_harbor, harbor_api, provider):
    seed(fake_harbor, "app", ["v1"])
    harbor_api.post(INSTANCES, json=instance(endpoint=provider.url))
    harbor_api.post(POLICIES, json=policy())
    harbor_api.post(POLICIES, json=policy(name="other"))
    harbor_api.post(POLICIES + "/warm", json={})
    harbor_api.post(POLICIES + "/other", json={})
    assert harbor_api.get(POLICIES + "/other/executions/1").status_code == 404
    assert harbor_api.get(POLICIES + "/warm/executions/1/tasks/2/logs").status_code == 404  # task of execution 2
    assert harbor_api.get(POLICIES + "/warm/executions/1/tasks/9/logs").status_code == 404
    assert harbor_api.get(POLICIES + "/warm/executions/1/tasks/1/logs").status_code == 200
    assert harbor_api.request("PATCH", POLICIES + "/other/executions/1", json={"status": "Stopped"}).status_code == 404


def test_manual_preheat_needs_only_read(fake_harbor, harbor_api, provider):
    harbor_api.post(INSTANCES, json=instance(endpoint=provider.url))
    harbor_api.post(POLICIES, json=policy())
    reader = robot(fake_harbor, harbor_api, [{"resource": "preheat-policy", "action": "read"}], level="project",
                   namespace="library")
    assert reader.post(POLICIES + "/warm", json={}).status_code == 201
    assert reader.request("PATCH", POLICIES + "/warm/executions/1", json={"status": "Stopped"}).status_code == 403
    assert json.loads(json.dumps(reader.get(POLICIES + "/warm/executions/1").json()))["id"] == 1
