#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: webhook_policy
short_description: Manage webhook policies of a Harbor project
version_added: 0.1.0
description:
  - Create, update and delete the webhook (notification) policies of a Harbor project. A policy is found by its
    O(name), which is unique within the project.
  - The policy is described completely (Harbor's update replaces every field); only O(description) is left as
    it is when not set.
  - Harbor's update replaces the whole record, including its creator and creation time; the module sends both
    back as it read them, so an update keeps them.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  project:
    description: Name of the project. It must exist.
    type: str
    required: true
  name:
    description: Name of the policy, unique within the project.
    type: str
    required: true
  state:
    description: V(present) creates or updates the policy, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Description of the policy. Left as it is when not set (a new policy gets an empty one).
    type: str
  enabled:
    description:
      - Whether the policy sends notifications. Harbor's own default for a new policy is V(false); this module's
        is V(true).
    type: bool
    default: true
  event_types:
    description:
      - The events that trigger a notification; required with O(state=present). Their order does not matter.
      - One of V(PUSH_ARTIFACT), V(PULL_ARTIFACT), V(DELETE_ARTIFACT), V(QUOTA_EXCEED), V(QUOTA_WARNING),
        V(SCANNING_FAILED), V(SCANNING_STOPPED), V(SCANNING_COMPLETED), V(REPLICATION), V(TAG_RETENTION)
        (the same list on Harbor 2.10 to 2.15). Anything else is refused before any request.
    type: list
    elements: str
  targets:
    description:
      - Where notifications go; required with O(state=present). Their order does not matter.
    type: list
    elements: dict
    suboptions:
      type:
        description: V(http) posts a JSON payload, V(slack) a Slack message.
        type: str
        choices: [http, slack]
        default: http
      address:
        description:
          - URL of the receiver, V(http://) or V(https://). Compared exactly as written.
        type: str
        required: true
      auth_header:
        description:
          - Value of the C(Authorization) header sent with every notification, for example C(Bearer <token>).
          - Harbor returns it with the policy, so a changed header is detected and updated; it never appears in
            the module's results or diffs.
        type: str
      skip_cert_verify:
        description: Do not verify the receiver's TLS certificate.
        type: bool
        default: false
      payload_format:
        description:
          - Payload of an V(http) target - V(Default) (Harbor's own JSON) or V(CloudEvents). Not allowed for
            V(slack). Harbor stores V(Default) when an V(http) target has none.
        type: str
        choices: [Default, CloudEvents]
notes:
  - >-
    As a system robot this module needs C(project: read), C(notification-policy: list, create, update, delete) on
    the project (a permission entry for that project or for every project, V(*)).
seealso:
  - module: harbor_ops.harbor.webhook_policy_info
"""

EXAMPLES = r"""
# The seed guide points an http target at a Slack incoming webhook; the slack target type is the one that
# sends Slack messages (an http target posts Harbor's own JSON payload).
- name: Scan alerts of production to Slack
  harbor_ops.harbor.webhook_policy:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
    name: slack-scan-alerts
    description: Notify Slack when an image scan completes or fails
    enabled: true
    event_types: [SCANNING_COMPLETED, SCANNING_FAILED]
    targets:
      - type: slack
        address: https://hooks.slack.com/services/T000/B000/XXXX

- name: Scan results to a CloudEvents receiver that wants a token
  harbor_ops.harbor.webhook_policy:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
    name: scan-events
    event_types: [SCANNING_COMPLETED, SCANNING_FAILED, PUSH_ARTIFACT]
    targets:
      - type: http
        address: https://hooks.example.com/harbor
        auth_header: "Bearer {{ vault_hook_token }}"
        payload_format: CloudEvents

- name: Remove a webhook
  harbor_ops.harbor.webhook_policy:
    url: https://registry.example.com
    username: admin
    password: "{{ vault_harbor_admin_password }}"
    project: production
    name: old-hook
    state: absent
"""

RETURN = r"""
webhook_policy:
  description:
    - The policy as Harbor returns it after the change (the predicted policy in check mode); empty after deletion.
      Auth headers are masked.
  returned: always
  type: dict
  contains:
    id:
      description: Policy id.
      type: int
      sample: 3
    name:
      description: Policy name.
      type: str
      sample: slack-scan-alerts
    description:
      description: Policy description.
      type: str
    project_id:
      description: Project id.
      type: int
      sample: 12
    enabled:
      description: Whether the policy is enabled.
      type: bool
      sample: true
    event_types:
      description: Event types, sorted.
      type: list
      elements: str
      sample: [SCANNING_COMPLETED, SCANNING_FAILED]
    targets:
      description: Targets, sorted by type and address; C(auth_header) is masked when set.
      type: list
      elements: dict
      sample: [{type: slack, address: "https://hooks.slack.com/services/T000/B000/XXXX"}]
    creator:
      description: The creator Harbor stores (what the policy was created with; the module keeps it on updates).
      type: str
    creation_time:
      description: When the policy was created.
      type: str
"""

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.webhook_policy import WebhookPolicy


def main():
    WebhookPolicy.run_module()


if __name__ == "__main__":
    main()
