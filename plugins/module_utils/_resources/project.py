# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The project resource (manage Harbor projects).

Shared by the module harbor_ops.harbor.project and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import PROJECT_NAME_HEADER, exact_query, quote_path
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource, bool_string
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import (
    INT32_MAX,
    check_int_range,
    check_name,
    parse_storage,
)

BOOL_METADATA = ("public", "auto_scan", "prevent_vul", "reuse_sys_cve_allowlist", "enable_content_trust",
                 "enable_content_trust_cosign", "auto_sbom_generation", "proxy_cache_local_on_not_found")
INT_METADATA = ("proxy_speed_kb", "max_upstream_conn")


class Project(HarborResource):
    result_key = "project"
    module_args = dict(
        name=dict(type="str", required=True, aliases=["project_name"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        severity=dict(type="str", choices=["none", "low", "medium", "high", "critical"]),
        storage_quota=dict(type="str"),
        proxy_cache_registry=dict(type="str"),
        **dict((key, dict(type="bool")) for key in BOOL_METADATA),
        **dict((key, dict(type="int")) for key in INT_METADATA)
    )
    option_min_versions = dict(auto_sbom_generation=(2, 11), proxy_speed_kb=(2, 12), max_upstream_conn=(2, 15),
                               proxy_cache_local_on_not_found=(2, 15, 1))

    def validate(self):
        problem = (check_name(self.params["name"])
                   # int32 in Harbor's metadata; -1 is no limit (api-notes §1)
                   or check_int_range(self.params["proxy_speed_kb"], "proxy_speed_kb", 0, INT32_MAX, unlimited=-1)
                   or check_int_range(self.params["max_upstream_conn"], "max_upstream_conn", 1, INT32_MAX, unlimited=-1))
        if problem or self.params["storage_quota"] is None:
            return problem
        self.storage_limit, problem = parse_storage(self.params["storage_quota"])
        return problem

    @property
    def path(self):
        return "/projects/" + quote_path(self.params["name"])

    def find(self):
        project = self.client.get_project(self.params["name"])
        if project is None:
            return None
        # Harbor stores only the metadata keys that were ever set; a missing flag means "false".
        metadata = project.setdefault("metadata", {})
        for key in BOOL_METADATA:
            if self.params[key] is not None:
                metadata.setdefault(key, "false")
        if self.params["storage_quota"] is not None:
            quota = self.quota(project["project_id"])
            project["storage_limit"] = quota["hard"].get("storage") if quota else None
        return project

    def quota(self, project_id):
        return self.client.lookup("/quotas", "ref.id", project_id, filters=dict(reference_id=project_id),
                                  params=dict(reference="project"))

    def desired(self):
        metadata = dict((key, bool_string(self.params[key])) for key in BOOL_METADATA if self.params[key] is not None)
        metadata.update((key, str(self.params[key])) for key in INT_METADATA if self.params[key] is not None)
        if self.params["severity"] is not None:
            metadata["severity"] = self.params["severity"]
        desired = dict(name=self.params["name"], metadata=metadata)
        if self.params["storage_quota"] is not None:
            desired["storage_limit"] = self.storage_limit
        if self.params["proxy_cache_registry"] is not None:
            desired["registry_id"] = self.registry_id(self.params["proxy_cache_registry"])
        return desired

    def registry_id(self, name):
        registry = self.client.find_by_name("/registries", name, filters=exact_query(name))
        if registry is None:
            self.fail("proxy_cache_registry %r: no registry endpoint with that name exists in Harbor" % name)
        return registry["id"]

    def create(self, desired):
        body = dict(project_name=desired["name"], metadata=desired["metadata"])
        for key in ("storage_limit", "registry_id"):
            if key in desired:
                body[key] = desired[key]
        return self.client.create("/projects", body, find=self.find)

    def update(self, current, changes):
        if "registry_id" in changes:
            self.fail("project %s: proxy_cache_registry cannot be changed after creation (Harbor ignores it on "
                      "update); delete and recreate the project instead" % current["name"])
        if changes.get("metadata"):
            self.client.put(self.path, dict(metadata=changes["metadata"]), headers=PROJECT_NAME_HEADER)
        if "storage_limit" in changes:
            quota = self.quota(current["project_id"])
            if quota is None:
                self.fail("project %s has no quota record to update" % current["name"])
            self.client.put("/quotas/%d" % quota["id"], dict(hard=dict(storage=changes["storage_limit"])))
        return self.find()

    def delete(self, current):
        self.client.delete(self.path, headers=PROJECT_NAME_HEADER)
