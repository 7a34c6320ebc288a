# -*- coding: utf-8 -*-
"""Bad input found by the fault campaign (issue 15): one clear error and zero requests, never a traceback."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import (
    configuration,
    cve_allowlist,
    project,
    registry,
    registry_info,
    replication_policy,
    scanner,
    webhook_policy,
)

from ...conftest import API, CONNECTION

HOOK = dict(project="production", name="hook", event_types=["PUSH_ARTIFACT"])


@pytest.mark.parametrize("module, args, message", [
    (project, dict(name="p", timeout=0), "timeout must be 1 to 3600 seconds"),
    (project, dict(name="p", timeout=-5), "timeout must be 1 to 3600 seconds"),
    (project, dict(name="p", ca_path="/nonexistent/ca.pem"), "ca_path '/nonexistent/ca.pem' does not exist"),
    (project, dict(name="p", url="https://h:abc"), "url 'https://h:abc' is not a valid URL"),
    (project, dict(name="p", url="https://" + "a" * 70000 + ".example.com"), "longer than DNS allows"),
    (project, dict(name="p", url="https://[x"), "is not a valid URL"),
    (registry, dict(name="r", type="docker-hub", endpoint_url="https://[x"),
     "endpoint_url of registry r 'https://[x' is not a valid URL"),
    (webhook_policy, dict(HOOK, targets=[dict(address="https://[x")]), "'https://[x' is not a valid URL"),
    (configuration, dict(ldap=dict(url="ldaps://[x")), "ldap.url 'ldaps://[x' is not a valid URL"),
    (configuration, dict(oidc=dict(endpoint="https://[x")), "is not a valid URL"),
    (scanner, dict(name="s", adapter_url="https://[x"), "adapter_url (the scanner adapter's URL) 'https://[x' is not"),
])
def test_bad_input_is_one_clear_error_and_no_request(run_module, harbor, module, args, message):
    result = run_module(module, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert "Traceback" not in result.get("exception", "") and len(result["msg"]) < 600  # a huge value is cut
    assert harbor.sent() == []


def test_a_non_ascii_user_name_logs_in_as_utf_8(run_module, harbor):
    harbor.get(API + "/systeminfo", json={"harbor_version": "v2.15.2-080b0220", "auth_mode": "db_auth"})
    harbor.get(API + "/projects/p", status=404, json={"errors": [{"code": "NOT_FOUND", "message": "x"}]})
    harbor.head(API + "/projects", status=404)
    result = run_module(project, dict(name="p", username="jörg-ünïcødé-管理", state="absent"))
    assert not result.get("failed"), result
    header = harbor.calls[0].request.headers["Authorization"]
    assert base64.b64decode(header.split()[1]).decode("utf-8") == "jörg-ünïcødé-管理:%s" % CONNECTION["password"]


@pytest.mark.parametrize("module, args, message", [
    (project, dict(name="p", proxy_speed_kb=-5), "proxy_speed_kb must be 0 to 2147483647 or -1 for no limit"),
    (project, dict(name="p", proxy_speed_kb=2 ** 63), "proxy_speed_kb must be 0 to 2147483647"),
    (project, dict(name="p", max_upstream_conn=-3), "max_upstream_conn must be 1 to 2147483647 or -1"),
    (replication_policy, dict(name="r" * 300, dest_registry="ecr"), "name must have at most 255 characters, got 300"),
    (webhook_policy, dict(HOOK, name="w" * 300, targets=[dict(address="https://hooks.example.com")]),
     "name must have at most 255 characters"),
    (configuration, dict(robot_token_duration=2 ** 40), "robot_token_duration (days) must be 1 to 2147483646"),
    (configuration, dict(audit_log_forward_endpoint="http://syslog:514"),
     "audit_log_forward_endpoint 'http://syslog:514' must be the syslog endpoint as host:port"),
    (configuration, dict(robot_name_prefix=""), "robot_name_prefix must not be empty"),
    (cve_allowlist, dict(cves=["CVE-2024-0001"], expires_at=str(2 ** 64)), "beyond what Harbor can store"),
    (registry_info, dict(type="gitlab2"), "type 'gitlab2' is not an adapter type of Harbor"),
])
def test_input_beyond_harbors_limits_is_refused_before_any_request(run_module, harbor, module, args, message):
    result = run_module(module, args)
    assert result["failed"] is True and message in result["msg"]
    assert harbor.sent() == []


@pytest.mark.parametrize("endpoint", ["syslog.example.com:514", "10.0.0.5:1514", "[fd00::5]:514"])
def test_a_syslog_endpoint_as_host_and_port_is_accepted(endpoint):
    assert configuration.Configuration.module_args["audit_log_forward_endpoint"]["type"] == "str"
    from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.configuration import SYSLOG_ENDPOINT_RE
    assert SYSLOG_ENDPOINT_RE.match(endpoint)


def test_validate_certs_false_warns_once(run_module, harbor):
    harbor.get(API + "/systeminfo", json={"harbor_version": "v2.15.2-080b0220", "auth_mode": "db_auth"})
    harbor.get(API + "/projects/p", status=404, json={"errors": [{"code": "NOT_FOUND", "message": "x"}]})
    harbor.head(API + "/projects", status=404)
    result = run_module(project, dict(name="p", state="absent", validate_certs=False))
    texts = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
    assert len([t for t in texts if "validate_certs=false" in t]) == 1
