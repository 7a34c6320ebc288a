# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The retention_policy resource (manage the tag retention policy of a Harbor project).

Shared by the module harbor_ops.harbor.retention_policy and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import PROJECT_NAME_HEADER, HarborError, quote_path
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource, differences, merge
from ansible_collections.harbor_ops.harbor.plugins.module_utils._tag_rules import (
    RETENTION_RULE_OPTIONS,
    get_retention_policy,
    normalize_retention_rule,
    retention_rules,
    retention_trigger,
    schedule_of,
)
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_cron, check_name


class RetentionPolicy(HarborResource):
    result_key = "retention_policy"
    module_args = dict(
        project=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        rules=dict(type="list", elements="dict", options=RETENTION_RULE_OPTIONS),
        schedule=dict(type="str"),
    )

    project = None
    stale_id = None

    def validate(self):
        problem = check_name(self.params["project"])
        if problem:
            return problem
        if self.params["schedule"]:
            problem = check_cron(self.params["schedule"], "schedule")
            if problem:
                return problem
        if self.params["rules"] is not None:
            self.api_rules, problem = retention_rules(self.params["rules"])
            return problem
        return None

    def find(self):
        self.project = self.client.get_project(self.params["project"])
        if self.project is None:
            if self.params["state"] == "present":
                self.missing_reference("project", self.params["project"])
            return None
        policy, self.stale_id = get_retention_policy(self.client, self.project)
        if policy is None:
            return None
        return dict(id=policy.get("id"), algorithm=policy.get("algorithm"),
                    rules=[normalize_retention_rule(rule) for rule in policy.get("rules") or []],
                    trigger=retention_trigger(schedule_of(policy)), scope=policy.get("scope"))

    def desired(self):
        # a project that an earlier task of a check-mode run creates has no id yet
        desired = dict(algorithm="or", scope=dict(level="project", ref=(self.project or {}).get("project_id")))
        if self.params["rules"] is not None:
            desired["rules"] = self.api_rules
        if self.params["schedule"] is not None:
            desired["trigger"] = retention_trigger(self.params["schedule"])
        return desired

    @property
    def metadata_path(self):
        return "/projects/%s/metadatas/retention_id" % quote_path(self.params["project"])

    def create(self, desired):
        if self.stale_id is not None:
            # errata E10: Harbor 2.10-2.13 refuse a new policy while the project links a deleted one
            self.client.delete(self.metadata_path, headers=PROJECT_NAME_HEADER)
        body = dict(algorithm="or", rules=desired.get("rules", []),
                    trigger=desired.get("trigger", retention_trigger("")), scope=desired["scope"])
        try:
            return self.client.create("/retentions", body, find=self.find)
        except HarborError as exc:
            # a project holds one policy; Harbor's answer when another run linked one since our read (a 400, where
            # other objects answer 409): adopt that policy and make it what this task declares
            if exc.status != 400 or "already has retention policy" not in exc.message:
                raise
            current = self.find()
            if current is None or self.stale_id is not None:
                raise
        changes = differences(desired, current)
        return self.update(current, changes) if changes else current

    def update(self, current, changes):
        # PUT replaces the whole policy: the current one with the changes applied, always with a full trigger
        policy = merge(current, changes)
        body = dict(id=current["id"], algorithm="or", rules=policy["rules"], trigger=retention_trigger(schedule_of(policy)),
                    scope=dict(level="project", ref=self.project["project_id"]))
        self.client.put("/retentions/%d" % current["id"], body)
        return self.find()

    def delete(self, current):
        self.client.delete("/retentions/%d" % current["id"])
        if self.client.version < (2, 14):
            # errata E10: before 2.14 the project keeps the retention_id of the deleted policy
            self.client.delete(self.metadata_path, headers=PROJECT_NAME_HEADER)
