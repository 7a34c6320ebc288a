"""Scan-all: ``/system/scanAll/schedule``, ``/system/scanAll/stop``, ``/scans/all/metrics``, ``/scans/schedule/metrics``.

Harbor's behaviour (api-notes §11 "Scan all", errata E13):

* Every call needs a **default scanner**: 412 "no scanner is configured" otherwise (``requireScanEnabled``).
* ``GET …/schedule`` → ``Schedule``; 200 with an **empty body** while there is no schedule.
* ``POST …/schedule``: ``Manual`` starts a scan-all (**409** while one runs); ``None`` is a no-op 201; any
  other type creates a schedule and answers **412** when one already exists ("delete it firstly").
* ``PUT …/schedule``: ``Manual`` → 400; ``None`` unschedules; other types create or replace the schedule
  (a 6-field cron with seconds ``0``; the same type and cron is a no-op).
* ``POST /system/scanAll/stop`` → 202. ``GET /scans/all/metrics`` → ``Stats`` of the latest scan-all.

A scan-all is an execution (executions.py): it advances on each metrics read; when it ends, every artifact
has a fresh report from its project's scanner (scans.py).
"""

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import HarborError, bad_request, conflict, precondition
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import executions, scanners, scans

ROUTES = RouteTable()

QUEUE = "scanall"


def init_state(state):
    state.scan_all_schedule = None
    state.scan_all = None  # the latest scan-all: {"execution", "artifact_ids"}


def _require_scanner(ctx):
    if scanners.default_scanner(ctx.state) is None:
        raise precondition("no scanner is configured, it's not possible to scan")


def _start(ctx):
    state = ctx.state
    artifact_ids = sorted(state.artifacts)

    def scan_everything(state_, _execution):
        for artifact_id in artifact_ids:
            artifact = state_.artifacts.get(artifact_id)
            if artifact is None:
                continue
            project = state_.projects.get(artifact["project_id"])
            scanner = scanners.scanner_for_project(state_, project) if project else None
            if scanner is not None:
                scans.complete_scan(state_, artifact, scanner)
        return None

    execution = executions.new_execution(state, QUEUE, "Manual", on_finish=scan_everything,
                                         log=["[INFO] scan all: %d artifacts" % len(artifact_ids)])
    state.scan_all = {"execution": execution, "artifact_ids": artifact_ids}
    return execution


def _running(state):
    latest = state.scan_all
    return latest is not None and latest["execution"]["status"] in executions.ACTIVE


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
            raise conflict("a previous scan all job aren't finished yet")
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
    if not _running(ctx.state):
        raise HarborError(400, "no scan all job is running")
    executions.stop(ctx.state, ctx.state.scan_all["execution"])
    return Response(202)


def _stats(state, latest, observe):
    if latest is None:
        return {"total": 0, "completed": 0, "metrics": {}, "ongoing": False}
    execution = latest["execution"]
    if observe:
        executions.observe(state, execution)
    total = len(latest["artifact_ids"])
    status = execution["status"]
    if status == executions.SUCCESS:
        metrics = {"Success": total} if total else {}
        completed = total
    elif status in executions.ACTIVE:
        completed = total * execution["observed"] // max(getattr(state, "job_steps", executions.JOB_STEPS), 1)
        metrics = {key: value for key, value in (("Success", completed), ("Running", total - completed)) if value}
    else:
        completed = 0
        metrics = {status: total} if total else {}
    return {"total": total, "completed": completed, "metrics": metrics, "ongoing": status in executions.ACTIVE,
            "trigger": execution["trigger"]}


@ROUTES.get("/scans/all/metrics")
def all_metrics(ctx):
    auth.require(ctx, None, "scan-all", "read")
    _require_scanner(ctx)
    return Response.json(_stats(ctx.state, ctx.state.scan_all, observe=True))


@ROUTES.get("/scans/schedule/metrics")
def schedule_metrics(ctx):
    auth.require(ctx, None, "scan-all", "read")
    _require_scanner(ctx)
    latest = ctx.state.scan_all
    if latest is not None and latest["execution"]["trigger"] != "Schedule":
        latest = None
    return Response.json(_stats(ctx.state, latest, observe=False))
