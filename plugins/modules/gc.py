#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: gc
short_description: Schedule and run Harbor's garbage collection
version_added: 0.1.0
description:
  - Manage the schedule of Harbor's garbage collection (GC) and its parameters, and run a GC now.
  - GC deletes the blobs that no artifact references any more and frees their disk space. Tag retention and
    deleting artifacts only unlink them; run GC after them (for example an hour after the retention schedule)
    to reclaim the space.
  - The schedule is compared with Harbor's and written only when it differs (with PUT, which creates, replaces
    or removes it). The parameters you do not set keep their current values.
  - Harbor starts a second manual GC even while one is running (it is queued behind it). This module looks at
    the latest GC first and does not start another one while one is running; it reports that instead.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  schedule:
    description:
      - When GC runs. V(None) removes the schedule; V(Custom) needs O(cron).
      - V(Hourly), V(Daily) and V(Weekly) use the crons of Harbor's web UI (V(0 0 * * * *), V(0 0 0 * * *) and
        V(0 0 0 * * 0), that is every hour, every day at 00:00 and every Sunday at 00:00 in the time zone of
        Harbor's server) unless O(cron) is set; Harbor stores the type only as a label.
      - Not set, the schedule is not managed.
    type: str
    choices: [None, Hourly, Daily, Weekly, Custom]
  cron:
    description:
      - Harbor's 6-field cron expression, seconds first (the seconds must be V(0)), for example
        V(0 0 4 * * *) for 04:00 every day. A 5-field crontab line is refused.
    type: str
  delete_untagged:
    description: Also delete artifacts that have no tag.
    type: bool
  workers:
    description:
      - Number of GC workers, 1 to 10 (Harbor 2.13 and later) or 1 to 5 (before 2.13).
    type: int
  dry_run:
    description: Only count what GC would delete and free; delete nothing.
    type: bool
  delete_tag:
    description:
      - The GC parameter C(delete_tag) of Harbor 2.15. Needs Harbor 2.15 or later (older versions would
        silently ignore it, so it is refused there).
    type: bool
  run_now:
    description:
      - Start a GC now (Harbor's "GC now"), with O(delete_untagged), O(workers), O(dry_run) and O(delete_tag).
      - Nothing is started while a GC is running; the module reports RV(already_running) (or fails with
        O(fail_if_running)).
      - The parameters O(delete_untagged), O(workers), O(dry_run) and O(delete_tag) apply to the run and, when
        O(schedule) is set, to the schedule. Without O(run_now) they need O(schedule).
    type: bool
    default: false
  wait:
    description:
      - Wait until the GC started by O(run_now) (or the one found running) has ended, and return its status,
        the space it freed and the end of its log. The module fails when the GC ends with an error.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait). The module fails when the GC is still running then (GC goes on in Harbor).
      - V(0) looks once.
    type: int
    default: 3600
  fail_if_running:
    description: With O(run_now), fail instead of reporting when a GC is already running.
    type: bool
    default: false
notes:
  - >-
    As a system robot this module needs the system permissions C(garbage-collection: read, list, create, update).
seealso:
  - module: harbor_ops.harbor.purge_audit
  - module: harbor_ops.harbor.retention_policy
  - name: Harbor garbage collection
    description: Harbor's documentation of garbage collection.
    link: https://goharbor.io/docs/latest/administration/garbage-collection/
"""

EXAMPLES = r"""
- name: Harbor housekeeping
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    # The retention policies run at 03:00 (cron "0 0 3 * * *"); retention only unlinks tags,
    # so GC runs nightly one hour later to free the disk space.
    - name: Nightly GC at 04:00, after the retention run
      harbor_ops.harbor.gc:
        schedule: Custom
        cron: "0 0 4 * * *"
        delete_untagged: true
        workers: 2

    - name: GC now (the seed guide's manual trigger), wait for it and show what it freed
      harbor_ops.harbor.gc:
        run_now: true
        delete_untagged: true
        wait: true
        wait_timeout: 1800
      register: gc_run

    - name: Report the freed space
      ansible.builtin.debug:
        msg: "GC {{ gc_run.execution.status }}: {{ gc_run.freed_bytes | human_readable }} freed"

    - name: See what GC would free, without deleting anything
      harbor_ops.harbor.gc:
        run_now: true
        dry_run: true
        delete_untagged: true
        wait: true

    - name: No scheduled GC any more
      harbor_ops.harbor.gc:
        schedule: None
"""

RETURN = r"""
schedule:
  description:
    - The GC schedule after the change (the predicted one in check mode); empty when there is none.
  returned: when O(schedule) is set
  type: dict
  contains:
    type:
      description: The schedule type (a label; the cron decides).
      type: str
      sample: Custom
    cron:
      description: The 6-field cron expression.
      type: str
      sample: "0 0 4 * * *"
    parameters:
      description: The GC parameters of the schedule (without the keys Harbor's server adds for itself).
      type: dict
      sample: {"delete_untagged": true, "workers": 2, "dry_run": false}
execution:
  description: The GC run that was started (or that was found running), after the wait with O(wait).
  returned: when O(run_now=true), except in check mode when no GC is running
  type: dict
  contains:
    id:
      description: Id of the GC execution.
      type: int
      sample: 42
    status:
      description: V(Pending), V(Running), V(Success), V(Error) or V(Stopped).
      type: str
      sample: Success
    trigger:
      description: V(MANUAL) or V(SCHEDULE).
      type: str
      sample: MANUAL
    parameters:
      description: The parameters of the run; after the end also its results as Harbor records them
        (C(freed_space) in bytes, C(purged_blobs), C(purged_manifests)).
      type: dict
      sample: {"delete_untagged": true, "dry_run": false, "freed_space": 1048576}
    creation_time:
      description: When the run was created.
      type: str
    update_time:
      description: When the run was last updated.
      type: str
freed_bytes:
  description:
    - Bytes the GC freed (with O(dry_run), the bytes it would free), as Harbor records them for the run.
  returned: when the run has ended and Harbor recorded it
  type: int
  sample: 1048576
log:
  description: The last 20 lines of the GC's log.
  returned: with O(wait=true), when the run has ended
  type: list
  elements: str
already_running:
  description: Whether a GC was already running, so that none was started.
  returned: when O(run_now=true)
  type: bool
  sample: false
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.gc import Gc


def main():
    Gc.run_module()


if __name__ == "__main__":
    main()
