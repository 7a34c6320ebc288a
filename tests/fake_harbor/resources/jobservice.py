"""``/jobservice/*``: the job service monitor (pools, workers, queues, jobs) over the job model of executions.py.

Harbor's behaviour (src/server/v2.0/handler/jobservice.go, src/controller/jobmonitor/monitor.go,
src/pkg/jobmonitor/{pool,worker}.go): every operation is a system API, ``RequireSystemAccess`` on the resource
``jobservice-monitor`` with ``list`` for the reads and ``stop`` for every change (stop a job; stop, pause or resume a
queue). Sysadmins may do all of it, system robots what their permission list grants.

* ``GET /jobservice/pools``: the worker pools of the job service (gocraft/work heartbeats). The fake has one:
  ``pid``, ``worker_pool_id``, ``start_at``, ``heartbeat_at`` (now), ``concurrency`` (10, the default
  ``max_job_workers`` of harbor.yml); the handler does not copy ``host``.
* ``GET /jobservice/pools/{pool_id}/workers``: the workers of that pool, ``all`` for every pool, ``[]`` for an unknown
  pool (the workers are filtered by pool id, no error). An idle worker shows ``id`` and ``pool_id`` only
  (``toWorkerResponse``); a busy one also the job it runs: ``job_name`` (its job type), ``job_id``, ``start_at``.
  Every job of a running execution (replication and retention run one job per task) occupies a worker; when more
  jobs run than the pool has workers, the list has more busy entries than ``concurrency`` (the fake does not limit
  concurrency).
* ``PUT /jobservice/jobs/{job_id}``: stop the job's execution (the fake stops the whole execution a job belongs to);
  ``all`` stops every running job. An unknown id is a success ("job not found, maybe the job is already complete").
* ``GET /jobservice/jobs/{job_id}/log``: the job's log as text/plain (a replication or retention task: the task's
  log); 404 for an unknown job (derived).
* ``GET /jobservice/queues``: one ``JobQueue`` per job type registered in the job service, sorted by name (gocraft's
  ``Queues()``), without ``DEMO`` and the legacy ``IMAGE_REPLICATE``, ``IMAGE_SCAN_ALL``, ``IMAGE_GC``: ``count``
  is the number of pending jobs, ``latency`` the seconds the oldest one has waited, ``paused`` (``x-omitempty:
  false``) whether the queue is paused. ``JOB_TYPES`` are those of src/jobservice/runtime/bootstrap.go plus
  ``EXECUTION_SWEEP`` and, from 2.11, ``SBOM`` (src/jobservice/job/known_jobs.go; derived for the versions).
* ``PUT /jobservice/queues/{job_type}`` ``{"action": "stop"|"pause"|"resume"}``: the job type is upper-cased,
  ``all`` means every type. ``stop`` stops the pending jobs of the type (their executions end ``Stopped``),
  ``pause`` keeps its pending jobs from starting (running ones go on), ``resume`` lets them start. An action
  outside the enum is refused by the spec (422); a missing one is 400 "the action is not supported".

The executions of the fake map to job types by ``executions.job_type()``: GC ``GARBAGE_COLLECTION``, audit-log purge
``PURGE_AUDIT_LOG``, scans and scan-all ``IMAGE_SCAN``, replication ``REPLICATION``, retention ``RETENTION``.
"""

import os
import secrets

from ..framework import auth
from ..framework.errors import HarborError, not_found
from ..framework.response import Response
from ..framework.routing import RouteTable
from . import executions

ROUTES = RouteTable()

RESOURCE = "jobservice-monitor"
CONCURRENCY = 10
ALL = "all"
# Registered job types (bootstrap.go RegisterJobs); the monitor skips DEMO and the legacy IMAGE_* ones.
JOB_TYPES = ("EXECUTION_SWEEP", "GARBAGE_COLLECTION", "IMAGE_SCAN", "P2P_PREHEAT", "PURGE_AUDIT_LOG", "REPLICATION",
             "RETENTION", "SCAN_DATA_EXPORT", "SCHEDULER", "SLACK", "SYSTEM_ARTIFACT_CLEANUP", "WEBHOOK")
SINCE = {"SBOM": (2, 11)}


def init_state(state):
    state.worker_pool = {"id": secrets.token_hex(12), "pid": os.getpid(), "start_at": executions.clock_iso(state),
                         "workers": [secrets.token_hex(12) for _index in range(CONCURRENCY)]}


def job_types(version):
    """The job types the job service of ``version`` registers (``/jobservice/queues``), sorted."""
    return sorted(JOB_TYPES + tuple(name for name, since in SINCE.items() if version >= since))


def _running_jobs(state):
    """(execution, job id) of every job that runs now, in the order the executions started."""
    running = sorted((e for e in executions.executions(state) if e["status"] == executions.RUNNING),
                     key=lambda e: (e["started_at"], e["id"]))
    return [(execution, job_id) for execution in running for job_id in execution["job_ids"]]


def _pool_body(state):
    pool = state.worker_pool
    return {"pid": pool["pid"], "worker_pool_id": pool["id"], "start_at": pool["start_at"],
            "heartbeat_at": executions.clock_iso(state), "concurrency": CONCURRENCY}


def _workers(state):
    pool = state.worker_pool
    busy = _running_jobs(state)
    ids = list(pool["workers"])
    while len(ids) < len(busy):  # more jobs than workers: the fake does not limit concurrency
        ids.append(secrets.token_hex(12))
        pool["workers"].append(ids[-1])
    workers = []
    for index, worker_id in enumerate(ids):
        worker = {"id": worker_id, "pool_id": pool["id"]}
        if index < len(busy):
            execution, job_id = busy[index]
            worker.update(job_name=executions.job_type(execution), job_id=job_id,
                          start_at=executions.clock_iso(state, execution["started_at"]), check_in="", checkin_at=None)
        workers.append(worker)
    return workers


@ROUTES.get("/jobservice/pools")
def list_pools(ctx):
    auth.require(ctx, None, RESOURCE, "list")
    return Response.json([_pool_body(ctx.state)])


@ROUTES.get("/jobservice/pools/{pool_id}/workers")
def list_workers(ctx):
    auth.require(ctx, None, RESOURCE, "list")
    pool_id = ctx.params["pool_id"]
    if pool_id.lower() != ALL and pool_id != ctx.state.worker_pool["id"]:
        return Response.json([])
    return Response.json(_workers(ctx.state))


@ROUTES.put("/jobservice/jobs/{job_id}")
def stop_job(ctx):
    auth.require(ctx, None, RESOURCE, "stop")
    job_id = ctx.params["job_id"]
    if job_id.lower() == ALL:
        for execution in {e["id"]: e for e, _job in _running_jobs(ctx.state)}.values():
            executions.stop(ctx.state, execution)
        return Response.ok()
    execution = executions.by_job_id(ctx.state, job_id)
    if execution is not None:
        executions.stop(ctx.state, execution)
    return Response.ok()  # an unknown job: "maybe the job is already complete"


def _job_log(state, execution, job_id):
    """The log of one job: a replication/retention task's own log, else the execution's."""
    for task in getattr(state, "replication_tasks", {}).values():
        if task["job_id"] == job_id:
            return "".join(line + "\n" for line in task["log"])
    for task in getattr(state, "retention_tasks", {}).values():
        if task["job_id"] == job_id:
            return task.get("log") or ""
    return "\n".join(execution["log"]) + "\n"


@ROUTES.get("/jobservice/jobs/{job_id}/log")
def job_log(ctx):
    auth.require(ctx, None, RESOURCE, "list")
    job_id = ctx.params["job_id"]
    execution = executions.by_job_id(ctx.state, job_id)
    if execution is None:
        raise not_found("job %s not found" % job_id)
    response = Response.text(_job_log(ctx.state, execution, job_id))
    response.headers["Content-Type"] = "text/plain"
    return response


def _queue_body(state, name):
    pending = [e for e in executions.executions(state)
               if e["status"] == executions.PENDING and executions.job_type(e) == name]
    count = sum(len(e["job_ids"]) for e in pending)
    oldest = min((e["queued_at"] for e in pending), default=None)
    latency = int(executions.clock(state) - oldest) if oldest is not None else 0
    return {"job_type": name, "count": count, "latency": latency, "paused": name in executions.paused(state)}


@ROUTES.get("/jobservice/queues")
def list_queues(ctx):
    auth.require(ctx, None, RESOURCE, "list")
    return Response.json([_queue_body(ctx.state, name) for name in job_types(ctx.version)])


@ROUTES.put("/jobservice/queues/{job_type}")
def act_on_queue(ctx):
    auth.require(ctx, None, RESOURCE, "stop")
    name = ctx.params["job_type"].upper()
    action = str(ctx.json_object().get("action") or "").lower()
    if action not in ("stop", "pause", "resume"):
        raise HarborError(400, "the action is not supported")
    names = job_types(ctx.version) if name == ALL.upper() else [name]
    if action == "stop":
        for execution in [e for e in executions.executions(ctx.state)
                          if e["status"] == executions.PENDING and executions.job_type(e) in names]:
            executions.stop(ctx.state, execution)
    elif action == "pause":
        executions.pause(ctx.state, names)
    else:
        executions.resume(ctx.state, names)
    return Response.ok()
