# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""Export: an existing Harbor read back as the configuration-as-code model (``_model``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.

Each kind's reader turns the objects that Harbor returns into the options of the kind's module, the inverse of the
resource's ``desired()``: applying the exported model to the same Harbor changes nothing. Secrets that Harbor never
returns (passwords, registry and scanner credentials, OIDC/LDAP secrets, webhook auth headers) become vault
placeholders, ``{{ vault_harbor_<kind>_<name>_<field> }}``, listed in ``Exporter.placeholders``.

Reads use the client's bulk lists (one list per 100 objects, project lists once per project).
"""

from __future__ import annotations

import re

from ansible_collections.harbor_ops.harbor.plugins.module_utils._api import PROJECT_NAME_HEADER, HarborError, quote_path
from ansible_collections.harbor_ops.harbor.plugins.module_utils._jobs import current_schedule, job_parameters
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.configuration import (
    AUTH_MODES,
    BLOCKS,
    SCOPES,
    SYSTEM_KEYS,
    WRITE_ONLY_SECRETS,
)
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.gc import (
    RESULT_PARAMETERS,
    SERVER_PARAMETERS,
)
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.project import BOOL_METADATA, INT_METADATA
from ansible_collections.harbor_ops.harbor.plugins.module_utils._resources.project_member import GROUP_TYPES
from ansible_collections.harbor_ops.harbor.plugins.module_utils._robot import DEFAULT_PREFIX, canonical, robot_filter
from ansible_collections.harbor_ops.harbor.plugins.module_utils._tag_rules import (
    readable_retention_rule,
    readable_selectors,
    schedule_of,
)

ROLE_NAMES = {1: "projectAdmin", 2: "developer", 3: "guest", 4: "maintainer", 5: "limitedGuest"}
GROUP_TYPE_NAMES = dict((number, name) for name, number in GROUP_TYPES.items())
AUTH_MODE_NAMES = dict((value, name) for name, value in AUTH_MODES.items())
SCOPE_NAMES = dict((number, name) for name, number in SCOPES.items())
BLOCK_OF_MODE = dict(ldap_auth="ldap", oidc_auth="oidc", uaa_auth="uaa", http_auth="http_authproxy")
SELECTOR_DEFAULTS = dict(tags="**", tag_decoration="matches", repositories="**", repository_decoration="matches",
                         disabled=False)
#: kinds ``export`` reads, in model order
EXPORTED = ("configuration", "user", "user_group", "registry", "project", "cve_allowlist", "scanner", "label",
            "project_member", "robot", "webhook_policy", "immutable_tag_rule", "retention_policy",
            "replication_policy", "gc", "purge_audit", "scan_all")
# Sizes written back as Harbor's UI shows them (1 GB = 1024 MB)
UNITS = (("TB", 1024 ** 4), ("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024))


def _bool(value):
    return value in (True, "true", "True")


def storage_text(number):
    """``10737418240`` as ``10GB`` (exact units only), ``-1`` as ``-1``."""
    if number is None or number < 0:
        return "-1"
    for unit, size in UNITS:
        if number % size == 0:
            return "%d%s" % (number // size, unit)
    return str(number)


def _without_none(options):
    """``options`` without the keys whose value is None (a secret left out, an option not set)."""
    return dict((key, value) for key, value in options.items() if value is not None)


def _drop_defaults(options, defaults):
    return dict((key, value) for key, value in options.items() if defaults.get(key, object()) != value)


class Exporter(object):
    """Read ``kinds`` of the client's Harbor into items by kind (``_model.nest`` makes the model of them)."""

    def __init__(self, client, kinds=None, vault_prefix="vault_harbor_", include_builtin=False):
        """``vault_prefix`` None: secrets that Harbor never returns are left out (the ``*_info`` modules)."""
        self.client = client
        self.kinds = [kind for kind in EXPORTED if kinds is None or kind in kinds]
        self.vault_prefix = vault_prefix
        self.include_builtin = include_builtin
        self.placeholders = []
        #: what the account may not read (Harbor answered 403), each once: ``*_info`` modules warn of them
        self.unreadable = []
        self._projects = None

    def run(self):
        self.client.bulk()
        by_kind = {}
        for kind in self.kinds:
            items = getattr(self, "read_" + kind)()
            if items:
                by_kind[kind] = items
        return by_kind

    # ------------------------------------------------------------ helpers

    def secret(self, kind, name, field):
        """A vault placeholder for a secret that Harbor never returns (None without a ``vault_prefix``)."""
        if self.vault_prefix is None:
            return None
        variable = "%s%s_%s_%s" % (self.vault_prefix, kind, re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_"),
                                   field)
        if variable not in self.placeholders:
            self.placeholders.append(variable)
        return "{{ %s }}" % variable

    def projects(self):
        if self._projects is None:
            self._projects = sorted(self.client.list_all("/projects"), key=lambda p: p["name"])
        return self._projects

    def registry_names(self):
        return dict((r["id"], r["name"]) for r in self.client.list_all("/registries"))

    def project_path(self, project, tail):
        return "/projects/%s/%s" % (quote_path(project["name"]), tail)

    # ------------------------------------------------------------ system

    def read_configuration(self):
        body = self.client.get("/configurations") or {}
        value = dict((key, (item or {}).get("value") if isinstance(item, dict) else item) for key, item in body.items())
        options = {}
        mode = value.get("auth_mode")
        if mode in AUTH_MODE_NAMES:
            options["auth_mode"] = AUTH_MODE_NAMES[mode]
        for key in SYSTEM_KEYS:
            if value.get(key) not in (None, ""):
                options[key] = value[key]
        block = BLOCK_OF_MODE.get(mode)
        if block:
            settings = {}
            for option, key, conversion in BLOCKS[block]:
                if key in WRITE_ONLY_SECRETS:
                    settings[option] = self.secret("configuration", block, option)
                    continue
                item = value.get(key)
                if item in (None, ""):
                    continue
                if conversion == "scope":
                    item = SCOPE_NAMES.get(item, item)
                elif conversion == "csv":
                    item = [part.strip() for part in str(item).split(",") if part.strip()]
                elif conversion == "json":
                    continue  # extra redirect parameters: rarely set, left unmanaged
                settings[option] = item
            options[block] = settings
        return [options] if options else []

    def read_user(self):
        if self.client.ensure_authenticated().get("auth_mode") != "db_auth":
            return []  # users come from LDAP/OIDC/UAA: not managed by harbor_ops.harbor.user
        items = []
        for user in sorted(self.client.list_all("/users"), key=lambda u: u["username"]):
            if user["username"] == "admin" and not self.include_builtin:
                continue
            items.append(self.user_item(user))
        return items

    def user_item(self, user):
        return _without_none(dict(name=user["username"], email=user.get("email") or "",
                                  realname=user.get("realname") or "", comment=user.get("comment") or "",
                                  sysadmin=bool(user.get("sysadmin_flag")),
                                  user_password=self.secret("user", user["username"], "password")))

    def read_user_group(self):
        items = []
        for group in sorted(self.client.list_all("/usergroups"), key=lambda g: (g["group_name"], g["group_type"])):
            item = dict(name=group["group_name"], type=GROUP_TYPE_NAMES.get(group.get("group_type"), "http"))
            if group.get("ldap_group_dn"):
                item["ldap_group_dn"] = group["ldap_group_dn"]
            items.append(item)
        return items

    def read_registry(self):
        items = []
        for registry in sorted(self.client.list_all("/registries"), key=lambda r: r["name"]):
            items.append(self.registry_item(registry))
        return items

    def registry_item(self, registry):
        item = dict(name=registry["name"], type=registry["type"], endpoint_url=registry.get("url") or "",
                    description=registry.get("description") or "", insecure=bool(registry.get("insecure")))
        credential = registry.get("credential") or {}
        if credential.get("access_key"):
            item["credential_type"] = credential.get("type") or "basic"
            item["access_key"] = credential["access_key"]
            item["access_secret"] = self.secret("registry", registry["name"], "access_secret")
        return _without_none(item)

    def read_scanner(self):
        items = []
        for scanner in sorted(self.client.list_all("/scanners"), key=lambda s: s["name"]):
            item = dict(name=scanner["name"], adapter_url=scanner.get("url") or "",
                        description=scanner.get("description") or "", auth=scanner.get("auth") or "none",
                        skip_cert_verify=bool(scanner.get("skip_certVerify")),
                        use_internal_addr=bool(scanner.get("use_internal_addr")),
                        disabled=bool(scanner.get("disabled")), default=bool(scanner.get("is_default")))
            if item["auth"] == "":
                item["auth"] = "none"
            if item["auth"] != "none":
                item["access_credential"] = self.secret("scanner", scanner["name"], "access_credential")
            items.append(item)
        return items

    def read_cve_allowlist(self):
        allowlist = self.client.get("/system/CVEAllowlist") or {}
        cves = sorted(item["cve_id"] for item in allowlist.get("items") or [])
        items = []
        if cves:
            item = dict(cves=cves)
            if allowlist.get("expires_at"):
                item["expires_at"] = str(allowlist["expires_at"])
            items.append(item)
        for project in self.projects():  # a project's own list, whether the system list is empty or not
            own = project.get("cve_allowlist") or {}
            cves = sorted(i["cve_id"] for i in own.get("items") or [])
            if cves:
                entry = dict(project=project["name"], cves=cves)
                if own.get("expires_at"):
                    entry["expires_at"] = str(own["expires_at"])
                items.append(entry)
        return items

    # ------------------------------------------------------------ projects

    def read_project(self):
        registries = self.registry_names()
        return [self.project_item(project, registries) for project in self.projects()]

    def project_item(self, project, registries):
        metadata = project.get("metadata") or {}
        item = dict(name=project["name"])
        for key in BOOL_METADATA:
            if key in metadata:
                item[key] = _bool(metadata[key])
        for key in INT_METADATA:
            if str(metadata.get(key, "")).lstrip("-").isdigit():
                item[key] = int(metadata[key])
        if metadata.get("severity"):
            item["severity"] = metadata["severity"]
        try:
            quota = self.client.lookup("/quotas", "ref.id", project["project_id"],
                                       filters=dict(reference_id=project["project_id"]),
                                       params=dict(reference="project"))
        except HarborError as error:
            # quotas are listed at system level: a project robot may read its project but not its quota
            if error.status != 403:
                raise
            quota = None
            if "storage_quota" not in self.unreadable:
                self.unreadable.append("storage_quota")
        if quota is not None and (quota.get("hard") or {}).get("storage") is not None:
            item["storage_quota"] = storage_text(quota["hard"]["storage"])
        if project.get("registry_id"):
            item["proxy_cache_registry"] = registries.get(project["registry_id"])
        return item

    def read_label(self):
        items = [dict(name=label["name"], description=label.get("description") or "", color=label.get("color") or "")
                 for label in sorted(self.client.list_all("/labels", params=dict(scope="g")), key=lambda x: x["name"])]
        for project in self.projects():
            labels = self.client.list_all("/labels", params=dict(scope="p", project_id=project["project_id"]))
            items.extend(dict(project=project["name"], name=label["name"], description=label.get("description") or "",
                              color=label.get("color") or "") for label in sorted(labels, key=lambda x: x["name"]))
        return [dict((k, v) for k, v in item.items() if v != "" or k != "color") for item in items]  # no colour

    def read_project_member(self):
        groups = None
        items = []
        for project in self.projects():
            members = self.client.list_all(self.project_path(project, "members"), headers=PROJECT_NAME_HEADER)
            for member in sorted(members, key=lambda m: (m.get("entity_type"), m.get("entity_name"))):
                if member.get("entity_type") == "u":
                    if member["entity_name"] == "admin" and not self.include_builtin:
                        continue
                    item = dict(project=project["name"], user=member["entity_name"])
                else:
                    if groups is None:
                        groups = dict((g["id"], g) for g in self.client.list_all("/usergroups"))
                    group = groups.get(member.get("entity_id")) or {}
                    item = dict(project=project["name"], group=member["entity_name"],
                                group_type=GROUP_TYPE_NAMES.get(group.get("group_type"), "http"))
                item["role"] = ROLE_NAMES.get(member.get("role_id"), "guest")
                items.append(item)
        return items

    def read_robot(self):
        items = []
        for robot in sorted(self.client.list_all("/robots"), key=lambda r: r["name"]):
            items.append(self.robot_item(robot, None))
        for project in self.projects():
            robots = self.client.list_all("/robots", params=robot_filter(project["project_id"]))
            items.extend(self.robot_item(robot, project["name"]) for robot in sorted(robots, key=lambda r: r["name"]))
        return [item for item in items if item is not None]

    def robot_item(self, robot, project):
        name = robot["name"]
        if name.startswith(DEFAULT_PREFIX):
            name = name[len(DEFAULT_PREFIX):]
        if project is not None:
            name = name.split("+", 1)[-1]
        if robot.get("editable") is False:
            return None  # a legacy (v1) robot: the robot module cannot manage it
        permissions = []
        for perm in canonical(robot.get("permissions")):
            actions = {}
            for access in perm["access"]:
                if access.get("effect"):
                    return None  # a deny rule: not expressible in the robot module's options
                actions.setdefault(access["resource"], []).append(access["action"])
            entry = dict(access=[dict(resource=resource, actions=sorted(acts)) for resource, acts in
                                 sorted(actions.items())])
            if project is None and perm["kind"] == "project":
                entry["project"] = perm["namespace"]
            permissions.append(entry)
        item = dict(name=name, description=robot.get("description") or "", duration=robot.get("duration"),
                    disable=bool(robot.get("disable")), permissions=permissions)
        if project is not None:
            item["project"] = project
        return item

    def read_webhook_policy(self):
        items = []
        for project in self.projects():
            policies = self.client.list_all(self.project_path(project, "webhook/policies"), headers=PROJECT_NAME_HEADER)
            items.extend(self.webhook_policy_item(project, policy) for policy in sorted(policies, key=lambda p: p["name"]))
        return items

    def webhook_policy_item(self, project, policy):
        targets = []
        for target in policy.get("targets") or []:
            out = dict(type=target.get("type") or "http", address=target.get("address") or "",
                       skip_cert_verify=bool(target.get("skip_cert_verify")))
            if out["type"] == "slack" and out["address"] and self.vault_prefix is not None:
                # a Slack incoming-webhook URL is a credential: whoever holds it may post to the channel
                out["address"] = self.secret("webhook", "%s_%s" % (project["name"], policy["name"]), "address")
            if out["type"] == "http":
                out["payload_format"] = target.get("payload_format") or "Default"
            if target.get("auth_header"):
                out["auth_header"] = self.secret("webhook", "%s_%s" % (project["name"], policy["name"]),
                                                 "auth_header")
            targets.append(_without_none(out))
        return dict(project=project["name"], name=policy["name"],
                    description=policy.get("description") or "", enabled=bool(policy.get("enabled")),
                    event_types=sorted(policy.get("event_types") or []), targets=targets)

    def read_immutable_tag_rule(self):
        items = []
        for project in self.projects():
            rules = self.client.list_all(self.project_path(project, "immutabletagrules"), headers=PROJECT_NAME_HEADER)
            for rule in rules:
                items.append(dict(_drop_defaults(readable_selectors(rule), dict(SELECTOR_DEFAULTS, tags=None)),
                                  project=project["name"]))
        return items

    def read_retention_policy(self):
        items = []
        for project in self.projects():
            retention_id = str((project.get("metadata") or {}).get("retention_id") or "")
            if not retention_id.isdigit() or int(retention_id) <= 0:
                continue
            policy = self.client.get("/retentions/%s" % retention_id, missing_ok=True)
            if not isinstance(policy, dict) or (policy.get("scope") or {}).get("ref") != project["project_id"]:
                continue  # a stale id (errata E10)
            items.append(self.retention_policy_item(project, policy))
        return items

    def retention_policy_item(self, project, policy):
        rules = []
        for rule in policy.get("rules") or []:
            readable = readable_retention_rule(rule)
            if any(key in readable for key in ("count", "days")) or not readable["params"]:
                readable.pop("params")
            rules.append(_drop_defaults(readable, dict(SELECTOR_DEFAULTS, tags=None, untagged=True)))
        return dict(project=project["name"], rules=rules, schedule=schedule_of(policy))

    # ------------------------------------------------------------ replication and jobs

    def read_replication_policy(self):
        registries = self.registry_names()
        return [self.replication_policy_item(policy, registries)
                for policy in sorted(self.client.list_all("/replication/policies"), key=lambda p: p["name"])]

    def replication_policy_item(self, policy, registries):
        item = dict(name=policy["name"], description=policy.get("description") or "",
                    dest_namespace=policy.get("dest_namespace") or "",
                    override=bool(policy.get("override")), enabled=bool(policy.get("enabled")),
                    replicate_deletion=bool(policy.get("replicate_deletion") or policy.get("deletion")))
        src = (policy.get("src_registry") or {}).get("id")
        dest = (policy.get("dest_registry") or {}).get("id")
        if src:
            item["src_registry"] = registries.get(src)
        else:
            item["dest_registry"] = registries.get(dest)
        if policy.get("dest_namespace_replace_count") is not None:
            item["dest_namespace_replace_count"] = policy["dest_namespace_replace_count"]
        if policy.get("speed"):
            item["speed"] = policy["speed"]
        item["filters"] = [dict((k, v) for k, v in f.items() if k in ("type", "value", "decoration"))
                           for f in policy.get("filters") or []]
        trigger = policy.get("trigger") or {}
        item["trigger"] = trigger.get("type") or "manual"
        if item["trigger"] == "scheduled":
            item["cron"] = (trigger.get("trigger_settings") or {}).get("cron")
        return item

    def _schedule(self, path):
        body = self.client.get(path) or {}
        schedule = current_schedule(body)
        if schedule is None:
            return None, body
        options = dict(schedule=schedule["type"])
        if schedule["type"] == "Custom":
            options["cron"] = schedule["cron"]
        return options, body

    def read_gc(self):
        options, body = self._schedule("/system/gc/schedule")
        if options is None:
            return []
        parameters = job_parameters(body.get("job_parameters"), drop=SERVER_PARAMETERS + RESULT_PARAMETERS)
        for key in ("delete_untagged", "workers", "dry_run", "delete_tag"):
            if key in parameters:
                options[key] = parameters[key]
        return [options]

    def read_purge_audit(self):
        options, body = self._schedule("/system/purgeaudit/schedule")
        if options is None:
            return []
        parameters = job_parameters(body.get("job_parameters"))
        if parameters.get("audit_retention_hour") is not None:
            options["retention_hours"] = int(parameters["audit_retention_hour"])
        events = parameters.get("include_event_types") or parameters.get("include_operations")
        if events:
            options["event_types"] = sorted(part.strip() for part in str(events).split(",") if part.strip()) \
                if isinstance(events, str) else sorted(events)
        if "dry_run" in parameters:
            options["dry_run"] = bool(parameters["dry_run"])
        return [options]

    def read_scan_all(self):
        options, dummy = self._schedule("/system/scanAll/schedule")
        return [options] if options else []
