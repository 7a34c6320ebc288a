# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The user_group resource (manage Harbor user groups (LDAP, HTTP and OIDC groups)).

Shared by the module harbor_ops.harbor.user_group and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource

GROUP_TYPES = dict(ldap=1, http=2, oidc=3)


def normalize_dn(dn):
    """DNs compare without case and without blanks around separators."""
    return ",".join(part.strip() for part in (dn or "").lower().split(","))


def find_group(client, name, group_type):
    """A user group by exact name and type number (the name filter is fuzzy), or None."""
    return client.lookup("/usergroups", ("group_name", "group_type"), (name, group_type),
                         filters=dict(group_name=name))


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
