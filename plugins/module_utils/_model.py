# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The configuration-as-code model of a whole Harbor, and its objects by kind.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

The model is what a team keeps in its inventory (the ``harbor_ops.harbor.configure`` role's variables without their
``harbor_`` prefix) and what ``harbor_ops.harbor.export`` writes. Things that belong to a project are written inside
it::

    projects:
      - name: production          # the options of harbor_ops.harbor.project, and:
        members: [...]            # harbor_ops.harbor.project_member, without project
        robots: [...]             # harbor_ops.harbor.robot (project robots), without project
        labels: [...]             # harbor_ops.harbor.label (project labels), without project
        webhooks: [...]           # harbor_ops.harbor.webhook_policy, without project
        immutable_tag_rules: [...]
        retention: {...}          # harbor_ops.harbor.retention_policy, without project
        cve_allowlist: {...}      # harbor_ops.harbor.cve_allowlist, without project

``objects(model)`` turns it into the bulk path's items by kind (``_bulk.KINDS``); ``nest(objects)`` does the reverse.
"""

from __future__ import annotations

import copy

#: model key -> (kind, one object rather than a list)
TOP_LEVEL = dict(
    configuration=("configuration", True),
    users=("user", False),
    user_groups=("user_group", False),
    registries=("registry", False),
    projects=("project", False),
    cve_allowlist=("cve_allowlist", True),
    scanners=("scanner", False),
    labels=("label", False),
    robots=("robot", False),
    replication_policies=("replication_policy", False),
    gc=("gc", True),
    purge_audit=("purge_audit", True),
    scan_all=("scan_all", True),
)
#: key inside a project -> (kind, one object rather than a list)
IN_PROJECT = dict(
    members=("project_member", False),
    robots=("robot", False),
    labels=("label", False),
    webhooks=("webhook_policy", False),
    immutable_tag_rules=("immutable_tag_rule", False),
    retention=("retention_policy", True),
    cve_allowlist=("cve_allowlist", True),
)


class ModelError(ValueError):
    pass


def _items(value, single, where):
    if value is None or value == {} and single:
        return []
    if single:
        if not isinstance(value, dict):
            raise ModelError("%s must be a dict of options, got %s" % (where, type(value).__name__))
        return [value]
    if not isinstance(value, list):
        raise ModelError("%s must be a list, got %s" % (where, type(value).__name__))
    return value


def objects(model):
    """The model's objects by kind (kind -> list of option dicts); raises ModelError for a wrong structure."""
    if not isinstance(model, dict):
        raise ModelError("the model must be a dict, got %s" % type(model).__name__)
    unknown = sorted(set(model) - set(TOP_LEVEL))
    if unknown:
        raise ModelError("unknown model keys %s: the model holds %s" % (", ".join(unknown), ", ".join(sorted(TOP_LEVEL))))
    result = {}
    for key, (kind, single) in TOP_LEVEL.items():
        for position, item in enumerate(_items(model.get(key), single, key)):
            if key == "projects":
                item = _project(item, position, result)
            result.setdefault(kind, []).append(item)
    return result


def _project(item, position, result):
    if not isinstance(item, dict):
        return item  # the bulk path names the item and refuses it
    project = dict(item)
    name = project.get("name")
    for key, (kind, single) in IN_PROJECT.items():
        if key not in project:
            continue
        where = "projects[%d] (%s).%s" % (position, name, key)
        for sub in _items(project.pop(key), single, where):
            if isinstance(sub, dict):
                if sub.get("project", name) != name:
                    raise ModelError("%s: an item names project %s inside project %s" % (where, sub["project"], name))
                sub = dict(sub, project=name)
            result.setdefault(kind, []).append(sub)
    return project


def nest(by_kind):
    """The model of ``by_kind`` (kind -> items): the reverse of ``objects``, project objects inside their project."""
    nested_key = dict((kind, (key, single)) for key, (kind, single) in IN_PROJECT.items())
    top_key = dict((kind, (key, single)) for key, (kind, single) in TOP_LEVEL.items())
    model = {}
    projects = {}
    for kind in ["project"] + [name for name in by_kind if name != "project"]:
        for item in by_kind.get(kind) or []:
            item = copy.deepcopy(item)
            project = item.pop("project", None) if kind in nested_key else None
            if kind == "project":
                projects[item["name"]] = item
            if project is None:
                key, single = top_key[kind]
                target = model
            else:
                if project not in projects:
                    raise ModelError("%s of project %s: the project is not in the model" % (kind, project))
                key, single = nested_key[kind]
                target = projects[project]
            if single:
                target[key] = item
            else:
                target.setdefault(key, []).append(item)
    return model
