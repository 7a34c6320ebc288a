# -*- coding: utf-8 -*-
"""Option checks that run before any request."""

from __future__ import annotations

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_cron, check_name, parse_storage

GIB = 1024 ** 3


@pytest.mark.parametrize("name", ["production", "shared-libs", "a", "team.a_b-c", "123", "a" * 255])
def test_valid_names(name):
    assert check_name(name) is None


@pytest.mark.parametrize("name", ["", "Production", "-a", "a-", "a--b", "a b", "a/b", "robot$x", "a" * 256])
def test_invalid_names(name):
    assert "is not valid" in check_name(name)


@pytest.mark.parametrize("value, expected", [
    ("10GB", 10 * GIB), ("10 GiB", 10 * GIB), ("512MB", 512 * 1024 ** 2), ("1TB", 1024 * GIB), ("1024", 1024),
    ("-1", -1), ("unlimited", -1), (5368709120, 5 * GIB),
])
def test_parse_storage(value, expected):
    assert parse_storage(value) == (expected, None)


@pytest.mark.parametrize("value, message", [
    ("0", "greater than 0"), ("-2", "greater than 0"), ("lots", "is not a size"), ("1025TB", "maximum of 1024 TB"),
])
def test_parse_storage_rejects(value, message):
    number, problem = parse_storage(value)
    assert number is None and message in problem


@pytest.mark.parametrize("cron", [
    "0 0 3 * * *", "0 0 * * * *", "0 0 0 * * 0", "0 30 2 * * MON-FRI", "0 */15 * * * *", "0 0 3 1,15 * ?",
    "0 0 3 * JAN,JUL *", "0 5-10/2 8 * * *",
])
def test_valid_crons(cron):
    assert check_cron(cron) is None


@pytest.mark.parametrize("cron, message", [
    ("0 3 * * *", "must have 6 fields"),          # the seed guide's 5-field cron
    ("@daily", "must have 6 fields"),
    ("0 0 24 * * *", "not a valid hour"),
    ("0 60 * * * *", "not a valid minute"),
    ("0 0 3 0 * *", "not a valid day of month"),
    ("0 0 3 * 13 *", "not a valid month"),
    ("0 0 3 * * 7", "not a valid day of week"),
    ("0 0 3 * * FUNDAY", "not a valid day of week"),
    ("0 */0 * * * *", "must be a positive number"),
    ("0 0 10-5 * * *", "not a valid hour"),
    ("? 0 3 * * *", "'?' is only allowed"),
    ("30 0 3 * * *", "seconds) field to be 0"),
    (None, "must have 6 fields"),
])
def test_invalid_crons(cron, message):
    assert message in check_cron(cron)


def test_minute_must_be_fixed_for_replication():
    assert "refuses '*' in the minute field" in check_cron("0 * 3 * * *", minute_must_be_fixed=True)
    assert check_cron("0 * 3 * * *") is None
