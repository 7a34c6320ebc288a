"""Harbor's ``q=`` query language and ``sort=`` (src/lib/q/builder.go; api-notes §0 + errata E3).

``q=k1=v1,k2=~v2,k3=[min~max],k4={v1 v2},k5=(v1 v2)``

* The value is URL-unescaped a second time, then split on ``,``.
* ``k=v`` exact and ``k=~v`` fuzzy (case-insensitive contains) values are
  strings.  An exact value loses one leading backslash.
* Range bounds and list items are parsed as time (``2006-01-02T15:04:05``),
  then int64, then string (surrounding quotes trimmed).
* Keys a list does not support are silently ignored (unfiltered result).

List handlers call ``filter_items`` with the keys they support::

    items = filter_items(ctx, projects, {
        "name": lambda p: p["name"],
        "project_id": "project_id",         # a plain field name works too
    }, sortable={"name": "name", "creation_time": "creation_time"})
"""

import datetime
import re
from urllib.parse import unquote_plus

from .errors import bad_request

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
_INT_RE = re.compile(r"^[+-]?[0-9]+$")
_ESCAPE_RE = re.compile(r"%(?![0-9a-fA-F]{2})")


class Fuzzy:
    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return "Fuzzy(%r)" % self.value


class Range:
    def __init__(self, low, high):
        self.low = low
        self.high = high

    def __repr__(self):
        return "Range(%r, %r)" % (self.low, self.high)


class OrList:
    def __init__(self, values):
        self.values = values

    def __repr__(self):
        return "OrList(%r)" % self.values


class AndList:
    def __init__(self, values):
        self.values = values

    def __repr__(self):
        return "AndList(%r)" % self.values


def parse_value(text):
    """Range bounds / list items: time, then int64, then string."""
    try:
        return datetime.datetime.strptime(text, _TIME_FORMAT)
    except ValueError:
        pass
    if _INT_RE.match(text):
        value = int(text)
        if -(2 ** 63) <= value < 2 ** 63:
            return value
    return text.strip("\"'")


def _query_unescape(text):
    """Go's url.QueryUnescape; on a malformed escape the text is kept as is."""
    if _ESCAPE_RE.search(text):
        return text
    return unquote_plus(text)


def parse_pattern(value):
    if value.startswith("[") and value.endswith("]"):
        inner = value[1:-1]
        if "~" not in inner:
            raise bad_request("invalid query string value: %s" % value)
        low, high = inner.split("~", 1)
        if low == "" and high == "":
            raise bad_request("invalid query string value: %s" % value)
        return Range(parse_value(low) if low else None, parse_value(high) if high else None)
    if value.startswith("{") and value.endswith("}"):
        return OrList([parse_value(v) for v in value[1:-1].split(" ") if v])
    if value.startswith("(") and value.endswith(")"):
        return AndList([parse_value(v) for v in value[1:-1].split(" ") if v])
    if value.startswith("~"):
        return Fuzzy(value[1:])
    if value.startswith("\\"):
        return value[1:]
    return value


def parse_q(raw):
    """Parse the (already once-decoded) ``q`` value into {key: matcher}."""
    keywords = {}
    if not raw:
        return keywords
    text = _query_unescape(raw)
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key or not value:
            raise bad_request('the query string must contain "=" and the key/value cannot be empty')
        keywords[key] = parse_pattern(value)
    return keywords


def _norm(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _as_comparable(field_value, bound):
    """Bring a stored value and a parsed bound to one comparable type."""
    if isinstance(bound, datetime.datetime):
        text = _norm(field_value).replace("Z", "")[:19]
        try:
            return datetime.datetime.strptime(text, _TIME_FORMAT), bound
        except ValueError:
            return _norm(field_value), bound.strftime(_TIME_FORMAT)
    if isinstance(bound, int):
        try:
            return int(field_value), bound
        except (TypeError, ValueError):
            return _norm(field_value), str(bound)
    return _norm(field_value), _norm(bound)


def matches(field_value, matcher):
    """Does one stored value satisfy one parsed ``q`` matcher?"""
    values = field_value if isinstance(field_value, (list, tuple, set)) else [field_value]
    if isinstance(matcher, Fuzzy):
        needle = matcher.value.lower()
        return any(needle in _norm(v).lower() for v in values)
    if isinstance(matcher, Range):
        for value in values:
            ok = True
            if matcher.low is not None:
                left, right = _as_comparable(value, matcher.low)
                ok = ok and left >= right
            if matcher.high is not None:
                left, right = _as_comparable(value, matcher.high)
                ok = ok and left <= right
            if ok:
                return True
        return False
    if isinstance(matcher, OrList):
        wanted = {_norm(v) for v in matcher.values}
        return any(_norm(v) in wanted for v in values)
    if isinstance(matcher, AndList):
        have = {_norm(v) for v in values}
        return all(_norm(v) in have for v in matcher.values)
    return any(_norm(v) == _norm(matcher) for v in values)


def _getter(spec):
    if callable(spec):
        return spec
    return lambda item: item.get(spec)


def apply_keywords(items, keywords, filterable):
    """Filter by parsed keywords; keys not in ``filterable`` are ignored."""
    result = list(items)
    for key, matcher in keywords.items():
        if key not in filterable:
            continue
        get = _getter(filterable[key])
        result = [item for item in result if matches(get(item), matcher)]
    return result


def apply_sort(items, sort, sortable, default=None):
    """``sort=name,-creation_time``; unknown fields are ignored."""
    keys = []
    for field in (sort or default or "").split(","):
        field = field.strip()
        desc = field.startswith("-")
        field = field.lstrip("-")
        if field in sortable:
            keys.append((_getter(sortable[field]), desc))
    result = list(items)
    for get, desc in reversed(keys):
        result.sort(key=_sort_key(get), reverse=desc)
    return result


def _sort_key(get):
    def key(item):
        value = get(item)
        return (value is None, 0 if value is None else value)
    return key


def filter_items(ctx, items, filterable, sortable=None, default_sort=None, extra=None):
    """Apply ``q=`` (and ``sort=``) of the current request to ``items``.

    ``extra`` holds keywords the handler adds itself (e.g. ``name=`` turned
    into a fuzzy match), applied with the same ``filterable`` map.
    """
    keywords = parse_q(ctx.query_value("q"))
    if extra:
        keywords.update(extra)
    result = apply_keywords(items, keywords, filterable)
    if sortable:
        result = apply_sort(result, ctx.query_value("sort"), sortable, default_sort)
    return result
