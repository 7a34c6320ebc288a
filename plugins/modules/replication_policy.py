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

from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.replication_policy import ReplicationPolicy


def main():
    ReplicationPolicy.run_module()


if __name__ == "__main__":
    main()
