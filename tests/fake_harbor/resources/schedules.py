"""``/schedules`` and ``/schedules/{job_type}/paused``: the schedules of every job kind, and whether they are paused.

Harbor's behaviour (src/server/v2.0/handler/schedule.go, ``toScheduleResponse`` in jobservice.go):

* ``GET /schedules``: ``RequireSystemAccess(list, jobservice-monitor)``; paging (``page``, ``page_size``,
  ``X-Total-Count``, ``Link``) over every record of Harbor's scheduler, as ``ScheduleTask`` ``{id, vendor_type,
  vendor_id, cron, update_time}``. The records, oldest first:

  * ``SYSTEM_ARTIFACT_CLEANUP``, vendor id 0, ``0 0 0 * * *``: core schedules it at start-up
    (src/controller/systemartifact/execution.go ``ScheduleCleanupTask``);
  * ``GARBAGE_COLLECTION`` and ``PURGE_AUDIT_LOG`` (vendor id -1) while GC / audit-log purge have a schedule
    (``/system/gc/schedule``, ``/system/purgeaudit/schedule``; controller/gc ``CreateSchedule`` schedules with
    vendor id -1, derived for purge);
  * ``SCAN_ALL`` (vendor id 0) while scan-all has one (scan_all.go ``createOrUpdateScanAllSchedule``);
  * ``REPLICATION`` (vendor id = the policy id) for every **enabled** replication policy with a ``scheduled`` trigger
    (controller/replication ``isScheduledTrigger``);
  * ``RETENTION`` (vendor id = the policy id) for every retention policy with a ``Schedule`` trigger and a cron.

  A record gets a new id whenever its schedule is replaced (Harbor unschedules, then schedules again); the ids of
  replication and retention records are given when a list first shows them (derived).
* ``GET /schedules/{job_type}/paused``: any authenticated caller (``RequireAuthenticated``); ``job_type`` must be
  ``all`` (400 "job_type can only be 'all'"); ``{"paused"}`` tells whether the job service queue ``SCHEDULER`` is
  paused (``PUT /jobservice/queues/SCHEDULER {"action": "pause"}``, jobservice.py).

Schedules never fire in the fake.
"""

from ..framework import auth
from ..framework.errors import bad_request
from ..framework.paging import paginate
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import executions

ROUTES = RouteTable()

ALL = "all"
SCHEDULER = "SCHEDULER"


def init_state(state):
    now = executions.clock_iso(state)
    state.system_schedules = [{"id": state.next_id("schedule"), "vendor_type": "SYSTEM_ARTIFACT_CLEANUP",
                               "vendor_id": 0, "cron": "0 0 0 * * *", "update_time": now}]
    state.derived_schedules = {}  # (vendor_type, vendor_id, cron) -> {"id", "update_time"}


def _derived(state, vendor_type, vendor_id, cron):
    key = (vendor_type, vendor_id, cron)
    record = state.derived_schedules.get(key)
    if record is None:
        record = state.derived_schedules[key] = {"id": state.next_id("schedule"),
                                                 "update_time": executions.clock_iso(state)}
    return {"id": record["id"], "vendor_type": vendor_type, "vendor_id": vendor_id, "cron": cron,
            "update_time": record["update_time"]}


def all_schedules(state):
    """Every schedule record of the fake, oldest first (see the module docstring)."""
    found = list(state.system_schedules)
    for queue, vendor_type in (("gc", "GARBAGE_COLLECTION"), ("purgeaudit", "PURGE_AUDIT_LOG")):
        record = executions.schedules(state).get(queue)
        if record is not None:
            found.append({"id": record["id"], "vendor_type": vendor_type, "vendor_id": -1, "cron": record["cron"],
                          "update_time": record["update_time"]})
    scan_all = getattr(state, "scan_all_schedule", None)
    if scan_all is not None:
        found.append({"id": scan_all["id"], "vendor_type": "SCAN_ALL", "vendor_id": 0, "cron": scan_all["cron"],
                      "update_time": scan_all["update_time"]})
    for policy in sorted(getattr(state, "replication_policies", {}).values(), key=lambda p: p["id"]):
        if policy.get("enabled") and policy["trigger"]["type"] == "scheduled":
            found.append(_derived(state, "REPLICATION", policy["id"], policy["trigger"]["trigger_settings"]["cron"]))
    for policy in sorted(getattr(state, "retentions", {}).values(), key=lambda p: p["id"]):
        cron = (policy["trigger"].get("settings") or {}).get("cron")
        if policy["trigger"].get("kind") == "Schedule" and cron:
            found.append(_derived(state, "RETENTION", policy["id"], cron))
    return sorted(found, key=lambda s: s["id"])


@ROUTES.get("/schedules")
def list_schedules(ctx):
    auth.require(ctx, None, "jobservice-monitor", "list")
    return paginate(ctx, all_schedules(ctx.state), dict)


@ROUTES.get("/schedules/{job_type}/paused")
def schedule_paused(ctx):
    auth.require_authenticated(ctx)
    if ctx.params["job_type"].lower() != ALL:
        raise bad_request("job_type can only be 'all'")
    return Response.json({"paused": SCHEDULER in executions.paused(ctx.state)})
