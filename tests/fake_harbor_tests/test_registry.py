"""The registry protocol through the fake: real skopeo pushes and pulls, a real distribution registry behind."""

import json
import os
import time

import pytest
import requests

from tests.fake_harbor.framework.auth import ROLE_DEVELOPER, ROLE_GUEST
from tests.fake_harbor.framework.routing import RouteTable
from tests.fake_harbor.oci import build_image, packages_file, skopeo, skopeo_copy
from tests.fake_harbor.registry import registry_binary
from tests.fake_harbor.resources import robots
from tests.fake_harbor.server import FakeHarbor

from .conftest import ADMIN

pytestmark = pytest.mark.skipif(
    registry_binary() is None or skopeo() is None,
    reason="registry protocol tests need Debian's docker-registry and skopeo (make test installs them)")

OPENSSL = [{"name": "openssl", "version": "3.0.1",
            "vulnerabilities": [{"id": "CVE-2024-0001", "severity": "Critical", "fix_version": "3.0.2"}]}]


class _Events:
    """Records every artifact event (the hook webhooks and scans listen to)."""

    ROUTES = RouteTable()
    events = []

    @staticmethod
    def _event(_state, event_type, project, artifact, tag, principal, _extra=None):
        _Events.events.append((event_type, project["name"], artifact["repository_name"], tag,
                               principal.username if principal else None))

    HOOKS = {"artifact_event": _event}


@pytest.fixture(scope="module")
def server():
    with FakeHarbor(registry=True, auth_fail_delay=0.05, extra_modules=[_Events]) as fake:
        yield fake


@pytest.fixture
def harbor(server):
    server.reset()
    del _Events.events[:]
    return server


@pytest.fixture
def image(tmp_path):
    def build(tag="v1", **files):
        directory = str(tmp_path / ("img-%s-%d" % (tag, len(os.listdir(str(tmp_path))))))
        files = files or {"etc/hello": "hello %s" % tag}
        digest = build_image(directory, files, tag=tag)
        return "oci:%s:%s" % (directory, tag), digest
    return build


def host(server):
    return server.url.split("://", 1)[1]


def push(server, source, target, creds=ADMIN):
    return skopeo_copy(source, "docker://%s/%s" % (host(server), target), dest_creds=creds, tls_verify=False)


def pull(server, target, tmp_path, creds=ADMIN):
    return skopeo_copy("docker://%s/%s" % (host(server), target), "oci:%s:x" % (tmp_path / "pulled"),
                       src_creds=creds, tls_verify=False)


def api(server, path, **kwargs):
    return requests.get(server.api_url + path, auth=ADMIN, timeout=10, **kwargs)


def api_write(server, method, path, body=None):
    return requests.request(method, server.api_url + path, json=body, auth=ADMIN, timeout=10)


def wait_for(read, done, attempts=20, timeout=10):
    """Read until ``done(value)``, at least ``attempts`` times or ``timeout`` seconds: the fake's jobs end by
    themselves after a short time (resources/executions.py)."""
    deadline = time.monotonic() + timeout
    reads = 0
    while True:
        value = read()
        reads += 1
        if done(value):
            return value
        if reads >= attempts and time.monotonic() > deadline:
            raise AssertionError("not done after %d reads and %d seconds: %r" % (reads, timeout, value))
        time.sleep(0.05)


def scan(server, project, repository, reference):
    path = "/projects/%s/repositories/%s/artifacts/%s" % (project, repository, reference)
    assert api_write(server, "POST", path + "/scan").status_code == 202
    native = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
    return wait_for(lambda: api(server, path, params={"with_scan_overview": "true"},
                                headers={"X-Accept-Vulnerabilities": native}).json(),
                    lambda a: a.get("scan_overview", {}).get(native, {}).get("scan_status") == "Success")


def test_a_push_becomes_an_artifact_with_its_tag_size_and_quota(harbor, image):
    source, digest = image("v1", **packages_file(OPENSSL))
    result = push(harbor, source, "library/app:v1")
    assert result.returncode == 0, result.stderr
    artifacts = api(harbor, "/projects/library/repositories/app/artifacts").json()
    assert [a["digest"] for a in artifacts] == [digest]
    assert [t["name"] for t in artifacts[0]["tags"]] == ["v1"]
    stored = harbor.state.artifacts[artifacts[0]["id"]]
    assert stored["packages"] == OPENSSL
    quota = api(harbor, "/quotas", params={"reference": "project", "reference_id": 1}).json()[0]
    assert quota["used"]["storage"] == artifacts[0]["size"] > 0
    assert ("PUSH_ARTIFACT", "library", "library/app", "v1", "admin") in _Events.events


def test_a_pull_sets_pull_times_and_raises_an_event(harbor, image, tmp_path):
    source, _digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    result = pull(harbor, "library/app:v1", tmp_path)
    assert result.returncode == 0, result.stderr
    artifact = api(harbor, "/projects/library/repositories/app/artifacts/v1").json()
    assert artifact["pull_time"] and artifact["tags"][0]["pull_time"]
    assert api(harbor, "/projects/library/repositories/app").json()["pull_count"] == 1
    assert ("PULL_ARTIFACT", "library", "library/app", "v1", "admin") in _Events.events


def test_visibility_anonymous_pulls_public_only_and_never_pushes(harbor, image, tmp_path):
    requests.post(harbor.api_url + "/projects", json={"project_name": "private"}, auth=ADMIN, timeout=10)
    source, _digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    assert push(harbor, source, "private/app:v1").returncode == 0
    assert pull(harbor, "library/app:v1", tmp_path, creds=None).returncode == 0
    denied = pull(harbor, "private/app:v1", tmp_path, creds=None)
    assert denied.returncode != 0 and "unauthorized" in denied.stderr.lower()
    assert push(harbor, source, "library/other:v1", creds=None).returncode != 0


def test_members_push_by_role(harbor, image, tmp_path):
    requests.post(harbor.api_url + "/projects", json={"project_name": "team"}, auth=ADMIN, timeout=10)
    for name in ("dev", "guest"):
        requests.post(harbor.url + "/_fake/users", json={"username": name, "password": "Passw0rd1"}, timeout=10)
    state = harbor.state
    team = next(p for p in state.projects.values() if p["name"] == "team")
    for name, role in (("dev", ROLE_DEVELOPER), ("guest", ROLE_GUEST)):
        user = next(u for u in state.users.values() if u["username"] == name)
        state.members.append({"id": state.next_id("member"), "project_id": team["project_id"], "entity_type": "u",
                              "entity_id": user["user_id"], "role_id": role})
    source, _digest = image("v1")
    assert push(harbor, source, "team/app:v1", creds=("dev", "Passw0rd1")).returncode == 0
    assert push(harbor, source, "team/app:v2", creds=("guest", "Passw0rd1")).returncode != 0
    assert pull(harbor, "team/app:v1", tmp_path, creds=("guest", "Passw0rd1")).returncode == 0


def test_robot_permissions_are_enforced(harbor, image, tmp_path):
    source, _digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    created = api_write(harbor, "POST", "/robots", {
        "name": "puller", "level": "project", "duration": 30,
        "permissions": [{"kind": "project", "namespace": "library",
                         "access": [{"resource": "repository", "action": "pull"}]}]})
    assert created.status_code == 201, created.text
    robot = (created.json()["name"], created.json()["secret"])
    assert pull(harbor, "library/app:v1", tmp_path, creds=robot).returncode == 0
    refused = push(harbor, source, "library/app:v2", creds=robot)
    assert refused.returncode != 0
    assert [t["name"] for t in api(harbor, "/projects/library/repositories/app/artifacts/v1").json()["tags"]] == ["v1"]


def test_wrong_credentials_are_refused_by_the_token_service(harbor, image):
    source, _digest = image("v1")
    result = push(harbor, source, "library/app:v1", creds=("admin", "wrong"))
    assert result.returncode != 0
    scope = {"service": "harbor-registry", "scope": "repository:library/app:pull"}
    token = requests.get(harbor.url + "/service/token", params=scope, auth=("admin", "wrong"), timeout=10)
    assert token.status_code == 401


def test_an_immutable_tag_cannot_be_overwritten(harbor, image):
    first, _digest = image("v1", **{"etc/a": "one"})
    second, _digest2 = image("v1", **{"etc/a": "two"})
    assert push(harbor, first, "library/app:v1").returncode == 0
    rule = {"disabled": False, "action": "immutable", "template": "immutable_template",
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v1"}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}}
    assert api_write(harbor, "POST", "/projects/library/immutabletagrules", rule).status_code == 201
    refused = push(harbor, second, "library/app:v1")
    assert refused.returncode != 0 and "immutable" in refused.stderr
    assert push(harbor, second, "library/app:v2").returncode == 0


def test_the_vulnerability_gate_blocks_pulls_until_allowlisted(harbor, image, tmp_path):
    api_write(harbor, "POST", "/projects", {"project_name": "production", "metadata": {
        "prevent_vul": "true", "severity": "high"}})
    source, _digest = image("v1", **packages_file(OPENSSL))
    assert push(harbor, source, "production/app:v1").returncode == 0
    assert pull(harbor, "production/app:v1", tmp_path).returncode == 0  # not scanned yet
    scan(harbor, "production", "app", "v1")
    refused = pull(harbor, "production/app:v1", tmp_path)
    assert refused.returncode != 0 and "cannot be pulled due to configured policy" in refused.stderr
    assert "High" in refused.stderr
    assert api_write(harbor, "PUT", "/projects/production", {
        "cve_allowlist": {"items": [{"cve_id": "CVE-2024-0001"}]}}).status_code == 200
    assert pull(harbor, "production/app:v1", tmp_path).returncode == 0


def test_auto_scan_scans_on_push(harbor, image):
    api_write(harbor, "POST", "/projects", {"project_name": "scanned", "metadata": {"auto_scan": "true"}})
    source, _digest = image("v1", **packages_file(OPENSSL))
    assert push(harbor, source, "scanned/app:v1").returncode == 0
    native = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
    overview = wait_for(lambda: api(harbor, "/projects/scanned/repositories/app/artifacts/v1",
                                    params={"with_scan_overview": "true"},
                                    headers={"X-Accept-Vulnerabilities": native}).json()["scan_overview"][native],
                        lambda o: o["scan_status"] == "Success")
    assert overview["summary"]["summary"] == {"Critical": 1}


@pytest.mark.parametrize("payload_format", ["Default", "CloudEvents"])
def test_push_and_pull_events_reach_webhooks(harbor, image, tmp_path, payload_format):
    policy = {"name": "ci", "enabled": True, "event_types": ["PUSH_ARTIFACT", "PULL_ARTIFACT"],
              "targets": [{"type": "http", "address": harbor.url + "/_fake/receiver/ci",
                           "auth_header": "Bearer hook-secret", "payload_format": payload_format}]}
    assert api_write(harbor, "POST", "/projects/library/webhook/policies", policy).status_code == 201
    source, digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    assert pull(harbor, "library/app:v1", tmp_path).returncode == 0
    received = wait_for(lambda: requests.get(harbor.url + "/_fake/received", timeout=10).json()["received"],
                        lambda items: len(items) >= 2, attempts=200)
    assert {r["authorization"] for r in received} == {"Bearer hook-secret"}
    bodies = sorted((r["body"] for r in received), key=lambda b: b.get("type"))
    if payload_format == "Default":
        assert [b["type"] for b in bodies] == ["PULL_ARTIFACT", "PUSH_ARTIFACT"]
        resource = bodies[1]["event_data"]["resources"][0]
        assert bodies[1]["operator"] == "admin"
        assert bodies[1]["event_data"]["repository"]["repo_full_name"] == "library/app"
    else:
        assert [b["type"] for b in bodies] == ["harbor.artifact.pulled", "harbor.artifact.pushed"]
        assert all(b["specversion"] == "1.0" for b in bodies)
        resource = bodies[1]["data"]["resources"][0]
    assert resource["digest"] == digest and resource["tag"] == "v1"
    assert resource["resource_url"].endswith("/library/app:v1")


def test_gc_frees_what_the_registry_storage_loses(harbor, image):
    source, digest = image("v1", **{"big.bin": os.urandom(300000)})
    assert push(harbor, source, "library/app:v1").returncode == 0
    assert api_write(harbor, "DELETE", "/projects/library/repositories/app/artifacts/" + digest).status_code == 200
    before = harbor.registry.distribution.storage_bytes()
    started = api_write(harbor, "POST", "/system/gc/schedule", {"schedule": {"type": "Manual"}})
    assert started.status_code == 201
    gc_id = started.headers["Location"].rsplit("/", 1)[1]
    run = wait_for(lambda: api(harbor, "/system/gc/" + gc_id).json(), lambda r: r["job_status"] == "Success")
    freed = json.loads(run["job_parameters"])["freed_space"]
    assert freed == before - harbor.registry.distribution.storage_bytes() > 300000


def test_api_delete_removes_the_manifest_and_gc_frees_the_blobs(harbor, image, tmp_path):
    source, digest = image("v1", **{"big.bin": os.urandom(200000)})
    assert push(harbor, source, "library/app:v1").returncode == 0
    deleted = requests.delete(harbor.api_url + "/projects/library/repositories/app/artifacts/" + digest,
                              auth=ADMIN, timeout=10)
    assert deleted.status_code == 200
    assert pull(harbor, "library/app@" + digest, tmp_path).returncode != 0
    before = harbor.registry.distribution.storage_bytes()
    freed = harbor.hooks.first("registry_garbage_collect", harbor.state, False, False)
    after = harbor.registry.distribution.storage_bytes()
    assert freed == before - after
    assert freed > 200000  # the (incompressible) layer itself is gone from the registry storage


def test_tags_are_resolved_by_harbor_not_by_distribution(harbor, image, tmp_path):
    source, _digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    tags = harbor.api_url + "/projects/library/repositories/app/artifacts/v1/tags"
    assert requests.post(tags, json={"name": "stable"}, auth=ADMIN, timeout=10).status_code == 201
    assert pull(harbor, "library/app:stable", tmp_path).returncode == 0
    assert requests.delete(tags + "/v1", auth=ADMIN, timeout=10).status_code == 200
    gone = pull(harbor, "library/app:v1", tmp_path)
    assert gone.returncode != 0 and "manifest unknown" in gone.stderr


# ---------------------------------------------------------------- /v2/_catalog

def catalog(server, **kwargs):
    return requests.get(server.url + "/v2/_catalog", timeout=10, **kwargs)


def catalog_robot(server, name, pairs):
    with server.lock:
        robot = robots.add_robot(server.state, name, permissions=[{"kind": "system", "namespace": "/", "access": [
            {"resource": resource, "action": action} for resource, action in pairs]}])
        return robots.full_name(server.state, robot), robot["secret"]


def test_catalog_lists_harbors_repositories_with_paging(harbor, image):
    assert catalog(harbor, auth=ADMIN).text == '{"repositories":null}\n'  # Go's nil slice
    requests.post(harbor.api_url + "/projects", json={"project_name": "team"}, auth=ADMIN, timeout=10)
    source, _digest = image("v1")
    for target in ("library/web:v1", "team/app:v1", "library/app:v1"):
        assert push(harbor, source, target).returncode == 0
    requests.post(harbor.url + "/_fake/repositories", json={"project": "team", "name": "seeded"}, timeout=10)
    listed = catalog(harbor, auth=ADMIN)
    assert listed.status_code == 200 and listed.headers["Content-Type"] == "application/json; charset=utf-8"
    assert listed.json() == {"repositories": ["library/app", "library/web", "team/app", "team/seeded"]}
    assert "Link" not in listed.headers
    first = catalog(harbor, auth=ADMIN, params={"n": "2"})
    assert first.json() == {"repositories": ["library/app", "library/web"]}
    assert first.headers["Link"] == '</v2/_catalog?last=library%2Fweb&n=2>; rel="next"'
    second = catalog(harbor, auth=ADMIN, params={"n": "2", "last": "library/web"})
    assert second.json() == {"repositories": ["team/app", "team/seeded"]} and "Link" not in second.headers
    assert catalog(harbor, auth=ADMIN, params={"n": "0"}).json() == {"repositories": []}
    for params, message in (({"n": "-1"}, "the N must be a positive int type"),
                            ({"n": "two"}, "the N must be a positive int type"),
                            ({"n": "1", "last": "library/nope"},
                             "the last: library/nope should be a valid repository name.")):
        refused = catalog(harbor, auth=ADMIN, params=params)
        assert refused.status_code == 400 and refused.json()["errors"][0]["message"] == message
    # an API delete keeps the (now empty) repository in Harbor's store, and so in the catalog
    assert api_write(harbor, "DELETE", "/projects/library/repositories/web/artifacts/v1").status_code == 200
    assert "library/web" in catalog(harbor, auth=ADMIN).json()["repositories"]


def test_catalog_needs_the_system_catalog_permission_and_basic_auth(harbor, image):
    source, _digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    requests.post(harbor.url + "/_fake/users", json={"username": "alice", "password": "Passw0rd1"}, timeout=10)
    lister = catalog_robot(harbor, "lister", [("catalog", "read")])
    other = catalog_robot(harbor, "other", [("project", "list")])
    assert catalog(harbor, auth=lister).json() == {"repositories": ["library/app"]}
    anonymous = catalog(harbor)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == (
        'Bearer realm="%s/service/token",service="harbor-registry",scope="registry:catalog:*"' % harbor.url)
    assert anonymous.json() == {"errors": [{"code": "UNAUTHORIZED", "message":
                                            "unauthorized to list catalog: unauthorized to list catalog"}]}
    for creds in (("alice", "Passw0rd1"), other, ("admin", "wrong")):
        refused = catalog(harbor, auth=creds)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == 'Basic realm="harbor"'
    # a bearer token never reads the catalog, not even an admin's (v2token security context)
    token = requests.get(harbor.url + "/service/token", auth=ADMIN, timeout=10,
                         params={"service": "harbor-registry", "scope": "registry:catalog:*"}).json()["token"]
    with_token = catalog(harbor, headers={"Authorization": "Bearer " + token})
    assert with_token.status_code == 401 and with_token.headers["WWW-Authenticate"] == 'Basic realm="harbor"'


def test_registry_pushes_and_pulls_are_audited(harbor, image, tmp_path):
    source, digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    assert push(harbor, source, "library/app@" + digest).returncode == 0
    assert pull(harbor, "library/app:v1", tmp_path, creds=None).returncode == 0
    logs = api(harbor, "/auditlog-exts", params={"sort": "op_time"}).json()
    assert [(log["operation"], log["resource"], log["username"]) for log in logs] == [
        ("create", "library/app:v1", "admin"), ("create", "library/app:" + digest, "admin"),
        ("pull", "library/app:v1", "anonymous")]
    assert [log["operation_description"] for log in logs][-1] == "pull artifact with name: library/app:v1"


def test_system_volumes_measure_the_registry_storage(harbor, image):
    source, _digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    stat = os.statvfs(harbor.registry.distribution.storage)
    storage = api(harbor, "/systeminfo/volumes").json()["storage"][0]
    assert storage["total"] == stat.f_blocks * stat.f_bsize and 0 < storage["free"] <= storage["total"]


def test_a_manifest_head_carries_its_content_type_and_digest(harbor, image):
    """Docker pulls by tag with a HEAD of the manifest first and refuses an answer without Content-Type."""
    source, digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    token = requests.get(harbor.url + "/service/token", auth=ADMIN, timeout=10, params={
        "service": "harbor-registry", "scope": "repository:library/app:pull"}).json()["token"]
    head = requests.head(harbor.url + "/v2/library/app/manifests/v1", timeout=10, headers={
        "Authorization": "Bearer " + token, "Accept": "application/vnd.oci.image.manifest.v1+json"})
    assert head.status_code == 200
    assert head.headers["Content-Type"] == "application/vnd.oci.image.manifest.v1+json"
    assert head.headers["Docker-Content-Digest"] == digest and int(head.headers["Content-Length"]) > 0
