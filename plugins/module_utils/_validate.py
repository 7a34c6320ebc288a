# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""Option checks that run before any request is sent.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

Each check returns an error message (str) or None, so a module can report the first problem in one clear
``fail_json`` without having talked to Harbor.
"""

from __future__ import annotations

import decimal
import difflib
import re

from urllib.parse import urlsplit

from ansible.module_utils.common.text.formatters import human_to_bytes
from ansible.module_utils.common.validation import check_type_dict

# Harbor's rule for project (and robot) names: src/pkg/project/manager.go
NAME_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
# Harbor's storage quota limit: 1024 TB
MAX_STORAGE_BYTES = 1024 ** 5


HOST_RE = re.compile(r"^[\w.-]+$")  # letters (IDN too), digits, '-', '.', '_'; an IPv6 address is in brackets
MAX_HOST_LENGTH = 253  # DNS: 253 characters, labels of at most 63
MAX_SHOWN = 80  # a value cut to this many characters in messages


def shown(value):
    """``value`` for a message: repr, cut when huge (a 70 kB host name is not printed whole)."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else "%s... (%d characters)" % (text[:MAX_SHOWN], len(str(value)))


MAX_MESSAGE = 1500  # an error message is cut beyond this many characters (a last resort: values are cut first)
MAX_LISTED = 400  # beyond this length, Ansible's "Supported parameters include: ..." list gives way to suggestions
MASKED = "********"
_SUPPORTED = ". Supported parameters include: "


def _cut(text, limit=MAX_SHOWN):
    return text if len(text) <= limit else "%s... (%d characters)" % (text[:limit], len(text))


def _strings(value, found):
    """How the values in ``value`` may appear in a message, recursively, into the set ``found``: each string as
    itself and as its repr, each dict and list (keys and items within) as its repr."""
    if isinstance(value, str):
        found.update((value, repr(value)))
    elif isinstance(value, dict):
        found.add(repr(value))
        for key, item in value.items():
            _strings(key, found)
            _strings(item, found)
    elif isinstance(value, (list, tuple)):
        found.add(repr(value))
        for item in value:
            _strings(item, found)
    return found


def _suggest(text):
    """Ansible's unknown-option message with a long list of supported names replaced by the closest names."""
    head, sep, supported = text.partition(_SUPPORTED)
    if not sep or len(text) <= MAX_LISTED:
        return text
    names, _paren, aliases = supported.rstrip(".").partition(" (")
    names = [name.strip() for name in (names + "," + aliases.rstrip(")")).split(",") if name.strip()]
    unknown = [name.strip().rpartition(".")[2] for name in head.rpartition(": ")[2].split(",")]
    close = []
    for name in unknown:
        close.extend(match for match in difflib.get_close_matches(name, names, n=2) if match not in close)
    hint = " (did you mean %s?)" % " or ".join(close[:4]) if close else ""
    return "%s%s. The %d supported parameters are in the module's documentation (ansible-doc)" % (
        head, hint, len(names))


def brief(msg, values=(), secrets=()):
    """``msg`` fit for an error: no secret, every huge value of ``values`` cut as ``shown`` cuts it.

    Ansible's own argument checks repeat a bad value whole ("value of severity must be one of ..., got: <70 kB>"):
    each string of ``values`` (the options) longer than ``MAX_SHOWN`` is cut where it appears, as itself or as its
    repr; ``secrets`` (the no_log values) are masked first, so that a cut never shows part of one.
    """
    text = str(msg)
    for secret in sorted((s for s in secrets if isinstance(s, str) and s), key=len, reverse=True):
        text = text.replace(secret, MASKED)
    if len(text) <= MAX_SHOWN:
        return text
    for form in sorted((v for v in _strings(values, set()) if len(v) > MAX_SHOWN), key=len, reverse=True):
        if form in text:
            text = text.replace(form, _cut(form))
    text = re.sub(r"\S{%d,}" % (2 * MAX_SHOWN + 1), lambda match: _cut(match.group(0)), text)
    text = _suggest(text)
    if len(text) > MAX_MESSAGE:
        text = "%s... (message cut, %d characters)" % (text[:MAX_MESSAGE - 40], len(text))
    return text


def _as_dict(value):
    """Can Ansible read ``value`` as a dict of suboptions (a dict, or a ``k=v`` / JSON string)?"""
    if isinstance(value, dict):
        return True
    if not isinstance(value, str):
        return False
    try:
        return isinstance(check_type_dict(value), dict)
    except (TypeError, ValueError):
        return False


def _type_name(value):
    return "a list" if isinstance(value, list) else "a %s" % type(value).__name__


def check_shapes(spec, params, where=""):
    """Every option of ``spec`` that has suboptions given as a dict (``type=dict``) or a list of dicts; else an error.

    Ansible's own argument check fails on such a value with a TypeError traceback (``ldap: 5``) or with a message
    that names no option ("dictionary requested, could not parse JSON or key=value"); this names the option and
    its suboptions. So for an ``int`` option given as a string or float that Ansible would convert to an infinite
    or huge integer (``inf``: an OverflowError traceback; ``1e100000``: a 100000-digit integer). Run before
    Ansible's check, on the raw parameters.
    """
    if not isinstance(params, dict):
        return None
    for name, option in spec.items():
        keys = [key for key in [name] + list(option.get("aliases") or ()) if params.get(key) is not None]
        if not keys:
            continue
        value, path = params[keys[0]], where + keys[0]
        if option.get("type") == "int":
            problem = _raw_int(value, path)
            if problem:
                return problem
        suboptions = option.get("options")
        if not suboptions:
            continue
        names = ", ".join(sorted(suboptions))
        if option.get("type") == "dict":
            if not _as_dict(value):
                return "%s must be a dict of the suboptions %s, got %s" % (path, names, _type_name(value))
            problem = check_shapes(suboptions, value, path + ".")
        elif option.get("type") == "list" and option.get("elements") == "dict":
            if isinstance(value, str):
                value = value.split(",")  # as Ansible reads a string for a list: k=v items
            if not isinstance(value, list):
                return "%s must be a list of dicts of the suboptions %s, got %s" % (path, names, _type_name(value))
            problem = None
            for position, item in enumerate(value):
                if not _as_dict(item):
                    return "%s[%d] must be a dict of the suboptions %s, got %s" % (
                        path, position, names, _type_name(item))
                problem = problem or check_shapes(suboptions, item, "%s[%d]." % (path, position))
        else:
            continue
        if problem:
            return problem
    return None


def _raw_int(value, path):
    """An ``int`` option's value as given (Ansible converts strings and floats with ``Decimal``), checked."""
    if isinstance(value, (list, tuple, dict)):
        # Decimal reads a list as (sign, digits, exponent): [0, [4, 2], 0] would be 42, a huge sign an OverflowError
        return "%s must be an integer, got %s" % (path, _type_name(value))
    if isinstance(value, bool) or not isinstance(value, (str, float)):
        return None
    try:
        number = decimal.Decimal(value)
    except (decimal.DecimalException, TypeError, ValueError):
        return None  # not a number: Ansible's own message says so
    if number.is_nan():
        return None
    if number.is_infinite():
        return "%s must be an integer, got %s" % (path, shown(value))
    if number and number.adjusted() >= 19:
        return "%s must be an integer within int64 (at most 19 digits), got one of %d digits" % (
            path, number.adjusted() + 1)
    return None


def _beyond_int64(value):
    return isinstance(value, int) and not isinstance(value, bool) and not -2 ** 63 <= value < 2 ** 63


def _digits(value):
    return len(str(abs(value))) if abs(value) < 10 ** 4000 else value.bit_length() * 30103 // 100000 + 1


def check_int64(spec, params, where=""):
    """Every ``int`` option of ``spec`` in ``params`` (suboptions too) within Go's int64, Harbor's widest integer.

    An error message or None; ``where`` prefixes the name of a suboption (``rules[0].count``).
    """
    for name, option in spec.items():
        value = (params or {}).get(name)
        if value is None:
            continue
        path = where + name
        kind = option.get("type", "str")
        if kind == "int" and _beyond_int64(value):
            return "%s must be an integer within int64 (at most 19 digits), got one of %d digits" % (
                path, _digits(value))
        if kind == "list" and option.get("elements") == "int" and isinstance(value, list):
            for position, item in enumerate(value):
                if _beyond_int64(item):
                    return "%s[%d] must be an integer within int64 (at most 19 digits), got one of %d digits" % (
                        path, position, _digits(item))
        if option.get("options"):
            if kind == "dict" and isinstance(value, dict):
                problem = check_int64(option["options"], value, path + ".")
                if problem:
                    return problem
            elif kind == "list" and isinstance(value, list):
                for position, item in enumerate(value):
                    problem = check_int64(option["options"], item if isinstance(item, dict) else {},
                                          "%s[%d]." % (path, position))
                    if problem:
                        return problem
    return None


def split_url(value, what, schemes=("http", "https"), example="https://registry.example.com"):
    """``urlsplit(value)`` checked: the scheme, a host of a valid length, a numeric port; returns (parts, error).

    ``urlsplit`` itself raises for ``https://[x`` and ``.port`` for ``https://h:abc``: both become one message.
    """
    if not isinstance(value, str) or not value.strip():
        return None, "%s must be a URL such as %s" % (what, example)
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        return None, "%s %s is not a valid URL (%s); give one such as %s" % (what, shown(value), exc, example)
    if parts.scheme.lower() not in schemes:
        return None, "%s %s must start with %s, for example %s" % (
            what, shown(value), " or ".join("%s://" % scheme for scheme in schemes), example)
    if not host:
        return None, "%s %s has no host name; give one such as %s" % (what, shown(value), example)
    if any(char.isspace() or not char.isprintable() for char in text):
        return None, "%s %s contains a space or a control character; give one such as %s" % (
            what, shown(value), example)
    if not (HOST_RE.match(host) or "[" in parts.netloc and ":" in host):
        return None, "%s %s: %s is not a host name or IP address; give one such as %s" % (
            what, shown(value), shown(host), example)
    if len(host) > MAX_HOST_LENGTH or any(len(label) > 63 for label in host.split(".")):
        return None, "%s %s: the host name is longer than DNS allows (253 characters, 63 per label)" % (
            what, shown(value))
    if port == 0:
        return None, "%s %s: port 0 is not a port" % (what, shown(value))
    return parts, None


INT32_MAX = 2 ** 31 - 1
INT64_MAX = 2 ** 63 - 1
MAX_OBJECT_NAME = 255


def check_text_name(value, what="name", max_length=MAX_OBJECT_NAME):
    """A free-text name (replication policy, webhook policy, ...): 1 to ``max_length`` characters."""
    if not isinstance(value, str) or not value.strip():
        return "%s must not be empty" % what
    if len(value) > max_length:
        return "%s must have at most %d characters, got %d" % (what, max_length, len(value))
    return None


def check_int_range(value, what, low, high, unlimited=None):
    """``value`` within ``low``..``high`` (Harbor's Go type), or the ``unlimited`` value; an error or None."""
    if value is None or value == unlimited or low <= value <= high:
        return None
    extra = " or %d for no limit" % unlimited if unlimited is not None else ""
    return "%s must be %d to %d%s, got %d" % (what, low, high, extra, value)


def check_name(value, what="project name", max_length=255):
    if not value or len(value) > max_length or not NAME_RE.match(value):
        return ("%s %r is not valid: Harbor wants 1-%d characters of lower-case letters and digits, "
                "separated by single '.', '_' or '-' (e.g. 'shared-libs')" % (what, value, max_length))
    return None


def parse_storage(value, option="storage_quota"):
    """Parse a human size (``10GB``, ``512 MiB``, ``1T``) or ``-1``/``unlimited``; return (bytes, error)."""
    text = str(value).strip()
    if text.lower() in ("-1", "unlimited"):
        return -1, None
    if text.startswith("-"):
        return None, "%s %r must be -1 (unlimited) or greater than 0" % (option, value)
    try:
        number = human_to_bytes(text.replace("iB", "B").replace("ib", "b"))
    except (TypeError, ValueError):
        return None, ("%s %r is not a size: use a number of bytes or a unit such as 500MB, 10GB or 2TB "
                      "(1 GB = 1024 MB, as in Harbor's UI), or -1 for unlimited" % (option, value))
    if number <= 0:
        return None, "%s %r must be -1 (unlimited) or greater than 0" % (option, value)
    if number > MAX_STORAGE_BYTES:
        return None, "%s %r exceeds Harbor's maximum of 1024 TB" % (option, value)
    return number, None


# Harbor schedules use 6-field cron expressions with a seconds field first (robfig/cron), e.g. "0 0 3 * * *".
_CRON_FIELDS = (
    ("second", 0, 59, None),
    ("minute", 0, 59, None),
    ("hour", 0, 23, None),
    ("day of month", 1, 31, None),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    ("day of week", 0, 6, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)


def _cron_value(text, low, high, names):
    if names and text.upper() in names:
        return names.index(text.upper()) + low
    if not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


def _check_cron_field(text, name, low, high, names):
    for item in text.split(","):
        base, _sep, step = item.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            return "the step %r of the %s field must be a positive number" % (step, name)
        if base in ("*", "?"):
            if base == "?" and name not in ("day of month", "day of week"):
                return "'?' is only allowed in the day-of-month and day-of-week fields"
            continue
        first, _dash, last = base.partition("-")
        start = _cron_value(first, low, high, names)
        end = _cron_value(last, low, high, names) if last else start
        if start is None or end is None or start > end:
            return "%r is not a valid %s (%d-%d)" % (item, name, low, high)
    return None


def check_cron(value, option="cron", minute_must_be_fixed=False):
    """Check a Harbor cron expression: 6 fields, seconds first and 0 (Harbor refuses anything else)."""
    fields = (value or "").split()
    if len(fields) != 6:
        return ("%s %r must have 6 fields (second minute hour day-of-month month day-of-week), "
                "for example '0 0 3 * * *' for 03:00 every day" % (option, value))
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS):
        problem = _check_cron_field(text, name, low, high, names)
        if problem:
            return "%s %r: %s" % (option, value, problem)
    if fields[0] != "0":
        return "%s %r: Harbor wants the first (seconds) field to be 0" % (option, value)
    if minute_must_be_fixed and fields[1] == "*":
        return "%s %r: Harbor refuses '*' in the minute field here (it would run every minute)" % (option, value)
    return None


def check_password(value, option="password"):
    """Harbor's rule for user passwords and robot secrets: 8-128 characters with upper, lower case and a digit.

    The message never repeats the value (it is a secret).
    """
    text = value if isinstance(value, str) else ""
    classes = all(re.search(pattern, text) for pattern in (r"[A-Z]", r"[a-z]", r"[0-9]"))
    if not 8 <= len(text) <= 128 or not classes:
        return ("%s does not meet Harbor's password rules: 8 to 128 characters with at least one upper-case "
                "letter, one lower-case letter and one digit" % option)
    return None


def check_username(value):
    """Harbor's rule for user names: 1-255 characters without any of , " ~ # % $."""
    if not value or len(value) > 255 or any(c in ',"~#%$' for c in value):
        return "username %r is not valid: Harbor wants 1-255 characters without any of , \" ~ # %% $" % value
    return None
