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
    that: production.projects[0].metadata.public == "false"

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
  description: The matching projects as Harbor returns them. Metadata values are strings, as in Harbor's API.
  returned: always
  type: list
  elements: dict
  sample:
    - project_id: 12
      name: production
      owner_name: admin
      repo_count: 3
      registry_id: null
      metadata:
        public: "false"
        auto_scan: "true"
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborInfo
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name


class ProjectInfo(HarborInfo):
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
        return dict(projects=projects)


def main():
    ProjectInfo.run_module()


if __name__ == "__main__":
    main()
