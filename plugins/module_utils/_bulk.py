# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The bulk path: a whole list of objects of one or more kinds reconciled in one module run.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

Every object is handled by the same resource class as its single-object module (``_resources``), built from a plain
dict of options that the module's own argument spec validated, so both paths share one idempotency rule. What the
bulk path adds:

* validation of every item of every kind before the first request (an unknown key or a wrong type names the item);
* reads from whole lists: the client lists a collection once (page_size 100, one keep-alive session) and answers
  each object's lookup from memory (``HarborClient.listing``); every object of a kind is planned before the first
  write, so the lists stay fresh;
* ``prune``: objects of a kind that the items do not declare are deleted, except protected names and Harbor's
  built-ins.
"""

from __future__ import annotations

import fnmatch

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import (
    PROJECT_NAME_HEADER,
    HarborError,
    exact_query,
    quote_path,
)
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resource import MASK, ActionFailed
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.configuration import Configuration
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.cve_allowlist import CveAllowlist
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.gc import Gc
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.immutable_tag_rule import ImmutableTagRule
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.label import Label
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.project import Project
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.project_member import GROUP_TYPES, ProjectMember
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.purge_audit import PurgeAudit
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.registry import Registry
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.replication_policy import ReplicationPolicy
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.retention_policy import RetentionPolicy
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.robot import Robot
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.scan_all import ScanAll
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.scanner import Scanner
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.user import User
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.user_group import UserGroup, find_group
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.webhook_policy import WebhookPolicy
from ansible_collections.harbor_ops.harbor.plugins.module_utils._robot import robot_filter
from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import check_int64, check_shapes, shown

GROUP_TYPE_NAMES = dict((number, name) for name, number in GROUP_TYPES.items())
CONNECTION_KEYS = ("url", "username", "password", "validate_certs", "ca_path", "timeout")
KWARG_NAMES = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


def _in_project(params, name):
    return "%s/%s" % (params["project"], name) if params.get("project") else name


def _selector_label(params):
    repositories = ("!" if params["repository_decoration"] == "excludes" else "") + params["repositories"]
    tags = ("!" if params["tag_decoration"] == "excludes" else "") + params["tags"]
    return "%s/%s:%s" % (params["project"], repositories, tags)


def _member_label(params):
    if params.get("user") is not None:
        return "%s/%s" % (params["project"], params["user"])
    return "%s/%s (%s group)" % (params["project"], params["group"], params["group_type"])


# ------------------------------------------------------------------ what exists (for prune)

def _existing_projects(client, projects):
    return [dict(name=item["name"]) for item in client.list_all("/projects")]


def _existing_users(client, projects):
    return [dict(name=item["username"]) for item in client.list_all("/users")]


def _existing_user_groups(client, projects):
    return [dict(name=item["group_name"], type=GROUP_TYPE_NAMES.get(item.get("group_type"), "http"))
            for item in client.list_all("/usergroups")]


def _existing_named(path):
    return lambda client, projects: [dict(name=item["name"]) for item in client.list_all(path)]


def _existing_labels(client, projects):
    found = [dict(name=item["name"]) for item in client.list_all("/labels", params=dict(scope="g"))]
    for name in projects:
        project = client.get_project(name)
        if project is not None:
            found.extend(dict(name=item["name"], project=name) for item in client.list_all(
                "/labels", params=dict(scope="p", project_id=project["project_id"])))
    return found


def _existing_robots(client, projects):
    found = [dict(name=item["name"], level="system") for item in client.list_all("/robots")]
    for name in projects:
        project = client.get_project(name)
        if project is not None:
            found.extend(dict(name=item["name"], project=name) for item in client.list_all(
                "/robots", params=robot_filter(project["project_id"])))
    return found


def _existing_members(client, projects):
    found = []
    groups = None
    for name in projects:
        if client.get_project(name) is None:
            continue
        for member in client.list_all("/projects/%s/members" % quote_path(name), headers=PROJECT_NAME_HEADER):
            if member.get("entity_type") == "u":
                found.append(dict(project=name, user=member["entity_name"]))
            else:
                if groups is None:  # one list of the groups, not a read per group member
                    groups = dict((group["id"], group) for group in client.list_all("/usergroups"))
                group = groups.get(member.get("entity_id")) or {}
                found.append(dict(project=name, group=member["entity_name"],
                                  group_type=GROUP_TYPE_NAMES.get(group.get("group_type"), "http")))
    return found


def _existing_webhooks(client, projects):
    found = []
    for name in projects:
        if client.get_project(name) is not None:
            found.extend(dict(project=name, name=item["name"]) for item in client.list_all(
                "/projects/%s/webhook/policies" % quote_path(name), headers=PROJECT_NAME_HEADER))
    return found


def _project_ref(params):
    return [("project", params["project"])] if params.get("project") else []


def _member_refs(params):
    refs = _project_ref(params)
    if params.get("user") is not None:
        refs.append(("user", params["user"]))
    else:
        refs.append(("user_group", "%s (%s)" % (params["group"], params["group_type"])))
    return refs


def _registry_refs(*options):
    return lambda params: [("registry", params[key]) for key in options if params.get(key)]


class Kind(object):
    """One kind of object on the bulk path: its resource class, how an item is named, and how prune finds objects.

    ``builtin(params)`` tells the objects that Harbor itself owns (never pruned); ``existing(client, projects)``
    lists the objects that exist (project-scoped kinds within ``projects``) as identity options;
    ``references(params)`` names the objects of other kinds that an item needs, as (kind, name).
    """

    def __init__(self, name, resource, label, existing=None, builtin=None, single=False, references=None):
        self.name = name
        self.resource = resource
        self.label = label
        self.existing = existing
        self.builtin = builtin or (lambda params: False)
        self.single = single
        self.references = references or _project_ref

    @property
    def spec_kwargs(self):
        return dict((key, value) for key, value in self.resource.module_kwargs.items() if key in KWARG_NAMES)


#: every kind, in the order the bulk path applies them: what others refer to comes first (registries before
#: proxy-cache projects and replication; projects before members, robots and rules)
KINDS = [
    Kind("configuration", Configuration, lambda p: "configuration", single=True, references=lambda p: []),
    Kind("user", User, lambda p: p["name"], _existing_users,
         builtin=lambda p: p["name"] in ("admin", "anonymous"), references=lambda p: []),
    Kind("user_group", UserGroup, lambda p: "%s (%s)" % (p["name"], p["type"]), _existing_user_groups, references=lambda p: []),
    Kind("registry", Registry, lambda p: p["name"], _existing_named("/registries"), references=lambda p: []),
    Kind("project", Project, lambda p: p["name"], _existing_projects, builtin=lambda p: p["name"] == "library",
         references=_registry_refs("proxy_cache_registry")),
    Kind("cve_allowlist", CveAllowlist, lambda p: p["project"] or "system"),
    Kind("scanner", Scanner, lambda p: p["name"], _existing_named("/scanners"),
         builtin=lambda p: p["name"] == "Trivy", references=lambda p: [("project", n) for n in p["projects"] or []]),
    Kind("label", Label, lambda p: _in_project(p, p["name"]), _existing_labels),
    Kind("project_member", ProjectMember, _member_label, _existing_members,
         builtin=lambda p: p.get("user") == "admin", references=_member_refs),
    Kind("robot", Robot, lambda p: p["name"], _existing_robots),
    Kind("webhook_policy", WebhookPolicy, lambda p: _in_project(p, p["name"]), _existing_webhooks),
    Kind("immutable_tag_rule", ImmutableTagRule, _selector_label),
    Kind("retention_policy", RetentionPolicy, lambda p: p["project"]),
    Kind("replication_policy", ReplicationPolicy, lambda p: p["name"], _existing_named("/replication/policies"),
         references=_registry_refs("src_registry", "dest_registry")),
    Kind("gc", Gc, lambda p: "gc", single=True, references=lambda p: []),
    Kind("purge_audit", PurgeAudit, lambda p: "purge_audit", single=True, references=lambda p: []),
    Kind("scan_all", ScanAll, lambda p: "scan_all", single=True, references=lambda p: []),
]
KIND_NAMES = [kind.name for kind in KINDS]
BY_NAME = dict((kind.name, kind) for kind in KINDS)
SCOPED = ("label", "robot", "project_member", "webhook_policy")


class Item(object):
    """One object of the bulk path: its kind, validated options, name in messages, and resource."""

    def __init__(self, kind, params, position):
        self.kind = kind
        self.params = params
        self.position = position
        self.label = None
        self.resource = None
        self.plan = None
        self.pruned = False
        self.predicted = False  # check mode: created after a parent that the run would create (nothing read)

    @property
    def where(self):
        return "%s[%d] (%s)" % (self.kind.name, self.position, self.label)


def validate_item(kind, raw, position):
    """Validate one item with its single-object module's rules; return (params, no_log values, error)."""
    if not isinstance(raw, dict):
        return None, (), "%s[%d]: an item must be a dict of the options of harbor_ops.harbor.%s, got %s" % (
            kind.name, position, kind.name, shown(raw))
    name = "/".join(str(raw[key]) for key in ("project", "name", "user", "group", "tags") if raw.get(key))
    problem = check_shapes(kind.resource.module_args, raw)
    if problem:
        return None, (), "%s[%d] (%s): %s" % (kind.name, position, name, problem)
    validator = ArgumentSpecValidator(kind.resource.module_args, **kind.spec_kwargs)
    result = validator.validate(dict(raw))
    if result.error_messages:
        messages = [str(error) for error in result.errors if error.__class__.__name__ != "UnsupportedError"]
        unknown = sorted(".".join(key) if isinstance(key, tuple) else key for key in result.unsupported_parameters)
        if unknown:
            messages.insert(0, "unknown key%s %s" % ("s" if len(unknown) > 1 else "", ", ".join(unknown)))
        return None, result._no_log_values, "%s[%d] (%s): %s (the options of harbor_ops.harbor.%s apply)" % (
            kind.name, position, name, "; ".join(messages), kind.name)
    problem = check_int64(kind.resource.module_args, result.validated_parameters)
    if problem:
        return None, result._no_log_values, "%s[%d] (%s): %s" % (kind.name, position, name, problem)
    return result.validated_parameters, result._no_log_values, None


class Reconciler(object):
    """Reconcile ``objects`` (kind -> list of option dicts) on the module's client, in ``KINDS`` order."""

    def __init__(self, module, objects, prune=(), protect=None, projects=None, kinds=None):
        self.module = module
        self.client = module.client
        self.objects = objects
        self.kinds = kinds
        self.prune = set(prune or ())
        self.protect = protect or {}
        self.projects = projects
        self.items = []
        self.results = []
        self.secrets = {}
        self.secret_files = {}
        self.pending = set()  # (kind, name) of what check mode would create
        self.declared_present = set()
        self._exists = {}
        self.diffs = []
        self.warnings = []

    # ------------------------------------------------------------ before any request

    def validate(self):
        """Validate every item of every kind; return the error messages (empty: all valid). No request is sent."""
        problems = []
        for where, names in (("", self.objects), ("kinds: ", self.kinds or ())):
            unknown = [shown(name) for name in names if name not in BY_NAME]
            if unknown:  # one problem for them all: the list of kinds once
                problems.append("%sunknown kind%s %s: use one of %s" % (
                    where, "s" if len(unknown) > 1 else "", ", ".join(unknown[:2]) + (
                        " and %d more" % (len(unknown) - 2) if len(unknown) > 2 else ""), ", ".join(KIND_NAMES)))
        for name in list(self.prune) + list(self.protect):
            if name not in BY_NAME or BY_NAME[name].existing is None:
                problems.append("prune/protect %r: prune is for %s" % (
                    name, ", ".join(kind.name for kind in KINDS if kind.existing is not None)))
        for kind in KINDS:
            seen = {}
            raw_items = self.objects.get(kind.name)
            if raw_items is None or raw_items in ([], {}, ""):
                continue
            if not isinstance(raw_items, list):
                problems.append("%s: give a list of items (dicts of the options of harbor_ops.harbor.%s), got %s" % (
                    kind.name, kind.name, shown(raw_items)))
                continue
            if kind.single and len(raw_items) > 1:
                problems.append("%s is one object: give at most one item, not %d" % (kind.name, len(raw_items)))
            for position, raw in enumerate(raw_items):
                params, secrets, problem = validate_item(kind, raw, position)
                self.module.no_log_values.update(secrets)
                if problem:
                    problems.append(problem)
                    continue
                item = Item(kind, dict(self.connection(), **params), position)
                item.resource = kind.resource(self.module, item.params)
                item.label = kind.label(params)
                problem = item.resource.validate()
                if kind.name == "robot" and item.resource.robot is not None:
                    item.label = item.resource.robot.full
                if problem:
                    problems.append("%s: %s" % (item.where, problem))
                    continue
                if item.label in seen:
                    problems.append("%s: declared twice (also %s[%d])" % (item.where, kind.name, seen[item.label]))
                    continue
                seen[item.label] = position
                self.items.append(item)
                if params.get("state", "present") == "present":
                    self.declared_present.add((kind.name, item.label))
        return problems

    def declared(self):
        """The kinds that the items declare objects of, in ``KINDS`` order."""
        return [kind.name for kind in KINDS if self.objects.get(kind.name)]

    def connection(self):
        return dict((key, self.module.params[key]) for key in CONNECTION_KEYS)

    # ------------------------------------------------------------ the run

    def run(self):
        self.client.bulk()
        for item in self.items:
            if self.kinds is None or item.kind.name in self.kinds:
                item.resource.check_versions()
        for kind in KINDS:
            if self.kinds is not None and kind.name not in self.kinds:
                continue
            items = [item for item in self.items if item.kind is kind]
            if kind.name in self.prune:
                items.extend(self.prune_items(kind, items))
            if not items:
                continue
            self.client.refresh()  # the lists read before earlier kinds' writes are stale
            if kind.single:
                for item in items:
                    self.record(item, self.guard(item, item.resource.execute))
                continue
            for item in items:  # every read of this kind first, while the lists are fresh
                waiting = self.waiting_for(item)
                if waiting:
                    self.record(item, self.predicted(item, waiting))
                    continue
                item.plan = self.guard(item, item.resource.plan)
                if self.module.check_mode and item.plan["action"] == "create":
                    self.pending.add((kind.name, item.label))
            for item in items:
                if not item.predicted:
                    self.record(item, self.guard(item, lambda: item.resource.apply(item.plan)))
        return self.summary()

    def waiting_for(self, item):
        """In check mode: the objects that ``item`` needs and that a real run would create first - in this module
        run, or as declared objects of an earlier phase (another task of the same playbook)."""
        if not self.module.check_mode:
            return []
        return ["%s %s" % ref for ref in item.kind.references(item.params)
                if ref in self.pending or ref in self.declared_present and not self.exists(ref)]

    def exists(self, ref):
        """Does the object ``ref`` (kind, name) exist in Harbor? (from the bulk lists)"""
        if ref not in self._exists:
            kind, name = ref
            if kind == "project":
                found = self.client.get_project(name)
            elif kind == "registry":
                found = self.client.find_by_name("/registries", name, filters=exact_query(name))
            elif kind == "user":
                found = self.client.get_user(name)
            else:
                group_name, group_type = name.rsplit(" (", 1)
                found = find_group(self.client, group_name, GROUP_TYPES[group_type.rstrip(")")])
            self._exists[ref] = found is not None
        return self._exists[ref]

    def predicted(self, item, waiting):
        """The check-mode result of an item whose parent this run would create: created too, as declared."""
        item.plan = dict(action="create")
        item.predicted = True
        self.pending.add((item.kind.name, item.label))
        self.module.warn("check mode: %s would be created after %s, which this run would create first; its "
                         "options are shown as declared" % (item.where, ", ".join(waiting)))
        spec = item.kind.resource.module_args
        declared = dict((key, MASK if spec.get(key, {}).get("no_log") else value) for key, value in item.params.items()
                        if value is not None and key not in CONNECTION_KEYS)
        result = dict(changed=True)
        if self.module._diff:
            result["diff"] = dict(before={}, after=declared)
        return result

    def guard(self, item, call):
        try:
            return call()
        except ActionFailed as exc:
            extra = dict(exc.extra)
            if extra.get("secret"):  # a robot created before the failure: its secret goes to the secrets file
                self.secrets[item.label] = extra.pop("secret")
            raise ActionFailed("%s: %s" % (item.where, exc.msg), **extra)
        except HarborError as exc:
            exc.message = "%s: %s" % (item.where, exc.message)
            raise

    def prune_items(self, kind, declared):
        """Items with state=absent for the objects of ``kind`` that exist but are neither declared nor kept."""
        projects = self.projects
        if projects is None:
            projects = sorted(set(item.params["project"] for item in self.items
                                  if item.params.get("project") and item.kind.name in SCOPED + ("project",))
                              | set(item.params["name"] for item in self.items if item.kind.name == "project"))
        declared_labels = set(item.label for item in declared)
        patterns = self.protect.get(kind.name) or []
        pruned = []
        for position, identity in enumerate(kind.existing(self.client, projects)):
            params, dummy, problem = validate_item(kind, dict(identity, state="absent"), position)
            if problem:
                continue  # not an object the module could name (a legacy robot, say): left alone
            item = Item(kind, dict(self.connection(), **params), position)
            item.resource = kind.resource(self.module, item.params)
            item.label = kind.label(params)
            if item.resource.validate():
                continue
            if kind.name == "robot":
                item.label = item.resource.robot.full
            if item.label in declared_labels or kind.builtin(params):
                continue
            if any(fnmatch.fnmatchcase(item.label, pattern) for pattern in patterns):
                continue
            item.pruned = True
            pruned.append(item)
        return pruned

    def record(self, item, result):
        secret = result.pop("secret", None)
        if secret:
            self.secrets[item.label] = secret
        result.pop("secret_set", None)  # the robot's declared secret: the user holds it already
        if secret and item.params.get("secret_file"):
            self.secret_files[item.label] = item.params["secret_file"]
        action = "ok"
        if result.get("changed"):
            action = (item.plan or {}).get("action") or "changed"
        entry = dict(kind=item.kind.name, name=item.label, action=action)
        if item.pruned:
            entry["pruned"] = True
        self.results.append(entry)
        if result.get("diff"):
            diff = dict(result["diff"])
            header = "%s %s" % (item.kind.name, item.label)
            diff.update(before_header=header, after_header=header)
            self.diffs.append(diff)

    def summary(self):
        counts = {}
        for entry in self.results:
            kind = counts.setdefault(entry["kind"], dict(created=0, updated=0, deleted=0, changed=0, ok=0))
            key = dict(create="created", update="updated", delete="deleted").get(entry["action"], entry["action"])
            kind[key] += 1
        changed = [entry for entry in self.results if entry["action"] != "ok"]
        return dict(changed=bool(changed), counts=counts, changes=changed, objects=len(self.results),
                    requests=dict(reads=self.client.reads, writes=self.client.writes))
