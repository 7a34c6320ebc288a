#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: robot
short_description: Manage Harbor robot accounts
version_added: 0.1.0
description:
  - Create, update and delete system-level and project-level robot accounts through Harbor's robot API v2
    (C(/robots)), set or rotate their secrets, and warn before they expire.
  - The secret of a robot is shown once - when it is created, refreshed or set - and never appears in the
    task output, even at C(-vvv); the registered variable holds it, or O(secret_file) receives it on the controller.
  - Only the options you set are compared; an update sends Harbor the complete set of editable fields, because
    Harbor replaces them (an omitted description or C(disable) would be reset).
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  name:
    description:
      - Name of the robot, either the short name (V(ci)) or the full name Harbor shows and robots log in with
        (V(robot$ci) for a system robot, V(robot$production+ci) for a robot of project C(production)); the full
        project form also sets O(project).
      - The short name follows Harbor's rule for names - lower-case letters and digits separated by single
        C(.), C(_) or C(-).
    type: str
    required: true
  level:
    description:
      - V(project) for a robot of one project (Harbor stores it as C(robot$<project>+<name>)), V(system) for a
        robot that can hold system permissions and permissions in several projects.
      - Defaults to V(project) when O(project) is set or O(name) names a project, else to V(system).
    type: str
    choices: [system, project]
  project:
    description:
      - The project of a project robot.
    type: str
  permissions:
    description:
      - What the robot may do. Required to create a robot; when set, it replaces the robot's permissions
        (compared in any order).
      - Each entry grants O(permissions[].actions) on O(permissions[].resource), or a list of resources with
        their actions in O(permissions[].access), or both.
      - Every resource/action pair is checked before any request against the pairs Harbor 2.10-2.15 know,
        then against the pairs the connected Harbor accepts (its C(GET /permissions), one read) - for example
        C(robot) and C(member) permissions need Harbor 2.12 or later.
    type: list
    elements: dict
    suboptions:
      project:
        description:
          - For a system robot, the project this entry applies to, or V(*) for every project; without it the
            entry holds system permissions (such as C(project:create) or C(registry:list)).
          - For a project robot it can be omitted; if set it must be the robot's project.
        type: str
      resource:
        description: A Harbor resource, for example V(repository), V(artifact) or V(tag).
        type: str
      actions:
        description: The actions on O(permissions[].resource), for example V([pull, push]).
        type: list
        elements: str
        aliases: [action]
      access:
        description: Several resources with their actions.
        type: list
        elements: dict
        suboptions:
          resource:
            description: A Harbor resource.
            type: str
            required: true
          actions:
            description: The actions on this resource.
            type: list
            elements: str
            required: true
            aliases: [action]
  duration:
    description:
      - Lifetime in days from the robot's creation, or V(-1) for a robot that never expires. Required to create
        a robot.
      - V(0) is refused before any request - Harbor 2.11 and later refuse it too, Harbor 2.10 would silently
        use its C(robot_token_duration) setting instead.
      - A change recomputes the expiry from the creation time, not from today.
    type: int
  description:
    description: Description of the robot.
    type: str
  disable:
    description: V(true) disables the robot; a disabled robot authenticates as anonymous.
    type: bool
  secret:
    description:
      - A secret of your own for the robot, set with C(PATCH /robots/{id}) right after it is created (Harbor
        always generates one first). Harbor's rules are checked before any request - 8 to 128 characters with
        upper-case and lower-case letters and a digit.
      - Compared only as O(update_secret) says.
    type: str
  update_secret:
    description:
      - V(on_create) sets O(secret) only when the robot is created.
      - V(always) also makes sure an existing robot has O(secret) - checked by logging in as the robot (a read);
        the secret is set only when that fails. A disabled or expired robot cannot log in, so its secret is left
        alone with a warning.
    type: str
    choices: [on_create, always]
    default: on_create
  refresh_secret:
    description:
      - V(true) rotates the secret of an existing robot - Harbor generates a new one, which is returned once.
        Always reports a change. Cannot be combined with O(secret).
    type: bool
    default: false
  secret_file:
    description:
      - An absolute path on the B(controller); when the task learns a secret (creation, refresh, O(secret)), it is
        written there - mode C(0600), atomically, without a trailing newline - and left out of the result.
      - The directory must exist; it is checked before any request.
      - Handled by the action plugin of this module, whatever host the module runs on.
    type: path
  expiry_warning_days:
    description:
      - Warn when the (enabled) robot has expired or expires within this many days. V(0) switches the warning off.
    type: int
    default: 14
  name_prefix:
    description:
      - Harbor's C(robot_name_prefix) configuration. Change it only if your Harbor uses another prefix.
    type: str
    default: robot$
  state:
    description:
      - V(present) creates or updates the robot, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - >-
    As a system robot this module needs the system permissions C(robot: list, create, delete); Harbor lets robots
    hold them from 2.12 on, so older versions need a Harbor administrator; a robot can only grant permissions it
    holds itself, and Harbor lets no robot hold C(robot: update): changing an existing robot or its secret needs a
    Harbor administrator (or a project administrator).
  - Harbor returns a robot's secret only when it is created or refreshed. The secret of an existing robot cannot
    be read back; use O(refresh_secret) to issue a new one.
  - The registered result holds the secret; the task output (and C(-vvv)) does not, because the action plugin
    marks such a result C(no_log). Do not print it with M(ansible.builtin.debug).
seealso:
  - module: harbor_ops.harbor.robot_info
  - module: harbor_ops.harbor.project
"""

EXAMPLES = r"""
- name: Robot accounts as code
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    - name: CI robot of the production project, secret written for the CI system
      harbor_ops.harbor.robot:
        name: ci-robot
        project: production
        description: CI/CD pipeline robot account
        duration: 365
        permissions:
          - resource: repository
            actions: [pull, push]
          - resource: artifact
            actions: [delete]
        secret_file: /etc/ci/harbor-robot.secret

    - name: System robot that pulls from several projects and lists them
      harbor_ops.harbor.robot:
        name: release-bot
        level: system
        duration: 90
        permissions:
          - project: production
            access:
              - {resource: repository, action: pull}
              - {resource: artifact, action: read}
          - project: staging
            resource: repository
            actions: [pull, push]
          - resource: project
            actions: [list]
      register: release_bot

    - name: Hand the new secret to the next task without printing it
      ansible.builtin.copy:
        content: "{{ release_bot.secret }}"
        dest: /etc/ci/release-bot.secret
        mode: "0600"
      when: release_bot.secret is defined
      no_log: true

    - name: Rotate the CI robot's secret (the old one stops working at once)
      harbor_ops.harbor.robot:
        name: robot$production+ci-robot
        refresh_secret: true
        secret_file: /etc/ci/harbor-robot.secret

    - name: A robot whose secret comes from the vault, kept in sync
      harbor_ops.harbor.robot:
        name: deploy
        project: production
        duration: -1
        permissions:
          - resource: repository
            actions: [pull]
        secret: "{{ vault_deploy_robot_secret }}"
        update_secret: always

    - name: Remove a robot that is no longer used
      harbor_ops.harbor.robot:
        name: robot$production+old-ci
        state: absent
"""

RETURN = r"""
robot:
  description:
    - The robot as Harbor returns it after the change (the predicted state in check mode), without its secret,
      plus its expiry in readable form; empty after deletion.
  returned: always
  type: dict
  contains:
    id:
      description: Robot id.
      type: int
      sample: 7
    name:
      description: Full name, the user name the robot logs in with.
      type: str
      sample: robot$production+ci-robot
    level:
      description: V(system) or V(project).
      type: str
      sample: project
    description:
      description: Description.
      type: str
      sample: CI/CD pipeline robot account
    duration:
      description: Lifetime in days, V(-1) for never.
      type: int
      sample: 365
    disable:
      description: Whether the robot is disabled.
      type: bool
      sample: false
    editable:
      description: V(false) for a legacy (robot API v1) robot, which this module cannot change.
      type: bool
      sample: true
    expires_at:
      description: Expiry as Harbor gives it, in seconds since the epoch; V(-1) for never.
      type: int
      sample: 1767225600
    expires_at_iso:
      description: Expiry in ISO 8601 (UTC); null for never.
      type: str
      sample: "2026-01-01T00:00:00Z"
    days_left:
      description: Whole days until the robot expires (negative once expired); null for never.
      type: int
      sample: 364
    permissions:
      description: Harbor's permission list, in a canonical order.
      type: list
      elements: dict
      sample: [{"kind": "project", "namespace": "production",
                "access": [{"resource": "artifact", "action": "delete"}, {"resource": "repository", "action": "pull"},
                           {"resource": "repository", "action": "push"}]}]
    creation_time:
      description: Creation time.
      type: str
      sample: "2025-01-01T00:00:00.000Z"
secret:
  description:
    - The robot's secret, when the task created the robot, refreshed its secret or set O(secret) - and
      O(secret_file) was not used. The task result is marked C(no_log), so only the registered variable holds it.
  returned: when a secret was issued or set and O(secret_file) is not set
  type: str
  sample: Zq3...
secret_file:
  description: The file the secret was written to.
  returned: when a secret was issued or set and O(secret_file) is set
  type: str
  sample: /etc/ci/harbor-robot.secret
"""

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
    list_robots,
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

    def __init__(self, module):
        super(Robot, self).__init__(module)
        self.robot = None
        self.permissions = None
        self.found = _UNSET  # the robot as the run found it, before any change
        self.project_missing = False
        self.new_secret = None

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
        for item in list_robots(self.client, project_id):
            if item.get("name") == robot.full:
                item["permissions"] = canonical(item.get("permissions"))
                return item
        return None

    def desired(self):
        params = self.params
        robot = self.robot
        if self.found is None:
            if self.project_missing:
                self.fail("project %s does not exist in Harbor at %s; create it first (harbor_ops.harbor.project)"
                          % (robot.project, self.client.base_url))
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
            allowed = self.client.get("/permissions")
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
            if exc.status == 409:
                exc.message += (" (a robot of that name exists, but not as %s: is name_prefix %r Harbor's "
                                "robot_name_prefix?)" % (robot.full, robot.prefix))
            raise
        if response is not None and isinstance(response.body, dict):
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

    def execute(self):
        result = super(Robot, self).execute()
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
            self.patch_secret(robot, self.params["secret"])
            result["secret_set"] = True
            return "set"
        if self.new_secret:
            result["secret"] = self.new_secret
            return None
        # the answer of the POST was lost (the robot was found afterwards): its secret is unknown, so issue one
        self.module.warn("the answer to the creation of robot %s was lost; its secret was refreshed to learn it"
                         % robot["name"])
        result["secret"] = self.patch_secret(robot, None)
        return None

    def patch_secret(self, robot, secret):
        """PATCH /robots/{id}: Harbor generates a secret (returned) when ``secret`` is None, else stores it."""
        resp = self.client.patch(self.path(robot), dict(secret=secret) if secret else {})
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


def main():
    Robot.run_module()


if __name__ == "__main__":
    main()
