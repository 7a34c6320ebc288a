#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: robot_info
short_description: Read Harbor robot accounts and their expiry
version_added: 0.1.0
description:
  - List the system robots of Harbor, or the robots of one project, with their permissions and expiry
    (C(expires_at), C(days_left)).
  - Warns about every enabled robot that has expired or expires within O(expiry_warning_days) days - a robot that
    expires silently breaks the pipelines that use it.
  - Secrets are never returned; Harbor does not return them either.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.info_attributes
options:
  project:
    description:
      - List the robots of this project. Without it (and without a project in O(name)), the system robots are listed.
    type: str
  level:
    description:
      - V(project) or V(system); defaults to V(project) when a project is named, else V(system).
    type: str
    choices: [system, project]
  name:
    description:
      - Return only the robot with this name - a short name (V(ci)) or a full one (V(robot$ci),
        V(robot$production+ci); the latter also sets O(project)). An empty list is returned when it does not exist.
    type: str
  expiry_warning_days:
    description:
      - Warn about enabled robots that have expired or expire within this many days. V(0) switches warnings off.
    type: int
    default: 14
  name_prefix:
    description:
      - Harbor's C(robot_name_prefix) configuration. Change it only if your Harbor uses another prefix.
    type: str
    default: robot$
seealso:
  - module: harbor_ops.harbor.robot
"""

EXAMPLES = r"""
- name: Robots of the production project
  harbor_ops.harbor.robot_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
  register: production_robots

- name: Fail when a production robot expires within 30 days
  ansible.builtin.assert:
    that: >-
      production_robots.raw | rejectattr('disable') | selectattr('days_left', 'number')
      | selectattr('days_left', '<', 30) | list | length == 0

- name: The CI robot, by the name the pipelines log in with
  harbor_ops.harbor.robot_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: robot$production+ci-robot
  register: ci_robot

- name: System robots, warning 60 days ahead
  harbor_ops.harbor.robot_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    expiry_warning_days: 60
"""

RETURN = r"""
robots:
  description:
    - The matching robots in the option shape of M(harbor_ops.harbor.robot) (C(name) without prefix, C(project) for a
      project robot, C(description), C(duration), C(disable), C(permissions) as readable access lists), to be fed back
      to that module unchanged; no secret.
    - A legacy (robot API v1) robot or one with deny rules cannot be expressed in those options; it has only its
      C(name) (and C(project)), and RV(raw) describes it.
  returned: always
  type: list
  elements: dict
  sample:
    - name: ci-robot
      project: production
      description: CI/CD pipeline robot account
      duration: 365
      disable: false
      permissions:
        - access:
            - {resource: repository, actions: [pull, push]}
raw:
  description: The same robots, in the same order, as Harbor returns them (without secrets), permissions in a canonical
    order, plus their expiry in readable form.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Robot id.
      type: int
    name:
      description: Full name, the user name the robot logs in with.
      type: str
    level:
      description: V(system) or V(project).
      type: str
    description:
      description: Description (absent when empty).
      type: str
    duration:
      description: Lifetime in days, V(-1) for never.
      type: int
    disable:
      description: Whether the robot is disabled.
      type: bool
    editable:
      description: V(false) for a legacy (robot API v1) robot.
      type: bool
    expires_at:
      description: Expiry as Harbor gives it, in seconds since the epoch; V(-1) for never.
      type: int
    expires_at_iso:
      description: Expiry in ISO 8601 (UTC); null for never.
      type: str
    days_left:
      description: Whole days until expiry (negative once expired); null for never.
      type: int
    permissions:
      description: Harbor's permission list.
      type: list
      elements: dict
  sample:
    - id: 7
      name: robot$production+ci-robot
      level: project
      description: CI/CD pipeline robot account
      duration: 365
      disable: false
      editable: true
      expires_at: 1767225600
      expires_at_iso: "2026-01-01T00:00:00Z"
      days_left: 200
      permissions:
        - kind: project
          namespace: production
          access:
            - {resource: repository, action: pull}
            - {resource: repository, action: push}
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._export import Exporter
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborInfo
from ansible_collections.harbor_ops.harbor.plugins.module_utils._robot import (
    DEFAULT_PREFIX,
    canonical,
    expiry_warning,
    list_robots,
    parse_name,
    with_expiry,
)
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name


class RobotInfo(HarborInfo):
    items_key = "robots"
    returned_shape = shapes.ROBOT
    module_args = dict(
        project=dict(type="str"),
        level=dict(type="str", choices=["system", "project"]),
        name=dict(type="str"),
        expiry_warning_days=dict(type="int", default=14),
        name_prefix=dict(type="str", default=DEFAULT_PREFIX),
    )

    def validate(self):
        params = self.params
        self.wanted = None
        self.project = params["project"]
        if params["expiry_warning_days"] < 0:
            return "expiry_warning_days must be 0 (no warning) or a number of days"
        if params["name"] is not None:
            self.wanted, problem = parse_name(params["name"], params["project"], params["level"], params["name_prefix"])
            if problem:
                return problem
            self.project = self.wanted.project
            return None
        if params["level"] == "project" and self.project is None:
            return "level=project lists the robots of one project: set project"
        if params["level"] == "system" and self.project is not None:
            return "project lists project robots; it cannot be combined with level=system"
        return check_name(self.project) if self.project is not None else None

    def gather(self):
        project_id = project_name = None
        if self.project is not None:
            project = self.client.require_project(self.project)
            project_id, project_name = project["project_id"], project["name"]
        reader = Exporter(self.client, vault_prefix=None)
        robots = []
        for item in list_robots(self.client, project_id):
            if self.wanted is not None and item.get("name") != self.wanted.full:
                continue
            item["permissions"] = canonical(item.get("permissions"))
            options = reader.robot_item(item, project_name)
            if options is None:  # legacy or deny rules: not expressible in the robot module's options
                options = dict(name=item.get("name"), project=project_name) if project_name else dict(
                    name=item.get("name"))
            robots.append((options, with_expiry(self.complete(item))))
            warning = expiry_warning(item, self.params["expiry_warning_days"])
            if warning:
                self.module.warn(warning)
        return self.items(robots)


def main():
    RobotInfo.run_module()


if __name__ == "__main__":
    main()
