"""Labels on artifacts, accessories, additions, copying artifacts and the artifacts of a project
(resources/artifacts.py)."""

import itertools

import pytest
import requests

from tests.fake_harbor.pytest_plugin import ApiClient

from .conftest import request_violations

BOTH = pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
APP = "/projects/library/repositories/app/artifacts"
_ROBOTS = itertools.count()


def seed(server, repository, tags, project="library", **extra):
    resp = requests.post(server.url + "/_fake/artifacts", json=dict(project=project, repository=repository, tags=tags,
                                                                    **extra), timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()


def accessory(server, subject, kind="signature.cosign", repository="app", project="library", **extra):
    body = dict(project=project, repository=repository, subject=subject, type=kind, **extra)
    resp = requests.post(server.url + "/_fake/accessories", json=body, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()


def message(resp):
    return resp.json()["errors"][0]["message"]


def robot(server, api, namespace, access):
    name = "ci%d" % next(_ROBOTS)
    body = {"name": name, "level": "project", "duration": 30,
            "permissions": [{"kind": "project", "namespace": namespace, "access": access}]}
    resp = api.post("/robots", json=body)
    assert resp.status_code == 201, resp.text
    return ApiClient(server, auth=(resp.json()["name"], resp.json()["secret"]))


@pytest.fixture
def team(harbor_api):
    assert harbor_api.post("/projects", json={"project_name": "team"}).status_code == 201
    return harbor_api.get("/projects/team").json()["project_id"]


def label(api, name, scope="g", project_id=None):
    body = {"name": name, "scope": scope}
    if project_id:
        body["project_id"] = project_id
    resp = api.post("/labels", json=body)
    assert resp.status_code == 201, resp.text
    return int(resp.headers["Location"].rsplit("/", 1)[1])


# ---------------------------------------------------------------- labels

@BOTH
def test_add_and_remove_labels(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["v1"])
    release = label(harbor_api, "release")
    library_label = label(harbor_api, "qa", scope="p", project_id=1)
    team_label = label(harbor_api, "team-only", scope="p", project_id=team)
    assert harbor_api.post(APP + "/v1/labels", json={"id": release}).status_code == 200
    assert harbor_api.post(APP + "/v1/labels", json={"id": library_label}).status_code == 200
    again = harbor_api.post(APP + "/v1/labels", json={"id": release})
    assert again.status_code == 409
    foreign = harbor_api.post(APP + "/v1/labels", json={"id": team_label})
    assert foreign.status_code == 404 and message(foreign) == "project id 1, label %d not found" % team_label
    assert harbor_api.post(APP + "/v1/labels", json={"id": 99}).status_code == 404
    assert harbor_api.post(APP + "/v9/labels", json={"id": release}).status_code == 404
    listed = harbor_api.get(APP, params={"with_label": "true"}).json()[0]
    assert [lb["name"] for lb in listed["labels"]] == ["release", "qa"]
    assert "labels" not in harbor_api.get(APP + "/v1").json()  # only with with_label
    assert harbor_api.delete(APP + "/v1/labels/%d" % release).status_code == 200
    assert harbor_api.delete(APP + "/v1/labels/%d" % release).status_code == 404
    # deleting a label takes it off its artifacts
    assert harbor_api.delete("/labels/%d" % library_label).status_code == 200
    assert harbor_api.get(APP + "/v1", params={"with_label": "true"}).json()["labels"] == []
    assert request_violations(fake_harbor) == []


def test_label_permissions(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["v1"], project="team")
    release = label(harbor_api, "release")
    path = "/projects/team/repositories/app/artifacts/v1/labels"
    # the project is looked up before any permission check
    missing = requests.post(fake_harbor.api_url + "/projects/nowhere/repositories/app/artifacts/v1/labels",
                            json={"id": release}, timeout=10)
    assert missing.status_code == 404
    assert requests.post(fake_harbor.api_url + path, json={"id": release}, timeout=10).status_code == 401
    reader = robot(fake_harbor, harbor_api, "team", [{"resource": "artifact", "action": "read"}])
    assert reader.post(path, json={"id": release}).status_code == 403
    labeller = robot(fake_harbor, harbor_api, "team", [{"resource": "artifact-label", "action": "create"}])
    assert labeller.post(path, json={"id": release}).status_code == 200
    assert labeller.delete(path + "/%d" % release).status_code == 403  # delete is another permission


# ---------------------------------------------------------------- accessories

@BOTH
def test_accessories(fake_harbor, harbor_api):
    digest = seed(fake_harbor, "app", ["v1"])["digest"]
    assert harbor_api.get(APP + "/v1/accessories").json() == []
    signature = accessory(fake_harbor, "v1", size=300)
    sbom = accessory(fake_harbor, digest, kind="harbor.sbom")
    listed = harbor_api.get(APP + "/v1/accessories")
    assert listed.headers["X-Total-Count"] == "2"
    first = listed.json()[0]
    assert first["type"] == "signature.cosign" and first["size"] == 300 and first["digest"] == signature["digest"]
    assert first["subject_artifact_digest"] == digest and first["subject_artifact_repo"] == "library/app"
    assert first["icon"] == ""  # x-omitempty: false
    only_sbom = harbor_api.get(APP + "/v1/accessories", params={"q": "type=harbor.sbom"}).json()
    assert [a["id"] for a in only_sbom] == [sbom["id"]]
    # accessories are shown under their subject, not as artifacts of their own
    artifacts = harbor_api.get(APP).json()
    assert [a["digest"] for a in artifacts] == [digest]
    assert [a["type"] for a in artifacts[0]["accessories"]] == ["signature.cosign", "harbor.sbom"]
    assert "accessories" not in harbor_api.get(APP + "/v1", params={"with_accessory": "false"}).json()
    # the subject takes its accessories with it
    assert harbor_api.delete(APP + "/v1").status_code == 200
    assert harbor_api.get(APP).json() == []
    assert request_violations(fake_harbor) == []


def test_accessory_seed_needs_a_subject_and_a_type(fake_harbor):
    seed(fake_harbor, "app", ["v1"])
    url = fake_harbor.url + "/_fake/accessories"
    body = {"project": "library", "repository": "app", "subject": "v1", "type": "signature.cosign"}
    assert requests.post(url, json=dict(body, subject="v9"), timeout=10).status_code == 404
    assert requests.post(url, json=dict(body, type="stamp"), timeout=10).status_code == 400


# ---------------------------------------------------------------- additions

@BOTH
def test_build_history_and_unsupported_additions(fake_harbor, harbor_api):
    history = [{"created": "2026-01-01T00:00:00Z", "created_by": "/bin/sh -c #(nop) ADD file:abc in / "}]
    seed(fake_harbor, "app", ["v1"], history=history)
    seed(fake_harbor, "app", ["bare"])
    resp = harbor_api.get(APP + "/v1/additions/build_history")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert resp.json() == history
    assert harbor_api.get(APP + "/bare/additions/build_history").json() is None  # the config has no history
    values = harbor_api.get(APP + "/v1/additions/values.yaml")
    assert values.status_code == 400
    assert message(values) == "addition VALUES.YAML isn't supported for IMAGE(manifest version 2)"
    assert harbor_api.get(APP + "/v9/additions/readme.md").status_code == 404
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("fake_harbor, status", [("2.10", 422), ("2.15", 400)], indirect=["fake_harbor"])
def test_sbom_addition_exists_in_the_2_15_spec(fake_harbor, harbor_api, status):
    seed(fake_harbor, "app", ["v1"])
    assert harbor_api.get(APP + "/v1/additions/sbom").status_code == status


def test_addition_permission(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["v1"], project="team")
    path = "/projects/team/repositories/app/artifacts/v1/additions/build_history"
    assert robot(fake_harbor, harbor_api, "team", [{"resource": "artifact", "action": "read"}]).get(
        path).status_code == 403
    assert robot(fake_harbor, harbor_api, "team", [{"resource": "artifact-addition", "action": "read"}]).get(
        path).status_code == 200


# ---------------------------------------------------------------- copy

@BOTH
def test_copy_by_tag_and_by_digest(fake_harbor, harbor_api, team):
    source = seed(fake_harbor, "app", ["v1", "stable"], size=100)
    resp = harbor_api.post("/projects/team/repositories/mirror%252Fapp/artifacts", params={"from": "library/app:v1"})
    assert resp.status_code == 201 and resp.content == b""
    assert resp.headers["Location"] == "/api/v2.0/projects/team/repositories/mirror%2Fapp/artifacts/v1"
    copied = harbor_api.get("/projects/team/repositories/mirror%252Fapp/artifacts/v1").json()
    assert copied["digest"] == source["digest"] and copied["size"] == 100 and copied["project_id"] == team
    assert sorted(t["name"] for t in copied["tags"]) == ["stable", "v1"]  # every tag of the source
    again = harbor_api.post("/projects/team/repositories/mirror%252Fapp/artifacts", params={"from": "library/app:v1"})
    assert again.status_code == 409
    by_digest = harbor_api.post("/projects/team/repositories/other/artifacts",
                                params={"from": "library/app@" + source["digest"]})
    assert by_digest.status_code == 201
    assert by_digest.headers["Location"].endswith("/repositories/other/artifacts/" + source["digest"])
    repositories = harbor_api.get("/projects/team/repositories").json()
    assert [r["name"] for r in repositories] == ["team/other", "team/mirror/app"]
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("source, status", [
    ("library/app", 404),  # no tag, no digest: no such artifact
    ("library/app:v9", 404),
    ("nowhere/app:v1", 404),  # a missing source project, for an admin
    ("Library/App:v1", 400),  # not a reference
    ("library/app@sha256:abc", 400),
    ("library/app@sha256:" + "A" * 64, 400),  # digest.Parse: lower-case hex only
])
def test_copy_from_must_name_an_artifact(fake_harbor, harbor_api, team, source, status):
    seed(fake_harbor, "app", ["v1"])
    resp = harbor_api.post("/projects/team/repositories/app/artifacts", params={"from": source})
    assert resp.status_code == status
    if status == 400:
        assert message(resp) == "invalid input: %s" % source


def test_copy_rules(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["v1"], size=2048)
    accessory(fake_harbor, "v1", size=100)
    signature = harbor_api.get(APP + "/v1/accessories").json()[0]["digest"]
    denied = harbor_api.post("/projects/team/repositories/app/artifacts", params={"from": "library/app@" + signature})
    assert denied.status_code == 403 and denied.json()["errors"][0]["code"] == "DENIED"
    # the copy brings its accessories
    assert harbor_api.post("/projects/team/repositories/app/artifacts",
                           params={"from": "library/app:v1"}).status_code == 201
    assert [a["type"] for a in harbor_api.get("/projects/team/repositories/app/artifacts/v1/accessories").json()] == [
        "signature.cosign"]
    # the destination's storage quota
    assert harbor_api.post("/projects", json={"project_name": "small", "storage_limit": 1024}).status_code == 201
    over = harbor_api.post("/projects/small/repositories/app/artifacts", params={"from": "library/app:v1"})
    assert over.status_code == 403 and over.json()["errors"][0]["code"] == "DENIED"
    assert message(over).startswith("Quota exceeded when processing the request of adding 2.1 KiB of storage")
    # the caller needs artifact:create on the destination and artifact:read on the source
    assert requests.post(fake_harbor.url + "/_fake/users", json={"username": "joe", "password": "Joe12345"},
                         timeout=10).status_code == 201
    copier = ApiClient(fake_harbor, auth=("joe", "Joe12345"))
    assert copier.post("/projects/team/repositories/x/artifacts", params={"from": "library/app:v1"}).status_code == 403
    assert harbor_api.post("/projects/team/members", json={"role_id": 2, "member_user": {"username": "joe"}}
                           ).status_code == 201  # a developer may create artifacts
    assert copier.post("/projects/team/repositories/x/artifacts", params={"from": "library/app:v1"}).status_code == 201
    assert harbor_api.put("/projects/library", json={"metadata": {"public": "false"}}).status_code == 200
    assert copier.post("/projects/team/repositories/y/artifacts", params={"from": "library/app:v1"}).status_code == 403
    assert requests.post(fake_harbor.api_url + "/projects/team/repositories/z/artifacts",
                         params={"from": "library/app:v1"}, timeout=10).status_code == 401


def test_copy_keeps_immutable_tags(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["v1"], size=1)
    seed(fake_harbor, "app", ["v1"], project="team", size=2)
    rule = {"disabled": False, "action": "immutable", "template": "immutable_template",
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v*"}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}}
    assert harbor_api.post("/projects/team/immutabletagrules", json=rule,
                           headers={"X-Is-Resource-Name": "true"}).status_code == 201
    resp = harbor_api.post("/projects/team/repositories/app/artifacts", params={"from": "library/app:v1"})
    assert resp.status_code == 412
    assert len(harbor_api.get("/projects/team/repositories/app/artifacts").json()) == 1  # nothing was copied


def test_copy_into_a_proxy_cache_project_is_405(fake_harbor, harbor_api):
    seed(fake_harbor, "app", ["v1"])
    hub = {"name": "hub", "type": "docker-hub", "url": "https://hub.docker.com"}
    assert harbor_api.post("/registries", json=hub).status_code == 201
    assert harbor_api.post("/projects", json={"project_name": "cache", "registry_id": 1}).status_code == 201
    resp = harbor_api.post("/projects/cache/repositories/app/artifacts", params={"from": "library/app:v1"})
    assert resp.status_code == 405 and message(resp) == "the operation isn't supported for a proxy cache project"


# ---------------------------------------------------------------- the artifacts of a project

@pytest.mark.parametrize("fake_harbor", ["2.15"], indirect=True)
def test_artifacts_of_a_project(fake_harbor, harbor_api):
    seed(fake_harbor, "app", ["v1"], push_time="2026-01-01T00:00:00.000Z")
    seed(fake_harbor, "app", ["v2"], push_time="2026-02-01T00:00:00.000Z")
    seed(fake_harbor, "db", ["15"], push_time="2026-01-15T00:00:00.000Z")
    resp = harbor_api.get("/projects/library/artifacts", headers={"X-Is-Resource-Name": "true"})
    assert resp.status_code == 200 and resp.headers["X-Total-Count"] == "3"
    assert [(a["repository_name"], a["tags"][0]["name"]) for a in resp.json()] == [
        ("library/app", "v2"), ("library/db", "15"), ("library/app", "v1")]
    by_id = harbor_api.get("/projects/1/artifacts", params={"q": "repository_name=library/db"}).json()
    assert [a["tags"][0]["name"] for a in by_id] == ["15"]
    latest = harbor_api.get("/projects/library/artifacts", params={"latest_in_repository": "true", "q": "type=IMAGE"})
    assert sorted(a["tags"][0]["name"] for a in latest.json()) == ["15", "v2"]
    # without type or media_type in q the flag does nothing
    assert len(harbor_api.get("/projects/library/artifacts", params={"latest_in_repository": "true"}).json()) == 3
    assert harbor_api.get("/projects/nowhere/artifacts").status_code == 404
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("fake_harbor", ["2.10"], indirect=True)
def test_artifacts_of_a_project_are_not_in_2_10(fake_harbor, harbor_api):
    seed(fake_harbor, "app", ["v1"])
    assert harbor_api.get("/projects/library/artifacts").status_code == 404
