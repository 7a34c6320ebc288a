"""The fault campaign: every write module and the configuration-as-code path against a Harbor that fails now and then.

A campaign run is, on a fresh fake Harbor:

1. the faulted run: tests/integration/faults/modules.yml (every write module, 32 objects) and playbooks/configure.yml
   with the seed inventory (examples/seed), while the fake injects faults into a share of the API requests: 500,
   502, 503, 429 with Retry-After, connection resets before the request is processed, timeouts (the answer comes
   after the module's ``timeout``; the request is processed), a 500 after the write was done, and a connection
   reset after the write was done;
2. the faults are removed; clean run 1 must fail no task and must change nothing that the faulted run reported as
   done (a task that was ``ok``/``changed`` there and is ``changed`` again here is a *lost write*: the run said it
   was done, Harbor did not have it);
3. clean run 2 must report ``changed=0`` (the clean rerun converged within one run);
4. Harbor holds no duplicate (two objects where one was declared), the robot with our own secret logs in with it,
   and the robot whose secret Harbor made has it in its secret file, 0600;
5. zero contract violations.

``make test`` runs one campaign run on Harbor 2.15 at a reduced rate (about 9 % of the requests); ``make faults`` runs the full
campaign (HARBOR_FAULT_RUNS runs per version at HARBOR_FAULT_RATE, default 10 x 2 versions, about 21 % of the requests) and prints the
figures (tests/tools/fault_figures.py). The test also proves ``--check`` of the same playbook on an empty Harbor.
"""

import json
import os
import subprocess
import time

import pytest
import requests

from .test_configure import SECRETS, VAULT_PASSWORD, admin_get, collections_path_of, seed_inventory
from .test_configure import fakes  # pylint: disable=unused-import  # noqa: F401  (the fixture)
from .test_targets import ADMIN_PASSWORD, HERE, REPO, VERSIONS, ansible_playbook, ansible_python

MODULES = HERE / "faults" / "modules.yml"
CONFIGURE = REPO / "playbooks" / "configure.yml"
FULL = os.environ.get("HARBOR_FAULT_CAMPAIGN") == "full"
RUNS = int(os.environ.get("HARBOR_FAULT_RUNS") or (10 if FULL else 1))
# the rules' combined rate; the write-only ones hit writes only, so about 3/4 of it reaches all requests (0.28: ~21 %)
RATE = float(os.environ.get("HARBOR_FAULT_RATE") or (0.28 if FULL else 0.12))
SEED = int(os.environ.get("HARBOR_FAULT_SEED") or 1500)
TIMEOUT = 3  # the modules' timeout during the campaign; a "timeout" fault answers after it
WRITES = "POST,PUT,PATCH,DELETE"
# the mix of faults: (name, rule); each gets an equal share of the campaign's rate
MIX = [
    ("500", dict(action="status", status=500)),
    ("502", dict(action="status", status=502)),
    ("503", dict(action="status", status=503)),
    ("429 Retry-After", dict(action="status", status=429, retry_after=1)),
    ("reset", dict(action="reset")),
    ("timeout", dict(action="delay", delay=TIMEOUT + 0.5)),
    ("500 after write", dict(action="after_write", status=500, method=WRITES)),
    ("reset after write", dict(action="reset_after_write", method=WRITES)),
]
SECRETS_OF_THE_CAMPAIGN = dict(
    campaign_user_password="Campaign-User-Pw-41",
    campaign_registry_secret="Campaign-Registry-Secret-5e",
    campaign_robot_secret="Campaign-Robot-Secret-9aQ",
    campaign_webhook_auth="Bearer campaign-webhook-token-77",
    campaign_scanner_key="Campaign-Scanner-Key-13",
)
FIGURES = []  # one dict per campaign run; with $HARBOR_FAULT_FIGURES also appended to that file (make faults)


def playbook_command(playbook, fake, tmp_path, inventory=None, args=()):
    """(command, environment) of ansible-playbook with the JSON callback, the campaign's variables in a 0600 file."""
    vault_file = tmp_path / "vault-pass"
    vault_file.write_text(VAULT_PASSWORD)
    extra = dict(SECRETS, **SECRETS_OF_THE_CAMPAIGN)
    extra.update(harbor_url=fake.url, harbor_password=ADMIN_PASSWORD, harbor_ca_path=fake.ca_path,
                 harbor_api_url=fake.url, harbor_api_ca_path=fake.ca_path, campaign_timeout=TIMEOUT,
                 campaign_dir=str(tmp_path), campaign_scanner_adapter=fake.url + "/_fake/scanner-adapter/corp",
                 harbor_robot_secrets_file=str(tmp_path / "robot-secrets.vault.yml"), harbor_api_timeout=TIMEOUT)
    vars_file = tmp_path / "campaign-vars.json"
    vars_file.write_text(json.dumps(extra))
    vars_file.chmod(0o600)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path_of(tmp_path)), ANSIBLE_NOCOLOR="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_PYTHON_INTERPRETER=ansible_python(), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))
    where = ["-i", str(inventory)] if inventory else ["-i", "localhost,", "-c", "local"]
    command = ([ansible_playbook(), str(playbook)] + where
               + ["-e", "@" + str(vars_file), "--vault-password-file", str(vault_file)] + list(args))
    return command, env


def task_results(playbook, returncode, stdout, stderr):
    """{(playbook name, task name, item index): (failed, changed, msg)} from the JSON callback's report."""
    try:
        report = json.loads(stdout)
    except ValueError:
        pytest.fail("no JSON report from %s (rc %d):\n%s\n%s"
                    % (playbook.name, returncode, stdout[-3000:], stderr[-3000:]))
    tasks = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            host = task["hosts"].get("localhost")
            if host is None:
                continue
            key = (playbook.name, task["task"]["name"])
            results = host.get("results") if isinstance(host.get("results"), list) else None
            if results is None:
                tasks[key + (0,)] = (bool(host.get("failed")), bool(host.get("changed")), host.get("msg"))
            else:
                for index, item in enumerate(results):
                    tasks[key + (index,)] = (bool(item.get("failed")), bool(item.get("changed")), item.get("msg"))
    return tasks


def run_json(playbook, fake, tmp_path, inventory=None, args=()):
    command, env = playbook_command(playbook, fake, tmp_path, inventory, args)
    proc = subprocess.run(command, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=1800,
                          check=False)
    return task_results(playbook, proc.returncode, proc.stdout, proc.stderr)


def campaign_pass(fake, tmp_path, inventory):
    results = run_json(MODULES, fake, tmp_path)
    results.update(run_json(CONFIGURE, fake, tmp_path, inventory=inventory))
    return results


def duplicates(fake):
    """Objects Harbor holds twice where one was declared: [(kind, identity, count)]."""
    found = []

    def count(kind, items, identity):
        seen = {}
        for item in items:
            key = identity(item)
            seen[key] = seen.get(key, 0) + 1
        found.extend((kind, key, n) for key, n in seen.items() if n > 1)

    projects = admin_get(fake, "/projects", dict(page_size=100))
    count("project", projects, lambda p: p["name"])
    count("robot", admin_get(fake, "/robots", dict(page_size=100)), lambda r: r["name"])
    count("label", admin_get(fake, "/labels", dict(scope="g", page_size=100)), lambda lb: lb["name"])
    count("registry", admin_get(fake, "/registries", dict(page_size=100)), lambda r: r["name"])
    count("replication policy", admin_get(fake, "/replication/policies", dict(page_size=100)), lambda r: r["name"])
    count("user", admin_get(fake, "/users", dict(page_size=100)), lambda u: u["username"])
    count("user group", admin_get(fake, "/usergroups", dict(page_size=100)), lambda g: (g["group_name"], g.get("ldap_group_dn")))
    count("scanner", admin_get(fake, "/scanners", dict(page_size=100)), lambda s: s["name"])
    retention_scopes = []
    for project in projects:
        name = project["name"]
        count("project label", admin_get(fake, "/labels", dict(scope="p", project_id=project["project_id"], page_size=100)),
              lambda lb: (name, lb["name"]))
        count("webhook", admin_get(fake, "/projects/%s/webhook/policies" % name, dict(page_size=100)),
              lambda w: (name, w["name"]))
        count("immutable rule", admin_get(fake, "/projects/%s/immutabletagrules" % name, dict(page_size=100)),
              lambda r: (name, json.dumps(r.get("tag_selectors"), sort_keys=True),
                         json.dumps(r.get("scope_selectors"), sort_keys=True)))
        count("member", admin_get(fake, "/projects/%s/members" % name, dict(page_size=100)),
              lambda m: (name, m["entity_type"], m["entity_name"]))
    # retention policies are reached by id only: every id up to the highest one Harbor gave out
    policy_id = 1
    misses = 0
    while misses < 5:
        resp = requests.get(fake.api_url + "/retentions/%d" % policy_id, auth=("admin", ADMIN_PASSWORD),
                            verify=fake.ca_path, timeout=30)
        if resp.status_code == 200:
            misses = 0
            retention_scopes.append(resp.json()["scope"]["ref"])
        else:
            misses += 1
        policy_id += 1
    count("retention policy", retention_scopes, lambda ref: ref)
    return found


def robot_logs_in(fake, name, secret):
    resp = requests.get(fake.api_url + "/systeminfo", auth=(name, secret), verify=fake.ca_path, timeout=30)
    return resp.status_code == 200 and bool(resp.json().get("harbor_version"))


def lost_secrets(fake, tmp_path, secret_dirs=None):
    """Robots whose secret nobody has: the declared one does not log in, or the made one is in no secret file
    (``secret_dirs``: where the runs wrote theirs; a file holding a secret that does not log in is lost too)."""
    lost = []
    robots = {r["name"]: r for r in admin_get(fake, "/robots", dict(page_size=100))}
    if "robot$campaign-deploy" in robots and not robot_logs_in(
            fake, "robot$campaign-deploy", SECRETS_OF_THE_CAMPAIGN["campaign_robot_secret"]):
        lost.append("robot$campaign-deploy: the declared secret does not log in")
    if "robot$ops-prod+ops-ci" in robots:
        files = [d / "ops-ci.secret" for d in (secret_dirs or [tmp_path]) if (d / "ops-ci.secret").exists()]
        if not files:
            lost.append("robot$ops-prod+ops-ci: no secret file")
        for path in files:
            if oct(path.stat().st_mode & 0o777) != "0o600" or not robot_logs_in(
                    fake, "robot$ops-prod+ops-ci", path.read_text()):
                lost.append("robot$ops-prod+ops-ci: %s is not 0600 or its secret does not log in" % path)
    return lost


def add_faults(fake, rate, seed):
    share = rate / len(MIX)
    rules = {}
    for index, (name, rule) in enumerate(MIX):
        spec = dict(rule, path="^/api/v2\\.0/", rate=share, seed=seed * 100 + index)
        rules[name] = fake.add_fault(spec)["id"]
    return rules


def without_auth_change(model):
    """The seed switches Harbor to OIDC, which Harbor refuses once users exist: modules.yml creates users."""
    for key in ("auth_mode", "oidc"):
        model["harbor_configuration"].pop(key, None)


def campaign_run(fake, tmp_path, version, run, rate):
    inventory = seed_inventory(tmp_path, edit=without_auth_change)
    rules = add_faults(fake, rate, SEED + run)
    started = time.time()
    faulted = campaign_pass(fake, tmp_path, inventory)
    hits = {rule["id"]: rule["hits"] for rule in fake.faults.list()}
    requests_sent = len([e for e in fake.requests if e["path"].startswith("/api/")])
    fake.clear_faults()
    dup_after_faults = duplicates(fake)
    clean = campaign_pass(fake, tmp_path, inventory)
    lost = sorted("%s / %s [%d]" % key for key, (failed, changed, _msg) in faulted.items()
                  if not failed and key in clean and clean[key][1])
    clean_failed = sorted("%s / %s [%d]: %s" % (key + (msg,)) for key, (failed, _c, msg) in clean.items() if failed)
    again = campaign_pass(fake, tmp_path, inventory)
    again_changed = sorted("%s / %s [%d]" % key for key, (_f, changed, _m) in again.items() if changed)
    figures = dict(
        version=version, run=run, rate=rate, requests=requests_sent,
        faults={name: hits[rule_id] for name, rule_id in rules.items()},
        tasks=len(faulted), failed_tasks=sum(1 for failed, _c, _m in faulted.values() if failed),
        failures=sorted("%s [%d]: %s" % (key[1], key[2], str(msg)[:300]) for key, (failed, _c, msg) in faulted.items()
                        if failed),
        duplicates=dup_after_faults + [d for d in duplicates(fake) if d not in dup_after_faults],
        lost_writes=lost + lost_secrets(fake, tmp_path), clean_failed=clean_failed,
        converged=not again_changed, again_changed=again_changed, violations=len(fake.violations),
        seconds=round(time.time() - started, 1),
    )
    FIGURES.append(figures)
    if os.environ.get("HARBOR_FAULT_FIGURES"):  # make faults: one JSON line per run, summed by tests/tools/fault_figures.py
        with open(os.environ["HARBOR_FAULT_FIGURES"], "a") as stream:
            stream.write(json.dumps(figures, sort_keys=True) + "\n")
    return figures


# make test: the reduced campaign on the newest version only (CI budget); make faults: every version
CAMPAIGN_VERSIONS = VERSIONS if FULL else VERSIONS[-1:]


@pytest.mark.parametrize("run", range(RUNS))
@pytest.mark.parametrize("version", CAMPAIGN_VERSIONS)
def test_fault_campaign(version, run, fakes, tmp_path):
    fake = fakes(version)
    figures = campaign_run(fake, tmp_path, version, run, RATE)
    print("\nfault campaign %s" % json.dumps(figures, sort_keys=True))
    assert sum(figures["faults"].values()) > 0, "no fault was injected: the campaign proves nothing"
    assert figures["duplicates"] == [], "duplicates: %s" % figures["duplicates"]
    assert figures["lost_writes"] == [], "lost writes: %s" % figures["lost_writes"]
    assert figures["clean_failed"] == [], "the clean run failed tasks: %s" % figures["clean_failed"]
    assert figures["converged"], "the second clean run changed: %s" % figures["again_changed"]
    assert figures["violations"] == 0, fake.violations


@pytest.mark.parametrize("version", VERSIONS)
def test_check_mode_on_an_empty_harbor_reports_every_object_as_to_be_created(version, fakes, tmp_path):
    """``--check`` of modules.yml on a fresh Harbor: tasks whose project, registry or group an earlier task would
    create report ``changed`` with a warning instead of failing, and nothing is written."""
    fake = fakes(version)
    command, env = playbook_command(MODULES, fake, tmp_path, args=["--check"])
    proc = subprocess.run(command, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=1800,
                          check=False)
    results = task_results(MODULES, proc.returncode, proc.stdout, proc.stderr)
    failed = ["%s [%d]: %s" % (key[1], key[2], msg) for key, (is_failed, _c, msg) in results.items() if is_failed]
    unchanged = ["%s [%d]" % key[1:] for key, (_f, changed, _m) in results.items() if not changed]
    assert failed == [], "failed in check mode:\n" + "\n".join(failed)
    assert unchanged == [], "not reported as to be created: %s" % unchanged
    assert [e for e in fake.requests if e["method"] not in ("GET", "HEAD")] == []
    report = json.loads(proc.stdout)
    warnings = [w for play in report["plays"] for task in play["tasks"]
                for host in task["hosts"].values()
                for result in [host] + list(host.get("results") or []) for w in result.get("warnings") or []]
    assert any("project ops-prod does not exist" in w and "earlier task of this run" in w for w in warnings)
    assert any("registry endpoint ops-ecr does not exist" in w for w in warnings)
