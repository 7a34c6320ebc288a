# -*- coding: utf-8 -*-
"""harbor_ops.harbor.health_info, with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _jobs
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborClient
from ansible_collections.harbor_ops.harbor.plugins.modules import health_info

from ...conftest import API, SYSTEMINFO_215
from ..module_utils.test_jobs import FakeClock

NAMES = ("core", "portal", "jobservice", "registry", "registryctl", "database", "redis", "trivy")


def health(**broken):
    components = []
    for name in NAMES:
        item = {"name": name, "status": "unhealthy" if name in broken else "healthy"}
        if name in broken:
            item["error"] = broken[name]
        components.append(item)
    return {"status": "unhealthy" if broken else "healthy", "components": components}


@pytest.fixture
def clock(monkeypatch):
    """Waiting is faked, and so is the client's retry backoff."""
    fake = FakeClock()
    monkeypatch.setattr(_jobs, "time", fake)
    monkeypatch.setattr(HarborClient, "_delay", lambda self, attempt, resp=None: 0)
    return fake


def test_healthy(run_module, harbor):
    harbor.systeminfo()
    harbor.get(API + "/health", json=health())
    result = run_module(health_info, {})
    assert result["changed"] is False
    assert result["health"]["healthy"] is True and result["health"]["unhealthy"] == []
    assert result["health"]["component_status"]["trivy"] == "healthy"
    assert [c["name"] for c in result["health"]["components"]] == list(NAMES)
    assert "ansible_facts" not in result  # a result, not a fact (module guidelines for *_info)
    assert result["health"]["summary"] == "all 8 components healthy"


def test_unhealthy_is_read_from_the_body_of_a_200(run_module, harbor):
    harbor.systeminfo()
    harbor.get(API + "/health", json=health(redis="dial tcp: connection refused"))
    result = run_module(health_info, {})
    assert "failed" not in result
    assert result["health"]["status"] == "unhealthy" and result["health"]["healthy"] is False
    assert result["health"]["unhealthy"] == ["redis"]
    assert result["health"]["summary"] == "redis: unhealthy"


def test_summary_names_every_unhealthy_component_in_order(run_module, harbor):
    harbor.systeminfo()
    harbor.get(API + "/health", json=health(core="starting", jobservice="starting"))
    result = run_module(health_info, {})
    assert result["health"]["summary"] == "core, jobservice: unhealthy"


def test_wait_until_healthy(run_module, harbor, clock):
    harbor.systeminfo()
    for body in (health(core="starting", jobservice="starting"), health(jobservice="starting"), health()):
        harbor.get(API + "/health", json=body)
    result = run_module(health_info, dict(wait=True))
    assert result["health"]["healthy"] is True
    assert clock.pauses == [0.5, 1.0]


def test_wait_fails_naming_the_unhealthy_components(run_module, harbor, clock):
    harbor.systeminfo()
    harbor.get(API + "/health", json=health(redis="dial tcp: connection refused", trivy="timeout"))
    result = run_module(health_info, dict(wait=True, wait_timeout=60))
    assert result["failed"] is True
    assert result["msg"] == ("Harbor at https://harbor.test is not healthy after 60 seconds (wait_timeout): "
                             "unhealthy components: redis (dial tcp: connection refused), trivy (timeout)")
    assert result["health"]["unhealthy"] == ["redis", "trivy"]
    assert result["health"]["summary"] == "redis, trivy: unhealthy"  # the line a loop of short waits shows


def test_wait_while_harbor_is_still_starting(run_module, harbor, clock):
    # nginx answers 502 while core starts, longer than the client's retries; then Harbor answers.
    for _attempt in range(4):
        harbor.get(API + "/systeminfo", status=502, body="Bad Gateway")
    harbor.get(API + "/systeminfo", json=SYSTEMINFO_215)
    harbor.get(API + "/health", json=health())
    result = run_module(health_info, dict(wait=True))
    assert result["health"]["healthy"] is True
    assert clock.pauses == [0.5]


def test_wait_reports_an_unreachable_harbor(run_module, harbor, clock):
    harbor.get(API + "/systeminfo", body=requests.exceptions.ConnectionError("connection refused"))
    result = run_module(health_info, dict(wait=True, wait_timeout=10))
    assert result["failed"] is True
    assert "is not healthy after 10 seconds (wait_timeout): Harbor is not reachable: cannot reach Harbor" \
        in result["msg"]
    assert result["health"]["summary"].startswith("Harbor not answering yet: cannot reach Harbor")


def test_wrong_credentials_fail_at_once_even_when_waiting(run_module, harbor, clock):
    harbor.get(API + "/systeminfo", json={"auth_mode": "db_auth"})
    result = run_module(health_info, dict(wait=True))
    assert result["failed"] is True and result["msg"].startswith("authentication failed")
    assert clock.pauses == []


def test_bad_input_fails_before_any_request(run_module, harbor):
    result = run_module(health_info, dict(wait=True, wait_timeout=-1))
    assert result["failed"] is True and "wait_timeout must be 0 or more" in result["msg"]
    assert len(harbor.calls) == 0


def test_an_untrusted_certificate_stops_the_wait_at_once(run_module, harbor):
    import requests as requests_lib
    harbor.get("https://harbor.test/api/v2.0/systeminfo",
               body=requests_lib.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"))
    result = run_module(health_info, dict(wait=True, wait_timeout=600))
    assert result["failed"] is True and "set ca_path" in result["msg"]
    assert len(harbor.calls) == 1
