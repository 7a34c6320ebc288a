#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: user_info
short_description: Read Harbor users
version_added: 0.1.0
description:
  - Return one Harbor user by name, or every user Harbor knows (local users, and in other authentication modes the
    users who have logged in once).
  - Harbor never returns passwords, so neither does this module.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.info_attributes
options:
  name:
    description:
      - Return only the user with exactly this login name (Harbor's own search is a substring match; this one is
        exact). An empty list is returned when it does not exist.
      - Not to be confused with O(username), the user the module logs in as.
    type: str
  sysadmin:
    description: Return only system administrators (V(true)) or only regular users (V(false)).
    type: bool
notes:
  - Needs a system administrator.
seealso:
  - module: harbor_ops.harbor.user
"""

EXAMPLES = r"""
- name: Read one user
  harbor_ops.harbor.user_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: alice
  register: alice

- name: Every system administrator
  harbor_ops.harbor.user_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    sysadmin: true
  register: admins
"""

RETURN = r"""
users:
  description:
    - The matching users in the option shape of M(harbor_ops.harbor.user) (C(name), C(email), C(realname), C(comment),
      C(sysadmin)), to be fed back to that module unchanged; no password (Harbor never returns it).
  returned: always
  type: list
  elements: dict
  sample:
    - name: alice
      email: alice@example.com
      realname: Alice Example
      comment: ""
      sysadmin: false
raw:
  description: The same users, in the same order, as Harbor returns them (id, times), without passwords.
  returned: always
  type: list
  elements: dict
  sample:
    - user_id: 5
      username: alice
      email: alice@example.com
      realname: Alice Example
      comment: ""
      sysadmin_flag: false
      creation_time: "2026-05-01T10:00:00.000Z"
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._export import Exporter
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborInfo
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_username


class UserInfo(HarborInfo):
    items_key = "users"
    returned_shape = shapes.USER
    module_args = dict(
        name=dict(type="str"),
        sysadmin=dict(type="bool"),
    )

    def validate(self):
        return check_username(self.params["name"]) if self.params["name"] is not None else None

    def gather(self):
        if self.params["name"] is not None:
            user = self.client.get_user(self.params["name"])
            found = [user] if user else []
        else:
            found = list(self.client.paginate("/users", params=dict(sort="username")))
        sysadmin = self.params["sysadmin"]
        reader = Exporter(self.client, vault_prefix=None)
        return self.items((reader.user_item(u), self.complete(u)) for u in found
                          if sysadmin is None or bool(u.get("sysadmin_flag")) == sysadmin)


def main():
    UserInfo.run_module()


if __name__ == "__main__":
    main()
