#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: user
short_description: Manage local Harbor users
version_added: 0.1.0
description:
  - Create, update and delete users of Harbor's own database, including their system administrator flag and
    password.
  - Only for Harbor's database authentication (C(auth_mode=db_auth)). With LDAP, OIDC, UAA or an HTTP auth proxy,
    users come from the directory and log in there; the module then refuses to create or change users.
  - Only the options you set are compared and changed.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  name:
    description:
      - Login name of the user. It cannot be changed after creation and may not contain a comma, a double quote or
        any of the characters C(~), C(#), C(%) and C($).
      - Not to be confused with O(username), the user the module logs in as.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the user, V(absent) deletes it (in any authentication mode).
    type: str
    choices: [present, absent]
    default: present
  email:
    description: E-mail address, unique in Harbor. Required to create a user.
    type: str
  realname:
    description: Full name. Required to create a user.
    type: str
  comment:
    description: A comment, up to 30 characters.
    type: str
  user_password:
    description:
      - Password of the user - 8 to 128 characters with at least one upper-case letter, one lower-case letter
        and one digit (Harbor's rules, checked before any request). Required to create a user.
      - Harbor never returns passwords; see O(update_password) for when it is changed.
    type: str
  update_password:
    description:
      - V(on_create) sets O(user_password) only when the user is created.
      - V(always) also makes sure that an existing user has this password. The module checks it by logging in
        as the user (one request with the user's credentials; a wrong password costs Harbor's 1.5 s login
        delay) and changes the password only when the login fails, so the task reports a change only when
        there was one.
    type: str
    choices: [always, on_create]
    default: on_create
  sysadmin:
    description: Make the user a Harbor system administrator (V(true)) or a regular user (V(false)).
    type: bool
notes:
  - >-
    As a system robot this module needs the system permissions C(user: read, create, update, delete); robots can use
    them from Harbor 2.15 on (2.10 and 2.11 let no robot hold them, 2.12 to 2.14 refuse a robot another user's
    record even with them), so older versions need a Harbor administrator.
  - A user account must be a Harbor system administrator.
  - To change the password of the user the module logs in as, its current password (the O(password) connection
    option) is sent as the old one, as Harbor requires.
seealso:
  - module: harbor_ops.harbor.user_info
  - module: harbor_ops.harbor.project_member
  - module: harbor_ops.harbor.configuration
"""

EXAMPLES = r"""
- name: Local users as code
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    - name: Alice, who pulls and pushes images (the guide's docker login user)
      harbor_ops.harbor.user:
        name: alice
        email: alice@example.com
        realname: Alice Example
        user_password: "{{ vault_alice_password }}"

    - name: Bob runs the registry and gets the password from the vault on every run
      harbor_ops.harbor.user:
        name: bob
        email: bob@example.com
        realname: Bob Example
        comment: registry operator
        user_password: "{{ vault_bob_password }}"
        update_password: always
        sysadmin: true

    - name: Remove a user who left
      harbor_ops.harbor.user:
        name: carol
        state: absent
"""

RETURN = r"""
user:
  description:
    - The user as Harbor returns it after the change (the predicted state in check mode); empty after deletion.
      Never contains a password.
  returned: always
  type: dict
  contains:
    user_id:
      description: User id.
      type: int
      sample: 5
    username:
      description: Login name.
      type: str
      sample: alice
    email:
      description: E-mail address.
      type: str
      sample: alice@example.com
    realname:
      description: Full name.
      type: str
      sample: Alice Example
    comment:
      description: Comment.
      type: str
      sample: ""
    sysadmin_flag:
      description: Whether the user is a system administrator.
      type: bool
      sample: false
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.user import User


def main():
    User.run_module()


if __name__ == "__main__":
    main()
