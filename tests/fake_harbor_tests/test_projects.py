"""Projects, project metadata and quotas as Harbor answers them (api-notes §1, errata E4/E14)."""

import pytest
import requests

from tests.fake_harbor.framework.routing import RouteTable
from tests.fake_harbor.server import FakeHarbor

from .conftest import ADMIN


def create(api, name, **extra):
    body = {"project_name": name}
    body.update(extra)
    return api.post("/projects", json=body)


def test_create_returns_201_empty_body_and_location_path(harbor_api):
    resp = create(harbor_api, "alpha", metadata={"public": "true"})
    assert resp.status_code == 201
    assert resp.content == b""
    assert resp.headers["Location"] == "/api/v2.0/projects/2"


def test_create_with_name_in_location(harbor_api):
    resp = harbor_api.post("/projects", json={"project_name": "beta"}, headers={"X-Resource-Name-In-Location": "true"})
    assert resp.status_code == 201
    assert resp.headers["Location"] == "/api/v2.0/projects/beta"


def test_duplicate_is_409(harbor_api):
    assert create(harbor_api, "dup").status_code == 201
    resp = create(harbor_api, "dup")
    assert resp.status_code == 409
    assert resp.json()["errors"][0]["code"] == "CONFLICT"


@pytest.mark.parametrize("name", ["Upper", "a..b", "-lead", "trail-", "", "sp ace"])
def test_invalid_name_is_400_in_error_shape(harbor_api, name):
    resp = create(harbor_api, name)
    assert resp.status_code == 400
    body = resp.json()
    assert set(body) == {"errors"}
    assert body["errors"][0]["code"] == "BAD_REQUEST"
    assert set(body["errors"][0]) == {"code", "message"}


def test_metadata_public_must_be_true_or_false_on_create(harbor_api):
    resp = create(harbor_api, "pub", metadata={"public": "yes"})
    assert resp.status_code == 400
    assert "metadata.public" in resp.json()["errors"][0]["message"]
    # deprecated top-level public is honoured when metadata.public is empty
    assert create(harbor_api, "pub2", public=True).status_code == 201
    assert harbor_api.get("/projects/pub2").json()["metadata"]["public"] == "true"
    assert create(harbor_api, "pub3").status_code == 201
    assert harbor_api.get("/projects/pub3").json()["metadata"] == {"public": "false"}


def test_retention_id_rejected_on_create(harbor_api):
    resp = create(harbor_api, "ret", metadata={"retention_id": "5"})
    assert resp.status_code == 400
    assert create(harbor_api, "ret2", metadata={"retention_id": ""}).status_code == 201
    assert "retention_id" not in harbor_api.get("/projects/ret2").json()["metadata"]


def test_get_404_vs_403(fake_harbor, harbor_api):
    resp = harbor_api.get("/projects/nope")
    assert resp.status_code == 404
    assert resp.json()["errors"][0]["code"] == "NOT_FOUND"
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "bob", "password": "Bob12345"}, timeout=10)
    resp = requests.get(fake_harbor.api_url + "/projects/nope", auth=("bob", "Bob12345"), timeout=10)
    assert resp.status_code == 403
    resp = requests.get(fake_harbor.api_url + "/projects/nope", timeout=10)
    assert resp.status_code == 401


def test_is_resource_name_header(harbor_api):
    assert create(harbor_api, "123").status_code == 201  # project id 2, named "123"
    by_id = harbor_api.get("/projects/123")
    assert by_id.status_code == 404  # integer -> id 123
    by_name = harbor_api.get("/projects/123", headers={"X-Is-Resource-Name": "true"})
    assert by_name.status_code == 200
    assert by_name.json()["name"] == "123"
    assert harbor_api.get("/projects/2").json()["name"] == "123"


def test_head_project(fake_harbor, harbor_api):
    create(harbor_api, "present")
    assert harbor_api.head("/projects", params={"project_name": "present"}).status_code == 200
    assert harbor_api.head("/projects", params={"project_name": "absent"}).status_code == 404
    anon = requests.head(fake_harbor.api_url + "/projects", params={"project_name": "present"}, timeout=10)
    assert anon.status_code == 401


def test_paging_headers_and_link(harbor_api):
    for i in range(24):
        assert create(harbor_api, "p%02d" % i).status_code == 201
    first = harbor_api.get("/projects", params={"page_size": 10, "sort": "name"})
    assert first.headers["X-Total-Count"] == "25"
    assert len(first.json()) == 10
    assert first.headers["Link"] == '</api/v2.0/projects?page=2&page_size=10&sort=name>; rel="next"'
    middle = harbor_api.get("/projects", params={"page": 2, "page_size": 10, "sort": "name"})
    assert middle.headers["Link"] == ('</api/v2.0/projects?page=1&page_size=10&sort=name>; rel="prev" , '
                                      '</api/v2.0/projects?page=3&page_size=10&sort=name>; rel="next"')
    last = harbor_api.get("/projects", params={"page": 3, "page_size": 10, "sort": "name"})
    assert len(last.json()) == 5
    assert 'rel="next"' not in last.headers["Link"]
    default = harbor_api.get("/projects")
    assert len(default.json()) == 10  # default page_size
    assert harbor_api.get("/projects", params={"page_size": 101}).status_code == 422


def test_q_fuzzy_exact_and_unknown_key(harbor_api):
    for name in ("team-a", "team-b", "other"):
        create(harbor_api, name)

    def names(resp):
        return sorted(p["name"] for p in resp.json())

    assert names(harbor_api.get("/projects", params={"q": "name=~team"})) == ["team-a", "team-b"]
    assert names(harbor_api.get("/projects", params={"q": "name=team-a"})) == ["team-a"]
    assert names(harbor_api.get("/projects", params={"q": "name={team-a other}"})) == ["other", "team-a"]
    everything = names(harbor_api.get("/projects", params={"q": "colour=blue"}))
    assert everything == ["library", "other", "team-a", "team-b"]  # unknown key ignored
    assert names(harbor_api.get("/projects", params={"name": "eam"})) == ["team-a", "team-b"]  # name= is fuzzy
    # second URL-unescape: %257E arrives as %7E and becomes "~"
    assert names(harbor_api.get("/projects?q=name%3D%257Eteam")) == ["team-a", "team-b"]
    bad = harbor_api.get("/projects", params={"q": "name"})
    assert bad.status_code == 400


def test_list_visibility(fake_harbor, harbor_api):
    create(harbor_api, "private1")
    create(harbor_api, "public1", metadata={"public": "true"})
    anon = requests.get(fake_harbor.api_url + "/projects", timeout=10)
    assert sorted(p["name"] for p in anon.json()) == ["library", "public1"]
    anon_private = requests.get(fake_harbor.api_url + "/projects", params={"public": "false"}, timeout=10)
    assert anon_private.json() == [] and anon_private.headers["X-Total-Count"] == "0"
    admin_private = harbor_api.get("/projects", params={"public": "false"})
    assert [p["name"] for p in admin_private.json()] == ["private1"]


def test_update_merges_metadata_and_ignores_top_level(harbor_api):
    create(harbor_api, "merge", metadata={"public": "false", "auto_scan": "true"}, storage_limit=1000)
    resp = harbor_api.put("/projects/merge", json={"metadata": {"severity": "High", "prevent_vul": "true"},
                                                   "public": True, "storage_limit": 5})
    assert resp.status_code == 200 and resp.content == b""
    project = harbor_api.get("/projects/merge").json()
    assert project["metadata"] == {"public": "false", "auto_scan": "true", "severity": "high", "prevent_vul": "true"}
    quota = harbor_api.get("/quotas", params={"reference": "project", "reference_id": project["project_id"]}).json()
    assert quota[0]["hard"] == {"storage": 1000}


def test_update_retention_id_rules(fake_harbor, harbor_api):
    create(harbor_api, "keep")
    with fake_harbor.lock:
        fake_harbor.state.projects[2]["metadata"]["retention_id"] = "7"
    assert harbor_api.put("/projects/keep", json={"metadata": {"retention_id": "8"}}).status_code == 400
    assert harbor_api.put("/projects/keep", json={"metadata": {"retention_id": "7", "auto_scan": "true"}}).status_code == 200
    assert harbor_api.put("/projects/keep", json={"metadata": {"auto_scan": "false"}}).status_code == 200


def test_update_cve_allowlist_project_id(harbor_api):
    create(harbor_api, "cve")
    bad = harbor_api.put("/projects/cve", json={"cve_allowlist": {"project_id": 99, "items": []}})
    assert bad.status_code == 400
    good = harbor_api.put("/projects/cve", json={"cve_allowlist": {"items": [{"cve_id": "CVE-2019-10164"}]},
                                                 "metadata": {"reuse_sys_cve_allowlist": "false"}})
    assert good.status_code == 200
    assert harbor_api.get("/projects/cve").json()["cve_allowlist"]["items"] == [{"cve_id": "CVE-2019-10164"}]


def test_delete_412_with_repositories_then_200(fake_harbor, harbor_api):
    create(harbor_api, "full")
    seeded = requests.post(fake_harbor.url + "/_fake/repositories", json={"project": "full", "name": "app", "size": 10},
                           timeout=10)
    assert seeded.status_code == 201
    deletable = harbor_api.get("/projects/full/_deletable").json()
    # "deletable": false is left out of the answer (ProjectDeletable: omitempty)
    assert deletable == {"message": "the project contains repositories, can not be deleted"}
    resp = harbor_api.delete("/projects/full")
    assert resp.status_code == 412
    assert resp.json()["errors"][0]["code"] == "PRECONDITION"
    with fake_harbor.lock:
        fake_harbor.state.repositories.clear()
    assert harbor_api.get("/projects/full/_deletable").json() == {"deletable": True}
    assert harbor_api.delete("/projects/full").status_code == 200
    assert harbor_api.get("/projects/full").status_code == 404
    assert harbor_api.get("/quotas", params={"reference_id": "2"}).json() == []


def test_summary(fake_harbor, harbor_api):
    create(harbor_api, "sum", storage_limit=2048)
    requests.post(fake_harbor.url + "/_fake/repositories", json={"project": "sum", "name": "a", "size": 100}, timeout=10)
    summary = harbor_api.get("/projects/sum/summary").json()
    assert summary["repo_count"] == 1
    assert summary["quota"] == {"hard": {"storage": 2048}, "used": {"storage": 100}}
    assert summary["project_admin_count"] == 1


class _Registries:
    """Test stand-in for the future registries resource (hook get_registry)."""

    ROUTES = RouteTable()
    REGISTRIES = {3: {"id": 3, "name": "hub", "type": "docker-hub", "url": "https://hub.docker.com"},
                  4: {"id": 4, "name": "quay", "type": "quay", "url": "https://quay.io"}}
    HOOKS = {"get_registry": lambda state, rid: _Registries.REGISTRIES.get(rid)}


def test_proxy_cache_registry_rules():
    with FakeHarbor(extra_modules=[_Registries], auth_fail_delay=0) as server:
        url = server.api_url + "/projects"

        def post(body):
            return requests.post(url, json=body, auth=ADMIN, timeout=10)

        assert post({"project_name": "a", "registry_id": 0}).status_code == 400
        missing = post({"project_name": "b", "registry_id": 99})
        assert missing.status_code == 500
        assert missing.json() == {"errors": [{"code": "UNKNOWN", "message": "internal server error"}]}
        assert post({"project_name": "c", "registry_id": 4}).status_code == 400
        ok = post({"project_name": "d", "registry_id": 3, "metadata": {"enable_content_trust": "true"}})
        assert ok.status_code == 201
        project = requests.get(url + "/d", auth=ADMIN, timeout=10).json()
        assert project["registry_id"] == 3
        # Harbor gives a proxy-cache project a 7-day nDaysSinceLastPull retention policy (api-notes §1)
        assert set(project["metadata"]) == {"public", "retention_id"}
        retention = requests.get(server.api_url + "/retentions/" + project["metadata"]["retention_id"],
                                 auth=ADMIN, timeout=10).json()
        assert [(r["template"], r["params"]) for r in retention["rules"]] == [
            ("nDaysSinceLastPull", {"nDaysSinceLastPull": 7})]
        assert retention["trigger"]["settings"]["cron"] == "0 0 0 * * *"
        summary = requests.get(url + "/d/summary", auth=ADMIN, timeout=10).json()
        assert summary["registry"]["name"] == "hub"
        assert not [v for v in server.violations if v["kind"] == "response"]


def test_storage_limit_rules(fake_harbor, harbor_api):
    def hard(name):
        pid = harbor_api.get("/projects/" + name).json()["project_id"]
        return harbor_api.get("/quotas", params={"reference": "project", "reference_id": pid}).json()[0]["hard"]

    create(harbor_api, "q1", storage_limit=1024)
    assert hard("q1") == {"storage": 1024}
    create(harbor_api, "q2", storage_limit=0)
    assert hard("q2") == {"storage": -1}  # 0 = default storage_per_project
    assert create(harbor_api, "q3", storage_limit=-5).status_code == 400
    assert create(harbor_api, "q4", storage_limit=1024 ** 5 + 1).status_code == 400
    assert harbor_api.put("/configurations", json={"storage_per_project": 4096}).status_code == 200
    create(harbor_api, "q5")
    assert hard("q5") == {"storage": 4096}
    # a non-admin's storage_limit is replaced by storage_per_project
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "dev", "password": "Dev12345"}, timeout=10)
    resp = requests.post(fake_harbor.api_url + "/projects", auth=("dev", "Dev12345"),
                         json={"project_name": "q6", "storage_limit": 10}, timeout=10)
    assert resp.status_code == 201
    assert hard("q6") == {"storage": 4096}
    # quota per project disabled: no quota at all
    harbor_api.put("/configurations", json={"quota_per_project_enable": False})
    create(harbor_api, "q7", storage_limit=10)
    pid = harbor_api.get("/projects/q7").json()["project_id"]
    assert harbor_api.get("/quotas", params={"reference_id": pid}).json() == []


def test_quota_update_rules(fake_harbor, harbor_api):
    create(harbor_api, "quota")
    quota = harbor_api.get("/quotas", params={"reference": "project", "reference_id": "2"}).json()[0]
    path = "/quotas/%d" % quota["id"]
    assert harbor_api.put(path, json={"hard": {"storage": 10 * 1024 ** 3}}).status_code == 200
    assert harbor_api.get(path).json()["hard"] == {"storage": 10 * 1024 ** 3}
    assert harbor_api.put(path, json={"hard": {"storage": -1}}).status_code == 200
    assert harbor_api.put(path, json={"hard": {"storage": 0}}).status_code == 400
    assert harbor_api.put(path, json={"hard": {"storage": -2}}).status_code == 400
    assert harbor_api.put(path, json={"hard": {"storage": 1024 ** 5 + 1}}).status_code == 400
    assert harbor_api.put(path, json={"hard": {"count": 5}}).status_code == 400
    assert harbor_api.put(path, json={"hard": {}}).status_code == 400
    assert harbor_api.put(path).status_code == 422  # required body missing
    assert harbor_api.put("/quotas/999", json={"hard": {"storage": 1}}).status_code == 404
    requests.post(fake_harbor.url + "/_fake/users", json={"username": "eve", "password": "Eve12345"}, timeout=10)
    resp = requests.put(fake_harbor.api_url + path, json={"hard": {"storage": 1}}, auth=("eve", "Eve12345"), timeout=10)
    assert resp.status_code == 403
    resp = requests.put(fake_harbor.api_url + path, json={"hard": {"storage": 1}}, timeout=10)
    assert resp.status_code == 401


@pytest.mark.parametrize("fake_harbor,accepted,rejected", [
    ("2.10", ["public", "enable_content_trust_cosign", "reuse_sys_cve_allowlist"],
     ["auto_sbom_generation", "proxy_speed_kb", "max_upstream_conn", "retention_id"]),
    ("2.11", ["auto_sbom_generation"], ["proxy_speed_kb"]),
    ("2.12", ["auto_sbom_generation", "proxy_speed_kb"], ["max_upstream_conn"]),
    ("2.15.0", ["max_upstream_conn"], ["proxy_cache_local_on_not_found"]),
    ("2.15", ["max_upstream_conn", "proxy_cache_local_on_not_found"], ["retention_id", "colour"]),
    ("main", ["proxy_cache_local_on_not_found"], ["retention_id"]),
], indirect=["fake_harbor"])
def test_per_key_metadata_by_version(fake_harbor, accepted, rejected):
    api = fake_harbor.api_url + "/projects/library/metadatas"
    values = {"proxy_speed_kb": "1024", "max_upstream_conn": "-1"}
    for key in accepted:
        requests.delete(api + "/" + key, auth=ADMIN, timeout=10)
        resp = requests.post(api + "/", json={key: values.get(key, "TRUE")}, auth=ADMIN, timeout=10)
        assert resp.status_code == 200, (key, resp.text)
        expected = values.get(key, "true")
        assert requests.get(api + "/" + key, auth=ADMIN, timeout=10).json() == {key: expected}
    for key in rejected:
        resp = requests.post(api + "/", json={key: "true"}, auth=ADMIN, timeout=10)
        assert resp.status_code == 400
        assert resp.json()["errors"][0]["message"] == "invalid key: %s" % key


def test_per_key_metadata_rules(harbor_api):
    api = "/projects/library/metadatas/"
    assert harbor_api.post(api, json={"auto_scan": "true", "severity": "low"}).json()["errors"][0]["message"] == \
        "only allow one key/value pair"
    assert harbor_api.post(api, json={"auto_scan": "maybe"}).status_code == 400
    assert harbor_api.post(api, json={"auto_scan": "1"}).status_code == 200
    assert harbor_api.post(api, json={"auto_scan": "true"}).status_code == 409  # exists
    assert harbor_api.get(api + "auto_scan").json() == {"auto_scan": "true"}
    assert harbor_api.put(api + "auto_scan", json={"auto_scan": "F"}).status_code == 200
    assert harbor_api.get(api + "auto_scan").json() == {"auto_scan": "false"}
    assert harbor_api.post(api, json={"severity": "CRITICAL"}).status_code == 200
    assert harbor_api.get(api + "severity").json() == {"severity": "critical"}
    assert harbor_api.post(api, json={"max_upstream_conn": "0"}).status_code == 400
    assert harbor_api.get(api).json() == {"public": "true", "auto_scan": "false", "severity": "critical"}
    assert harbor_api.delete(api + "severity").status_code == 200
    assert harbor_api.get(api + "severity").json() == {}
    assert harbor_api.delete(api + "retention_id").status_code == 200  # not validated
    assert harbor_api.get("/projects/nope/metadatas/").status_code == 404
