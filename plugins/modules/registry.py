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

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.registry import Registry


def main():
    Registry.run_module()


if __name__ == "__main__":
    main()
