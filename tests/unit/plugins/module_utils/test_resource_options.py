# -*- coding: utf-8 -*-
"""The resource base class: version gates of nested options, and objects that always exist."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import (
    ActionFailed,
    HarborAction,
    HarborResource,
    option_value,
)


class Failed(Exception):
    pass


class StubModule(object):
    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = False
        self.client = StubClient()

    def fail_json(self, msg, **kwargs):
        raise Failed(msg)


class StubClient(object):
    version = (2, 10, 0)
    version_text = "v2.10.0-6abb4eab"
    base_url = "https://harbor.test"


@pytest.mark.parametrize("params, path, expected", [
    ({"oidc": {"logout": True}}, "oidc.logout", True),
    ({"oidc": {"logout": None}}, "oidc.logout", None),
    ({"oidc": None}, "oidc.logout", None),
    ({}, "oidc.logout", None),
    ({"a": {"b": {"c": 0}}}, "a.b.c", 0),
    ({"name": "x"}, "name", "x"),
])
def test_option_value(params, path, expected):
    assert option_value(params, path) == expected


class Gated(HarborAction):
    option_min_versions = {"oidc.logout": (2, 13), "top": (2, 11)}


@pytest.mark.parametrize("params, message", [
    ({"oidc": {"logout": False}, "top": None}, "oidc.logout needs Harbor 2.13 or later; https://harbor.test runs "
                                               "v2.10.0-6abb4eab"),
    ({"oidc": None, "top": 1}, "top needs Harbor 2.11 or later"),
])
def test_nested_option_unknown_to_the_version_is_refused(params, message):
    with pytest.raises(ActionFailed, match=message):
        Gated(StubModule(params)).check_versions()


def test_unset_nested_option_is_not_refused():
    Gated(StubModule({"oidc": {"logout": None}, "top": None})).check_versions()
    Gated(StubModule({"oidc": None, "top": None})).check_versions()


class Singleton(HarborResource):
    """An object that always exists; absent empties it."""

    absent_means_empty = True

    def __init__(self, module, stored):
        super(Singleton, self).__init__(module)
        self.stored = stored
        self.writes = []

    def find(self):
        return dict(self.stored)

    def desired(self):
        return dict(items=[]) if self.params["state"] == "absent" else dict(items=self.params["items"])

    def update(self, current, changes):
        self.writes.append(changes)
        self.stored.update(changes)
        return dict(self.stored)

    def delete(self, current):
        raise AssertionError("delete must not be called")


def test_absent_means_empty_updates_instead_of_deleting():
    resource = Singleton(StubModule({"state": "absent"}), {"items": ["a"]})
    result = resource.execute()
    assert result["changed"] is True and resource.writes == [{"items": []}]
    assert result["object"] == {"items": []}


def test_absent_means_empty_is_unchanged_on_an_empty_object():
    resource = Singleton(StubModule({"state": "absent"}), {"items": []})
    assert resource.execute()["changed"] is False and resource.writes == []


def test_absent_means_empty_in_check_mode_writes_nothing():
    resource = Singleton(StubModule({"state": "absent"}, check_mode=True), {"items": ["a"]})
    assert resource.execute()["changed"] is True and resource.writes == []


def test_without_the_flag_absent_deletes():
    class Deletable(Singleton):
        absent_means_empty = False

        def delete(self, current):
            self.writes.append("deleted")

    resource = Deletable(StubModule({"state": "absent"}), {"items": ["a"]})
    assert resource.execute()["changed"] is True and resource.writes == ["deleted"]
