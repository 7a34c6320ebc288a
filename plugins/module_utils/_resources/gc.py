# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The gc resource (schedule and run Harbor's garbage collection).

Shared by the module harbor_ops.harbor.gc and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._jobs import (
    FINAL_STATUSES,
    RUN_ARGS,
    SCHEDULE_ARGS,
    ExecutionJob,
    job_parameters,
)

PARAMETERS = ("delete_untagged", "workers", "dry_run", "delete_tag")
FLAGS = ("delete_untagged", "dry_run", "delete_tag")
# Added to the parameters by Harbor's server (api-notes §8): not the user's, never sent back.
SERVER_PARAMETERS = ("redis_url_reg", "time_window")
# Results Harbor records in a run's parameters.
RESULT_PARAMETERS = ("freed_space", "purged_blobs", "purged_manifests")
WORKERS_BEFORE_2_13 = 5
WORKERS_MAX = 10


class Gc(ExecutionJob):
    what = "garbage collection"
    schedule_path = "/system/gc/schedule"
    jobs_path = "/system/gc"
    server_parameters = SERVER_PARAMETERS
    module_args = dict(
        delete_untagged=dict(type="bool"),
        workers=dict(type="int"),
        dry_run=dict(type="bool"),
        delete_tag=dict(type="bool"),
        **SCHEDULE_ARGS,
        **RUN_ARGS
    )
    option_min_versions = dict(delete_tag=(2, 15))

    def validate(self):
        problem = super(Gc, self).validate()
        if problem:
            return problem
        workers = self.params["workers"]
        if workers is not None and not 1 <= workers <= WORKERS_MAX:
            return "workers must be 1 to %d (1 to %d before Harbor 2.13), got %d" % (
                WORKERS_MAX, WORKERS_BEFORE_2_13, workers)
        managed = [key for key in PARAMETERS if self.params[key] is not None]
        if managed and self.params["schedule"] in (None, "None") and not self.params["run_now"]:
            return ("%s only apply to a schedule or a run: set schedule (Hourly, Daily, Weekly or Custom) or "
                    "run_now=true" % ", ".join(managed))
        if self.params["schedule"] is None and not self.params["run_now"]:
            return "nothing to do: set schedule, run_now=true, or both"
        return None

    def check_versions(self):
        super(Gc, self).check_versions()
        workers = self.params["workers"]
        if workers is not None and workers > WORKERS_BEFORE_2_13 and self.client.version < (2, 13):
            self.fail("workers %d needs Harbor 2.13 or later (1 to %d before); %s runs %s"
                      % (workers, WORKERS_BEFORE_2_13, self.client.base_url, self.client.version_text))

    def desired_parameters(self):
        return dict((key, self.params[key]) for key in PARAMETERS if self.params[key] is not None)

    def current_parameters(self, body):
        parameters = job_parameters(body.get("job_parameters"), drop=SERVER_PARAMETERS + RESULT_PARAMETERS)
        # A flag Harbor does not list is off.
        for key in FLAGS:
            if self.params[key] is not None:
                parameters.setdefault(key, False)
        return parameters

    def run_result(self, run):
        result = super(Gc, self).run_result(run)
        if run["status"] in FINAL_STATUSES and "freed_space" in run["parameters"]:
            result["freed_bytes"] = run["parameters"]["freed_space"]
        return result
