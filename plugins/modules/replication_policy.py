#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: replication_policy
short_description: Manage Harbor replication policies
version_added: 0.1.0
description:
  - Create, update and delete replication policies (Administration > Replications), which copy images between this
    Harbor and a registry endpoint (M(harbor_ops.harbor.registry)).
  - A B(push) policy copies from this Harbor to O(dest_registry); a B(pull) policy copies from O(src_registry) into
    this Harbor. Exactly one of them is set; the other side is always the local Harbor.
  - Only the options you set are compared. Harbor replaces the whole policy on update, so the module sends the
    stored policy with your changes applied.
  - Start a policy now with M(harbor_ops.harbor.replication_run).
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  name:
    description: Name of the policy, unique in Harbor.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the policy, V(absent) deletes it.
      - Harbor refuses to delete a policy while one of its executions is running.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Free text shown in Harbor.
    type: str
  src_registry:
    description:
      - Name of the registry endpoint to B(pull) from. Mutually exclusive with O(dest_registry); one of them is
        required with O(state=present).
    type: str
  dest_registry:
    description:
      - Name of the registry endpoint to B(push) to. Mutually exclusive with O(src_registry); one of them is
        required with O(state=present).
    type: str
  dest_namespace:
    description:
      - Namespace (project, or path) at the destination. Empty keeps the source path.
      - How much of the source path it replaces is set by O(dest_namespace_replace_count).
    type: str
  dest_namespace_replace_count:
    description:
      - How many leading components of the source repository path O(dest_namespace) replaces, for a source
        repository C(a/b/c) and O(dest_namespace=ns).
      - V(-1) (Harbor's default) replaces everything but the last component - C(ns/c).
      - V(0) replaces nothing and prefixes the path - C(ns/a/b/c).
      - V(1) replaces the first component - C(ns/b/c); V(2) gives C(ns/c). A count larger than the number of
        namespace components makes the replication task fail at run time.
    type: int
  filters:
    description:
      - Which resources are replicated. Compared as a set, in any order.
      - Harbor matches names and tags with doublestar patterns (C(**), C(*), C(?), C({a,b})).
    type: list
    elements: dict
    suboptions:
      type:
        description: What the filter looks at.
        type: str
        required: true
        choices: [name, tag, label, resource]
      value:
        description:
          - For V(name) (repository name, with the project, for example V(production/**)) and V(tag) a pattern.
          - For V(label) a list of label names (a single name is accepted as a string).
          - For V(resource) V(image) or V(artifact).
        type: raw
        required: true
      decoration:
        description:
          - V(matches) keeps what matches, V(excludes) keeps what does not. Only for V(tag) and V(label) filters;
            their default is V(matches).
        type: str
        choices: [matches, excludes]
  trigger:
    description:
      - V(manual) runs only when started (M(harbor_ops.harbor.replication_run)); the default for a new policy.
      - V(scheduled) runs at O(cron).
      - V(event_based) replicates every push and delete as it happens; only for push policies (O(dest_registry)).
    type: str
    choices: [manual, scheduled, event_based]
  cron:
    description:
      - Schedule of O(trigger=scheduled), in Harbor's 6-field cron format with seconds first
        (C(second minute hour day-of-month month day-of-week)). The seconds must be V(0) and the minute must not
        be V(*), for example V(0 0 2 * * *) for 02:00 every day.
    type: str
  override:
    description: Overwrite resources that already exist at the destination. Harbor's default is V(false).
    type: bool
  speed:
    description:
      - Bandwidth limit of each replication task in KB/s. V(0) or V(-1) means unlimited (Harbor stores V(0)).
    type: int
  copy_by_chunk:
    description: Copy blobs in chunks (only some registry types support it). Harbor's default is V(false).
    type: bool
  replicate_deletion:
    description:
      - Replicate deletions of resources too. Harbor's default is V(false).
      - Sent as both C(deletion), the field Harbor reads, and C(replicate_deletion).
    type: bool
  enabled:
    description:
      - Whether the policy runs. Harbor's own default for a new policy is V(false); this module's is V(true).
    type: bool
    default: true
  single_active_replication:
    description:
      - Skip a run while the previous run of this policy is still active. Not possible with O(trigger=event_based).
      - Needs Harbor 2.14 or later.
    type: bool
notes:
  - >-
    As a system robot this module needs the system permissions C(replication-policy: list, create, update, delete),
    C(registry: list).
  - A user account must be a Harbor system administrator.
seealso:
  - module: harbor_ops.harbor.replication_policy_info
  - module: harbor_ops.harbor.replication_run
  - module: harbor_ops.harbor.registry
"""

EXAMPLES = r"""
- name: Replication as code
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    - name: Push production to ECR on every push (versioned tags only)
      harbor_ops.harbor.replication_policy:
        name: sync-to-ecr
        dest_registry: aws-ecr-us-east-1
        dest_namespace: production
        dest_namespace_replace_count: 1
        filters:
          - type: name
            value: production/**
          - type: tag
            value: v*
        trigger: event_based
        override: true

    - name: Nightly pull of base images from Docker Hub
      harbor_ops.harbor.replication_policy:
        name: dockerhub-base-images
        src_registry: docker-hub
        dest_namespace: shared-libs
        filters:
          - type: name
            value: library/{alpine,debian,python}
          - type: tag
            value: "*-rc*"
            decoration: excludes
          - type: resource
            value: image
        trigger: scheduled
        cron: "0 0 2 * * *"
        speed: 10240

    - name: Pause the ECR replication
      harbor_ops.harbor.replication_policy:
        name: sync-to-ecr
        dest_registry: aws-ecr-us-east-1
        enabled: false

    - name: Remove a policy
      harbor_ops.harbor.replication_policy:
        name: old-sync
        state: absent
"""

RETURN = r"""
policy:
  description:
    - The policy as Harbor returns it after the change (the predicted state in check mode); empty after deletion.
    - Filters are in a canonical order; the local Harbor side of the policy has id V(0).
  returned: always
  type: dict
  contains:
    id:
      description: Policy id.
      type: int
      sample: 5
    name:
      description: Policy name.
      type: str
      sample: sync-to-ecr
    src_registry:
      description: Source registry (id V(0) is the local Harbor); credential secret masked.
      type: dict
      sample: {"id": 0, "name": "Local"}
    dest_registry:
      description: Destination registry (id V(0) is the local Harbor); credential secret masked.
      type: dict
      sample: {"id": 3, "name": "aws-ecr-us-east-1", "type": "aws-ecr"}
    dest_namespace:
      description: Destination namespace.
      type: str
      sample: production
    dest_namespace_replace_count:
      description: Path components replaced by the destination namespace.
      type: int
      sample: 1
    filters:
      description: Filters.
      type: list
      elements: dict
      sample: [{"type": "name", "value": "production/**"}, {"type": "tag", "value": "v*", "decoration": "matches"}]
    trigger:
      description: Trigger, with the cron of a scheduled one.
      type: dict
      sample: {"type": "event_based", "trigger_settings": {"cron": ""}}
    enabled:
      description: Whether the policy runs.
      type: bool
      sample: true
    override:
      description: Whether existing resources are overwritten.
      type: bool
      sample: true
    deletion:
      description: Whether deletions are replicated.
      type: bool
      sample: false
    replicate_deletion:
      description: Same as RV(policy.deletion).
      type: bool
      sample: false
    speed:
      description: Bandwidth limit per task in KB/s, V(0) unlimited.
      type: int
      sample: 0
"""

import json
import re

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError, exact_query
from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource, merge
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_cron

DECORATED = ("tag", "label")
RESOURCE_TYPES = ("image", "artifact")
INT32_MAX = 2 ** 31 - 1
INT8_MAX = 127
# Harbor checks dest_namespace with the repository-name rule: components of lower-case letters and digits joined by
# separators, separated by "/".
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*"
NAMESPACE_RE = re.compile(r"^%s(?:/%s)*$" % (_COMPONENT, _COMPONENT))
BOOL_KEYS = ("override", "copy_by_chunk", "enabled", "single_active_replication")


def canonical_filter(item):
    """A filter in one shape: label values sorted, tag and label decorated (Harbor's default is "matches")."""
    kind = item.get("type")
    value = item.get("value")
    if kind == "label":
        value = sorted([value] if isinstance(value, str) else list(value or []))
    out = {"type": kind, "value": value}
    if kind in DECORATED:
        out["decoration"] = item.get("decoration") or "matches"
    return out


def canonical_filters(items):
    return sorted((canonical_filter(item) for item in items or []),
                  key=lambda f: (f["type"], json.dumps(f["value"], sort_keys=True), f.get("decoration", "")))


def check_filter(index, item):
    where = "filters[%d] (%s)" % (index, item["type"])
    value, kind = item["value"], item["type"]
    if item.get("decoration") is not None and kind not in DECORATED:
        return "%s: decoration is only possible on tag and label filters, not on a %s filter" % (where, kind)
    if kind == "label":
        labels = [value] if isinstance(value, str) else value
        if not isinstance(labels, list) or not labels or not all(isinstance(v, str) and v for v in labels):
            return "%s: the value of a label filter is a list of label names, got %r" % (where, value)
        return None
    if not isinstance(value, str) or not value:
        return "%s: the value of a %s filter is a non-empty string, got %r" % (where, kind, value)
    if kind == "resource" and value not in RESOURCE_TYPES:
        return "%s: the value of a resource filter is image or artifact, got %r" % (where, value)
    return None


class ReplicationPolicy(HarborResource):
    result_key = "policy"
    secret_keys = ("access_secret",)
    returned_shape = shapes.REPLICATION_POLICY
    module_args = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str"),
        src_registry=dict(type="str"),
        dest_registry=dict(type="str"),
        dest_namespace=dict(type="str"),
        dest_namespace_replace_count=dict(type="int"),
        filters=dict(type="list", elements="dict", options=dict(
            type=dict(type="str", required=True, choices=["name", "tag", "label", "resource"]),
            value=dict(type="raw", required=True),
            decoration=dict(type="str", choices=["matches", "excludes"]),
        )),
        trigger=dict(type="str", choices=["manual", "scheduled", "event_based"]),
        cron=dict(type="str"),
        override=dict(type="bool"),
        speed=dict(type="int"),
        copy_by_chunk=dict(type="bool"),
        replicate_deletion=dict(type="bool"),
        enabled=dict(type="bool", default=True),
        single_active_replication=dict(type="bool"),
    )
    option_min_versions = dict(single_active_replication=(2, 14))

    def validate(self):
        params = self.params
        if not params["name"].strip():
            return "name must not be empty"
        if params["state"] == "absent":
            return None
        if params["src_registry"] is not None and params["dest_registry"] is not None:
            return ("set src_registry (a pull policy) or dest_registry (a push policy), not both: the other side of "
                    "a replication policy is always this Harbor")
        if params["src_registry"] is None and params["dest_registry"] is None:
            return ("set src_registry (pull from that registry endpoint) or dest_registry (push to it): the other "
                    "side of a replication policy is always this Harbor")
        count = params["dest_namespace_replace_count"]
        if count is not None and not -1 <= count <= INT8_MAX:
            return ("dest_namespace_replace_count %d is not valid: -1 (replace everything but the last path "
                    "component), 0 (prefix) or the number of leading components to replace, up to %d" % (count, INT8_MAX))
        namespace = params["dest_namespace"]
        if namespace and not NAMESPACE_RE.match(namespace):
            return ("dest_namespace %r is not a valid repository path: lower-case letters and digits, separated by "
                    "'.', '_', '-' or '/'" % namespace)
        for index, item in enumerate(params["filters"] or []):
            problem = check_filter(index, item)
            if problem:
                return problem
        return self.validate_trigger()

    def validate_trigger(self):
        params = self.params
        trigger, cron = params["trigger"], params["cron"]
        if trigger == "scheduled":
            if cron is None:
                return "trigger scheduled needs cron, for example '0 0 2 * * *' for 02:00 every day"
            problem = check_cron(cron, "cron", minute_must_be_fixed=True)
            if problem:
                return problem
        elif cron is not None:
            return "cron is only used with trigger: scheduled"
        if trigger == "event_based" and params["src_registry"] is not None:
            return ("trigger event_based is only possible for a push policy (dest_registry): Harbor sees events of "
                    "its own projects only; a pull policy (src_registry) runs manual or scheduled")
        if trigger == "event_based" and params["single_active_replication"]:
            # errata E9: Harbor answers this combination with a 500
            return "single_active_replication is not possible with trigger event_based (Harbor refuses the combination)"
        speed = params["speed"]
        if speed is not None and not -1 <= speed <= INT32_MAX:
            return "speed %d is not valid: KB/s per task, 0 or -1 for unlimited" % speed
        return None

    # ------------------------------------------------------------------ hooks

    def find(self):
        name = self.params["name"]
        policy = self.client.find_by_name("/replication/policies", name, params=exact_query(name))
        if policy is None:
            return None
        policy = dict(policy)
        for side in ("src_registry", "dest_registry"):
            if not (policy.get(side) or {}).get("id"):
                policy[side] = dict(policy.get(side) or {}, id=0)  # the local Harbor
        policy["filters"] = canonical_filters(policy.get("filters"))
        trigger = dict(policy.get("trigger") or {})
        trigger["type"] = trigger.get("type") or "manual"
        policy["trigger"] = trigger
        return policy

    def registry_id(self, option):
        name = self.params[option]
        registry = self.client.find_by_name("/registries", name, params=exact_query(name))
        if registry is None:
            self.fail("%s %r: no registry endpoint with that name exists in Harbor (see harbor_ops.harbor.registry)"
                      % (option, name))
        return registry["id"]

    def desired(self):
        params = self.params
        desired = dict(name=params["name"])
        if params["src_registry"] is not None:
            desired.update(src_registry=dict(id=self.registry_id("src_registry")), dest_registry=dict(id=0))
        else:
            desired.update(src_registry=dict(id=0), dest_registry=dict(id=self.registry_id("dest_registry")))
        for key in ("description", "dest_namespace", "dest_namespace_replace_count") + BOOL_KEYS:
            if params[key] is not None:
                desired[key] = params[key]
        if params["speed"] is not None:
            desired["speed"] = max(params["speed"], 0)
        if params["replicate_deletion"] is not None:
            desired["deletion"] = desired["replicate_deletion"] = params["replicate_deletion"]
        if params["filters"] is not None:
            desired["filters"] = canonical_filters(params["filters"])
        if params["trigger"] is not None:
            desired["trigger"] = dict(type=params["trigger"])
            if params["trigger"] == "scheduled":
                desired["trigger"]["trigger_settings"] = dict(cron=params["cron"])
        return desired

    def body(self, policy):
        """A full ReplicationPolicy request body: Harbor gives every field that is not sent its zero value."""
        body = dict(name=policy["name"])
        for key in ("description", "dest_namespace", "dest_namespace_replace_count", "speed", "override", "enabled",
                    "copy_by_chunk"):
            if policy.get(key) is not None:
                body[key] = policy[key]
        if self.client.version >= (2, 14) and policy.get("single_active_replication") is not None:
            body["single_active_replication"] = policy["single_active_replication"]
        for side in ("src_registry", "dest_registry"):
            registry_id = (policy.get(side) or {}).get("id")
            if registry_id:
                body[side] = dict(id=registry_id)  # the local side is left out
        body["filters"] = canonical_filters(policy.get("filters"))
        trigger = policy.get("trigger") or dict(type="manual")
        cron = (trigger.get("trigger_settings") or {}).get("cron") if trigger["type"] == "scheduled" else ""
        body["trigger"] = dict(type=trigger["type"], trigger_settings=dict(cron=cron or ""))
        # api-notes §4: Harbor reads the deprecated "deletion"; send both with the same value
        deletion = bool(policy.get("deletion", policy.get("replicate_deletion")))
        body["deletion"] = body["replicate_deletion"] = deletion
        return body

    def create(self, desired):
        return self.client.create("/replication/policies", self.body(desired), find=self.find)

    def update(self, current, changes):
        policy = merge(current, changes)
        if policy["trigger"].get("type") == "event_based" and policy.get("single_active_replication"):
            self.fail("replication policy %s has single_active_replication enabled, which Harbor refuses together with "
                      "trigger event_based: set single_active_replication: false" % current["name"])
        self.client.put("/replication/policies/%d" % current["id"], self.body(policy))
        return self.find()

    def delete(self, current):
        try:
            self.client.delete("/replication/policies/%d" % current["id"])
        except HarborError as exc:
            if exc.status == 412:
                self.fail("replication policy %s cannot be deleted while one of its executions is running; stop it or "
                          "wait for it to finish. %s" % (current["name"], exc.message), **exc.result())
            raise


def main():
    ReplicationPolicy.run_module()


if __name__ == "__main__":
    main()
