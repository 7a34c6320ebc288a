# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The webhook_policy resource (manage webhook policies of a Harbor project).

Shared by the module harbor_ops.harbor.webhook_policy and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import PROJECT_NAME_HEADER, quote_path
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource, merge
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name, check_text_name, split_url

# Event types of Harbor's notification policies: the same on 2.10 to 2.15.2 (api-notes §6, initSupportedNotifyType)
EVENT_TYPES = ("PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "QUOTA_EXCEED", "QUOTA_WARNING",
               "SCANNING_FAILED", "SCANNING_STOPPED", "SCANNING_COMPLETED", "REPLICATION", "TAG_RETENTION")
WRITABLE = ("name", "description", "enabled", "event_types", "targets")
# Harbor's PUT copies the body onto a fresh record and saves every column: what it should keep, it needs back
KEPT_ON_UPDATE = ("creator", "creation_time")


def check_address(address, what):
    return split_url(address, what, example="https://hooks.example.com/harbor")[1]


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
        problem = check_text_name(self.params["name"])
        if problem:
            return problem
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
        if self.client.get_project(self.params["project"]) is None:
            if self.params["state"] == "present":
                self.missing_reference("project", self.params["project"])
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
