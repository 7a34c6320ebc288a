"""Garbage collection: ``/system/gc``, ``/system/gc/{gc_id}``, ``/system/gc/{gc_id}/log``, ``/system/gc/schedule``.

Harbor's behaviour (api-notes §8, errata E12, E13):

* ``GET /system/gc/schedule``: a ``GCHistory`` whose ``job_parameters`` is a JSON **string**; 200 with an
  **empty body** while no schedule exists.
* ``POST`` and ``PUT /system/gc/schedule`` both go through ``kick()`` (see executions.py): ``Manual`` starts
  a GC (POST: 201 + ``Location: /api/v2.0/system/gc/{id}``), ``None`` deletes the schedule, the periodic types
  need a 6-field cron; a schedule without ``type`` changes nothing (POST 201 with ``Location: …/gc/0``, PUT 200).
  **No 409**: a Manual GC while one runs is queued behind it (errata E13). A body without ``schedule`` crashes
  Harbor's handler (``params.Schedule.Schedule.Type``, no nil check): 500.
* ``parameters``: ``delete_untagged``, ``dry_run``, ``workers`` (a JSON number must be 1-10 from 2.13, 1-5
  before: 400 "Invalid number of workers"; a string is ignored, errata E12) and, from 2.15.0,
  ``delete_tag``. ``workers`` is checked only in the Manual and periodic branches of ``kick()`` (gc.go), so
  ``None`` and a schedule without type accept any value. The server adds ``redis_url_reg`` and ``time_window``;
  other keys are not stored.
* History newest first, one execution by id, its log (text/plain), ``PUT /system/gc/{id}`` stops it.

What a GC does here: it frees the bytes of artifacts deleted through the API since the last GC
(``artifact_deleted`` hook: Harbor frees a project's quota at once but the blobs only on GC) and, with
``delete_untagged``, deletes the artifacts that have no tag and frees their bytes. ``dry_run`` only counts.
With a real registry behind the fake (``FakeHarbor(registry=True)``) the freed bytes are what distribution's
garbage collector removed from the registry storage.
The result lands in ``job_parameters`` (``freed_space`` in bytes, ``purged_blobs``, ``purged_manifests``,
as Harbor's GC history shows them) and in the log.
"""

from ..framework.errors import bad_request
from ..framework.routing import RouteTable
from . import artifacts, executions

ROUTES = RouteTable()

QUEUE = "gc"
JOB_NAME = "GARBAGE_COLLECTION"
# Added to the parameters by the server (api-notes §8); Harbor's default Redis has no password.
SERVER_PARAMETERS = {"redis_url_reg": "redis://redis:6379/1?idle_timeout_seconds=30", "time_window": 2}
BLOBS_PER_MANIFEST = 2  # a config blob and one layer per fake artifact


def init_state(state):
    state.gc_garbage = []  # sizes of artifacts deleted through the API since the last GC


def _artifact_deleted(state, artifact):
    state.gc_garbage.append(artifact["size"])


HOOKS = {"artifact_deleted": _artifact_deleted}


def _parameters(ctx):
    def validate(parameters, kind_type):
        parameters = dict(parameters or {})
        workers = parameters.get("workers")
        checked = kind_type == "Manual" or kind_type in executions.PERIODIC_TYPES
        if checked and isinstance(workers, (int, float)) and not isinstance(workers, bool):
            high = 10 if ctx.version >= (2, 13) else 5
            if not 1 <= workers <= high:
                raise bad_request("Invalid number of workers")
        keys = {"delete_untagged", "dry_run", "workers"}
        if ctx.version >= (2, 15):
            keys.add("delete_tag")
        return {key: value for key, value in parameters.items() if key in keys}
    return validate


def _collect(state, execution):
    """The work of a GC, when its execution ends."""
    parameters = execution["parameters"]
    dry_run = bool(parameters.get("dry_run"))
    untagged = [a for a in state.artifacts.values() if not a["tags"]] if parameters.get("delete_untagged") else []
    manifests = len(untagged) + len(state.gc_garbage)
    freed = sum(a["size"] for a in untagged) + sum(state.gc_garbage)
    if not dry_run:
        for artifact in untagged:
            artifacts.remove_artifact(state, artifact)
        state.gc_garbage = []
        if state.hooks.has("registry_garbage_collect"):
            # a real registry behind the fake (registry.py): the bytes its garbage collector really freed
            freed = state.hooks.first("registry_garbage_collect", state, False, False)
    execution["extra"] = {"freed_space": freed, "purged_blobs": manifests * BLOBS_PER_MANIFEST,
                          "purged_manifests": manifests}
    stamp = execution["update_time"]
    log = execution["log"]
    log.append("%s [INFO] %d untagged artifacts found (delete_untagged=%s)"
               % (stamp, len(untagged), str(bool(parameters.get("delete_untagged"))).lower()))
    if dry_run:
        log.append("%s [INFO] %d blobs and %d manifests eligible for deletion" % (
            stamp, manifests * BLOBS_PER_MANIFEST, manifests))
        log.append("%s [INFO] The GC could free up %d bytes, the size is a rough estimate." % (stamp, freed))
    else:
        log.append("%s [INFO] %d blobs and %d manifests are actually deleted" % (
            stamp, manifests * BLOBS_PER_MANIFEST, manifests))
        log.append("%s [INFO] The GC job actual frees up %d bytes." % (stamp, freed))
    return None


def _start(ctx):
    def start(parameters):
        stored = dict(parameters)
        stored.update(SERVER_PARAMETERS)
        now = executions.clock_iso(ctx.state)
        log = ["%s [INFO] start to run gc in job." % now,
               "%s [INFO] workers: %s, delete untagged: %s, dry run: %s" % (
                   now, parameters.get("workers", 1), str(bool(parameters.get("delete_untagged"))).lower(),
                   str(bool(parameters.get("dry_run"))).lower())]
        return executions.new_execution(ctx.state, QUEUE, "Manual", stored, on_finish=_collect, log=log)
    return start


executions.system_job_routes(ROUTES, executions.SystemJob(
    "/system/gc", "garbage-collection", QUEUE, JOB_NAME, "gc", _start, _parameters,
    schedule_parameters=SERVER_PARAMETERS, missing_schedule=executions.nil_schedule_panic))
