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

from urllib.parse import urlsplit

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import PROJECT_NAME_HEADER, quote_path
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource, merge
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name

# Event types of Harbor's notification policies: the same on 2.10 to 2.15.2 (api-notes §6, initSupportedNotifyType)
EVENT_TYPES = ("PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "QUOTA_EXCEED", "QUOTA_WARNING",
               "SCANNING_FAILED", "SCANNING_STOPPED", "SCANNING_COMPLETED", "REPLICATION", "TAG_RETENTION")
WRITABLE = ("name", "description", "enabled", "event_types", "targets")
# Harbor's PUT copies the body onto a fresh record and saves every column: what it should keep, it needs back
KEPT_ON_UPDATE = ("creator", "creation_time")


def check_address(address, what):
    parts = urlsplit(address or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "%s %r must be an http:// or https:// URL with a host name" % (what, address)
    return None


def normalize_target(target):
    """A target of the options as the module sends and compares it, with Harbor's defaults filled in."""
    out = dict(type=target.get("type") or "http", address=target.get("address") or "",
               auth_header=target.get("auth_header") or "", skip_cert_verify=bool(target.get("skip_cert_verify")))
    if out["type"] == "http":
        out["payload_format"] = target.get("payload_format") or "Default"
    return out


def stored_target(target):
    """A target as Harbor returns it, with the one default Harbor stores: an http target's payload format.

    Keys Harbor leaves out (an empty ``auth_header``, a false ``skip_cert_verify``) compare as their zero value
    (``differences`` in module_utils/_resource.py).
    """
    out = dict(target)
    out.setdefault("type", "http")
    if out["type"] == "http" and not out.get("payload_format"):
        out["payload_format"] = "Default"
    return out


def target_key(target):
    return (target["type"], target["address"])


class WebhookPolicy(HarborResource):
    result_key = "webhook_policy"
    secret_keys = ("auth_header",)
    returned_shape = shapes.WEBHOOK_POLICY
    module_args = dict(
        project=dict(type="str", required=True),
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str"),
        enabled=dict(type="bool", default=True),
        event_types=dict(type="list", elements="str"),
        targets=dict(type="list", elements="dict", options=dict(
            type=dict(type="str", choices=["http", "slack"], default="http"),
            address=dict(type="str", required=True),
            auth_header=dict(type="str", no_log=True),
            skip_cert_verify=dict(type="bool", default=False),
            payload_format=dict(type="str", choices=["Default", "CloudEvents"]),
        )),
    )
    module_kwargs = dict(required_if=[("state", "present", ("event_types", "targets"))])

    def validate(self):
        problem = check_name(self.params["project"])
        if problem:
            return problem
        if not self.params["name"].strip():
            return "name must not be empty"
        if self.params["state"] == "absent":
            return None
        events = self.params["event_types"]
        if not events:
            return "event_types must name at least one event"
        unknown = [event for event in events if event not in EVENT_TYPES]
        if unknown:
            return "event_types: %s %s not supported by Harbor; use %s" % (
                ", ".join(unknown), "is" if len(unknown) == 1 else "are", ", ".join(EVENT_TYPES))
        if not self.params["targets"]:
            return "targets must have at least one entry"
        seen = []
        for index, target in enumerate(self.params["targets"]):
            what = "targets[%d]" % index
            problem = check_address(target["address"], what + ".address")
            if problem:
                return problem
            if target["type"] == "slack" and target["payload_format"] is not None:
                return "%s: payload_format is only for http targets; Harbor refuses it on slack" % what
            if target_key(target) in seen:
                return "%s: the %s target %s is listed twice" % (what, target["type"], target["address"])
            seen.append(target_key(target))
        return None

    @property
    def path(self):
        return "/projects/%s/webhook/policies" % quote_path(self.params["project"])

    def find(self):
        if self.params["state"] == "present":
            self.client.require_project(self.params["project"])
        elif self.client.get_project(self.params["project"]) is None:
            return None
        policy = self.client.find_by_name(self.path, self.params["name"], headers=PROJECT_NAME_HEADER)
        if policy is None:
            return None
        policy["event_types"] = sorted(policy.get("event_types") or [])
        policy["targets"] = sorted((stored_target(t) for t in policy.get("targets") or []),
                                   key=lambda t: (t.get("type"), t.get("address") or ""))
        return policy

    def desired(self):
        desired = dict(name=self.params["name"], enabled=self.params["enabled"],
                       event_types=sorted(set(self.params["event_types"])),
                       targets=sorted((normalize_target(t) for t in self.params["targets"]), key=target_key))
        if self.params["description"] is not None:
            desired["description"] = self.params["description"]
        return desired

    def body(self, policy):
        body = dict((key, policy[key]) for key in WRITABLE if key in policy)
        body.setdefault("description", "")
        return body

    def create(self, desired):
        return self.client.create(self.path, self.body(desired), find=self.find, headers=PROJECT_NAME_HEADER)

    def update(self, current, changes):
        # PUT replaces every field (api-notes §6): the current policy with the changes applied, and what Harbor
        # would otherwise blank (its creator and creation time) as it was read
        body = self.body(merge(current, changes))
        body.update((key, current[key]) for key in KEPT_ON_UPDATE if current.get(key))
        self.client.put("%s/%d" % (self.path, current["id"]), body, headers=PROJECT_NAME_HEADER)
        return self.find()

    def delete(self, current):
        self.client.delete("%s/%d" % (self.path, current["id"]), headers=PROJECT_NAME_HEADER)


def main():
    WebhookPolicy.run_module()


if __name__ == "__main__":
    main()
