# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The replication_policy resource (manage Harbor replication policies).

Shared by the module harbor_ops.harbor.replication_policy and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import json
import re

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError, exact_query
from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource, merge
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import INT32_MAX, check_cron, check_text_name

DECORATED = ("tag", "label")
RESOURCE_TYPES = ("image", "artifact")
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
        problem = check_text_name(params["name"])
        if problem:
            return problem
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
        policy = self.client.find_by_name("/replication/policies", name, filters=exact_query(name))
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
        registry = self.client.find_by_name("/registries", name, filters=exact_query(name))
        if registry is None:
            self.missing_reference("registry endpoint", name, where="%s: " % option)
            return None
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
