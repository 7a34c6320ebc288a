#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: retention_policy
short_description: Manage the tag retention policy of a Harbor project
version_added: 0.1.0
description:
  - Create, update and delete the tag retention policy of a Harbor project. A project has at most one policy,
    linked through the project's C(metadata.retention_id); the module finds it there and creates it with
    C(POST /retentions) or updates it with C(PUT /retentions/{id}).
  - B(Retention keeps what the rules select and deletes everything else) in the repositories that the rules
    select. Preview a policy with M(harbor_ops.harbor.retention_run) (O(harbor_ops.harbor.retention_run#module:dry_run=true))
    while its O(schedule) is still empty, before you schedule it.
  - Templates and their parameter are checked by the module before any request. Harbor itself accepts an
    unknown template or a misnamed parameter and only fails when the policy runs.
  - The policy's scope is the project's own id, read from Harbor.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  project:
    description:
      - Name of the project whose policy is managed. The project must exist.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the policy, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  rules:
    description:
      - The retention rules, at most 15. Their order is kept and compared (it is Harbor's priority order).
      - An artifact is kept when at least one enabled rule keeps it; every other artifact in the
        repositories that the rules select is deleted.
      - Two identical rules are refused. When not set, the rules of an existing policy are left as they are
        (a new policy gets none).
    type: list
    elements: dict
    suboptions:
      template:
        description:
          - What the rule keeps. V(latestPushedK) the O(rules[].count) most recently pushed artifacts,
            V(latestPulledN) the O(rules[].count) most recently pulled, V(latestActiveK) the O(rules[].count)
            most recently pushed or pulled, V(nDaysSinceLastPush) those pushed within the last O(rules[].days) days,
            V(nDaysSinceLastPull) those pulled within the last O(rules[].days) days, V(lastXDays) those
            created within the last O(rules[].days) days, V(always) all of them.
          - V(latestActiveK) and V(lastXDays) work in Harbor but are not offered by Harbor's UI.
        type: str
        required: true
        choices: [always, lastXDays, latestActiveK, latestPulledN, latestPushedK, nDaysSinceLastPull, nDaysSinceLastPush]
      count:
        description:
          - Number of artifacts kept by V(latestPushedK), V(latestPulledN) and V(latestActiveK); greater than 0.
          - 'Sent as the parameter named like the template, for example C(params: {latestPushedK: 10}).'
        type: int
      days:
        description:
          - Number of days of V(nDaysSinceLastPush), V(nDaysSinceLastPull) and V(lastXDays); greater than 0.
        type: int
      params:
        description:
          - >-
            Harbor's raw parameters, instead of O(rules[].count) or O(rules[].days), for example
            C({"nDaysSinceLastPush": 7}). The only key allowed is the template id; anything else is refused.
        type: dict
      tags:
        description:
          - Doublestar pattern of the tags the rule applies to, for example V(v*), V(main-*), V({v1,v2}*) or V(**).
        type: str
        default: '**'
      tag_decoration:
        description:
          - V(matches) applies the rule to artifacts that have a tag matching O(rules[].tags);
            V(excludes) to artifacts that have a tag not matching it.
        type: str
        choices: [matches, excludes]
        default: matches
      untagged:
        description:
          - Apply the rule to untagged artifacts too (Harbor's "untagged artifacts" check box).
        type: bool
        default: true
      repositories:
        description:
          - Doublestar pattern of the repositories (names inside the project) the rule applies to.
        type: str
        default: '**'
      repository_decoration:
        description:
          - V(matches) selects the repositories that match O(rules[].repositories), V(excludes) the others.
        type: str
        choices: [matches, excludes]
        default: matches
      disabled:
        description: A disabled rule is kept in the policy but not applied.
        type: bool
        default: false
  schedule:
    description:
      - When the policy runs, as Harbor's 6-field cron (seconds first, and 0), for example V(0 0 3 * * *) for 03:00
        every night. A 5-field cron is refused.
      - An empty string means manual runs only. When not set, an existing policy keeps its schedule and a new
        one is created for manual runs only.
    type: str
notes:
  - >-
    As a system robot this module needs C(project: read), C(tag-retention: read, create, update, delete),
    C(metadata: delete) on the project (a permission entry for that project or for every project, V(*)); C(metadata:
    delete) is used on Harbor 2.10 to 2.13 only.
  - On Harbor 2.10 to 2.13, deleting a policy leaves a stale C(retention_id) in the project, which makes Harbor
    refuse a new policy. The module removes that link after deleting, and removes a stale link left by others
    before creating.
seealso:
  - module: harbor_ops.harbor.retention_run
  - module: harbor_ops.harbor.retention_policy_info
  - module: harbor_ops.harbor.immutable_tag_rule
"""

EXAMPLES = r"""
- name: Tag retention for production, previewed before it is scheduled
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  vars:
    production_retention_rules:
      - template: latestPushedK      # keep the 10 most recently pushed v* tags
        count: 10
        tags: "v*"
        repositories: "**"
      - template: nDaysSinceLastPush # keep main-* tags pushed in the last 7 days
        days: 7
        tags: "main-*"
  tasks:
    - name: Store the policy without a schedule (manual runs only)
      harbor_ops.harbor.retention_policy:
        project: production
        rules: "{{ production_retention_rules }}"
        schedule: ""

    - name: Dry run - what would the policy delete?
      harbor_ops.harbor.retention_run:
        project: production
        dry_run: true
      register: preview

    - name: Show the candidates for deletion
      ansible.builtin.debug:
        msg: "{{ preview.deleted | map(attribute='tags') | list }}"

    - name: Schedule it nightly at 03:00 once the preview is right
      harbor_ops.harbor.retention_policy:
        project: production
        rules: "{{ production_retention_rules }}"
        schedule: "0 0 3 * * *"

    - name: Keep every artifact of staging pulled in the last 30 days, the raw Harbor way
      harbor_ops.harbor.retention_policy:
        project: staging
        rules:
          - template: nDaysSinceLastPull
            params: {nDaysSinceLastPull: 30}
            untagged: false

    - name: Remove the policy of a project
      harbor_ops.harbor.retention_policy:
        project: development
        state: absent
"""

RETURN = r"""
retention_policy:
  description:
    - The policy as Harbor returns it after the change (the predicted policy in check mode); empty after deletion.
    - Rules are shown without the C(id) and C(priority) that Harbor adds; their order is the policy's order.
  returned: always
  type: dict
  contains:
    id:
      description: Policy id (the project's C(metadata.retention_id)).
      type: int
      sample: 7
    algorithm:
      description: Always V(or) - an artifact is kept if any rule keeps it.
      type: str
      sample: or
    rules:
      description: The rules in Harbor's shape.
      type: list
      elements: dict
      sample:
        - disabled: false
          action: retain
          template: latestPushedK
          params: {latestPushedK: 10}
          tag_selectors: [{kind: doublestar, decoration: matches, pattern: "v*", extras: '{"untagged":true}'}]
          scope_selectors: {repository: [{kind: doublestar, decoration: repoMatches, pattern: "**"}]}
    trigger:
      description: When the policy runs; C(settings.cron) is empty for manual runs only.
      type: dict
      sample: {kind: Schedule, settings: {cron: "0 0 3 * * *"}}
    scope:
      description: The project the policy belongs to (C(ref) is the project id).
      type: dict
      sample: {level: project, ref: 12}
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.retention_policy import RetentionPolicy


def main():
    RetentionPolicy.run_module()


if __name__ == "__main__":
    main()
