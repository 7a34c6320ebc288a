"""Harbor's doublestar patterns (``src/lib/selector/selectors/doublestar``), one implementation for every resource.

Tag and repository selectors of retention and immutability rules, the name filters of replication policies, preheat
policies and CVE exports all use them: ``**`` matches any path, ``*`` and ``?`` stay within one path segment,
``{a,b}`` are alternatives and ``[...]`` (``[!...]``) character classes.
"""

import re


def doublestar_regex(pattern):
    """The compiled regex of ``pattern``; ValueError for an unclosed ``{`` or ``[``."""
    out = []
    depth = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise ValueError("unclosed [ in %r" % pattern)
            body = pattern[i + 1:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[%s]" % body.replace("\\", "\\\\"))
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    if depth:
        raise ValueError("unclosed { in %r" % pattern)
    return re.compile("^%s$" % "".join(out))


def doublestar_match(pattern, value):
    """Does ``value`` match ``pattern``? An invalid pattern matches nothing (Harbor's matcher returns an error)."""
    try:
        return bool(doublestar_regex(pattern).match(value))
    except (ValueError, re.error):
        return False
