# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""Option checks that run before any request is sent.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

Each check returns an error message (str) or None, so a module can report the first problem in one clear
``fail_json`` without having talked to Harbor.
"""

from __future__ import annotations

import re

from ansible.module_utils.common.text.formatters import human_to_bytes

# Harbor's rule for project (and robot) names: src/pkg/project/manager.go
NAME_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
# Harbor's storage quota limit: 1024 TB
MAX_STORAGE_BYTES = 1024 ** 5


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
