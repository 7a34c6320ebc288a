"""The registry protocol through the fake: real skopeo pushes and pulls, a real distribution registry behind."""

import os

import pytest
import requests

from tests.fake_harbor.framework.auth import ROLE_DEVELOPER, ROLE_GUEST, Principal
from tests.fake_harbor.framework.routing import RouteTable
from tests.fake_harbor.oci import build_image, packages_file, skopeo, skopeo_copy
from tests.fake_harbor.registry import registry_binary
from tests.fake_harbor.server import FakeHarbor

from .conftest import ADMIN

pytestmark = pytest.mark.skipif(
    registry_binary() is None or skopeo() is None,
    reason="registry protocol tests need Debian's docker-registry and skopeo (make test installs them)")

OPENSSL = [{"name": "openssl", "version": "3.0.1",
            "vulnerabilities": [{"id": "CVE-2024-0001", "severity": "Critical", "fix_version": "3.0.2"}]}]


class _Extras:
    """Test-only hook providers: a robot, immutable tags, a pull gate and an event recorder."""

    ROUTES = RouteTable()
    ROBOT = {"name": "robot$library+puller", "level": "project",
             "permissions": [{"kind": "project", "namespace": "library",
                              "access": [{"resource": "repository", "action": "pull"}]}]}
    immutable = set()
    denied = set()
    events = []

    @staticmethod
    def _robot(_state, username, secret):
        if username == "robot$library+puller" and secret == "Puller123":
            return Principal.robot_principal(username, _Extras.ROBOT)
        return None

    @staticmethod
    def _tag_immutable(_state, _project, repository, tag):
        return (repository, tag) in _Extras.immutable

    @staticmethod
    def _pull_denied(_state, _project, artifact):
        return "blocked by policy" if artifact["digest"] in _Extras.denied else None

    @staticmethod
    def _event(_state, event_type, project, artifact, tag, principal):
        _Extras.events.append((event_type, project["name"], artifact["repository_name"], tag, principal.username))

    HOOKS = {"authenticate_robot": _robot, "tag_immutable": _tag_immutable, "artifact_pull_denied": _pull_denied,
             "artifact_event": _event}


@pytest.fixture(scope="module")
def server():
    with FakeHarbor(registry=True, auth_fail_delay=0.05, extra_modules=[_Extras]) as fake:
        yield fake


@pytest.fixture
def harbor(server):
    server.reset()
    _Extras.immutable.clear()
    _Extras.denied.clear()
    del _Extras.events[:]
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
    assert ("PUSH_ARTIFACT", "library", "library/app", "v1", "admin") in _Extras.events


def test_a_pull_sets_pull_times_and_raises_an_event(harbor, image, tmp_path):
    source, _digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    result = pull(harbor, "library/app:v1", tmp_path)
    assert result.returncode == 0, result.stderr
    artifact = api(harbor, "/projects/library/repositories/app/artifacts/v1").json()
    assert artifact["pull_time"] and artifact["tags"][0]["pull_time"]
    assert api(harbor, "/projects/library/repositories/app").json()["pull_count"] == 1
    assert ("PULL_ARTIFACT", "library", "library/app", "v1", "admin") in _Extras.events


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
    robot = ("robot$library+puller", "Puller123")
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
    _Extras.immutable.add(("app", "v1"))
    refused = push(harbor, second, "library/app:v1")
    assert refused.returncode != 0 and "immutable" in refused.stderr
    assert push(harbor, second, "library/app:v2").returncode == 0


def test_a_pull_can_be_denied_by_policy(harbor, image, tmp_path):
    source, digest = image("v1")
    assert push(harbor, source, "library/app:v1").returncode == 0
    _Extras.denied.add(digest)
    refused = pull(harbor, "library/app:v1", tmp_path)
    assert refused.returncode != 0 and "blocked by policy" in refused.stderr


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
