#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: purge_audit
short_description: Schedule and run the purge of Harbor's audit logs
version_added: 0.1.0
description:
  - Manage the schedule of Harbor's audit-log purge (how long audit logs are kept, and which events are purged),
    and run a purge now.
  - The schedule is compared with Harbor's and written only when it differs (with PUT). Harbor replaces a
    schedule as a whole, so the module always sends the complete parameters.
  - Harbor renamed the parameter that names what to purge in 2.13 (C(include_operations) with the operations
    C(create), C(delete), C(pull) before, C(include_event_types) with event names since). O(event_types) takes
    either vocabulary and the module sends what the connected Harbor understands.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  schedule:
    description:
      - When the purge runs. V(None) removes the schedule; V(Custom) needs O(cron).
      - V(Hourly), V(Daily) and V(Weekly) use the crons of Harbor's web UI (V(0 0 * * * *), V(0 0 0 * * *) and
        V(0 0 0 * * 0)) unless O(cron) is set.
      - A periodic schedule needs O(retention_hours) and O(event_types). Not set, the schedule is not managed.
    type: str
    choices: [None, Hourly, Daily, Weekly, Custom]
  cron:
    description:
      - Harbor's 6-field cron expression, seconds first (the seconds must be V(0)), for example
        V(0 0 1 * * *) for 01:00 every day.
    type: str
  retention_hours:
    description:
      - Audit logs older than this many hours are purged, at most V(240000). For example V(720) keeps 30 days.
    type: int
  event_types:
    description:
      - The audit-log events to purge.
      - The operations V(create), V(delete) and V(pull) work on every version (on Harbor 2.13 and later they
        mean every C(create_*), C(delete_*) or pull event).
      - The event names of Harbor 2.13 and later work there; before 2.13 the C(create_*), C(delete_*) and
        C(pull_artifact) events become their operation, and the others (logins, user and configuration
        updates) are refused with the version they need.
    type: list
    elements: str
    choices: [create, delete, pull, create_artifact, delete_artifact, pull_artifact, create_project,
              delete_project, delete_repository, login_user, logout_user, create_user, delete_user, update_user,
              create_robot, delete_robot, update_configuration]
  dry_run:
    description: Only count what the purge would delete.
    type: bool
  run_now:
    description:
      - Purge now with O(retention_hours), O(event_types) and O(dry_run) (both needed).
      - Nothing is started while a purge is running; the module reports RV(already_running) (or fails with
        O(fail_if_running)).
    type: bool
    default: false
  wait:
    description: Wait until the purge started by O(run_now) has ended and return the end of its log.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait); the module fails when the purge is still running then. V(0) looks once.
    type: int
    default: 3600
  fail_if_running:
    description: With O(run_now), fail instead of reporting when a purge is already running.
    type: bool
    default: false
notes:
  - >-
    As a system robot this module needs the system permissions C(purge-audit: read, list, create, update).
seealso:
  - module: harbor_ops.harbor.gc
"""

EXAMPLES = r"""
- name: Keep 30 days of audit logs
  harbor_ops.harbor.purge_audit:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    schedule: Custom
    cron: "0 0 1 * * *"
    retention_hours: 720
    event_types: [create, delete, pull]

- name: Purge pull events older than a week now, and wait for it
  harbor_ops.harbor.purge_audit:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    run_now: true
    retention_hours: 168
    event_types: [pull_artifact]
    wait: true

- name: No scheduled purge any more
  harbor_ops.harbor.purge_audit:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    schedule: None
"""

RETURN = r"""
schedule:
  description: The purge schedule after the change (the predicted one in check mode); empty when there is none.
  returned: when O(schedule) is set
  type: dict
  contains:
    type:
      description: The schedule type.
      type: str
      sample: Custom
    cron:
      description: The 6-field cron expression.
      type: str
      sample: "0 0 1 * * *"
    parameters:
      description:
        - The purge parameters as Harbor stores them; the events are C(include_event_types) (2.13 and later)
          or C(include_operations), a sorted comma-separated string.
      type: dict
      sample: {"audit_retention_hour": 720, "include_event_types": "create_artifact,delete_artifact,pull_artifact"}
execution:
  description: The purge run that was started (or found running), after the wait with O(wait).
  returned: when O(run_now=true), except in check mode when no purge is running
  type: dict
  contains:
    id:
      description: Id of the purge execution.
      type: int
    status:
      description: V(Pending), V(Running), V(Success), V(Error) or V(Stopped).
      type: str
      sample: Success
    trigger:
      description: V(MANUAL) or V(SCHEDULE).
      type: str
    parameters:
      description: The parameters of the run.
      type: dict
    creation_time:
      description: When the run was created.
      type: str
    update_time:
      description: When the run was last updated.
      type: str
log:
  description: The last 20 lines of the purge's log.
  returned: with O(wait=true), when the run has ended
  type: list
  elements: str
already_running:
  description: Whether a purge was already running, so that none was started.
  returned: when O(run_now=true)
  type: bool
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.purge_audit import PurgeAudit


def main():
    PurgeAudit.run_module()


if __name__ == "__main__":
    main()
