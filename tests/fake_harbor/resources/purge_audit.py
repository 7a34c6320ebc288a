"""Audit-log purge: ``/system/purgeaudit``, ``/system/purgeaudit/{purge_id}``, ``…/{purge_id}/log``, ``…/schedule``.

Harbor's behaviour (api-notes §9): the same schedule model as GC (``kick()`` in executions.py; ``Manual``
POST → 201 + ``Location: /api/v2.0/system/purgeaudit/{id}``; ``GET …/schedule`` with an empty body while none
exists), but ``parameters`` are **mandatory on POST and PUT, even for None**:

* ``audit_retention_hour``: a number, at most 240000 (400 otherwise);
* ``include_event_types`` (2.13+, a comma string of event names such as ``create_artifact``) or, before
  2.13, ``include_operations`` (``create,delete,pull``). The key the connected version does not know is not
  stored (nothing would be purged for it);
* ``dry_run`` (optional).

The purge itself only writes its log (the fake keeps no audit log records here).
"""

from ..framework.errors import bad_request
from ..framework.routing import RouteTable
from . import executions

ROUTES = RouteTable()

QUEUE = "purgeaudit"
JOB_NAME = "PURGE_AUDIT_LOG"
MAX_RETENTION_HOURS = 240000


def event_key(version):
    """The parameter naming what to purge: renamed in 2.13.0 (api-notes §9)."""
    return "include_event_types" if version >= (2, 13) else "include_operations"


def _parameters(ctx):
    def validate(parameters, _type):
        if not isinstance(parameters, dict) or not parameters:
            raise bad_request("the parameters of the purge audit log job are required")
        hours = parameters.get("audit_retention_hour")
        if not isinstance(hours, (int, float)) or isinstance(hours, bool):
            raise bad_request("audit_retention_hour is required and must be a number")
        if hours > MAX_RETENTION_HOURS:
            raise bad_request("audit_retention_hour should be less than or equal to %d" % MAX_RETENTION_HOURS)
        keys = {"audit_retention_hour", "dry_run", event_key(ctx.version)}
        return {key: value for key, value in parameters.items() if key in keys}
    return validate


def _purge(state, execution):
    parameters = execution["parameters"]
    key = "include_event_types" if "include_event_types" in parameters else "include_operations"
    execution["log"].append("%s [INFO] purge audit logs older than %s hours, %s: %s, dry run: %s" % (
        execution["update_time"], parameters.get("audit_retention_hour"), key, parameters.get(key, ""),
        str(bool(parameters.get("dry_run"))).lower()))
    return None


def _start(ctx):
    def start(parameters):
        log = ["%s [INFO] start to purge audit logs" % ctx.now()]
        return executions.new_execution(ctx.state, QUEUE, "Manual", parameters, on_finish=_purge, log=log)
    return start


executions.system_job_routes(ROUTES, executions.SystemJob(
    "/system/purgeaudit", "purge-audit", QUEUE, JOB_NAME, "purge audit job", _start, _parameters))
