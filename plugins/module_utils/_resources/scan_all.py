# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The scan_all resource (schedule and run Harbor's vulnerability scan of all artifacts).

Shared by the module harbor_ops.harbor.scan_all and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._jobs import (
    RUN_ARGS,
    SCHEDULE_ARGS,
    ScheduledJob,
    wait_until,
)

METRICS_PATH = "/scans/all/metrics"


class ScanAll(ScheduledJob):
    what = "scan of all artifacts"
    schedule_path = "/system/scanAll/schedule"
    module_args = dict(**SCHEDULE_ARGS, **RUN_ARGS)

    def validate(self):
        problem = super(ScanAll, self).validate()
        if problem is None and self.params["schedule"] is None and not self.params["run_now"]:
            problem = "nothing to do: set schedule, run_now=true, or both"
        return problem

    def execute(self):
        try:
            return super(ScanAll, self).execute()
        except HarborError as exc:
            if exc.status == 412:
                self.fail("Harbor at %s has no default scanner, so it cannot scan all artifacts: register one with "
                          "harbor_ops.harbor.scanner (default: true), or install Harbor with Trivy. Harbor said: %s"
                          % (self.client.base_url, exc.message), **exc.result())
            raise

    def metrics(self):
        return self.client.get(METRICS_PATH) or {}

    def running_run(self):
        metrics = self.metrics()
        return metrics if metrics.get("ongoing") else None

    def start_run(self):
        try:
            self.client.post(self.schedule_path, dict(schedule=dict(type="Manual")))
        except HarborError as exc:
            if exc.status == 409:  # one is running (it started after our look)
                return None
            raise
        return self.metrics()

    def wait_run(self, run):
        metrics, finished = wait_until(self.metrics, lambda m: not m.get("ongoing"), self.params["wait_timeout"])
        if not finished:
            done = (self.params["wait_timeout"], metrics.get("completed"), metrics.get("total"))
            self.fail("the scan of all artifacts is still running after %d seconds (wait_timeout); it goes on in "
                      "Harbor (%s of %s scans done)" % done, metrics=metrics)
        return metrics

    def run_result(self, run):
        return dict(metrics=run)
