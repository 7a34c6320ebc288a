# -*- coding: utf-8 -*-
"""exact_query: exact-name lookups through Harbor's q= grammar (api-notes §0, errata E3)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborClient, exact_query

from ...conftest import API, URL


def harbor_reads(url):
    """The q value as Harbor's handler sees it: decoded by the HTTP layer, then once more by parseKeywords."""
    raw = parse_qs(urlsplit(url).query)["q"][0]
    return unquote_plus(raw)


@pytest.mark.parametrize("name", ["docker-hub", "aws-ecr-us-east-1", "team+bot", "50% off", "a b", "x=y"])
def test_the_value_arrives_literally_after_harbors_second_unescape(harbor, name):
    harbor.systeminfo()
    harbor.add(harbor.GET, API + "/registries", json=[{"name": name, "id": 7}], headers={"X-Total-Count": "1"})
    cli = HarborClient(URL, "admin", "Harbor12345")
    assert cli.find_by_name("/registries", name, params=exact_query(name)) == {"name": name, "id": 7}
    assert harbor_reads(harbor.calls[1].request.url) == "name=" + name


def test_plus_would_become_a_space_without_the_extra_escape():
    # what a plain "name=%s" % name loses: Harbor reads "team bot"
    assert unquote_plus(unquote_plus("team%2Bbot")) == "team bot"
    assert exact_query("team+bot") == {"q": "name=team%2Bbot"}


@pytest.mark.parametrize("name", ["a,b", "~fuzzy", "[1~5]", "{a b}", "(a b)", "\\x", ""])
def test_values_q_cannot_carry_mean_list_everything(name):
    assert exact_query(name) is None


def test_other_key():
    assert exact_query("prod", key="project_name") == {"q": "project_name=prod"}


def test_none_lists_without_q(harbor):
    harbor.systeminfo()
    harbor.add(harbor.GET, API + "/registries", body=json.dumps([{"name": "a,b", "id": 2}]),
               headers={"X-Total-Count": "1"})
    cli = HarborClient(URL, "admin", "Harbor12345")
    assert cli.find_by_name("/registries", "a,b", params=exact_query("a,b")) == {"name": "a,b", "id": 2}
    assert "q=" not in harbor.calls[1].request.url
