"""CVE export: ``POST /export/cve``, ``GET /export/cve/execution/{execution_id}``, ``GET /export/cve/executions``,
``GET /export/cve/download/{execution_id}``.

Harbor's behaviour (src/server/v2.0/handler/scanexport.go, src/pkg/scan/export/model.go, the job
src/jobservice/job/impl/scandataexport/scan_data_export.go):

* ``POST /export/cve`` checks the request **before** the caller: ``X-Scan-Data-Type`` must be
  ``application/vnd.security.vulnerability.report; version=1.1`` (400 "Unsupported MIME type : X"; the header is
  required by the spec: 422 without it), ``criteria.projects`` must hold exactly one id (400 "only support export
  single project, invalid value: [1 2]"), that project must exist (404 "project N not found"), ``repositories``,
  ``tags`` and ``cveIds`` must not contain spaces (400). Then the project permission ``export-cve:create`` (401
  anonymous, 403 others; project admins, maintainers and developers hold it, rbac_role.go) and the caller must be
  a user: a robot gets 404 "user robot$… not found" (``userMgr.GetByName``). The answer is **200**
  ``{"id": <execution id>}``.
* The export is a job of the job service (executions.py, queue ``scan_data_export``: one export at a time for
  everybody, ``MaxCurrency`` 1). When it ends it writes a CSV of the findings of the latest finished scan report of
  every artifact of the project that passes the filters: ``repositories`` and ``tags`` are doublestar patterns
  (``**``, ``*``, ``{a,b}``) on the repository name without the project and on the tag names (empty: everything;
  an artifact without tags passes only an empty tag filter), ``labels`` a list of label ids (any of them),
  ``cveIds`` ``CVE-1`` or ``{CVE-1,CVE-2}``. Columns: the ``csv`` tags of ``export.Data``.
* ``GET …/execution/{id}``: 401 anonymous; 404 for an unknown id; the permission ``export-cve:read`` on the
  execution's project; 403 when the execution belongs to another user (even for an admin). ``status`` is the job's
  (Pending/Running/Success/Error/Stopped), ``trigger`` ``MANUAL``, ``end_time`` Go's zero time while it runs,
  ``file_present`` true once the CSV exists.
* ``GET …/executions``: the caller's own exports, newest first, as ``{"items": [...]}``.
* ``GET …/download/{id}``: the CSV (``text/csv``, ``Content-Disposition: attachment;
  filename="scandata_export_<id>.csv"``); an unknown id, or an export whose file is not there (yet), is a bare 404,
  another user's export a bare 403 (no body: the handler writes only the status). Harbor deletes the file **and the
  execution** after the download (``cleanUpArtifact``): a second download, or reading the execution, is 404.
"""

import csv
import io

from ..framework import auth
from ..framework.doublestar import doublestar_match
from ..framework.errors import HarborError, bad_request, forbidden, not_found, unprocessable
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import executions

ROUTES = RouteTable()

QUEUE = "scan_data_export"  # job kind SCAN_DATA_EXPORT
GENERIC = "application/vnd.security.vulnerability.report; version=1.1"
TRIGGER = "MANUAL"
ZERO_TIME = "0001-01-01T00:00:00.000Z"  # strfmt.DateTime of Go's zero time.Time
ERROR_TEXT = "Please contact the system administrator to check the logs of jobservice."
BARE_QUIRK = "Harbor writes only the status code here, without an error body (scanexport.go DownloadScanData)"
COLUMNS = ("RowId", "Scanner", "Repository", "Artifact Digest", "CVE", "Package", "Current Version",
           "Fixed in version", "Severity", "CVSS V3 Score", "CVSS V2 Score", "CVSS V3 Vector", "CVSS V2 Vector",
           "CWE Ids")
# the roles whose policies hold export-cve create/read (src/common/rbac/project/rbac_role.go)
EXPORT_ROLES = (auth.ROLE_PROJECT_ADMIN, auth.ROLE_MAINTAINER, auth.ROLE_DEVELOPER)


def init_state(state):
    state.cve_exports = {}  # execution id -> {"execution", "user_id", "user_name", "project_ids", "criteria", "csv"}


# ---------------------------------------------------------------- filters and the CSV

def _cve_ids(text):
    return {item.strip() for item in (text or "").strip("{}").split(",") if item.strip()}


def _selected_artifacts(state, project, criteria):
    repositories, tags, labels = criteria.get("repositories") or "", criteria.get("tags") or "", criteria.get("labels")
    chosen = []
    for artifact in sorted(state.artifacts.values(), key=lambda a: a["id"]):
        if artifact["project_id"] != project["project_id"]:
            continue
        name = artifact["repository_name"].split("/", 1)[1]
        if repositories and not doublestar_match(repositories, name):
            continue
        if tags and not any(doublestar_match(tags, t["name"]) for t in artifact["tags"]):
            continue
        held = {(label.get("id") if isinstance(label, dict) else label) for label in artifact["labels"]}
        if labels and not set(labels) & held:
            continue
        chosen.append(artifact)
    return chosen


def build_csv(state, project_id, criteria):
    """The export file: one row per finding of the selected artifacts' latest finished reports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    project = state.projects.get(project_id)
    wanted = _cve_ids(criteria.get("cveIds"))
    row_id = 0
    for artifact in _selected_artifacts(state, project, criteria) if project else []:
        scan = state.scans.get(artifact["id"])
        if scan is None or scan["vulnerabilities"] is None:
            continue
        for finding in scan["vulnerabilities"]:
            if wanted and finding["id"] not in wanted:
                continue
            row_id += 1
            writer.writerow((row_id, scan["scanner"]["name"], artifact["repository_name"], artifact["digest"],
                             finding["id"], finding["package"], finding["version"], finding["fix_version"],
                             finding["severity"], "", "", "", "", ""))
    return buffer.getvalue()


# ---------------------------------------------------------------- requests

def _may(ctx, project, action):
    """``RequireProjectAccess(project, action, export-cve)``."""
    principal = ctx.principal
    if principal.sysadmin:
        return True
    if principal.is_robot:
        return principal.robot_allows(project["name"], "export-cve", action)
    return auth.project_role(ctx.state, principal, project) in EXPORT_ROLES


def _require_projects(ctx, project_ids, action):
    for project_id in project_ids:
        project = ctx.state.projects.get(project_id)
        if project is None or not _may(ctx, project, action):
            auth.require_authenticated(ctx)
            raise forbidden("forbidden")


def _go_list(values):
    return "[%s]" % " ".join(str(v) for v in values)


@ROUTES.post("/export/cve")
def export_scan_data(ctx):
    data_type = ctx.header("X-Scan-Data-Type")
    if data_type is None:
        raise unprocessable("X-Scan-Data-Type in header is required")
    if data_type != GENERIC:
        raise bad_request("Unsupported MIME type : %s" % data_type)
    criteria = ctx.json_object()
    project_ids = criteria.get("projects") or []
    if len(project_ids) != 1:
        raise bad_request("only support export single project, invalid value: %s" % _go_list(project_ids))
    project = ctx.state.projects.get(project_ids[0])
    if project is None:
        raise not_found("project %d not found" % project_ids[0])
    for value in (criteria.get("repositories"), criteria.get("tags"), criteria.get("cveIds")):
        if value and " " in value:
            raise bad_request("invalid criteria value, please remove additional spaces for input: %s" % value)
    if not _may(ctx, project, "create"):
        auth.require_authenticated(ctx)
        raise forbidden("forbidden")
    user = next((u for u in ctx.state.users.values() if u["username"] == ctx.principal.username), None)
    if user is None:
        raise not_found("user %s not found" % ctx.principal.username)
    record = {"user_id": user["user_id"], "user_name": user["username"], "project_ids": [project["project_id"]],
              "criteria": dict(criteria), "csv": None}
    record["execution"] = executions.new_execution(
        ctx.state, QUEUE, TRIGGER, parameters={"job_name": criteria.get("job_name") or ""},
        on_finish=executions.callback(_write_csv, record, project["project_id"]),
        log=["[INFO] scan data export of project %d for %s" % (project["project_id"], user["username"])])
    ctx.state.cve_exports[record["execution"]["id"]] = record
    return Response.json({"id": record["execution"]["id"]})


def _lookup(ctx):
    execution_id = ctx.path_int("execution_id")
    record = ctx.state.cve_exports.get(execution_id)
    if record is None or executions.find(ctx.state, QUEUE, execution_id) is None:
        return execution_id, None
    return execution_id, record


def _serialize(record):
    execution = record["execution"]
    status = execution["status"]
    return {
        "id": execution["id"], "user_id": record["user_id"], "user_name": record["user_name"], "status": status,
        "trigger": TRIGGER, "start_time": execution["creation_time"], "end_time": execution["end_time"] or ZERO_TIME,
        "status_text": ERROR_TEXT if status == executions.ERROR else "", "file_present": record["csv"] is not None,
    }


@ROUTES.get("/export/cve/execution/{execution_id}")
def get_export_execution(ctx):
    auth.require_authenticated(ctx)
    execution_id, record = _lookup(ctx)
    if record is None:
        raise not_found("execution %d not found" % execution_id)
    _require_projects(ctx, record["project_ids"], "read")
    if ctx.principal.username != record["user_name"]:
        raise HarborError(403, "forbidden")
    return Response.json(_serialize(record))


@ROUTES.get("/export/cve/executions")
def list_export_executions(ctx):
    auth.require_authenticated(ctx)
    mine = [r for r in ctx.state.cve_exports.values() if r["user_name"] == ctx.principal.username]
    mine.sort(key=lambda r: -r["execution"]["id"])
    _require_projects(ctx, sorted({p for r in mine for p in r["project_ids"]}), "read")
    return Response.json({"items": [_serialize(r) for r in mine]})


@ROUTES.get("/export/cve/download/{execution_id}")
def download_export(ctx):
    auth.require_authenticated(ctx)
    execution_id, record = _lookup(ctx)
    if record is None:
        return Response(404, None, spec_quirk=BARE_QUIRK)
    _require_projects(ctx, record["project_ids"], "read")
    if ctx.principal.username != record["user_name"]:
        return Response(403, None, spec_quirk=BARE_QUIRK)
    if record["csv"] is None:
        return Response(404, None, spec_quirk=BARE_QUIRK)
    content = record["csv"]
    del ctx.state.cve_exports[execution_id]  # cleanUpArtifact: the file and the execution are gone
    return Response(200, raw=content.encode("utf-8"), content_type="text/csv", headers={
        "Content-Disposition": 'attachment; filename="scandata_export_%d.csv"' % execution_id})


def _write_csv(state, record, project_id):
    record["csv"] = build_csv(state, project_id, record["criteria"])
