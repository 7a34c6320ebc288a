#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: label
short_description: Manage Harbor labels
version_added: 0.1.0
description:
  - Create, update and delete the labels that can be put on artifacts - system labels, usable in every project,
    or labels of one project.
  - Only the options you set are compared and changed.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  name:
    description: Label name, unique among the system labels or within the project.
    type: str
    required: true
  project:
    description:
      - Name of the project that the label belongs to. Without it, the label is a system label.
    type: str
    aliases: [project_name]
  description:
    description: Description of the label.
    type: str
  color:
    description:
      - Colour of the label as C(#RRGGBB), for example V(#C92100). Case does not matter.
    type: str
  state:
    description: V(present) creates or updates the label, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - >-
    As a system robot this module needs the system permissions C(label: create, update, delete); a project label
    needs C(project: read) and C(label: list, create, update, delete) on the project.
  - System labels need a system administrator; project labels a project administrator or maintainer.
seealso:
  - module: harbor_ops.harbor.project
"""

EXAMPLES = r"""
- name: Labels as code
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    - name: A system label for released images
      harbor_ops.harbor.label:
        name: release
        description: Released to production
        color: "#1D5100"

    - name: A production label that marks images with a CVE exception
      harbor_ops.harbor.label:
        name: cve-exception
        project: production
        description: Pulled despite a known CVE; see the project's CVE allowlist
        color: "#C92100"
"""

RETURN = r"""
label:
  description: The label as Harbor returns it (the predicted state in check mode); empty after deletion.
  returned: always
  type: dict
  contains:
    id:
      description: Label id.
      type: int
      sample: 9
    name:
      description: Label name.
      type: str
      sample: release
    description:
      description: Description.
      type: str
      sample: Released to production
    color:
      description: Colour.
      type: str
      sample: "#1D5100"
    scope:
      description: C(g) for a system label, C(p) for a project label.
      type: str
      sample: g
    project_id:
      description: Id of the project of a project label, 0 for a system label.
      type: int
      sample: 0
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.label import Label


def main():
    Label.run_module()


if __name__ == "__main__":
    main()
