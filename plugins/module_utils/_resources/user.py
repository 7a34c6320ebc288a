# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The user resource (manage local Harbor users).

Shared by the module harbor_ops.harbor.user and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

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
