# -*- coding: utf-8 -*-
"""harbor_ops.harbor.scanner, with Harbor faked at the HTTP transport level."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.modules import scanner

from ...conftest import API

KEY = "s3cr3t-Adapter-Key"
TRIVY = {"uuid": "uuid-trivy", "name": "Trivy", "url": "http://trivy-adapter:8080", "description": "", "auth": "",
         "is_default": True, "disabled": False, "skip_certVerify": False, "use_internal_addr": True}
CORP = {"uuid": "uuid-corp", "name": "corp-scanner", "url": "https://scanner.example.com", "description": "central",
        "auth": "X-ScannerAdapter-API-Key", "is_default": False, "disabled": False, "skip_certVerify": False,
        "use_internal_addr": False}
ARGS = dict(name="corp-scanner", adapter_url="https://scanner.example.com", auth="api-key", access_credential=KEY,
            description="central")


def registrations(harbor, *lists):
    """Answers of successive GET /scanners (one list per read)."""
    for items in lists:
        harbor.get(API + "/scanners", json=items, headers={"X-Total-Count": str(len(items))})
    harbor.post(API + "/scanners", status=201, headers={"Location": "/api/v2.0/scanners/uuid-corp"})
    harbor.put(API + "/scanners/uuid-corp")
    harbor.patch(API + "/scanners/uuid-corp")
    harbor.delete(API + "/scanners/uuid-corp", json=CORP)


@pytest.fixture
def harbor215(harbor):
    harbor.systeminfo()
    return harbor


def test_register_with_an_api_key(run_module, harbor215):
    registrations(harbor215, [TRIVY], [TRIVY, CORP])
    result = run_module(scanner, ARGS, diff=True)
    assert result["changed"] is True
    assert harbor215.writes() == [("POST", "/scanners", {
        "name": "corp-scanner", "url": "https://scanner.example.com", "description": "central",
        "auth": "X-ScannerAdapter-API-Key", "access_credential": KEY})]
    assert result["scanner"]["uuid"] == "uuid-corp"
    assert KEY not in str(result)


def test_a_project_that_does_not_exist_fails_before_the_registration(run_module, harbor215):
    registrations(harbor215, [TRIVY])
    harbor215.get(API + "/projects/no-such", status=404, json={"errors": [{"code": "NOT_FOUND", "message": "x"}]})
    result = run_module(scanner, dict(ARGS, projects=["no-such"]))
    assert result["failed"] is True and "projects no-such do not exist" in result["msg"]
    assert harbor215.writes() == []


def test_register_as_default_and_for_projects(run_module, harbor215):
    registrations(harbor215, [TRIVY], [TRIVY, CORP], [TRIVY, dict(CORP, is_default=True)])
    harbor215.get(API + "/projects/production", json={"name": "production", "project_id": 2})
    harbor215.get(API + "/projects/production/scanner", json=dict(CORP, is_default=True))
    harbor215.put(API + "/projects/production/scanner")
    result = run_module(scanner, dict(ARGS, default=True, projects=["production"]))
    assert [w[:2] for w in harbor215.writes()] == [("POST", "/scanners"), ("PATCH", "/scanners/uuid-corp"),
                                                   ("PUT", "/projects/production/scanner")]
    assert harbor215.writes()[1][2] == {"is_default": True}
    assert harbor215.writes()[2][2] == {"uuid": "uuid-corp"}
    put = [c for c in harbor215.calls if c.request.method == "PUT"][0]
    assert put.request.headers["X-Is-Resource-Name"] == "true"
    assert result["scanner"]["is_default"] is True and result["scanner"]["projects"] == ["production"]


def test_same_settings_are_a_no_op_and_the_credential_is_not_compared(run_module, harbor215):
    registrations(harbor215, [TRIVY, CORP])
    result = run_module(scanner, ARGS)
    assert result["changed"] is False and harbor215.writes() == []


def test_update_sends_the_whole_registration_without_the_credential(run_module, harbor215):
    registrations(harbor215, [TRIVY, CORP], [TRIVY, dict(CORP, description="security team")])
    result = run_module(scanner, dict(ARGS, description="security team"), diff=True)
    assert harbor215.writes() == [("PUT", "/scanners/uuid-corp", {
        "name": "corp-scanner", "url": "https://scanner.example.com", "description": "security team",
        "auth": "X-ScannerAdapter-API-Key", "skip_certVerify": False, "use_internal_addr": False, "disabled": False})]
    assert result["diff"] == {"before": {"description": "central"}, "after": {"description": "security team"}}


def test_update_credential_always_sends_it_and_masks_it(run_module, harbor215):
    registrations(harbor215, [TRIVY, CORP])
    result = run_module(scanner, dict(ARGS, update_credential="always"), diff=True)
    assert result["changed"] is True
    assert harbor215.writes()[0][2]["access_credential"] == KEY
    assert result["diff"]["after"] == {"access_credential": "******** (changed)"}
    assert KEY not in str(result)


def test_make_default(run_module, harbor215):
    registrations(harbor215, [TRIVY, CORP], [dict(TRIVY, is_default=False), dict(CORP, is_default=True)])
    result = run_module(scanner, dict(name="corp-scanner", default=True))
    assert harbor215.writes() == [("PATCH", "/scanners/uuid-corp", {"is_default": True})]
    assert result["scanner"]["is_default"] is True


def test_default_false_on_the_default_scanner_fails(run_module, harbor):
    harbor.systeminfo()
    harbor.get(API + "/scanners", json=[TRIVY])
    result = run_module(scanner, dict(name="Trivy", default=False))
    assert result["failed"] is True and "make another scanner the default" in result["msg"]
    assert harbor.writes() == []


def test_projects_already_using_it_are_unchanged(run_module, harbor215):
    registrations(harbor215, [TRIVY, CORP])
    harbor215.get(API + "/projects/production/scanner", json=CORP)
    result = run_module(scanner, dict(name="corp-scanner", projects=["production"]))
    assert result["changed"] is False and harbor215.writes() == []


def test_check_mode_create_sends_no_write(run_module, harbor215):
    registrations(harbor215, [TRIVY])
    result = run_module(scanner, ARGS, check_mode=True, diff=True)
    assert result["changed"] is True and harbor215.writes() == []
    assert result["scanner"]["name"] == "corp-scanner"
    assert KEY not in str(result)


def test_delete(run_module, harbor215):
    registrations(harbor215, [TRIVY, CORP])
    result = run_module(scanner, dict(name="corp-scanner", state="absent"))
    assert result["changed"] is True and result["scanner"] == {}
    assert harbor215.writes() == [("DELETE", "/scanners/uuid-corp", None)]


def test_delete_in_check_mode_sends_no_write(run_module, harbor215):
    registrations(harbor215, [TRIVY, CORP])
    result = run_module(scanner, dict(name="corp-scanner", state="absent"), check_mode=True)
    assert result["changed"] is True and harbor215.writes() == []


def test_absent_and_missing_is_unchanged(run_module, harbor215):
    registrations(harbor215, [TRIVY])
    result = run_module(scanner, dict(name="corp-scanner", state="absent"))
    assert result["changed"] is False and harbor215.writes() == []


def test_register_needs_the_adapter_url(run_module, harbor215):
    registrations(harbor215, [TRIVY])
    result = run_module(scanner, dict(name="corp-scanner", default=True))
    assert result["failed"] is True and "adapter_url is required to register it" in result["msg"]
    assert harbor215.writes() == []


def test_register_with_auth_needs_the_credential(run_module, harbor215):
    registrations(harbor215, [TRIVY])
    result = run_module(scanner, dict(name="corp-scanner", adapter_url="https://scanner.example.com", auth="bearer"))
    assert result["failed"] is True and "auth=bearer needs access_credential" in result["msg"]
    assert harbor215.writes() == []


@pytest.mark.parametrize("args, message", [
    (dict(ARGS, adapter_url="ftp://scanner.example.com"), "must start with http:// or https://"),
    (dict(ARGS, adapter_url="https://"), "'https://' has no host name"),
    (dict(ARGS, auth="oauth"), "value of auth must be one of: none, basic, bearer, api-key"),
    (dict(ARGS, auth="none"), "access_credential cannot be used with auth=none"),
    (dict(ARGS, projects=["Production"]), "project name 'Production' is not valid"),
    (dict(ARGS, name=" "), "name must not be empty"),
])
def test_bad_input_fails_before_any_request(run_module, harbor, args, message):
    result = run_module(scanner, args)
    assert result["failed"] is True and message in result["msg"]
    assert len(harbor.calls) == 0
    assert KEY not in str(result)


# ---------------------------------------------------------------- an adapter Harbor cannot reach

def test_register_an_unreachable_adapter_fails_with_a_clear_message(run_module, harbor215):
    harbor215.get(API + "/scanners", json=[TRIVY], headers={"X-Total-Count": "1"})
    # Harbor pings <url>/api/v1/metadata before it registers; an unreachable adapter is its untyped 500
    harbor215.post(API + "/scanners", status=500,
                   json={"errors": [{"code": "UNKNOWN", "message": "internal server error"}]})
    result = run_module(scanner, ARGS)
    assert result["failed"] is True
    assert "Harbor could not register scanner corp-scanner" in result["msg"]
    assert "https://scanner.example.com/api/v1/metadata" in result["msg"]
    assert "Check adapter_url" in result["msg"] and result["status"] == 500
    assert [w[:2] for w in harbor215.writes()] == [("POST", "/scanners")]  # sent once, never retried
    assert KEY not in str(result)


def test_other_errors_of_the_registration_are_reported_as_harbor_says(run_module, harbor215):
    harbor215.get(API + "/scanners", json=[TRIVY], headers={"X-Total-Count": "1"})
    harbor215.post(API + "/scanners", status=400,
                   json={"errors": [{"code": "BAD_REQUEST", "message": 'name "Trivy" is reserved'}]})
    result = run_module(scanner, ARGS)
    assert result["failed"] is True and "is reserved" in result["msg"] and "could not register" not in result["msg"]


# ---------------------------------------------------------------- the credential by version

STORED = dict(CORP, access_credential=KEY)  # what Harbor 2.10.0-2.14.3 and 2.15.0 return


@pytest.mark.parametrize("harbor_version, resent", [
    ("v2.10.0-6abb4eab", True), ("v2.13.5-1a2b3c4d", True), ("v2.14.3-1a2b3c4d", True), ("v2.15.0-1a2b3c4d", True),
    ("v2.14.4-1a2b3c4d", False), ("v2.15.1-1a2b3c4d", False), ("v2.15.2-080b0220", False),
])
def test_older_versions_get_the_stored_credential_back_with_every_update(run_module, harbor, harbor_version, resent):
    harbor.systeminfo({"harbor_version": harbor_version, "auth_mode": "db_auth"})
    read = STORED if resent else dict(CORP, access_credential="")
    registrations(harbor, [TRIVY, read], [TRIVY, dict(read, description="security team")])
    result = run_module(scanner, dict(name="corp-scanner", description="security team"), diff=True)
    assert result["changed"] is True
    [(method, path, body)] = harbor.writes()
    assert (method, path) == ("PUT", "/scanners/uuid-corp")
    assert body.get("access_credential") == (KEY if resent else None)
    assert body["description"] == "security team" and body["auth"] == "X-ScannerAdapter-API-Key"
    assert KEY not in str(result)


def test_an_old_version_that_does_not_return_the_credential_is_refused_before_any_write(run_module, harbor):
    harbor.systeminfo({"harbor_version": "v2.10.0-6abb4eab", "auth_mode": "db_auth"})
    registrations(harbor, [TRIVY, dict(CORP, access_credential="")])
    result = run_module(scanner, dict(name="corp-scanner", description="security team"))
    assert result["failed"] is True and "without its credential" in result["msg"] and "set access_credential" in \
        result["msg"]
    assert harbor.writes() == []


def test_an_old_version_takes_the_given_credential_when_it_returned_none(run_module, harbor):
    harbor.systeminfo({"harbor_version": "v2.10.0-6abb4eab", "auth_mode": "db_auth"})
    registrations(harbor, [TRIVY, dict(CORP, access_credential="")], [TRIVY, CORP])
    run_module(scanner, dict(ARGS, description="security team"))
    assert harbor.writes()[0][2]["access_credential"] == KEY


def test_update_credential_always_is_compared_where_harbor_returns_it(run_module, harbor):
    harbor.systeminfo({"harbor_version": "v2.10.0-6abb4eab", "auth_mode": "db_auth"})
    registrations(harbor, [TRIVY, STORED], [TRIVY, STORED], [TRIVY, dict(STORED, access_credential="N3w")])
    same = run_module(scanner, dict(ARGS, update_credential="always"))
    assert same["changed"] is False and harbor.writes() == []
    rotated = run_module(scanner, dict(ARGS, access_credential="N3w-Key", update_credential="always"), diff=True)
    assert rotated["changed"] is True and harbor.writes()[0][2]["access_credential"] == "N3w-Key"
    assert rotated["diff"] == {"before": {"access_credential": "********"}, "after": {"access_credential": "******** (changed)"}}
    assert KEY not in str(rotated) and "N3w-Key" not in str(rotated)


def test_changing_the_auth_type_sends_the_given_credential(run_module, harbor215):
    plain = dict(CORP, auth="", access_credential="")
    registrations(harbor215, [TRIVY, plain], [TRIVY, CORP])
    run_module(scanner, ARGS)
    [(_method, _path, body)] = harbor215.writes()
    assert body["auth"] == "X-ScannerAdapter-API-Key" and body["access_credential"] == KEY


def test_empty_and_false_options_match_the_stored_registration(run_module, harbor215):
    plain = dict(CORP, description="", auth="", access_credential="")
    registrations(harbor215, [TRIVY, plain])
    result = run_module(scanner, dict(name="corp-scanner", adapter_url="https://scanner.example.com", auth="none",
                                      description="", disabled=False, skip_cert_verify=False,
                                      use_internal_addr=False))
    assert result["changed"] is False and harbor215.writes() == []
