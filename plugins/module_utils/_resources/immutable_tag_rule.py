# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The immutable_tag_rule resource (manage tag immutability rules of a Harbor project).

Shared by the module harbor_ops.harbor.immutable_tag_rule and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import PROJECT_NAME_HEADER, quote_path
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource, merge
from ansible_collections.harbor_ops.harbor.plugins.module_utils._tag_rules import (
    SELECTOR_OPTIONS,
    check_selectors,
    normalize_scope_selectors,
    normalize_selector,
    repository_selectors,
    tag_selector,
)
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name

ACTION = "immutable"
TEMPLATE = "immutable_template"


class ImmutableTagRule(HarborResource):
    result_key = "immutable_tag_rule"
    returned_shape = shapes.IMMUTABLE_RULE
    module_args = dict(
        project=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        **dict(SELECTOR_OPTIONS, tags=dict(type="str", required=True))
    )

    def validate(self):
        return check_name(self.params["project"]) or check_selectors(self.params, "immutable rule")

    @property
    def path(self):
        return "/projects/%s/immutabletagrules" % quote_path(self.params["project"])

    def selectors(self):
        return dict(tag_selectors=[tag_selector(self.params["tags"], self.params["tag_decoration"])],
                    scope_selectors=repository_selectors(self.params["repositories"], self.params["repository_decoration"]))

    def find(self):
        if self.client.get_project(self.params["project"]) is None:
            if self.params["state"] == "present":
                self.missing_reference("project", self.params["project"])
            return None
        wanted = self.selectors()
        for rule in self.client.list_all(self.path, headers=PROJECT_NAME_HEADER):
            rule = dict(rule)
            rule["tag_selectors"] = [normalize_selector(s, with_extras=False) for s in rule.get("tag_selectors") or []]
            rule["scope_selectors"] = normalize_scope_selectors(rule.get("scope_selectors"))
            if rule["tag_selectors"] == wanted["tag_selectors"] and rule["scope_selectors"] == wanted["scope_selectors"]:
                return rule
        return None

    def desired(self):
        return dict(self.selectors(), disabled=self.params["disabled"], action=ACTION, template=TEMPLATE)

    def create(self, desired):
        return self.client.create(self.path, desired, find=self.find, headers=PROJECT_NAME_HEADER)

    def update(self, current, changes):
        # PUT replaces the rule; Harbor wants the body's id to equal the path's
        rule = merge(current, changes)
        body = dict((key, rule[key]) for key in ("id", "disabled", "action", "template", "tag_selectors",
                                                 "scope_selectors", "params", "priority") if key in rule)
        self.client.put("%s/%d" % (self.path, current["id"]), body, headers=PROJECT_NAME_HEADER)
        return self.find()

    def delete(self, current):
        self.client.delete("%s/%d" % (self.path, current["id"]), headers=PROJECT_NAME_HEADER)
