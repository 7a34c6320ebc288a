# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""An artifact's vulnerability scan: its path, its scan overview, its report, severity counts and the gate.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

Harbor's quirks (api-notes §11):

* the report's media type is chosen by the custom header ``X-Accept-Vulnerabilities`` (**not** ``Accept``), a
  comma-separated list of MIME types; the first type that has a report wins;
* ``GET …/additions/vulnerabilities`` answers an object **keyed by that MIME type**; ``{}`` means no report yet;
* the scan status is the artifact's ``scan_overview`` (``?with_scan_overview=true`` plus the same header),
  keyed by MIME type as well;
* repository names are URL-encoded twice in paths (``quote_repository``).
"""

from __future__ import annotations

import re

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import quote_path, quote_repository
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name

GENERIC_REPORT = "application/vnd.security.vulnerability.report; version=1.1"
NATIVE_REPORT = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
REPORT_FORMATS = {"generic": GENERIC_REPORT, "native": NATIVE_REPORT}
FINAL_STATUSES = ("Success", "Error", "Stopped")
# Harbor's severities, lowest first; the gate accepts the four that matter.
SEVERITIES = ("none", "unknown", "negligible", "low", "medium", "high", "critical")
GATE_SEVERITIES = ["critical", "high", "medium", "low"]
WORST_LISTED = 10

ARTIFACT_ARGS = dict(
    project=dict(type="str", required=True),
    repository=dict(type="str", required=True),
    tag=dict(type="str"),
    digest=dict(type="str"),
)
ARTIFACT_KWARGS = dict(mutually_exclusive=[("tag", "digest")], required_one_of=[("tag", "digest")])

# Docker distribution's grammar (a repository below the project, a tag, a digest).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY_RE = re.compile(r"^%s(?:/%s)*$" % (_COMPONENT, _COMPONENT))
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$")


def accept_header(formats=None):
    """The ``X-Accept-Vulnerabilities`` header for report formats (both, generic first, by default)."""
    types = [REPORT_FORMATS[name] for name in (formats or ("generic", "native"))]
    return {"X-Accept-Vulnerabilities": ", ".join(types)}


def check_artifact(params):
    """Check project, repository and tag/digest options; an error message or None."""
    problem = check_name(params["project"])
    if problem:
        return problem
    repository = params["repository"] or ""
    if not REPOSITORY_RE.match(repository):
        return ("repository %r is not valid: lower-case path components such as 'my-app' or 'team/my-app', "
                "without the project name" % repository)
    if params.get("tag") is not None and not TAG_RE.match(params["tag"]):
        return "tag %r is not valid: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'" % (
            params["tag"])
    if params.get("digest") is not None and not DIGEST_RE.match(params["digest"]):
        return "digest %r is not valid: use algorithm:hex, for example sha256:0123abcd..." % params["digest"]
    return None


def reference(params):
    return params.get("tag") or params["digest"]


def artifact_name(params):
    """``production/my-app:v1.2.3`` or ``production/my-app@sha256:…`` for messages."""
    separator = ":" if params.get("tag") else "@"
    return "%s/%s%s%s" % (params["project"], params["repository"], separator, reference(params))


def artifact_path(params):
    return "/projects/%s/repositories/%s/artifacts/%s" % (
        quote_path(params["project"]), quote_repository(params["repository"]), quote_path(reference(params)))


def keyed(body, preferred=(GENERIC_REPORT, NATIVE_REPORT)):
    """``(mime_type, value)`` of an object keyed by MIME type; ``(None, None)`` for ``{}`` (nothing yet)."""
    if not isinstance(body, dict) or not body:
        return None, None
    for mime_type in preferred:
        if isinstance(body.get(mime_type), dict):
            return mime_type, body[mime_type]
    for mime_type, value in body.items():
        if isinstance(value, dict):
            return mime_type, value
    return None, None


def overview(artifact):
    """``(mime_type, summary)`` of an artifact read with ``with_scan_overview=true``; ``(None, None)`` if never scanned."""
    return keyed((artifact or {}).get("scan_overview"))


def count(vulnerabilities):
    """Findings per severity (lower case, every severity present), plus ``total`` and ``fixable``."""
    counts = dict((name, 0) for name in SEVERITIES)
    for item in vulnerabilities or []:
        severity = str(item.get("severity") or "unknown").lower()
        counts[severity if severity in counts else "unknown"] += 1
    counts["total"] = len(vulnerabilities or [])
    counts["fixable"] = sum(1 for item in vulnerabilities or [] if item.get("fix_version"))
    return counts


def count_summary(summary):
    """The same counts from a scan overview's ``summary`` (``{"total", "fixable", "summary": {"Critical": 2}}``)."""
    counts = dict((name, 0) for name in SEVERITIES)
    for severity, number in ((summary or {}).get("summary") or {}).items():
        key = str(severity).lower()
        counts[key if key in counts else "unknown"] += number or 0
    counts["total"] = (summary or {}).get("total", sum(counts[name] for name in SEVERITIES))
    counts["fixable"] = (summary or {}).get("fixable", 0)
    return counts


def at_or_above(counts, threshold):
    """``{severity: n}`` for the severities at or above ``threshold`` that have findings."""
    levels = SEVERITIES[SEVERITIES.index(threshold):]
    return dict((name, counts[name]) for name in levels if counts.get(name))


def worst(vulnerabilities, threshold, limit=WORST_LISTED):
    """The most severe findings at or above ``threshold`` (most severe first), as short strings."""
    levels = SEVERITIES[SEVERITIES.index(threshold):]
    found = [item for item in vulnerabilities or [] if str(item.get("severity") or "").lower() in levels]
    found.sort(key=lambda item: (-SEVERITIES.index(str(item["severity"]).lower()), str(item.get("id"))))
    return ["%s (%s, %s %s%s)" % (item.get("id"), str(item.get("severity")).lower(), item.get("package", "?"),
                                  item.get("version", ""),
                                  ", fixed in %s" % item["fix_version"] if item.get("fix_version") else "")
            for item in found[:limit]]


def gate_message(name, counts, threshold, vulnerabilities):
    """The failure message of the severity gate, or None when it passes."""
    hits = at_or_above(counts, threshold)
    if not hits:
        return None
    listed = ", ".join("%d %s" % (hits[name], name) for name in reversed(SEVERITIES) if name in hits)
    return "%s has vulnerabilities at or above %s: %s. Worst: %s" % (
        name, threshold, listed, "; ".join(worst(vulnerabilities, threshold)))
