# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""Schedules and runs of Harbor's system jobs (GC, audit-log purge, scan-all), and waiting for a job.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

What the three jobs share, and Harbor's quirks in it (api-notes §8, §9, §11; errata E12, E13):

* the options ``schedule`` (``None``, ``Hourly``, ``Daily``, ``Weekly``, ``Custom``) and ``cron`` (Harbor's 6-field
  cron, seconds first). Harbor wants a cron for every periodic type (the type is only a label), so
  ``Hourly``/``Daily``/``Weekly`` get the crons of Harbor's UI unless a cron is given;
* ``GET /system/<job>/schedule`` answers 200 with an **empty body** while no schedule exists;
* ``PUT`` creates, replaces or (type ``None``) deletes a schedule; a periodic ``POST`` is refused for scan-all
  when a schedule exists, so schedules are always written with PUT;
* ``job_parameters`` of GC and purge history objects is a **JSON string**; the server adds keys of its own;
* a ``Manual`` POST starts a run. GC never answers 409 (a second GC is queued), so the latest execution is
  checked first; scan-all answers 409 while one runs.

``ScheduledJob`` is the base class of the three modules: the resource engine reconciles the schedule, and
``run_now`` starts a manual run unless one is running (reported, or a failure with ``fail_if_running``), then
optionally waits for it (``wait_until``).
"""

from __future__ import annotations

import json
import time

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource, merge
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_cron

SCHEDULE_TYPES = ("None", "Hourly", "Daily", "Weekly", "Custom")
# The crons Harbor's web UI sends for these types.
UI_CRONS = {"Hourly": "0 0 * * * *", "Daily": "0 0 0 * * *", "Weekly": "0 0 0 * * 0"}
ACTIVE_STATUSES = ("Pending", "Running", "Scheduled")
FINAL_STATUSES = ("Success", "Error", "Stopped")
LOG_TAIL_LINES = 20
# Polling: the first pause, doubled up to the longest one.
POLL_FIRST = 0.5
POLL_MAX = 10.0

SCHEDULE_ARGS = dict(
    schedule=dict(type="str", choices=list(SCHEDULE_TYPES)),
    cron=dict(type="str"),
)
RUN_ARGS = dict(
    run_now=dict(type="bool", default=False),
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=3600),
    fail_if_running=dict(type="bool", default=False),
)


def check_schedule(schedule, cron):
    """Check the ``schedule`` and ``cron`` options together; an error message or None."""
    if cron is not None and schedule is None:
        return "cron is set but schedule is not: set schedule (Custom, or Hourly/Daily/Weekly to override their cron)"
    if schedule == "None" and cron:
        return "cron %r cannot be used with schedule=None (None removes the schedule)" % cron
    if schedule == "Custom" and not cron:
        return "schedule=Custom needs a cron, for example '0 0 4 * * *' for 04:00 every day"
    if cron:
        return check_cron(cron)
    return None


def check_wait_timeout(value):
    if value is not None and value < 0:
        return "wait_timeout must be 0 or more seconds, got %d" % value
    return None


def schedule_object(schedule, cron):
    """The schedule the options ask for: ``{"type", "cron"}``; ``{"type": "None"}`` for none."""
    if schedule == "None":
        return {"type": "None"}
    return {"type": schedule, "cron": cron or UI_CRONS[schedule]}


def current_schedule(body):
    """``{"type", "cron"}`` of a ``GET …/schedule`` answer; None when Harbor has no schedule (empty body)."""
    schedule = body.get("schedule") if isinstance(body, dict) else None
    if not isinstance(schedule, dict) or schedule.get("type") in (None, "", "None"):
        return None
    return {"type": schedule["type"], "cron": schedule.get("cron") or ""}


def job_parameters(value, drop=()):
    """The ``job_parameters`` of a GC or purge history object (a JSON string) as a dict, without ``drop`` keys."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            value = {}
    if not isinstance(value, dict):
        return {}
    return dict((key, item) for key, item in value.items() if key not in drop)


def log_tail(text, lines=LOG_TAIL_LINES):
    """The last ``lines`` non-empty lines of a job log."""
    found = [line for line in (text or "").splitlines() if line.strip()]
    return found[-lines:]


def wait_until(fetch, done, timeout, first=POLL_FIRST, longest=POLL_MAX):
    """Call ``fetch()`` until ``done(value)`` or ``timeout`` seconds have passed; return ``(value, finished)``.

    The pause between calls starts at ``first`` seconds and doubles up to ``longest``; ``fetch`` runs at least
    once (``timeout`` 0 means "look once").
    """
    deadline = time.monotonic() + timeout
    pause = first
    while True:
        value = fetch()
        if done(value):
            return value, True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return value, False
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, longest)


class SystemJob(object):
    """Executions of ``/system/gc`` or ``/system/purgeaudit``: history, manual start, one execution, its log."""

    def __init__(self, client, path, drop=()):
        self.client = client
        self.path = path
        self.drop = drop

    def latest(self):
        """The newest execution (Harbor lists the history newest first), or None."""
        items = self.client.get(self.path, params=dict(page=1, page_size=1))
        return self.describe(items[0]) if items else None

    def start(self, parameters):
        """Start a manual run; return its execution id (from ``Location``)."""
        resp = self.client.post(self.path + "/schedule", dict(schedule=dict(type="Manual"), parameters=parameters))
        return resp.location_id

    def get(self, execution_id):
        return self.describe(self.client.get("%s/%d" % (self.path, execution_id)))

    def log(self, execution_id):
        return log_tail(self.client.get("%s/%d/log" % (self.path, execution_id)))

    def describe(self, item):
        """An execution as the modules return it: ``status`` and parsed ``parameters``."""
        return dict(id=item.get("id"), status=item.get("job_status"), trigger=item.get("job_kind"),
                    parameters=job_parameters(item.get("job_parameters"), self.drop),
                    creation_time=item.get("creation_time"), update_time=item.get("update_time"))


class ScheduledJob(HarborResource):
    """Base class of gc, purge_audit and scan_all: a schedule reconciled by the engine, plus ``run_now``.

    Subclasses set ``schedule_path`` and ``what`` (a name for messages), and implement:

    * ``desired_parameters()``: the job parameters the options manage (a dict), or None for a job without any;
    * ``current_parameters(body)``: the parameters of a ``GET …/schedule`` answer (None without any);
    * ``running_run()`` (the run in progress or None), ``start_run()`` (start one; None when Harbor says one is
      running already), ``wait_run(run)`` (wait until it ends; fail on a timeout) and ``run_result(run)``.
    """

    schedule_path = None
    what = "job"
    result_key = "schedule"

    def __init__(self, module, params=None):
        super(ScheduledJob, self).__init__(module, params)
        # The engine reads ``state``: schedule=None deletes the schedule.
        self.params = dict(self.params, state="absent" if self.params.get("schedule") == "None" else "present")

    # ------------------------------------------------------------ subclass hooks

    def desired_parameters(self):
        return None

    def current_parameters(self, body):
        return None

    def running_run(self):
        raise NotImplementedError

    def start_run(self):
        raise NotImplementedError

    def wait_run(self, run):
        raise NotImplementedError

    def run_result(self, run):
        raise NotImplementedError

    # ------------------------------------------------------------ the schedule

    def validate(self):
        return check_schedule(self.params["schedule"], self.params["cron"]) or check_wait_timeout(
            self.params.get("wait_timeout"))

    def find(self):
        body = self.client.get(self.schedule_path)
        schedule = current_schedule(body)
        if schedule is None:
            return None
        parameters = self.current_parameters(body)
        if parameters is not None:
            schedule["parameters"] = parameters
        return schedule

    def desired(self):
        desired = schedule_object(self.params["schedule"], self.params["cron"])
        parameters = self.desired_parameters()
        if parameters is not None:
            desired["parameters"] = parameters
        return desired

    def write(self, schedule, parameters):
        body = dict(schedule=schedule)
        if parameters is not None:
            body["parameters"] = parameters
        self.client.put(self.schedule_path, body)

    def create(self, desired):
        self.write(dict(type=desired["type"], cron=desired["cron"]), desired.get("parameters"))
        return self.find()

    def update(self, current, changes):
        # Harbor replaces a schedule as a whole: send every parameter, the unchanged ones too.
        wanted = merge(current, changes)
        self.write(dict(type=wanted["type"], cron=wanted["cron"]), wanted.get("parameters"))
        return self.find()

    def delete(self, current):
        self.write(dict(type="None"), self.none_parameters(current))

    def none_parameters(self, current):
        """Parameters sent with type None (purge needs them, api-notes §9); the current ones by default."""
        return current.get("parameters")

    # ------------------------------------------------------------ the run

    def execute(self):
        result = dict(changed=False)
        if self.params["schedule"] is not None:
            result = super(ScheduledJob, self).execute()
        if self.params["run_now"]:
            self.run(result)
        return result

    def run(self, result):
        """Start a manual run unless one is running; wait for it when asked; add the outcome to ``result``."""
        run = self.running_run()
        already = run is not None
        if not already and not self.module.check_mode:
            run = self.start_run()
            if run is None:  # Harbor refused: one started meanwhile
                already = True
                run = self.running_run()
        if already:
            if self.params["fail_if_running"]:
                self.fail("a %s is already running on %s; not starting another one (fail_if_running=true)"
                          % (self.what, self.client.base_url), **(self.run_result(run) if run else {}))
            result["already_running"] = True
            result["msg"] = "a %s was already running; no new one was started" % self.what
        else:
            result["changed"] = True
            result["already_running"] = False
            if self.module._diff:
                diff = result.setdefault("diff", dict(before={}, after={}))
                diff["before"]["run_now"] = None
                diff["after"]["run_now"] = dict(type="Manual", parameters=self.desired_parameters() or {})
        if run is not None and self.params["wait"]:
            run = self.wait_run(run)
        if run is not None:
            result.update(self.run_result(run))


class ExecutionJob(ScheduledJob):
    """gc and purge_audit: a run is an execution of ``jobs_path`` (``/system/gc``) with history and a log.

    Subclasses set ``jobs_path`` and ``server_parameters`` (keys Harbor adds to the parameters for itself).
    """

    jobs_path = None
    server_parameters = ()

    def __init__(self, module, params=None):
        super(ExecutionJob, self).__init__(module, params)
        self.jobs = SystemJob(self.client, self.jobs_path, drop=self.server_parameters)

    def running_run(self):
        latest = self.jobs.latest()
        return latest if latest is not None and latest["status"] in ACTIVE_STATUSES else None

    def start_run(self):
        execution_id = self.jobs.start(self.desired_parameters() or {})
        return self.jobs.get(execution_id) if execution_id is not None else self.jobs.latest()

    def wait_run(self, run):
        execution_id = run["id"]
        run, finished = wait_until(lambda: self.jobs.get(execution_id), lambda e: e["status"] in FINAL_STATUSES,
                                   self.params["wait_timeout"])
        if not finished:
            self.fail("%s %s is still %s after %d seconds (wait_timeout); it goes on in Harbor"
                      % (self.what, execution_id, run["status"], self.params["wait_timeout"]), execution=run)
        log = self.jobs.log(execution_id)
        if run["status"] != "Success":
            self.fail("%s %s ended with status %s. End of its log:\n%s"
                      % (self.what, execution_id, run["status"], "\n".join(log)), execution=run, log=log)
        run["log"] = log
        return run

    def run_result(self, run):
        result = dict(execution=dict((key, value) for key, value in run.items() if key != "log"))
        if "log" in run:
            result["log"] = run["log"]
        return result
