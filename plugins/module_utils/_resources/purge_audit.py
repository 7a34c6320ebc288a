# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The purge_audit resource (schedule and run the purge of Harbor's audit logs).

Shared by the module harbor_ops.harbor.purge_audit and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._jobs import (
    RUN_ARGS,
    SCHEDULE_ARGS,
    ExecutionJob,
    job_parameters,
)

MAX_RETENTION_HOURS = 240000
OPERATIONS = ("create", "delete", "pull")
# Harbor 2.13+ (src/pkg/auditext/model/model.go, api-notes §9)
EVENT_TYPES = ("create_artifact", "delete_artifact", "pull_artifact", "create_project", "delete_project",
               "delete_repository", "login_user", "logout_user", "create_user", "delete_user", "update_user",
               "create_robot", "delete_robot", "update_configuration")
EVENT_TYPES_SINCE = (2, 13)


def operations_key(version):
    return "include_event_types" if version >= EVENT_TYPES_SINCE else "include_operations"


def translate(names, version):
    """The event names for ``version``: (sorted comma string, or None) and the names it does not know."""
    wanted = set()
    unknown = []
    for name in names:
        if version >= EVENT_TYPES_SINCE:
            if name in OPERATIONS:
                wanted.update(e for e in EVENT_TYPES if e.startswith(name + "_"))
            else:
                wanted.add(name)
        else:
            verb = name.split("_", 1)[0]
            if name in OPERATIONS:
                wanted.add(name)
            elif verb in OPERATIONS and name.startswith(("create_", "delete_", "pull_")):
                wanted.add(verb)
            else:
                unknown.append(name)
    return ",".join(sorted(wanted)), unknown


def canonical(text):
    return ",".join(sorted(part.strip() for part in (text or "").split(",") if part.strip()))


class PurgeAudit(ExecutionJob):
    what = "audit-log purge"
    schedule_path = "/system/purgeaudit/schedule"
    jobs_path = "/system/purgeaudit"
    module_args = dict(
        retention_hours=dict(type="int"),
        event_types=dict(type="list", elements="str", choices=list(OPERATIONS + EVENT_TYPES)),
        dry_run=dict(type="bool"),
        **SCHEDULE_ARGS,
        **RUN_ARGS
    )

    def validate(self):
        problem = super(PurgeAudit, self).validate()
        if problem:
            return problem
        hours = self.params["retention_hours"]
        if hours is not None and not 1 <= hours <= MAX_RETENTION_HOURS:
            return "retention_hours must be 1 to %d (Harbor's limit), got %d" % (MAX_RETENTION_HOURS, hours)
        if self.params["event_types"] == []:
            return "event_types must name at least one event or operation"
        periodic = self.params["schedule"] not in (None, "None")
        if periodic or self.params["run_now"]:
            missing = [key for key in ("retention_hours", "event_types") if self.params[key] is None]
            if missing:
                return "%s %s required with %s (Harbor wants the purge parameters complete)" % (
                    " and ".join(missing), "is" if len(missing) == 1 else "are",
                    "schedule=%s" % self.params["schedule"] if periodic else "run_now=true")
        elif self.params["schedule"] is None and not self.params["run_now"]:
            return "nothing to do: set schedule, run_now=true, or both"
        elif any(self.params[key] is not None for key in ("retention_hours", "event_types", "dry_run")):
            return "retention_hours, event_types and dry_run only apply to a periodic schedule or to run_now=true"
        return None

    def check_versions(self):
        super(PurgeAudit, self).check_versions()
        if self.params["event_types"]:
            _events, unknown = translate(self.params["event_types"], self.client.version)
            if unknown:
                self.fail("event_types %s need Harbor 2.13 or later (before, only create, delete and pull can be "
                          "purged); %s runs %s" % (", ".join(unknown), self.client.base_url, self.client.version_text))

    def desired_parameters(self):
        if self.params["retention_hours"] is None:
            return None
        events, _unknown = translate(self.params["event_types"], self.client.version)
        parameters = {"audit_retention_hour": self.params["retention_hours"],
                      operations_key(self.client.version): events}
        if self.params["dry_run"] is not None:
            parameters["dry_run"] = self.params["dry_run"]
        return parameters

    def current_parameters(self, body):
        parameters = job_parameters(body.get("job_parameters"))
        key = operations_key(self.client.version)
        if key in parameters:
            parameters[key] = canonical(parameters[key])
        if self.params["dry_run"] is not None:
            parameters.setdefault("dry_run", False)
        return parameters

    def none_parameters(self, current):
        # Harbor wants the parameters even to remove the schedule (api-notes §9).
        return current.get("parameters") or self.desired_parameters() or {"audit_retention_hour": MAX_RETENTION_HOURS}
