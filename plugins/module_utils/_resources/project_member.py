# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The project_member resource (manage the members of a Harbor project and their roles).

Shared by the module harbor_ops.harbor.project_member and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import PROJECT_NAME_HEADER, quote_path
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.user_group import find_group
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
            if self.params["state"] == "present":
                self.missing_reference("project", self.params["project"])
            self.current = None
            return None
        entity_type, name = self.entity
        self.current = self.client.lookup(self.members_path(), ("entity_type", "entity_name"), (entity_type, name),
                                          filters=dict(entityname=name), headers=PROJECT_NAME_HEADER)
        return self.current

    def desired(self):
        entity_type, name = self.entity
        if self.current is None and entity_type == "g":
            self.member_group_id = self.group_id()  # a missing group fails in check mode too
        return dict(entity_type=entity_type, entity_name=name, role_id=role_id(self.params["role"]))

    def group_id(self):
        wanted = GROUP_TYPES[self.params["group_type"]]
        group = find_group(self.client, self.params["group"], wanted)
        if group is not None:
            return group["id"]
        self.missing_reference("user group", "%s (%s)" % (self.params["group"], self.params["group_type"]))
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
