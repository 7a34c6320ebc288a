"""Audit-log purge: ``/system/purgeaudit``, ``/system/purgeaudit/{purge_id}``, ``…/{purge_id}/log``, ``…/schedule``.

Harbor's behaviour (api-notes §9): the same schedule model as GC (``kick()`` in executions.py; ``Manual``
POST → 201 + ``Location: /api/v2.0/system/purgeaudit/{id}``; ``GET …/schedule`` with an empty body while none
exists), but ``parameters`` are **mandatory on POST and PUT, even for None**:

* ``audit_retention_hour``: a number, at most 240000 (400 otherwise);
* ``include_event_types`` (2.13+, a comma string of event names such as ``create_artifact``) or, before
  2.13, ``include_operations`` (``create,delete,pull``). The key the connected version does not know is not
  stored (nothing would be purged for it);
* ``dry_run`` (optional).

A schedule without ``type`` changes nothing once the parameters pass (POST 201 with ``Location:
…/purgeaudit/0``, PUT 200: ``kick()`` has no branch for it); a body without ``schedule`` is 400 "schedule cann't be
empty" (``verifyCreateRequest``/``verifyUpdateRequest``, purge.go).

The purge (src/jobservice/job/impl/purge/purge.go ``Run``, src/pkg/auditext/dao/dao.go ``Purge``) removes the
audit log records older than ``audit_retention_hour`` hours whose event type (2.13+: ``<operation>_<resource_type>``,
lower case, only Harbor's known event types) or operation (before 2.13: ``create``, ``delete``, ``pull``) is in the
list; a dry run only counts them. Its log: ``Purge audit job start``, ``job parameters map[…]``, ``Purge operation
parameter, …`` and ``Purged N rows of audit logs`` (``[DRYRUN]Purged N rows of audit logs``); a retention of 0 or -1
hours quits after the first two lines. The records are those of ``state.audit_logs`` (audit_logs.py: the ``ext``
records on 2.13+, the ``legacy`` ones before) when a resource module keeps them, else there are none (N = 0).
"""

import datetime

from ..framework.errors import bad_request
from ..framework.routing import RouteTable
from . import executions

ROUTES = RouteTable()

QUEUE = "purgeaudit"
JOB_NAME = "PURGE_AUDIT_LOG"
MAX_RETENTION_HOURS = 240000
# src/pkg/auditext/model/model.go EventTypes (2.13+); before 2.13 permitOps allows these three operations
EVENT_TYPES = ("create_artifact", "delete_artifact", "pull_artifact", "create_project", "delete_project",
               "delete_repository", "login_user", "logout_user", "create_user", "delete_user", "update_user",
               "create_robot", "delete_robot", "update_configuration")
OPERATIONS = ("create", "delete", "pull")


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


def _records(state):
    """(key, record) of the audit log records another resource module keeps, if any."""
    store = getattr(state, "audit_logs", None)
    if isinstance(store, dict):
        return list(store.items())
    if isinstance(store, list):
        return list(enumerate(store))
    return []


def _older_than(record, hours, now):
    text = str(record.get("op_time") or "")
    try:
        stamp = datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return False
    return stamp < now - datetime.timedelta(hours=hours)


def _selected(record, names, by_event_type):
    operation = str(record.get("operation") or "").lower()
    if by_event_type:
        return "%s_%s" % (operation, str(record.get("resource_type") or "").lower()) in names
    return operation in names


def _go_map(parameters):
    """Go's ``%+v`` of a map: ``map[k1:v1 k2:v2]`` with sorted keys."""
    def text(value):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return "map[%s]" % " ".join("%s:%s" % (key, text(parameters[key])) for key in sorted(parameters))


def _purge(state, execution):
    parameters = execution["parameters"]
    stamp = execution["update_time"]
    log = execution["log"]
    log.append("%s [INFO] Purge audit job start" % stamp)
    log.append("%s [INFO] job parameters %s" % (stamp, _go_map(parameters)))
    hours = parameters.get("audit_retention_hour")
    hours = int(hours) if isinstance(hours, (int, float)) and not isinstance(hours, bool) else 0
    if hours in (0, -1):
        return None
    by_event_type = state.version >= (2, 13)
    requested = [item for item in str(parameters.get(event_key(state.version)) or "").split(",") if item]
    known = EVENT_TYPES if by_event_type else OPERATIONS
    names = {item.lower() for item in requested if item.lower() in known}
    dry_run = bool(parameters.get("dry_run"))
    now = datetime.datetime.now(datetime.timezone.utc)
    table = "ext" if by_event_type else "legacy"  # 2.13+ purges audit_log_ext, earlier versions audit_log
    matched = [(key, record) for key, record in _records(state) if isinstance(record, dict)
               and record.get("kind", table) == table and _older_than(record, hours, now)
               and _selected(record, names, by_event_type)]
    if not dry_run:
        store = state.audit_logs if matched else None
        for key, record in sorted(matched, key=lambda item: item[0], reverse=True):
            if isinstance(store, dict):
                store.pop(key, None)
            else:
                store.remove(record)
    log.append("%s [INFO] Purge operation parameter, renention_hour=%d, include_operations:[%s], dry_run:%s" % (
        stamp, hours, " ".join(requested), str(dry_run).lower()))
    log.append("%s [INFO] %sPurged %d rows of audit logs" % (stamp, "[DRYRUN]" if dry_run else "", len(matched)))
    return None


def _start(ctx):
    def start(parameters):
        return executions.new_execution(ctx.state, QUEUE, "Manual", parameters, on_finish=_purge)
    return start


executions.system_job_routes(ROUTES, executions.SystemJob(
    "/system/purgeaudit", "purge-audit", QUEUE, JOB_NAME, "purge audit job", _start, _parameters,
    missing_schedule=lambda: bad_request("schedule cann't be empty")))
