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

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.robot import Robot


def main():
    Robot.run_module()


if __name__ == "__main__":
    main()
