"""AWX / Automation Platform: the execution environment, the Harbor credential type and the job templates.

* ``ansible-builder create`` turns execution-environment.yml into a build context with the modules' Python libraries
  (requests), the collections (this one and community.crypto, as galaxy.yml declares it), bindep's system packages and
  the ansible-core / ansible-runner that the tests run;
* the playbooks take their connection from the environment that the credential type injects (HARBOR_*): site.yml's
  configure play, configure.yml, export.yml, gc.yml and scan_gate.yml authenticate as the credential's account even
  when the inventory holds the admin password, and honour HARBOR_VALIDATE_CERTS and HARBOR_CA_PATH; a password the
  inventory names never meets the environment's username;
* survey-shaped variables: a list or dict given as YAML or JSON text is read; text that does not parse, or parses to
  the wrong type, fails before any request naming the variable, without showing the text;
* a job as AWX runs it: ansible-runner with a private data dir whose env/envvars come from the shipped credential
  type's injectors (rendered as AWX renders them, the CA as a file), env/extravars as a survey sends them, the project
  holding this checkout's playbooks; configure.yml and export.yml against the fake Harbor, a rerun with changed=0,
  and the password in none of the runner's output artifacts.
"""

import json
import os
import pathlib
import re
import stat
import subprocess
import sys
import tempfile
from types import SimpleNamespace

import pytest
import requests
import yaml

from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import secret_scan
from .test_configure import admin_get, collections_path_of, recap, writes
from .test_configure import fakes  # pylint: disable=unused-import  # noqa: F401  (the fixture)
from .test_targets import ADMIN_PASSWORD, REPO, ansible_playbook, ansible_python, playbook_run

CREDENTIAL_TYPE = REPO / "extensions" / "awx" / "credential_types" / "harbor.yml"
PLAYBOOKS = REPO / "playbooks"
USER = "ops-bot"
USER_PASSWORD = "Ops-Bot-Passw0rd-71"
SURVEY_USER_PASSWORD = "Survey-User-Pw-9q2"


# ---------------------------------------------------------------- helpers

def add_user(fake, username=USER, password=USER_PASSWORD, sysadmin=True):
    resp = requests.post(fake.url + "/_fake/users", json=dict(username=username, password=password, sysadmin=sysadmin),
                         verify=fake.ca_path, timeout=30)
    assert resp.status_code == 201, resp.text


def users_of(fake):
    """The accounts that the requests of the log authenticated as (None: anonymous)."""
    return set(entry["user"] for entry in fake.requests)


def harbor_env(fake, username=USER, password=USER_PASSWORD, validate_certs="True", ca_path=None):
    return dict(HARBOR_URL=fake.url, HARBOR_USERNAME=username, HARBOR_PASSWORD=password,
                HARBOR_VALIDATE_CERTS=validate_certs, HARBOR_CA_PATH=fake.ca_path if ca_path is None else ca_path)


def localhost_inventory(tmp_path, group_vars=None):
    inventory = tmp_path / "inventory"
    (inventory / "group_vars" / "all").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(yaml.safe_dump(dict(all=dict(hosts=dict(localhost=dict(
        ansible_connection="local", ansible_python_interpreter="{{ ansible_playbook_python }}"))))))
    path = inventory / "group_vars" / "all" / "harbor.yml"
    path.write_text(yaml.safe_dump(group_vars or {}))
    path.chmod(0o600)
    return inventory / "hosts.yml"


def env_run(playbook, fake, tmp_path, env, extra=None, inventory=None, log="ansible.log", args=()):
    """A run of ``playbook`` with the connection in the environment only; (rc, output), secrets scanned."""
    # the five HARBOR_* of ``env`` replace any of the test's own environment
    code, output = playbook_run(playbook, extra or {}, collections_path_of(tmp_path), tmp_path, inventory=inventory,
                                env=env, log_name=log, args=args)
    given = {USER_PASSWORD: secret_scan.USER, SURVEY_USER_PASSWORD: secret_scan.USER, ADMIN_PASSWORD: secret_scan.ADMIN}
    secret_scan.check(output, secret_scan.known(fake, given), tmp_path=tmp_path,
                      intended=("vars.json", "*inventory/group_vars/all/harbor.yml"))
    return code, output


def credential_type():
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def apply_injectors(cred_type, inputs, env_dir):
    """The environment that AWX gives a job with a credential of ``cred_type`` (awx's ``inject_credential``):
    the namespace of the inputs (empty strings left out, a missing boolean is false), each ``file`` template rendered
    to a 0600 file in ``env_dir`` (``tower.filename.<name>``), then the ``env`` templates, in Jinja's sandbox."""
    namespace = dict((key, value) for key, value in inputs.items() if isinstance(value, bool) or value)
    for field in cred_type["inputs"]["fields"]:
        if field.get("type") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False
    sandbox = ImmutableSandboxedEnvironment()
    files = {}
    for label, template in cred_type["injectors"].get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=str(env_dir))
        with os.fdopen(handle, "w") as out:
            out.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        files[label.split(".", 1)[1]] = path
    namespace["tower"] = SimpleNamespace(filename=SimpleNamespace(**files))
    return dict((name, sandbox.from_string(template).render(**namespace))
                for name, template in cred_type["injectors"]["env"].items())


# ---------------------------------------------------------------- the execution environment

def requirement_pins():
    pins = {}
    for line in (REPO / "tests" / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def test_ansible_builder_create_makes_the_build_context(tmp_path):
    builder = pathlib.Path(sys.executable).parent / "ansible-builder"
    context = tmp_path / "context"
    proc = subprocess.run([str(builder), "create", "-f", str(REPO / "execution-environment.yml"), "-c", str(context),
                           "--output-filename", "Containerfile"], cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (context / "Containerfile").read_text()
    assert "FROM $EE_BASE_IMAGE" in containerfile  # the base image stays overridable with --build-arg
    pins = requirement_pins()
    assert "ansible-core==%s" % pins["ansible-core"] in containerfile
    assert "ansible-runner==%s" % pins["ansible-runner"] in containerfile

    python = (context / "_build" / "requirements.txt").read_text()
    assert [line for line in python.splitlines() if line.startswith("requests")] == ["requests>=2.25.0"]
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    collections = dict((c["name"], str(c.get("version"))) for c in galaxy["collections"])
    manifest = yaml.safe_load((REPO / "galaxy.yml").read_text())
    assert collections["harbor_ops.harbor"] == manifest["version"]
    for name, version in manifest["dependencies"].items():
        assert collections[name] == version
    bindep = (context / "_build" / "bindep.txt").read_text()
    assert "openssh-clients [platform:rpm]" in bindep
    assert "_build/bindep.txt" in containerfile and "_build/requirements.txt" in containerfile
    assert "COPY _build /build" in containerfile and "collection install" in containerfile  # requirements.yml

    # the collection's own EE declaration names the same files
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    root = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    assert meta["dependencies"]["python"] == root["dependencies"]["python"] == "requirements.txt"
    assert meta["dependencies"]["system"] == root["dependencies"]["system"] == "bindep.txt"


def test_the_credential_type_ships_in_the_collection_and_injects_what_the_modules_read(tmp_path):
    # galaxy.yml's build_ignore keeps it (and the EE files) in the collection tarball
    proc = subprocess.run([str(pathlib.Path(ansible_playbook()).parent / "ansible-galaxy"), "collection", "build",
                           "--output-path", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tarball = next(tmp_path.glob("harbor_ops-harbor-*.tar.gz"))
    listing = subprocess.run(["tar", "-tzf", str(tarball)], capture_output=True, text=True, check=True).stdout.split()
    for path in ("extensions/awx/credential_types/harbor.yml", "execution-environment.yml", "bindep.txt",
                 "meta/execution-environment.yml", "playbooks/gc.yml", "playbooks/scan_gate.yml"):
        assert path in listing, path

    cred = credential_type()
    fields = dict((f["id"], f) for f in cred["inputs"]["fields"])
    assert set(fields) == {"url", "username", "password", "validate_certs", "ca"}
    assert fields["password"]["secret"] is True and fields["ca"]["multiline"] is True
    assert fields["validate_certs"]["type"] == "boolean" and fields["validate_certs"]["default"] is True
    # the names the modules fall back to (plugins/module_utils/_api.py)
    api = (REPO / "plugins" / "module_utils" / "_api.py").read_text()
    for name in cred["injectors"]["env"]:
        assert '["%s"]' % name in api, name

    env_dir = tmp_path / "env"
    env_dir.mkdir()
    with_ca = apply_injectors(cred, dict(url="https://h.example", username="robot$ci", password="s3cret",
                                         validate_certs=True, ca="-----BEGIN CERTIFICATE-----\nx\n"), env_dir)
    assert with_ca["HARBOR_VALIDATE_CERTS"] == "True" and with_ca["HARBOR_USERNAME"] == "robot$ci"
    assert pathlib.Path(with_ca["HARBOR_CA_PATH"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
    without_ca = apply_injectors(cred, dict(url="https://h.example", username="robot$ci", password="s3cret",
                                            validate_certs=False), env_dir)
    # no CA: no path (an empty CA file would break every TLS handshake); the trust store applies
    assert without_ca["HARBOR_CA_PATH"] == "" and without_ca["HARBOR_VALIDATE_CERTS"] == "False"


# ---------------------------------------------------------------- the connection from the environment

def test_site_configure_play_authenticates_as_the_credential_account(fakes, tmp_path):
    """The inventory of an install holds the admin password; a job's Harbor credential (HARBOR_*) wins over it."""
    fake = fakes("2.15")
    add_user(fake)
    inventory = localhost_inventory(tmp_path, dict(
        harbor_admin_password=ADMIN_PASSWORD, harbor_validate_certs=False,
        harbor_projects=[dict(name="from-credential", auto_scan=True)]))
    fake.clear_requests()
    code, output = env_run(PLAYBOOKS / "site.yml", fake, tmp_path, harbor_env(fake), inventory=inventory)
    assert code == 0, output[-6000:]
    assert users_of(fake) == {USER}
    assert "Harbor's certificate is not verified" not in output and "validate_certs=false" not in output
    project = admin_get(fake, "/projects/from-credential")
    assert project["owner_name"] == USER and project["metadata"]["auto_scan"] == "true"

    # a password that the inventory names for the API is admin's: it never meets the environment's username
    inventory = localhost_inventory(tmp_path / "named", dict(
        harbor_api_password=ADMIN_PASSWORD, harbor_projects=[dict(name="from-inventory")]))
    fake.clear_requests()
    code, output = env_run(PLAYBOOKS / "site.yml", fake, tmp_path, harbor_env(fake), inventory=inventory,
                           log="named.log")
    assert code == 0, output[-6000:]
    assert users_of(fake) == {"admin"}


@pytest.mark.parametrize("playbook", ["configure.yml", "export.yml"])
def test_validate_certs_and_ca_come_from_the_environment(playbook, fakes, tmp_path):
    fake = fakes("2.15")
    add_user(fake)
    extra = dict(harbor_projects=[dict(name="env-tls")], export_dest=str(tmp_path / "export.yml"))

    # HARBOR_VALIDATE_CERTS=True without a CA: the fake's certificate is not trusted
    fake.clear_requests()
    code, output = env_run(PLAYBOOKS / playbook, fake, tmp_path, harbor_env(fake, ca_path=""), extra=extra,
                           log="verify.log")
    assert code != 0
    assert "TLS failed for %s" % fake.url in output

    # HARBOR_VALIDATE_CERTS=False without a CA: not verified (the playbook no longer sends validate_certs=true)
    code, output = env_run(PLAYBOOKS / playbook, fake, tmp_path, harbor_env(fake, validate_certs="False", ca_path=""),
                           extra=extra, log="no-verify.log")
    assert code == 0, output[-6000:]

    # the CA of the environment, verified
    fake.clear_requests()
    code, output = env_run(PLAYBOOKS / playbook, fake, tmp_path, harbor_env(fake), extra=extra, log="ca.log")
    assert code == 0, output[-6000:]
    assert users_of(fake) == {USER}
    if playbook == "export.yml":
        assert yaml.safe_load((tmp_path / "export.yml").read_text())["harbor_projects"]


# ---------------------------------------------------------------- survey-shaped variables

def test_survey_text_is_read_as_the_model(fakes, tmp_path):
    fake = fakes("2.15")
    add_user(fake)
    survey = dict(
        harbor_projects=("- name: team-a\n  auto_scan: true\n  members:\n"
                         "    - user: survey-user\n      role: developer\n- name: team-b\n"),
        harbor_users=json.dumps([dict(name="survey-user", email="survey-user@example.com", realname="Survey User",
                                      user_password=SURVEY_USER_PASSWORD)]),
        harbor_labels="",  # an unanswered textarea
        harbor_gc='{"schedule": "Custom", "cron": "0 0 4 * * *"}',
        harbor_prune="[label]",
    )
    code, output = env_run(PLAYBOOKS / "configure.yml", fake, tmp_path, harbor_env(fake), extra=survey)
    assert code == 0, output[-6000:]
    projects = dict((p["name"], p) for p in admin_get(fake, "/projects"))
    assert projects["team-a"]["metadata"]["auto_scan"] == "true" and "team-b" in projects
    members = sorted(m["entity_name"] for m in admin_get(fake, "/projects/team-a/members"))
    assert "survey-user" in members
    assert admin_get(fake, "/system/gc/schedule")["schedule"]["cron"] == "0 0 4 * * *"

    fake.clear_requests()
    code, output = env_run(PLAYBOOKS / "configure.yml", fake, tmp_path, harbor_env(fake), extra=survey, log="again.log")
    assert code == 0 and recap(output) == (0, 0), output[-6000:]
    assert writes(fake) == []


def test_survey_text_that_does_not_parse_fails_before_any_request_naming_the_variable(fakes, tmp_path):
    fake = fakes("2.15")
    survey = dict(
        harbor_projects="- name: [team-a\n",
        harbor_users="- name: bob\n  user_password: %s\n   bad: indent\n" % SURVEY_USER_PASSWORD,
        configure_gc="[1, 2]",
        harbor_prune="project",
    )
    fake.clear_requests()
    code, output = env_run(PLAYBOOKS / "configure.yml", fake, tmp_path, harbor_env(fake), extra=survey)
    assert code != 0
    assert fake.requests == []
    assert "harbor_projects is neither a dict nor YAML" not in output
    assert "harbor_projects is neither a list nor YAML or JSON text of one:" in output
    assert "harbor_users is neither a list nor YAML or JSON text of one:" in output
    # the parse error, where it is, and nothing of the text
    assert ("harbor_projects is neither a list nor YAML or JSON text of one: while parsing a flow sequence at line 1, "
            "column 9; did not find expected ',' or ']' at line 2, column 1.") in output
    assert "Finalization of task args" not in output.split("Survey text (YAML or JSON) that does not parse:")[-1]
    assert SURVEY_USER_PASSWORD not in output

    # text that parses, to the wrong type
    fake.clear_requests()
    code, output = env_run(PLAYBOOKS / "configure.yml", fake, tmp_path, harbor_env(fake),
                           extra=dict(configure_gc="[1, 2]", harbor_prune="project"), log="types.log")
    assert code != 0
    assert fake.requests == []
    assert "configure_gc must be a dict (or YAML or JSON text of one), not a list" in output
    assert "harbor_prune must be a list (or YAML or JSON text of one), not a str" in output


# ---------------------------------------------------------------- the new job templates' playbooks

def test_gc_now_reports_the_freed_space(fakes, tmp_path):
    fake = fakes("2.15")
    add_user(fake)
    fake.clear_requests()
    # a GC of 4 s of the job clock, reported every second: the wait runs in the background and says it is waiting
    resp = requests.post(fake.url + "/_fake/jobs", json=dict(kind="GARBAGE_COLLECTION", duration=4), verify=fake.ca_path, timeout=30)
    assert resp.status_code == 200, resp.text
    code, output = env_run(PLAYBOOKS / "gc.yml", fake, tmp_path, harbor_env(fake),
                           extra=dict(gc_delete_untagged="true", gc_workers="2", gc_wait_timeout="120",
                                      gc_report_interval="1"))
    assert code == 0, output[-6000:]
    assert len(re.findall(r"FAILED - RETRYING: \[localhost\]: Wait for the GC, one line per round of seconds 1", output)) >= 2
    assert users_of(fake) == {USER}
    started = [e for e in fake.requests if e["method"] == "POST" and e["path"].endswith("/system/gc/schedule")]
    assert len(started) == 1
    history = admin_get(fake, "/system/gc")
    assert history and json.loads(history[0]["job_parameters"])["delete_untagged"] is True
    assert "freed (" in output and " bytes)" in output


def test_scan_gate_passes_and_fails_on_the_severity(fakes, tmp_path):
    fake = fakes("2.15")
    add_user(fake)
    resp = requests.post(fake.api_url + "/projects", json=dict(project_name="production"),
                         auth=("admin", ADMIN_PASSWORD), verify=fake.ca_path, timeout=30)
    assert resp.status_code == 201, resp.text
    resp = requests.post(fake.url + "/_fake/artifacts", verify=fake.ca_path, timeout=30, json=dict(
        project="production", repository="my-app", tags=["v1.2.3"], size=2048, packages=[dict(
            name="openssl", version="3.0.1", vulnerabilities=[dict(id="CVE-2024-0001", severity="high")])]))
    assert resp.status_code == 201, resp.text
    target = dict(scan_project="production", scan_repository="my-app", scan_tag="v1.2.3", scan_wait_timeout="120")

    code, output = env_run(PLAYBOOKS / "scan_gate.yml", fake, tmp_path, harbor_env(fake),
                           extra=dict(target, scan_fail_on_severity="critical"))
    assert code == 0, output[-6000:]
    assert "1 high" in output and "nothing at or above critical" in output

    code, output = env_run(PLAYBOOKS / "scan_gate.yml", fake, tmp_path, harbor_env(fake),
                           extra=dict(target, scan_fail_on_severity="high", scan_rescan="false"), log="gate.log")
    assert code != 0
    assert "CVE-2024-0001" in output

    # a scan of 4 s of the job clock, reported every second
    resp = requests.post(fake.url + "/_fake/jobs", json=dict(kind="IMAGE_SCAN", duration=4), verify=fake.ca_path,
                         timeout=30)
    assert resp.status_code == 200, resp.text
    code, output = env_run(PLAYBOOKS / "scan_gate.yml", fake, tmp_path, harbor_env(fake),
                           extra=dict(target, scan_fail_on_severity="critical", scan_report_interval="1"),
                           log="slow.log")
    assert code == 0, output[-6000:]
    assert len(re.findall(r"FAILED - RETRYING: \[localhost\]: Wait for the report, one line per round of seconds 1",
                          output)) >= 2


# ---------------------------------------------------------------- a job as AWX runs it (ansible-runner)

def private_data_dir(tmp_path, fake, extravars):
    """A runner private data dir: the project (this checkout), a localhost inventory, env/envvars from the
    credential type's injectors, env/extravars as the survey sends them."""
    pdd = tmp_path / "job"
    (pdd / "env").mkdir(parents=True)
    (pdd / "inventory").mkdir()
    (pdd / "project").symlink_to(REPO)
    (pdd / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % ansible_python())
    inputs = dict(url=fake.url, username=USER, password=USER_PASSWORD, validate_certs=True,
                  ca=pathlib.Path(fake.ca_path).read_text())
    env = apply_injectors(credential_type(), inputs, pdd / "env")
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections_path_of(tmp_path)), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_PYTHON_INTERPRETER=ansible_python(),
               PATH=os.path.dirname(ansible_playbook()) + os.pathsep + os.environ.get("PATH", ""))
    for name, data in (("envvars", env), ("extravars", extravars)):
        path = pdd / "env" / name
        path.write_text(yaml.safe_dump(data))
        path.chmod(0o600)
    return pdd, env


def runner_job(pdd, playbook, ident):
    import ansible_runner
    clean = dict((k, os.environ.pop(k)) for k in list(os.environ) if k.startswith("HARBOR_"))
    try:
        job = ansible_runner.run(private_data_dir=str(pdd), playbook=playbook, ident=ident, quiet=True, timeout=900)
    finally:
        os.environ.update(clean)
    return job


def changed_total(job):
    return sum((job.stats or {}).get("changed", {}).values())


def test_awx_job_templates_configure_and_export_through_ansible_runner(fakes, tmp_path):
    fake = fakes("2.15")
    add_user(fake)
    export_dest = tmp_path / "exported.yml"
    survey = dict(
        harbor_projects="- name: awx-team\n  public: false\n  auto_scan: true\n  robots:\n    - name: ci\n"
                        "      duration: 30\n      permissions:\n        - resource: repository\n"
                        "          actions: [pull, push]\n",
        harbor_robot_secrets_file=str(tmp_path / "robot-secrets.yml"),
        harbor_prune='["robot"]',
        export_dest=str(export_dest),
        export_kinds="[project, robot]",
    )
    pdd, env = private_data_dir(tmp_path, fake, survey)
    assert env["HARBOR_USERNAME"] == USER and os.path.isfile(env["HARBOR_CA_PATH"])

    fake.clear_requests()
    job = runner_job(pdd, "playbooks/configure.yml", "configure")
    stdout = (pdd / "artifacts" / "configure" / "stdout").read_text()
    assert job.status == "successful" and job.rc == 0, stdout[-6000:]
    assert changed_total(job) > 0
    assert users_of(fake) == {USER}
    project = admin_get(fake, "/projects/awx-team")
    assert project["owner_name"] == USER and project["metadata"]["auto_scan"] == "true"
    robots = admin_get(fake, "/robots", params=dict(q="Level=project,ProjectID=%d" % project["project_id"]))
    assert [r["name"] for r in robots] == ["robot$awx-team+ci"]

    job = runner_job(pdd, "playbooks/export.yml", "export")
    assert job.status == "successful", (pdd / "artifacts" / "export" / "stdout").read_text()[-6000:]
    exported = yaml.safe_load(export_dest.read_text())
    team = next(p for p in exported["harbor_projects"] if p["name"] == "awx-team")
    assert [r["name"] for r in team["robots"]] == ["ci"]
    assert "harbor_registries" not in exported  # export_kinds from the survey text

    fake.clear_requests()
    job = runner_job(pdd, "playbooks/configure.yml", "again")
    assert job.status == "successful", (pdd / "artifacts" / "again" / "stdout").read_text()[-6000:]
    assert changed_total(job) == 0
    assert writes(fake) == []
    events = list(job.events)
    assert any(e.get("event") == "playbook_on_stats" for e in events)
    assert not [e for e in events if e.get("event") == "runner_on_ok" and e["event_data"].get("res", {}).get("changed")]

    # the password (and the robot secret Harbor issued) is in none of the runner's output artifacts; the runner's
    # own record of the job's environment ("command", like AWX's private data dir) is 0600
    secrets = [USER_PASSWORD] + [s for s in fake.known_secrets() if len(s) >= 8]
    for ident in ("configure", "export", "again"):
        artifacts = pdd / "artifacts" / ident
        command = artifacts / "command"
        assert command.stat().st_mode & 0o077 == 0
        for path in artifacts.rglob("*"):
            if path.is_file() and path != command:
                text = path.read_text(errors="replace")
                assert not [s for s in secrets if s in text], path
    assert export_dest.is_file() and USER_PASSWORD not in export_dest.read_text()
