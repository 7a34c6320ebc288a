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

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import PROJECT_NAME_HEADER, quote_path
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name

# Role names (Harbor's, and the UI's) -> role ids (src/common/const.go)
ROLES = dict(projectadmin=1, admin=1, maintainer=4, developer=2, guest=3, limitedguest=5)
GROUP_TYPES = dict(ldap=1, http=2, oidc=3)


def role_id(name):
    return ROLES.get((name or "").replace("_", "").replace("-", "").replace(" ", "").lower())


class ProjectMember(HarborResource):
    result_key = "member"
    module_args = dict(
        project=dict(type="str", required=True, aliases=["project_name"]),
        user=dict(type="str"),
        group=dict(type="str"),
        group_type=dict(type="str", choices=list(GROUP_TYPES)),
        role=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module_kwargs = dict(
        mutually_exclusive=[("user", "group")],
        required_one_of=[("user", "group")],
        required_by=dict(group=("group_type",)),
        required_if=[("state", "present", ("role",))],
    )

    def validate(self):
        problem = check_name(self.params["project"])
        if problem:
            return problem
        if self.params["group_type"] is not None and self.params["group"] is None:
            return "group_type is only for a group member (group)"
        if self.params["role"] is not None and role_id(self.params["role"]) is None:
            return ("role %r does not exist: use projectAdmin (or admin), maintainer, developer, guest or limitedGuest"
                    % self.params["role"])
        return None

    @property
    def entity(self):
        """(entity_type, name) of the member."""
        return ("u", self.params["user"]) if self.params["user"] is not None else ("g", self.params["group"])

    def members_path(self):
        return "/projects/%s/members" % quote_path(self.params["project"])

    def find(self):
        self.project = self.client.get_project(self.params["project"])
        if self.project is None:
            if self.params["state"] == "absent":
                return None
            self.client.require_project(self.params["project"])
        entity_type, name = self.entity
        for member in self.client.paginate(self.members_path(), params=dict(entityname=name),
                                           headers=PROJECT_NAME_HEADER):
            if member.get("entity_type") == entity_type and member.get("entity_name") == name:
                self.current = member
                return member
        self.current = None
        return None

    def desired(self):
        entity_type, name = self.entity
        if self.current is None and entity_type == "g":
            self.member_group_id = self.group_id()  # a missing group fails in check mode too
        return dict(entity_type=entity_type, entity_name=name, role_id=role_id(self.params["role"]))

    def group_id(self):
        wanted = GROUP_TYPES[self.params["group_type"]]
        for group in self.client.paginate("/usergroups", params=dict(group_name=self.params["group"])):
            if group.get("group_name") == self.params["group"] and group.get("group_type") == wanted:
                return group["id"]
        self.fail("user group %s (%s) does not exist in Harbor; create it first with harbor_ops.harbor.user_group"
                  % (self.params["group"], self.params["group_type"]))
        return None

    def create(self, desired):
        body = dict(role_id=desired["role_id"])
        if desired["entity_type"] == "u":
            body["member_user"] = dict(username=desired["entity_name"])
        else:
            body["member_group"] = dict(id=self.member_group_id)
        return self.client.create(self.members_path(), body, find=self.find, headers=PROJECT_NAME_HEADER)

    def update(self, current, changes):
        self.client.put("%s/%d" % (self.members_path(), current["id"]), dict(role_id=changes["role_id"]),
                        headers=PROJECT_NAME_HEADER)
        return self.find()

    def delete(self, current):
        self.client.delete("%s/%d" % (self.members_path(), current["id"]), headers=PROJECT_NAME_HEADER)


def main():
    ProjectMember.run_module()


if __name__ == "__main__":
    main()
