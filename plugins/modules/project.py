#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: project
short_description: Manage Harbor projects
version_added: 0.1.0
description:
  - Create, update and delete projects in Harbor, including their metadata (visibility, scanning,
    vulnerability gate, content trust), their storage quota and proxy-cache projects.
  - Only the options you set are compared and changed; everything else stays as it is in Harbor.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  name:
    description:
      - Project name. Harbor accepts lower-case letters and digits separated by single C(.), C(_) or C(-), up to 255 characters.
    type: str
    required: true
    aliases: [project_name]
  state:
    description:
      - V(present) creates or updates the project, V(absent) deletes it.
      - Harbor refuses to delete a project that still holds repositories; the module then fails with Harbor's message.
    type: str
    choices: [present, absent]
    default: present
  public:
    description:
      - Anyone, even anonymous users, may pull from a public project.
      - Harbor's default for a new project is V(false).
    type: bool
  auto_scan:
    description: Scan every artifact on push.
    type: bool
  severity:
    description:
      - Severity threshold of O(prevent_vul) - pulls of artifacts with findings at this level or above are blocked.
    type: str
    choices: [none, low, medium, high, critical]
  prevent_vul:
    description: Block pulls of artifacts whose vulnerabilities reach O(severity).
    type: bool
  reuse_sys_cve_allowlist:
    description: Use the system-wide CVE allowlist instead of a project allowlist.
    type: bool
  enable_content_trust:
    description:
      - Allow pulls of signed artifacts only. Since Harbor 2.9 this means a B(Notation) signature.
    type: bool
  enable_content_trust_cosign:
    description: Allow pulls of artifacts that carry a B(cosign) signature only.
    type: bool
  auto_sbom_generation:
    description:
      - Generate an SBOM for every artifact on push. Needs Harbor 2.11 or later.
    type: bool
  storage_quota:
    description:
      - Storage quota of the project, as a size with unit (V(500MB), V(10GB), V(2TB); 1 GB = 1024 MB as in
        Harbor's UI) or a number of bytes, or V(-1) (or V(unlimited)) for no limit.
      - Changed through Harbor's quota API, because Harbor ignores a quota sent with a project update.
      - Needs a system administrator.
    type: str
  proxy_cache_registry:
    description:
      - Name of a registry endpoint (see M(harbor_ops.harbor.registry)) that makes this a proxy-cache project.
      - Only on creation; Harbor cannot turn an existing project into a proxy cache or point it at another registry.
    type: str
  proxy_speed_kb:
    description:
      - Bandwidth limit in kbit/s between a proxy-cache project and its upstream registry; V(-1) for no limit.
        Needs Harbor 2.12 or later.
    type: int
  max_upstream_conn:
    description:
      - Maximum number of connections of a proxy-cache project to its upstream registry; V(-1) for no limit.
        Needs Harbor 2.15 or later.
    type: int
  proxy_cache_local_on_not_found:
    description:
      - Serve the locally cached artifact when the upstream answers "not found". Needs Harbor 2.15.1 or later.
    type: bool
notes:
  - >-
    As a system robot this module needs the system permissions C(project: create) and C(project: read, update,
    delete) on every project (a permission entry for V(*)); C(project: create) only while the configuration
    C(project_creation_restriction) is C(adminonly) (with C(everyone) any system robot may create projects);
    O(storage_quota) also needs C(quota: list, update) (C(update) from Harbor 2.12 on), and O(proxy_cache_registry)
    C(registry: list).
seealso:
  - module: harbor_ops.harbor.project_info
  - module: harbor_ops.harbor.registry
"""

EXAMPLES = r"""
- name: Manage Harbor projects from the controller
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    - name: Production project with a vulnerability gate and cosign enforcement
      harbor_ops.harbor.project:
        name: production
        public: false
        auto_scan: true
        prevent_vul: true
        severity: high
        enable_content_trust_cosign: true
        storage_quota: 500GB

    - name: One private, scanned project per environment
      harbor_ops.harbor.project:
        name: "{{ item }}"
        public: false
        auto_scan: true
      loop: [production, staging, development, shared-libs]

    - name: Proxy cache of Docker Hub
      harbor_ops.harbor.project:
        name: dockerhub-cache
        proxy_cache_registry: docker-hub
        public: true

    - name: Remove a project that is no longer used
      harbor_ops.harbor.project:
        name: old-team
        state: absent
"""

RETURN = r"""
project:
  description:
    - The project as Harbor returns it after the change (the predicted state in check mode); empty after deletion.
  returned: always
  type: dict
  contains:
    project_id:
      description: Project id.
      type: int
      sample: 12
    name:
      description: Project name.
      type: str
      sample: production
    registry_id:
      description: Id of the upstream registry of a proxy-cache project.
      type: int
      sample: null
    metadata:
      description: Project settings. Harbor returns every value as a string.
      type: dict
      sample: {"public": "false", "auto_scan": "true", "prevent_vul": "true", "severity": "high"}
    storage_limit:
      description: Storage quota in bytes, V(-1) for unlimited.
      returned: when O(storage_quota) is set
      type: int
      sample: 536870912000
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.project import Project


def main():
    Project.run_module()


if __name__ == "__main__":
    main()
