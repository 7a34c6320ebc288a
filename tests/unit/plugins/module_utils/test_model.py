# -*- coding: utf-8 -*-
"""The configuration-as-code model: nested project objects flattened into items by kind, and back."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils._model import ModelError, nest, objects

MODEL = {
    "projects": [{
        "name": "production", "auto_scan": True,
        "members": [{"user": "alice", "role": "developer"}],
        "robots": [{"name": "ci", "duration": 30}],
        "labels": [{"name": "release"}],
        "webhooks": [{"name": "slack", "event_types": ["PUSH_ARTIFACT"]}],
        "immutable_tag_rules": [{"tags": "v*"}],
        "retention": {"rules": [{"template": "always"}]},
        "cve_allowlist": {"cves": ["CVE-2024-1"]},
    }, {"name": "staging"}],
    "robots": [{"name": "sweeper", "duration": -1}],
    "labels": [{"name": "global"}],
    "gc": {"schedule": "Daily"},
    "configuration": {"auth_mode": "oidc"},
}


def test_objects_of_a_project_get_its_name():
    by_kind = objects(MODEL)
    assert by_kind["project"] == [{"name": "production", "auto_scan": True}, {"name": "staging"}]
    assert by_kind["project_member"] == [{"user": "alice", "role": "developer", "project": "production"}]
    assert by_kind["robot"] == [{"name": "ci", "duration": 30, "project": "production"},
                                {"name": "sweeper", "duration": -1}]
    assert by_kind["label"] == [{"name": "release", "project": "production"}, {"name": "global"}]
    assert by_kind["retention_policy"] == [{"rules": [{"template": "always"}], "project": "production"}]
    assert by_kind["cve_allowlist"] == [{"cves": ["CVE-2024-1"], "project": "production"}]
    assert by_kind["gc"] == [{"schedule": "Daily"}]
    assert by_kind["configuration"] == [{"auth_mode": "oidc"}]


def test_nest_is_the_reverse():
    assert nest(objects(MODEL)) == MODEL


def test_empty_singletons_are_unmanaged():
    assert objects({"gc": {}, "configuration": None, "projects": []}) == {}


@pytest.mark.parametrize("model, message", [
    ({"project": []}, "unknown model keys project"),
    ({"projects": {"name": "x"}}, "projects must be a list"),
    ({"gc": ["Daily"]}, "gc must be a dict"),
    ({"projects": [{"name": "a", "members": [{"user": "u", "project": "b"}]}]}, "names project b inside project a"),
    ({"projects": [{"name": "a", "retention": ["x"]}]}, r"projects\[0\] \(a\).retention must be a dict"),
    ([], "the model must be a dict"),
])
def test_a_wrong_structure_is_refused(model, message):
    with pytest.raises(ModelError, match=message):
        objects(model)


def test_nest_refuses_an_object_of_a_missing_project():
    with pytest.raises(ModelError, match="project_member of project gone"):
        nest({"project_member": [{"project": "gone", "user": "u"}]})
