"""Tag retention of the fake: policies (api-notes §5, errata E10, E11) and executions evaluated over artifacts."""

import datetime
import time

import pytest
import requests

from tests.fake_harbor.resources.retention import doublestar_match

from . import job_control
from .conftest import request_violations

NAME = {"X-Is-Resource-Name": "true"}
ALL_REPOS = {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}


def ago(days):
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def seed(server, repository, tags, project="team", **extra):
    body = dict(project=project, repository=repository, tags=tags, **extra)
    resp = requests.post(server.url + "/_fake/artifacts", json=body, verify=server.ca_path or True, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()


def rule(template, params, pattern="**", untagged=True, decoration="matches", repos=None, disabled=False):
    return {"disabled": disabled, "action": "retain", "template": template, "params": params,
            "tag_selectors": [{"kind": "doublestar", "decoration": decoration, "pattern": pattern,
                               "extras": '{"untagged":%s}' % ("true" if untagged else "false")}],
            "scope_selectors": repos or ALL_REPOS}


def policy(project_id, rules, cron=""):
    return {"algorithm": "or", "rules": rules, "scope": {"level": "project", "ref": project_id},
            "trigger": {"kind": "Schedule", "settings": {"cron": cron}}}


@pytest.fixture
def team(harbor_api):
    assert harbor_api.post("/projects", json={"project_name": "team"}).status_code == 201
    return harbor_api.get("/projects/team", headers=NAME).json()


def create(harbor_api, body):
    resp = harbor_api.post("/retentions", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].startswith("/api/v2.0/retentions/")
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def start(harbor_api, policy_id, dry_run=True):
    resp = harbor_api.post("/retentions/%d/executions" % policy_id, json={"dry_run": dry_run})
    assert resp.status_code == 201, resp.text
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def run(harbor_api, policy_id, dry_run=True):
    """Start an execution and let the job service end it; return (id, tasks, logs by repository)."""
    execution_id = start(harbor_api, policy_id, dry_run)
    job_control.finish(harbor_api.server, kind="RETENTION")
    tasks = harbor_api.get("/retentions/%d/executions/%d/tasks" % (policy_id, execution_id)).json()
    logs = {t["repository"]: harbor_api.get("/retentions/%d/executions/%d/tasks/%d" % (
        policy_id, execution_id, t["id"])).text for t in tasks}
    return execution_id, tasks, logs


def deleted_tags(log):
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in log.splitlines() if line.startswith("|")]
    return sorted(row[1] for row in rows if row[-1] == "DEL")


@pytest.mark.parametrize("pattern, value, expected", [
    ("**", "a/b/c", True), ("*", "a/b", False), ("*", "app", True), ("v*", "v1.2", True), ("v*", "main-1", False),
    ("{main,release}-*", "release-3", True), ("{main,release}-*", "dev-3", False), ("v?", "v1", True),
    ("v[0-9]*", "v7", True), ("v[!0-9]*", "v7", False), ("team/**", "team/a/b", True), ("a.b", "axb", False),
])
def test_doublestar_patterns(pattern, value, expected):
    assert doublestar_match(pattern, value) is expected


def test_create_links_the_project_and_reads_back(fake_harbor, harbor_api, team):
    body = policy(team["project_id"], [rule("latestPushedK", {"latestPushedK": 10}, "v*")], "0 0 3 * * *")
    policy_id = create(harbor_api, body)
    project = harbor_api.get("/projects/team", headers=NAME).json()
    assert project["metadata"]["retention_id"] == str(policy_id)
    stored = harbor_api.get("/retentions/%d" % policy_id).json()
    assert stored["rules"][0]["params"] == {"latestPushedK": 10}
    assert stored["trigger"]["settings"] == {"cron": "0 0 3 * * *"}
    assert stored["scope"] == {"level": "project", "ref": team["project_id"]}
    assert request_violations(fake_harbor) == []


def test_a_second_policy_is_refused_and_put_updates(harbor_api, team):
    policy_id = create(harbor_api, policy(team["project_id"], []))
    again = harbor_api.post("/retentions", json=policy(team["project_id"], []))
    assert again.status_code == 400 and "already has retention policy" in again.text
    body = dict(policy(team["project_id"], [rule("always", {})], "0 0 1 * * *"), id=policy_id)
    assert harbor_api.put("/retentions/%d" % policy_id, json=body).status_code == 200
    assert harbor_api.get("/retentions/%d" % policy_id).json()["rules"][0]["template"] == "always"


def test_harbor_accepts_a_misnamed_parameter_and_the_run_fails(harbor_api, fake_harbor, team):
    seed(fake_harbor, "app", ["v1"])
    # the seed guide's mistake: the key is not the template id; Harbor answers 201 (api-notes §15.5)
    policy_id = create(harbor_api, policy(team["project_id"], [rule("nDaysSinceLastPush", {"days": 7})]))
    _eid, tasks, logs = run(harbor_api, policy_id)
    assert tasks[0]["status"] == "Error"
    assert "missing required parameter nDaysSinceLastPush" in logs["team/app"]
    executions = harbor_api.get("/retentions/%d/executions" % policy_id).json()
    assert executions[0]["status"] == "Error" and tasks[0]["status_code"] == 3  # every final status is code 3


def test_unknown_template_is_accepted_and_fails_at_run_time(harbor_api, fake_harbor, team):
    seed(fake_harbor, "app", ["v1"])
    policy_id = create(harbor_api, policy(team["project_id"], [rule("keepEverything", {})]))
    _eid, _tasks, logs = run(harbor_api, policy_id)
    assert "rule evaluator keepEverything is not registered" in logs["team/app"]


@pytest.mark.parametrize("body_change, status, message", [
    (dict(algorithm="and"), 400, "only or"),
    (dict(scope={"level": "system", "ref": 0}), 400, "scope level"),
    (dict(trigger={"kind": "Schedule", "settings": {"cron": "0 3 * * *"}}), 400, "6 fields"),
    (dict(trigger={"kind": "Schedule", "settings": {"cron": "5 0 3 * * *"}}), 400, "must be 0"),
])
def test_policy_validation(harbor_api, team, body_change, status, message):
    body = dict(policy(team["project_id"], []), **body_change)
    resp = harbor_api.post("/retentions", json=body)
    assert resp.status_code == status and message in resp.text


def test_rule_limit_and_duplicates(harbor_api, team):
    many = [rule("latestPushedK", {"latestPushedK": n + 1}) for n in range(16)]
    assert harbor_api.post("/retentions", json=policy(team["project_id"], many)).status_code == 400
    twice = [rule("always", {}), rule("always", {})]
    assert harbor_api.post("/retentions", json=policy(team["project_id"], twice)).status_code == 409


def test_trigger_without_cron_is_accepted_on_post(harbor_api, team):
    # errata E11: the cron key is not required
    body = dict(policy(team["project_id"], []), trigger={"kind": "Schedule"})
    assert harbor_api.post("/retentions", json=body).status_code == 201


def test_put_without_cron_over_a_stored_cron_is_a_server_error(harbor_api, team):
    policy_id = create(harbor_api, policy(team["project_id"], [], "0 0 3 * * *"))
    body = dict(policy(team["project_id"], []), trigger={"kind": "Schedule"})
    assert harbor_api.put("/retentions/%d" % policy_id, json=body).status_code == 500


def test_put_of_another_policy_id_is_404(harbor_api, team):
    policy_id = create(harbor_api, policy(team["project_id"], []))
    assert harbor_api.put("/retentions/%d" % (policy_id + 5), json=policy(team["project_id"], [])).status_code == 404


@pytest.mark.parametrize("fake_harbor, stale", [("2.10", True), ("2.13", True), ("2.14", False), ("2.15", False)],
                         indirect=["fake_harbor"])
def test_delete_leaves_a_stale_link_before_2_14(fake_harbor, harbor_api, team, stale):
    policy_id = create(harbor_api, policy(team["project_id"], []))
    assert harbor_api.delete("/retentions/%d" % policy_id).status_code == 200
    metadata = harbor_api.get("/projects/team", headers=NAME).json()["metadata"]
    assert ("retention_id" in metadata) is stale
    assert harbor_api.get("/retentions/%d" % policy_id).status_code == 500
    assert harbor_api.delete("/retentions/%d" % policy_id).status_code == 400
    if stale:
        refused = harbor_api.post("/retentions", json=policy(team["project_id"], []))
        assert refused.status_code == 400 and "already has retention policy" in refused.text
        assert harbor_api.put("/retentions/%d" % policy_id, json=policy(team["project_id"], [])).status_code == 500
        # the way out (errata E10): remove the key, then create
        assert harbor_api.delete("/projects/team/metadatas/retention_id", headers=NAME).status_code == 200
    assert harbor_api.post("/retentions", json=policy(team["project_id"], [])).status_code == 201


def test_dry_run_reports_the_seed_policy_without_deleting(fake_harbor, harbor_api, team):
    for n in range(12):
        seed(fake_harbor, "app", ["v1.%d" % n], push_time=ago(30 - n))
    seed(fake_harbor, "app", ["main-new"], push_time=ago(2))
    seed(fake_harbor, "app", ["main-old"], push_time=ago(20))
    seed(fake_harbor, "app", ["feature-x"], push_time=ago(1))
    rules = [rule("latestPushedK", {"latestPushedK": 10}, "v*"), rule("nDaysSinceLastPush", {"nDaysSinceLastPush": 7}, "main-*")]
    policy_id = create(harbor_api, policy(team["project_id"], rules))
    execution_id, tasks, logs = run(harbor_api, policy_id, dry_run=True)
    assert [(t["repository"], t["total"], t["retained"]) for t in tasks] == [("team/app", 15, 11)]
    assert deleted_tags(logs["team/app"]) == ["feature-x", "main-old", "v1.0", "v1.1"]
    listed = harbor_api.get("/retentions/%d/executions" % policy_id)
    assert listed.headers["X-Total-Count"] == "1"
    assert listed.json()[0]["status"] == "Success" and listed.json()[0]["dry_run"] is True
    assert execution_id == listed.json()[0]["id"]
    artifacts = harbor_api.get("/projects/team/repositories/app/artifacts", params={"page_size": 50}).json()
    assert len(artifacts) == 15
    assert request_violations(fake_harbor) == []


def test_real_run_deletes_but_keeps_immutable_tags(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["v1"], push_time=ago(40))
    seed(fake_harbor, "app", ["v2"], push_time=ago(30))
    seed(fake_harbor, "app", ["dev"], push_time=ago(1))
    immutable = {"disabled": False, "action": "immutable", "template": "immutable_template",
                 "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v1"}],
                 "scope_selectors": ALL_REPOS}
    assert harbor_api.post("/projects/team/immutabletagrules", json=immutable, headers=NAME).status_code == 201
    policy_id = create(harbor_api, policy(team["project_id"], [rule("nDaysSinceLastPush", {"nDaysSinceLastPush": 7})]))
    _eid, tasks, logs = run(harbor_api, policy_id, dry_run=False)
    assert deleted_tags(logs["team/app"]) == ["v2"]
    assert tasks[0]["retained"] == 2
    artifacts = harbor_api.get("/projects/team/repositories/app/artifacts").json()
    assert sorted(t["name"] for a in artifacts for t in a["tags"]) == ["dev", "v1"]


def test_untagged_and_repository_selectors(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", [], push_time=ago(1), size=11)
    seed(fake_harbor, "app", ["v1"], push_time=ago(1))
    seed(fake_harbor, "tools/ci", ["v1"], push_time=ago(1))
    seed(fake_harbor, "tools/ci", ["old"], push_time=ago(100))
    only_tools = {"repository": [{"kind": "doublestar", "decoration": "repoExcludes", "pattern": "app"}]}
    rules = [rule("always", {}, "**", untagged=False), rule("always", {}, "v*", repos=only_tools)]
    policy_id = create(harbor_api, policy(team["project_id"], rules))
    _eid, tasks, logs = run(harbor_api, policy_id)
    assert sorted(t["repository"] for t in tasks) == ["team/app", "team/tools/ci"]
    assert deleted_tags(logs["team/app"]) == ["<none>"]
    assert deleted_tags(logs["team/tools/ci"]) == []


def test_disabled_rules_and_unselected_repositories_are_left_alone(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["v1"], push_time=ago(100))
    seed(fake_harbor, "db", ["v1"], push_time=ago(100))
    only_db = {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "db"}]}
    rules = [rule("nDaysSinceLastPush", {"nDaysSinceLastPush": 1}, repos=only_db),
             rule("always", {}, repos=only_db, disabled=True)]
    policy_id = create(harbor_api, policy(team["project_id"], rules))
    _eid, tasks, logs = run(harbor_api, policy_id, dry_run=False)
    assert [t["repository"] for t in tasks] == ["team/db"]
    assert deleted_tags(logs["team/db"]) == ["v1"]
    assert len(harbor_api.get("/projects/team/repositories/app/artifacts").json()) == 1


def test_pull_based_templates(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["a"], push_time=ago(50), pull_time=ago(1))
    seed(fake_harbor, "app", ["b"], push_time=ago(50), pull_time=ago(20))
    seed(fake_harbor, "app", ["c"], push_time=ago(50))
    policy_id = create(harbor_api, policy(team["project_id"], [rule("nDaysSinceLastPull", {"nDaysSinceLastPull": 7})]))
    assert deleted_tags(run(harbor_api, policy_id)[2]["team/app"]) == ["b", "c"]
    body = dict(policy(team["project_id"], [rule("latestPulledN", {"latestPulledN": 2})]), id=policy_id)
    assert harbor_api.put("/retentions/%d" % policy_id, json=body).status_code == 200
    assert deleted_tags(run(harbor_api, policy_id)[2]["team/app"]) == ["c"]


def test_an_execution_runs_by_itself_and_is_evaluated_at_its_end(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["old"], push_time=ago(30))
    seed(fake_harbor, "app", ["new"], push_time=ago(1))
    policy_id = create(harbor_api, policy(team["project_id"], [rule("nDaysSinceLastPush", {"nDaysSinceLastPush": 7})]))
    job_control.configure(fake_harbor, kind="RETENTION", duration=10)
    execution_id = start(harbor_api, policy_id, dry_run=False)
    listed = harbor_api.get("/retentions/%d/executions" % policy_id).json()
    assert [(e["id"], e["status"]) for e in listed] == [(execution_id, "Running")]
    tasks = harbor_api.get("/retentions/%d/executions/%d/tasks" % (policy_id, execution_id)).json()
    assert [(t["repository"], t["status"], t["status_code"]) for t in tasks] == [("team/app", "Running", 2)]
    assert len(harbor_api.get("/projects/team/repositories/app/artifacts").json()) == 2  # nothing deleted yet
    job_control.advance(fake_harbor, 11)
    done = harbor_api.get("/retentions/%d/executions" % policy_id).json()[0]
    assert done["status"] == "Success" and done["end_time"] >= done["start_time"]
    task = harbor_api.get("/retentions/%d/executions/%d/tasks" % (policy_id, execution_id)).json()[0]
    assert (task["status"], task["status_code"], task["total"], task["retained"]) == ("Success", 3, 2, 1)
    artifacts = harbor_api.get("/projects/team/repositories/app/artifacts").json()
    assert [t["name"] for a in artifacts for t in a["tags"]] == ["new"]
    assert fake_harbor.violations == []


def test_executions_end_without_being_read(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["v1"])
    policy_id = create(harbor_api, policy(team["project_id"], [rule("always", {})]))
    job_control.configure(fake_harbor, kind="RETENTION", duration=0.2)
    first, second = start(harbor_api, policy_id), start(harbor_api, policy_id)
    time.sleep(0.5)
    listed = harbor_api.get("/retentions/%d/executions" % policy_id).json()
    assert [(e["id"], e["status"]) for e in listed] == [(second, "Success"), (first, "Success")]


def test_stop_a_running_execution(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["old"], push_time=ago(30))
    policy_id = create(harbor_api, policy(team["project_id"], [rule("nDaysSinceLastPush", {"nDaysSinceLastPush": 7})]))
    job_control.configure(fake_harbor, hold=True)
    execution_id = start(harbor_api, policy_id, dry_run=False)
    path = "/retentions/%d/executions/%d" % (policy_id, execution_id)
    assert harbor_api.request("PATCH", path, json={"action": "stop"}).status_code == 200
    assert harbor_api.get("/retentions/%d/executions" % policy_id).json()[0]["status"] == "Stopped"
    assert [t["status"] for t in harbor_api.get(path + "/tasks").json()] == ["Stopped"]
    job_control.release(fake_harbor)
    assert len(harbor_api.get("/projects/team/repositories/app/artifacts").json()) == 1  # nothing was deleted


def test_an_execution_without_a_selected_repository_ends_at_once(fake_harbor, harbor_api, team):
    job_control.configure(fake_harbor, hold=True)
    policy_id = create(harbor_api, policy(team["project_id"], [rule("always", {})]))
    start(harbor_api, policy_id)
    assert harbor_api.get("/retentions/%d/executions" % policy_id).json()[0]["status"] == "Success"


def test_executions_of_a_missing_policy(harbor_api):
    assert harbor_api.post("/retentions/99/executions", json={"dry_run": True}).status_code == 400
    assert harbor_api.get("/retentions/99").status_code == 500


def test_metadatas_offer_the_five_ui_templates(fake_harbor, harbor_api):
    resp = harbor_api.get("/retentions/metadatas")
    assert [t["rule_template"] for t in resp.json()["templates"]] == [
        "latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull", "always"]


def test_deleting_the_project_drops_its_policy(harbor_api, team):
    policy_id = create(harbor_api, policy(team["project_id"], []))
    assert harbor_api.delete("/projects/team", headers=NAME).status_code == 200
    assert harbor_api.get("/retentions/%d" % policy_id).status_code == 500
