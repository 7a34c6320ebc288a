"""The fake's job service: executions of every job kind, and the schedules of GC and audit-log purge.

Not a resource module: ``gc``, ``purge_audit``, ``scan_all``, ``scans``, ``replication`` and ``retention`` build on
it, ``jobservice`` and ``schedules`` report on it, and ``system_job_routes()`` declares the seven routes GC and
audit-log purge share into their route tables.

**How a job runs** (Harbor's job service runs queued jobs by itself, whether anyone reads them or not):

* ``new_execution(state, queue, trigger, ...)`` queues an execution ("Pending"). Its ``kind`` is the job type
  (``GARBAGE_COLLECTION``, ``PURGE_AUDIT_LOG``, ``SCAN_ALL``, ``IMAGE_SCAN``, ``REPLICATION``, ``RETENTION``;
  ``KINDS``), derived from the queue name unless given (``gc`` → ``GARBAGE_COLLECTION``, …; any other queue
  ``name[:suffix]`` → ``NAME``, e.g. ``P2P_PREHEAT:3`` → ``P2P_PREHEAT``).
* Executions of one ``queue`` run one at a time, oldest first (the job service runs GC with ``MaxCurrency`` 1,
  errata E13; an artifact is scanned once at a time): an execution starts ("Running") when nothing ahead of it in
  its queue is active and the job service queue of its job type (``job_type``) is not paused
  (``PUT /jobservice/queues/{job_type}``). Different queues, and so different kinds, never wait for each other.
* A running execution ends after its ``duration`` (seconds of the job clock, ``clock()``): its ``on_finish(state,
  execution)`` does the job's work (delete garbage, write reports) and may return the final status ("Error"), then
  ``on_end(state, execution)`` sees the final status (also for "Stopped"). ``progress`` (0 … 1) follows the time
  that has passed and ``on_progress(state, execution)`` is called when it moves, so that counters such as scan-all's
  ``completed`` or replication's ``succeed`` grow with time, not with reads.
* Time drives it, not reads: ``advance(state)`` moves every execution to where the job clock says it is now, and
  the request pipeline calls it under the state lock before every API handler (server.py) and before every
  ``/_fake`` control call (control.py). An execution that waited behind another starts at the moment the other one
  ended, so a queue of short jobs drains even when nobody looks.

**Determinism for tests** (the control API ``/_fake/jobs``, control.py, and ``state.job_settings``): the default
``duration`` is ``DEFAULT_DURATION`` (0.5 s: one poll of the modules, plugins/module_utils/_jobs.py); a test can
make the executions it starts next long (``{"duration": 3600}``) or **held** (``{"hold": true}``: they run but do
not end until released), per kind (``{"kind": "GARBAGE_COLLECTION", ...}``), release them
(``/_fake/jobs/release``), end them at once (``/_fake/jobs/finish``), or move the job clock forward
(``{"advance": seconds}``) to read progress at a known point. Held executions report at most
``MAX_RUNNING_PROGRESS``.

**Schedules of GC and audit-log purge** (api-notes §8, §9): one record per job kind, created and replaced by
``kick()``, the logic behind both POST and PUT ``/system/<job>/schedule``: ``Manual`` starts an execution,
``None`` deletes the schedule, ``Hourly``/``Daily``/``Weekly``/``Custom`` replace it (a cron is required for
all four: 6 fields, seconds ``0``); ``Schedule`` and a schedule **without a type** have no branch in Harbor's
``kick()`` and are answered as a success that changes nothing (gc.go, purge.go: the ``switch`` falls through; a POST
then answers 201 with ``Location: …/<job>/0``, the id of no execution). ``GET .../schedule`` answers 200 with an
**empty body** while no schedule exists (``schedule_response``). Schedules are stored but never fire.
"""

import datetime
import functools
import json
import secrets
import time

from ..framework import auth
from ..framework.context import now_iso
from ..framework.errors import HarborError, bad_request, not_found
from ..framework.paging import paginate
from ..framework.query import filter_items
from ..framework.response import Response

PENDING, RUNNING, SUCCESS, ERROR, STOPPED = "Pending", "Running", "Success", "Error", "Stopped"
ACTIVE = (PENDING, RUNNING)
FINAL = (SUCCESS, ERROR, STOPPED)
PERIODIC_TYPES = ("Hourly", "Daily", "Weekly", "Custom")
EMPTY_SCHEDULE_QUIRK = "Harbor answers 200 with an empty body while no schedule exists (api-notes §8, §9, §11)"

DEFAULT_DURATION = 0.5
MAX_RUNNING_PROGRESS = 0.99  # a running execution has not done everything yet
# Job kinds (src/jobservice/job/known_jobs.go vendor types) and the queue names that imply them.
GARBAGE_COLLECTION, PURGE_AUDIT_LOG, SCAN_ALL = "GARBAGE_COLLECTION", "PURGE_AUDIT_LOG", "SCAN_ALL"
IMAGE_SCAN, REPLICATION, RETENTION = "IMAGE_SCAN", "REPLICATION", "RETENTION"
KINDS = (GARBAGE_COLLECTION, PURGE_AUDIT_LOG, SCAN_ALL, IMAGE_SCAN, REPLICATION, RETENTION)
# Other job kinds Harbor's job service knows (resource modules may run them: CVE export, P2P preheat, ...).
OTHER_KINDS = ("SCAN_DATA_EXPORT", "P2P_PREHEAT", "WEBHOOK", "SLACK", "TEAMS", "SBOM", "SYSTEM_ARTIFACT_CLEANUP",
               "EXECUTION_SWEEP")
_QUEUE_KINDS = {"gc": GARBAGE_COLLECTION, "purgeaudit": PURGE_AUDIT_LOG, "scanall": SCAN_ALL, "scan": IMAGE_SCAN,
                "replication": REPLICATION, "retention": RETENTION}
# The job service job type that runs an execution of a kind: scan-all's work is IMAGE_SCAN jobs.
_JOB_TYPES = {SCAN_ALL: IMAGE_SCAN}


# ---------------------------------------------------------------- the job clock and settings

def _service(state):
    """The job service's own state: clock offset and epoch, settings, paused job types (created on first use)."""
    service = getattr(state, "job_service", None)
    if service is None:
        monotonic = time.monotonic()
        service = state.job_service = {
            "offset": 0.0, "epoch": time.time() - monotonic,
            "settings": {"duration": DEFAULT_DURATION, "hold": False, "kinds": {}}, "paused": set(),
            "free_at": {}, "resumed_at": {},  # queue -> when its last execution ended; job type -> when resumed
        }
    return service


def clock(state):
    """Seconds on the job clock: monotonic time plus what ``/_fake/jobs {"advance"}`` added."""
    return time.monotonic() + _service(state)["offset"]


def clock_iso(state, at=None):
    """A job clock value in Harbor's time format (2024-05-01T10:00:00.123Z); now by default."""
    service = _service(state)
    moment = clock(state) if at is None else at
    stamp = datetime.datetime.fromtimestamp(service["epoch"] + moment, datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def settings(state):
    """``{"duration", "hold", "kinds": {KIND: {"duration"?, "hold"?}}}``: what new executions get."""
    return _service(state)["settings"]


def configure(state, duration=None, hold=None, kind=None):
    """Change the duration or hold setting of new executions, of one ``kind`` or of all (control API)."""
    current = settings(state)
    target = current["kinds"].setdefault(kind, {}) if kind else current
    if duration is not None:
        target["duration"] = float(duration)
    if hold is not None:
        target["hold"] = bool(hold)
        if not kind and not hold:
            for kind_settings in current["kinds"].values():
                kind_settings.pop("hold", None)


def reset_settings(state):
    _service(state)["settings"] = {"duration": DEFAULT_DURATION, "hold": False, "kinds": {}}


def move_clock(state, seconds):
    """Move the job clock ``seconds`` forward (the jobs see that much more time pass)."""
    _service(state)["offset"] += float(seconds)


def _setting(state, kind, name):
    current = settings(state)
    return current["kinds"].get(kind, {}).get(name, current[name])


def job_type(execution):
    """The job service job type that runs ``execution`` (``/jobservice/queues``)."""
    return _JOB_TYPES.get(execution["kind"], execution["kind"])


def paused(state):
    """The job types whose queue is paused (``PUT /jobservice/queues/{job_type}`` pause/resume)."""
    return _service(state)["paused"]


def pause(state, types):
    paused(state).update(types)


def resume(state, types):
    """Pending executions of these job types start from now on."""
    now = clock(state)
    for name in types:
        if name in paused(state):
            paused(state).discard(name)
            _service(state)["resumed_at"][name] = now


def new_job_id():
    """A job service job id: 24 hex digits (gocraft/work)."""
    return secrets.token_hex(12)


# ---------------------------------------------------------------- executions

def callback(function, *bound):
    """An ``on_finish``/``on_progress``/``on_end`` hook that calls ``function(state, *bound)``.

    Hooks are part of the state, which the stand-in Harbor pickles after every write (a push that starts a scan
    included): a module-level function with bound arguments pickles, a closure or lambda does not.
    """
    return functools.partial(_call_bound, function, bound)


def _call_bound(function, bound, state, _execution):
    return function(state, *bound)


def new_execution(state, queue, trigger, parameters=None, on_finish=None, log=None, kind=None, on_progress=None,
                  on_end=None, job_ids=None):
    """Queue an execution (id from the ``execution`` sequence shared by every job kind) and return it.

    It starts at once when nothing ahead of it in ``queue`` is active (and its job type is not paused). ``job_ids``
    are the job service jobs it runs (one new id by default; a replication runs one job per task).
    """
    prefix = queue.split(":", 1)[0]
    kind = kind or _QUEUE_KINDS.get(prefix, prefix.upper())
    now = clock(state)
    stamp = clock_iso(state, now)
    execution = {
        "id": state.next_id("execution"), "queue": queue, "kind": kind, "trigger": trigger, "status": PENDING,
        "parameters": dict(parameters or {}), "extra": {}, "creation_time": stamp, "update_time": stamp,
        "end_time": None, "log": list(log or []), "on_finish": on_finish, "on_progress": on_progress,
        "on_end": on_end, "queued_at": now, "started_at": None, "ended_at": None, "progress": 0.0,
        "duration": _setting(state, kind, "duration"), "held": _setting(state, kind, "hold"),
        "released_at": None, "job_ids": list(job_ids) if job_ids else [new_job_id()],
    }
    executions(state).append(execution)
    if not _blocked(state, execution) and job_type(execution) not in paused(state):
        _start(state, execution, now)
    return execution


def executions(state):
    if not hasattr(state, "executions"):
        state.executions = []
    return state.executions


def _blocked(state, execution):
    return any(other["queue"] == execution["queue"] and other["id"] < execution["id"] and other["status"] in ACTIVE
               for other in executions(state))


def _start(state, execution, at):
    execution["status"] = RUNNING
    execution["started_at"] = at
    execution["update_time"] = clock_iso(state, at)


def _end_at(execution):
    end = execution["started_at"] + execution["duration"]
    if execution["released_at"] is not None:
        end = max(end, execution["released_at"])
    return end


def _set_progress(state, execution, value):
    if value != execution["progress"]:
        execution["progress"] = value
        if execution.get("on_progress") is not None:
            execution["on_progress"](state, execution)


def advance(state):
    """Move every execution to the state the job clock says it is in now (see the module docstring)."""
    now = clock(state)
    service = _service(state)
    blocked = set()  # queues with an execution that is still active after this pass
    for execution in sorted((e for e in executions(state) if e["status"] in ACTIVE), key=lambda e: e["id"]):
        if execution["status"] not in ACTIVE or execution.get("ending"):  # ended by an earlier one's work
            continue
        queue = execution["queue"]
        if queue in blocked:
            continue
        if execution["status"] == PENDING:
            if job_type(execution) in paused(state):
                blocked.add(queue)
                continue
            # it started when the one ahead of it ended, or when its queue was resumed
            _start(state, execution, max(execution["queued_at"], service["free_at"].get(queue, 0.0),
                                         service["resumed_at"].get(job_type(execution), 0.0)))
        end = _end_at(execution)
        if not execution["held"] and end <= now:
            finish(state, execution, at=end)
            continue
        blocked.add(queue)
        elapsed = now - execution["started_at"]
        ratio = elapsed / execution["duration"] if execution["duration"] > 0 else 1.0
        _set_progress(state, execution, round(min(ratio, MAX_RUNNING_PROGRESS), 4))


def finish(state, execution, status=SUCCESS, at=None):
    """End ``execution`` now (or at job clock time ``at``): run its work, then set the final status.

    A Pending execution is started first (at the same moment). ``on_finish`` runs only for a successful end and may
    return another final status; ``on_end`` runs for every end.
    """
    if execution["status"] not in ACTIVE or execution.get("ending"):
        return execution
    execution["ending"] = True
    at = clock(state) if at is None else at
    if execution["status"] == PENDING:
        _start(state, execution, at)
    execution["ended_at"] = at
    free_at = _service(state)["free_at"]
    free_at[execution["queue"]] = max(free_at.get(execution["queue"], at), at)
    execution["end_time"] = execution["update_time"] = clock_iso(state, at)
    callback = execution.get("on_finish")
    execution["on_finish"] = None
    if callback is not None and status == SUCCESS:
        status = callback(state, execution) or status
    if status == SUCCESS:
        _set_progress(state, execution, 1.0)
    execution["status"] = status
    execution.pop("ending", None)
    execution["log"].append("%s [INFO] the job ended with status %s" % (execution["end_time"], status))
    ended = execution.get("on_end")
    if ended is not None:
        ended(state, execution)
    return execution


def stop(state, execution):
    """Stop ``execution`` if it has not ended (its work is not done)."""
    if execution["status"] in ACTIVE:
        execution["on_finish"] = None
        finish(state, execution, STOPPED)
    return execution


def release(state, execution):
    """A held execution may end: it ends when its duration has passed, counted from its start (at once if it has)."""
    if execution["held"]:
        execution["held"] = False
        execution["released_at"] = clock(state)
    return execution


def active(state, queue):
    """The executions of ``queue`` that have not ended, oldest first."""
    return [e for e in executions(state) if e["queue"] == queue and e["status"] in ACTIVE]


def find(state, queue, execution_id):
    for execution in executions(state):
        if execution["queue"] == queue and execution["id"] == execution_id:
            return execution
    return None


def by_job_id(state, job_id):
    """The execution that runs the job service job ``job_id``, or None."""
    for execution in executions(state):
        if job_id in execution["job_ids"]:
            return execution
    return None


def of_queue(state, queue):
    """Executions of ``queue``, newest first (Harbor's history order)."""
    return sorted((e for e in executions(state) if e["queue"] == queue), key=lambda e: -e["id"])


def summary(execution):
    """An execution as the control API ``GET /_fake/jobs`` shows it."""
    return {"id": execution["id"], "kind": execution["kind"], "job_type": job_type(execution),
            "queue": execution["queue"], "trigger": execution["trigger"], "status": execution["status"],
            "progress": execution["progress"], "duration": execution["duration"], "held": execution["held"],
            "job_ids": list(execution["job_ids"]), "creation_time": execution["creation_time"],
            "end_time": execution["end_time"]}


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


def kick(state, kind, body, start, validate_parameters=None, missing_schedule=None):
    """POST/PUT ``/system/<kind>/schedule``: returns the started execution for ``Manual``, else None.

    ``start(parameters)`` starts an execution; ``validate_parameters(parameters, type)`` checks and normalises the
    parameters (400 on bad values) and returns the parameters to store (``type`` is None without one).
    ``missing_schedule`` is the error for a body without a ``schedule`` object (default 400 "empty schedule").
    A schedule without ``type`` (or with ``Schedule``) changes nothing (module docstring).
    """
    schedule = (body or {}).get("schedule")
    if not isinstance(schedule, dict):
        raise missing_schedule or bad_request("empty schedule")
    kind_type = schedule.get("type") or None
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
    # no type, or "Schedule" (in the enum): no branch in kick(), answered as a success (gc.go, purge.go)
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
    ``validate_parameters``; ``schedule_parameters`` are added to the schedule's ``job_parameters``;
    ``missing_schedule`` is the error for a body without a ``schedule`` object.
    """

    def __init__(self, path, resource, queue, job_name, what, start, parameters, schedule_parameters=None,
                 missing_schedule=None):
        self.path, self.resource, self.queue, self.job_name, self.what = path, resource, queue, job_name, what
        self.start, self.parameters, self.schedule_parameters = start, parameters, schedule_parameters
        self.missing_schedule = missing_schedule

    def kick(self, ctx):
        return kick(ctx.state, self.queue, ctx.json_object(), self.start(ctx), self.parameters(ctx),
                    self.missing_schedule() if self.missing_schedule else None)

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
        execution = job.kick(ctx)
        # Harbor puts the id kick() returned into Location: 0 for anything but Manual (gc.go, purge.go)
        return Response.created("/api/v2.0%s/%d" % (job.path, execution["id"] if execution is not None else 0))

    @routes.put(job.path + "/schedule")
    def update_schedule(ctx):
        auth.require(ctx, None, job.resource, "update")
        job.kick(ctx)
        return Response.ok()

    @routes.get(job.path)
    def list_history(ctx):
        auth.require(ctx, None, job.resource, "list")
        items = filter_items(ctx, of_queue(ctx.state, job.queue),
                             {"id": "id", "job_status": "status", "creation_time": "creation_time"},
                             sortable={"id": "id", "creation_time": "creation_time", "update_time": "update_time"})
        return paginate(ctx, items, lambda e: history_item(e, job.job_name))

    @routes.get(job.path + "/{id}")
    def get_execution(ctx):
        auth.require(ctx, None, job.resource, "read")
        return Response.json(history_item(job.require(ctx), job.job_name))

    @routes.put(job.path + "/{id}")
    def stop_execution(ctx):
        auth.require(ctx, None, job.resource, "stop")
        stop(ctx.state, job.require(ctx))
        return Response.ok()

    @routes.get(job.path + "/{id}/log")
    def execution_log(ctx):
        auth.require(ctx, None, job.resource, "read")
        return Response.text("\n".join(job.require(ctx)["log"]) + "\n")


def nil_schedule_panic():
    """GC's handler reads ``params.Schedule.Schedule.Type`` without a nil check (gc.go): a body without ``schedule``
    crashes the handler; the server answers 500 (derived)."""
    return HarborError(500, "runtime error: invalid memory address or nil pointer dereference")
