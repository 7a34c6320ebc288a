#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: scan_all
short_description: Schedule and run Harbor's vulnerability scan of all artifacts
version_added: 0.1.0
description:
  - Manage the schedule of Harbor's "scan all" (every artifact is scanned again with the current vulnerability
    database), and start a scan of all artifacts now.
  - Harbor needs a default scanner for this (see M(harbor_ops.harbor.scanner)); without one the module fails
    with a clear message. Harbor installed with Trivy has one.
  - The schedule is compared with Harbor's and written only when it differs, with PUT (Harbor refuses to
    create a schedule with POST while one exists).
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  schedule:
    description:
      - When the scan of all artifacts runs. V(None) removes the schedule; V(Custom) needs O(cron).
      - V(Hourly), V(Daily) and V(Weekly) use the crons of Harbor's web UI (V(0 0 * * * *), V(0 0 0 * * *) and
        V(0 0 0 * * 0)) unless O(cron) is set. Not set, the schedule is not managed.
    type: str
    choices: [None, Hourly, Daily, Weekly, Custom]
  cron:
    description:
      - Harbor's 6-field cron expression, seconds first (the seconds must be V(0)), for example
        V(0 0 2 * * 6) for Saturdays at 02:00.
    type: str
  run_now:
    description:
      - Start a scan of all artifacts now.
      - Harbor refuses a second one while one is running; the module then reports RV(already_running) instead
        of failing, unless O(fail_if_running=true).
    type: bool
    default: false
  wait:
    description: Wait until the scan of all artifacts has ended and return its RV(metrics).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait); the module fails when the scan is still running then. V(0) looks once.
    type: int
    default: 3600
  fail_if_running:
    description: With O(run_now), fail instead of reporting when a scan of all artifacts is already running.
    type: bool
    default: false
notes:
  - >-
    As a system robot this module needs the system permissions C(scan-all: read, create, update).
seealso:
  - module: harbor_ops.harbor.scanner
  - module: harbor_ops.harbor.scan
"""

EXAMPLES = r"""
- name: Rescan every image weekly (Sundays at 00:00, Harbor's "Weekly")
  harbor_ops.harbor.scan_all:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    schedule: Weekly

- name: Rescan everything now after a vulnerability database update, and wait for it
  harbor_ops.harbor.scan_all:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    run_now: true
    wait: true
    wait_timeout: 7200
  register: scan_all

- name: Show the outcome
  ansible.builtin.debug:
    msg: "{{ scan_all.metrics.completed }} of {{ scan_all.metrics.total }} artifacts scanned"
"""

RETURN = r"""
schedule:
  description: The scan-all schedule after the change (the predicted one in check mode); empty when there is none.
  returned: when O(schedule) is set
  type: dict
  contains:
    type:
      description: The schedule type.
      type: str
      sample: Weekly
    cron:
      description: The 6-field cron expression.
      type: str
      sample: "0 0 0 * * 0"
metrics:
  description: Harbor's metrics of the latest scan of all artifacts (after the wait with O(wait)).
  returned: when O(run_now=true), except in check mode when none is running
  type: dict
  contains:
    total:
      description: Number of scans the run started.
      type: int
      sample: 120
    completed:
      description: Number of scans that have ended.
      type: int
      sample: 120
    metrics:
      description: Number of scans per status.
      type: dict
      sample: {"Success": 118, "Error": 2}
    ongoing:
      description: Whether the run is still going on.
      type: bool
      sample: false
    trigger:
      description: V(Manual), V(Schedule) or V(Event).
      type: str
      sample: Manual
already_running:
  description: Whether a scan of all artifacts was already running, so that none was started.
  returned: when O(run_now=true)
  type: bool
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.scan_all import ScanAll


def main():
    ScanAll.run_module()


if __name__ == "__main__":
    main()
