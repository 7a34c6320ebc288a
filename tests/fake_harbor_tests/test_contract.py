"""Contract validation of requests and responses against Harbor's specs (contract-notes.md)."""

import re
import time

import pytest
import requests

from tests.fake_harbor.contract.spec import load_spec, to_draft4
from tests.fake_harbor.contract.validator import FORMAT_CHECKER
from tests.fake_harbor import resources
from tests.fake_harbor.framework.response import Response
from tests.fake_harbor.framework.routing import Router, RouteTable
from tests.fake_harbor.server import FakeHarbor
from tests.fake_harbor.version import HarborVersion

from .conftest import ADMIN, SPEC_DIR, needs_spec, request_violations, stand_ins_first

pytestmark = needs_spec


def test_contract_is_enabled(fake_harbor):
    assert fake_harbor.contract_enabled
    assert fake_harbor.spec.name == "swagger.yaml-v2.15.2"


def test_undefined_body_property_is_recorded_and_dropped(fake_harbor, harbor_api):
    resp = harbor_api.post("/projects", json={"project_name": "drop", "access_key": "AKIA",
                                              "metadata": {"public": "false", "colour": "blue"}})
    assert resp.status_code == 201  # Harbor silently drops the unknown properties
    messages = [v["message"] for v in request_violations(fake_harbor)]
    assert "access_key in body is not defined by the schema (Harbor drops it)" in messages
    assert "metadata.colour in body is not defined by the schema (Harbor drops it)" in messages
    violation = request_violations(fake_harbor)[0]
    assert violation["operationId"] == "createProject" and violation["method"] == "POST"
    assert violation["path"] == "/api/v2.0/projects"
    assert harbor_api.get("/projects/drop").json()["metadata"] == {"public": "false"}


def test_metadata_boolean_instead_of_string_is_422(fake_harbor, harbor_api):
    resp = harbor_api.post("/projects", json={"project_name": "typed", "metadata": {"auto_scan": True}})
    assert resp.status_code == 422
    assert resp.json() == {"errors": [{
        "code": "UNPROCESSABLE_ENTITY",
        "message": 'validation failure list:\nmetadata.auto_scan in body must be of type string: "boolean"'}]}
    assert harbor_api.get("/projects/typed").status_code == 404  # no handler ran
    assert request_violations(fake_harbor)[0]["message"].startswith("metadata.auto_scan in body")


def test_unknown_query_parameter_is_recorded(fake_harbor, harbor_api):
    resp = harbor_api.get("/projects", params={"project_name": "library"})  # HEAD's parameter, not list's
    assert resp.status_code == 200
    assert len(resp.json()) == 1  # ignored: unfiltered
    assert [v["message"] for v in request_violations(fake_harbor)] == [
        'unknown query parameter "project_name" (Harbor ignores it)']


def test_body_on_operation_without_body_is_recorded(fake_harbor, harbor_api):
    harbor_api.post("/projects", json={"project_name": "gone"})
    resp = harbor_api.delete("/projects/gone", json={"force": True})
    assert resp.status_code == 200
    assert request_violations(fake_harbor)[0]["message"] == "deleteProject takes no request body (Harbor ignores it)"


def test_null_rules(fake_harbor, harbor_api):
    # storage_limit is x-nullable: fine; metadata.public is not: recorded, read as the zero value
    resp = harbor_api.post("/projects", json={"project_name": "nulls", "storage_limit": None,
                                              "metadata": {"public": None, "auto_scan": None}})
    assert resp.status_code == 201
    assert [v["message"] for v in request_violations(fake_harbor)] == [
        "metadata.public in body is null but not x-nullable (Harbor reads the zero value)"]
    assert harbor_api.get("/projects/nulls").json()["metadata"] == {"public": "false"}


@pytest.mark.parametrize("call,message", [
    (("POST", "/projects", None), "project in body is required"),
    (("POST", "/projects", b"{not json"), "parsing project body"),
    (("POST", "/projects", {"project_name": "x", "storage_limit": 2 ** 63}), "storage_limit in body must be of type int64"),
    (("POST", "/projects", {"project_name": "x" * 256}), "project_name in body should be at most 255 chars long"),
    (("POST", "/projects", ["x"]), "project in body must be of type object"),
    (("PUT", "/quotas/1", {"hard": {"storage": "10"}}), "hard.storage in body must be of type integer"),
    (("PUT", "/projects/library", {"cve_allowlist": {"creation_time": "yesterday"}}),
     'cve_allowlist.creation_time in body must be of type date-time: "yesterday"'),
    (("PUT", "/projects/library", {"cve_allowlist": {"expires_at": 1.5}}),
     'cve_allowlist.expires_at in body must be of type integer: "number"'),
    (("GET", "/projects?page=abc", None), 'page in query must be of type int64: "abc"'),
    (("GET", "/projects?page_size=101", None), "page_size in query should be less than or equal to 100"),
    (("GET", "/quotas/abc", None), 'id in path must be of type int64: "abc"'),
    (("HEAD", "/projects", None), "project_name in query is required"),
    (("GET", "/ping", None, {"X-Request-Id": ""}), None),
])
def test_binding_failures_are_422_before_the_handler(fake_harbor, call, message):
    method, path, body = call[:3]
    headers = call[3] if len(call) > 3 else {}
    kwargs = {"json": body} if isinstance(body, (dict, list)) else {"data": body}
    if isinstance(body, bytes):
        headers = dict(headers, **{"Content-Type": "application/json"})
    resp = requests.request(method, fake_harbor.api_url + path, auth=ADMIN, headers=headers, timeout=10, **kwargs)
    if message is None:  # an empty X-Request-Id counts as absent
        assert resp.status_code == 200
        return
    assert resp.status_code == 422
    if method != "HEAD":
        assert resp.json()["errors"][0]["code"] == "UNPROCESSABLE_ENTITY"
        assert message in resp.json()["errors"][0]["message"]
    assert any(message in v["message"] for v in request_violations(fake_harbor))
    assert len(fake_harbor.state.projects) == 1


def test_format_checker_ranges():
    assert FORMAT_CHECKER.conforms(2 ** 31 - 1, "int32") and not FORMAT_CHECKER.conforms(2 ** 31, "int32")
    assert FORMAT_CHECKER.conforms(-(2 ** 63), "int64") and not FORMAT_CHECKER.conforms(2 ** 63, "int64")
    assert FORMAT_CHECKER.conforms("2024-05-01T10:00:00.123Z", "date-time")
    assert FORMAT_CHECKER.conforms("2024-05-01T10:00:00+02:00", "date-time")
    assert not FORMAT_CHECKER.conforms("2024-05-01", "date-time")


def test_non_canonical_boolean_query_value_is_recorded(fake_harbor, harbor_api):
    harbor_api.post("/projects", json={"project_name": "private"})
    resp = harbor_api.get("/projects", params={"public": "yes"})  # swag reads "yes" as true
    assert [p["name"] for p in resp.json()] == ["library"]
    assert request_violations(fake_harbor)[0]["message"] == \
        'public in query is not a boolean: "yes" (Harbor reads it as true)'


def test_clean_crud_cycle_has_zero_violations(fake_harbor, harbor_api):
    assert harbor_api.post("/projects", json={"project_name": "clean", "metadata": {"public": "false"},
                                              "storage_limit": 1024}).status_code == 201
    assert harbor_api.head("/projects", params={"project_name": "clean"}).status_code == 200
    project = harbor_api.get("/projects/clean", headers={"X-Is-Resource-Name": "true"}).json()
    assert harbor_api.get("/projects", params={"name": "clean", "page": 1, "page_size": 5}).status_code == 200
    assert harbor_api.put("/projects/%d" % project["project_id"],
                          json={"metadata": {"auto_scan": "true", "severity": "high"}}).status_code == 200
    assert harbor_api.post("/projects/clean/metadatas/", json={"prevent_vul": "true"}).status_code == 200
    assert harbor_api.get("/projects/clean/summary").status_code == 200
    assert harbor_api.get("/projects/clean/_deletable").status_code == 200
    quota = harbor_api.get("/quotas", params={"reference": "project", "reference_id": project["project_id"]}).json()[0]
    assert harbor_api.put("/quotas/%d" % quota["id"], json={"hard": {"storage": -1}}).status_code == 200
    assert harbor_api.delete("/projects/clean").status_code == 200
    assert harbor_api.get("/projects/clean").status_code == 404
    assert fake_harbor.violations == []
    assert [r["operation_id"] for r in fake_harbor.requests][:3] == ["createProject", "headProject", "getProject"]


class _Broken:
    """Endpoints whose answers break the spec: the fake itself would be wrong.

    They sit on P2P preheat operations; ``stand_ins_first`` lets them win over the fake's own routes there.
    """

    ROUTES = RouteTable()

    @staticmethod
    @ROUTES.get("/p2p/preheat/instances/{preheat_instance_name}")
    def _bad_body(_ctx):
        return Response.json({"id": "lots", "colour": "blue"})

    @staticmethod
    @ROUTES.get("/projects/{project_name}/preheat/policies/{preheat_policy_name}")
    def _undocumented_2xx(_ctx):
        return Response(204)

    @staticmethod
    @ROUTES.get("/projects/{project_name}/preheat/policies")
    def _missing_header(_ctx):
        return Response.json([])

    @staticmethod
    @ROUTES.get("/fake-only")
    def _not_in_spec(_ctx):
        return Response.json({})

    @staticmethod
    @ROUTES.get("/p2p/preheat/providers")
    def _crash(_ctx):
        raise RuntimeError("boom")


@pytest.mark.allow_response_violations
def test_response_violations_are_recorded():
    with FakeHarbor(extra_modules=[_Broken], auth_fail_delay=0) as server:
        stand_ins_first(server, _Broken, unserved=[("GET", "/p2p/preheat/instances")])

        def get(path):
            return requests.get(server.api_url + path, auth=ADMIN, timeout=10)

        get("/p2p/preheat/instances/one")
        get("/projects/library/preheat/policies/one")
        get("/projects/library/preheat/policies")
        assert get("/fake-only").status_code == 200
        crashed = get("/p2p/preheat/providers")
        assert crashed.status_code == 500
        assert crashed.json() == {"errors": [{"code": "UNKNOWN", "message": "internal server error"}]}
        not_implemented = get("/p2p/preheat/instances")
        assert not_implemented.status_code == 501
        by_op = {}
        for violation in server.violations:
            by_op.setdefault((violation["kind"], violation["operationId"]), []).append(violation["message"])
        assert any("id in response must be of type integer" in m for m in by_op[("response", "GetInstance")])
        assert any("colour" in m for m in by_op[("response", "GetInstance")])
        assert by_op[("response", "GetPolicy")] == ["status 204 is not documented for GetPolicy"]
        assert any("X-Total-Count" in m for m in by_op[("response", "ListPolicies")])
        assert by_op[("request", None)] == ["GET /fake-only is not an operation of Harbor 2.15.2 "
                                            "(spec swagger.yaml-v2.15.2)"]
        assert "crashed" in by_op[("response", "ListProviders")][0]
        assert by_op[("response", "ListInstances")] == [
            "operation ListInstances is in the swagger.yaml-v2.15.2 spec but not implemented by the fake"]


def test_spec_cache_and_conversion():
    start = time.monotonic()
    first = load_spec(SPEC_DIR, HarborVersion("2.15"))
    assert load_spec(SPEC_DIR, HarborVersion("2.15.2")) is first
    assert time.monotonic() - start < 5
    start = time.monotonic()
    for attempt in range(20):
        assert load_spec(SPEC_DIR, HarborVersion("2.15")) is first, attempt
    assert time.monotonic() - start < 0.05
    assert load_spec(SPEC_DIR, HarborVersion("2.14")) is not first  # overlays make a separate spec
    converted = to_draft4({"type": "object", "properties": {"a": {"type": "string", "x-nullable": True},
                                                            "b": {"$ref": "#/definitions/X", "x-isnullable": True}}})
    assert converted["additionalProperties"] is False
    assert converted["properties"]["a"]["type"] == ["string", "null"]
    assert converted["properties"]["b"] == {"anyOf": [{"$ref": "#/definitions/X"}, {"type": "null"}]}


@pytest.mark.parametrize("version,present,absent", [
    ("2.10", [], ["auto_sbom_generation", "proxy_speed_kb"]),
    ("2.11", ["auto_sbom_generation"], ["proxy_speed_kb"]),
    ("2.12", ["auto_sbom_generation", "proxy_speed_kb"], ["max_upstream_conn"]),
    ("2.13", ["proxy_speed_kb"], ["max_upstream_conn", "proxy_cache_local_on_not_found"]),
    ("2.15.0", ["max_upstream_conn"], ["proxy_cache_local_on_not_found"]),
    ("2.15", ["max_upstream_conn", "proxy_cache_local_on_not_found"], []),
    ("main", ["max_upstream_conn", "proxy_cache_local_on_not_found"], []),
])
def test_overlays_fit_the_spec_to_the_version(version, present, absent):
    properties = load_spec(SPEC_DIR, HarborVersion(version)).definitions["ProjectMetadata"]["properties"]
    assert all(key in properties for key in present)
    assert not any(key in properties for key in absent)


def test_metadata_key_of_a_later_version_is_dropped(fake_harbor_pool):
    server = fake_harbor_pool.get("2.13")
    server.reset()
    resp = requests.post(server.api_url + "/projects", auth=ADMIN, timeout=10,
                         json={"project_name": "old", "metadata": {"max_upstream_conn": "5"}})
    assert resp.status_code == 201
    assert [v["message"] for v in request_violations(server)] == [
        "metadata.max_upstream_conn in body is not defined by the schema (Harbor drops it)"]
    assert requests.get(server.api_url + "/projects/old", auth=ADMIN, timeout=10).json()["metadata"] == {
        "public": "false"}


@pytest.mark.parametrize("version", ["2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "main"])
def test_every_operation_of_the_spec_is_served(version):
    """No operation of the version's spec answers 501: each has a route of the fake (README, "Not done yet")."""
    harbor_version = HarborVersion(version)
    spec = load_spec(SPEC_DIR, harbor_version)
    router = Router([module.ROUTES for module in resources.MODULES], harbor_version)
    unserved = []
    for operation in spec.operations:
        sample = re.sub(r"\{[^}]+\}", "1", operation.path)
        if not any(route.method == operation.method and route.template.match(sample) is not None
                   for route in router.routes):
            unserved.append("%s %s" % (operation.method, operation.path))
    assert unserved == []
