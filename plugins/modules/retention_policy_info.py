#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: retention_policy_info
short_description: Read the tag retention policy of a Harbor project and its recent executions
version_added: 0.1.0
description:
  - Returns the retention policy of a project in the readable form of M(harbor_ops.harbor.retention_policy)'s
    options (template with O(harbor_ops.harbor.retention_policy#module:rules[].count) or
    O(harbor_ops.harbor.retention_policy#module:rules[].days), tag and repository patterns, schedule), and its
    most recent executions.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.info_attributes
options:
  project:
    description: Name of the project. It must exist.
    type: str
    required: true
  executions:
    description: How many of the most recent executions to return (newest first); V(0) for none.
    type: int
    default: 10
seealso:
  - module: harbor_ops.harbor.retention_policy
  - module: harbor_ops.harbor.retention_run
"""

EXAMPLES = r"""
- name: Read the retention policy of production
  harbor_ops.harbor.retention_policy_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
  register: retention

- name: Fail when the last run did not succeed
  ansible.builtin.assert:
    that: retention.executions == [] or retention.executions[0].status == 'Success'
"""

RETURN = r"""
retention_policy:
  description:
    - The policy in the option shape of M(harbor_ops.harbor.retention_policy) (C(project), C(rules), C(schedule)), to be
      fed back to that module unchanged; empty when the project has none. Before this release it was called C(policy).
  returned: always
  type: dict
  contains:
    project:
      description: Project name.
      type: str
      sample: production
    schedule:
      description: 6-field cron of the scheduled runs; empty for manual runs only.
      type: str
      sample: "0 0 3 * * *"
    rules:
      description:
        - The rules in priority order, as the module's O(harbor_ops.harbor.retention_policy#module:rules) take them;
          keys with the module's default value are left out.
      type: list
      elements: dict
      sample:
        - template: latestPushedK
          count: 10
          tags: "v*"
raw:
  description:
    - The same policy read back readably with what Harbor adds (C(id), C(project_id), each rule with its C(params) and
      every selector); empty when the project has none.
  returned: always
  type: dict
  sample:
    id: 7
    project: production
    project_id: 12
    schedule: "0 0 3 * * *"
    rules:
      - {template: latestPushedK, count: 10, params: {latestPushedK: 10}, tags: "v*", tag_decoration: matches,
         untagged: true, repositories: "**", repository_decoration: matches, disabled: false}
executions:
  description: The most recent executions, newest first, as Harbor lists them.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 5, policy_id: 7, status: Success, trigger: SCHEDULE, dry_run: false,
       start_time: "2026-01-02T03:00:00Z", end_time: "2026-01-02T03:00:04Z"}
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._export import Exporter
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborInfo
from ansible_collections.harbor_ops.harbor.plugins.module_utils._tag_rules import (
    get_retention_policy,
    readable_retention_rule,
    schedule_of,
)
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name


class RetentionPolicyInfo(HarborInfo):
    module_args = dict(
        project=dict(type="str", required=True),
        executions=dict(type="int", default=10),
    )

    def validate(self):
        if self.params["executions"] < 0 or self.params["executions"] > 100:
            return "executions must be between 0 and 100, got %d" % self.params["executions"]
        return check_name(self.params["project"])

    def gather(self):
        project = self.client.require_project(self.params["project"])
        policy, _stale = get_retention_policy(self.client, project)
        if policy is None:
            return dict(retention_policy={}, raw={}, executions=[])
        readable = dict(id=policy.get("id"), project=project["name"], project_id=project["project_id"],
                        schedule=schedule_of(policy), rules=[readable_retention_rule(r) for r in policy.get("rules") or []])
        executions = []
        if self.params["executions"]:
            executions = self.client.get("/retentions/%d/executions" % policy["id"],
                                         params=dict(page=1, page_size=self.params["executions"])) or []
            executions = sorted(executions, key=lambda e: e.get("id") or 0, reverse=True)
        options = Exporter(self.client, vault_prefix=None).retention_policy_item(project, policy)
        return dict(retention_policy=options, raw=readable, executions=executions)


def main():
    RetentionPolicyInfo.run_module()


if __name__ == "__main__":
    main()
