"""The seed guide's project calls (shared/seed/000_*.txt), replayed raw with requests.

The guide uses curl with ``-u admin:...`` and JSON bodies; Harbor's answers
are in api-notes §15.
"""

import json

import pytest
import requests

from .conftest import request_violations


def curl(server, method, path, data=None):
    """curl -X METHOD URL -H 'Content-Type: application/json' -u admin:PASSWORD -d DATA"""
    headers = {"Content-Type": "application/json"} if data is not None else {}
    return requests.request(method, server.api_url + path, data=data, headers=headers,
                            auth=("admin", server.options.admin_password), timeout=10)


PRODUCTION = '''{
    "project_name": "production",
    "metadata": {
      "public": "false",
      "enable_content_trust": "true",
      "prevent_vul": "true",
      "severity": "high",
      "auto_scan": "true"
    }
  }'''


@pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
def test_seed_project_calls(fake_harbor):
    resp = curl(fake_harbor, "POST", "/projects", PRODUCTION)
    assert resp.status_code == 201 and resp.headers["Location"] == "/api/v2.0/projects/2"

    statuses = {}
    for project in ("production", "staging", "development", "shared-libs"):
        body = "{\"project_name\": \"%s\", \"metadata\": {\"public\": \"false\", \"auto_scan\": \"true\"}}" % project
        statuses[project] = curl(fake_harbor, "POST", "/projects", body).status_code
    assert statuses == {"production": 409, "staging": 201, "development": 201, "shared-libs": 201}

    update = '''{
    "metadata": {
      "auto_scan": "true",
      "severity": "high",
      "prevent_vul": "true"
    }
  }'''
    assert curl(fake_harbor, "PUT", "/projects/production", update).status_code == 200
    cosign = '{"metadata": {"enable_content_trust_cosign": "true"}}'
    assert curl(fake_harbor, "PUT", "/projects/production", cosign).status_code == 200

    project = curl(fake_harbor, "GET", "/projects/production").json()
    assert project["metadata"] == {"public": "false", "enable_content_trust": "true", "prevent_vul": "true",
                                   "severity": "high", "auto_scan": "true", "enable_content_trust_cosign": "true"}
    shared = curl(fake_harbor, "GET", "/projects/shared-libs").json()
    assert shared["metadata"] == {"public": "false", "auto_scan": "true"}
    assert fake_harbor.violations == []

    health = requests.get(fake_harbor.api_url + "/health", timeout=10)
    assert health.status_code == 200 and {c["name"] for c in health.json()["components"]} >= {
        "database", "registry", "jobservice", "redis", "trivy"}


def test_seed_robot_v1_call_does_not_exist_on_2_15(fake_harbor):
    body = json.dumps({"name": "ci-robot", "description": "CI/CD pipeline robot account", "duration": 365,
                       "access": [{"resource": "repository", "action": "pull"}]})
    curl(fake_harbor, "POST", "/projects", PRODUCTION)
    resp = curl(fake_harbor, "POST", "/projects/production/robots", body)
    assert resp.status_code == 404
    assert resp.json()["errors"][0]["code"] == "NOT_FOUND"
    if fake_harbor.contract_enabled:
        assert "not an operation of Harbor 2.15.2" in request_violations(fake_harbor)[0]["message"]
