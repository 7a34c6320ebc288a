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

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.user_group import UserGroup


def main():
    UserGroup.run_module()


if __name__ == "__main__":
    main()
