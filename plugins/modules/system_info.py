#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: system_info
short_description: Read Harbor's version and general system information
version_added: 0.1.0
description:
  - Return Harbor's general information (C(GET /systeminfo)) as an authenticated caller sees it - the version,
    also parsed for version checks, the authentication mode, the storage provider, the registry URL, the
    read-only flag, and more.
  - Register the result to branch on the version (C(harbor.system_info.version is version('2.13', '>='))).
    No fact is set (earlier releases set C(harbor_system_info)); module results are returned, not C(ansible_facts).
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.info_attributes
options: {}
notes:
  - Harbor shows the version and most other fields only to authenticated callers; the module fails with
    "authentication failed" when the credentials are wrong.
seealso:
  - module: harbor_ops.harbor.health_info
"""

EXAMPLES = r"""
- name: Read Harbor's version
  harbor_ops.harbor.system_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
  register: harbor

- name: Use event names for the audit-log purge only where Harbor has them
  harbor_ops.harbor.purge_audit:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    schedule: Daily
    retention_hours: 720
    event_types: "{{ ['create_artifact', 'delete_artifact', 'pull_artifact', 'login_user']
                     if harbor.system_info.version is version('2.13', '>=') else ['create', 'delete', 'pull'] }}"

- name: Refuse to go on when Harbor is read-only
  ansible.builtin.assert:
    that: not harbor.system_info.read_only
"""

RETURN = r"""
system_info:
  description: Harbor's system information, plus the parsed version.
  returned: always
  type: dict
  contains:
    harbor_version:
      description: Harbor's version string (release and commit).
      type: str
      sample: v2.15.2-080b0220
    version:
      description: The release part of RV(system_info.harbor_version), for C(version) tests.
      type: str
      sample: 2.15.2
    version_info:
      description: The release as numbers.
      type: dict
      sample: {"major": 2, "minor": 15, "patch": 2}
    auth_mode:
      description: The authentication mode (V(db_auth), V(ldap_auth), V(oidc_auth), V(http_auth), V(uaa_auth)).
      type: str
      sample: db_auth
    primary_auth_mode:
      description: Whether the authentication mode is the primary one.
      type: bool
    self_registration:
      description: Whether users may register themselves.
      type: bool
    external_url:
      description: Harbor's external URL.
      type: str
      sample: https://registry.example.com
    registry_url:
      description: The host (and port) to use with C(docker login) and image names.
      type: str
      sample: registry.example.com
    storage_provider:
      description: The registry's storage provider (C(registry_storage_provider_name)).
      type: str
      sample: filesystem
    registry_storage_provider_name:
      description: The same, under Harbor's name.
      type: str
      sample: filesystem
    read_only:
      description: Whether Harbor is in read-only mode.
      type: bool
      sample: false
    has_ca_root:
      description: Whether Harbor offers its CA certificate for download.
      type: bool
    project_creation_restriction:
      description: Who may create projects (V(everyone) or V(adminonly)).
      type: str
    notification_enable:
      description: Whether webhooks are enabled.
      type: bool
    current_time:
      description: Harbor's clock.
      type: str
    url:
      description: The URL the module talked to.
      type: str
      sample: https://registry.example.com
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborInfo, version_text


class SystemInfo(HarborInfo):
    module_args = {}

    def gather(self):
        info = dict(self.client.ensure_authenticated())
        version = self.client.version
        info.update(
            version=version_text(version) if version else None,
            version_info=dict(zip(("major", "minor", "patch"), version)) if version else {},
            storage_provider=info.get("registry_storage_provider_name"),
            url=self.client.base_url,
        )
        return dict(system_info=info)


def main():
    SystemInfo.run_module()


if __name__ == "__main__":
    main()
