#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: webhook_policy_info
short_description: Read the webhook policies of a Harbor project
version_added: 0.1.0
description:
  - Returns the webhook (notification) policies of a project, or the one with an exact O(name).
  - Auth headers of the targets are never returned; C(auth_header) shows a mask when one is set.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.info_attributes
options:
  project:
    description: Name of the project. It must exist.
    type: str
    required: true
  name:
    description: Return only the policy with exactly this name (an empty list when there is none).
    type: str
seealso:
  - module: harbor_ops.harbor.webhook_policy
"""

EXAMPLES = r"""
- name: Webhooks of production
  harbor_ops.harbor.webhook_policy_info:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
  register: hooks

- name: Every webhook must be enabled
  ansible.builtin.assert:
    that: hooks.webhook_policies | rejectattr('enabled') | list == []
"""

RETURN = r"""
webhook_policies:
  description:
    - The policies in the option shape of M(harbor_ops.harbor.webhook_policy) (C(project), C(name), C(description),
      C(enabled), C(event_types), C(targets)), to be fed back to that module unchanged.
    - A target's C(auth_header) is left out (Harbor does not give it back readably).
  returned: always
  type: list
  elements: dict
  sample:
    - project: production
      name: slack-scan-alerts
      description: ""
      enabled: true
      event_types: [SCANNING_COMPLETED, SCANNING_FAILED]
      targets: [{type: slack, address: "https://hooks.slack.com/services/T000/B000/XXXX", skip_cert_verify: false}]
raw:
  description: The same policies, in the same order, as Harbor returns them (ids, creator, times), C(auth_header) masked.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 3
      name: slack-scan-alerts
      project_id: 12
      enabled: true
      event_types: [SCANNING_COMPLETED, SCANNING_FAILED]
      targets: [{type: slack, address: "https://hooks.slack.com/services/T000/B000/XXXX", auth_header: "",
                 skip_cert_verify: false}]
      creator: admin
      creation_time: "2026-01-02T03:04:05.000Z"
      update_time: "2026-01-02T03:04:05.000Z"
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import PROJECT_NAME_HEADER, quote_path
from ansible_collections.harbor_ops.harbor.plugins.module_utils._export import Exporter
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborInfo, mask
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name


class WebhookPolicyInfo(HarborInfo):
    items_key = "webhook_policies"
    returned_shape = shapes.WEBHOOK_POLICY
    module_args = dict(
        project=dict(type="str", required=True),
        name=dict(type="str"),
    )

    def validate(self):
        return check_name(self.params["project"])

    def gather(self):
        project = self.client.require_project(self.params["project"])
        path = "/projects/%s/webhook/policies" % quote_path(project["name"])
        policies = [p for p in self.client.paginate(path, headers=PROJECT_NAME_HEADER)
                    if self.params["name"] is None or p.get("name") == self.params["name"]]
        reader = Exporter(self.client, vault_prefix=None)
        return self.items((reader.webhook_policy_item(project, p), mask(self.complete(p), ("auth_header",)))
                          for p in policies)


def main():
    WebhookPolicyInfo.run_module()


if __name__ == "__main__":
    main()
