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

import re

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborClient, HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_password, check_username

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PROFILE_KEYS = ("email", "realname", "comment")


class User(HarborResource):
    result_key = "user"
    secret_keys = ("password",)
    returned_shape = shapes.USER
    module_args = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        email=dict(type="str"),
        realname=dict(type="str"),
        comment=dict(type="str"),
        user_password=dict(type="str", no_log=True),
        update_password=dict(type="str", choices=["always", "on_create"], default="on_create", no_log=False),
        sysadmin=dict(type="bool"),
    )

    def validate(self):
        params = self.params
        problem = check_username(params["name"])
        if problem:
            return problem
        if params["email"] is not None and not EMAIL_RE.match(params["email"]):
            return "email %r is not a valid e-mail address" % params["email"]
        if params["realname"] is not None and not 1 <= len(params["realname"]) <= 255:
            return "realname must have 1 to 255 characters"
        if params["comment"] is not None and len(params["comment"]) > 30:
            return "comment must not be longer than 30 characters (Harbor's limit), got %d" % len(params["comment"])
        if params["user_password"] is not None:
            return check_password(params["user_password"], "user_password")
        return None

    @property
    def is_self(self):
        return self.params["name"] == self.client.username

    def find(self):
        if self.params["state"] == "present":
            mode = self.client.ensure_authenticated().get("auth_mode")
            if mode and mode != "db_auth":
                self.fail("Harbor at %s authenticates with %s: its users come from that directory and are not managed "
                          "with harbor_ops.harbor.user, which handles database users (auth_mode db_auth) only"
                          % (self.client.base_url, mode))
        self.current = self.client.get_user(self.params["name"])
        return self.current

    def desired(self):
        params = self.params
        desired = dict(username=params["name"])
        for key in PROFILE_KEYS:
            if params[key] is not None:
                desired[key] = params[key]
        if params["sysadmin"] is not None:
            desired["sysadmin_flag"] = params["sysadmin"]
        if params["user_password"] is not None:
            if self.current is None or (params["update_password"] == "always" and not self.password_works()):
                desired["password"] = params["user_password"]
        return desired

    def password_works(self):
        """Does the user log in with ``user_password``? (Wrong credentials make Harbor answer as anonymous.)"""
        probe = HarborClient.from_params(dict(self.params, username=self.params["name"],
                                              password=self.params["user_password"]))
        probe.retries = 0
        try:
            probe.ensure_authenticated()
        except HarborError as exc:
            if exc.status == 401:
                return False
            raise
        return True

    def create(self, desired):
        missing = [key for key in ("email", "realname", "password") if key not in desired]
        if missing:
            self.fail("user %s does not exist; creating it needs %s"
                      % (desired["username"], ", ".join("user_password" if k == "password" else k for k in missing)))
        body = dict((key, desired[key]) for key in ("username", "email", "realname", "password", "comment")
                    if key in desired)
        created = self.client.create("/users", body, find=lambda: self.client.get_user(desired["username"]))
        if desired.get("sysadmin_flag"):
            self.client.put("/users/%d/sysadmin" % created["user_id"], dict(sysadmin_flag=True))
            created = self.client.get_user(desired["username"])
        return created

    def update(self, current, changes):
        user_path = "/users/%d" % current["user_id"]
        if any(key in changes for key in PROFILE_KEYS):
            # Harbor's profile update takes the three fields together: send the others as they are.
            profile = dict((key, changes.get(key, current.get(key) or "")) for key in PROFILE_KEYS)
            self.client.put(user_path, profile)
        if "sysadmin_flag" in changes:
            self.client.put(user_path + "/sysadmin", dict(sysadmin_flag=changes["sysadmin_flag"]))
        if "password" in changes:
            body = dict(new_password=changes["password"])
            if self.is_self:
                body["old_password"] = self.params["password"]
            self.client.put(user_path + "/password", body)
            if self.is_self:
                # The connection's password is no longer valid: report what was set instead of reading it back.
                result = dict(current)
                result.update((k, v) for k, v in changes.items() if k != "password")
                return result
        return self.client.get_user(current["username"])

    def delete(self, current):
        self.client.delete("/users/%d" % current["user_id"])


def main():
    User.run_module()


if __name__ == "__main__":
    main()
