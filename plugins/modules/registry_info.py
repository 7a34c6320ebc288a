#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: registry_info
short_description: Read Harbor registry endpoints
version_added: 0.1.0
description:
  - Return one registry endpoint (replication target or proxy-cache upstream) by name, or every endpoint,
    optionally only those of one type.
  - Credentials are returned without their secret.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.info_attributes
options:
  name:
    description:
      - Return only the endpoint with exactly this name. An empty list is returned when it does not exist.
    type: str
  type:
    description: Return only endpoints of this adapter type, for example V(aws-ecr).
    type: str
notes:
  - Needs a Harbor system administrator.
seealso:
  - module: harbor_ops.harbor.registry
"""

EXAMPLES = r"""
- name: Read the ECR endpoint
  harbor_ops.harbor.registry_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    name: aws-ecr-us-east-1
  register: ecr

- name: Fail when Harbor cannot reach it
  ansible.builtin.assert:
    that: ecr.registries[0].status == 'healthy'

- name: Every Docker Hub endpoint
  harbor_ops.harbor.registry_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    type: docker-hub
  register: hubs
"""

RETURN = r"""
registries:
  description:
    - The matching endpoints in the option shape of M(harbor_ops.harbor.registry) (C(name), C(type), C(endpoint_url),
      C(description), C(insecure), C(credential_type), C(access_key)), to be fed back to that module unchanged.
    - The access secret is left out (Harbor never returns it).
  returned: always
  type: list
  elements: dict
  sample:
    - name: aws-ecr-us-east-1
      type: aws-ecr
      endpoint_url: https://123456789.dkr.ecr.us-east-1.amazonaws.com
      description: ""
      insecure: false
      credential_type: basic
      access_key: AKIAIOSFODNN7EXAMPLE
raw:
  description: The same endpoints, in the same order, as Harbor returns them (id, status, times), the access secret masked.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 3
      name: aws-ecr-us-east-1
      type: aws-ecr
      url: https://123456789.dkr.ecr.us-east-1.amazonaws.com
      insecure: false
      description: ""
      status: healthy
      credential:
        type: basic
        access_key: AKIAIOSFODNN7EXAMPLE
        access_secret: "********"
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import exact_query
from ansible_collections.harbor_ops.harbor.plugins.module_utils._export import Exporter
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborInfo, mask
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.registry import ADAPTER_TYPES
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import shown


class RegistryInfo(HarborInfo):
    items_key = "registries"
    returned_shape = shapes.REGISTRY
    module_args = dict(
        name=dict(type="str"),
        type=dict(type="str"),
    )

    def validate(self):
        kind = self.params["type"]
        if kind is not None and kind not in ADAPTER_TYPES:
            return "type %s is not an adapter type of Harbor; use one of %s" % (shown(kind), ", ".join(ADAPTER_TYPES))
        return None

    def gather(self):
        name, kind = self.params["name"], self.params["type"]
        if name is not None:
            registry = self.client.find_by_name("/registries", name, filters=exact_query(name))
            found = [registry] if registry else []
        else:
            found = list(self.client.paginate("/registries", params=exact_query(kind, key="type") if kind else None))
        reader = Exporter(self.client, vault_prefix=None)
        return self.items((reader.registry_item(r), mask(self.complete(r), ("access_secret",))) for r in found
                          if kind is None or r.get("type") == kind)


def main():
    RegistryInfo.run_module()


if __name__ == "__main__":
    main()
