"""Asynchronous jobs (GC, audit-log purge, scan-all, artifact scans) and the schedules of system jobs.

Not a resource module: ``gc``, ``purge_audit``, ``scan_all`` and ``scans`` build on it, and ``system_job_routes()``
declares the seven routes GC and audit-log purge share into their route tables.

**How a job runs in the fake.** Harbor's job service runs jobs in the background; the fake has no
clock-driven worker. Instead an execution advances one step each time a client *observes* it through the
API (reads it by id, sees it in a history list, reads the scan-all metrics or an artifact's scan overview),
and finishes after ``state.job_steps`` observations (default 3: "Running", "Running", then the final
status). Tests are deterministic without sleeping, and a job is visibly running between reads: start
one, read it once, and a second client sees it running. Fake tests change ``server.state.job_steps``
(a large value keeps jobs running). An execution finishes with ``on_finish(state, execution)``, which
does the job's work (delete garbage, create scan reports) and may return a final status ("Error").

Jobs of one ``queue`` run one at a time (the job service runs GC with ``MaxCurrency`` 1, errata E13): a
later execution stays "Pending" while an earlier one of the same queue has not ended.

**Schedules of GC and audit-log purge** (api-notes §8, §9): one record per job kind, created and replaced by
``kick()``, the logic behind both POST and PUT ``/system/<job>/schedule``: ``Manual`` starts an execution,
``None`` deletes the schedule, ``Hourly``/``Daily``/``Weekly``/``Custom`` replace it (a cron is required for
all four: 6 fields, seconds ``0``), ``Schedule`` is accepted and ignored. ``GET .../schedule`` answers 200
with an **empty body** while no schedule exists (``schedule_response``).
"""

import json

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import bad_request, not_found
from ..framework.paging import paginate
from ..framework.query import filter_items
from ..framework.response import Response

JOB_STEPS = 3
PENDING, RUNNING, SUCCESS, ERROR, STOPPED = "Pending", "Running", "Success", "Error", "Stopped"
ACTIVE = (PENDING, RUNNING)
PERIODIC_TYPES = ("Hourly", "Daily", "Weekly", "Custom")
EMPTY_SCHEDULE_QUIRK = "Harbor answers 200 with an empty body while no schedule exists (api-notes §8, §9, §11)"


# ---------------------------------------------------------------- executions

def new_execution(state, queue, trigger, parameters=None, on_finish=None, log=None):
    """Create an execution (id from the ``execution`` sequence shared by every job kind) and return it."""
    now = now_iso()
    execution = {
        "id": state.next_id("execution"), "queue": queue, "trigger": trigger, "status": PENDING,
        "parameters": dict(parameters or {}), "extra": {}, "observed": 0, "creation_time": now, "update_time": now,
        "end_time": None, "log": list(log or []), "on_finish": on_finish,
    }
    executions(state).append(execution)
    if not _blocked(state, execution):
        execution["status"] = RUNNING
    return execution


def executions(state):
    if not hasattr(state, "executions"):
        state.executions = []
    return state.executions


def _blocked(state, execution):
    return any(other["queue"] == execution["queue"] and other["id"] < execution["id"] and other["status"] in ACTIVE
               for other in executions(state))


def observe(state, execution):
    """A client looked at ``execution``: it advances one step (see the module docstring); returns it."""
    if execution["status"] not in ACTIVE or _blocked(state, execution):
        return execution
    execution["status"] = RUNNING
    execution["observed"] += 1
    execution["update_time"] = now_iso()
    if execution["observed"] >= getattr(state, "job_steps", JOB_STEPS):
        finish(state, execution)
    return execution


def finish(state, execution, status=SUCCESS):
    """End ``execution`` now: run its work, then set the final status."""
    callback = execution.pop("on_finish", None)
    if callback is not None and status == SUCCESS:
        status = callback(state, execution) or status
    execution["on_finish"] = None
    execution["status"] = status
    execution["end_time"] = execution["update_time"] = now_iso()
    execution["log"].append("%s [INFO] the job ended with status %s" % (execution["end_time"], status))
    return execution


def stop(state, execution):
    if execution["status"] in ACTIVE:
        execution["on_finish"] = None
        finish(state, execution, STOPPED)
    return execution


def active(state, queue):
    """The executions of ``queue`` that have not ended, oldest first."""
    return [e for e in executions(state) if e["queue"] == queue and e["status"] in ACTIVE]


def find(state, queue, execution_id):
    for execution in executions(state):
        if execution["queue"] == queue and execution["id"] == execution_id:
            return execution
    return None


def of_queue(state, queue):
    """Executions of ``queue``, newest first (Harbor's history order)."""
    return sorted((e for e in executions(state) if e["queue"] == queue), key=lambda e: -e["id"])


# ---------------------------------------------------------------- schedules of system jobs

def schedules(state):
    if not hasattr(state, "schedules"):
        state.schedules = {}
    return state.schedules


def check_cron(cron):
    """Harbor's schedule cron: 6 fields (robfig/cron with seconds), the seconds field ``0``."""
    fields = (cron or "").split()
    if len(fields) != 6 or fields[0] != "0" or not all(
            all(ch.isalnum() or ch in "*?,/-" for ch in field) for field in fields):
        raise bad_request("invalid cron expression %r: 6 fields with the seconds field 0 are required" % (cron or ""))


def kick(state, kind, body, start, validate_parameters=None):
    """POST/PUT ``/system/<kind>/schedule``: returns the started execution for ``Manual``, else None.

    ``start(parameters)`` starts an execution; ``validate_parameters(parameters, periodic)`` checks and
    normalises the parameters (400 on bad values) and returns the parameters to store.
    """
    schedule = (body or {}).get("schedule")
    if not isinstance(schedule, dict) or not schedule.get("type"):
        raise bad_request("empty schedule")
    kind_type = schedule["type"]
    parameters = (body or {}).get("parameters")
    if validate_parameters is not None:
        parameters = validate_parameters(parameters, kind_type)
    if kind_type == "Manual":
        return start(parameters or {})
    if kind_type == "None":
        schedules(state).pop(kind, None)
        return None
    if kind_type in PERIODIC_TYPES:
        check_cron(schedule.get("cron"))
        now = now_iso()
        schedules(state)[kind] = {"id": state.next_id("schedule"), "type": kind_type, "cron": schedule["cron"],
                                  "parameters": dict(parameters or {}), "creation_time": now, "update_time": now}
        return None
    # "Schedule" (in the enum): no branch in kick(), answered as a success (api-notes §8, derived)
    return None


def schedule_response(state, kind, extra_parameters=None):
    """``GET /system/<kind>/schedule``: the GCHistory/ExecHistory shape, or 200 with an empty body."""
    record = schedules(state).get(kind)
    if record is None:
        return Response(200, None, spec_quirk=EMPTY_SCHEDULE_QUIRK)
    parameters = dict(record["parameters"])
    parameters.update(extra_parameters or {})
    return Response.json({
        "id": record["id"], "job_name": "", "job_kind": record["cron"], "job_parameters": json.dumps(parameters),
        "schedule": {"type": record["type"], "cron": record["cron"]}, "deleted": False,
        "creation_time": record["creation_time"], "update_time": record["update_time"],
    })


def history_item(execution, job_name, extra_parameters=None):
    """An execution in the GCHistory/ExecHistory shape (``job_parameters`` is a JSON string)."""
    parameters = dict(execution["parameters"])
    parameters.update(extra_parameters or {})
    parameters.update(execution["extra"])
    manual = execution["trigger"] == "Manual"
    return {
        "id": execution["id"], "job_name": job_name, "job_kind": "MANUAL" if manual else "SCHEDULE",
        "job_parameters": json.dumps(parameters, sort_keys=True), "job_status": execution["status"],
        "schedule": {"type": "Manual" if manual else "Schedule"}, "deleted": False,
        "creation_time": execution["creation_time"], "update_time": execution["update_time"],
    }


# ---------------------------------------------------------------- the routes of a system job

class SystemJob:
    """What tells GC and audit-log purge apart; ``system_job_routes()`` builds their common API from it.

    ``start(ctx)`` returns the ``start(parameters)`` callable of ``kick()``, ``parameters(ctx)`` its
    ``validate_parameters``; ``schedule_parameters`` are added to the schedule's ``job_parameters``.
    """

    def __init__(self, path, resource, queue, job_name, what, start, parameters, schedule_parameters=None):
        self.path, self.resource, self.queue, self.job_name, self.what = path, resource, queue, job_name, what
        self.start, self.parameters, self.schedule_parameters = start, parameters, schedule_parameters

    def require(self, ctx):
        execution_id = ctx.path_int("id")
        execution = find(ctx.state, self.queue, execution_id)
        if execution is None:
            raise not_found("%s %d not found" % (self.what, execution_id))
        return execution


def system_job_routes(routes, job):
    """``{path}/schedule`` (GET, POST, PUT), ``{path}`` (history), ``{path}/{id}`` (GET, PUT = stop), ``…/log``."""

    @routes.get(job.path + "/schedule")
    def get_schedule(ctx):
        auth.require(ctx, None, job.resource, "read")
        return schedule_response(ctx.state, job.queue, job.schedule_parameters)

    @routes.post(job.path + "/schedule")
    def create_schedule(ctx):
        auth.require(ctx, None, job.resource, "create")
        execution = kick(ctx.state, job.queue, ctx.json_object(), job.start(ctx), job.parameters(ctx))
        if execution is not None:
            return Response.created("/api/v2.0%s/%d" % (job.path, execution["id"]))
        return Response.created("/api/v2.0%s/schedule" % job.path)

    @routes.put(job.path + "/schedule")
    def update_schedule(ctx):
        auth.require(ctx, None, job.resource, "update")
        kick(ctx.state, job.queue, ctx.json_object(), job.start(ctx), job.parameters(ctx))
        return Response.ok()

    @routes.get(job.path)
    def list_history(ctx):
        auth.require(ctx, None, job.resource, "list")
        items = filter_items(ctx, of_queue(ctx.state, job.queue),
                             {"id": "id", "job_status": "status", "creation_time": "creation_time"},
                             sortable={"id": "id", "creation_time": "creation_time", "update_time": "update_time"})
        return paginate(ctx, items, lambda e: history_item(observe(ctx.state, e), job.job_name))

    @routes.get(job.path + "/{id}")
    def get_execution(ctx):
        auth.require(ctx, None, job.resource, "read")
        return Response.json(history_item(observe(ctx.state, job.require(ctx)), job.job_name))

    @routes.put(job.path + "/{id}")
    def stop_execution(ctx):
        auth.require(ctx, None, job.resource, "stop")
        stop(ctx.state, job.require(ctx))
        return Response.ok()

    @routes.get(job.path + "/{id}/log")
    def execution_log(ctx):
        auth.require(ctx, None, job.resource, "read")
        return Response.text("\n".join(job.require(ctx)["log"]) + "\n")
