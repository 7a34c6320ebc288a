"""Transport: CLI, TLS, fault injection, request log, control API, running without the spec."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fake_harbor import server as server_module
from tests.fake_harbor.server import FakeHarbor

from .conftest import ADMIN

REPO = Path(__file__).resolve().parents[2]


def test_cli_prints_url_and_ca_and_stops_on_sigterm():
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-m", "tests.fake_harbor", "--port", "0", "--harbor-version", "2.12", "--tls",
         "--auth-fail-delay", "0"],
        cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        ca_line = proc.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:")
        assert ca_line.startswith("CA=") and os.path.isfile(ca_line[3:])
        info = requests.get(url + "/api/v2.0/systeminfo", auth=ADMIN, verify=ca_line[3:], timeout=10).json()
        assert info["harbor_version"].startswith("v2.12.4-")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        proc.stdout.close()
        proc.stderr.close()


def test_cli_rejects_unknown_version():
    result = subprocess.run([sys.executable, "-m", "tests.fake_harbor", "--harbor-version", "1.9"], cwd=str(REPO),
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2 and "unsupported Harbor version" in result.stderr


def test_tls_with_the_generated_ca(fake_harbor_tls):
    assert fake_harbor_tls.url.startswith("https://")
    resp = requests.get(fake_harbor_tls.api_url + "/ping", verify=fake_harbor_tls.ca_path, timeout=10)
    assert resp.text == "Pong"
    localhost = fake_harbor_tls.url.replace("127.0.0.1", "localhost")
    assert requests.get(localhost + "/api/v2.0/ping", verify=fake_harbor_tls.ca_path, timeout=10).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(fake_harbor_tls.api_url + "/ping", verify=True, timeout=10)


def test_keep_alive_session(fake_harbor):
    session = requests.Session()
    for attempt in range(5):
        assert session.get(fake_harbor.api_url + "/ping", timeout=10).status_code == 200, attempt
    assert len(fake_harbor.requests) == 5


def test_fault_status_with_times_and_retry_after(fake_harbor, harbor_api):
    rule = fake_harbor.add_fault(method="GET", path="^/api/v2.0/projects$", action="status", status=429,
                                 retry_after=3, times=2)
    assert rule["id"] == 1
    for attempt in range(2):
        resp = harbor_api.get("/projects", headers={"X-Request-Id": "try-%d" % attempt})
        assert resp.status_code == 429 and resp.headers["Retry-After"] == "3"
        assert resp.json()["errors"][0]["code"] == "TOO_MANY_REQUEST"
    assert harbor_api.get("/projects").status_code == 200
    assert harbor_api.post("/projects", json={"project_name": "other-method"}).status_code == 201
    assert [r["status"] for r in fake_harbor.requests] == [429, 429, 200, 201]
    assert fake_harbor.requests[0]["fault"] == [1]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_fault_5xx_body(fake_harbor, harbor_api, status):
    fake_harbor.add_fault(path="/projects", status=status)
    resp = harbor_api.post("/projects", json={"project_name": "never"})
    assert resp.status_code == status
    assert resp.json() == {"errors": [{"code": "UNKNOWN", "message": "internal server error"}]}
    fake_harbor.clear_faults()
    assert harbor_api.get("/projects/never").status_code == 404  # nothing was processed


def test_fault_delay(fake_harbor, harbor_api):
    fake_harbor.add_fault(path="^/api/v2.0/ping$", action="delay", delay=0.3, times=1)
    start = time.monotonic()
    assert harbor_api.get("/ping").status_code == 200
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    harbor_api.get("/ping")
    assert time.monotonic() - start < 0.3


def test_fault_reset(fake_harbor, harbor_api):
    fake_harbor.add_fault(method="POST", path="/projects", action="reset", times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        harbor_api.post("/projects", json={"project_name": "reset"})
    assert harbor_api.get("/projects/reset").status_code == 404
    assert fake_harbor.requests[0]["status"] == 0
    assert harbor_api.post("/projects", json={"project_name": "reset"}).status_code == 201


def test_fault_after_write(fake_harbor, harbor_api):
    fake_harbor.add_fault(method="POST", path="^/api/v2.0/projects$", action="after_write", status=502, times=1)
    resp = harbor_api.post("/projects", json={"project_name": "written"})
    assert resp.status_code == 502
    assert harbor_api.get("/projects/written").status_code == 200  # the state changed anyway
    assert harbor_api.post("/projects", json={"project_name": "written"}).status_code == 409


def test_fault_reset_after_write(fake_harbor, harbor_api):
    fake_harbor.add_fault(method="POST,PUT", path="^/api/v2.0/projects$", action="reset_after_write", times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        harbor_api.post("/projects", json={"project_name": "unseen"})
    assert harbor_api.get("/projects/unseen").status_code == 200  # written, though the client saw no answer
    assert fake_harbor.requests[0]["status"] == 0


def test_fault_rate_hits_a_repeatable_share_of_the_matching_requests(fake_harbor, harbor_api):
    def hits(seed):
        fake_harbor.clear_faults()
        fake_harbor.add_fault(method="GET", path="^/api/v2.0/ping$", status=503, rate=0.25, seed=seed)
        return [harbor_api.get("/ping").status_code == 503 for _request in range(400)]

    first = hits(11)
    assert 60 <= sum(first) <= 140  # about a quarter
    assert hits(11) == first  # the same seed hits the same requests
    assert hits(12) != first
    assert harbor_api.post("/projects", json={"project_name": "not-a-get"}).status_code == 201


@pytest.mark.parametrize("rule", [{"rate": 0}, {"rate": 1.5}, {"rate": True}, {"rate": 0.5, "seed": "x"}])
def test_fault_rate_is_validated(fake_harbor, rule):
    assert requests.post(fake_harbor.url + "/_fake/faults", json=rule, timeout=10).status_code == 400


def test_fault_rules_via_control_api(fake_harbor):
    base = fake_harbor.url + "/_fake/faults"
    bad = requests.post(base, json={"action": "explode"}, timeout=10)
    assert bad.status_code == 400
    created = requests.post(base, json={"method": "DELETE", "path": "/projects/", "status": 503}, timeout=10)
    assert created.status_code == 201 and created.json()["times"] is None
    assert len(requests.get(base, timeout=10).json()["faults"]) == 1
    assert requests.delete(fake_harbor.api_url + "/projects/library", auth=ADMIN, timeout=10).status_code == 503
    assert requests.delete(base, timeout=10).json() == {"faults": []}


def test_request_log_and_marks(fake_harbor, harbor_api):
    harbor_api.get("/projects", params={"page": 1})
    mark = requests.get(fake_harbor.url + "/_fake/requests", timeout=10).json()["last_seq"]
    harbor_api.post("/projects", json={"project_name": "logged"})
    harbor_api.get("/projects/logged")
    since = requests.get(fake_harbor.url + "/_fake/requests", params={"since": mark}, timeout=10).json()
    assert [r["method"] for r in since["requests"]] == ["POST", "GET"]
    writes = requests.get(fake_harbor.url + "/_fake/requests", params={"since": mark, "writes": "true"},
                          timeout=10).json()
    assert writes["count"] == 1
    entry = writes["requests"][0]
    assert {k: entry[k] for k in ("method", "path", "query", "status", "user", "has_sid_cookie", "operation_id")} == {
        "method": "POST", "path": "/api/v2.0/projects", "query": "", "status": 201, "user": "admin",
        "has_sid_cookie": False, "operation_id": "createProject" if fake_harbor.contract_enabled else None}
    assert entry["bytes_in"] > 0 and entry["bytes_out"] == 0
    first = fake_harbor.requests[0]
    assert first["query"] == "page=1" and first["bytes_out"] > 0
    assert requests.delete(fake_harbor.url + "/_fake/requests", timeout=10).status_code == 200
    assert fake_harbor.requests == []


def test_control_reset_and_violations(fake_harbor, harbor_api):
    harbor_api.post("/projects", json={"project_name": "temp", "bogus": 1})
    fake_harbor.add_fault(path="/nothing", status=500)
    violations = requests.get(fake_harbor.url + "/_fake/violations", timeout=10).json()
    assert violations["count"] == (1 if fake_harbor.contract_enabled else 0)
    assert requests.post(fake_harbor.url + "/_fake/reset", timeout=10).json() == {"reset": True}
    assert harbor_api.get("/projects/temp").status_code == 404
    assert requests.get(fake_harbor.url + "/_fake/violations", timeout=10).json()["violations"] == []
    assert requests.get(fake_harbor.url + "/_fake/faults", timeout=10).json()["faults"] == []
    assert [r["path"] for r in fake_harbor.requests] == ["/api/v2.0/projects/temp"]  # control calls not logged
    assert requests.get(fake_harbor.url + "/_fake/unknown", timeout=10).status_code == 404
    info = requests.get(fake_harbor.url + "/_fake/info", timeout=10).json()
    assert info["harbor_version"] == "v2.15.2-080b0220"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_runs_without_spec(tmp_path):
    with FakeHarbor(spec_dir=str(tmp_path / "absent"), auth_fail_delay=0) as server:
        assert not server.contract_enabled
        resp = requests.post(server.api_url + "/projects", auth=ADMIN, timeout=10,
                             json={"project_name": "nospec", "access_key": "x"})
        assert resp.status_code == 201
        typed = requests.get(server.api_url + "/projects", params={"page": "x"}, auth=ADMIN, timeout=10)
        assert typed.status_code == 422  # handlers bind like go-swagger even without the spec
        assert requests.post(server.api_url + "/projects", auth=ADMIN, timeout=10).status_code == 422
        assert server.violations == []
        assert requests.get(server.url + "/_fake/info", timeout=10).json()["contract_enabled"] is False
    assert any("contract validation is OFF" in m for m in server_module._WARNED)  # pylint: disable=protected-access
