"""Scanner registrations of the fake: the adapter is pinged for real (resources/scanners.py, api-notes §11, §13)."""

import http.server
import json
import threading

import pytest
import requests

from tests.fake_harbor.server import FakeHarbor

from .conftest import ADMIN, request_violations

KEY = "K3y-For-The-Adapter"
UNREACHABLE = "https://scanner.example.com"


def adapter(server, name="corp"):
    """The URL of the fake's own stand-in adapter (reachable: a loopback address)."""
    return "%s/_fake/scanner-adapter/%s" % (server.url, name)


def register(api, **body):
    resp = api.post("/scanners", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].startswith("/api/v2.0/scanners/")
    return resp.headers["Location"].rsplit("/", 1)[1]


def names(api):
    return sorted(s["name"] for s in api.get("/scanners").json())


class Adapter:
    """A scanner adapter started by the test: answers ``/api/v1/metadata`` with ``metadata``, records headers."""

    def __init__(self, metadata):
        self.metadata = metadata
        self.headers = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                outer.headers.append({k.lower(): v for k, v in self.headers.items()})
                if self.path != "/api/v1/metadata":
                    self.send_error(404)
                    return
                data = json.dumps(outer.metadata).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/vnd.scanner.adapter.metadata+json; version=1.0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


GOOD_METADATA = {
    "scanner": {"name": "Grype", "vendor": "Anchore", "version": "0.74.0"},
    "capabilities": [{"consumes_mime_types": ["application/vnd.docker.distribution.manifest.v2+json"],
                      "produces_mime_types": ["application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"]}],
    "properties": {},
}


@pytest.fixture
def own_adapter():
    started = []

    def start(metadata=None):
        started.append(Adapter(GOOD_METADATA if metadata is None else metadata))
        return started[-1]

    yield start
    for item in started:
        item.close()


# ---------------------------------------------------------------- Trivy and the defaults

@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_trivy_is_the_immutable_reserved_default(fake_harbor, harbor_api):
    scanners = harbor_api.get("/scanners").json()
    assert [(s["name"], s["is_default"], s["url"]) for s in scanners] == [("Trivy", True, "http://trivy-adapter:8080")]
    trivy = scanners[0]["uuid"]
    assert harbor_api.put("/scanners/" + trivy, json={"name": "Trivy", "url": "http://trivy-adapter:8080",
                                                      "description": "mine"}).status_code == 403
    assert harbor_api.delete("/scanners/" + trivy).status_code == 403
    assert harbor_api.post("/scanners", json={"name": "Trivy", "url": adapter(fake_harbor)}).status_code == 400
    uuid = register(harbor_api, name="corp", url=adapter(fake_harbor))
    renamed = harbor_api.put("/scanners/" + uuid, json={"name": "Trivy", "url": adapter(fake_harbor)})
    assert renamed.status_code == 400 and "reserved" in renamed.text
    # making another scanner the default is allowed: PATCH is not an update of the registration
    assert harbor_api.request("PATCH", "/scanners/" + uuid, json={"is_default": True}).status_code == 200
    assert {s["name"]: s["is_default"] for s in harbor_api.get("/scanners").json()} == {"Trivy": False, "corp": True}
    assert request_violations(fake_harbor) == []


def test_the_first_registration_becomes_the_default():
    with FakeHarbor(with_trivy=False, auth_fail_delay=0.05) as server:
        first = requests.post(server.api_url + "/scanners", auth=ADMIN, timeout=10,
                              json={"name": "first", "url": adapter(server, "first")})
        second = requests.post(server.api_url + "/scanners", auth=ADMIN, timeout=10,
                               json={"name": "second", "url": adapter(server, "second")})
        assert first.status_code == second.status_code == 201
        listed = requests.get(server.api_url + "/scanners", auth=ADMIN, timeout=10).json()
        assert {s["name"]: s["is_default"] for s in listed} == {"first": True, "second": False}
        assert [v for v in server.violations if v["kind"] == "response"] == []


# ---------------------------------------------------------------- the ping

@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_register_pings_the_adapter_and_answers_500_when_it_is_unreachable(fake_harbor, harbor_api):
    for url in (UNREACHABLE, "http://harbor-scanner-trivy:8080", "http://127.0.0.1:9"):
        resp = harbor_api.post("/scanners", json={"name": "corp", "url": url})
        assert resp.status_code == 500, url
        assert resp.json() == {"errors": [{"code": "UNKNOWN", "message": "internal server error"}]}
    assert names(harbor_api) == ["Trivy"]
    register(harbor_api, name="corp", url=adapter(fake_harbor))
    assert names(harbor_api) == ["Trivy", "corp"]


def test_the_ping_comes_before_the_uniqueness_checks(fake_harbor, harbor_api):
    register(harbor_api, name="corp", url=adapter(fake_harbor))
    assert harbor_api.post("/scanners", json={"name": "corp", "url": UNREACHABLE}).status_code == 500
    assert harbor_api.post("/scanners", json={"name": "corp", "url": adapter(fake_harbor, "x")}).status_code == 409
    assert harbor_api.post("/scanners", json={"name": "other", "url": adapter(fake_harbor)}).status_code == 409


@pytest.mark.parametrize("body, status", [
    ({"name": "corp", "url": "ftp://scanner.example.com"}, 400),
    ({"name": "corp", "url": "https://scanner.example.com", "auth": "Digest", "access_credential": "x"}, 400),
    ({"name": "corp", "url": "https://scanner.example.com", "auth": "Bearer"}, 400),
    ({"name": "corp"}, 422),
    ({"name": "other", "url": "http://trivy-adapter:8080"}, 409),
])
def test_validation_comes_before_the_ping_and_urls_are_unique(harbor_api, body, status):
    assert harbor_api.post("/scanners", json=body).status_code == status


def test_the_adapter_gets_the_credential_and_its_metadata_is_validated(fake_harbor, harbor_api, own_adapter):
    good = own_adapter()
    register(harbor_api, name="grype", url=good.url, auth="X-ScannerAdapter-API-Key", access_credential=KEY)
    assert good.headers[-1]["x-scanneradapter-api-key"] == KEY
    assert good.headers[-1]["accept"] == "application/vnd.scanner.adapter.metadata+json; version=1.0"
    for broken in ({"scanner": {"name": "x", "vendor": "", "version": "1"}, "capabilities": GOOD_METADATA["capabilities"]},
                   dict(GOOD_METADATA, capabilities=[]),
                   dict(GOOD_METADATA, capabilities=[{"consumes_mime_types": ["text/plain"],
                                                      "produces_mime_types": ["text/plain"]}])):
        bad = own_adapter(broken)
        assert harbor_api.post("/scanners", json={"name": "broken", "url": bad.url}).status_code == 500
    assert names(harbor_api) == ["Trivy", "grype"]


def test_an_adapter_over_tls_is_verified_with_the_fakes_ca(fake_harbor_tls):
    def api(method, path, **kwargs):
        return requests.request(method, fake_harbor_tls.api_url + path, auth=ADMIN, verify=fake_harbor_tls.ca_path,
                                timeout=10, **kwargs)

    resp = api("POST", "/scanners", json={"name": "corp", "url": adapter(fake_harbor_tls)})
    assert resp.status_code == 201, resp.text


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_ping_endpoint(fake_harbor, harbor_api):
    assert harbor_api.post("/scanners/ping", json={"name": "corp", "url": adapter(fake_harbor)}).status_code == 200
    assert harbor_api.post("/scanners/ping", json={"name": "corp", "url": UNREACHABLE}).status_code == 500
    assert harbor_api.post("/scanners/ping", json={"name": "corp", "url": "ftp://x.example"}).status_code == 400
    assert harbor_api.post("/scanners/ping", json={"name": "corp", "url": UNREACHABLE,
                                                   "auth": "Bearer"}).status_code == 400
    assert names(harbor_api) == ["Trivy"]  # a ping registers nothing
    assert request_violations(fake_harbor) == []


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_metadata_endpoint(fake_harbor, harbor_api):
    uuid = register(harbor_api, name="corp", url=adapter(fake_harbor, "corp-adapter"))
    metadata = harbor_api.get("/scanners/%s/metadata" % uuid).json()
    assert metadata["scanner"] == {"name": "corp-adapter", "vendor": "harbor_ops fake", "version": "1.0.0"}
    assert "application/vnd.docker.distribution.manifest.v2+json" in metadata["capabilities"][0]["consumes_mime_types"]
    trivy = [s["uuid"] for s in harbor_api.get("/scanners").json() if s["name"] == "Trivy"][0]
    assert harbor_api.get("/scanners/%s/metadata" % trivy).json()["scanner"]["name"] == "Trivy"
    assert harbor_api.get("/scanners/nope/metadata").status_code == 404
    assert request_violations(fake_harbor) == []


def test_metadata_of_an_adapter_that_went_away_is_500(fake_harbor, harbor_api, own_adapter):
    started = own_adapter()
    uuid = register(harbor_api, name="grype", url=started.url)
    started.close()
    assert harbor_api.get("/scanners/%s/metadata" % uuid).status_code == 500
    assert harbor_api.get("/scanners/" + uuid).status_code == 200  # a read only logs the failed ping


# ---------------------------------------------------------------- reads and updates

def test_reads_do_not_store_the_adapter_details(fake_harbor, harbor_api):
    uuid = register(harbor_api, name="corp", url=adapter(fake_harbor), description="central")
    got = harbor_api.get("/scanners/" + uuid).json()
    assert got["name"] == "corp" and got["description"] == "central" and got["is_default"] is False
    # adapter, vendor, version and health are not columns: a plain read leaves them empty
    for key in ("adapter", "vendor", "version", "health"):
        assert not got.get(key)
    assert got["capabilities"] == {"support_vulnerability": True, "support_sbom": False}  # 2.15: RetrieveCap


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.13", "2.14.3", "2.15.0"], indirect=True)
def test_older_versions_return_the_credential_and_need_it_on_every_put(fake_harbor, harbor_api):
    uuid = register(harbor_api, name="corp", url=adapter(fake_harbor), auth="Bearer", access_credential=KEY)
    assert harbor_api.get("/scanners/" + uuid).json()["access_credential"] == KEY
    update = {"name": "corp", "url": adapter(fake_harbor), "auth": "Bearer", "description": "new"}
    refused = harbor_api.put("/scanners/" + uuid, json=update)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"] == "access_credential is required for auth type Bearer"
    assert harbor_api.get("/scanners/" + uuid).json()["description"] == ""
    assert harbor_api.put("/scanners/" + uuid, json=dict(update, access_credential=KEY)).status_code == 200
    assert harbor_api.get("/scanners/" + uuid).json()["description"] == "new"


@pytest.mark.parametrize("fake_harbor", ["2.14.4", "2.15.1", "2.15"], indirect=True)
def test_newer_versions_keep_the_stored_credential_and_do_not_return_it(fake_harbor, harbor_api):
    uuid = register(harbor_api, name="corp", url=adapter(fake_harbor), auth="Bearer", access_credential=KEY)
    assert not harbor_api.get("/scanners/" + uuid).json().get("access_credential")
    update = {"name": "corp", "url": adapter(fake_harbor), "auth": "Bearer", "description": "new"}
    assert harbor_api.put("/scanners/" + uuid, json=update).status_code == 200
    assert fake_harbor.state.scanners[uuid]["access_credential"] == KEY
    # switching to an auth type that needs a credential, with none stored, is still refused
    plain = register(harbor_api, name="plain", url=adapter(fake_harbor, "plain"))
    switch = {"name": "plain", "url": adapter(fake_harbor, "plain"), "auth": "Basic"}
    switched = harbor_api.put("/scanners/" + plain, json=switch)
    assert switched.status_code == 400


def test_put_replaces_the_editable_fields_and_does_not_ping(fake_harbor, harbor_api):
    uuid = register(harbor_api, name="corp", url=adapter(fake_harbor), description="central", skip_certVerify=True,
                    use_internal_addr=True)
    assert harbor_api.put("/scanners/" + uuid, json={"name": "corp", "url": UNREACHABLE}).status_code == 200
    got = harbor_api.get("/scanners/" + uuid).json()
    assert got["url"] == UNREACHABLE and got["description"] == ""
    assert got["skip_certVerify"] is False and got["use_internal_addr"] is False and "capabilities" not in got


def test_disabling_the_default_registration_is_500(fake_harbor, harbor_api):
    uuid = register(harbor_api, name="corp", url=adapter(fake_harbor))
    harbor_api.request("PATCH", "/scanners/" + uuid, json={"is_default": True})
    resp = harbor_api.put("/scanners/" + uuid, json={"name": "corp", "url": adapter(fake_harbor), "disabled": True})
    assert resp.status_code == 500
    assert harbor_api.get("/scanners/" + uuid).json()["disabled"] is False


def test_delete_returns_the_registration(fake_harbor, harbor_api):
    uuid = register(harbor_api, name="corp", url=adapter(fake_harbor))
    deleted = harbor_api.delete("/scanners/" + uuid)
    assert deleted.status_code == 200 and deleted.json()["name"] == "corp"
    assert harbor_api.get("/scanners/" + uuid).status_code == 404
    assert harbor_api.delete("/scanners/" + uuid).status_code == 404


# ---------------------------------------------------------------- projects

@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_project_scanner_is_pinged(fake_harbor, harbor_api, own_adapter):
    trivy = harbor_api.get("/projects/library/scanner").json()
    assert trivy["name"] == "Trivy" and trivy["health"] == "healthy"
    assert (trivy["adapter"], trivy["vendor"]) == ("Trivy", "Aqua Security")
    started = own_adapter()
    uuid = register(harbor_api, name="grype", url=started.url)
    assert harbor_api.put("/projects/library/scanner", json={"uuid": uuid},
                          headers={"X-Is-Resource-Name": "true"}).status_code == 200
    grype = harbor_api.get("/projects/library/scanner").json()
    assert grype["uuid"] == uuid and grype["health"] == "healthy" and grype["version"] == "0.74.0"
    started.close()
    assert harbor_api.get("/projects/library/scanner").json()["health"] == "unhealthy"
    assert request_violations(fake_harbor) == []


def test_project_scanner_of_a_uuid_that_does_not_exist_falls_back_to_the_default(fake_harbor, harbor_api):
    assert harbor_api.put("/projects/library/scanner", json={"uuid": "no-such-scanner"}).status_code == 200
    assert harbor_api.get("/projects/library/scanner").json()["name"] == "Trivy"


def test_project_without_any_scanner_answers_200_with_an_empty_body():
    with FakeHarbor(with_trivy=False, auth_fail_delay=0.05) as server:
        resp = requests.get(server.api_url + "/projects/library/scanner", auth=ADMIN, timeout=10)
        assert resp.status_code == 200 and resp.content == b""


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_scanner_candidates_of_a_project(fake_harbor, harbor_api):
    register(harbor_api, name="corp", url=adapter(fake_harbor))
    resp = harbor_api.get("/projects/library/scanner/candidates", params={"page_size": 1})
    assert resp.status_code == 200 and resp.headers["X-Total-Count"] == "2" and 'rel="next"' in resp.headers["Link"]
    assert [s["name"] for s in resp.json()] == ["Trivy"]
    exact = harbor_api.get("/projects/library/scanner/candidates", params={"q": "name=corp"}).json()
    assert [s["name"] for s in exact] == ["corp"]
    assert harbor_api.get("/projects/nowhere/scanner/candidates").status_code == 404
    assert request_violations(fake_harbor) == []


def test_list_keeps_the_old_name_and_url_filters(fake_harbor, harbor_api):
    register(harbor_api, name="corp-one", url=adapter(fake_harbor, "one"))
    register(harbor_api, name="corp-two", url=adapter(fake_harbor, "two"))
    assert sorted(s["name"] for s in harbor_api.get("/scanners", params={"name": "corp"}).json()) == [
        "corp-one", "corp-two"]
    assert [s["name"] for s in harbor_api.get("/scanners", params={"ex_name": "corp-two"}).json()] == ["corp-two"]
