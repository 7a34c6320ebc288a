# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""Robot accounts: names, permissions and expiry, shared by the robot and robot_info modules.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

* Names: Harbor stores a system robot as ``ci`` and a project robot as ``<project>+ci`` and returns both with
  the ``robot_name_prefix`` configuration (default ``robot$``): ``robot$ci``, ``robot$production+ci``.
* Permissions: the modules take a readable list and send Harbor's
  ``[{"kind", "namespace", "access": [{"resource", "action"}]}]``, in one canonical order so that lists
  compare order-insensitively.
* Expiry: ``expires_at`` is epoch seconds (``-1`` = never); ``days_left`` and a warning are derived from it.
"""

from __future__ import annotations

import datetime
import time

from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_name

DEFAULT_PREFIX = "robot$"
DAY = 86400
# Harbor's duration limit (days), errata E5
MAX_DURATION = 2147483646


def _pairs(table):
    return dict((resource, frozenset(actions.split())) for resource, actions in table.items())


# Every resource/action pair that some supported Harbor (2.10-2.15) accepts for a robot, by scope: Harbor's
# rbac policies plus the extras 2.12 added (errata E7). A pair outside this table is refused before any
# request; the exact set of the connected version comes from GET /permissions (``allowed_by_harbor``).
KNOWN_PERMISSIONS = {
    "system": _pairs({
        "audit-log": "list", "catalog": "read", "garbage-collection": "read create list update stop",
        "jobservice-monitor": "list stop", "label": "read create delete update", "ldap-user": "create list",
        "preheat-instance": "read create delete list update", "project": "list create",
        "purge-audit": "read create list update stop", "quota": "read list update",
        "registry": "read create delete list update", "replication": "read create list",
        "replication-adapter": "list", "replication-policy": "read create delete list update",
        "robot": "create read list delete", "scan-all": "read update stop create",
        "scanner": "read create delete list update", "security-hub": "read list", "system-volumes": "read",
        "user": "create read update list delete", "user-group": "create read update list delete",
    }),
    "project": _pairs({
        "accessory": "list", "artifact": "read create list delete", "artifact-addition": "read",
        "artifact-label": "create delete", "export-cve": "create read", "immutable-tag": "create delete list update",
        "label": "create delete list read update", "log": "list", "member": "create read update list delete",
        "metadata": "read create update delete list", "notification-policy": "read create delete list update",
        "preheat-policy": "read create delete list update", "project": "read update delete", "quota": "read",
        "repository": "read list update delete pull push", "robot": "create read list delete",
        "sbom": "create stop read", "scan": "create stop read", "scanner": "create read",
        "tag": "create list delete", "tag-retention": "read create delete list update operate",
    }),
}


class RobotName(object):
    """A robot's identity: short name, level, project (None for system robots) and name prefix."""

    def __init__(self, short, level, project, prefix=DEFAULT_PREFIX):
        self.short = short
        self.level = level
        self.project = project
        self.prefix = prefix

    @property
    def stored(self):
        """The name as Harbor stores it (``ci`` or ``production+ci``)."""
        return self.short if self.level == "system" else "%s+%s" % (self.project, self.short)

    @property
    def full(self):
        """The name as Harbor returns it and robots log in with (``robot$production+ci``)."""
        return self.prefix + self.stored


def parse_name(name, project=None, level=None, prefix=DEFAULT_PREFIX):
    """Read ``ci``, ``robot$ci``, ``production+ci`` or ``robot$production+ci``; return (RobotName, error).

    ``level`` defaults to project when a project is named (by ``project`` or in the name), else system.
    """
    text = name or ""
    if prefix and text.startswith(prefix):
        text = text[len(prefix):]
    named_project, plus, short = text.rpartition("+")
    if plus:
        problem = check_name(named_project, what="project name in robot name %r" % name)
        if problem:
            return None, problem
        if project is not None and project != named_project:
            return None, "name %r names project %s, but project is %s" % (name, named_project, project)
        if level == "system":
            return None, "name %r is a project robot's name (<project>+<name>), but level is system" % name
        project = named_project
    problem = check_name(short, what="robot name %r: the short name" % name)
    if problem:
        return None, problem + " (the full forms %sci and %sproduction+ci are accepted too)" % (prefix, prefix)
    if level is None:
        level = "project" if project is not None else "system"
    if level == "project" and project is None:
        return None, ("a project robot needs its project: set project (or use a name such as %sproduction+%s)"
                      % (prefix, short))
    if level == "system" and project is not None:
        return None, ("project is only for project robots; a system robot names its projects in "
                      "permissions[].project")
    if project is not None:
        problem = check_name(project)
        if problem:
            return None, problem
    return RobotName(short, level, project, prefix), None


def canonical(permissions):
    """Harbor's permission list in one order (kind, namespace, resource, action), duplicates merged.

    An ``effect`` of "allow" (or none) is dropped: it is Harbor's default.
    """
    merged = {}
    for perm in permissions or []:
        key = (perm.get("kind") or "", perm.get("namespace") or "")
        access = merged.setdefault(key, set())
        for item in perm.get("access") or []:
            effect = item.get("effect") or "allow"
            access.add((item.get("resource") or "", item.get("action") or "", effect))
    result = []
    for (kind, namespace), access in sorted(merged.items()):
        items = []
        for resource, action, effect in sorted(access):
            item = dict(resource=resource, action=action)
            if effect != "allow":
                item["effect"] = effect
            items.append(item)
        result.append(dict(kind=kind, namespace=namespace, access=items))
    return result


def _access_items(entry, index):
    """[(resource, [actions])] of one ``permissions`` entry, or an error."""
    items = []
    if entry.get("resource") is not None or entry.get("actions") is not None:
        if not entry.get("resource") or not entry.get("actions"):
            return None, "permissions[%d]: resource and actions go together" % index
        items.append((entry["resource"], entry["actions"]))
    for item in entry.get("access") or []:
        if not item.get("resource") or not item.get("actions"):
            return None, "permissions[%d].access: every item needs a resource and its actions" % index
        items.append((item["resource"], item["actions"]))
    if not items:
        return None, "permissions[%d] grants nothing: give resource and actions, or access" % index
    return items, None


def build_permissions(entries, robot):
    """Harbor's permission list from the ``permissions`` option of ``robot`` (a RobotName), or an error.

    A project robot's entries apply to its project (``project``, if given, must be that project). A system
    robot's entry without ``project`` is a system-scope permission; ``project: "*"`` means every project.
    Every resource/action pair is checked against KNOWN_PERMISSIONS.
    """
    if not entries:
        return None, "permissions must not be empty: Harbor refuses a robot without permissions"
    result = []
    for index, entry in enumerate(entries):
        project = entry.get("project")
        if robot.level == "project":
            if project is not None and project != robot.project:
                return None, ("permissions[%d]: a project robot of %s can only hold permissions in %s, not %s"
                              % (index, robot.project, robot.project, project))
            kind, namespace = "project", robot.project
        elif project is None:
            kind, namespace = "system", "/"
        else:
            if project != "*":
                problem = check_name(project, what="permissions[%d].project" % index)
                if problem:
                    return None, problem + " (or '*' for every project)"
            kind, namespace = "project", project
        items, problem = _access_items(entry, index)
        if problem:
            return None, problem
        access = []
        known = KNOWN_PERMISSIONS[kind]
        for resource, actions in items:
            if resource not in known:
                return None, ("permissions[%d]: %r is not a %s-level resource of Harbor; known: %s"
                              % (index, resource, kind, ", ".join(sorted(known))))
            for action in actions:
                if action not in known[resource]:
                    return None, ("permissions[%d]: action %r is not valid for resource %r at %s level; valid: %s"
                                  % (index, action, resource, kind, ", ".join(sorted(known[resource]))))
                access.append(dict(resource=resource, action=action))
        result.append(dict(kind=kind, namespace=namespace, access=access))
    return canonical(result), None


def refused_by_harbor(permissions, allowed, version_text):
    """An error naming the first pair that the connected Harbor does not accept, or None.

    ``allowed`` is Harbor's GET /permissions answer (``{"system": [...], "project": [...]}``); a scope it does
    not list is not checked (Harbor then validates the write itself).
    """
    for perm in permissions:
        listed = (allowed or {}).get(perm["kind"])
        if listed is None:
            continue
        pairs = set((p.get("resource"), p.get("action")) for p in listed)
        for item in perm["access"]:
            if (item["resource"], item["action"]) not in pairs:
                return ("permission %s:%s (%s level) is not accepted by Harbor %s (GET /permissions); "
                        "it needs another Harbor version" % (item["resource"], item["action"], perm["kind"],
                                                             version_text))
    return None


def iso_time(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def with_expiry(robot, now=None):
    """A copy of ``robot`` with ``expires_at_iso`` and ``days_left`` (None when it never expires)."""
    result = dict(robot)
    expires_at = robot.get("expires_at")
    if not isinstance(expires_at, int) or expires_at < 0:
        result.update(expires_at_iso=None, days_left=None)
        return result
    now = time.time() if now is None else now
    result.update(expires_at_iso=iso_time(expires_at), days_left=int((expires_at - now) // DAY))
    return result


def expiry_warning(robot, warning_days, now=None):
    """A warning when an enabled robot has expired or expires within ``warning_days`` days (0: never)."""
    expires_at = robot.get("expires_at")
    if not warning_days or robot.get("disable") or not isinstance(expires_at, int) or expires_at < 0:
        return None
    now = time.time() if now is None else now
    if expires_at <= now:
        return ("robot %s expired on %s: Harbor treats it as anonymous; extend its duration or replace it"
                % (robot.get("name"), iso_time(expires_at)))
    if expires_at - now <= warning_days * DAY:
        return ("robot %s expires on %s (%.1f days left): extend its duration or rotate it before the pipelines "
                "that use it fail" % (robot.get("name"), iso_time(expires_at), (expires_at - now) / DAY))
    return None


def robot_filter(project_id=None):
    """The ``q`` that narrows ``GET /robots`` to the robots of the project with id ``project_id`` (None: all)."""
    return None if project_id is None else dict(q="Level=project,ProjectID=%d" % project_id)


def list_robots(client, project_id=None):
    """Every system robot, or every robot of the project with id ``project_id``."""
    return client.paginate("/robots", params=robot_filter(project_id))


def find_robot(client, full_name, project_id=None):
    """The robot called ``full_name`` (``robot$ci``, ``robot$project+ci``), or None.

    ``GET /robots`` without ``q`` lists only system robots; a project's robots need their project's ``q`` (one list
    per project in bulk mode).
    """
    return client.lookup("/robots", "name", full_name, params=robot_filter(project_id))
