#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: immutable_tag_rule
short_description: Manage tag immutability rules of a Harbor project
version_added: 0.1.0
description:
  - Create, enable, disable and delete a tag immutability rule of a Harbor project. A tag that an enabled rule
    selects can neither be overwritten by a push nor deleted (Harbor answers 412), not even by tag retention.
  - B(A rule is identified by its selectors), O(tags), O(tag_decoration), O(repositories) and
    O(repository_decoration) - Harbor refuses two identical rules. The module finds "the same rule" again by
    them; the only property it can then change is O(disabled). To change a pattern, delete the old rule
    (O(state=absent) with the old selectors) and create the new one.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  project:
    description: Name of the project. It must exist.
    type: str
    required: true
  state:
    description: V(present) creates or updates the rule, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  tags:
    description: Doublestar pattern of the tags, for example V(v*), V({v1,v2}.*) or V(**).
    type: str
    required: true
  tag_decoration:
    description: V(matches) makes the tags that match O(tags) immutable, V(excludes) those that do not.
    type: str
    choices: [matches, excludes]
    default: matches
  repositories:
    description: Doublestar pattern of the repositories (names inside the project).
    type: str
    default: '**'
  repository_decoration:
    description: V(matches) applies the rule to the repositories matching O(repositories), V(excludes) to the others.
    type: str
    choices: [matches, excludes]
    default: matches
  disabled:
    description: A disabled rule is kept but not enforced.
    type: bool
    default: false
notes:
  - >-
    As a system robot this module needs C(project: read), C(immutable-tag: list, create, update, delete) on the
    project (a permission entry for that project or for every project, V(*)).
seealso:
  - module: harbor_ops.harbor.retention_policy
"""

EXAMPLES = r"""
- name: Release tags of production can never be overwritten or deleted
  harbor_ops.harbor.immutable_tag_rule:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
    tags: "v*"
    repositories: "**"

- name: Suspend the rule for a migration (the same selectors find the same rule)
  harbor_ops.harbor.immutable_tag_rule:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
    tags: "v*"
    disabled: true

- name: Remove the rule
  harbor_ops.harbor.immutable_tag_rule:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
    tags: "v*"
    state: absent
"""

RETURN = r"""
immutable_tag_rule:
  description: The rule as Harbor returns it after the change (the predicted rule in check mode); empty after deletion.
  returned: always
  type: dict
  contains:
    id:
      description: Rule id.
      type: int
      sample: 4
    disabled:
      description: Whether the rule is disabled.
      type: bool
      sample: false
    action:
      description: Always V(immutable).
      type: str
    template:
      description: Always V(immutable_template).
      type: str
    tag_selectors:
      description: The tag selector.
      type: list
      elements: dict
      sample: [{kind: doublestar, decoration: matches, pattern: "v*"}]
    scope_selectors:
      description: The repository selector.
      type: dict
      sample: {repository: [{kind: doublestar, decoration: repoMatches, pattern: "**"}]}
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.immutable_tag_rule import ImmutableTagRule


def main():
    ImmutableTagRule.run_module()


if __name__ == "__main__":
    main()
