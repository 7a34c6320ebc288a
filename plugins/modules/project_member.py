#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: project_member
short_description: Manage the members of a Harbor project and their roles
version_added: 0.1.0
description:
  - Add a user or a user group to a project with a role, change the role, or remove the member.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  project:
    description: Name of the project.
    type: str
    required: true
    aliases: [project_name]
  user:
    description:
      - Name of the user who is the member. With LDAP or OIDC authentication Harbor onboards a user it does not know
        yet from the directory.
      - Exactly one of O(user) and O(group) is required.
    type: str
  group:
    description:
      - Name of the user group that is the member; it must exist in Harbor (see M(harbor_ops.harbor.user_group)).
      - Exactly one of O(user) and O(group) is required.
    type: str
  group_type:
    description: Type of O(group). Required with O(group).
    type: str
    choices: [ldap, http, oidc]
  role:
    description:
      - Role of the member - V(projectAdmin) (or V(admin)), V(maintainer), V(developer), V(guest) or V(limitedGuest).
        Case, C(-) and C(_) do not matter (V(limited_guest) works). Required with O(state=present).
      - Any other name is refused before a request is sent.
    type: str
  state:
    description: V(present) adds the member or changes its role, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - >-
    As a system robot this module needs C(project: read), C(member: list, create, update, delete) on the project (a
    permission entry for that project or for every project, V(*)); Harbor lets robots hold them from 2.12 on, so
    older versions need a Harbor administrator; a group member (O(group)) also needs the system permission
    C(user-group: list).
  - Needs a project administrator of the project, or a system administrator.
seealso:
  - module: harbor_ops.harbor.user_group
  - module: harbor_ops.harbor.user
  - module: harbor_ops.harbor.project
"""

EXAMPLES = r"""
- name: Project members as code
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    - name: The developers group may push to staging and development
      harbor_ops.harbor.project_member:
        project: "{{ item }}"
        group: developers
        group_type: ldap
        role: developer
      loop: [staging, development]

    - name: The developers group may only pull from production
      harbor_ops.harbor.project_member:
        project: production
        group: developers
        group_type: ldap
        role: guest

    - name: Alice maintains shared-libs
      harbor_ops.harbor.project_member:
        project: shared-libs
        user: alice
        role: maintainer

    - name: Bob leaves production
      harbor_ops.harbor.project_member:
        project: production
        user: bob
        state: absent
"""

RETURN = r"""
member:
  description: The membership as Harbor returns it (the predicted state in check mode); empty after removal.
  returned: always
  type: dict
  contains:
    id:
      description: Membership id.
      type: int
      sample: 7
    entity_name:
      description: Name of the user or group.
      type: str
      sample: developers
    entity_type:
      description: C(u) for a user, C(g) for a group.
      type: str
      sample: g
    role_id:
      description: 1 projectAdmin, 2 developer, 3 guest, 4 maintainer, 5 limitedGuest.
      type: int
      sample: 2
    role_name:
      description: Harbor's name of the role.
      type: str
      sample: developer
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.project_member import ProjectMember


def main():
    ProjectMember.run_module()


if __name__ == "__main__":
    main()
