# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The registry resource (manage Harbor registry endpoints (replication targets and proxy-cache upstreams)).

Shared by the module harbor_ops.harbor.registry and the bulk path (``_bulk``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import re

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError, exact_query
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import split_url

ADAPTER_TYPES = ("ali-acr", "aws-ecr", "azure-acr", "docker-hub", "docker-registry", "dtr", "github-ghcr", "gitlab",
                 "google-gcr", "harbor", "huawei-SWR", "jfrog-artifactory", "quay", "tencent-tcr", "volcengine-cr")
MAX_NAME_LENGTH = 64
# The adapter reads the region from the URL (api-notes §3, src/pkg/reg/adapter/awsecr/adapter.go).
AWS_ECR_URL_RE = re.compile(r"^https://(?:api|\d+\.dkr)\.ecr(?:-public|-fips)?\.[a-z0-9-]+\."
                            r"(?:amazonaws\.com(?:\.cn)?|sc2s\.sgov\.gov|c2s\.ic\.gov)$")


def clean_url(url):
    return url.strip().rstrip("/")


class Registry(HarborResource):
    result_key = "registry"
    secret_keys = ("access_secret",)
    returned_shape = shapes.REGISTRY
    module_args = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        type=dict(type="str", choices=list(ADAPTER_TYPES)),
        endpoint_url=dict(type="str"),
        description=dict(type="str"),
        insecure=dict(type="bool"),
        ca_certificate=dict(type="str"),
        credential_type=dict(type="str", choices=["basic", "oauth"]),
        access_key=dict(type="str", no_log=False),
        access_secret=dict(type="str", no_log=True),
        update_secret=dict(type="str", choices=["always", "on_create"], default="on_create"),
        ping=dict(type="bool", default=False),
    )
    module_kwargs = dict(
        required_if=[("state", "present", ("type", "endpoint_url"))],
        required_by={"access_secret": "access_key"},
    )
    option_min_versions = dict(ca_certificate=(2, 15, 0))

    def validate(self):
        name = self.params["name"]
        if not name.strip() or len(name) > MAX_NAME_LENGTH:
            return "registry name %r is not valid: Harbor wants 1 to %d characters" % (name, MAX_NAME_LENGTH)
        url = self.params["endpoint_url"]
        if url is not None:
            dummy, problem = split_url(url, "endpoint_url of registry %s" % name,
                                       example="https://registry-1.docker.io")
            if problem:
                return problem
            if self.params["type"] == "aws-ecr" and not AWS_ECR_URL_RE.match(clean_url(url)):
                return ("endpoint_url %r is not an AWS ECR endpoint: type aws-ecr needs https://api.ecr.<region>.amazonaws.com "
                        "or https://<account>.dkr.ecr.<region>.amazonaws.com (also ecr-fips/ecr-public and "
                        "amazonaws.com.cn); Harbor reads the region from it" % url)
        certificate = self.params["ca_certificate"]
        if certificate is not None and ("-----BEGIN CERTIFICATE-----" not in certificate
                                        or "-----END CERTIFICATE-----" not in certificate):
            return "ca_certificate of registry %s is not a PEM certificate (-----BEGIN CERTIFICATE----- ...)" % name
        return None

    def apply(self, plan):
        result = super(Registry, self).apply(plan)
        if self.params["ping"] and self.params["state"] == "present" and not self.module.check_mode:
            self.ping(result["registry"])
        return result

    # ------------------------------------------------------------------ hooks

    def find(self):
        name = self.params["name"]
        registry = self.client.find_by_name("/registries", name, filters=exact_query(name))
        if registry is None:
            return None
        registry = dict(registry)
        registry["url"] = clean_url(registry.get("url") or "")
        wanted = self.params["type"]
        if self.params["state"] == "present" and wanted is not None and registry.get("type") != wanted:
            self.fail("registry endpoint %s is of type %s: Harbor cannot change the type of an endpoint (asked for %s); "
                      "delete it and create it again" % (name, registry.get("type"), wanted))
        return registry

    def desired(self):
        params = self.params
        desired = dict(name=params["name"], type=params["type"], url=clean_url(params["endpoint_url"]))
        for key in ("description", "insecure"):
            if params[key] is not None:
                desired[key] = params[key]
        if params["ca_certificate"] is not None:
            desired["ca_certificate"] = params["ca_certificate"].strip()
        credential = {}
        if params["credential_type"] is not None:
            credential["type"] = params["credential_type"]
        if params["access_key"] is not None:
            credential["access_key"] = params["access_key"]
        if params["access_secret"] is not None and params["update_secret"] == "always":
            # Harbor shows "*****": compared like this, the secret is sent (and reported changed) on every run
            credential["access_secret"] = params["access_secret"]
        if credential:
            desired["credential"] = credential
        return desired

    def create(self, desired):
        params = self.params
        body = dict((key, desired[key]) for key in ("name", "type", "url", "description", "insecure", "ca_certificate")
                    if key in desired)
        if params["access_key"] is not None or params["credential_type"] is not None:
            # POST /registries reads the credential only from the nested object (api-notes §15.2)
            body["credential"] = dict(type=params["credential_type"] or "basic", access_key=params["access_key"] or "",
                                      access_secret=params["access_secret"] or "")
        try:
            return self.client.create("/registries", body, find=self.find)
        except HarborError as exc:
            self.fail_unhealthy(exc, "create")
            raise

    def update(self, current, changes):
        params = self.params
        body = dict((key, changes[key]) for key in ("description", "url", "insecure", "ca_certificate") if key in changes)
        if "credential" in changes:
            # PUT /registries/{id} takes the credential flat (RegistryUpdate); a new key goes with its secret
            stored = current.get("credential") or {}
            body["credential_type"] = params["credential_type"] or stored.get("type") or "basic"
            if params["access_key"] is not None:
                body["access_key"] = params["access_key"]
            if params["access_secret"] is not None:
                body["access_secret"] = params["access_secret"]
        try:
            self.client.put("/registries/%d" % current["id"], body)
        except HarborError as exc:
            self.fail_unhealthy(exc, "update")
            raise
        return self.find()

    def delete(self, current):
        try:
            self.client.delete("/registries/%d" % current["id"])
        except HarborError as exc:
            if exc.status == 412:
                self.fail("registry endpoint %s cannot be deleted while a replication policy or a proxy-cache project "
                          "uses it; delete or change those first. %s" % (current["name"], exc.message), **exc.result())
            raise

    # ------------------------------------------------------------ connectivity

    def fail_unhealthy(self, exc, action):
        """Harbor pings the remote on create and update; say which endpoint it could not reach."""
        if exc.status == 400 and "unhealthy" in exc.message:
            self.fail("Harbor cannot reach registry endpoint %s at %s with these settings, so it refused to %s it "
                      "(\"the registry is unhealthy\"): check endpoint_url, type, access_key/access_secret, insecure or "
                      "ca_certificate, and that Harbor can connect out to that host. %s"
                      % (self.params["name"], clean_url(self.params["endpoint_url"]), action, exc.message), **exc.result())

    def ping(self, registry):
        try:
            self.client.post("/registries/ping", dict(id=registry["id"]), ok=(200,))
        except HarborError as exc:
            if exc.status == 400:
                self.fail("ping of registry endpoint %s (%s) failed: Harbor cannot reach it with its stored settings "
                          "and credential. %s" % (registry["name"], registry.get("url"), exc.message),
                          registry=registry, **exc.result())
            raise
