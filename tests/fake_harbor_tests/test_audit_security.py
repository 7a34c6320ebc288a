"""Audit logs, security hub, CVE export, system volumes/CA, adapter infos, search, icons and /internalconfig."""

import base64
import csv
import io
import os
import zlib

import pytest
import requests

from tests.fake_harbor import pytest_plugin
from tests.fake_harbor.framework.auth import (ROLE_DEVELOPER, ROLE_GUEST, ROLE_MAINTAINER, ROLE_PROJECT_ADMIN,
                                              Principal)
from tests.fake_harbor.resources import executions, export_cve, robots, scanners, scans, system
from tests.fake_harbor.server import FakeHarbor

from .conftest import request_violations

PASSWORD = "Passw0rd1"
GENERIC = "application/vnd.security.vulnerability.report; version=1.1"
IMAGE_ICON = "sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06"
BOTH = pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
PACKAGES = [
    {"name": "openssl", "version": "3.0.1", "vulnerabilities": [
        {"id": "CVE-2024-0001", "severity": "critical", "fix_version": "3.0.13", "cvss_score_v3": 9.8},
        {"id": "CVE-2024-0002", "severity": "High", "cvss_score_v3": 7.5}]},
    {"name": "zlib", "version": "1.2.11", "vulnerabilities": [{"id": "CVE-2022-3", "severity": "LOW"}]},
]
MEDIUM_ONLY = [{"name": "curl", "version": "8.0", "vulnerabilities": [
    {"id": "CVE-2023-9", "severity": "medium", "fix_version": "8.1", "cvss_score_v3": 5.3}]}]


# ---------------------------------------------------------------- helpers

def client(server, username, password=PASSWORD):
    return pytest_plugin.ApiClient(server, auth=(username, password))


def anonymous(server, path, **kwargs):
    return requests.get(server.api_url + path, timeout=10, **kwargs)


def add_user(server, username, sysadmin=False):
    resp = requests.post(server.url + "/_fake/users", timeout=10,
                         json={"username": username, "password": PASSWORD, "sysadmin": sysadmin})
    assert resp.status_code == 201, resp.text
    return client(server, username)


def add_member(server, project_name, username, role):
    with server.lock:
        state = server.state
        project = next(p for p in state.projects.values() if p["name"] == project_name)
        user = next(u for u in state.users.values() if u["username"] == username)
        state.members.append({"id": state.next_id("member"), "project_id": project["project_id"],
                              "entity_type": "u", "entity_id": user["user_id"], "role_id": role})


def add_robot(server, name, permissions, level="system", project=None):
    with server.lock:
        robot = robots.add_robot(server.state, name, level=level, permissions=permissions, project=project)
        return client(server, robots.full_name(server.state, robot), robot["secret"])


def system_perm(*pairs):
    return [{"kind": "system", "namespace": "/", "access": [{"resource": r, "action": a} for r, a in pairs]}]


def project_perm(project, *pairs):
    return [{"kind": "project", "namespace": project, "access": [{"resource": r, "action": a} for r, a in pairs]}]


def create_project(api, name, public=False):
    resp = api.post("/projects", json={"project_name": name, "metadata": {"public": "true" if public else "false"}})
    assert resp.status_code == 201, resp.text
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def seed(server, project="library", repository="app", tags=("v1",), packages=None):
    resp = requests.post(server.url + "/_fake/artifacts", timeout=10, json={
        "project": project, "repository": repository, "tags": list(tags), "packages": packages})
    assert resp.status_code == 201, resp.text
    return resp.json()


def scanned(server, artifact_id, scanner=None):
    """Scan an artifact to the end at once (scan-all's way, scans.complete_scan)."""
    with server.lock:
        state = server.state
        scans.complete_scan(state, state.artifacts[artifact_id], scanner or scanners.default_scanner(state))


def records(server):
    with server.lock:
        return [dict(r) for r in server.state.audit_logs]


def finish_exports(server):
    """End the running CVE exports now (the job service would end them after their duration)."""
    with server.lock:
        for execution in executions.active(server.state, export_cve.QUEUE):
            executions.finish(server.state, execution)


def no_request_violations(server):
    assert request_violations(server) == []


SUMMARY_KEYS = ("critical_cnt", "high_cnt", "medium_cnt", "low_cnt", "none_cnt", "unknown_cnt", "total_vuls",
                "fixable_cnt", "scanned_cnt", "total_artifact")


def counts(summary):
    """The summary's counters; a zero Harbor leaves out (omitempty) reads as 0."""
    return {key: summary.get(key, 0) for key in SUMMARY_KEYS}


def summary_of(**values):
    return dict({key: 0 for key in SUMMARY_KEYS}, **values)


# ---------------------------------------------------------------- audit logs: what is recorded

@pytest.mark.harbor_version("2.10")
def test_legacy_audit_log_records_project_repository_artifact_and_tag_events(fake_harbor, harbor_api):
    create_project(harbor_api, "team")
    seed(fake_harbor, "team", "app", tags=("v1",))
    path = "/projects/team/repositories/app/artifacts/v1"
    assert harbor_api.post(path + "/tags", json={"name": "stable"}).status_code == 201
    assert harbor_api.delete(path + "/tags/stable").status_code == 200
    digest = harbor_api.get(path).json()["digest"]
    assert harbor_api.delete(path).status_code == 200
    assert harbor_api.delete("/projects/team/repositories/app").status_code == 200
    assert harbor_api.delete("/projects/team").status_code == 200
    # not audited before 2.13: users and configuration
    assert harbor_api.post("/users", json={"username": "bob", "email": "b@example.com", "realname": "Bob",
                                           "password": PASSWORD}).status_code == 201
    assert harbor_api.put("/configurations", json={"read_only": False}).status_code == 200
    logs = harbor_api.get("/audit-logs", params={"page_size": 50}).json()
    assert [(log["operation"], log["resource_type"], log["resource"]) for log in reversed(logs)] == [
        ("create", "project", "team"), ("create", "tag", "team/app:stable"), ("delete", "tag", "team/app:stable"),
        ("delete", "artifact", "team/app:%s" % digest), ("delete", "repository", "team/app"),
        ("delete", "project", "team")]
    assert {log["username"] for log in logs} == {"admin"}
    assert all(sorted(log) == ["id", "op_time", "operation", "resource", "resource_type", "username"] for log in logs)
    assert all(r["kind"] == "legacy" for r in records(fake_harbor))
    no_request_violations(fake_harbor)


@pytest.mark.harbor_version("2.10")
def test_registry_push_and_pull_events_are_audited_with_anonymous_pulls(fake_harbor):
    artifact = seed(fake_harbor, "library", "app", tags=("v1",))
    with fake_harbor.lock:
        state = fake_harbor.state
        stored, library = state.artifacts[artifact["id"]], state.projects[1]
        admin = Principal.user(state.users[1])
        state.hooks.all("artifact_event", state, "PUSH_ARTIFACT", library, stored, "v1", admin)
        state.hooks.all("artifact_event", state, "PULL_ARTIFACT", library, stored, None, None)
    assert [(r["operation"], r["resource"], r["username"]) for r in records(fake_harbor)] == [
        ("create", "library/app:v1", "admin"), ("pull", "library/app:%s" % artifact["digest"], "anonymous")]


@pytest.mark.harbor_version("2.15")
def test_auditlog_ext_records_api_operations_and_the_legacy_list_stays_empty(fake_harbor, harbor_api):
    project_id = create_project(harbor_api, "team")
    seed(fake_harbor, "team", "app", tags=("v1",))
    path = "/projects/team/repositories/app/artifacts/v1"
    assert harbor_api.post(path + "/tags", json={"name": "stable"}).status_code == 201  # tags: no event type
    created = harbor_api.post("/users", json={"username": "bob", "email": "b@example.com", "realname": "Bob",
                                              "password": PASSWORD})
    user_id = created.headers["Location"].rsplit("/", 1)[1]
    assert harbor_api.put("/users/%s" % user_id, json={"realname": "Robert", "email": "b@example.com"}
                          ).status_code == 200
    assert harbor_api.put("/users/%s/sysadmin" % user_id, json={"sysadmin_flag": True}).status_code == 200
    assert harbor_api.put("/users/%s/password" % user_id, json={"new_password": "N3wPassword"}).status_code == 200
    assert harbor_api.delete("/users/%s" % user_id).status_code == 200
    robot = harbor_api.post("/robots", json={"name": "ci", "level": "project", "duration": -1,
                                             "permissions": project_perm("team", ("repository", "pull"))})
    assert robot.status_code == 201, robot.text
    assert harbor_api.delete("/robots/%d" % robot.json()["id"]).status_code == 200
    assert harbor_api.put("/configurations", json={"read_only": False, "oidc_client_secret": "S3cret-Value"}
                          ).status_code == 200
    assert harbor_api.delete(path).status_code == 200
    logs = harbor_api.get("/auditlog-exts", params={"page_size": 50, "sort": "op_time"}).json()
    assert [(log["operation"], log["resource_type"], log["resource"]) for log in logs] == [
        ("create", "project", "team"), ("create", "user", "bob"), ("update", "user", "bob"),
        ("update", "user", "bob"), ("update", "user", "bob"), ("delete", "user", "bob"),
        ("create", "robot", "robot$team+ci"), ("delete", "robot", "robot$team+ci"),
        ("update", "configuration", "configuration"), ("delete", "artifact", logs[-1]["resource"])]
    assert logs[0]["operation_description"] == "create project with name: team"
    assert logs[-1]["resource"].startswith("team/app:sha256:")
    config = logs[-2]["operation_description"]
    assert config.startswith("update configuration: ") and '"read_only":false' in config
    assert "S3cret-Value" not in config and '"oidc_client_secret":"***"' in config
    assert all(log["operation_result"] is True and log["username"] == "admin" for log in logs)
    assert harbor_api.get("/audit-logs").json() == []
    assert harbor_api.get("/projects/team/logs").json() == []
    team = harbor_api.get("/projects/team/auditlog-exts").json()
    assert [(log["operation"], log["resource_type"]) for log in reversed(team)] == [
        ("create", "project"), ("create", "robot"), ("delete", "robot"), ("delete", "artifact")]
    assert {r["project_id"] for r in records(fake_harbor) if r["resource_type"] in ("robot", "artifact")} == {
        project_id}
    no_request_violations(fake_harbor)


@pytest.mark.harbor_version("2.15")
def test_auditlog_ext_event_types(fake_harbor, harbor_api):
    events = harbor_api.get("/auditlog-exts/events").json()
    assert [e["event_type"] for e in events][:3] == ["create_artifact", "delete_artifact", "pull_artifact"]
    assert len(events) == 14 and {"event_type": "update_configuration"} in events
    assert anonymous(fake_harbor, "/auditlog-exts/events").status_code == 401
    no_request_violations(fake_harbor)


@pytest.mark.harbor_version("2.10")
def test_auditlog_ext_operations_do_not_exist_before_2_13(fake_harbor, harbor_api):
    for path in ("/auditlog-exts", "/auditlog-exts/events", "/projects/library/auditlog-exts"):
        assert harbor_api.get(path).status_code == 404
    assert len(request_violations(fake_harbor)) == 3


@pytest.mark.parametrize("fake_harbor", ["2.12", "2.13"], indirect=True)
def test_audit_log_ext_starts_with_2_13(fake_harbor, harbor_api):
    create_project(harbor_api, "team")
    ext = fake_harbor.version >= (2, 13)
    assert harbor_api.get("/auditlog-exts").status_code == (200 if ext else 404)
    assert [r["kind"] for r in records(fake_harbor)] == ["ext" if ext else "legacy"]
    assert len(harbor_api.get("/audit-logs").json()) == (0 if ext else 1)


@BOTH
def test_skip_audit_log_database_stores_nothing(fake_harbor, harbor_api):
    create_project(harbor_api, "before")
    assert harbor_api.put("/configurations", json={"skip_audit_log_database": True}).status_code == 200
    create_project(harbor_api, "team")  # the configuration update itself is not stored either: the new value holds
    assert harbor_api.delete("/projects/team").status_code == 200
    assert [r["resource"] for r in records(fake_harbor)] == ["before"]
    list_path = "/auditlog-exts" if fake_harbor.version >= (2, 13) else "/audit-logs"
    assert [log["resource"] for log in harbor_api.get(list_path).json()] == ["before"]


@pytest.mark.harbor_version("2.15")
def test_disabled_audit_log_event_types_are_not_logged(fake_harbor, harbor_api):
    assert harbor_api.put("/configurations", json={"disabled_audit_log_event_types": "create_project,delete_user"}
                          ).status_code == 200
    create_project(harbor_api, "team")
    assert harbor_api.delete("/projects/team").status_code == 200
    assert [(r["operation"], r["resource_type"]) for r in records(fake_harbor)] == [
        ("update", "configuration"), ("delete", "project")]


# ---------------------------------------------------------------- audit logs: listing

@BOTH
def test_audit_log_paging_filters_and_sort(fake_harbor, harbor_api):
    for index in range(5):
        create_project(harbor_api, "proj%d" % index)
    assert harbor_api.delete("/projects/proj0").status_code == 200
    path = "/auditlog-exts" if fake_harbor.version >= (2, 13) else "/audit-logs"
    first = harbor_api.get(path, params={"page_size": 2})
    assert first.headers["X-Total-Count"] == "6" and len(first.json()) == 2
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    assert [log["resource"] for log in first.json()] == ["proj0", "proj4"]  # newest first (op_time desc)
    assert [log["resource"] for log in harbor_api.get(path, params={"sort": "op_time", "page_size": 2}).json()] == [
        "proj0", "proj1"]
    deletes = harbor_api.get(path, params={"q": "operation=delete"})
    assert deletes.headers["X-Total-Count"] == "1" and deletes.json()[0]["resource"] == "proj0"
    fuzzy = harbor_api.get(path, params={"q": "resource=~roj3"}).json()
    assert [log["resource"] for log in fuzzy] == ["proj3"]
    every = [r["op_time"] for r in records(fake_harbor)]
    window = harbor_api.get(path, params={"q": "op_time=[%s~%s]" % (every[0][:19], every[-1][:19])})
    assert window.headers["X-Total-Count"] == "6"
    assert harbor_api.get(path, params={"q": "op_time=[2000-01-01T00:00:00~2000-01-02T00:00:00]"}).json() == []
    assert harbor_api.get(path, params={"q": "username=nobody"}).json() == []
    assert harbor_api.get(path, params={"q": "operation"}).status_code == 400
    no_request_violations(fake_harbor)


@BOTH
def test_audit_log_list_rbac(fake_harbor, harbor_api):
    create_project(harbor_api, "team")
    create_project(harbor_api, "other", public=True)
    owner, developer = add_user(fake_harbor, "owner"), add_user(fake_harbor, "dev")
    add_member(fake_harbor, "team", "owner", ROLE_PROJECT_ADMIN)
    add_member(fake_harbor, "team", "dev", ROLE_DEVELOPER)
    path = "/auditlog-exts" if fake_harbor.version >= (2, 13) else "/audit-logs"
    assert anonymous(fake_harbor, path).status_code == 401
    assert [log["resource"] for log in owner.get(path).json()] == ["team"]  # project admins see their projects
    assert developer.get(path).json() == []  # log:list is a project admin permission
    auditor = add_robot(fake_harbor, "auditor", system_perm(("audit-log", "list")))
    assert {log["resource"] for log in auditor.get(path).json()} == {"team", "other"}
    assert add_robot(fake_harbor, "plain", system_perm(("project", "list"))).get(path).json() == []
    no_request_violations(fake_harbor)


@BOTH
def test_project_logs_rbac(fake_harbor, harbor_api):
    create_project(harbor_api, "team", public=True)
    owner, guest = add_user(fake_harbor, "owner"), add_user(fake_harbor, "guest")
    add_member(fake_harbor, "team", "owner", ROLE_PROJECT_ADMIN)
    add_member(fake_harbor, "team", "guest", ROLE_GUEST)
    stranger = add_user(fake_harbor, "stranger")
    path = "/projects/team/auditlog-exts" if fake_harbor.version >= (2, 13) else "/projects/team/logs"
    assert [log["resource"] for log in owner.get(path).json()] == ["team"]
    assert anonymous(fake_harbor, path).status_code == 401  # a public project does not grant log:list
    assert stranger.get(path).status_code == 403
    assert guest.get(path).status_code == 403
    reader = add_robot(fake_harbor, "reader", project_perm("team", ("log", "list")), level="project", project="team")
    assert reader.get(path).status_code == 200
    missing = path.replace("team", "missing")
    assert harbor_api.get(missing).status_code == 404 and owner.get(missing).status_code == 403
    no_request_violations(fake_harbor)


# ---------------------------------------------------------------- security hub

def _security_seed(server):
    app = seed(server, "library", "app", tags=("v1", "latest"), packages=PACKAGES)
    web = seed(server, "library", "web", tags=("v2",), packages=MEDIUM_ONLY)
    clean = seed(server, "library", "clean", tags=("v3",), packages=[])
    seed(server, "library", "unscanned", tags=("v4",), packages=PACKAGES)
    for artifact in (app, web, clean):
        scanned(server, artifact["id"])
    return app, web, clean


@BOTH
def test_security_summary_counts_the_default_scanners_reports(fake_harbor, harbor_api):
    app, web, _clean = _security_seed(fake_harbor)
    body = harbor_api.get("/security/summary").json()
    assert counts(body) == summary_of(critical_cnt=1, high_cnt=1, medium_cnt=1, low_cnt=1, total_vuls=4,
                                      fixable_cnt=2, scanned_cnt=3, total_artifact=4)
    assert "dangerous_cves" not in body and "dangerous_artifacts" not in body
    detailed = harbor_api.get("/security/summary", params={"with_dangerous_cve": "true",
                                                           "with_dangerous_artifact": "true"}).json()
    assert [(c["cve_id"], c["cvss_score_v3"]) for c in detailed["dangerous_cves"]] == [
        ("CVE-2024-0001", 9.8), ("CVE-2024-0002", 7.5), ("CVE-2023-9", 5.3)]
    assert detailed["dangerous_cves"][0] == {"cve_id": "CVE-2024-0001", "package": "openssl", "version": "3.0.1",
                                             "severity": "Critical", "cvss_score_v3": 9.8}
    assert [(a["digest"], a["critical_cnt"], a["high_cnt"], a["medium_cnt"])
            for a in detailed["dangerous_artifacts"]] == [(app["digest"], 1, 1, 0), (web["digest"], 0, 0, 1)]
    no_request_violations(fake_harbor)


@pytest.mark.harbor_version("2.15")
def test_security_summary_ignores_other_scanners_and_running_scans(fake_harbor, harbor_api):
    app = seed(fake_harbor, "library", "app", tags=("v1",), packages=PACKAGES)
    other = seed(fake_harbor, "library", "other", tags=("v1",), packages=PACKAGES)
    with fake_harbor.lock:  # a second, not default, scanner registration
        state = fake_harbor.state
        corp = state.scanners["corp"] = dict(scanners.default_scanner(state), uuid="corp", name="corp",
                                             is_default=False)
    scanned(fake_harbor, other["id"], corp)
    with fake_harbor.lock:  # a scan that has started and keeps running
        state = fake_harbor.state
        scans.start_scan(state, state.artifacts[app["id"]], scanners.default_scanner(state))["execution"][
            "duration"] = 3600
    running = harbor_api.get("/security/summary").json()
    assert counts(running) == summary_of(scanned_cnt=1, total_artifact=2)  # a report exists, still empty
    scanned(fake_harbor, app["id"])
    assert harbor_api.get("/security/summary").json()["critical_cnt"] == 1


def test_security_hub_without_a_default_scanner_is_empty():
    with FakeHarbor(with_trivy=False, auth_fail_delay=0) as server:
        seed(server, "library", "app", packages=PACKAGES)
        api = pytest_plugin.ApiClient(server)
        assert counts(api.get("/security/summary").json()) == summary_of()  # even total_artifact is 0
        listed = api.get("/security/vul", params={"q": "nonsense=1"})
        assert listed.json() == [] and listed.headers["X-Total-Count"] == "0"
        assert [v for v in server.violations if v["kind"] == "response"] == []


@BOTH
def test_vulnerability_list_paging_filters_and_order(fake_harbor, harbor_api):
    app, web, _clean = _security_seed(fake_harbor)
    listed = harbor_api.get("/security/vul")
    assert listed.headers["X-Total-Count"] == "4"
    items = listed.json()
    assert [(v["cve_id"], v.get("cvss_v3_score", 0)) for v in items] == [
        ("CVE-2024-0001", 9.8), ("CVE-2024-0002", 7.5), ("CVE-2023-9", 5.3), ("CVE-2022-3", 0)]
    first = items[0]
    assert first == {"project_id": 1, "repository_name": "library/app", "digest": app["digest"],
                     "cve_id": "CVE-2024-0001", "severity": "Critical", "cvss_v3_score": 9.8, "package": "openssl",
                     "version": "3.0.1", "fixed_version": "3.0.13", "desc": "CVE-2024-0001 in openssl",
                     "links": ["https://avd.aquasec.com/nvd/cve-2024-0001"]}
    page = harbor_api.get("/security/vul", params={"page": 2, "page_size": 3})
    assert [v["cve_id"] for v in page.json()] == ["CVE-2022-3"] and 'rel="prev"' in page.headers["Link"]
    by_key = {
        "severity=High": ["CVE-2024-0002"], "cve_id=CVE-2023-9": ["CVE-2023-9"],
        "repository_name=library/web": ["CVE-2023-9"], "digest=%s" % web["digest"]: ["CVE-2023-9"],
        "package=zlib": ["CVE-2022-3"], "tag=latest": ["CVE-2024-0001", "CVE-2024-0002", "CVE-2022-3"],
        "project_id=1,cvss_score_v3=[7~10]": ["CVE-2024-0001", "CVE-2024-0002"], "project_id=2": [],
    }
    for q, expected in by_key.items():
        assert [v["cve_id"] for v in harbor_api.get("/security/vul", params={"q": q}).json()] == expected, q
    tagged = harbor_api.get("/security/vul", params={"with_tag": "true", "q": "cve_id=CVE-2024-0001"}).json()
    assert tagged[0]["tags"] == ["v1", "latest"]
    for bad, message in (("name=x", "keyword: name is not allowed"),
                         ("severity=~igh", "keyword: severity, the query type is not allowed"),
                         ("cvss_score_v3=9", "keyword: cvss_score_v3, the query type is not allowed")):
        resp = harbor_api.get("/security/vul", params={"q": bad})
        assert resp.status_code == 400 and resp.json()["errors"][0]["message"] == message
    no_request_violations(fake_harbor)


@pytest.mark.harbor_version("2.15")
def test_vulnerability_list_tune_count(fake_harbor, harbor_api):
    many = [{"name": "pkg%d" % i, "version": "1", "vulnerabilities": [
        {"id": "CVE-2020-%d" % i, "severity": "Low"}]} for i in range(1001)]
    scanned(fake_harbor, seed(fake_harbor, "library", "big", packages=many)["id"])
    assert harbor_api.get("/security/vul", params={"page_size": 1}).headers["X-Total-Count"] == "1001"
    tuned = harbor_api.get("/security/vul", params={"tune_count": "true", "page_size": 1})
    assert tuned.headers["X-Total-Count"] == "-1" and len(tuned.json()) == 1


@BOTH
def test_security_hub_rbac(fake_harbor, harbor_api):
    user = add_user(fake_harbor, "alice")
    reader = add_robot(fake_harbor, "hub", system_perm(("security-hub", "read"), ("security-hub", "list")))
    blind = add_robot(fake_harbor, "blind", system_perm(("project", "list")))
    for path in ("/security/summary", "/security/vul"):
        assert anonymous(fake_harbor, path).status_code == 401
        assert user.get(path).status_code == 403
        assert blind.get(path).status_code == 403
        assert reader.get(path).status_code == 200
        assert harbor_api.get(path).status_code == 200
    no_request_violations(fake_harbor)


# ---------------------------------------------------------------- CVE export

def _export(api, project_id, **criteria):
    body = dict({"job_name": "weekly", "projects": [project_id]}, **criteria)
    return api.post("/export/cve", json=body, headers={"X-Scan-Data-Type": GENERIC})


def _csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


@BOTH
def test_cve_export_runs_as_a_job_and_downloads_once(fake_harbor, harbor_api):
    app, _web, _clean = _security_seed(fake_harbor)
    started = _export(harbor_api, 1)
    assert started.status_code == 200, started.text
    execution_id = started.json()["id"]
    running = harbor_api.get("/export/cve/execution/%d" % execution_id).json()
    assert running["status"] in ("Pending", "Running") and running["file_present"] is False
    assert running["end_time"] == "0001-01-01T00:00:00.000Z" and running["user_name"] == "admin"
    assert harbor_api.get("/export/cve/download/%d" % execution_id).status_code == 404  # no file yet
    finish_exports(fake_harbor)
    done = harbor_api.get("/export/cve/execution/%d" % execution_id).json()
    assert done["status"] == "Success" and done["file_present"] is True and done["trigger"] == "MANUAL"
    assert done["status_text"] == "" and done["user_id"] == 1
    listed = harbor_api.get("/export/cve/executions").json()["items"]
    assert [e["id"] for e in listed] == [execution_id]
    download = harbor_api.get("/export/cve/download/%d" % execution_id)
    assert download.status_code == 200 and download.headers["Content-Type"] == "text/csv"
    assert download.headers["Content-Disposition"] == 'attachment; filename="scandata_export_%d.csv"' % execution_id
    rows = _csv_rows(download.text)
    assert download.text.splitlines()[0] == ",".join(export_cve.COLUMNS)
    assert [(r["Repository"], r["CVE"], r["Severity"]) for r in rows] == [
        ("library/app", "CVE-2024-0001", "Critical"), ("library/app", "CVE-2024-0002", "High"),
        ("library/app", "CVE-2022-3", "Low"), ("library/web", "CVE-2023-9", "Medium")]
    assert rows[0]["Artifact Digest"] == app["digest"] and rows[0]["Scanner"] == "Trivy"
    assert rows[0]["Fixed in version"] == "3.0.13" and rows[0]["RowId"] == "1"
    # the file and the execution are deleted after the download
    assert harbor_api.get("/export/cve/download/%d" % execution_id).status_code == 404
    assert harbor_api.get("/export/cve/execution/%d" % execution_id).status_code == 404
    assert harbor_api.get("/export/cve/executions").json() == {"items": []}
    no_request_violations(fake_harbor)


@pytest.mark.harbor_version("2.15")
def test_cve_export_filters(fake_harbor, harbor_api):
    _security_seed(fake_harbor)
    everything = ["CVE-2024-0001", "CVE-2024-0002", "CVE-2022-3", "CVE-2023-9"]
    cases = [({"repositories": "{web,clean}"}, ["CVE-2023-9"]), ({"tags": "late*"}, everything[:3]),
             ({"cveIds": "{CVE-2022-3,CVE-2023-9}"}, ["CVE-2022-3", "CVE-2023-9"]),
             ({"repositories": "**"}, everything), ({"repositories": "nothing*"}, [])]
    for criteria, expected in cases:
        execution_id = _export(harbor_api, 1, **criteria).json()["id"]
        finish_exports(fake_harbor)
        rows = _csv_rows(harbor_api.get("/export/cve/download/%d" % execution_id).text)
        assert [r["CVE"] for r in rows] == expected, criteria


@BOTH
def test_cve_export_request_checks(fake_harbor, harbor_api):
    create_project(harbor_api, "team")
    bad_type = harbor_api.post("/export/cve", json={"projects": [1]}, headers={"X-Scan-Data-Type": "text/plain"})
    assert bad_type.status_code == 400
    assert bad_type.json()["errors"][0]["message"] == "Unsupported MIME type : text/plain"
    two = _export(harbor_api, 1, projects=[1, 2])
    assert two.status_code == 400 and "invalid value: [1 2]" in two.json()["errors"][0]["message"]
    missing = _export(harbor_api, 99)
    assert missing.status_code == 404 and missing.json()["errors"][0]["message"] == "project 99 not found"
    spaces = _export(harbor_api, 1, repositories="a b")
    assert spaces.status_code == 400
    # the request is checked before the caller
    anon = requests.post(fake_harbor.api_url + "/export/cve", json={"projects": [1]}, timeout=10,
                         headers={"X-Scan-Data-Type": "text/plain"})
    assert anon.status_code == 400
    anon = requests.post(fake_harbor.api_url + "/export/cve", json={"projects": [1]}, timeout=10,
                         headers={"X-Scan-Data-Type": GENERIC})
    assert anon.status_code == 401
    no_request_violations(fake_harbor)
    assert harbor_api.post("/export/cve", json={"projects": [1]}).status_code == 422  # the header is required
    assert len(request_violations(fake_harbor)) == 1


@BOTH
def test_cve_export_rbac_and_ownership(fake_harbor, harbor_api):
    team = create_project(harbor_api, "team")
    developer, guest = add_user(fake_harbor, "dev"), add_user(fake_harbor, "guest")
    maintainer = add_user(fake_harbor, "keeper")
    add_member(fake_harbor, "team", "dev", ROLE_DEVELOPER)
    add_member(fake_harbor, "team", "keeper", ROLE_MAINTAINER)
    add_member(fake_harbor, "team", "guest", ROLE_GUEST)
    assert _export(guest, team).status_code == 403
    assert _export(maintainer, team).status_code == 200
    mine = _export(developer, team)
    assert mine.status_code == 200
    execution_id = mine.json()["id"]
    finish_exports(fake_harbor)
    assert developer.get("/export/cve/execution/%d" % execution_id).json()["user_name"] == "dev"
    assert harbor_api.get("/export/cve/execution/%d" % execution_id).status_code == 403  # another user's export
    assert harbor_api.get("/export/cve/download/%d" % execution_id).status_code == 403
    assert harbor_api.get("/export/cve/download/%d" % execution_id).content == b""
    assert guest.get("/export/cve/execution/%d" % execution_id).status_code == 403
    assert anonymous(fake_harbor, "/export/cve/execution/%d" % execution_id).status_code == 401
    assert [e["user_name"] for e in developer.get("/export/cve/executions").json()["items"]] == ["dev"]
    assert harbor_api.get("/export/cve/executions").json() == {"items": []}
    assert anonymous(fake_harbor, "/export/cve/executions").status_code == 401
    assert harbor_api.get("/export/cve/execution/999").status_code == 404
    if fake_harbor.version >= (2, 12):  # export-cve is a robot permission from 2.12 (errata E7)
        robot = add_robot(fake_harbor, "exporter", project_perm("team", ("export-cve", "create")), level="project",
                          project="team")
        refused = _export(robot, team)
        assert refused.status_code == 404 and "user robot$team+exporter not found" in refused.text
    no_request_violations(fake_harbor)


# ---------------------------------------------------------------- system info, CA, internal config

@BOTH
def test_system_volumes_report_the_storage_file_system(fake_harbor, harbor_api):
    body = harbor_api.get("/systeminfo/volumes").json()
    stat = os.statvfs(system.storage_path(fake_harbor))
    storage = body["storage"][0]
    assert storage["total"] == stat.f_blocks * stat.f_bsize
    assert 0 < storage["free"] <= storage["total"]
    assert abs(storage["free"] - stat.f_bavail * stat.f_bsize) < 256 * 1024 * 1024
    assert anonymous(fake_harbor, "/systeminfo/volumes").status_code == 401
    assert add_user(fake_harbor, "alice").get("/systeminfo/volumes").status_code == 403
    assert add_robot(fake_harbor, "ops", system_perm(("system-volumes", "read"))).get(
        "/systeminfo/volumes").status_code == 200
    no_request_violations(fake_harbor)


def test_getcert_returns_the_ca_over_tls_and_404_without(fake_harbor, fake_harbor_tls):
    resp = requests.get(fake_harbor_tls.api_url + "/systeminfo/getcert", verify=fake_harbor_tls.ca_path, timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/octet-stream"
    assert resp.headers["Content-Disposition"] == "attachment; filename=ca.crt"
    with open(fake_harbor_tls.ca_path, "rb") as handle:
        assert resp.content == handle.read() and b"BEGIN CERTIFICATE" in resp.content
    plain = anonymous(fake_harbor, "/systeminfo/getcert")
    assert plain.status_code == 404
    assert plain.json()["errors"][0]["message"] == "cert not found in path: /etc/core/ca/ca.crt"
    assert requests.get(fake_harbor.api_url + "/systeminfo", timeout=10, auth=("admin", "Harbor12345")
                        ).json()["has_ca_root"] is False
    no_request_violations(fake_harbor)
    no_request_violations(fake_harbor_tls)


@BOTH
def test_internalconfig_is_for_harbor_components_only(fake_harbor, harbor_api):
    for resp in (harbor_api.get("/internalconfig"), anonymous(fake_harbor, "/internalconfig")):
        assert resp.status_code == 401
        assert resp.json()["errors"][0]["message"] == "only internal service is allowed to call this API"


# ---------------------------------------------------------------- adapter infos

@BOTH
def test_adapter_infos_match_the_adapter_list(fake_harbor, harbor_api):
    infos = harbor_api.get("/replication/adapterinfos").json()
    adapters = harbor_api.get("/replication/adapters").json()
    assert set(infos) <= set(adapters)
    assert set(infos) == {"ali-acr", "aws-ecr", "docker-hub", "github-ghcr", "google-gcr", "tencent-tcr",
                          "volcengine-cr"}
    assert infos["docker-hub"] == {"endpoint_pattern": {"endpoint_type": "EndpointPatternTypeFix", "endpoints": [
        {"key": "hub.docker.com", "value": "https://hub.docker.com"}]}}
    assert infos["google-gcr"]["credential_pattern"]["access_key_data"] == "_json_key"
    ecr = {e["key"]: e["value"] for e in infos["aws-ecr"]["endpoint_pattern"]["endpoints"]}
    assert ecr["eu-west-1"] == "https://api.ecr.eu-west-1.amazonaws.com"
    assert anonymous(fake_harbor, "/replication/adapterinfos").status_code == 401
    assert add_user(fake_harbor, "alice").get("/replication/adapterinfos").status_code == 403
    assert add_robot(fake_harbor, "repl", system_perm(("replication-adapter", "list"))).get(
        "/replication/adapterinfos").status_code == 200
    no_request_violations(fake_harbor)


# ---------------------------------------------------------------- search and icons

@BOTH
def test_search_by_visibility(fake_harbor, harbor_api):
    create_project(harbor_api, "team-private")
    create_project(harbor_api, "team-public", public=True)
    seed(fake_harbor, "team-private", "team-app")
    seed(fake_harbor, "team-public", "webapp")
    seed(fake_harbor, "library", "team-tools")
    member = add_user(fake_harbor, "member")
    add_member(fake_harbor, "team-private", "member", ROLE_DEVELOPER)

    def found(resp):
        body = resp.json()
        return [p["name"] for p in body["project"]], [r["repository_name"] for r in body["repository"]]

    assert found(harbor_api.get("/search", params={"q": "team"})) == (
        ["team-private", "team-public"], ["team-private/team-app", "team-public/webapp", "library/team-tools"])
    assert found(anonymous(fake_harbor, "/search", params={"q": "team"})) == (
        ["team-public"], ["team-public/webapp", "library/team-tools"])
    assert found(member.get("/search", params={"q": "team"}))[0] == ["team-private", "team-public"]
    robot = add_robot(fake_harbor, "r", project_perm("team-private", ("repository", "pull")), level="project",
                      project="team-private")
    assert found(robot.get("/search", params={"q": "team"}))[0] == ["team-public"]
    every_repository = ["team-private/team-app", "team-public/webapp", "library/team-tools"]
    assert found(harbor_api.get("/search", params={"q": "TEAM"})) == ([], every_repository)
    repo = harbor_api.get("/search", params={"q": "webapp"}).json()["repository"][0]
    assert {key: repo[key] for key in ("project_id", "project_name", "project_public", "repository_name",
                                       "artifact_count")} == {
        "project_id": 3, "project_name": "team-public", "project_public": True,
        "repository_name": "team-public/webapp", "artifact_count": 1}
    assert repo.get("pull_count", 0) == 0
    private = member.get("/search", params={"q": "private"}).json()["project"][0]
    assert private["current_user_role_ids"] == [ROLE_DEVELOPER] and private["repo_count"] == 1
    assert harbor_api.get("/search", params={"q": "nothing"}).json() == {"project": [], "repository": []}
    no_request_violations(fake_harbor)
    assert harbor_api.get("/search").status_code == 422  # q is required
    assert len(request_violations(fake_harbor)) == 1


@BOTH
def test_icons(fake_harbor):
    resp = anonymous(fake_harbor, "/icons/" + IMAGE_ICON)
    assert resp.status_code == 200
    body = resp.json()
    assert body["content-type"] == "image/png"
    png = base64.b64decode(body["content"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[16:24] == b"\x00\x00\x00\x32\x00\x00\x00\x32"  # 50x50
    assert zlib.decompress(png[41:41 + int.from_bytes(png[33:37], "big")])  # a valid IDAT stream
    unknown = anonymous(fake_harbor, "/icons/sha256:" + "0" * 64)
    assert unknown.status_code == 404 and "the icon sha256:" in unknown.json()["errors"][0]["message"]
    no_request_violations(fake_harbor)
