# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The label resource (manage Harbor labels).

Shared by the module harbor_ops.harbor.label and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import re

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name

COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


class Label(HarborResource):
    result_key = "label"
    returned_shape = shapes.LABEL
    module_args = dict(
        name=dict(type="str", required=True),
        project=dict(type="str", aliases=["project_name"]),
        description=dict(type="str"),
        color=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )

    def validate(self):
        name = self.params["name"]
        if not name or not name.strip() or len(name) > 128:
            return "name must have 1 to 128 characters"
        if self.params["color"] is not None and not COLOR_RE.match(self.params["color"]):
            return "color %r is not a colour of the form #RRGGBB (for example #C92100)" % self.params["color"]
        if self.params["project"] is not None:
            return check_name(self.params["project"])
        return None

    def scope(self):
        """The list query of the label's scope, or None when its project does not exist."""
        if self.params["project"] is None:
            self.project_id = 0
            return dict(scope="g")
        project = self.client.get_project(self.params["project"])
        if project is None:
            if self.params["state"] == "present":
                self.missing_reference("project", self.params["project"])
            self.project_id = None
            return None
        self.project_id = project["project_id"]
        return dict(scope="p", project_id=self.project_id)

    def find(self):
        query = self.scope()
        if query is None:
            return None
        label = self.client.find_by_name("/labels", self.params["name"], filters=dict(name=self.params["name"]), params=query)
        color = self.params["color"]
        if label is not None and color is not None and (label.get("color") or "").lower() == color.lower():
            label["color"] = color
        return label

    def desired(self):
        desired = dict(name=self.params["name"])
        for key in ("description", "color"):
            if self.params[key] is not None:
                desired[key] = self.params[key]
        return desired

    def create(self, desired):
        body = dict(desired, scope="p" if self.project_id else "g")
        if self.project_id:
            body["project_id"] = self.project_id
        return self.client.create("/labels", body, find=self.find)

    def update(self, current, changes):
        # Harbor's label update sets name, description and colour together: send the unchanged ones as they are.
        body = dict((key, changes.get(key, current.get(key) or "")) for key in ("name", "description", "color"))
        self.client.put("/labels/%d" % current["id"], body)
        return self.find()

    def delete(self, current):
        self.client.delete("/labels/%d" % current["id"])
