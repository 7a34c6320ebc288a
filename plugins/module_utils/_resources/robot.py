# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The robot resource (manage Harbor robot accounts).

Shared by the module harbor_ops.harbor.robot and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime
import time

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborClient, HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import MASK, HarborResource
from ansible_collections.harbor_ops.harbor.plugins.module_utils._robot import (
    DAY,
    DEFAULT_PREFIX,
    MAX_DURATION,
    build_permissions,
    canonical,
    expiry_warning,
    find_robot,
    parse_name,
    refused_by_harbor,
    with_expiry,
)
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_password

_UNSET = object()

ACCESS_OPTIONS = dict(
    resource=dict(type="str", required=True),
    actions=dict(type="list", elements="str", required=True, aliases=["action"]),
)


class Robot(HarborResource):
    result_key = "robot"
    secret_keys = ("secret",)
    returned_shape = shapes.ROBOT
    module_args = dict(
        name=dict(type="str", required=True),
        level=dict(type="str", choices=["system", "project"]),
        project=dict(type="str"),
        permissions=dict(type="list", elements="dict", options=dict(
            project=dict(type="str"),
            resource=dict(type="str"),
            actions=dict(type="list", elements="str", aliases=["action"]),
            access=dict(type="list", elements="dict", options=ACCESS_OPTIONS),
        )),
        duration=dict(type="int"),
        description=dict(type="str"),
        disable=dict(type="bool"),
        secret=dict(type="str", no_log=True),
        update_secret=dict(type="str", choices=["on_create", "always"], default="on_create", no_log=False),
        refresh_secret=dict(type="bool", default=False, no_log=False),
        secret_file=dict(type="path", no_log=False),
        expiry_warning_days=dict(type="int", default=14),
        name_prefix=dict(type="str", default=DEFAULT_PREFIX),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )

    def __init__(self, module, params=None):
        super(Robot, self).__init__(module, params)
        self.robot = None
        self.permissions = None
        self.found = _UNSET  # the robot as the run found it, before any change
        self.project_missing = False
        self.new_secret = None
        self.created_elsewhere = False

    # ------------------------------------------------------------ options

    def validate(self):
        params = self.params
        self.robot, problem = parse_name(params["name"], params["project"], params["level"], params["name_prefix"])
        if problem:
            return problem
        if params["expiry_warning_days"] < 0:
            return "expiry_warning_days must be 0 (no warning) or a number of days"
        duration = params["duration"]
        if duration is not None and (duration == 0 or duration < -1 or duration > MAX_DURATION):
            return ("duration %d is not valid: give the robot's lifetime in days (1 to %d) or -1 for never "
                    "(0 is refused: Harbor 2.11+ rejects it, 2.10 would silently use its robot_token_duration)"
                    % (duration, MAX_DURATION))
        if params["permissions"] is not None:
            self.permissions, problem = build_permissions(params["permissions"], self.robot)
            if problem:
                return problem
        if params["secret"] is not None:
            if params["refresh_secret"]:
                return "secret and refresh_secret cannot be combined: refresh_secret lets Harbor generate a new secret"
            return check_password(params["secret"], option="secret")
        return None

    # ------------------------------------------------------------ reads

    def find(self):
        found = self.lookup()
        if self.found is _UNSET:
            self.found = found
        return found

    def lookup(self):
        robot = self.robot
        project_id = None
        if robot.level == "project":
            project = self.client.get_project(robot.project)
            if project is None:
                self.project_missing = True
                return None
            project_id = project["project_id"]
        item = find_robot(self.client, robot.full, project_id)
        if item is not None:
            item["permissions"] = canonical(item.get("permissions"))
        return item

    def desired(self):
        params = self.params
        robot = self.robot
        if self.found is None:
            if self.project_missing:
                self.missing_reference("project", robot.project)
            missing = [option for option in ("duration", "permissions") if params[option] is None]
            if missing:
                self.fail("robot %s does not exist; to create it, set %s" % (robot.full, " and ".join(missing)))
        desired = dict(name=robot.full, level=robot.level)
        for key in ("duration", "description", "disable"):
            if params[key] is not None:
                desired[key] = params[key]
        if self.permissions is not None:
            desired["permissions"] = self.permissions
            if self.found is None or self.found.get("permissions") != self.permissions:
                self.check_allowed_by_harbor()
        return desired

    def check_allowed_by_harbor(self):
        """Refuse pairs that the connected version does not accept (errata E7: GET /permissions, one read)."""
        try:
            allowed = self.client.document("/permissions")
        except HarborError as exc:
            if exc.status in (401, 403, 404):
                return  # not an admin: Harbor validates the write itself
            raise
        problem = refused_by_harbor(self.permissions, allowed if isinstance(allowed, dict) else {},
                                    self.client.version_text)
        if problem:
            self.fail(problem)

    # ------------------------------------------------------------ writes

    def create(self, desired):
        robot = self.robot
        body = dict(name=robot.short, level=robot.level, duration=desired["duration"],
                    permissions=desired["permissions"])
        if "description" in desired:
            body["description"] = desired["description"]
        try:
            created, response = self.client.create("/robots", body, find=self.find, keep_response=True)
        except HarborError as exc:
            secret = exc.created_response.body.get("secret") if exc.created_response is not None and isinstance(
                exc.created_response.body, dict) else None
            if secret:
                # created, but not read back: the secret Harbor showed once reaches the user before the task fails
                self.fail("robot %s was created, but reading it back failed: %s. Its secret is in this result "
                          "(secret_file, or the registered variable): keep it, Harbor shows it only once"
                          % (robot.full, exc.message), secret=secret)
            if exc.status == 409:
                # create() adopts a robot it finds after a 409: this one exists under another name
                exc.message += (" (a robot of that name exists, but not as %s: is name_prefix %r Harbor's "
                                "robot_name_prefix?)" % (robot.full, robot.prefix))
            raise
        self.created_elsewhere = response is not None and response.status == 409
        if response is not None and not self.created_elsewhere and isinstance(response.body, dict):
            self.new_secret = response.body.get("secret")
        if created is None:
            self.fail("robot %s was created but cannot be read back" % robot.full)
        if desired.get("disable"):  # Harbor ignores disable on create
            created = self.update(created, dict(disable=True))
        return created

    def update(self, current, changes):
        if current.get("editable") is False:
            self.fail("robot %s is a legacy (robot API v1) robot, which Harbor does not let the v2 API edit; "
                      "delete it and create it again" % current["name"])
        body = dict(
            name=current["name"], level=current["level"],
            description=changes.get("description", current.get("description") or ""),
            disable=changes.get("disable", bool(current.get("disable"))),
            permissions=changes.get("permissions", current.get("permissions") or []),
        )
        # PUT replaces every editable field; on 2.10 a missing duration resets it (errata E8): always send it
        duration = changes.get("duration", current.get("duration"))
        if duration is not None:
            body["duration"] = duration
        self.client.put(self.path(current), body)
        return self.find()

    def delete(self, current):
        self.client.delete(self.path(current))

    @staticmethod
    def path(robot):
        return "/robots/%d" % robot["id"]

    # ------------------------------------------------------------ secrets and expiry

    def apply(self, plan):
        result = super(Robot, self).apply(plan)
        if self.params["state"] == "absent":
            return result
        robot = result["robot"]
        secret_diff = None
        if self.found is None:
            if not self.module.check_mode:
                secret_diff = self.issue_secret_on_create(robot, result)
        elif self.params["refresh_secret"]:
            secret_diff = "refreshed"
            if not self.module.check_mode:
                result["secret"] = self.patch_secret(robot, None)
        elif self.params["secret"] is not None and self.params["update_secret"] == "always":
            if not self.secret_works(robot):
                secret_diff = "set"
                if not self.module.check_mode:
                    self.patch_secret(robot, self.params["secret"])
                    result["secret_set"] = True
        if secret_diff:
            result["changed"] = True
            if self.module._diff:
                diff = result.setdefault("diff", dict(before={}, after={}))
                diff["before"]["secret"] = MASK
                diff["after"]["secret"] = "%s (%s)" % (MASK, secret_diff)
        self.report_expiry(result)
        return result

    def issue_secret_on_create(self, robot, result):
        if self.params["secret"] is not None:
            try:
                self.patch_secret(robot, self.params["secret"])
            except HarborError as exc:
                self.roll_back(robot, exc)
            result["secret_set"] = True
            return "set"
        if self.new_secret:
            result["secret"] = self.new_secret
            return None
        if self.created_elsewhere:
            # another run created it at the same moment and holds its secret: a refresh would take it away
            self.module.warn("robot %s was created at the same time by another run, which holds its secret; set "
                             "refresh_secret: true to issue a new one here" % robot["name"])
            return None
        # the answer of the POST was lost (the robot was found afterwards): its secret is unknown, so issue one
        self.module.warn("the answer to the creation of robot %s was lost; its secret was refreshed to learn it"
                         % robot["name"])
        result["secret"] = self.patch_secret(robot, None)
        return None

    def roll_back(self, robot, exc):
        """The robot was created but its declared secret could not be set: delete it again, so that the next run
        creates it with the secret (with update_secret=on_create no later run would look at the secret)."""
        try:
            self.client.delete(self.path(robot))
        except HarborError as failed:
            self.fail("robot %s was created but its secret could not be set (%s), and deleting it again failed too "
                      "(%s): it holds a secret Harbor generated; set update_secret: always, or delete it"
                      % (robot["name"], exc.message, failed.message))
        self.fail("robot %s was created but its secret could not be set (%s); it was deleted again, so that the "
                  "next run creates it with its secret" % (robot["name"], exc.message))

    def patch_secret(self, robot, secret):
        """PATCH /robots/{id}: Harbor generates a secret (returned) when ``secret`` is None, else stores it.

        Setting a given secret is idempotent (sent again after a passing failure); a refresh is sent once.
        """
        resp = self.client.patch(self.path(robot), dict(secret=secret) if secret else {}, idempotent=bool(secret))
        if secret:
            return secret
        value = resp.body.get("secret") if isinstance(resp.body, dict) else None
        if not value:
            self.fail("Harbor refreshed the secret of robot %s but did not return it" % robot["name"])
        return value

    def secret_works(self, robot):
        """Does ``secret`` log the robot in? A read as the robot; a robot that cannot log in is left alone."""
        expired = isinstance(robot.get("expires_at"), int) and 0 <= robot["expires_at"] <= time.time()
        if robot.get("disable") or expired:
            self.module.warn("robot %s is %s, so its secret cannot be checked by logging in; it was left as it is"
                             % (robot["name"], "disabled" if robot.get("disable") else "expired"))
            return True
        probe = HarborClient.from_params(dict(self.params, username=robot["name"], password=self.params["secret"]))
        try:
            probe.ensure_authenticated()
            return True
        except HarborError as exc:
            if exc.status == 401:
                return False
            raise
        finally:
            probe.session.close()

    def report_expiry(self, result):
        robot = result["robot"]
        duration = self.params["duration"]
        if self.module.check_mode and duration is not None:
            # predict what Harbor does: the expiry counts from the creation time (from now for a new robot)
            created = parse_time(robot.get("creation_time")) if self.found else None
            if self.found is None or (created is not None and duration != self.found.get("duration")):
                start = int(time.time()) if created is None else created
                robot["expires_at"] = -1 if duration == -1 else start + duration * DAY
        result["robot"] = with_expiry(robot)
        warning = expiry_warning(robot, self.params["expiry_warning_days"])
        if warning:
            self.module.warn(warning)


def parse_time(text):
    """Epoch seconds of Harbor's ``2025-01-01T00:00:00.000Z``, or None."""
    try:
        moment = datetime.datetime.strptime((text or "")[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp())
