#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: replication_policy_info
short_description: Read Harbor replication policies
version_added: 0.1.0
description:
  - Return one replication policy by name, or every policy.
  - The registries of a policy are shown by name, as M(harbor_ops.harbor.replication_policy) takes them; the local
    Harbor side is V(null).
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.info_attributes
options:
  name:
    description:
      - Return only the policy with exactly this name. An empty list is returned when it does not exist.
    type: str
notes:
  - Needs a Harbor system administrator.
seealso:
  - module: harbor_ops.harbor.replication_policy
  - module: harbor_ops.harbor.replication_run
"""

EXAMPLES = r"""
- name: Read the ECR replication
  harbor_ops.harbor.replication_policy_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: sync-to-ecr
  register: ecr_sync

- name: Fail when it is disabled
  ansible.builtin.assert:
    that: ecr_sync.replication_policies[0].enabled

- name: Every push policy and where it pushes to
  harbor_ops.harbor.replication_policy_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
  register: all_policies

- name: Show them
  ansible.builtin.debug:
    msg: "{{ item.name }} -> {{ item.dest_registry }}"
  loop: "{{ all_policies.replication_policies | selectattr('dest_registry') }}"
"""

RETURN = r"""
replication_policies:
  description:
    - The matching policies in the option shape of M(harbor_ops.harbor.replication_policy), registries by name, to be
      fed back to that module unchanged. Before this release the list was called C(policies) and held Harbor's objects
      (now RV(raw)).
  returned: always
  type: list
  elements: dict
  sample:
    - name: sync-to-ecr
      description: ""
      dest_registry: aws-ecr-us-east-1
      dest_namespace: production
      dest_namespace_replace_count: 1
      filters: [{"type": "name", "value": "production/**"}, {"type": "tag", "value": "v*", "decoration": "matches"}]
      trigger: event_based
      enabled: true
      override: true
      replicate_deletion: false
raw:
  description:
    - The same policies, in the same order, as Harbor returns them (id, times, C(trigger) as an object), with
      C(src_registry) and C(dest_registry) as names (V(null) = this Harbor).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 5
      name: sync-to-ecr
      src_registry: null
      dest_registry: aws-ecr-us-east-1
      dest_namespace: production
      trigger: {"type": "event_based", "trigger_settings": {"cron": ""}}
      enabled: true
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import exact_query
from ansible_collections.harbor_ops.harbor.plugins.module_utils._export import Exporter
from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborInfo


def readable(policy):
    """The policy with its registries as names (None for the local Harbor)."""
    out = dict(policy)
    for side in ("src_registry", "dest_registry"):
        registry = policy.get(side) or {}
        out[side] = registry.get("name") if registry.get("id") else None
    return out


class ReplicationPolicyInfo(HarborInfo):
    items_key = "replication_policies"
    returned_shape = shapes.REPLICATION_POLICY
    module_args = dict(
        name=dict(type="str"),
    )

    def gather(self):
        name = self.params["name"]
        if name is not None:
            policy = self.client.find_by_name("/replication/policies", name, filters=exact_query(name))
            found = [policy] if policy else []
        else:
            found = list(self.client.paginate("/replication/policies"))
        reader = Exporter(self.client, vault_prefix=None)
        registries = reader.registry_names() if found else {}
        return self.items((reader.replication_policy_item(policy, registries), readable(self.complete(policy)))
                          for policy in found)


def main():
    ReplicationPolicyInfo.run_module()


if __name__ == "__main__":
    main()
