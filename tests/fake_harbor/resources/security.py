"""Security hub: ``GET /security/summary`` and ``GET /security/vul``, computed from the fake's scan reports.

Harbor's behaviour (src/server/v2.0/handler/security.go, src/controller/securityhub/controller.go,
src/pkg/securityhub/dao/security.go):

* Only the reports of the **default scanner** count (``DefaultScannerUUID``). Without a default scanner the summary
  is all zeros (even ``total_artifact``) and the list is ``[]`` with ``X-Total-Count: 0``.
* ``/security/summary`` (system permission ``security-hub:read``): the per-severity counts summed over the reports
  of every artifact (``scan_report.critical_cnt`` …; a CVE found in two artifacts counts twice), ``fixable_cnt``
  (findings with a fix version), ``total_vuls`` (the sum of the six severities), ``total_artifact`` (every
  artifact), ``scanned_cnt`` (artifacts with a report of the default scanner; a report exists from the moment the
  scan starts, its counts stay 0 until it ends). ``with_dangerous_cve=true`` adds the five findings with the highest
  CVSS v3 score (then severity), those without a score left out, each distinct ``(cve, package, version)`` once;
  ``with_dangerous_artifact=true`` the five artifacts with the most critical, then high, medium and low findings
  (only artifacts with at least one). Empty lists are left out (``x-omitempty: true``).
* ``/security/vul`` (system permission ``security-hub:list``): one item per (artifact, finding) of the default
  scanner's finished reports, highest ``cvss_v3_score`` first (no score last), paged (``page``, ``page_size``,
  ``X-Total-Count``, ``Link``). ``q=`` takes only ``cve_id``, ``severity``, ``project_id``, ``repository_name``,
  ``package``, ``tag``, ``digest`` as exact matches, ``cvss_score_v3`` as a range and, with the 2.15.2 spec
  (2.13+), ``status``; another key is 400 "keyword: X is not allowed", a fuzzy/list value for an exact key or a
  non-range score 400 "keyword: X, the query type is not allowed" (``checkQFilter``). ``with_tag=true`` adds the
  artifact's tags (at most 10); ``tune_count=true`` answers ``X-Total-Count: -1`` above 1000 items.

The scanner stand-in (scans.py) reads the packages an artifact was seeded with; a vulnerability there may carry
``"cvss_score_v3": 9.8`` (and ``"status"``), which this module reads back from the artifact's packages.
"""

from ..framework import auth
from ..framework.errors import bad_request
from ..framework.paging import paginate
from ..framework.query import Range, apply_keywords, parse_q
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import scanners

ROUTES = RouteTable()

SUMMARY_SEVERITIES = (("Critical", "critical_cnt"), ("High", "high_cnt"), ("Medium", "medium_cnt"),
                      ("Low", "low_cnt"), ("None", "none_cnt"), ("Unknown", "unknown_cnt"))
SEVERITY_LEVEL = {"Critical": 5, "High": 4, "Medium": 3, "Low": 2, "None": 1, "Unknown": 0}
DANGEROUS_LIMIT = 5
TAG_LIMIT = 10
TUNE_LIMIT = 1000
EXACT_KEYS = ("cve_id", "severity", "project_id", "repository_name", "package", "tag", "digest")


def _default_reports(state):
    """(artifact, scan) for every artifact with a report of the default scanner, by artifact id."""
    default = scanners.default_scanner(state)
    if default is None:
        return None
    found = []
    for artifact_id in sorted(state.scans):
        scan = state.scans[artifact_id]
        artifact = state.artifacts.get(artifact_id)
        if artifact is not None and (scan.get("scanner") or {}).get("uuid") == default["uuid"]:
            found.append((artifact, scan))
    return found


def _seeded(artifact, package, cve_id):
    """The vulnerability as seeded in the artifact's packages (its ``cvss_score_v3``, ``status``)."""
    for item in artifact.get("packages") or []:
        if not isinstance(item, dict) or item.get("name", "") != package:
            continue
        for vuln in item.get("vulnerabilities") or []:
            if isinstance(vuln, dict) and vuln.get("id") == cve_id:
                return vuln
    return {}


def _score(artifact, finding):
    value = _seeded(artifact, finding["package"], finding["id"]).get("cvss_score_v3")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _findings(scan):
    return scan["vulnerabilities"] or []  # None while the scan runs: the report's counts are still 0


def _counts(scan):
    counts = {field: 0 for _severity, field in SUMMARY_SEVERITIES}
    fields = dict(SUMMARY_SEVERITIES)
    for finding in _findings(scan):
        field = fields.get(finding["severity"])
        if field:
            counts[field] += 1
    return counts


@ROUTES.get("/security/summary")
def security_summary(ctx):
    auth.require(ctx, None, "security-hub", "read")
    with_cve = ctx.query_bool("with_dangerous_cve", False)
    with_artifact = ctx.query_bool("with_dangerous_artifact", False)
    state = ctx.state
    body = {field: 0 for _severity, field in SUMMARY_SEVERITIES}
    body.update(fixable_cnt=0, total_vuls=0, scanned_cnt=0, total_artifact=0)
    reports = _default_reports(state)
    if reports is None:
        return Response.json(body)
    dangerous_artifacts = []
    cves = {}
    for artifact, scan in reports:
        counts = _counts(scan)
        for field, value in counts.items():
            body[field] += value
        body["fixable_cnt"] += sum(1 for f in _findings(scan) if f["fix_version"])
        if counts["critical_cnt"] + counts["high_cnt"] + counts["medium_cnt"] + counts["low_cnt"] > 0:
            dangerous_artifacts.append((artifact, counts))
        for finding in _findings(scan):
            score = _score(artifact, finding)
            key = (finding["id"], finding["package"], finding["version"])
            if score is not None and key not in cves:
                cves[key] = {"cve_id": finding["id"], "package": finding["package"], "version": finding["version"],
                             "severity": finding["severity"], "cvss_score_v3": score}
    body["total_vuls"] = sum(body[field] for _severity, field in SUMMARY_SEVERITIES)
    body["total_artifact"] = len(state.artifacts)
    body["scanned_cnt"] = len(reports)
    if with_cve and cves:
        ranked = sorted(cves.values(), key=lambda c: (-c["cvss_score_v3"], -SEVERITY_LEVEL.get(c["severity"], 0)))
        body["dangerous_cves"] = ranked[:DANGEROUS_LIMIT]
    if with_artifact and dangerous_artifacts:
        dangerous_artifacts.sort(key=lambda item: tuple(-item[1][f] for f in (
            "critical_cnt", "high_cnt", "medium_cnt", "low_cnt")))
        body["dangerous_artifacts"] = [
            {"project_id": artifact["project_id"], "repository_name": artifact["repository_name"],
             "digest": artifact["digest"], "critical_cnt": counts["critical_cnt"], "high_cnt": counts["high_cnt"],
             "medium_cnt": counts["medium_cnt"]}
            for artifact, counts in dangerous_artifacts[:DANGEROUS_LIMIT]]
    return Response.json(body)


def _check_keywords(ctx, keywords):
    """``checkQFilter``: 400 for keys or matchers the vulnerability list does not allow."""
    exact = EXACT_KEYS + (("status",) if ctx.version >= (2, 13) else ())
    for key, matcher in keywords.items():
        if key == "cvss_score_v3":
            allowed = isinstance(matcher, Range)
        elif key in exact:
            allowed = isinstance(matcher, str)
        else:
            raise bad_request("keyword: %s is not allowed" % key)
        if not allowed:
            raise bad_request("keyword: %s, the query type is not allowed" % key)


def _rows(state, keywords):
    rows = []
    for artifact, scan in _default_reports(state) or []:
        for finding in _findings(scan):
            rows.append({"artifact": artifact, "finding": finding, "score": _score(artifact, finding),
                         "status": _seeded(artifact, finding["package"], finding["id"]).get("status") or ""})
    rows = apply_keywords(rows, keywords, {
        "cve_id": lambda r: r["finding"]["id"], "severity": lambda r: r["finding"]["severity"],
        "cvss_score_v3": lambda r: r["score"], "project_id": lambda r: r["artifact"]["project_id"],
        "repository_name": lambda r: r["artifact"]["repository_name"], "package": lambda r: r["finding"]["package"],
        "tag": lambda r: [t["name"] for t in r["artifact"]["tags"]], "digest": lambda r: r["artifact"]["digest"],
        "status": lambda r: r["status"],
    })
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0)))  # order by cvss_score_v3 desc nulls last
    return rows


def _item(row, with_tag):
    artifact, finding = row["artifact"], row["finding"]
    item = {"project_id": artifact["project_id"], "repository_name": artifact["repository_name"],
            "digest": artifact["digest"], "cve_id": finding["id"], "severity": finding["severity"],
            "cvss_v3_score": row["score"] or 0, "package": finding["package"], "version": finding["version"],
            "fixed_version": finding["fix_version"], "desc": finding["description"],
            "links": list(finding.get("links") or [""])}
    if with_tag:
        item["tags"] = [t["name"] for t in artifact["tags"]][:TAG_LIMIT]
    return item


@ROUTES.get("/security/vul")
def list_vulnerabilities(ctx):
    auth.require(ctx, None, "security-hub", "list")
    with_tag = ctx.query_bool("with_tag", False)
    tune_count = ctx.query_bool("tune_count", False)
    keywords = parse_q(ctx.query_value("q"))  # BuildQuery: a malformed q is 400 before anything else
    if scanners.default_scanner(ctx.state) is None:
        return Response.json([], headers={"X-Total-Count": "0"})
    _check_keywords(ctx, keywords)
    rows = _rows(ctx.state, keywords)
    response = paginate(ctx, rows, lambda row: _item(row, with_tag))
    if tune_count and len(rows) > TUNE_LIMIT:
        response.headers["X-Total-Count"] = "-1"
        response.headers.pop("Link", None)
    return response
