#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: project_info
short_description: Read Harbor projects
version_added: 0.1.0
description:
  - Return one Harbor project by name, or every project visible to the user, optionally filtered.
  - Each project is returned in the option shape of M(harbor_ops.harbor.project) (RV(projects)), so that it can be
    fed back to that module unchanged; Harbor's own objects, with ids, owner and counts, are in RV(raw).
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.info_attributes
options:
  name:
    description:
      - Return only the project with exactly this name (Harbor's own name filter is a substring match;
        this one is exact). An empty list is returned when it does not exist.
    type: str
    aliases: [project_name]
  public:
    description: Return only public (V(true)) or only private (V(false)) projects.
    type: bool
  owner:
    description: Return only projects created by this user.
    type: str
seealso:
  - module: harbor_ops.harbor.project
"""

EXAMPLES = r"""
- name: Read one project
  harbor_ops.harbor.project_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: production
  register: production

- name: Fail when production is public
  ansible.builtin.assert:
    that: not production.projects[0].public

- name: Apply a project read from another Harbor to this one, unchanged
  harbor_ops.harbor.project:
    url: https://registry-dr.example.com
    username: admin
    password: "{{ vault_harbor_dr_admin_password }}"
  args: "{{ production.projects[0] }}"

- name: All public projects
  harbor_ops.harbor.project_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    public: true
  register: public_projects
"""

RETURN = r"""
projects:
  description:
    - The matching projects in the option shape of M(harbor_ops.harbor.project) (C(name), C(public), C(auto_scan),
      C(prevent_vul), C(severity), C(storage_quota), C(proxy_cache_registry), ...), only what the project sets.
  returned: always
  type: list
  elements: dict
  sample:
    - name: production
      public: false
      auto_scan: true
      prevent_vul: true
      severity: high
      storage_quota: 500GB
raw:
  description: The same projects, in the same order, as Harbor returns them (ids, owner, counts; metadata values are strings).
  returned: always
  type: list
  elements: dict
  sample:
    - project_id: 12
      name: production
      owner_name: admin
      repo_count: 3
      metadata:
        public: "false"
        auto_scan: "true"
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._export import Exporter
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborInfo
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name


class ProjectInfo(HarborInfo):
    items_key = "projects"
    module_args = dict(
        name=dict(type="str", aliases=["project_name"]),
        public=dict(type="bool"),
        owner=dict(type="str"),
    )

    def validate(self):
        return check_name(self.params["name"]) if self.params["name"] is not None else None

    def gather(self):
        name, public, owner = self.params["name"], self.params["public"], self.params["owner"]
        if name is not None:
            project = self.client.get_project(name)
            found = [project] if project else []
        else:
            query = dict((key, value) for key, value in (("public", public), ("owner", owner)) if value is not None)
            found = list(self.client.paginate("/projects", params=query))
        projects = [p for p in found
                    if (public is None or p.get("metadata", {}).get("public") == ("true" if public else "false"))
                    and (owner is None or p.get("owner_name") == owner)]
        reader = Exporter(self.client, vault_prefix=None)
        registries = reader.registry_names() if any(p.get("registry_id") for p in projects) else {}
        result = self.items([(reader.project_item(p, registries), p) for p in projects])
        if reader.unreadable:
            self.module.warn("storage_quota is left out: this account may not list quotas (GET /quotas answered 403)")
        return result


def main():
    ProjectInfo.run_module()


if __name__ == "__main__":
    main()
