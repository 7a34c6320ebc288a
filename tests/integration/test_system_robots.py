"""Every write module authenticated as a system robot: real ``ansible-playbook`` runs against the fake Harbor.

Robots are the usual automation credential, and Harbor authorises them by resource/action pairs
(``RequireSystemAccess`` and ``RequireProjectAccess`` in src/server/v2.0/handler/base.go), not by "is a sysadmin".
For Harbor 2.10 and 2.15, this test

1. prepares, as admin through the API, what the modules work on (a private project ``production`` with
   artifacts, a registry endpoint and a replication policy, a retention policy, a user);
2. creates per module a system robot holding exactly the pairs ``ROBOT_PERMISSIONS`` lists (on the system,
   on ``production``, or on every project ``*``), and a second robot that lacks one of them (``deny``);
   where Harbor gives robots no way at all (``configuration``, the system CVE allowlist, and the user, group,
   member and robot APIs before the version that lets robots hold those pairs, errata E7), one robot holding
   every pair the version allows instead;
3. runs ONE playbook (tests/integration/robot_runs/playbook.yml, one task file per module) in which every module
   does its main path as its robot (create, a re-run with ``changed=false`` and no write request, update,
   delete where the module has them) and fails with a clear 403 message as the robot without the permission;
4. checks, like test_targets.py: ansible-playbook succeeded, zero contract violations, no known secret in ``-vvv``.

``test_notes_list_the_permissions`` holds each module's documentation to the same table: the ``notes`` must
say what a robot needs, in the words ``robot_sentence`` renders, so that the documented permissions are the
ones proven here.
"""

import ast
import http.cookiejar
import json
import os
import pathlib
import sys

import pytest
import requests
import yaml

from tests.fake_harbor.resources.robots import allowed_pairs
from tests.fake_harbor.server import FakeHarbor

from . import secret_scan
from .test_targets import ADMIN_PASSWORD, REPO, VERSIONS, run_playbook

HERE = pathlib.Path(__file__).resolve().parent
RUNS = HERE / "robot_runs"
PROJECT = "production"

# module -> what a system robot needs.  system / project / all_projects: "resource: action action; resource: ..."
# (project = on the project the module works on, all_projects = a "*" entry); deny: the pair the second robot
# lacks; since: the first version that lets a robot hold the pairs (errata E7; users: issue #22488);
# admin: Harbor gives robots no way to do it.
ROBOT_PERMISSIONS = {
    "configuration": dict(admin="C(configuration: read, update)"),
    "cve_allowlist": dict(project="project: read update", deny="project:update",
                          admin="C(configuration: update) for the system allowlist"),
    "gc": dict(system="garbage-collection: read list create update", deny="garbage-collection:update"),
    "immutable_tag_rule": dict(project="project: read; immutable-tag: list create update delete",
                               deny="immutable-tag:create"),
    "label": dict(system="label: create update delete", deny="label:create",
                  note="a project label needs C(project: read) and C(label: list, create, update, delete) on the "
                       "project"),
    "project": dict(system="project: create", all_projects="project: read update delete", deny="project:create",
                    note="C(project: create) only while the configuration C(project_creation_restriction) is "
                         "C(adminonly) (with C(everyone) any system robot may create projects); O(storage_quota) "
                         "also needs C(quota: list, update) (C(update) from Harbor 2.12 on), and "
                         "O(proxy_cache_registry) C(registry: list)"),
    "project_member": dict(project="project: read; member: list create update delete", deny="member:list",
                           since=(2, 12), note="a group member (O(group)) also needs the system permission "
                                               "C(user-group: list)"),
    "purge_audit": dict(system="purge-audit: read list create update", deny="purge-audit:update"),
    "registry": dict(system="registry: list read create update delete", deny="registry:create"),
    "replication_policy": dict(system="replication-policy: list create update delete; registry: list",
                               deny="replication-policy:create"),
    "replication_run": dict(system="replication-policy: list; replication: read list create",
                            deny="replication:create"),
    "retention_policy": dict(project="project: read; tag-retention: read create update delete; metadata: delete",
                             deny="tag-retention:create",
                             note="C(metadata: delete) is used on Harbor 2.10 to 2.13 only"),
    "retention_run": dict(project="project: read; tag-retention: read list update", deny="tag-retention:update"),
    "robot": dict(system="robot: list create delete", deny="robot:list", since=(2, 12),
                  note="a robot can only grant permissions it holds itself, and Harbor lets no robot hold "
                       "C(robot: update): changing an existing robot or its secret needs a Harbor administrator "
                       "(or a project administrator)"),
    "scan": dict(project="artifact: read; scan: create", deny="scan:create"),
    "scan_all": dict(system="scan-all: read create update", deny="scan-all:update"),
    "scanner": dict(system="scanner: list create update delete", deny="scanner:create",
                    note="O(projects) also needs C(scanner: read, create) on those projects"),
    "user": dict(system="user: read create update delete", deny="user:create", since=(2, 15),
                 since_note="robots can use them from Harbor 2.15 on (2.10 and 2.11 let no robot hold them, 2.12 to "
                            "2.14 refuse a robot another user's record even with them), so older versions need a "
                            "Harbor administrator"),
    "user_group": dict(system="user-group: list create delete", deny="user-group:list", since=(2, 12)),
    "webhook_policy": dict(project="project: read; notification-policy: list create update delete",
                           deny="notification-policy:create"),
}


def pairs(text):
    """``"registry: list read; label: create"`` -> {("registry", "list"), ("registry", "read"), ("label", ...)}"""
    out = set()
    for part in (text or "").split(";"):
        if part.strip():
            resource, _sep, actions = part.partition(":")
            out.update((resource.strip(), action) for action in actions.split())
    return out


def render(text):
    """``"registry: list read; label: create"`` -> ``C(registry: list, read), C(label: create)``"""
    parts = []
    for part in text.split(";"):
        resource, _sep, actions = part.partition(":")
        parts.append("C(%s: %s)" % (resource.strip(), ", ".join(actions.split())))
    return ", ".join(parts)


def robot_sentence(spec):
    """The sentence each write module's ``notes`` carry (test_notes_list_the_permissions)."""
    if "system" not in spec and "project" not in spec and "all_projects" not in spec:
        return ("As a system robot this module cannot work: it needs a Harbor administrator (Harbor lets no robot "
                "hold %s)." % spec["admin"])
    parts = []
    if "system" in spec:
        parts.append("the system permissions %s" % render(spec["system"]))
    if "project" in spec:
        parts.append("%s on the project (a permission entry for that project or for every project, V(*))"
                     % render(spec["project"]))
    if "all_projects" in spec:
        parts.append("%s on every project (a permission entry for V(*))" % render(spec["all_projects"]))
    sentence = "As a system robot this module needs %s" % " and ".join(parts)
    if "since" in spec:
        sentence += "; %s" % spec.get("since_note", "Harbor lets robots hold them from %d.%d on, so older versions "
                                                    "need a Harbor administrator" % spec["since"])
    if "note" in spec:
        sentence += "; %s" % spec["note"]
    if "admin" in spec:
        sentence += "; %s needs a Harbor administrator" % spec["admin"]
    return sentence + "."


def documentation(module):
    tree = ast.parse((REPO / "plugins" / "modules" / ("%s.py" % module)).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError("no DOCUMENTATION in %s" % module)


@pytest.mark.parametrize("module", sorted(ROBOT_PERMISSIONS))
def test_notes_list_the_permissions(module):
    notes = " ".join(" ".join(note.split()) for note in documentation(module).get("notes") or [])
    assert robot_sentence(ROBOT_PERMISSIONS[module]) in notes


# Modules that act through the single-object modules' resources: each kind needs the permissions that its module's
# notes list (their own notes say so), so the runs above cover them kind by kind.
AGGREGATES = {"reconcile", "export"}


def test_every_write_module_is_covered():
    readers = {p.stem for p in (REPO / "plugins" / "modules").glob("*.py")
               if p.stem.endswith("_info") or p.stem in ("system_info", "health_info", "vulnerability_info")}
    modules = {p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__"}
    assert modules - readers - AGGREGATES == set(ROBOT_PERMISSIONS)
    assert {p.stem for p in (RUNS / "tasks").glob("*.yml")} >= set(ROBOT_PERMISSIONS)


# ---------------------------------------------------------------- the run

class Admin:
    """The admin side of the test: plain API calls that prepare the objects and create the robots."""

    def __init__(self, fake):
        self.fake = fake
        self.session = requests.Session()
        self.session.auth = ("admin", ADMIN_PASSWORD)
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))  # no CSRF trouble

    def call(self, method, path, body=None, ok=(200, 201)):
        resp = self.session.request(method, self.fake.api_url + path, json=body, verify=self.fake.ca_path, timeout=30)
        assert resp.status_code in ok, "%s %s: %s %s" % (method, path, resp.status_code, resp.text)
        return resp

    def control(self, path, body):
        resp = requests.post(self.fake.url + "/_fake" + path, json=body, verify=self.fake.ca_path, timeout=30)
        assert resp.status_code in (200, 201), resp.text

    def prepare(self):
        """What the robots work on; created as admin, so that only the module under test runs as a robot."""
        self.call("POST", "/projects", {"project_name": PROJECT, "metadata": {"public": "false"}})
        # with "everyone" (the default) any authenticated system robot may create projects: only adminonly makes
        # project:create needed (CreateProject, handler/project.go)
        self.call("PUT", "/configurations", {"project_creation_restriction": "adminonly"})
        for tag, packages in (("v1", [{"name": "openssl", "version": "3.0.1", "vulnerabilities": [
                {"id": "CVE-2024-0001", "severity": "high"}]}]), ("v2", [{"name": "busybox", "version": "1.36"}])):
            self.control("/artifacts", {"project": PROJECT, "repository": "app", "tags": [tag], "size": 1024,
                                        "packages": packages})
        self.call("POST", "/registries", {"name": "dr-site", "type": "harbor", "url": "https://dr.example.com"})
        self.call("POST", "/replication/policies", {
            "name": "sync-to-dr", "dest_registry": {"id": 1}, "enabled": True, "trigger": {"type": "manual"},
            "filters": [{"type": "name", "value": PROJECT + "/**"}]})
        project_id = self.call("GET", "/projects/" + PROJECT).json()["project_id"]
        self.call("POST", "/retentions", {
            "algorithm": "or", "scope": {"level": "project", "ref": project_id},
            "trigger": {"kind": "Schedule", "settings": {"cron": ""}, "references": {}},
            "rules": [{"disabled": False, "action": "retain", "template": "latestPushedK",
                       "params": {"latestPushedK": 1},
                       "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                       "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches",
                                                           "pattern": "**"}]}}]})
        self.call("POST", "/users", {"username": "dev", "email": "dev@example.com", "realname": "Dev",
                                     "password": "Dev-Passw0rd"})

    def robot(self, name, system=(), project=(), all_projects=()):
        """A system robot holding exactly these pairs; returns {"name", "secret"}."""
        entries = []
        for kind, namespace, held in (("system", "/", system), ("project", PROJECT, project),
                                      ("project", "*", all_projects)):
            if held:
                entries.append({"kind": kind, "namespace": namespace, "access": [
                    {"resource": resource, "action": action} for resource, action in sorted(held)]})
        created = self.call("POST", "/robots", {"name": name, "level": "system", "duration": -1,
                                                "permissions": entries}).json()
        return {"name": created["name"], "secret": created["secret"]}


def accounts(admin, version):
    """The playbook's robot_accounts (exactly the pairs), refused_accounts (one pair short, or, where Harbor gives
    robots no way, every pair the version allows) and admin_accounts (every pair, for a module's admin-only part)."""
    robots, refused, administrative = {}, {}, {}
    everything = dict(system=allowed_pairs(version, "system"), project=allowed_pairs(version, "project"))
    for module, spec in sorted(ROBOT_PERMISSIONS.items()):
        name = module.replace("_", "-")
        held = dict(system=pairs(spec.get("system")), project=pairs(spec.get("project")),
                    all_projects=pairs(spec.get("all_projects")))
        if module == "robot":
            held["system"] |= {("registry", "list")}  # what it grants the robot it creates
        opened = (spec.get("system") or spec.get("project")) and version >= spec.get("since", (0, 0))
        if not opened:
            refused[module] = admin.robot("all-" + name, **everything)
            continue
        if "admin" in spec:  # the part only an administrator can do, tried by a robot holding everything
            administrative[module] = admin.robot("all-" + name, **everything)
        robots[module] = admin.robot(name, **held)
        resource, action = spec["deny"].split(":")
        fewer = {scope: held_pairs - {(resource, action)} for scope, held_pairs in held.items()}
        refused[module] = admin.robot("no-" + name, **fewer)
    return robots, refused, administrative


@pytest.fixture(scope="module", name="robot_fakes")
def robot_fakes_fixture():
    started = {}

    def get(version):
        if version not in started:
            started[version] = FakeHarbor(version=version, tls=True, admin_password=ADMIN_PASSWORD,
                                          auth_fail_delay=0.2).start()
        return started[version]

    yield get
    for fake in started.values():
        fake.stop()


@pytest.mark.parametrize("version", VERSIONS)
def test_write_modules_as_system_robots(version, robot_fakes, collections_path, tmp_path):
    # pylint: disable=redefined-outer-name
    fake = robot_fakes(version)
    fake.reset()
    secret_scan.track(fake)
    admin = Admin(fake)
    admin.prepare()
    robots, refused, administrative = accounts(admin, fake.version)
    # HARBOR_ROBOT_MODULES=registry,label runs only those task files (while working on them)
    modules = sorted(os.environ.get("HARBOR_ROBOT_MODULES", "").split(",")) if os.environ.get(
        "HARBOR_ROBOT_MODULES") else sorted(ROBOT_PERMISSIONS)
    robots = dict((m, account) for m, account in robots.items() if m in modules)
    refused = dict((m, account) for m, account in refused.items() if m in modules)
    administrative = dict((m, account) for m, account in administrative.items() if m in modules)
    extra_vars = dict(harbor_url=fake.url, fake_url=fake.url, harbor_ca_path=fake.ca_path, harbor_version=version,
                      fake_control_url=fake.url + "/_fake", project=PROJECT, modules=modules,
                      robot_accounts=robots, refused_accounts=refused, admin_accounts=administrative)
    output = run_playbook(RUNS / "playbook.yml", extra_vars, collections_path, tmp_path, timeout=1800)
    assert "robots: every module done" in output  # the last play ran

    # the whole request log: every module really ran as its robot, and only the expected calls were refused
    log = fake.requests
    for module, account in robots.items():
        mine = [entry for entry in log if entry["user"] == account["name"]]
        assert mine, "%s never ran as %s" % (module, account["name"])
        refusals = []
        for index, entry in enumerate(mine):
            request = "%s %s" % (entry["method"], entry["path"])
            following = mine[index + 1] if index + 1 < len(mine) else {}
            if entry["status"] not in (401, 403):
                continue
            if entry["method"] == "GET" and entry["path"].startswith("/api/v2.0/projects/") and (
                    following.get("method"), following.get("path"), following.get("status")) == (
                    "HEAD", "/api/v2.0/projects", 404):
                continue  # a missing project is 403 for a robot; HEAD tells (HarborClient.get_project)
            if module == "robot" and (request.startswith("PUT /api/v2.0/robots/")
                                      or request == "GET /api/v2.0/permissions"):
                continue  # the update that no robot may do (robot.yml); the optional pre-check of the pairs
            refusals.append(request)
        assert refusals == [], "%s as %s was refused: %s" % (module, account["name"], refusals)
    for module, account in list(refused.items()) + list(administrative.items()):
        statuses = [entry["status"] for entry in log if entry["user"] == account["name"]]
        assert 403 in statuses, "%s as %s was never refused: %s" % (module, account["name"], statuses)

    violations = fake.violations
    assert violations == [], "contract violations against Harbor %s:\n%s" % (
        version, "\n".join(json.dumps(v) for v in violations))
    # the robots' secrets are in vars.json (0600), and nowhere in the output
    secret_scan.check(output, secret_scan.known(fake, secret_scan.named_secrets(extra_vars)), tmp_path=tmp_path,
                      intended=("vars.json",))


if __name__ == "__main__":  # print the sentences for the modules' notes
    for module_name, module_spec in sorted(ROBOT_PERMISSIONS.items()):
        sys.stdout.write("%s: %s\n" % (module_name, robot_sentence(module_spec)))
