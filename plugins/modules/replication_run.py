#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: replication_run
short_description: Run a Harbor replication policy now and report the result
version_added: 0.1.0
description:
  - Start an execution of a replication policy (like "Replicate" in Harbor's web UI), optionally wait for it to end,
    and report its result with the failed tasks and the end of their logs.
  - Fails when the execution fails or is stopped, unless O(fail_on_error=false).
  - Every run starts a new execution, so the task always reports a change (also in check mode, where nothing is
    started).
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  policy:
    description: Name of the replication policy (see M(harbor_ops.harbor.replication_policy)).
    type: str
    required: true
    aliases: [name]
  wait:
    description:
      - Wait until the execution has ended, polling every O(poll_interval) seconds for at most O(wait_timeout)
        seconds. Without waiting, the module returns the execution as it is right after the start.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the end of the execution. The module fails when it is still running then; the
        execution itself goes on in Harbor.
    type: int
    default: 1800
  poll_interval:
    description: Seconds between two reads of the execution's status.
    type: float
    default: 5
  fail_on_error:
    description:
      - Fail the task when the execution ends V(Failed) or V(Stopped). With V(false) the result is only reported.
    type: bool
    default: true
  max_failed_tasks:
    description: How many failed tasks are reported (with their logs) at most.
    type: int
    default: 10
  log_lines:
    description: How many lines from the end of each failed task's log are reported; V(0) reads no logs.
    type: int
    default: 20
attributes:
  check_mode:
    details:
      - In check mode the policy is looked up and nothing is started; the task reports a change.
  diff_mode:
    support: none
notes:
  - >-
    As a system robot this module needs the system permissions C(replication-policy: list), C(replication: read,
    list, create).
  - A user account must be a Harbor system administrator.
seealso:
  - module: harbor_ops.harbor.replication_policy
"""

EXAMPLES = r"""
- name: Replicate in a release pipeline
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    - name: Push the release to ECR now and wait for it (fails the pipeline if a copy fails)
      harbor_ops.harbor.replication_run:
        policy: sync-to-ecr
        wait_timeout: 900
        poll_interval: 10
      register: replication

    - name: Report what was copied
      ansible.builtin.debug:
        msg: "{{ replication.execution.succeed }} of {{ replication.execution.total }} artifacts replicated"

    - name: Refresh the base images, report failures without failing
      harbor_ops.harbor.replication_run:
        policy: dockerhub-base-images
        fail_on_error: false
      register: base_images

    - name: Show the log tail of each failed copy
      ansible.builtin.debug:
        msg: "{{ item.src_resource }}: {{ item.log_tail | join('\n') }}"
      loop: "{{ base_images.failed_tasks }}"

    - name: Start a long replication and do not wait
      harbor_ops.harbor.replication_run:
        policy: nightly-full-copy
        wait: false
"""

RETURN = r"""
policy_id:
  description: Id of the policy.
  returned: always
  type: int
  sample: 5
execution:
  description: The execution as Harbor reports it after the wait (right after the start without O(wait)); empty in
    check mode.
  returned: always
  type: dict
  contains:
    id:
      description: Execution id.
      type: int
      sample: 42
    status:
      description: V(InProgress), V(Succeed), V(Failed) or V(Stopped).
      type: str
      sample: Succeed
    status_text:
      description: Harbor's explanation of the status.
      type: str
      sample: ""
    trigger:
      description: What started it; V(manual) here.
      type: str
      sample: manual
    total:
      description: Number of tasks (one per copied or deleted resource).
      type: int
      sample: 3
    succeed:
      description: Tasks that succeeded.
      type: int
      sample: 3
    failed:
      description: Tasks that failed.
      type: int
      sample: 0
    in_progress:
      description: Tasks still running.
      type: int
      sample: 0
    stopped:
      description: Tasks that were stopped.
      type: int
      sample: 0
    start_time:
      description: Start time.
      type: str
      sample: "2024-05-01T10:00:00.000Z"
    end_time:
      description: End time, once it ended.
      type: str
      sample: "2024-05-01T10:00:42.000Z"
failed_tasks:
  description: The failed tasks (at most O(max_failed_tasks)), each with the end of its log.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Task id.
      type: int
    status:
      description: Task status.
      type: str
    operation:
      description: What the task did, for example V(copy) or V(deletion).
      type: str
    resource_type:
      description: V(image) or V(artifact).
      type: str
    src_resource:
      description: Source repository and tags.
      type: str
    dst_resource:
      description: Destination repository and tags.
      type: str
    log_tail:
      description: The last O(log_lines) lines of the task's log; V(null) when Harbor has no log for it.
      type: list
      elements: str
"""

import time

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError, exact_query
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborAction

# Harbor reports executions as InProgress/Succeed/Failed/Stopped; the job service's own words are accepted too.
RUNNING = ("InProgress", "Running", "Pending", "Scheduled")
FAILED = ("Failed", "Error")
STOPPED = ("Stopped",)


class ReplicationRun(HarborAction):
    module_args = dict(
        policy=dict(type="str", required=True, aliases=["name"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        poll_interval=dict(type="float", default=5),
        fail_on_error=dict(type="bool", default=True),
        max_failed_tasks=dict(type="int", default=10),
        log_lines=dict(type="int", default=20),
    )

    def validate(self):
        params = self.params
        if not params["policy"].strip():
            return "policy must name a replication policy"
        if params["wait_timeout"] <= 0:
            return "wait_timeout must be a positive number of seconds, got %d" % params["wait_timeout"]
        if params["poll_interval"] <= 0:
            return "poll_interval must be a positive number of seconds, got %s" % params["poll_interval"]
        for option in ("max_failed_tasks", "log_lines"):
            if params[option] < 0:
                return "%s must be 0 or more, got %d" % (option, params[option])
        return None

    def execute(self):
        name = self.params["policy"]
        policy = self.client.find_by_name("/replication/policies", name, filters=exact_query(name))
        if policy is None:
            self.fail("replication policy %r does not exist in Harbor at %s" % (name, self.client.base_url))
        result = dict(changed=True, policy_id=policy["id"], execution={}, failed_tasks=[])
        if self.module.check_mode:
            return result
        resp = self.client.post("/replication/executions", dict(policy_id=policy["id"]), ok=(201,))
        execution_id = resp.location_id
        if execution_id is None:
            self.fail("Harbor started replication policy %s but did not say which execution (no Location header)"
                      % name, **result)
        path = "/replication/executions/%d" % execution_id
        execution = self.client.get(path)
        if self.params["wait"]:
            deadline = time.monotonic() + self.params["wait_timeout"]
            while execution.get("status") in RUNNING:
                if time.monotonic() >= deadline:
                    result["execution"] = execution
                    self.fail("execution %d of replication policy %s is still %s after %d seconds (it goes on in "
                              "Harbor): %s" % (execution_id, name, execution.get("status"), self.params["wait_timeout"],
                                               self.counts(execution)), **result)
                time.sleep(self.params["poll_interval"])
                execution = self.client.get(path)
        result["execution"] = execution
        if execution.get("failed") or execution.get("status") in FAILED:
            result["failed_tasks"] = self.failed_tasks(execution_id)
        status = execution.get("status")
        if self.params["fail_on_error"] and status in FAILED + STOPPED:
            self.fail(self.failure_message(name, execution, result["failed_tasks"]), **result)
        return result

    @staticmethod
    def counts(execution):
        return "%s of %s tasks succeeded, %s failed, %s in progress, %s stopped" % tuple(
            execution.get(key, 0) for key in ("succeed", "total", "failed", "in_progress", "stopped"))

    def failure_message(self, name, execution, failed_tasks):
        message = "execution %d of replication policy %s ended %s: %s" % (
            execution["id"], name, execution.get("status"), self.counts(execution))
        if execution.get("status_text"):
            message += " (%s)" % execution["status_text"]
        if failed_tasks:
            first = failed_tasks[0]
            message += "; first failed task: %s -> %s" % (first.get("src_resource"), first.get("dst_resource"))
            if first.get("log_tail"):
                message += ": %s" % first["log_tail"][-1]
        return message

    def failed_tasks(self, execution_id):
        path = "/replication/executions/%d/tasks" % execution_id
        tasks = [task for task in self.client.paginate(path) if task.get("status") in FAILED]
        reported = []
        for task in tasks[:self.params["max_failed_tasks"]]:
            task = dict(task, log_tail=None)
            if self.params["log_lines"]:
                task["log_tail"] = self.log_tail(path, task["id"])
            reported.append(task)
        return reported

    def log_tail(self, tasks_path, task_id):
        try:
            text = self.client.get("%s/%d/log" % (tasks_path, task_id), headers={"Accept": "text/plain"},
                                   missing_ok=True)
        except HarborError:
            return None
        if text is None:
            return None
        lines = str(text).splitlines()
        return lines[-self.params["log_lines"]:]


def main():
    ReplicationRun.run_module()


if __name__ == "__main__":
    main()
