# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The objects the modules return, with every key Harbor may leave out of its answer.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

Harbor's Go server writes its JSON with ``omitempty``: a key whose value is ``""``, ``0`` or ``false`` is not
sent (a registry with ``insecure: false`` comes back without ``insecure``). Comparison already reads an omitted
key as its zero value (``_resource.differences``). These shapes make results and facts carry the documented keys
anyway (``HarborAction.returned_shape``, ``_resource.complete``), so that ``policy.enabled`` works in a playbook
whatever Harbor left out. One shape per object, shared by a module and its ``*_info`` module.
"""

from __future__ import annotations

REPLICATION_POLICY = dict(
    description="", dest_namespace="", deletion=False,
    replicate_deletion=False, override=False, enabled=False, copy_by_chunk=False, filters=[],
    trigger=dict(trigger_settings=dict(cron="")),
)
REGISTRY = dict(description="", insecure=False)
LABEL = dict(description="", color="")
USER = dict(comment="", realname="", email="", sysadmin_flag=False, admin_role_in_auth=False)
ROBOT = dict(description="", disable=False)
IMMUTABLE_RULE = dict(disabled=False, priority=0)
WEBHOOK_POLICY = dict(description="", enabled=False, targets=[dict(skip_cert_verify=False)])
