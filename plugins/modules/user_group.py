#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: user_group
short_description: Manage Harbor user groups (LDAP, HTTP and OIDC groups)
version_added: 0.1.0
description:
  - Create and delete the user groups that Harbor knows from its LDAP directory, HTTP auth proxy or OIDC
    provider, so that they can be made project members (M(harbor_ops.harbor.project_member)).
  - A group is identified by its name and type.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  name:
    description: Group name, as the directory or provider names it (for an OIDC group, the value in the groups claim).
    type: str
    required: true
    aliases: [group_name]
  type:
    description: Where the group comes from.
    type: str
    choices: [ldap, http, oidc]
    required: true
    aliases: [group_type]
  ldap_group_dn:
    description:
      - DN of an LDAP group, for example V(cn=developers,ou=groups,dc=corp,dc=example,dc=com). Required for
        O(type=ldap), not allowed otherwise.
      - Harbor keeps the DN of an existing group; to point a group at another DN, delete it and create it again.
    type: str
  state:
    description: V(present) creates the group, V(absent) deletes it (and its project memberships).
    type: str
    choices: [present, absent]
    default: present
notes:
  - >-
    As a system robot this module needs the system permissions C(user-group: list, create, delete); Harbor lets
    robots hold them from 2.12 on, so older versions need a Harbor administrator.
  - A user account must be a Harbor system administrator.
  - If Harbor answers that the group exists already (409), for example because another run created it at the
    same moment, the module reads it and reports it as existing instead of failing.
seealso:
  - module: harbor_ops.harbor.project_member
  - module: harbor_ops.harbor.configuration
"""

EXAMPLES = r"""
- name: The developers' LDAP group
  harbor_ops.harbor.user_group:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: developers
    type: ldap
    ldap_group_dn: cn=developers,ou=groups,dc=corp,dc=example,dc=com

- name: The admins group of the Keycloak groups claim
  harbor_ops.harbor.user_group:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: harbor-admins
    type: oidc
"""

RETURN = r"""
user_group:
  description: The group as Harbor returns it (the predicted state in check mode); empty after deletion.
  returned: always
  type: dict
  contains:
    id:
      description: Group id.
      type: int
      sample: 3
    group_name:
      description: Group name.
      type: str
      sample: developers
    group_type:
      description: 1 for LDAP, 2 for HTTP, 3 for OIDC groups.
      type: int
      sample: 1
    ldap_group_dn:
      description: DN of an LDAP group.
      type: str
      sample: cn=developers,ou=groups,dc=corp,dc=example,dc=com
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource

GROUP_TYPES = dict(ldap=1, http=2, oidc=3)


def normalize_dn(dn):
    """DNs compare without case and without blanks around separators."""
    return ",".join(part.strip() for part in (dn or "").lower().split(","))


def find_group(client, name, group_type):
    """A user group by exact name and type number (the name filter is fuzzy), or None."""
    for group in client.paginate("/usergroups", params=dict(group_name=name)):
        if group.get("group_name") == name and group.get("group_type") == group_type:
            return group
    return None


class UserGroup(HarborResource):
    result_key = "user_group"
    module_args = dict(
        name=dict(type="str", required=True, aliases=["group_name"]),
        type=dict(type="str", choices=list(GROUP_TYPES), required=True, aliases=["group_type"]),
        ldap_group_dn=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )

    def validate(self):
        name, dn = self.params["name"], self.params["ldap_group_dn"]
        if not name or not name.strip() or len(name) > 255:
            return "name must have 1 to 255 characters"
        if self.params["type"] == "ldap":
            if self.params["state"] == "present" and not (dn or "").strip():
                return "ldap_group_dn is required for an LDAP group (type=ldap)"
        elif dn is not None:
            return "ldap_group_dn is only for LDAP groups (type=ldap), not for type=%s" % self.params["type"]
        return None

    @property
    def type_id(self):
        return GROUP_TYPES[self.params["type"]]

    def find(self):
        self.current = find_group(self.client, self.params["name"], self.type_id)
        return self.current

    def desired(self):
        desired = dict(group_name=self.params["name"], group_type=self.type_id)
        dn = self.params["ldap_group_dn"]
        if dn is not None:
            have = (self.current or {}).get("ldap_group_dn")
            if self.current is not None and normalize_dn(have) != normalize_dn(dn):
                self.fail("group %s has the LDAP DN %s in Harbor; Harbor cannot change the DN of a group, so delete "
                          "it (state=absent) and create it again with ldap_group_dn=%s" % (self.params["name"], have, dn))
            desired["ldap_group_dn"] = have if self.current is not None else dn
        return desired

    def create(self, desired):
        try:
            return self.client.create("/usergroups", desired, find=self.find)
        except HarborError as exc:
            if exc.status != 409:
                raise
        # 409: it exists after all (created meanwhile), or the DN belongs to a group of another name.
        existing = self.find()
        if existing is not None:
            return existing
        dn = desired.get("ldap_group_dn")
        other = list(self.client.paginate("/usergroups", params=dict(ldap_group_dn=dn))) if dn else []
        if other:
            self.fail("the LDAP group %s exists in Harbor already, under the name %r; use that name"
                      % (dn, other[0].get("group_name")))
        self.fail("Harbor reports that the group %s exists (409) but it cannot be found by name" % desired["group_name"])
        return None

    def update(self, current, changes):  # pragma: no cover - desired() leaves nothing to update
        raise NotImplementedError("user groups have no updatable settings")

    def delete(self, current):
        self.client.delete("/usergroups/%d" % current["id"])


def main():
    UserGroup.run_module()


if __name__ == "__main__":
    main()
