"""Artifact scans and vulnerability reports, with a deterministic scanner stand-in.

Endpoints (api-notes §11):

* ``POST …/artifacts/{reference}/scan`` (optional body ``{"scan_type": "vulnerability"}`` from 2.11) → 202, no
  body. 412 when the project has no scanner (neither its own nor a system default), 409 while a scan of the
  artifact is still running. ``POST …/scan/stop`` (body ``{"scan_type"}`` required) → 202.
* ``GET …/artifacts/{reference}/additions/vulnerabilities``: the media type is chosen by the custom header
  ``X-Accept-Vulnerabilities`` (**not** ``Accept``); the body is an object **keyed by the MIME type** of the
  first requested type that has a report, ``{}`` while there is none (not scanned, or still running).
* The scan status through ``?with_scan_overview=true`` on the artifact (hook ``artifact_scan_overview``):
  ``scan_overview`` keyed by MIME type → ``{report_id, scan_status, severity, summary, complete_percent, …}``.
* ``GET …/scan/{report_id}/log`` → text/plain.

The scanner stand-in derives its findings from the ``packages`` an artifact was seeded with
(``POST /_fake/artifacts``)::

    "packages": [{"name": "openssl", "version": "3.0.1",
                  "vulnerabilities": [{"id": "CVE-2024-0001", "severity": "critical", "fix_version": "3.0.13"}]}]

so tests decide what a scan finds. A scan is an execution of the job service (executions.py, kind ``IMAGE_SCAN``,
one queue per artifact): it is "Running" for its duration, whether anyone reads it or not (``complete_percent``
follows the elapsed time), then "Success"; the report exists from then on. Reports exist for both MIME
types a Trivy adapter produces. Scan-all (scan_all.py) uses ``complete_scan()``.
"""

import time
import uuid
from urllib.parse import unquote

from ..framework.errors import HarborError, conflict, not_found, precondition
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import artifacts, executions, scanners

ROUTES = RouteTable()

GENERIC = "application/vnd.security.vulnerability.report; version=1.1"
NATIVE = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
REPORT_TYPES = (GENERIC, NATIVE)
# Harbor's severities, lowest first (src/pkg/scan/vuln/severity.go)
SEVERITIES = ("None", "Unknown", "Negligible", "Low", "Medium", "High", "Critical")
BODY_QUIRK = "the report is a JSON object keyed by MIME type (api-notes §11), not the string the spec declares"
ARTIFACT = "/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}"


def init_state(state):
    state.scans = {}  # artifact id -> the latest scan {"report_id", "execution", "scanner", "vulnerabilities", ...}


def _artifact_deleted(state, artifact):
    state.scans.pop(artifact["id"], None)


def requested_types(mime_types):
    """Harbor's parseScanReportMimeTypes: known types in the caller's order; none left → the native type."""
    known = []
    for text in mime_types:
        normalized = _normalize(text)
        for candidate in REPORT_TYPES:
            if normalized == _normalize(candidate) and candidate not in known:
                known.append(candidate)
    return known or [NATIVE]


def _normalize(text):
    return ";".join(part.strip().lower() for part in unquote(text).split(";"))


def severity_name(text):
    for name in SEVERITIES:
        if name.lower() == str(text or "").strip().lower():
            return name
    return "Unknown"


def findings(artifact):
    """The vulnerabilities a scan finds in the artifact's seeded packages."""
    found = []
    for package in artifact.get("packages") or []:
        if not isinstance(package, dict):
            continue
        for vuln in package.get("vulnerabilities") or []:
            if not isinstance(vuln, dict) or not vuln.get("id"):
                continue
            found.append({
                "id": vuln["id"], "package": package.get("name", ""), "version": package.get("version", ""),
                "fix_version": vuln.get("fix_version", ""), "severity": severity_name(vuln.get("severity")),
                "description": vuln.get("description", "%s in %s" % (vuln["id"], package.get("name", ""))),
                "links": ["https://avd.aquasec.com/nvd/%s" % vuln["id"].lower()],
            })
    return found


def _worst(found):
    return max((f["severity"] for f in found), key=SEVERITIES.index, default="None")


def start_scan(state, artifact, scanner, trigger="Manual"):
    """Start a scan of ``artifact`` (the previous report is replaced) and return the scan record."""
    scan = {
        "report_id": str(uuid.uuid4()), "artifact_id": artifact["id"], "scanner": scanner,
        "vulnerabilities": None, "start_time": None, "end_time": None,
    }
    scan["execution"] = executions.new_execution(
        state, "scan:%d" % artifact["id"], trigger, on_finish=executions.callback(_complete, scan, artifact),
        log=["[INFO] scan of %s@%s with %s" % (artifact["repository_name"], artifact["digest"], scanner["name"])])
    scan["start_time"] = scan["execution"]["creation_time"]
    state.scans[artifact["id"]] = scan
    return scan


def _complete(state, scan, artifact):
    """The end of a scan: its findings, the log line, the SCANNING_COMPLETED event."""
    execution = scan["execution"]
    scan["vulnerabilities"] = findings(artifact)
    scan["end_time"] = execution["update_time"]
    execution["log"].append("%s [INFO] %d vulnerabilities found" % (scan["end_time"], len(scan["vulnerabilities"])))
    project = state.projects.get(artifact["project_id"])
    if project is not None:
        tags = [t["name"] for t in artifact["tags"]]
        summary = {NATIVE: {"report_id": scan["report_id"], "scan_status": executions.SUCCESS,
                            "severity": _worst(scan["vulnerabilities"]), "summary": _summary(scan),
                            "scanner": _scanner_info(scan)}}
        state.hooks.all("artifact_event", state, "SCANNING_COMPLETED", project, artifact,
                        tags[0] if tags else None, None, {"scan_overview": summary})


def complete_scan(state, artifact, scanner, trigger="Schedule"):
    """Scan ``artifact`` at once (scan-all's work)."""
    scan = start_scan(state, artifact, scanner, trigger)
    executions.finish(state, scan["execution"])
    return scan


def _summary(scan):
    counts = {}
    for item in scan["vulnerabilities"]:
        counts[item["severity"]] = counts.get(item["severity"], 0) + 1
    return {"total": len(scan["vulnerabilities"]), "fixable": sum(1 for v in scan["vulnerabilities"] if v["fix_version"]),
            "summary": counts}


def _scanner_info(scan):
    registration = scan["scanner"]
    return {"name": registration["name"], "vendor": registration.get("vendor") or "",
            "version": registration.get("version") or ""}


def overview(state, artifact, mime_types):
    """Hook ``artifact_scan_overview``: the summary keyed by the first requested type, or None."""
    scan = state.scans.get(artifact["id"])
    if scan is None:
        return None
    status = scan["execution"]["status"]
    item = {"report_id": scan["report_id"], "scan_status": status, "start_time": scan["start_time"],
            "scanner": _scanner_info(scan)}
    if status == executions.SUCCESS:
        item.update(severity=_worst(scan["vulnerabilities"]), summary=_summary(scan), complete_percent=100,
                    end_time=scan["end_time"], duration=0)
    else:
        item["complete_percent"] = int(100 * scan["execution"]["progress"]) if status == executions.RUNNING else 0
    return {requested_types(mime_types)[0]: item}


def _allowlisted(state, project):
    """The CVE ids a project exempts: its own allowlist, or the system's with reuse_sys_cve_allowlist; an
    expired allowlist exempts nothing."""
    reuse = (project.get("metadata") or {}).get("reuse_sys_cve_allowlist") == "true"
    allowlist = state.system_cve_allowlist if reuse else project.get("cve_allowlist") or {}
    expires = allowlist.get("expires_at")
    if expires and expires <= time.time():
        return set()
    return {item.get("cve_id") for item in allowlist.get("items") or []}


def pull_denied(state, project, artifact):
    """Hook ``artifact_pull_denied``: the project's vulnerability gate (prevent_vul + severity).

    An artifact without a finished scan passes; findings at or above the project's severity that no allowlist
    exempts block the pull with Harbor's message.
    """
    metadata = project.get("metadata") or {}
    scan = state.scans.get(artifact["id"])
    if metadata.get("prevent_vul") != "true" or scan is None or scan["vulnerabilities"] is None:
        return None
    threshold = severity_name(metadata.get("severity") or "low")
    exempt = _allowlisted(state, project)
    blocking = [v for v in scan["vulnerabilities"]
                if SEVERITIES.index(v["severity"]) >= SEVERITIES.index(threshold) and v["id"] not in exempt]
    if not blocking:
        return None
    return ('current image with "%d vulnerabilities" cannot be pulled due to configured policy in \'Prevent '
            'images with vulnerability severity of "%s" or higher from running.\' To continue with pull, please '
            'contact your project administrator to exempt matched vulnerabilities through configuring the CVE '
            'allowlist.' % (len(blocking), threshold))


def _scan_on_push(state, event_type, project, artifact, _tag, _principal, _extra=None):
    """Hook ``artifact_event``: a project with auto_scan scans every pushed artifact."""
    if event_type != "PUSH_ARTIFACT" or (project.get("metadata") or {}).get("auto_scan") != "true":
        return
    scanner = scanners.scanner_for_project(state, project)
    current = state.scans.get(artifact["id"])
    if scanner is not None and (current is None or current["execution"]["status"] not in executions.ACTIVE):
        start_scan(state, artifact, scanner, trigger="Event")


HOOKS = {"artifact_scan_overview": overview, "artifact_deleted": _artifact_deleted,
         "artifact_pull_denied": pull_denied, "artifact_event": _scan_on_push}


def report(scan, artifact, mime_type):
    """The vulnerability report of a finished scan in ``mime_type``'s shape."""
    vulnerabilities = []
    for item in scan["vulnerabilities"]:
        entry = dict(item)
        if mime_type == GENERIC:
            entry.update(cwe_ids=[], vendor_attributes={})
        vulnerabilities.append(entry)
    tags = [t["name"] for t in artifact["tags"]]
    return {
        "generated_at": scan["end_time"], "scanner": _scanner_info(scan), "severity": _worst(scan["vulnerabilities"]),
        "artifact": {"repository": artifact["repository_name"], "digest": artifact["digest"],
                     "tag": tags[0] if tags else "", "mime_type": artifact["manifest_media_type"]},
        "vulnerabilities": vulnerabilities,
    }


def _artifact(ctx, resource, action):
    project = artifacts.project_for(ctx, resource, action)
    repo = artifacts.repository_for(ctx, project)
    return project, artifacts.artifact_for(ctx, project, repo)


@ROUTES.post(ARTIFACT + "/scan")
def scan_artifact(ctx):
    project, artifact = _artifact(ctx, "scan", "create")
    body = ctx.json_object(required=False)
    if body.get("scan_type") == "sbom":
        raise HarborError(400, "the configured scanner does not support SBOM generation")
    scanner = scanners.scanner_for_project(ctx.state, project)
    if scanner is None:
        raise precondition("no available scanner for project: %d" % project["project_id"])
    current = ctx.state.scans.get(artifact["id"])
    if current is not None and current["execution"]["status"] in executions.ACTIVE:
        raise conflict("a previous scan process is %s" % current["execution"]["status"])
    start_scan(ctx.state, artifact, scanner)
    return Response(202)


@ROUTES.post(ARTIFACT + "/scan/stop")
def stop_scan(ctx):
    _project, artifact = _artifact(ctx, "scan", "stop")
    ctx.json_object()
    current = ctx.state.scans.get(artifact["id"])
    if current is None or current["execution"]["status"] not in executions.ACTIVE:
        raise HarborError(400, "no scan job is running for the artifact")
    executions.stop(ctx.state, current["execution"])
    return Response(202)


@ROUTES.get(ARTIFACT + "/scan/{report_id}/log")
def scan_log(ctx):
    _project, artifact = _artifact(ctx, "scan", "read")
    scan = ctx.state.scans.get(artifact["id"])
    if scan is None or scan["report_id"] != ctx.params["report_id"]:
        raise not_found("report %s not found" % ctx.params["report_id"])
    return Response.text("\n".join(scan["execution"]["log"]) + "\n")


@ROUTES.get(ARTIFACT + "/additions/vulnerabilities")
def vulnerabilities(ctx):
    _project, artifact = _artifact(ctx, "artifact", "read")
    scan = ctx.state.scans.get(artifact["id"])
    body = {}
    if scan is not None and scan["execution"]["status"] == executions.SUCCESS:
        mime_type = requested_types(artifacts.accept_vulnerabilities(ctx))[0]
        body = {mime_type: report(scan, artifact, mime_type)}
    return Response(200, body, headers={"Content-Type": "application/json"}, spec_quirk=BODY_QUIRK)
