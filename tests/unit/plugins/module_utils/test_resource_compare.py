# -*- coding: utf-8 -*-
"""The one comparison of the resource base class: a key that Harbor leaves out of its answer is its zero value."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import complete, differences, equivalent, restrict


@pytest.mark.parametrize("desired", [
    {"description": ""}, {"insecure": False}, {"speed": 0}, {"filters": []}, {"metadata": {}},
    {"trigger": {"type": "manual", "trigger_settings": {"cron": ""}}, "name": "p"},
])
def test_an_omitted_key_is_its_zero_value(desired):
    current = {"name": "p", "trigger": {"type": "manual"}}
    assert differences(desired, current) == {}


@pytest.mark.parametrize("desired, current, changes", [
    ({"insecure": True}, {}, {"insecure": True}),
    ({"description": "x"}, {"description": None}, {"description": "x"}),
    ({"enabled": False}, {"enabled": True}, {"enabled": False}),
    ({"speed": 0}, {"speed": 10}, {"speed": 0}),
    ({"count": 0}, {"count": False}, {"count": 0}),  # 0 is not false in JSON
    # a dict Harbor left out entirely: the whole desired dict is written once something in it is not empty
    ({"trigger": {"type": "scheduled", "cron": ""}}, {}, {"trigger": {"type": "scheduled", "cron": ""}}),
    ({"trigger": {"type": "scheduled", "cron": "0 0 2 * * *"}}, {"trigger": {"type": "scheduled"}},
     {"trigger": {"cron": "0 0 2 * * *"}}),
])
def test_real_differences_remain(desired, current, changes):
    assert differences(desired, current) == changes


def test_list_items_compare_with_the_same_rule():
    targets = [{"type": "http", "address": "https://hook", "skip_cert_verify": False, "auth_header": ""}]
    assert differences({"targets": targets}, {"targets": [{"type": "http", "address": "https://hook"}]}) == {}
    moved = [{"type": "http", "address": "https://other"}]
    assert differences({"targets": targets}, {"targets": moved}) == {"targets": targets}
    assert differences({"targets": targets}, {"targets": targets + targets}) == {"targets": targets}
    # in a list both sides count: a value only Harbor has is a difference (the list is written as a whole)
    assert differences({"targets": [{"address": "a"}]}, {"targets": [{"address": "a", "auth_header": "x"}]})


@pytest.mark.parametrize("want, have, same", [
    (None, None, True), ("", None, True), (None, "", True), (None, "x", False), ([], None, True),
    ({"a": ""}, {}, True), ({"a": {"b": False}}, {"a": {}}, True), ([{"a": 0}], [{}], True),
    (True, 1, False), (1, 1.0, True), ("a", "a", True),
])
def test_equivalent(want, have, same):
    assert equivalent(want, have) is same


def test_a_diff_shows_an_omitted_key_as_its_zero_value():
    changes = {"description": "x", "insecure": True, "speed": 5, "trigger": {"type": "scheduled", "cron": "0 0 2 * * *"}}
    assert restrict({"name": "p", "trigger": {"type": "manual"}}, changes) == {
        "description": "", "insecure": False, "speed": 0, "trigger": {"type": "manual", "cron": ""}}


def test_complete_fills_in_what_harbor_left_out():
    shape = {"enabled": False, "description": "", "trigger": {"trigger_settings": {"cron": ""}},
             "targets": [{"skip_cert_verify": False}], "filters": []}
    got = complete({"name": "p", "enabled": True, "targets": [{"address": "a"}, {"skip_cert_verify": True}]}, shape)
    assert got == {"name": "p", "enabled": True, "description": "", "trigger": {"trigger_settings": {"cron": ""}},
                   "targets": [{"address": "a", "skip_cert_verify": False}, {"skip_cert_verify": True}], "filters": []}
    assert complete({"trigger": {"type": "manual", "trigger_settings": {"cron": "0 0 2 * * *"}}}, shape)["trigger"] == {
        "type": "manual", "trigger_settings": {"cron": "0 0 2 * * *"}}


def test_a_diff_does_not_show_a_write_only_secret_as_empty():
    before = restrict({"oidc_admin_group": "a"}, {"oidc_admin_group": "b", "oidc_client_secret": "s"},
                      write_only=("oidc_client_secret",))
    assert before == {"oidc_admin_group": "a"}
