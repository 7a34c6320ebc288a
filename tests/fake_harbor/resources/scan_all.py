"""Scan-all: ``/system/scanAll/schedule``, ``/system/scanAll/stop``, ``/scans/all/metrics``, ``/scans/schedule/metrics``.

Harbor's behaviour (api-notes §11 "Scan all", errata E13):

* Every call needs a **default scanner**: 412 "no scanner is configured" otherwise (``requireScanEnabled``).
* ``GET …/schedule`` → ``Schedule``; 200 with an **empty body** while there is no schedule.
* ``POST …/schedule``: ``Manual`` starts a scan-all (**409** while one runs); ``None`` is a no-op 201; any
  other type creates a schedule and answers **412** when one already exists ("delete it firstly").
* ``PUT …/schedule``: ``Manual`` → 400; ``None`` unschedules; other types create or replace the schedule
  (a 6-field cron with seconds ``0``; the same type and cron is a no-op).
* ``POST …/schedule`` ``Manual`` answers **409** only while the latest *manual* scan-all is ongoing
  (``getLatestScanAllExecution(ctx, "MANUAL")``, scan_all.go).
* ``POST /system/scanAll/stop`` → **202** whenever a scan-all execution exists, even one that has ended (the stop
  runs in the background and changes nothing then); **400** "no scan all job is found currently" only when none
  ever ran.
* ``GET /scans/all/metrics`` → ``Stats`` of the latest scan-all (``getMetrics``): ``total`` artifacts,
  ``completed`` (Success + Error + Stopped), ``metrics`` with all five statuses (zeros included: a Go map),
  ``ongoing`` = not final or ``total != completed``, ``trigger`` (``Manual``/``Schedule``). Without any execution:
  zeros and ``ongoing`` false (no ``metrics``, no ``trigger``). ``/scans/schedule/metrics``: the latest with the
  Schedule trigger.

A scan-all is an execution of the job service (executions.py, kind ``SCAN_ALL``, run by ``IMAGE_SCAN`` jobs): it
runs by itself for its duration, ``completed`` grows with its ``progress`` (elapsed time), and when it ends every
artifact has a fresh report from its project's scanner (scans.py). A scan-all over no artifact ends at once.
"""

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import bad_request, conflict, precondition
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import executions, scanners, scans

ROUTES = RouteTable()

QUEUE = "scanall"


def init_state(state):
    state.scan_all_schedule = None
    state.scan_all = None  # the latest scan-all: {"execution", "artifact_ids"}
    state.scan_all_runs = []  # every scan-all, oldest first


def _require_scanner(ctx):
    if scanners.default_scanner(ctx.state) is None:
        raise precondition("no scanner is configured, it's not possible to scan")


def _scan_everything(state, artifact_ids):
    for artifact_id in artifact_ids:
        artifact = state.artifacts.get(artifact_id)
        if artifact is None:
            continue
        project = state.projects.get(artifact["project_id"])
        scanner = scanners.scanner_for_project(state, project) if project else None
        if scanner is not None:
            scans.complete_scan(state, artifact, scanner)


def _start(ctx):
    state = ctx.state
    artifact_ids = sorted(state.artifacts)
    execution = executions.new_execution(state, QUEUE, "Manual",
                                         on_finish=executions.callback(_scan_everything, artifact_ids),
                                         log=["[INFO] scan all: %d artifacts" % len(artifact_ids)])
    state.scan_all = {"execution": execution, "artifact_ids": artifact_ids}
    state.scan_all_runs.append(state.scan_all)
    if not artifact_ids:
        executions.finish(state, execution)  # an execution without tasks is done at once
    return execution


def _latest(state, trigger=None):
    """The latest scan-all (``{"execution", "artifact_ids"}``), of one trigger if given, or None."""
    runs = [run for run in state.scan_all_runs if trigger is None or run["execution"]["trigger"] == trigger]
    return runs[-1] if runs else None


def _running(state):
    latest = _latest(state, "Manual")
    return latest is not None and _stats(latest)["ongoing"]


def _schedule_body(record):
    return {"id": record["id"], "status": "", "creation_time": record["creation_time"],
            "update_time": record["update_time"], "schedule": {"type": record["type"], "cron": record["cron"]}}


def _set_schedule(ctx, schedule):
    executions.check_cron(schedule.get("cron"))
    current = ctx.state.scan_all_schedule
    if current is not None and current["type"] == schedule["type"] and current["cron"] == schedule["cron"]:
        return
    now = now_iso()
    ctx.state.scan_all_schedule = {"id": ctx.state.next_id("schedule"), "type": schedule["type"],
                                   "cron": schedule["cron"], "creation_time": now, "update_time": now}


def _schedule_of(ctx):
    schedule = ctx.json_object().get("schedule")
    if not isinstance(schedule, dict) or not schedule.get("type"):
        raise bad_request("empty schedule")
    return schedule


@ROUTES.get("/system/scanAll/schedule")
def get_schedule(ctx):
    auth.require(ctx, None, "scan-all", "read")
    _require_scanner(ctx)
    record = ctx.state.scan_all_schedule
    if record is None:
        return Response(200, None, spec_quirk=executions.EMPTY_SCHEDULE_QUIRK)
    return Response.json(_schedule_body(record))


@ROUTES.post("/system/scanAll/schedule")
def create_schedule(ctx):
    auth.require(ctx, None, "scan-all", "create")
    _require_scanner(ctx)
    schedule = _schedule_of(ctx)
    kind = schedule["type"]
    if kind == "Manual":
        if _running(ctx.state):
            raise conflict("a previous scan all job aleady exits, its status is %s"
                           % _latest(ctx.state, "Manual")["execution"]["status"])
        execution = _start(ctx)
        return Response.created("/api/v2.0/system/scanAll/%d" % execution["id"])
    if kind in executions.PERIODIC_TYPES:
        if ctx.state.scan_all_schedule is not None:
            raise precondition("fail to set schedule for scan all as always had one, please delete it firstly "
                               "then to re-schedule")
        _set_schedule(ctx, schedule)
    return Response.created("/api/v2.0/system/scanAll/schedule")


@ROUTES.put("/system/scanAll/schedule")
def update_schedule(ctx):
    auth.require(ctx, None, "scan-all", "update")
    _require_scanner(ctx)
    schedule = _schedule_of(ctx)
    kind = schedule["type"]
    if kind == "Manual":
        raise bad_request("ScanAll doesn't support schedule type Manual on update")
    if kind == "None":
        ctx.state.scan_all_schedule = None
    elif kind in executions.PERIODIC_TYPES:
        _set_schedule(ctx, schedule)
    return Response.ok()


@ROUTES.post("/system/scanAll/stop")
def stop(ctx):
    auth.require(ctx, None, "scan-all", "stop")
    _require_scanner(ctx)
    latest = _latest(ctx.state)
    if latest is None:
        raise bad_request("no scan all job is found currently")
    executions.stop(ctx.state, latest["execution"])
    return Response(202)


def _stats(latest):
    """Harbor's ``getMetrics`` over the latest scan-all (see the module docstring)."""
    if latest is None:
        return {"total": 0, "completed": 0, "metrics": {}, "ongoing": False}
    execution = latest["execution"]
    total = len(latest["artifact_ids"])
    status = execution["status"]
    done = int(total * execution["progress"])  # scans that have ended, as the job's time goes by
    counts = dict.fromkeys(("Pending", "Running", "Success", "Error", "Stopped"), 0)
    if status == executions.PENDING:
        counts["Pending"] = total
    elif status == executions.RUNNING:
        counts.update(Success=done, Running=total - done)
    elif status == executions.STOPPED:
        counts.update(Success=done, Stopped=total - done)
    else:
        counts[status] = total
    completed = counts["Success"] + counts["Error"] + counts["Stopped"]
    return {"total": total, "completed": completed, "metrics": counts,
            "ongoing": status not in executions.FINAL or total != completed,
            "trigger": execution["trigger"]}


@ROUTES.get("/scans/all/metrics")
def all_metrics(ctx):
    auth.require(ctx, None, "scan-all", "read")
    _require_scanner(ctx)
    return Response.json(_stats(_latest(ctx.state)))


@ROUTES.get("/scans/schedule/metrics")
def schedule_metrics(ctx):
    auth.require(ctx, None, "scan-all", "read")
    _require_scanner(ctx)
    return Response.json(_stats(_latest(ctx.state, "Schedule")))
