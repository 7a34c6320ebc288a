"""Repositories, artifacts and tags (seeded through /_fake/artifacts, read through Harbor's API)."""

import requests

from .conftest import request_violations


def seed(server, repository, tags, project="library", **extra):
    body = dict(project=project, repository=repository, tags=tags, **extra)
    resp = requests.post(server.url + "/_fake/artifacts", json=body, verify=server.ca_path or True, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_seeded_artifacts_are_listed_with_tags_newest_first(fake_harbor, harbor_api):
    seed(fake_harbor, "app", ["v1"], push_time="2026-01-01T00:00:00.000Z", size=100)
    seed(fake_harbor, "app", ["v2", "latest"], push_time="2026-02-01T00:00:00.000Z", size=200)
    resp = harbor_api.get("/projects/library/repositories/app/artifacts")
    assert resp.status_code == 200 and resp.headers["X-Total-Count"] == "2"
    assert [[t["name"] for t in a["tags"]] for a in resp.json()] == [["v2", "latest"], ["v1"]]
    assert resp.json()[0]["repository_name"] == "library/app"
    assert request_violations(fake_harbor) == []


def test_artifact_by_tag_and_by_digest(fake_harbor, harbor_api):
    digest = seed(fake_harbor, "app", ["v1"])["digest"]
    by_tag = harbor_api.get("/projects/library/repositories/app/artifacts/v1").json()
    by_digest = harbor_api.get("/projects/library/repositories/app/artifacts/" + digest).json()
    assert by_tag["id"] == by_digest["id"] and by_tag["digest"] == digest
    assert harbor_api.get("/projects/library/repositories/app/artifacts/v9").status_code == 404


def test_repository_names_with_a_slash_are_encoded_twice(fake_harbor, harbor_api):
    seed(fake_harbor, "team/app", ["v1"])
    assert harbor_api.get("/projects/library/repositories/team%252Fapp/artifacts/v1").status_code == 200
    repos = harbor_api.get("/projects/library/repositories").json()
    assert [r["name"] for r in repos] == ["library/team/app"]
    assert repos[0]["artifact_count"] == 1


def test_a_tag_moves_to_the_newest_artifact(fake_harbor, harbor_api):
    first = seed(fake_harbor, "app", ["latest"], size=1)
    second = seed(fake_harbor, "app", ["latest"], size=2)
    assert first["digest"] != second["digest"]
    artifacts = harbor_api.get("/projects/library/repositories/app/artifacts").json()
    tagged = [a["digest"] for a in artifacts if a.get("tags")]
    assert tagged == [second["digest"]]


def test_tags_are_added_and_deleted(fake_harbor, harbor_api):
    seed(fake_harbor, "app", ["v1"])
    assert harbor_api.post("/projects/library/repositories/app/artifacts/v1/tags", json={"name": "stable"}).status_code == 201
    assert harbor_api.post("/projects/library/repositories/app/artifacts/v1/tags",
                           json={"name": "stable"}).status_code == 409
    tags = harbor_api.get("/projects/library/repositories/app/artifacts/v1/tags").json()
    assert sorted(t["name"] for t in tags) == ["stable", "v1"]
    assert harbor_api.delete("/projects/library/repositories/app/artifacts/v1/tags/stable").status_code == 200
    assert harbor_api.delete("/projects/library/repositories/app/artifacts/v1/tags/stable").status_code == 404


def test_deleting_artifacts_and_repositories_frees_quota(fake_harbor, harbor_api):
    harbor_api.post("/projects", json={"project_name": "team"})
    seed(fake_harbor, "app", ["v1"], project="team", size=1000)
    seed(fake_harbor, "db", ["v1"], project="team", size=500)
    project_id = harbor_api.get("/projects/team", headers={"X-Is-Resource-Name": "true"}).json()["project_id"]

    def used():
        quota = harbor_api.get("/quotas", params={"reference": "project", "reference_id": project_id}).json()[0]
        return quota["used"]["storage"]

    assert used() == 1500
    assert harbor_api.delete("/projects/team/repositories/app/artifacts/v1").status_code == 200
    assert used() == 500
    assert harbor_api.delete("/projects/team/repositories/db").status_code == 200
    assert used() == 0
    # Harbor keeps a repository whose last artifact was deleted (goharbor/harbor#18313)
    repos = harbor_api.get("/projects/team/repositories").json()
    assert [(r["name"], r["artifact_count"]) for r in repos] == [("team/app", 0)]


def test_private_repositories_need_membership(fake_harbor, harbor_api):
    harbor_api.post("/projects", json={"project_name": "secret", "metadata": {"public": "false"}})
    seed(fake_harbor, "app", ["v1"], project="secret")
    assert requests.get(fake_harbor.api_url + "/projects/secret/repositories", timeout=10).status_code == 401
    public = requests.get(fake_harbor.api_url + "/projects/library/repositories", timeout=10)
    assert public.status_code == 200
