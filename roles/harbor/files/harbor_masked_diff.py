# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""The diff of harbor.yml that harbor_ops.harbor.harbor shows with --diff, every secret masked.

harbor.yml holds the admin and database passwords, storage keys and more, so its template task never shows
Ansible's own diff. The role runs this script instead (on the host that runs the check, Python 3.6 or later,
standard library only) with a JSON document on stdin::

    {"before": {... the harbor.yml there now, or null ...}, "after": {... the harbor.yml to write ...},
     "before_header": "...", "after_header": "..."}

and prints ``{"changed": bool, "diff": [unified diff lines]}``. Secrets - the values of keys named like a
password, secret, token or access key (whole blocks for ``credentials``), PEM blocks, the password of a URL's
user info, and any other occurrence of those values - are replaced with ``********``; a secret that changes
shows as ``******** (changed)``, so that the change itself is visible.
"""

from __future__ import absolute_import, division, print_function

import difflib
import json
import re
import sys

__metaclass__ = type  # pylint: disable=invalid-name

MASK = "********"
CHANGED = MASK + " (changed)"
# key names whose value is a secret, in every block: harbor_admin_password, database.password,
# external_database.harbor.password, external_redis.password, trace.jaeger.password, trivy.github_token,
# storage drivers (s3/swift accesskey and secretkey, oss accesskeyid and accesskeysecret, azure accountkey,
# gcs credentials)
SECRET_KEY = re.compile(r"password|passwd|secret|token|accesskey|accountkey|credentials|encodedkey|apikey",
                        re.IGNORECASE)
PEM = "-----BEGIN"
URL_PASSWORD = re.compile(r"(://[^/\s:@]*:)([^/\s@]+)(@)")
PLAIN = re.compile(r"^[A-Za-z0-9_./+-][A-Za-z0-9 _./:+,=@*-]*$")
AMBIGUOUS = re.compile(r"^(true|false|yes|no|on|off|null|~|[-+]?[0-9][0-9_.:eE+-]*)$", re.IGNORECASE)
# a secret shorter than this is not searched for in the rest of the text (it would match everywhere)
MIN_SECRET_LENGTH = 4


def _strings(node):
    """Every string (and number) inside ``node``, as a list."""
    if isinstance(node, dict):
        node = list(node.values())
    if isinstance(node, list):
        return [item for value in node for item in _strings(value)]
    return [] if node is None or isinstance(node, bool) else [str(node)]


def mask(node, secrets, before=None, after=False):
    """``node`` with its secrets masked (collected into ``secrets``).

    For the ``after`` side, ``before`` is the same place before the change: a secret that differs from it is
    masked as ``******** (changed)``.
    """
    if isinstance(node, dict):
        before = before if isinstance(before, dict) else {}
        masked = {}
        for key, value in node.items():
            if SECRET_KEY.search(str(key)) and value not in (None, ""):
                secrets.update(_strings(value))
                changed = after and before.get(key) not in (None, "") and before.get(key) != value
                masked[key] = CHANGED if changed else MASK
            else:
                masked[key] = mask(value, secrets, before.get(key), after)
        return masked
    if isinstance(node, list):
        before = before if isinstance(before, list) else []
        return [mask(value, secrets, before[index] if index < len(before) else None, after)
                for index, value in enumerate(node)]
    if isinstance(node, str):
        if PEM in node:
            secrets.add(node)
            return MASK
        for match in URL_PASSWORD.finditer(node):
            secrets.add(match.group(2))
        return URL_PASSWORD.sub(r"\g<1>" + MASK + r"\g<3>", node)
    return node


def _scalar(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if text in (MASK, CHANGED) or (PLAIN.match(text) and not AMBIGUOUS.match(text) and not text.endswith(" ")):
        return text
    return json.dumps(text)


def to_yaml(node, indent=0):
    """Block-style YAML lines of ``node`` (display only: the role writes harbor.yml with to_nice_yaml)."""
    pad = " " * indent
    lines = []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (dict, list)) and value:
                lines.append("%s%s:" % (pad, key))
                lines.extend(to_yaml(value, indent + 2))
            else:
                shown = _scalar(value) if not isinstance(value, (dict, list)) else ("{}" if isinstance(value, dict) else "[]")
                lines.append("%s%s: %s" % (pad, key, shown))
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, (dict, list)) and value:
                inner = to_yaml(value, indent + 2)
                lines.append("%s- %s" % (pad, inner[0].lstrip()))
                lines.extend(inner[1:])
            else:
                lines.append("%s- %s" % (pad, _scalar(value)))
    else:
        lines.append(pad + _scalar(node))
    return lines


def masked_diff(before, after, before_header="before", after_header="after"):
    """(changed, unified diff lines) of the harbor.yml ``before`` (a mapping or None) and ``after``."""
    secrets = set()
    masked_before = mask(before, secrets) if isinstance(before, dict) else None
    masked_after = mask(after, secrets, before, after=True)
    before_lines = to_yaml(masked_before) if masked_before is not None else []
    after_lines = to_yaml(masked_after)
    diff = list(difflib.unified_diff(before_lines, after_lines, before_header, after_header, lineterm=""))
    # a secret value that also sits under a key that is not named like one (a URL, a free-form block)
    for secret in sorted((s for s in secrets if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True):
        diff = [line.replace(secret, MASK) for line in diff]
    return before != after, diff


def main():
    request = json.load(sys.stdin)
    changed, diff = masked_diff(request.get("before"), request.get("after"),
                                request.get("before_header") or "before", request.get("after_header") or "after")
    json.dump({"changed": changed, "diff": diff}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
