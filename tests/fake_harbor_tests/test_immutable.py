"""Tag immutability rules of the fake (api-notes §7) and their effect on tags and artifacts."""

import pytest
import requests

from .conftest import request_violations

NAME = {"X-Is-Resource-Name": "true"}
PATH = "/projects/team/immutabletagrules"


def seed(server, repository, tags):
    body = dict(project="team", repository=repository, tags=tags)
    resp = requests.post(server.url + "/_fake/artifacts", json=body, verify=server.ca_path or True, timeout=10)
    assert resp.status_code == 201, resp.text


def rule(pattern="v*", repos="**", decoration="matches", repo_decoration="repoMatches", disabled=False):
    return {"disabled": disabled, "action": "immutable", "template": "immutable_template",
            "tag_selectors": [{"kind": "doublestar", "decoration": decoration, "pattern": pattern}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": repo_decoration, "pattern": repos}]}}


@pytest.fixture
def team(harbor_api):
    assert harbor_api.post("/projects", json={"project_name": "team"}).status_code == 201


def create(harbor_api, body):
    resp = harbor_api.post(PATH, json=body, headers=NAME)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].startswith("/api/v2.0" + PATH + "/")
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_create_list_and_identical_rule_conflict(fake_harbor, harbor_api, team):
    rule_id = create(harbor_api, rule())
    listed = harbor_api.get(PATH, headers=NAME)
    assert listed.headers["X-Total-Count"] == "1"
    assert listed.json()[0]["id"] == rule_id and listed.json()[0]["tag_selectors"][0]["pattern"] == "v*"
    duplicate = harbor_api.post(PATH, json=rule(), headers=NAME)
    assert duplicate.status_code == 409 and "already exists" in duplicate.text
    assert harbor_api.post(PATH, json=rule(repos="app"), headers=NAME).status_code == 201
    assert request_violations(fake_harbor) == []


def test_put_needs_the_path_id_in_the_body(harbor_api, team):
    rule_id = create(harbor_api, rule())
    wrong = harbor_api.put("%s/%d" % (PATH, rule_id), json=dict(rule(disabled=True)), headers=NAME)
    assert wrong.status_code == 400
    right = harbor_api.put("%s/%d" % (PATH, rule_id), json=dict(rule(disabled=True), id=rule_id), headers=NAME)
    assert right.status_code == 200
    assert harbor_api.get(PATH, headers=NAME).json()[0]["disabled"] is True
    assert harbor_api.put("%s/%d" % (PATH, rule_id + 9), json=dict(rule(), id=rule_id + 9), headers=NAME).status_code == 404


def test_selector_kind_must_be_doublestar(harbor_api, team):
    body = rule()
    body["tag_selectors"][0]["kind"] = "regexp"
    assert harbor_api.post(PATH, json=body, headers=NAME).status_code == 400


def test_immutable_tags_cannot_be_deleted(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["v1"])
    seed(fake_harbor, "app", ["dev"])
    seed(fake_harbor, "db", ["v1"])
    rule_id = create(harbor_api, rule("v*", repos="app"))
    assert harbor_api.delete("/projects/team/repositories/app/artifacts/v1/tags/v1").status_code == 412
    assert harbor_api.delete("/projects/team/repositories/app/artifacts/v1").status_code == 412
    tags = harbor_api.get("/projects/team/repositories/app/artifacts/v1/tags", params={"with_immutable_status": True})
    assert tags.json()[0]["immutable"] is True
    assert harbor_api.delete("/projects/team/repositories/app/artifacts/dev").status_code == 200
    assert harbor_api.delete("/projects/team/repositories/db/artifacts/v1").status_code == 200
    # a disabled rule is not enforced
    body = dict(rule("v*", repos="app", disabled=True), id=rule_id)
    assert harbor_api.put("%s/%d" % (PATH, rule_id), json=body, headers=NAME).status_code == 200
    assert harbor_api.delete("/projects/team/repositories/app/artifacts/v1").status_code == 200


def test_excludes_decorations(fake_harbor, harbor_api, team):
    seed(fake_harbor, "app", ["v1"])
    seed(fake_harbor, "app", ["dev"])
    create(harbor_api, rule("v*", decoration="excludes", repos="db", repo_decoration="repoExcludes"))
    assert harbor_api.delete("/projects/team/repositories/app/artifacts/dev").status_code == 412
    assert harbor_api.delete("/projects/team/repositories/app/artifacts/v1").status_code == 200


def test_delete_rule(harbor_api, team):
    rule_id = create(harbor_api, rule())
    assert harbor_api.delete("%s/%d" % (PATH, rule_id), headers=NAME).status_code == 200
    assert harbor_api.delete("%s/%d" % (PATH, rule_id), headers=NAME).status_code == 404
    assert harbor_api.get(PATH, headers=NAME).json() == []
