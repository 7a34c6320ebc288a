"""Scanners, artifact scans, vulnerability reports and scan-all (api-notes §11, §13)."""

import pytest
import requests

from tests.fake_harbor.server import FakeHarbor

from . import job_control
from .conftest import ADMIN

GENERIC = "application/vnd.security.vulnerability.report; version=1.1"
NATIVE = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
APP = "/projects/library/repositories/team%252Fapp/artifacts/v1"
PACKAGES = [
    {"name": "openssl", "version": "3.0.1", "vulnerabilities": [
        {"id": "CVE-2024-0001", "severity": "critical", "fix_version": "3.0.13"},
        {"id": "CVE-2024-0002", "severity": "High"}]},
    {"name": "zlib", "version": "1.2.11", "vulnerabilities": [{"id": "CVE-2022-3", "severity": "LOW"}]},
    {"name": "bash", "version": "5.1"},
]


def seed(server, repository="team/app", tags=("v1",), packages=None, project="library"):
    resp = requests.post(server.url + "/_fake/artifacts", timeout=10, json={
        "project": project, "repository": repository, "tags": list(tags), "packages": packages})
    assert resp.status_code == 201, resp.text
    return resp.json()


def overview(api, path=APP, accept=None):
    headers = {"X-Accept-Vulnerabilities": accept} if accept else {}
    body = api.get(path, params={"with_scan_overview": "true"}, headers=headers).json()
    return body.get("scan_overview")


def scan_until_done(api, path=APP):
    assert api.post(path + "/scan").status_code == 202
    job_control.finish(api.server, kind="IMAGE_SCAN")
    return overview(api, path)


# ---------------------------------------------------------------- scanners

def test_trivy_is_the_default_scanner_when_started_with_trivy(fake_harbor, harbor_api):
    scanners = harbor_api.get("/scanners").json()
    assert [(s["name"], s["is_default"]) for s in scanners] == [("Trivy", True)]
    assert harbor_api.get("/projects/library/scanner").json()["name"] == "Trivy"
    assert fake_harbor.violations == []


def test_no_scanner_without_trivy():
    with FakeHarbor(with_trivy=False, auth_fail_delay=0) as server:
        assert requests.get(server.api_url + "/scanners", auth=ADMIN, timeout=10).json() == []
        resp = requests.get(server.api_url + "/system/scanAll/schedule", auth=ADMIN, timeout=10)
        assert resp.status_code == 412 and "no scanner is configured" in resp.json()["errors"][0]["message"]
        assert requests.get(server.api_url + "/scans/all/metrics", auth=ADMIN, timeout=10).status_code == 412
        assert server.violations == []


# registering, updating and pinging scanners: test_scanners.py


# ---------------------------------------------------------------- scans and reports

def test_scan_findings_come_from_the_seeded_packages(fake_harbor, harbor_api):
    seed(fake_harbor, packages=PACKAGES)
    job_control.configure(fake_harbor, kind="IMAGE_SCAN", duration=10)
    assert overview(harbor_api) is None  # never scanned
    assert harbor_api.post(APP + "/scan").status_code == 202
    first = overview(harbor_api)[GENERIC]
    assert first["scan_status"] == "Running" and "summary" not in first
    job_control.advance(fake_harbor, 5)
    assert overview(harbor_api)[GENERIC]["complete_percent"] == 50  # it follows the time, not the reads
    job_control.advance(fake_harbor, 6)
    done = overview(harbor_api)[GENERIC]
    assert done["scan_status"] == "Success" and done["severity"] == "Critical"
    assert done["summary"] == {"total": 3, "fixable": 1, "summary": {"Critical": 1, "High": 1, "Low": 1}}
    report = harbor_api.get(APP + "/additions/vulnerabilities").json()
    assert list(report) == [GENERIC]
    assert [(v["id"], v["package"], v["severity"]) for v in report[GENERIC]["vulnerabilities"]] == [
        ("CVE-2024-0001", "openssl", "Critical"), ("CVE-2024-0002", "openssl", "High"), ("CVE-2022-3", "zlib", "Low")]
    assert fake_harbor.violations == []


def test_a_clean_image_has_an_empty_report(fake_harbor, harbor_api):
    seed(fake_harbor, packages=[{"name": "busybox", "version": "1.36"}])
    done = scan_until_done(harbor_api)[GENERIC]
    assert done["severity"] == "None" and done["summary"]["total"] == 0
    assert harbor_api.get(APP + "/additions/vulnerabilities").json()[GENERIC]["vulnerabilities"] == []


def test_the_report_is_empty_until_the_scan_has_ended(fake_harbor, harbor_api):
    seed(fake_harbor, packages=PACKAGES)
    job_control.configure(fake_harbor, kind="IMAGE_SCAN", duration=10)
    assert harbor_api.get(APP + "/additions/vulnerabilities").json() == {}
    harbor_api.post(APP + "/scan")
    for _read in range(3):  # reading does not move the scan on
        assert harbor_api.get(APP + "/additions/vulnerabilities").json() == {}
    assert overview(harbor_api)[GENERIC]["scan_status"] == "Running"
    job_control.advance(fake_harbor, 10)  # but time does, read or not
    assert list(harbor_api.get(APP + "/additions/vulnerabilities").json()) == [GENERIC]


def test_x_accept_vulnerabilities_chooses_the_key_not_accept(fake_harbor, harbor_api):
    seed(fake_harbor, packages=PACKAGES)
    scan_until_done(harbor_api)
    vulns = APP + "/additions/vulnerabilities"
    assert list(harbor_api.get(vulns, headers={"X-Accept-Vulnerabilities": NATIVE}).json()) == [NATIVE]
    assert list(harbor_api.get(vulns, headers={"X-Accept-Vulnerabilities": NATIVE + ", " + GENERIC}).json()) == [NATIVE]
    assert list(harbor_api.get(vulns, headers={"Accept": NATIVE}).json()) == [GENERIC]  # Accept is not read
    assert list(harbor_api.get(vulns, headers={"X-Accept-Vulnerabilities": "text/html"}).json()) == [NATIVE]
    assert list(overview(harbor_api, accept=NATIVE)) == [NATIVE]
    assert fake_harbor.violations == []


def test_a_second_scan_while_one_runs_is_refused(fake_harbor, harbor_api):
    seed(fake_harbor)
    job_control.configure(fake_harbor, hold=True)
    assert harbor_api.post(APP + "/scan").status_code == 202
    assert harbor_api.post(APP + "/scan").status_code == 409


def test_a_rescan_gets_a_new_report_id(fake_harbor, harbor_api):
    seed(fake_harbor, packages=PACKAGES)
    first = scan_until_done(harbor_api)[GENERIC]["report_id"]
    second = scan_until_done(harbor_api)[GENERIC]
    assert second["report_id"] != first and second["scan_status"] == "Success"
    log = harbor_api.get(APP + "/scan/%s/log" % second["report_id"])
    assert log.status_code == 200 and "3 vulnerabilities found" in log.text


def test_scan_without_any_scanner_is_412(fake_harbor, harbor_api):
    seed(fake_harbor)
    with fake_harbor.lock:  # Harbor's own Trivy cannot be deleted (immutable): a Harbor installed without it
        fake_harbor.state.scanners.clear()
    resp = harbor_api.post(APP + "/scan")
    assert resp.status_code == 412 and "no available scanner" in resp.json()["errors"][0]["message"]


def test_scan_of_a_missing_artifact_is_404(fake_harbor, harbor_api):
    seed(fake_harbor)
    assert harbor_api.post("/projects/library/repositories/team%252Fapp/artifacts/v9/scan").status_code == 404


def test_stop_a_scan(fake_harbor, harbor_api):
    seed(fake_harbor)
    job_control.configure(fake_harbor, hold=True)
    harbor_api.post(APP + "/scan")
    assert harbor_api.post(APP + "/scan/stop", json={"scan_type": "vulnerability"}).status_code == 202
    assert overview(harbor_api)[GENERIC]["scan_status"] == "Stopped"


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_scan_overview_matches_both_specs(fake_harbor, harbor_api):
    seed(fake_harbor, packages=PACKAGES)
    scan_until_done(harbor_api)
    harbor_api.get("/projects/library/repositories/team%252Fapp/artifacts", params={"with_scan_overview": "true"})
    assert fake_harbor.violations == []


# ---------------------------------------------------------------- scan-all

def test_scan_all_schedule(fake_harbor, harbor_api):
    path = "/system/scanAll/schedule"
    assert harbor_api.get(path).content == b""
    weekly = {"schedule": {"type": "Weekly", "cron": "0 0 0 * * 0"}}
    assert harbor_api.post(path, json=weekly).status_code == 201
    resp = harbor_api.post(path, json={"schedule": {"type": "Daily", "cron": "0 0 0 * * *"}})
    assert resp.status_code == 412 and "delete it firstly" in resp.json()["errors"][0]["message"]
    assert harbor_api.put(path, json={"schedule": {"type": "Daily", "cron": "0 0 0 * * *"}}).status_code == 200
    assert harbor_api.get(path).json()["schedule"] == {"type": "Daily", "cron": "0 0 0 * * *"}
    assert harbor_api.put(path, json={"schedule": {"type": "Manual"}}).status_code == 400
    assert harbor_api.put(path, json={"schedule": {"type": "Custom", "cron": "0 3 * * *"}}).status_code == 400
    assert harbor_api.put(path, json={"schedule": {"type": "None"}}).status_code == 200
    assert harbor_api.get(path).content == b""
    assert harbor_api.post(path, json={"schedule": {"type": "None"}}).status_code == 201
    assert fake_harbor.violations == []


def test_scan_all_scans_every_artifact_and_refuses_a_second_run(fake_harbor, harbor_api):
    seed(fake_harbor, packages=PACKAGES)
    seed(fake_harbor, repository="db", tags=["15"])
    # Stats: total/completed/ongoing are x-omitempty: false, the empty metrics map is left out
    assert harbor_api.get("/scans/all/metrics").json() == {"total": 0, "completed": 0, "ongoing": False}
    manual = {"schedule": {"type": "Manual"}}
    job_control.configure(fake_harbor, kind="SCAN_ALL", duration=10)
    assert harbor_api.post("/system/scanAll/schedule", json=manual).status_code == 201
    refused = harbor_api.post("/system/scanAll/schedule", json=manual)
    assert refused.status_code == 409 and "its status is Running" in refused.json()["errors"][0]["message"]
    running = harbor_api.get("/scans/all/metrics").json()
    assert running["ongoing"] is True and running["total"] == 2 and running["metrics"]["Running"] == 2
    job_control.advance(fake_harbor, 5)  # half the time: half the scans
    half = harbor_api.get("/scans/all/metrics").json()
    assert half["completed"] == 1 and half["ongoing"] is True
    assert half["metrics"] == {"Pending": 0, "Running": 1, "Success": 1, "Error": 0, "Stopped": 0}
    assert overview(harbor_api) is None  # the reports come with the end of the scan-all
    job_control.advance(fake_harbor, 6)
    done = harbor_api.get("/scans/all/metrics").json()
    assert done == {"total": 2, "completed": 2, "ongoing": False, "trigger": "Manual",
                    "metrics": {"Pending": 0, "Running": 0, "Success": 2, "Error": 0, "Stopped": 0}}
    assert overview(harbor_api)[GENERIC]["summary"]["total"] == 3
    assert harbor_api.post("/system/scanAll/schedule", json=manual).status_code == 201  # ended: a new one may start
    assert fake_harbor.violations == []


def test_stop_scan_all(fake_harbor, harbor_api):
    resp = harbor_api.post("/system/scanAll/stop")
    assert resp.status_code == 400 and resp.json()["errors"][0]["message"] == "no scan all job is found currently"
    seed(fake_harbor)
    job_control.configure(fake_harbor, hold=True)
    harbor_api.post("/system/scanAll/schedule", json={"schedule": {"type": "Manual"}})
    assert harbor_api.post("/system/scanAll/stop").status_code == 202
    stopped = harbor_api.get("/scans/all/metrics").json()
    assert stopped["ongoing"] is False and stopped["metrics"]["Stopped"] == 1 and stopped["completed"] == 1
    assert harbor_api.post("/system/scanAll/stop").status_code == 202  # an ended one: accepted all the same
    assert fake_harbor.violations == []


def test_a_scan_all_over_no_artifact_ends_at_once(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, hold=True)
    assert harbor_api.post("/system/scanAll/schedule", json={"schedule": {"type": "Manual"}}).status_code == 201
    metrics = harbor_api.get("/scans/all/metrics").json()
    assert metrics["ongoing"] is False and metrics["total"] == 0 and metrics["trigger"] == "Manual"
    assert harbor_api.post("/system/scanAll/stop").status_code == 202
    assert fake_harbor.violations == []
