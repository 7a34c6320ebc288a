"""The ``q=`` language helper (api-notes §0 + errata E3), without HTTP."""

import datetime

import pytest

from tests.fake_harbor.framework.errors import HarborError
from tests.fake_harbor.framework.query import (AndList, Fuzzy, OrList, Range, apply_keywords, apply_sort,
                                               parse_q)

ITEMS = [
    {"name": "alpha", "id": 1, "tags": ["a", "b"], "time": "2024-01-01T00:00:00.000Z"},
    {"name": "beta", "id": 5, "tags": ["b"], "time": "2024-06-01T00:00:00.000Z"},
    {"name": "gamma~x", "id": 9, "tags": [], "time": "2025-01-01T00:00:00.000Z"},
]
FIELDS = {"name": "name", "id": "id", "tags": "tags", "time": "time"}


def names(keywords):
    return [i["name"] for i in apply_keywords(ITEMS, keywords, FIELDS)]


def test_parse_value_types():
    parsed = parse_q("a=1,b=~x,c=[1~5],d={x 2},e=(a b),f=[2024-01-01T00:00:00~],g=\\~y")
    assert parsed["a"] == "1"  # exact values stay strings
    assert isinstance(parsed["b"], Fuzzy) and parsed["b"].value == "x"
    assert isinstance(parsed["c"], Range) and (parsed["c"].low, parsed["c"].high) == (1, 5)
    assert isinstance(parsed["d"], OrList) and parsed["d"].values == ["x", 2]
    assert isinstance(parsed["e"], AndList) and parsed["e"].values == ["a", "b"]
    assert parsed["f"].low == datetime.datetime(2024, 1, 1) and parsed["f"].high is None
    assert parsed["g"] == "~y"  # one leading backslash removed


def test_second_unescape_and_plus():
    # parse_q gets the value already decoded once: a client's %2B arrives as "+" and becomes a space
    assert parse_q("name=foo+bar")["name"] == "foo bar"
    assert parse_q("name=a%2Bb")["name"] == "a+b"  # the client sent %252B
    with pytest.raises(HarborError):  # split happens after the second unescape: no comma in values
        parse_q("name%3Da%2Cb")
    assert parse_q("name=a%252Bb")["name"] == "a%2Bb"
    assert parse_q("name=100%")["name"] == "100%"  # malformed escape: kept


@pytest.mark.parametrize("raw", ["name", "=x", "name=", "id=[~]", "id=[1]"])
def test_bad_q_is_400(raw):
    with pytest.raises(HarborError) as err:
        parse_q(raw)
    assert err.value.status == 400


def test_matching():
    assert names(parse_q("name=~ET")) == ["beta"]
    assert names(parse_q("name=alpha")) == ["alpha"]
    assert names(parse_q("id=[2~]")) == ["beta", "gamma~x"]
    assert names(parse_q("id=[~5]")) == ["alpha", "beta"]
    assert names(parse_q("id={1 9}")) == ["alpha", "gamma~x"]
    assert names(parse_q("tags=(a b)")) == ["alpha"]
    assert names(parse_q("tags=b")) == ["alpha", "beta"]
    assert names(parse_q("time=[2024-03-01T00:00:00~2024-12-31T00:00:00]")) == ["beta"]
    assert names(parse_q("name=\\gamma~x")) == ["gamma~x"]
    assert names(parse_q("unknown=1,name=beta")) == ["beta"]


def test_sort():
    assert [i["id"] for i in apply_sort(ITEMS, "-id", FIELDS)] == [9, 5, 1]
    assert [i["id"] for i in apply_sort(ITEMS, "bogus,name", FIELDS)] == [1, 5, 9]
    assert [i["id"] for i in apply_sort(ITEMS, None, FIELDS, default="-time")] == [9, 5, 1]
