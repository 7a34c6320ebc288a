#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

from __future__ import annotations

DOCUMENTATION = r"""
module: registry
short_description: Manage Harbor registry endpoints (replication targets and proxy-cache upstreams)
version_added: 0.1.0
description:
  - Create, update and delete registry endpoints in Harbor (Administration > Registries). Replication policies
    (M(harbor_ops.harbor.replication_policy)) and proxy-cache projects (O(harbor_ops.harbor.project#module:proxy_cache_registry))
    refer to them by name.
  - The credential is sent the way Harbor reads it, nested on creation and flat on update. A flat create body, as in
    the usual Harbor guides, makes Harbor store the endpoint B(without) its credential.
  - Harbor tests the connection to the remote registry when an endpoint is created or changed and refuses an
    unreachable one; the module then fails with a message naming the endpoint.
  - Only the options you set are compared and changed; everything else stays as it is in Harbor.
author:
  - harbor_ops maintainers (@harbor-ops)
extends_documentation_fragment:
  - harbor_ops.harbor.harbor
  - harbor_ops.harbor.harbor.attributes
options:
  name:
    description:
      - Name of the endpoint, unique in Harbor, 1 to 64 characters.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the endpoint, V(absent) deletes it.
      - Harbor refuses to delete an endpoint that a replication policy or a proxy-cache project still uses; the
        module then fails and says so.
    type: str
    choices: [present, absent]
    default: present
  type:
    description:
      - The kind of registry, that is the Harbor adapter that talks to it. Required with O(state=present).
      - Harbor cannot change the type of an existing endpoint; the module fails if it differs.
      - Since Harbor 2.14 the web UI lists only the types of C(REPLICATION_ADAPTER_WHITELIST), which leaves out
        V(dtr), V(gitlab) and V(quay) by default.
    type: str
    choices: [ali-acr, aws-ecr, azure-acr, docker-hub, docker-registry, dtr, github-ghcr, gitlab, google-gcr, harbor,
              huawei-SWR, jfrog-artifactory, quay, tencent-tcr, volcengine-cr]
  endpoint_url:
    description:
      - URL of the remote registry, V(http://) or V(https://) (Harbor's "Endpoint URL"). Required with
        O(state=present).
      - Not to be confused with O(url), the address of the Harbor that the module talks to.
      - For O(type=aws-ecr) it must be the regional ECR endpoint, V(https://api.ecr.<region>.amazonaws.com) or
        V(https://<account>.dkr.ecr.<region>.amazonaws.com) (also C(ecr-fips), C(ecr-public), C(amazonaws.com.cn));
        Harbor reads the region from it.
      - A trailing V(/) is ignored.
    type: str
  description:
    description: Free text shown in Harbor.
    type: str
  insecure:
    description:
      - Do not verify the remote registry's TLS certificate. Harbor's default is V(false).
    type: bool
  ca_certificate:
    description:
      - PEM-encoded CA certificate that Harbor uses to verify this remote registry instead of the system CAs.
      - Needs Harbor 2.15 or later.
    type: str
  credential_type:
    description:
      - How Harbor authenticates to the remote registry with O(access_key) and O(access_secret).
      - Harbor's default is V(basic).
    type: str
    choices: [basic, oauth]
  access_key:
    description:
      - User name, access key id (AWS IAM key id for V(aws-ecr)) or client id for the remote registry.
      - Harbor shows it in clear text, so it is not treated as a secret.
    type: str
  access_secret:
    description:
      - Password, token or secret access key for the remote registry. Needs O(access_key).
      - Harbor never returns it (it shows V(*****)), so it cannot be compared; see O(update_secret).
    type: str
  update_secret:
    description:
      - V(on_create) sends O(access_secret) when the endpoint is created, and on update only together with a changed
        O(access_key) or O(credential_type); an unchanged endpoint is left alone.
      - V(always) sends O(access_secret) on every run, which makes the task report a change every time (Harbor cannot
        tell whether the secret differs). Use it once to rotate a secret.
    type: str
    choices: [always, on_create]
    default: on_create
  ping:
    description:
      - After the endpoint is in place, ask Harbor to connect to it with its stored settings and credential
        (C(POST /registries/ping)), and fail if it cannot.
      - Harbor already tests the connection when it creates or changes an endpoint; O(ping=true) also tests an
        unchanged one, for example an expired credential.
      - Not done in check mode.
    type: bool
    default: false
notes:
  - >-
    As a system robot this module needs the system permissions C(registry: list, read, create, update, delete).
  - A user account must be a Harbor system administrator.
seealso:
  - module: harbor_ops.harbor.registry_info
  - module: harbor_ops.harbor.replication_policy
  - module: harbor_ops.harbor.project
"""

EXAMPLES = r"""
- name: Replication endpoints from the controller
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/harbor_ops.harbor.harbor:
      url: https://registry.example.com
      username: admin
      password: "{{ vault_harbor_admin_password }}"
  tasks:
    - name: AWS ECR as replication target (the IAM key pair goes into the nested credential)
      harbor_ops.harbor.registry:
        name: aws-ecr-us-east-1
        type: aws-ecr
        endpoint_url: https://123456789.dkr.ecr.us-east-1.amazonaws.com
        access_key: "{{ vault_aws_access_key_id }}"
        access_secret: "{{ vault_aws_secret_access_key }}"
        insecure: false

    - name: Docker Hub, for pull replication and a proxy-cache project
      harbor_ops.harbor.registry:
        name: docker-hub
        type: docker-hub
        endpoint_url: https://hub.docker.com
        access_key: ci-bot
        access_secret: "{{ vault_docker_hub_token }}"
        ping: true

    - name: Rotate the Docker Hub token
      harbor_ops.harbor.registry:
        name: docker-hub
        type: docker-hub
        endpoint_url: https://hub.docker.com
        access_key: ci-bot
        access_secret: "{{ vault_docker_hub_new_token }}"
        update_secret: always

    - name: A second Harbor with a private CA (Harbor 2.15 or later)
      harbor_ops.harbor.registry:
        name: harbor-dr
        type: harbor
        endpoint_url: https://harbor-dr.example.com
        ca_certificate: "{{ lookup('ansible.builtin.file', 'files/internal-ca.pem') }}"
        access_key: robot$replicator
        access_secret: "{{ vault_dr_robot_secret }}"

    - name: Remove an endpoint that nothing uses any more
      harbor_ops.harbor.registry:
        name: old-quay
        state: absent
"""

RETURN = r"""
registry:
  description:
    - The endpoint as Harbor returns it after the change (the predicted state in check mode); empty after deletion.
    - The access secret is always masked.
  returned: always
  type: dict
  contains:
    id:
      description: Endpoint id.
      type: int
      sample: 3
    name:
      description: Endpoint name.
      type: str
      sample: aws-ecr-us-east-1
    type:
      description: Adapter type.
      type: str
      sample: aws-ecr
    url:
      description: URL of the remote registry.
      type: str
      sample: https://123456789.dkr.ecr.us-east-1.amazonaws.com
    insecure:
      description: Whether the remote's certificate is not verified.
      type: bool
      sample: false
    description:
      description: Description.
      type: str
      sample: ""
    status:
      description: Health of the remote as Harbor last saw it.
      type: str
      sample: healthy
    credential:
      description: The credential, secret masked.
      type: dict
      returned: when the endpoint has one
      contains:
        type:
          description: Credential type.
          type: str
          sample: basic
        access_key:
          description: Access key or user name.
          type: str
          sample: AKIAIOSFODNN7EXAMPLE
        access_secret:
          description: Always masked.
          type: str
          sample: "********"
"""

import re

from urllib.parse import urlsplit

from ansible_collections.harbor_ops.harbor.plugins.module_utils import _shapes as shapes
from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import HarborError, exact_query
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import HarborResource

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
            parts = urlsplit(url.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                return ("endpoint_url %r of registry %s is not valid: Harbor wants an http:// or https:// URL with a "
                        "host name" % (url, name))
            if self.params["type"] == "aws-ecr" and not AWS_ECR_URL_RE.match(clean_url(url)):
                return ("endpoint_url %r is not an AWS ECR endpoint: type aws-ecr needs https://api.ecr.<region>.amazonaws.com "
                        "or https://<account>.dkr.ecr.<region>.amazonaws.com (also ecr-fips/ecr-public and "
                        "amazonaws.com.cn); Harbor reads the region from it" % url)
        certificate = self.params["ca_certificate"]
        if certificate is not None and ("-----BEGIN CERTIFICATE-----" not in certificate
                                        or "-----END CERTIFICATE-----" not in certificate):
            return "ca_certificate of registry %s is not a PEM certificate (-----BEGIN CERTIFICATE----- ...)" % name
        return None

    def execute(self):
        result = super(Registry, self).execute()
        if self.params["ping"] and self.params["state"] == "present" and not self.module.check_mode:
            self.ping(result["registry"])
        return result

    # ------------------------------------------------------------------ hooks

    def find(self):
        name = self.params["name"]
        registry = self.client.find_by_name("/registries", name, params=exact_query(name))
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


def main():
    Registry.run_module()


if __name__ == "__main__":
    main()
