"""Harbor's ``omitempty``: the fake leaves out of its answers the zero values that Harbor's Go server leaves out.

The rules (contract/omitempty.py) come from go-swagger's generated models: a property that is not required and
not ``x-omitempty: false`` is dropped when it is ``""``, ``0``, ``false`` or nil; ``x-nullable`` properties are
pointers (their zero value is sent); arrays are never dropped. The first tests hold the rule engine to that on
small schemas, the contract test shows the checker reports an emitted zero value, the rest walk the places where
the fake used to send what Harbor leaves out, on 2.10 and 2.15.
"""

import json

import pytest

from tests.fake_harbor.contract.omitempty import emitted_zero_values, omit_empty
from tests.fake_harbor.contract.spec import load_spec
from tests.fake_harbor.contract.validator import ContractChecker
from tests.fake_harbor.version import HarborVersion

from .conftest import SPEC_DIR, needs_spec

pytestmark = needs_spec

DEFINITIONS = {
    "Thing": {
        "type": "object",
        "required": ["must"],
        "properties": {
            "must": {"type": "string"},
            "text": {"type": "string"},
            "count": {"type": "integer", "format": "int64"},
            "flag": {"type": "boolean"},
            "kept_flag": {"type": "boolean", "x-omitempty": False},
            "pointer_flag": {"type": "boolean", "x-nullable": True},
            "pointer_count": {"type": "integer", "x-isnullable": True, "x-omitempty": True},
            "when": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "capabilities": {"type": "object", "additionalProperties": True},
            "free": {"type": "object"},
            "child": {"$ref": "#/definitions/Child"},
            "children": {"type": "array", "items": {"$ref": "#/definitions/Child"}},
            "kind": {"$ref": "#/definitions/Kind"},
        },
    },
    "Child": {"type": "object", "properties": {"name": {"type": "string"}, "on": {"type": "boolean"}}},
    "Kind": {"type": "string"},
    "Extended": {"allOf": [{"$ref": "#/definitions/Child"},
                           {"type": "object", "properties": {"extra": {"type": "integer"}}}]},
}
THING = {"$ref": "#/definitions/Thing"}


def test_zero_values_of_plain_properties_are_dropped():
    body = {"must": "", "text": "", "count": 0, "flag": False, "kind": "", "free": {}, "child": {"name": "", "on": False}}
    assert omit_empty(DEFINITIONS, THING, body) == {"must": "", "free": {}, "child": {}}
    assert emitted_zero_values(DEFINITIONS, THING, body) == ["text", "count", "flag", "kind", "child.name", "child.on"]


def test_what_go_swagger_keeps():
    body = {"must": "x", "kept_flag": False, "pointer_flag": False, "pointer_count": 0, "tags": [],
            "when": "2024-05-01T10:00:00.000Z", "text": "set", "count": 3, "flag": True}
    assert omit_empty(DEFINITIONS, THING, body) == body
    assert emitted_zero_values(DEFINITIONS, THING, body) == []


def test_nil_pointers_and_empty_maps_are_dropped_but_not_nil_arrays():
    body = {"must": "x", "pointer_flag": None, "pointer_count": None, "labels": {}, "capabilities": {}, "child": None,
            "tags": None}
    # a nil slice is written as null by Go (arrays have no omitempty): the schema check reports that, not this rule
    assert omit_empty(DEFINITIONS, THING, body) == {"must": "x", "tags": None}


def test_the_rules_apply_inside_arrays_maps_and_allof():
    body = {"must": "x", "children": [{"name": "a", "on": False}, {"name": ""}], "labels": {"k": ""}}
    # map values are plain strings, not properties: a map keeps its entries
    assert omit_empty(DEFINITIONS, THING, body) == {"must": "x", "children": [{"name": "a"}, {}], "labels": {"k": ""}}
    listed = omit_empty(DEFINITIONS, {"type": "array", "items": THING}, [{"must": "a", "flag": False}])
    assert listed == [{"must": "a"}]
    assert omit_empty(DEFINITIONS, {"$ref": "#/definitions/Extended"}, {"name": "", "on": True, "extra": 0}) == {"on": True}


@pytest.mark.parametrize("version", ["2.10", "2.15"])
def test_the_checker_reports_an_emitted_zero_value(version):
    spec = load_spec(SPEC_DIR, HarborVersion(version))
    operation, _params, _allowed = spec.match("GET", "/registries/1")
    body = {"id": 1, "name": "hub", "url": "https://hub.docker.com", "type": "docker-hub", "insecure": False,
            "description": "", "status": "healthy"}
    problems = ContractChecker(spec).check_response(operation, 200, {}, _json(body), "application/json")
    assert problems == [
        "200 of getRegistry: response.insecure is a zero value that Harbor leaves out (omitempty)",
        "200 of getRegistry: response.description is a zero value that Harbor leaves out (omitempty)",
    ]
    body.pop("insecure")
    body.pop("description")
    assert ContractChecker(spec).check_response(operation, 200, {}, _json(body), "application/json") == []


def _json(body):
    return json.dumps(body).encode()


# ------------------------------------------------------------------ the fake's answers, as Harbor writes them

VERSIONS = pytest.mark.parametrize("fake_harbor", ["2.10", "2.15"], indirect=True)
HUB = {"name": "hub", "type": "docker-hub", "url": "https://hub.docker.com", "insecure": False, "description": ""}


@VERSIONS
def test_users_leave_out_an_empty_comment(fake_harbor, harbor_api):
    assert harbor_api.post("/users", json={"username": "dev", "email": "dev@example.com", "realname": "Dev",
                                           "password": "Passw0rd-Dev", "comment": ""}).status_code == 201
    user = harbor_api.get("/users/2").json()
    assert "comment" not in user and user["sysadmin_flag"] is False  # sysadmin_flag: x-omitempty false
    assert [u for u in harbor_api.get("/users").json() if u["username"] == "dev"][0].get("comment") is None
    assert fake_harbor.violations == []


@VERSIONS
def test_registries_and_the_registries_inside_policies(fake_harbor, harbor_api):
    assert harbor_api.post("/registries", json=HUB).status_code == 201
    registry = harbor_api.get("/registries/1").json()
    assert "insecure" not in registry and "description" not in registry and registry["id"] == 1
    assert harbor_api.post("/replication/policies", json={
        "name": "pull", "src_registry": {"id": 1}, "description": "", "dest_namespace": "", "enabled": False,
        "override": False, "deletion": False, "replicate_deletion": False,
        "trigger": {"type": "manual", "trigger_settings": {"cron": ""}}}).status_code == 201
    policy = harbor_api.get("/replication/policies/1").json()
    for key in ("description", "dest_namespace", "enabled", "override", "deletion", "replicate_deletion"):
        assert key not in policy, key
    assert "cron" not in policy["trigger"]["trigger_settings"]
    assert "insecure" not in policy["src_registry"] and "description" not in policy["src_registry"]
    assert policy["dest_registry"]["id"] == 0  # the local side: x-omitempty false keeps the 0
    assert fake_harbor.violations == []


@VERSIONS
def test_labels_and_the_system_allowlist(fake_harbor, harbor_api):
    assert harbor_api.post("/labels", json={"name": "release", "scope": "g", "description": "", "color": ""}).status_code == 201
    label = harbor_api.get("/labels/1").json()
    assert not {"description", "color", "project_id"} & set(label) and label["scope"] == "g"
    allowlist = harbor_api.get("/system/CVEAllowlist").json()
    assert "project_id" not in allowlist and allowlist["items"] == []
    assert fake_harbor.violations == []


@VERSIONS
def test_gc_and_purge_history_and_schedules(fake_harbor, harbor_api):
    assert harbor_api.put("/system/gc/schedule", json={"schedule": {"type": "Custom", "cron": "0 0 3 * * 6"},
                                                       "parameters": {"delete_untagged": False}}).status_code == 200
    schedule = harbor_api.get("/system/gc/schedule").json()
    assert "deleted" not in schedule and "job_name" not in schedule
    assert harbor_api.post("/system/gc/schedule", json={"schedule": {"type": "Manual"}}).status_code == 201
    for item in harbor_api.get("/system/gc").json():
        assert "deleted" not in item and item["job_name"] == "GARBAGE_COLLECTION"
    parameters = {"audit_retention_hour": 24, "dry_run": False,
                  ("include_event_types" if fake_harbor.version >= (2, 13) else "include_operations"): "create"}
    assert harbor_api.post("/system/purgeaudit/schedule", json={"schedule": {"type": "Manual"},
                                                                "parameters": parameters}).status_code == 201
    for item in harbor_api.get("/system/purgeaudit").json():
        assert "deleted" not in item
    assert fake_harbor.violations == []


@VERSIONS
def test_immutable_and_retention_rules(fake_harbor, harbor_api):
    selectors = {"tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v*"}],
                 "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches",
                                                     "pattern": "**"}]}}
    rule = dict(selectors, disabled=False, action="immutable", template="immutable_template")
    assert harbor_api.post("/projects/library/immutabletagrules", json=rule).status_code == 201
    stored = harbor_api.get("/projects/library/immutabletagrules").json()[0]
    assert "disabled" not in stored and "priority" not in stored and stored["id"] >= 1
    policy = {"algorithm": "or", "scope": {"level": "project", "ref": 1},
              "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
              "rules": [dict(selectors, disabled=False, action="retain", template="latestPushedK",
                             params={"latestPushedK": 3})]}
    assert harbor_api.post("/retentions", json=policy).status_code == 201
    retention_id = harbor_api.get("/projects/library").json()["metadata"]["retention_id"]
    got = harbor_api.get("/retentions/%s" % retention_id).json()
    assert "disabled" not in got["rules"][0] and "priority" not in got["rules"][0]
    assert fake_harbor.violations == []
