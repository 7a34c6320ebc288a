#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: retention_run
short_description: Run the tag retention policy of a Harbor project, or preview it with a dry run
version_added: 0.1.0
description:
  - Starts an execution of the project's retention policy (see M(harbor_ops.harbor.retention_policy)), waits
    for it and returns, per repository, the artifacts that the policy retained and those it deleted - or, in a
    B(dry run, the default), would delete.
  - A dry run deletes nothing. Use it to check a new or changed policy before you give it a schedule.
  - A real run (O(dry_run=false)) deletes the artifacts that no rule retains, at once. Artifacts with an
    immutable tag (M(harbor_ops.harbor.immutable_tag_rule)) are never deleted.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  project:
    description: Name of the project whose retention policy runs. It must have a policy.
    type: str
    required: true
  dry_run:
    description:
      - V(true) only reports what the policy would delete; V(false) deletes it.
    type: bool
    default: true
  wait:
    description:
      - Wait until the execution has finished and return its results. With V(false) the module returns as
        soon as Harbor has accepted the execution.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the execution to finish before the module fails.
    type: int
    default: 600
attributes:
  check_mode:
    details:
      - In check mode no execution is started (starting one is a write request, even a dry run); the module
        reports V(changed) for a real run and nothing for a dry run.
  diff_mode:
    support: none
    details:
      - The results list the deleted artifacts instead of a diff.
notes:
  - >-
    As a system robot this module needs C(project: read), C(tag-retention: read, list, update) on the project (a
    permission entry for that project or for every project, V(*)).
  - V(changed) is true when a real run deleted at least one artifact (or, with O(wait=false), when a real run
    was started). A dry run never reports a change.
  - The retained and deleted artifacts are read from the execution's task logs.
seealso:
  - module: harbor_ops.harbor.retention_policy
  - module: harbor_ops.harbor.retention_policy_info
"""

EXAMPLES = r"""
- name: What would the retention policy of production delete?
  harbor_ops.harbor.retention_run:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
    dry_run: true
  register: preview

- name: Stop if the policy would delete a release tag
  ansible.builtin.assert:
    that: preview.deleted | map(attribute='tags') | flatten | select('match', 'v') | list == []

- name: Apply it now
  harbor_ops.harbor.retention_run:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
    dry_run: false
"""

RETURN = r"""
execution:
  description: The execution as Harbor lists it (empty in check mode).
  returned: always
  type: dict
  sample: {id: 5, policy_id: 7, status: Success, trigger: MANUAL, dry_run: true,
           start_time: "2026-01-02T03:00:00Z", end_time: "2026-01-02T03:00:04Z"}
repositories:
  description: One entry per repository (Harbor's execution task) when O(wait=true).
  returned: always
  type: list
  elements: dict
  contains:
    repository:
      description: Repository name.
      type: str
      sample: production/app
    status:
      description: Status of the task.
      type: str
      sample: Success
    total:
      description: Number of artifacts the task looked at.
      type: int
      sample: 12
    retained:
      description: Number of artifacts it retained.
      type: int
      sample: 10
    retained_artifacts:
      description: The retained artifacts (C(digest), C(tags)).
      type: list
      elements: dict
    deleted_artifacts:
      description: The deleted artifacts, or those a dry run would delete (C(digest), C(tags)).
      type: list
      elements: dict
deleted:
  description: Every deleted artifact (or that a dry run would delete), with its repository, digest and tags.
  returned: always
  type: list
  elements: dict
  sample: [{repository: production/app, digest: "sha256:4f1c...", tags: [feature-x]}]
retained:
  description: Every retained artifact, with its repository, digest and tags.
  returned: always
  type: list
  elements: dict
  sample: [{repository: production/app, digest: "sha256:9a2b...", tags: [v1.2.3]}]
"""

import time

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborAction
from ansible_collections.harbor_ops.harbor.plugins.module_utils._tag_rules import get_retention_policy
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name

# Execution states that are not final yet (Harbor's task manager)
RUNNING_STATES = ("Pending", "Scheduled", "Running", "")
# Both the trigger and the task log endpoints produce text/plain only
TEXT = {"Accept": "text/plain"}
NO_TAG = ("", "-", "<none>", "<untagged>")


def parse_task_log(text):
    """The rows of the table in a retention task log: {"digest", "tags", "retained"} per artifact.

    The log holds one table with the columns Digest, Tag, ..., Retention (RETAIN or DEL); tags are comma-separated.
    """
    header = None
    rows = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if header is None:
            names = [cell.upper() for cell in cells]
            if "DIGEST" in names and "RETENTION" in names:
                header = names
            continue
        if len(cells) != len(header):
            continue
        row = dict(zip(header, cells))
        tags = [tag.strip() for tag in row.get("TAG", "").split(",") if tag.strip() not in NO_TAG]
        rows.append(dict(digest=row["DIGEST"], tags=tags, retained=row["RETENTION"].upper() != "DEL"))
    return rows


class RetentionRun(HarborAction):
    module_args = dict(
        project=dict(type="str", required=True),
        dry_run=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    )

    def validate(self):
        if self.params["wait_timeout"] <= 0:
            return "wait_timeout must be greater than 0, got %d" % self.params["wait_timeout"]
        return check_name(self.params["project"])

    def execute(self):
        project = self.client.require_project(self.params["project"])
        policy, _stale = get_retention_policy(self.client, project)
        if policy is None:
            self.fail("project %s has no retention policy to run; create one with harbor_ops.harbor.retention_policy"
                      % project["name"])
        dry_run = self.params["dry_run"]
        result = dict(changed=False, execution={}, repositories=[], deleted=[], retained=[])
        if self.module.check_mode:
            result["changed"] = not dry_run
            return result
        base = "/retentions/%d/executions" % policy["id"]
        resp = self.client.post(base, dict(dry_run=dry_run), headers=TEXT)
        execution_id = resp.location_id
        if execution_id is None:
            self.fail("Harbor accepted the retention execution but did not say its id (no Location header)")
        if not self.params["wait"]:
            result.update(changed=not dry_run, execution=dict(id=execution_id, policy_id=policy["id"], dry_run=dry_run))
            return result
        execution = self.wait_for(base, execution_id)
        result["execution"] = execution
        for task in self.client.paginate("%s/%d/tasks" % (base, execution_id)):
            log = self.client.get("%s/%d/tasks/%d" % (base, execution_id, task["id"]), headers=TEXT)
            rows = parse_task_log(log if isinstance(log, str) else "")
            repository = task.get("repository")
            entry = dict(repository=repository, status=task.get("status"), total=task.get("total"),
                         retained=task.get("retained"), retained_artifacts=[], deleted_artifacts=[])
            for row in rows:
                artifact = dict(digest=row["digest"], tags=row["tags"])
                entry["retained_artifacts" if row["retained"] else "deleted_artifacts"].append(artifact)
                result["retained" if row["retained"] else "deleted"].append(dict(artifact, repository=repository))
            result["repositories"].append(entry)
        if execution.get("status") != "Success":
            self.fail("retention execution %d of project %s ended with status %s"
                      % (execution_id, project["name"], execution.get("status")), **result)
        result["changed"] = not dry_run and bool(result["deleted"])
        return result

    def wait_for(self, base, execution_id):
        deadline = time.time() + self.params["wait_timeout"]
        delay = 0.5
        while True:
            execution = next((e for e in self.client.paginate(base) if e.get("id") == execution_id), None)
            if execution is None:
                self.fail("retention execution %d is not listed by Harbor" % execution_id)
            if execution.get("status") not in RUNNING_STATES:
                return execution
            if time.time() + delay > deadline:
                self.fail("retention execution %d still %s after %d seconds"
                          % (execution_id, execution.get("status"), self.params["wait_timeout"]), execution=execution)
            time.sleep(delay)
            delay = min(delay * 2, 10)


def main():
    RetentionRun.run_module()


if __name__ == "__main__":
    main()
