#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: export
short_description: Export an existing Harbor as the configuration-as-code model
version_added: 0.2.0
description:
  - Reads a whole Harbor - system configuration and authentication, users, user groups, registry endpoints,
    projects with their members, robots, labels, webhooks, tag immutability rules, retention policies and CVE
    allowlists, system labels and robots, scanners, replication policies and the GC, audit-log purge and scan-all
    schedules - and returns it as the model that the role M(harbor_ops.harbor.configure) applies.
  - With O(dest) it writes the model as a YAML variables file (C(harbor_projects), C(harbor_robots), ...) for an
    inventory's C(group_vars), so that a team can adopt an existing registry - export, then apply - and the apply
    reports no change.
  - Secrets that Harbor never returns (user passwords, registry and scanner credentials, OIDC/LDAP/UAA secrets,
    webhook auth headers), and the address of a Slack webhook target (a credential in itself), are written as
    vault placeholders such as
    C({{ vault_harbor_registry_ecr_access_secret }}), listed in RV(placeholders) and at the top of O(dest).
  - Read-only towards Harbor; a list call per 100 objects, project objects read once per project.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  kinds:
    description:
      - The kinds to export, by the names of their modules (V(project), V(robot), V(registry), ...). Default - every
        kind.
      - Objects inside projects (members, robots, labels, webhooks, tag rules, retention, allowlists) need their
        project exported too (V(project)).
    type: list
    elements: str
  dest:
    description:
      - A YAML file that receives the model as inventory variables (C(harbor_configuration), C(harbor_projects),
        ...), on the host that runs the module (usually the controller). Written only when its content changes.
    type: path
  vault_prefix:
    description: The prefix of the vault placeholder variables.
    type: str
    default: vault_harbor_
  include_builtin:
    description:
      - Also export what Harbor creates itself and prune never touches - the C(admin) user and its project
        memberships.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: O(dest) is not written; C(changed) says whether it would be.
  diff_mode:
    support: none
notes:
  - Needs a system administrator (or a system robot that may list and read every kind exported).
  - Users are exported only when Harbor authenticates against its database (C(auth_mode=db_auth)); in other modes
    they come from the directory.
  - Robots with a deny rule and legacy (robot API v1) robots cannot be expressed in the robot module's options
    and are left out.
seealso:
  - module: harbor_ops.harbor.reconcile
"""

EXAMPLES = r"""
- name: Adopt an existing Harbor - export it, then keep it as code
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the model for the inventory
      harbor_ops.harbor.export:
        url: https://registry.example.com
        username: admin
        password: "{{ vault_harbor_admin_password }}"
        dest: inventories/prod/group_vars/all/harbor.yml
      register: exported

    - name: Show the vault variables to define
      ansible.builtin.debug:
        var: exported.placeholders
"""

RETURN = r"""
model:
  description: The model, keyed as the configure role's variables without their C(harbor_) prefix.
  returned: always
  type: dict
  sample: {"projects": [{"name": "production", "auto_scan": true, "members": [{"user": "alice", "role": "developer"}]}]}
placeholders:
  description: The vault variables that the model's placeholders name; define them before applying it.
  returned: always
  type: list
  elements: str
  sample: [vault_harbor_registry_aws_ecr_us_east_1_access_secret]
counts:
  description: Objects exported per kind.
  returned: always
  type: dict
  sample: {"project": 4, "robot": 1}
requests:
  description: The read requests sent to Harbor.
  returned: always
  type: dict
  sample: {"reads": 14, "writes": 0}
dest:
  description: The file written.
  returned: when O(dest) is set
  type: str
"""

import datetime
import json
import os
import tempfile

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - ansible-core needs PyYAML
    HAS_YAML = False

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError
from ansible_collections.harbor_ops.harbor.plugins.module_utils._export import EXPORTED, Exporter
from ansible_collections.harbor_ops.harbor.plugins.module_utils._model import TOP_LEVEL, ModelError, nest
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborModule


def render(model, placeholders, source):
    """The variables file: a header naming the source and the vault variables, then the model."""
    variables = dict(("harbor_%s" % key, model[key]) for key in TOP_LEVEL if key in model)  # the model's order
    header = ["---", "# Harbor's configuration as code, exported from %s by harbor_ops.harbor.export" % source,
              "# (ansible-playbook playbooks/configure.yml applies it; a second apply changes nothing)."]
    if placeholders:
        header.append("# Define these vault variables (secrets Harbor never returns) before applying it:")
        header.extend("#   %s" % name for name in placeholders)
    if HAS_YAML:
        body = yaml.safe_dump(variables, default_flow_style=False, sort_keys=False, width=120)
    else:
        body = json.dumps(variables, indent=2) + "\n"
    return "\n".join(header) + "\n" + body


def write(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(dir=directory, prefix=".export.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def main():
    module = HarborModule(dict(
        kinds=dict(type="list", elements="str"),
        dest=dict(type="path"),
        vault_prefix=dict(type="str", default="vault_harbor_"),
        include_builtin=dict(type="bool", default=False),
    ))
    params = module.params
    unknown = sorted(set(params["kinds"] or ()) - set(EXPORTED))
    if unknown:
        module.fail_json(msg="kinds: unknown %s; the kinds are %s" % (", ".join(unknown), ", ".join(EXPORTED)))
    if params["dest"] and not os.path.isdir(os.path.dirname(os.path.abspath(params["dest"]))):
        module.fail_json(msg="dest %s: its directory does not exist" % params["dest"])
    exporter = Exporter(module.client, kinds=params["kinds"], vault_prefix=params["vault_prefix"],
                        include_builtin=params["include_builtin"])
    try:
        by_kind = exporter.run()
        model = nest(by_kind)
    except HarborError as exc:
        module.fail_json(msg=exc.message, **exc.result())
    except ModelError as exc:
        module.fail_json(msg="%s: export the projects too (kinds: [project, ...])" % exc)
    result = dict(changed=False, model=model, placeholders=exporter.placeholders,
                  counts=dict((kind, len(items)) for kind, items in by_kind.items()),
                  requests=dict(reads=module.client.reads, writes=module.client.writes))
    if params["dest"]:
        source = "%s (Harbor %s)" % (module.client.base_url, module.client.version_text)
        text = render(model, exporter.placeholders, source)
        old = None
        if os.path.exists(params["dest"]):
            with open(params["dest"]) as stream:
                old = stream.read()
        if old is None or old.split("\n", 3)[3:] != text.split("\n", 3)[3:]:
            result["changed"] = True
            if not module.check_mode:
                write(params["dest"], text)
        result["dest"] = params["dest"]
        result["exported_at"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
