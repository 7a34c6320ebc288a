#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: cve_allowlist
short_description: Manage Harbor's CVE allowlists (system-wide or per project)
version_added: 0.1.0
description:
  - Set the CVEs that Harbor's vulnerability gate (project option C(prevent_vul)) ignores - for the whole system,
    or for one project.
  - The list is compared as a set - order and duplicates do not matter. The list you give replaces the stored
    one.
  - A project allowlist applies only while the project does not reuse the system allowlist, so setting one also
    sets the project's C(reuse_sys_cve_allowlist) to C(false).
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  project:
    description: Name of the project whose allowlist is managed. Without it, the system allowlist is managed.
    type: str
    aliases: [project_name]
  cves:
    description:
      - CVE ids, for example V(CVE-2024-3094). Each must have the form C(CVE-YYYY-NNNN) (four or more digits
        at the end). Compared as a set.
      - An empty list empties the allowlist. Without O(cves), the stored CVEs stay as they are.
    type: list
    elements: str
  expires_at:
    description:
      - When the allowlist expires - a date V(2026-12-31) (00:00 UTC), a date and time V(2026-12-31T18:00:00Z)
        (without an offset it is UTC), or seconds since the epoch V(1798675200).
      - V(never) (or an empty string) for an allowlist that does not expire. Without O(expires_at), the stored
        expiry stays as it is.
    type: str
  state:
    description:
      - V(present) sets the allowlist, V(absent) empties it (no CVE, no expiry). An allowlist always exists in
        Harbor, so V(absent) on an empty one changes nothing.
    type: str
    choices: [present, absent]
    default: present
notes:
  - >-
    As a system robot this module needs C(project: read, update) on the project (a permission entry for that project
    or for every project, V(*)); C(configuration: update) for the system allowlist needs a Harbor administrator.
  - The system allowlist needs a system administrator; a project allowlist a project administrator.
seealso:
  - module: harbor_ops.harbor.project
"""

EXAMPLES = r"""
- name: CVE allowlists as code
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    - name: Production blocks images with high findings (the guide's scanning policy)
      harbor_ops.harbor.project:
        name: production
        auto_scan: true
        prevent_vul: true
        severity: high

    - name: Until the base image is rebuilt, production accepts two known CVEs
      harbor_ops.harbor.cve_allowlist:
        project: production
        cves:
          - CVE-2023-44487
          - CVE-2024-3094
        expires_at: "2026-12-31"

    - name: No system-wide exception
      harbor_ops.harbor.cve_allowlist:
        state: absent
"""

RETURN = r"""
cve_allowlist:
  description: The allowlist after the change (the predicted state in check mode), CVEs sorted.
  returned: always
  type: dict
  contains:
    cves:
      description: The CVE ids, sorted (Harbor's C(items) list of C({cve_id}) objects, flattened).
      type: list
      elements: str
      sample: ["CVE-2023-44487", "CVE-2024-3094"]
    expires_at:
      description: Expiry in seconds since the epoch; null when it never expires.
      type: int
      sample: 1798675200
    project_id:
      description: Id of the project, 0 for the system allowlist.
      type: int
      sample: 12
    reuse_sys_cve_allowlist:
      description: For a project allowlist, whether the project uses the system allowlist instead (C("true")/C("false")).
      returned: with O(project)
      type: str
      sample: "false"
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.cve_allowlist import CveAllowlist


def main():
    CveAllowlist.run_module()


if __name__ == "__main__":
    main()
