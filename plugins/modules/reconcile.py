#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: reconcile
short_description: Reconcile many Harbor objects of one or more kinds in one run (configuration as code)
version_added: 0.2.0
description:
  - Makes Harbor hold the objects that O(objects) declares - projects, members, robots, labels, registries,
    replication policies, webhooks, tag rules, users, groups, scanners, system configuration and job schedules -
    with one module run instead of one task per object.
  - Each item takes exactly the options of the single-object module of its kind (for example an item of
    V(project) takes the options of M(harbor_ops.harbor.project), without the connection options) and is
    compared and changed by the same code, so a model behaves as the same list of single-object tasks would.
  - Every item of every kind is validated before the first request; an unknown option or a wrong type fails the
    task, naming the kind, the position and the name of the item.
  - Harbor is read with its list calls (page_size 100, one keep-alive connection) and compared in memory; only
    the differences are written. Kinds are applied in dependency order (see O(objects)).
  - The role M(harbor_ops.harbor.configure) applies a whole Harbor's model with this module.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  model:
    description:
      - The objects as the model of a whole Harbor, the form that the role M(harbor_ops.harbor.configure) and the
        module M(harbor_ops.harbor.export) use - C(configuration), C(users), C(user_groups), C(registries),
        C(projects), C(cve_allowlist), C(scanners), C(labels), C(robots), C(replication_policies), C(gc),
        C(purge_audit), C(scan_all).
      - "An item of C(projects) takes the options of M(harbor_ops.harbor.project) and may hold the project's
        C(members), C(robots), C(labels), C(webhooks) and C(immutable_tag_rules) (lists), C(retention) and
        C(cve_allowlist) (dicts), each with the options of its module without C(project)."
      - Exactly one of O(model) and O(objects) is required.
    type: dict
  kinds:
    description:
      - Apply only these kinds (see O(objects)); the items of every kind are validated all the same, so a wrong
        item anywhere in the model fails the task before any request.
      - Default - every kind.
    type: list
    elements: str
  objects:
    description:
      - The objects, by kind. Keys are kinds, values lists of items (dicts of the kind's module options).
      - "Kinds, in the order they are applied: V(configuration), V(user), V(user_group), V(registry),
        V(project), V(cve_allowlist), V(scanner), V(label), V(project_member), V(robot), V(webhook_policy),
        V(immutable_tag_rule), V(retention_policy), V(replication_policy), V(gc), V(purge_audit), V(scan_all)."
      - V(configuration), V(gc), V(purge_audit) and V(scan_all) are one object each (at most one item).
      - An item may set C(state=absent) to delete its object, as with the single-object module.
    type: dict
  prune:
    description:
      - Kinds whose objects that O(objects) does not declare are deleted (V(user), V(user_group), V(registry),
        V(project), V(scanner), V(label), V(project_member), V(robot), V(webhook_policy),
        V(replication_policy)).
      - Project-scoped kinds (labels, members, robots, webhooks) are pruned within the projects of O(projects).
      - "Harbor's built-ins are never pruned: the project C(library), the users C(admin) and C(anonymous), the
        membership of C(admin), the scanner C(Trivy)."
      - In check mode the objects that would be deleted are reported, and nothing is deleted.
    type: list
    elements: str
    default: []
  protect:
    description:
      - Per kind, shell patterns (C(fnmatch), case-sensitive) of objects that prune never deletes.
      - Patterns match the name shown in the result, for example V(team-*) for projects, V(robot$*) for system
        robots, V(production/*) for every label, member or webhook of the project C(production).
    type: dict
    default: {}
  projects:
    description:
      - The projects within which project-scoped kinds are pruned. Default - the projects that O(objects)
        declares (kind V(project)) or names in an item of a project-scoped kind.
    type: list
    elements: str
  validate_only:
    description:
      - Only validate O(objects), without any request to Harbor (no connection is made).
    type: bool
    default: false
  secrets_file:
    description:
      - A file on the B(controller) that receives the secrets of robots that the run created or whose secret it
        refreshed or set, as a YAML mapping of robot name to secret; it is created with mode 0600, and entries of
        other robots already in it are kept.
      - With O(secrets_vault=true) the file is encrypted with the play's default Ansible Vault secret.
      - An item's own C(secret_file) wins for that robot.
      - Without it, a learned secret is only in the registered result (key C(secrets)) and the whole result is
        marked C(no_log).
    type: path
  secrets_vault:
    description:
      - Encrypt O(secrets_file) with Ansible Vault (the vault secret given to C(ansible-playbook), for example
        C(--vault-password-file)).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details:
      - Nothing is written. An object whose project, registry, user or user group does not exist yet but is declared
        (in this run or in O(model) for an earlier phase) is reported as created, with its options as declared
        and a warning, instead of failing on the missing parent.
  diff_mode:
    support: full
    details: One diff per changed object, named by its kind and name; secrets are masked.
notes:
  - Each kind needs the permissions that the notes of its single-object module list.
  - >-
    Reads: one list call per 100 objects of each kind that has a list call; project-scoped kinds (members,
    webhooks, tag rules, project labels and robots) are listed once per project, and a retention policy is read
    once per project (Harbor has no list of them). Objects created or changed by the run are read back one by
    one.
seealso:
  - module: harbor_ops.harbor.project
  - module: harbor_ops.harbor.robot
"""

EXAMPLES = r"""
- name: Projects and their members as code
  harbor_ops.harbor.reconcile:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    objects:
      project:
        - name: production
          auto_scan: true
          severity: high
        - name: staging
      project_member:
        - project: production
          group: release-managers
          group_type: oidc
          role: maintainer
      robot:
        - name: ci
          project: production
          permissions:
            - resource: repository
              actions: [pull, push]
    prune: [project_member]
    secrets_file: /home/ci/harbor-robots.yml

- name: Validate a model without talking to Harbor
  harbor_ops.harbor.reconcile:
    url: https://registry.example.com
    username: admin
    password: unused
    objects: "{{ harbor_model }}"
    validate_only: true
"""

RETURN = r"""
changes:
  description: The objects that were (in check mode - would be) created, updated or deleted.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind.
      type: str
      sample: project
    name:
      description: The object's name (project-scoped objects as C(project/name)).
      type: str
      sample: production
    action:
      description: V(create), V(update), V(delete), or V(changed) for a change that is neither.
      type: str
      sample: create
    pruned:
      description: Present and true when prune deleted the object.
      type: bool
      sample: true
counts:
  description: Per kind, how many objects were created, updated, deleted, changed otherwise, or already right.
  returned: always
  type: dict
  sample: {"project": {"created": 2, "updated": 0, "deleted": 0, "changed": 0, "ok": 40}}
objects:
  description: The number of objects handled (declared and pruned).
  returned: always
  type: int
  sample: 42
declared:
  description: The kinds that O(objects) or O(model) declares objects of.
  returned: always
  type: list
  elements: str
  sample: [project, robot]
requests:
  description: The read and write requests sent to Harbor by this run.
  returned: always
  type: dict
  sample: {"reads": 9, "writes": 2}
secrets_file:
  description: The file that received the robots' secrets.
  returned: when a secret was learned and O(secrets_file) is set
  type: str
  sample: /home/ci/harbor-robots.yml
secrets:
  description: Robot name to secret, for the robots whose secret the run learned (the result is then C(no_log)).
  returned: when a secret was learned and O(secrets_file) is not set
  type: dict
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._bulk import Reconciler
from ansible_collections.harbor_ops.harbor.plugins.module_utils._model import ModelError, objects
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import ActionFailed, HarborModule
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import brief


def main():
    module = HarborModule(dict(
        objects=dict(type="dict"),
        model=dict(type="dict"),
        kinds=dict(type="list", elements="str"),
        prune=dict(type="list", elements="str", default=[]),
        protect=dict(type="dict", default={}),
        projects=dict(type="list", elements="str"),
        validate_only=dict(type="bool", default=False),
        secrets_file=dict(type="path", no_log=False),
        secrets_vault=dict(type="bool", default=False, no_log=False),
    ), mutually_exclusive=[("objects", "model")], required_one_of=[("objects", "model")])
    by_kind = module.params["objects"]
    if module.params["model"] is not None:
        try:
            by_kind = objects(module.params["model"])
        except ModelError as exc:
            module.fail_json(msg="the model is not valid (nothing was sent to Harbor): %s" % exc)
    reconciler = Reconciler(module, by_kind, prune=module.params["prune"], protect=module.params["protect"],
                            projects=module.params["projects"], kinds=module.params["kinds"])
    problems = [brief(problem, module.params, module.no_log_values) for problem in reconciler.validate()]
    if problems:
        module.fail_json(msg="the model is not valid (nothing was sent to Harbor): " + " | ".join(problems),
                         problems=problems)
    if module.params["validate_only"]:
        module.exit_json(changed=False, objects=len(reconciler.items), counts={}, changes=[],
                         requests=dict(reads=0, writes=0), declared=reconciler.declared())
    try:
        result = reconciler.run()
    except (ActionFailed, HarborError) as exc:
        # the secrets learned before the failure still reach the user (the action plugin writes them)
        failure = dict(exc.extra) if isinstance(exc, ActionFailed) else exc.result()
        changes = reconciler.summary()["changes"]
        failure.update(with_secrets(reconciler, dict(changed=bool(changes), changes=changes)))
        module.fail_json(msg=getattr(exc, "msg", None) or exc.message, **failure)
    result["declared"] = reconciler.declared()
    if reconciler.diffs and module._diff:
        result["diff"] = reconciler.diffs
    module.exit_json(**with_secrets(reconciler, result))


def with_secrets(reconciler, result):
    """``result`` with the robots' secrets that the run learned, for the action plugin to store."""
    if reconciler.secrets:
        result["secrets"] = reconciler.secrets
    if reconciler.secret_files:
        result["secret_files"] = reconciler.secret_files
    return result


if __name__ == "__main__":
    main()
