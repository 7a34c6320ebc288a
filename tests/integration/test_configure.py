"""Configuration as code: playbooks/configure.yml (role harbor_ops.harbor.configure) against the fake Harbor.

Real ``ansible-playbook`` runs, as a team runs them:

* the seed guide's whole Harbor (examples/seed) applies on 2.10 and 2.15, and the second run reports
  ``changed=0`` with zero writes in the fake's request log;
* ``--check --diff`` on a changed model shows exactly that change and sends no write;
* a wrong key in the model fails the run before any request, naming the item and the key;
* prune deletes what the model does not declare, except protected names and Harbor's built-ins, and
  ``--check`` only reports it;
* the inventory's group_vars reach playbooks/site.yml (they were once shadowed by a play variable);
* robot secrets land in a 0600 vault-encrypted file and nowhere in the output;
* the bulk path's request counts at scale (list reads, one write per object).

Every run's output is scanned for the secrets of the run (secret_scan.py: the fake's, and those of the extra vars
and the inventory), and the files of the test's tmp dir for secrets outside the intended 0600 files.
"""

import json
import re
import shutil

import pytest
import yaml

from ansible.parsing.vault import VaultLib, VaultSecret

from tests.fake_harbor.server import FakeHarbor

from . import secret_scan
from .test_targets import ADMIN_PASSWORD, REPO, VERSIONS, playbook_run

CONFIGURE = REPO / "playbooks" / "configure.yml"
SITE = REPO / "playbooks" / "site.yml"
SEED = REPO / "examples" / "seed"
VAULT_PASSWORD = "configure-test-vault-pw"
SECRETS = dict(
    vault_harbor_admin_password=ADMIN_PASSWORD,
    vault_harbor_oidc_client_secret="Oidc-Client-Secret-7f3",
    vault_harbor_ecr_access_key="AKIAEXAMPLE7F3",
    vault_harbor_ecr_access_secret="Ecr-Access-Secret-9c1",
    vault_harbor_slack_webhook_url="https://hooks.slack.example/services/T0/B0/x9",
)
SLACK_CHANNEL = "https://hooks.slack.example/services/T1/B2/team-channel-token"
#: the files of a test's tmp_path meant to hold secrets (all 0600): the extra vars, the vault password, the robot
#: secrets file, an inventory's model that a test filled with passwords
SECRET_FILES = ("vars.json", "vault-pass", "robot-secrets.vault.yml", "*inventory/group_vars/all/harbor.yml")
RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


@pytest.fixture(scope="module")
def fakes():
    started = {}

    def get(version):
        if version not in started:
            started[version] = FakeHarbor(version=version, tls=True, admin_password=ADMIN_PASSWORD,
                                          auth_fail_delay=0.2).start()
        fake = started[version]
        fake.reset()
        secret_scan.track(fake)
        return fake

    yield get
    for fake in started.values():
        fake.stop()


def recap(output):
    """(changed, failed) of the play recap."""
    match = RECAP.search(output)
    assert match, "no play recap in the output:\n" + output[-3000:]
    return int(match.group(2)), int(match.group(4))


def connection(fake, tmp_path):
    return dict(SECRETS, harbor_api_url=fake.url, harbor_api_ca_path=fake.ca_path,
                harbor_robot_secrets_file=str(tmp_path / "robot-secrets.vault.yml"))


def seed_inventory(tmp_path, edit=None):
    """A copy of examples/seed; ``edit(model)`` may change its group_vars/all/harbor.yml first."""
    inventory = tmp_path / "inventory"
    shutil.copytree(str(SEED), str(inventory))
    if edit is not None:
        path = inventory / "group_vars" / "all" / "harbor.yml"
        model = yaml.safe_load(path.read_text())
        edit(model)
        path.write_text(yaml.safe_dump(model))
        path.chmod(0o600)  # the edits may add passwords
    return inventory / "hosts.yml"


def run(playbook, fake, tmp_path, inventory=None, extra=None, args=(), log="ansible.log"):
    """A run of ``playbook``: (return code, output); fails the test if a secret shows (``scan``)."""
    vault_file = tmp_path / "vault-pass"
    vault_file.write_text(VAULT_PASSWORD)
    vault_file.chmod(0o600)
    extra_vars = dict(connection(fake, tmp_path), **(extra or {}))
    if inventory is None:  # the seed inventory names the account itself
        extra_vars["harbor_api_password"] = ADMIN_PASSWORD
    code, output = playbook_run(playbook, extra_vars, collections_path_of(tmp_path), tmp_path, inventory=inventory,
                                args=["--vault-password-file", str(vault_file)] + list(args), log_name=log)
    scan(fake, output, tmp_path, extra_vars, inventory, check_mode="--check" in args)
    return code, output


def run_secrets(fake, extra_vars=None, inventory=None):
    """{secret: kind} of a run: the fake's, the extra vars' and the inventory's group_vars', the vault password."""
    given = secret_scan.named_secrets(dict(SECRETS, **(extra_vars or {})))
    if inventory is not None:
        for path in sorted(inventory.parent.glob("group_vars/**/*.yml")):
            given.update(secret_scan.named_secrets(yaml.safe_load(path.read_text()) or {}))
    given[VAULT_PASSWORD] = secret_scan.VAULT
    return secret_scan.known(fake, given)


def scan(fake, output, tmp_path, extra_vars=None, inventory=None, check_mode=False):
    """The secret scan of a run: no secret in the output, none in a file of tmp_path but the intended 0600 ones."""
    secret_scan.check(output, run_secrets(fake, extra_vars, inventory), tmp_path=tmp_path, intended=SECRET_FILES,
                      check_mode=check_mode)


def collections_path_of(tmp_path):
    root = tmp_path / "collections"
    namespace = root / "ansible_collections" / "harbor_ops"
    if not namespace.exists():
        namespace.mkdir(parents=True)
        (namespace / "harbor").symlink_to(REPO)
    return root


def admin_get(fake, path, params=None):
    import requests
    resp = requests.get(fake.api_url + path, params=params, auth=("admin", ADMIN_PASSWORD), verify=fake.ca_path,
                        timeout=30)
    resp.raise_for_status()
    return resp.json()


def writes(fake):
    return [(e["method"], e["path"]) for e in fake.requests if e["method"] not in ("GET", "HEAD")]


def leaked(fake, output):
    """The secrets (by kind and context) in ``output``; the access key names the AWS account's key (the registry
    module shows it, like Harbor's UI): not a secret."""
    return secret_scan.scan_output(output, run_secrets(fake), record=False)


# ---------------------------------------------------------------- the seed guide's Harbor

@pytest.mark.parametrize("version", VERSIONS)
def test_seed_harbor_applies_converges_and_keeps_secrets(version, fakes, tmp_path):
    fake = fakes(version)
    inventory = seed_inventory(tmp_path)
    code, output = run(CONFIGURE, fake, tmp_path, inventory=inventory)
    assert code == 0, output[-6000:]
    changed, failed = recap(output)
    assert changed == 4 and failed == 0  # the four phases each changed something

    projects = dict((p["name"], p) for p in admin_get(fake, "/projects"))
    assert set(projects) >= {"production", "staging", "development", "shared-libs"}
    production = projects["production"]["metadata"]
    assert production["enable_content_trust_cosign"] == "true" and production["severity"] == "high"
    assert production["prevent_vul"] == "true" and production["auto_scan"] == "true"
    robots = admin_get(fake, "/robots", params=dict(
        q="Level=project,ProjectID=%d" % projects["production"]["project_id"]))
    assert [r["name"] for r in robots] == ["robot$production+ci-robot"]
    registries = admin_get(fake, "/registries")
    assert [(r["name"], r["type"]) for r in registries] == [("aws-ecr-us-east-1", "aws-ecr")]
    policies = admin_get(fake, "/replication/policies")
    assert [(p["name"], p["dest_namespace"], p["trigger"]["type"]) for p in policies] == [
        ("sync-to-ecr", "production", "event_based")]
    hooks = admin_get(fake, "/projects/production/webhook/policies")
    assert [h["name"] for h in hooks] == ["slack-scan-alerts"]
    retention = admin_get(fake, "/retentions/%s" % projects["production"]["metadata"]["retention_id"])
    assert [r["template"] for r in retention["rules"]] == ["latestPushedK", "nDaysSinceLastPush"]
    assert retention["trigger"]["settings"]["cron"] == "0 0 3 * * *"
    assert admin_get(fake, "/system/gc/schedule")["schedule"]["cron"] == "0 0 4 * * *"
    assert admin_get(fake, "/configurations")["auth_mode"]["value"] == "oidc_auth"

    # the CI robot's secret: in a 0600 vault file, readable with the vault password, never in the output
    secrets_file = tmp_path / "robot-secrets.vault.yml"
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    data = secrets_file.read_bytes()
    assert data.startswith(b"$ANSIBLE_VAULT;")
    vault = VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode()))])
    stored = yaml.safe_load(vault.decrypt(data))
    assert list(stored) == ["robot$production+ci-robot"] and stored["robot$production+ci-robot"] in fake.known_secrets()
    assert leaked(fake, output) == []
    assert fake.violations == []

    # the second run: nothing to do, and nothing written
    fake.clear_requests()
    code, output = run(CONFIGURE, fake, tmp_path, inventory=inventory, log="second.log")
    assert code == 0, output[-6000:]
    assert recap(output) == (0, 0)
    assert writes(fake) == []
    assert leaked(fake, output) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_check_diff_shows_exactly_the_change_and_writes_nothing(version, fakes, tmp_path):
    fake = fakes(version)
    code, output = run(CONFIGURE, fake, tmp_path, inventory=seed_inventory(tmp_path / "a"))
    assert code == 0, output[-6000:]

    def edit(model):
        staging = next(p for p in model["harbor_projects"] if p["name"] == "staging")
        staging["auto_scan"] = False
        model["harbor_registries"][0]["description"] = "ECR in us-east-1"

    fake.clear_requests()
    code, output = run(CONFIGURE, fake, tmp_path, inventory=seed_inventory(tmp_path / "b", edit),
                       args=["--check", "--diff"], log="check.log")
    assert code == 0, output[-6000:]
    assert writes(fake) == []
    assert recap(output) == (2, 0)
    headers = sorted(set(re.findall(r"^--- before: (.+)$", output, re.M)))
    assert headers == ["project staging", "registry aws-ecr-us-east-1"]
    assert '"auto_scan": "false"' in output or "auto_scan: 'false'" in output or '-    "auto_scan": "true"' in output
    assert leaked(fake, output) == []
    projects = dict((p["name"], p) for p in admin_get(fake, "/projects"))
    assert projects["staging"]["metadata"]["auto_scan"] == "true"  # check mode left it


def test_a_wrong_key_fails_before_any_request(fakes, tmp_path):
    fake = fakes("2.15")

    def edit(model):
        model["harbor_projects"].append(dict(name="team-a", autoscan=True))
        model["harbor_projects"][0]["members"] = [dict(user="alice", rol="developer")]

    fake.clear_requests()
    code, output = run(CONFIGURE, fake, tmp_path, inventory=seed_inventory(tmp_path, edit))
    assert code != 0
    assert "project[4] (team-a): unknown key autoscan (the options of harbor_ops.harbor.project apply)" in output
    assert "project_member[0] (production/alice): unknown key rol; " in output
    assert fake.requests == []  # not even the login


@pytest.mark.parametrize("version", VERSIONS)
def test_prune_keeps_protected_and_builtin_objects(version, fakes, tmp_path):
    fake = fakes(version)
    users = [dict(name=name, email="%s@example.com" % name, realname=name, user_password="Passw0rd-%s" % name)
             for name in ("alice", "bob")]
    model = dict(harbor_projects=[dict(name=name) for name in ("team-a", "team-b", "old-1", "old-2")],
                 harbor_labels=[dict(name="keep-me"), dict(name="stale")], harbor_users=users)
    model["harbor_projects"][0]["members"] = [dict(user="alice", role="developer"), dict(user="bob", role="guest")]
    code, output = run(CONFIGURE, fake, tmp_path, extra=model)
    assert code == 0, output[-6000:]

    declared = dict(harbor_projects=[dict(name="team-a", members=[dict(user="alice", role="developer")])],
                    harbor_labels=[dict(name="keep-me")], harbor_users=users,
                    harbor_prune=["project", "label", "project_member"], harbor_protect=dict(project=["team-*"]))
    fake.clear_requests()
    code, output = run(CONFIGURE, fake, tmp_path, extra=declared, args=["--check", "--diff"], log="check.log")
    assert code == 0, output[-6000:]
    assert writes(fake) == []
    headers = sorted(set(re.findall(r"^--- before: (.+)$", output, re.M)))
    assert headers == ["label stale", "project old-1", "project old-2", "project_member team-a/bob"]

    code, output = run(CONFIGURE, fake, tmp_path, extra=declared, log="prune.log")
    assert code == 0, output[-6000:]
    assert sorted(p["name"] for p in admin_get(fake, "/projects")) == ["library", "team-a", "team-b"]
    assert [label["name"] for label in admin_get(fake, "/labels", params=dict(scope="g"))] == ["keep-me"]
    deleted = sorted(path for method, path in writes(fake) if method == "DELETE")
    assert len(writes(fake)) == 4 and deleted[0].startswith("/api/v2.0/labels/")
    assert deleted[1:3] == ["/api/v2.0/projects/old-1", "/api/v2.0/projects/old-2"]
    assert deleted[3].startswith("/api/v2.0/projects/team-a/members/")
    members = sorted(m["entity_name"] for m in admin_get(fake, "/projects/team-a/members"))
    assert members == ["admin", "alice"]  # the creator's membership is Harbor's own: kept

    fake.clear_requests()
    code, output = run(CONFIGURE, fake, tmp_path, extra=declared, log="again.log")
    assert code == 0 and recap(output) == (0, 0) and writes(fake) == []


def test_site_playbook_honours_the_inventory_group_vars(fakes, tmp_path):
    """The model in group_vars/all reaches the API play of site.yml (a play variable once shadowed it)."""
    fake = fakes("2.15")
    inventory = tmp_path / "inventory"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(yaml.safe_dump(dict(all=dict(hosts=dict(localhost=dict(
        ansible_connection="local", ansible_python_interpreter="{{ ansible_playbook_python }}"))))))
    (inventory / "group_vars" / "all" / "harbor.yml").write_text(yaml.safe_dump(dict(
        harbor_url=fake.url, harbor_api_ca_path=fake.ca_path, harbor_admin_password=ADMIN_PASSWORD,
        harbor_projects=[dict(name="from-group-vars", auto_scan=True, members=[dict(user="admin", role="maintainer")])],
    )))
    (inventory / "group_vars" / "all" / "harbor.yml").chmod(0o600)
    code, output = playbook_run(SITE, {}, collections_path_of(tmp_path), tmp_path, inventory=inventory / "hosts.yml")
    assert code == 0, output[-6000:]
    scan(fake, output, tmp_path, inventory=inventory / "hosts.yml")
    project = admin_get(fake, "/projects/from-group-vars")
    assert project["metadata"]["auto_scan"] == "true"
    members = admin_get(fake, "/projects/from-group-vars/members")
    assert [(m["entity_name"], m["role_id"]) for m in members] == [("admin", 4)]


def site_inventory(tmp_path, fake, harbor_vars):
    """An inventory with one Harbor host that is never reached (registry.invalid) and a model in group_vars."""
    inventory = tmp_path / "inventory"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(yaml.safe_dump(dict(harbor=dict(hosts={"registry.invalid": dict(
        harbor_vars, ansible_host="192.0.2.1")}))))  # TEST-NET-1: nothing answers there
    (inventory / "group_vars" / "all" / "harbor.yml").write_text(yaml.safe_dump(dict(
        harbor_api_ca_path=fake.ca_path, harbor_admin_password=ADMIN_PASSWORD,
        harbor_projects=[dict(name="tagged-only", auto_scan=True)])))
    (inventory / "group_vars" / "all" / "harbor.yml").chmod(0o600)
    return inventory / "hosts.yml"


def test_site_tags_configure_alone_reaches_the_harbor_hosts_external_url(fakes, tmp_path):
    """`--tags configure`: no play touches the Harbor host, and the API play finds Harbor at that host's
    harbor_external_url (the harbor play, which publishes harbor_installed, did not run)."""
    fake = fakes("2.15")
    inventory = site_inventory(tmp_path, fake, dict(harbor_external_url=fake.url))
    code, output = playbook_run(SITE, {}, collections_path_of(tmp_path), tmp_path, inventory=inventory,
                                args=["--tags", "configure"])
    assert code == 0, output[-6000:]
    scan(fake, output, tmp_path, inventory=inventory)
    assert "registry.invalid" not in output.split("PLAY RECAP")[-1]  # no task ran on the Harbor host
    assert admin_get(fake, "/projects/tagged-only")["metadata"]["auto_scan"] == "true"


def listed_tasks(output):
    """The task names of `ansible-playbook --list-tasks` output."""
    return {line.strip().rsplit("\tTAGS:", 1)[0].strip() for line in output.splitlines()
            if "TAGS: [" in line and not line.lstrip().startswith("play #")}


@pytest.mark.parametrize("tag, expected", [
    ("frontend", {"Docker's preflight (harbor_ops.harbor.docker)", "Harbor's host checks (harbor_ops.harbor.harbor)",
                  "The nginx frontend (harbor_ops.harbor.nginx)"}),
    ("certs", {"Docker's preflight (harbor_ops.harbor.docker)", "Harbor's host checks (harbor_ops.harbor.harbor)",
               "The TLS certificate (harbor_ops.harbor.certs)"}),
    ("harbor", {"Docker's preflight (harbor_ops.harbor.docker)", "Harbor's host checks (harbor_ops.harbor.harbor)",
                "Docker and Harbor (harbor_ops.harbor.harbor)"}),
    ("backup", {"Docker's preflight (harbor_ops.harbor.docker)", "Harbor's host checks (harbor_ops.harbor.harbor)",
                "The backup program and its schedule (harbor_ops.harbor.backup)"}),
    ("metrics", {"Scrape jobs, alert rules and dashboard (harbor_ops.harbor.metrics)"}),
])
def test_site_tags_select_one_phase(tag, expected, fakes, tmp_path):
    """Each tag of site.yml reaches its phase (and the read-only host checks), and no other phase."""
    fake = fakes("2.15")
    inventory = site_inventory(tmp_path, fake, dict(harbor_external_url=fake.url))
    (inventory.parent / "hosts.yml").write_text(yaml.safe_dump(dict(
        harbor=dict(hosts={"registry.invalid": dict(ansible_host="192.0.2.1")}),
        prometheus=dict(hosts={"registry.invalid": {}}))))
    code, output = playbook_run(SITE, {}, collections_path_of(tmp_path), tmp_path, inventory=inventory,
                                args=["--list-tasks", "--tags", tag])
    assert code == 0, output[-6000:]
    assert listed_tasks(output) == expected


# ---------------------------------------------------------------- request counts at scale

def scale_model(projects, per_project):
    """``projects`` projects, each with ``per_project`` members, robots, webhooks, immutable rules and labels."""
    items = []
    for p in range(projects):
        name = "scale-%03d" % p
        items.append(dict(
            name=name, auto_scan=bool(p % 2),
            members=[dict(user="user-%03d" % m, role="developer") for m in range(per_project)],
            robots=[dict(name="bot-%d" % r, duration=30, permissions=[dict(resource="repository", actions=["pull"])])
                    for r in range(per_project)],
            webhooks=[dict(name="hook-%d" % w, event_types=["PUSH_ARTIFACT"],
                           targets=[dict(address="https://hooks.example/%s/%d" % (name, w))])
                      for w in range(per_project)],
            immutable_tag_rules=[dict(tags="v%d.*" % r) for r in range(per_project)],
            labels=[dict(name="label-%d" % label) for label in range(per_project)],
        ))
    users = [dict(name="user-%03d" % m, email="user-%03d@example.com" % m, realname="User %d" % m,
                  user_password="Passw0rd-%03d" % m) for m in range(per_project)]
    return dict(harbor_projects=items, harbor_users=users)


def test_request_counts_at_scale(fakes, tmp_path):
    """40 projects x 3 of each project-scoped kind (+ 3 users): 643 objects.

    First run: exactly one write per object (a robot's, a member's ... POST). The no-op second run: every list
    read once - projects, quotas, users in pages of 100 - and the project-scoped lists once per project (Harbor
    has no cross-project list of members, robots, webhooks, tag rules or project labels).
    """
    projects, per_project = 40, 3
    fake = fakes("2.15")
    model = scale_model(projects, per_project)
    objects = projects * (1 + 5 * per_project) + per_project
    code, output = run(CONFIGURE, fake, tmp_path, extra=model, args=["-v"])
    assert code == 0, output[-6000:]
    assert len(writes(fake)) == objects, sorted(set(path for method, path in writes(fake)))

    fake.clear_requests()
    code, output = run(CONFIGURE, fake, tmp_path, extra=model, log="noop.log")
    assert code == 0 and recap(output) == (0, 0), output[-6000:]
    reads = [(e["method"], e["path"]) for e in fake.requests]
    assert writes(fake) == []
    by_path = {}
    for method, path in reads:
        key = re.sub(r"/projects/[^/]+/", "/projects/{p}/", path)
        by_path[key] = by_path.get(key, 0) + 1
    prefix = "/api/v2.0"
    pages = -(-(projects + 1) // 100)
    expected = {
        prefix + "/systeminfo": 2,                               # one login per phase that runs (system, projects)
        prefix + "/users": 1,                                    # 3 users, one page
        prefix + "/projects": pages,                             # every project, pages of 100
        prefix + "/quotas": 0,
        prefix + "/permissions": 0,                              # read only when robot permissions change
        prefix + "/labels": projects,                            # project labels: one list per project
        prefix + "/robots": projects,                            # project robots: one list per project
        prefix + "/projects/{p}/members": projects,
        prefix + "/projects/{p}/webhook/policies": projects,
        prefix + "/projects/{p}/immutabletagrules": projects,
    }
    assert dict((k, v) for k, v in by_path.items() if v) == dict((k, v) for k, v in expected.items() if v)
    # what has a list call across projects costs at most one read per 50 objects
    assert by_path[prefix + "/projects"] + by_path[prefix + "/users"] <= (projects + per_project) / 50 + 2
    assert json.dumps(fake.violations) == "[]"


# ---------------------------------------------------------------- export -> apply

def richer(model):
    """The seed's Harbor plus what it lacks: users, groups, members, labels, tag rules, system robots, scanner,
    allowlists and the other schedules."""
    model["harbor_configuration"] = dict(robot_token_duration=90, project_creation_restriction="adminonly")
    model["harbor_users"] = [dict(name="alice", email="alice@example.com", realname="Alice", user_password="Alice-Pw-123"),
                             dict(name="bob", email="bob@example.com", realname="Bob", comment="",
                                  user_password="Bob-Passw0rd-4")]
    model["harbor_user_groups"] = [dict(name="release-managers", type="http")]
    production = model["harbor_projects"][0]
    production["storage_quota"] = "50GB"
    production["members"] = [dict(user="alice", role="developer"),
                             dict(group="release-managers", group_type="http", role="maintainer")]
    production["labels"] = [dict(name="approved", color="#1D5100", description="")]
    production["immutable_tag_rules"] = [dict(tags="v*"), dict(tags="release-*", repositories="apps/**")]
    production["cve_allowlist"] = dict(cves=["CVE-2024-0001"])
    production["webhooks"].append(dict(name="team-channel", event_types=["PUSH_ARTIFACT"],
                                       targets=[dict(type="slack", address=SLACK_CHANNEL)]))
    model["harbor_labels"] = [dict(name="release", description="Released")]
    model["harbor_robots"] = [dict(name="sweeper", duration=-1, description="system sweeper", permissions=[
        dict(resource="project", actions=["list"]), dict(project="*", resource="repository", actions=["pull"])])]
    model["harbor_cve_allowlist"] = dict(cves=["CVE-2023-1111", "CVE-2023-2222"])
    model["harbor_purge_audit"] = dict(schedule="Custom", cron="0 0 5 * * *", retention_hours=720,
                                       event_types=["create_artifact", "delete_artifact", "pull_artifact"])
    model["harbor_scan_all"] = dict(schedule="Daily")


@pytest.mark.parametrize("version", VERSIONS)
def test_export_then_apply_changes_nothing(version, fakes, tmp_path):
    fake = fakes(version)
    code, output = run(CONFIGURE, fake, tmp_path, inventory=seed_inventory(tmp_path / "a", richer))
    assert code == 0, output[-6000:]

    adopted = tmp_path / "adopted"
    (adopted / "group_vars" / "all").mkdir(parents=True)
    shutil.copy(str(SEED / "hosts.yml"), str(adopted / "hosts.yml"))
    exported = adopted / "group_vars" / "all" / "harbor.yml"
    fake.clear_requests()
    code, output = run(REPO / "playbooks" / "export.yml", fake, tmp_path, inventory=adopted / "hosts.yml",
                       extra=dict(export_dest=str(exported)), log="export.log")
    assert code == 0, output[-6000:]
    assert writes(fake) == []
    text = exported.read_text()
    model = yaml.safe_load(text)
    production = next(p for p in model["harbor_projects"] if p["name"] == "production")
    assert production["enable_content_trust_cosign"] is True and production["storage_quota"] == "50GB"
    assert [r["name"] for r in production["robots"]] == ["ci-robot"]
    assert [r["template"] for r in production["retention"]["rules"]] == ["latestPushedK", "nDaysSinceLastPush"]
    assert sorted(m.get("user") or m.get("group") for m in production["members"]) == ["alice", "release-managers"]
    assert model["harbor_replication_policies"][0]["dest_registry"] == "aws-ecr-us-east-1"
    assert model["harbor_gc"]["cron"] == "0 0 4 * * *"
    assert model["harbor_configuration"]["auth_mode"] == "db"  # the richer model leaves auth alone
    placeholders = re.findall(r"\{\{ (vault_harbor_\w+) \}\}", text)
    assert "vault_harbor_registry_aws_ecr_us_east_1_access_secret" in placeholders
    assert "vault_harbor_user_alice_password" in placeholders
    assert leaked(fake, text) == [] and leaked(fake, output) == []

    assert SLACK_CHANNEL not in text  # a Slack webhook URL is a credential: a placeholder too
    assert "vault_harbor_webhook_production_team_channel_address" in placeholders

    # the vault of the adopting team defines the placeholders (the Slack URL as it is, the rest anew)
    secrets = dict((name, "placeholder-%d-Pw" % index) for index, name in enumerate(sorted(set(placeholders))))
    secrets["vault_harbor_webhook_production_team_channel_address"] = SLACK_CHANNEL
    fake.clear_requests()
    code, output = run(CONFIGURE, fake, tmp_path, inventory=adopted / "hosts.yml", extra=secrets, log="apply.log")
    assert code == 0, output[-6000:]
    assert recap(output) == (0, 0)
    assert writes(fake) == []
    assert fake.violations == []


@pytest.mark.parametrize("version", VERSIONS)
def test_check_mode_on_an_empty_harbor_predicts_the_whole_model(version, fakes, tmp_path):
    """Members, robots, rules of projects that the run would create, and a replication policy to a registry that
    an earlier phase would create: reported as created (with a warning), not failed, and nothing is written."""
    fake = fakes(version)

    def edit(model):
        model["harbor_users"] = [dict(name="alice", email="alice@example.com", realname="Alice",
                                      user_password="Alice-Passw0rd-1")]
        model["harbor_projects"][0]["members"] = [dict(user="alice", role="developer")]

    fake.clear_requests()
    code, output = run(CONFIGURE, fake, tmp_path, inventory=seed_inventory(tmp_path, edit), args=["--check", "--diff"])
    assert code == 0, output[-6000:]
    assert writes(fake) == []
    headers = set(re.findall(r"^--- before: (.+)$", output, re.M))
    assert {"project production", "robot robot$production+ci-robot", "project_member production/alice",
            "retention_policy production", "webhook_policy production/slack-scan-alerts",
            "replication_policy sync-to-ecr", "registry aws-ecr-us-east-1", "user alice", "gc gc"} <= headers
    assert "would be created after project production" in output
    assert "would be created after registry aws-ecr-us-east-1" in output
    assert leaked(fake, output) == [] and "Alice-Passw0rd-1" not in output
