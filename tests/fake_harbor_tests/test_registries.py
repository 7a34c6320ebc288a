"""Registry endpoints as Harbor answers them (api-notes §3 and §15.2, errata E4)."""

import pytest
import requests

from .conftest import request_violations

SECRET = "hub-Token-0123456789"
HUB = {"name": "docker-hub", "type": "docker-hub", "url": "https://hub.docker.com",
       "credential": {"type": "basic", "access_key": "ci-bot", "access_secret": SECRET}}
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"


def create(api, body):
    return api.post("/registries", json=body)


def registry_id(resp):
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_create_nested_credential_and_masked_secret(fake_harbor, harbor_api):
    resp = create(harbor_api, HUB)
    assert resp.status_code == 201 and resp.content == b""
    assert resp.headers["Location"] == "/api/v2.0/registries/1"
    got = harbor_api.get("/registries/1").json()
    assert got["credential"] == {"type": "basic", "access_key": "ci-bot", "access_secret": "*****"}
    assert got["status"] == "healthy" and "insecure" not in got and "description" not in got  # omitempty
    assert got["id"] == 1  # x-omitempty: false
    assert SECRET in fake_harbor.known_secrets()
    assert fake_harbor.violations == []


def test_the_seed_guides_flat_create_body_loses_the_credential(fake_harbor, harbor_api):
    # api-notes §15.2: POST /registries reads only the nested credential; flat keys are dropped
    resp = create(harbor_api, dict(name="aws-ecr-us-east-1", type="aws-ecr",
                  url="https://123456789.dkr.ecr.us-east-1.amazonaws.com", access_key="AKIAEXAMPLE",
                  access_secret="aws-Secret-123", insecure=False))
    assert resp.status_code == 201
    assert "credential" not in harbor_api.get("/registries/1").json()
    messages = [v["message"] for v in request_violations(fake_harbor)]
    assert "access_key in body is not defined by the schema (Harbor drops it)" in messages
    assert "access_secret in body is not defined by the schema (Harbor drops it)" in messages


def test_a_remote_that_needs_auth_is_unhealthy_without_the_credential(harbor_api):
    body = dict(HUB, url="https://auth-required.example.com")
    flat = dict((k, v) for k, v in body.items() if k != "credential")
    resp = create(harbor_api, dict(flat, access_key="ci-bot", access_secret=SECRET))
    assert resp.status_code == 400
    assert resp.json() == {"errors": [{"code": "BAD_REQUEST", "message": "the registry is unhealthy"}]}
    assert create(harbor_api, body).status_code == 201


@pytest.mark.parametrize("body, status, message", [
    (dict(HUB, url="https://unhealthy.example.com"), 400, "the registry is unhealthy"),
    (dict(HUB, url="https://registry.unreachable.test"), 400, "the registry is unhealthy"),
    (dict(HUB, type="nexus"), 400, "invalid registry type nexus"),
    (dict(HUB, url="ftp://hub.docker.com"), 400, "invalid url"),
    (dict(HUB, name=""), 400, "name is required"),
    (dict(HUB, name="x" * 65), 400, "the max length of name is 64"),
    (dict(HUB, credential={"type": "token", "access_key": "a", "access_secret": "b"}), 400, "invalid credential type"),
    (dict(HUB, type="aws-ecr", url="https://ecr.example.com"), 400, "the registry is unhealthy"),
])
def test_create_is_refused(harbor_api, body, status, message):
    resp = create(harbor_api, body)
    assert resp.status_code == status
    assert message in resp.json()["errors"][0]["message"]
    assert harbor_api.get("/registries").json() == []


def test_duplicate_name_is_409(harbor_api):
    assert create(harbor_api, HUB).status_code == 201
    resp = create(harbor_api, dict(HUB, url="https://mirror.example.com"))
    assert resp.status_code == 409 and resp.json()["errors"][0]["code"] == "CONFLICT"


def test_update_is_flat_and_partial(fake_harbor, harbor_api):
    create(harbor_api, HUB)
    resp = harbor_api.put("/registries/1", json={"description": "Docker Hub", "access_key": "ci-bot-2",
                                                 "access_secret": "new-Secret-1"})
    assert resp.status_code == 200 and resp.content == b""
    got = harbor_api.get("/registries/1").json()
    assert got["description"] == "Docker Hub" and got["url"] == "https://hub.docker.com"
    assert got["credential"] == {"type": "basic", "access_key": "ci-bot-2", "access_secret": "*****"}
    assert "new-Secret-1" in fake_harbor.known_secrets()
    assert fake_harbor.violations == []


def test_update_cannot_change_the_type(fake_harbor, harbor_api):
    create(harbor_api, HUB)
    assert harbor_api.put("/registries/1", json={"type": "quay"}).status_code == 200
    assert harbor_api.get("/registries/1").json()["type"] == "docker-hub"
    assert [v["message"] for v in request_violations(fake_harbor)] == [
        "type in body is not defined by the schema (Harbor drops it)"]


def test_update_to_an_unhealthy_remote_is_refused_and_not_stored(harbor_api):
    create(harbor_api, HUB)
    resp = harbor_api.put("/registries/1", json={"url": "https://unhealthy.example.com"})
    assert resp.status_code == 400 and resp.json()["errors"][0]["message"] == "the registry is unhealthy"
    assert harbor_api.get("/registries/1").json()["url"] == "https://hub.docker.com"


def test_update_of_a_missing_registry_is_404(harbor_api):
    assert harbor_api.put("/registries/9", json={"description": "x"}).status_code == 404


def test_ping_by_id_and_by_settings(fake_harbor, harbor_api):
    create(harbor_api, HUB)
    assert harbor_api.post("/registries/ping", json={"id": 1}).status_code == 200
    assert harbor_api.post("/registries/ping", json={"id": 1, "url": "https://unhealthy.example.com"}).status_code == 400
    assert harbor_api.post("/registries/ping", json={"id": 7}).status_code == 404
    flat = {"type": "harbor", "url": "https://auth-required.example.com", "access_key": "robot$r",
            "access_secret": "Ping-Secret-1"}
    assert harbor_api.post("/registries/ping", json=flat).status_code == 200
    assert "Ping-Secret-1" in fake_harbor.known_secrets()
    resp = harbor_api.post("/registries/ping", json=dict(flat, access_secret=None))
    assert resp.status_code == 400 and resp.json()["errors"][0]["message"] == "the registry is unhealthy"
    assert fake_harbor.violations == []


def test_list_filters_and_pages(harbor_api):
    for name in ("hub", "hub-old", "ghcr"):
        create(harbor_api, dict(HUB, name=name))
    exact = harbor_api.get("/registries", params={"q": "name=hub"})
    assert [r["name"] for r in exact.json()] == ["hub"] and exact.headers["X-Total-Count"] == "1"
    fuzzy = harbor_api.get("/registries", params={"name": "hub"})
    assert sorted(r["name"] for r in fuzzy.json()) == ["hub", "hub-old"]
    page = harbor_api.get("/registries", params={"page": 1, "page_size": 2})
    assert len(page.json()) == 2 and page.headers["X-Total-Count"] == "3" and 'rel="next"' in page.headers["Link"]


def test_only_sysadmins(fake_harbor, harbor_api):
    create(harbor_api, HUB)
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "bob", "password": "Bob12345"}, timeout=10)
    assert requests.get(fake_harbor.api_url + "/registries", auth=("bob", "Bob12345"), timeout=10).status_code == 403
    assert requests.get(fake_harbor.api_url + "/registries/1", timeout=10).status_code == 401


def test_proxy_cache_projects_through_the_get_registry_hook(harbor_api):
    create(harbor_api, HUB)
    create(harbor_api, dict(HUB, name="quay", type="quay", url="https://quay.io"))
    resp = harbor_api.post("/projects", json={"project_name": "dockerhub-cache", "registry_id": 1})
    assert resp.status_code == 201
    assert harbor_api.get("/projects/dockerhub-cache").json()["registry_id"] == 1
    summary = harbor_api.get("/projects/dockerhub-cache/summary").json()
    assert summary["registry"]["name"] == "docker-hub" and "credential" not in summary["registry"]
    refused = harbor_api.post("/projects", json={"project_name": "quay-cache", "registry_id": 2})
    assert refused.status_code == 400 and refused.json()["errors"][0]["message"] == "unsupported registry type quay"
    missing = harbor_api.post("/projects", json={"project_name": "lost-cache", "registry_id": 9})
    assert missing.status_code == 500  # errata E4


def test_delete_is_refused_while_a_proxy_cache_project_uses_it(harbor_api):
    create(harbor_api, HUB)
    harbor_api.post("/projects", json={"project_name": "dockerhub-cache", "registry_id": 1})
    resp = harbor_api.delete("/registries/1")
    assert resp.status_code == 412 and resp.json()["errors"][0]["code"] == "PRECONDITION"
    assert "dockerhub-cache" in resp.json()["errors"][0]["message"]
    assert harbor_api.delete("/projects/dockerhub-cache").status_code == 200
    assert harbor_api.delete("/registries/1").status_code == 200
    assert harbor_api.get("/registries/1").status_code == 404
    assert harbor_api.delete("/registries/1").status_code == 404


@pytest.mark.parametrize("fake_harbor, stored", [("2.15", True), ("2.14", False), ("2.10", False)], indirect=["fake_harbor"])
def test_ca_certificate_exists_from_215(fake_harbor, harbor_api, stored):
    assert create(harbor_api, dict(HUB, ca_certificate=PEM)).status_code == 201
    got = harbor_api.get("/registries/1").json()
    assert ("ca_certificate" in got) is stored
    dropped = [v for v in request_violations(fake_harbor) if "ca_certificate" in v["message"]]
    assert bool(dropped) is not stored


@pytest.mark.parametrize("fake_harbor, hidden", [("2.13", False), ("2.14", True), ("2.15", True)],
                         indirect=["fake_harbor"])
def test_adapter_list_whitelist_since_214(harbor_api, hidden):
    types = harbor_api.get("/replication/adapters").json()
    assert "docker-hub" in types and "aws-ecr" in types
    assert ("quay" not in types) is hidden and ("gitlab" not in types) is hidden


def test_registry_info(harbor_api):
    create(harbor_api, HUB)
    info = harbor_api.get("/registries/1/info").json()
    assert info["type"] == "docker-hub" and "scheduled" in info["supported_triggers"]
