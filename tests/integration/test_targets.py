"""Integration targets: real ``ansible-playbook`` runs of every module against the fake Harbor.

Each directory under tests/integration/targets (except the helper role ``fake_harbor``) is a target: a
role whose tasks/main.yml exercises one module the way users do (check mode, create, re-run, update,
delete, bad input, ...) and asserts on the results and on the fake's request log. This file runs each
target against the behaviour of Harbor 2.10 and 2.15 (one fake per version and pytest worker, reset
before each target), then checks what only the harness can see:

* ``ansible-playbook`` succeeded;
* the fake recorded zero contract violations (requests and responses held to Harbor's own specs);
* no secret appears in the ``-vvv --diff`` output: neither what the fake knows (passwords, robot secrets,
  credentials, ...) nor the secrets of the target's defaults/vars files (check-mode values never reach the fake);
* a file in the test's temporary directory (the target's ``TMPDIR`` too) that holds a secret is one meant to
  hold it, mode 0600 (secret_scan.py; the figures are printed in the terminal summary).
"""

import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest
import yaml

from tests.fake_harbor.oci import skopeo
from tests.fake_harbor.registry import registry_binary
from tests.fake_harbor.server import FakeHarbor

from . import secret_scan

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
TARGETS_DIR = HERE / "targets"
HELPER_ROLES = {"fake_harbor"}
VERSIONS = ("2.10", "2.15")
ADMIN_PASSWORD = "Adm1n-Integration-Pw"
REGISTRY = registry_binary() is not None and skopeo() is not None
#: the files of a target's tmp_path meant to hold secrets (all 0600): the extra vars, skopeo's credentials and the
#: secret files a target writes into its TMPDIR (the robot target's ``secret_file``)
TARGET_SECRET_FILES = ("vars.json", "auth.json", "tmpdir/*.robot/*.secret")


def targets():
    return sorted(p.name for p in TARGETS_DIR.iterdir()
                  if (p / "tasks" / "main.yml").is_file() and p.name not in HELPER_ROLES)


@pytest.fixture(scope="session")
def fakes():
    """One TLS fake Harbor per version for this pytest worker, started on first use.

    With Debian's docker-registry and skopeo installed (make test installs them) the fakes also speak the
    registry protocol, so targets push real images (fake_harbor role, tasks_from: push).
    """
    started = {}

    def get(version):
        if version not in started:
            started[version] = FakeHarbor(version=version, tls=True, admin_password=ADMIN_PASSWORD,
                                          auth_fail_delay=0.2, registry=REGISTRY).start()
        return started[version]

    yield get
    for fake in started.values():
        fake.stop()


def ansible_bin():
    """Where ansible-playbook comes from: $HARBOR_TEST_ANSIBLE_BIN (a second ansible-core), or this venv."""
    return os.environ.get("HARBOR_TEST_ANSIBLE_BIN") or os.path.dirname(sys.executable)


def ansible_playbook():
    return shutil.which("ansible-playbook", path=ansible_bin()) or "ansible-playbook"


def ansible_python():
    return os.path.join(ansible_bin(), "python")


def push_settings(fake, tmp_path):
    """What the fake_harbor role's push task needs: registry address, CA for skopeo, admin credentials file."""
    registry = fake.url.split("://", 1)[1]
    cert_dir = tmp_path / "certs"
    cert_dir.mkdir()
    shutil.copy(fake.ca_path, str(cert_dir / "ca.crt"))
    authfile = tmp_path / "auth.json"
    token = base64.b64encode(("admin:%s" % ADMIN_PASSWORD).encode()).decode()
    authfile.write_text(json.dumps({"auths": {registry: {"auth": token}}}))
    authfile.chmod(0o600)
    return dict(fake_registry=registry, fake_cert_dir=str(cert_dir), fake_push_authfile=str(authfile))


def run_playbook(playbook, extra_vars, collections_path, tmp_path, timeout=900, args=(), env=None):
    """``ansible-playbook -vvv`` of ``playbook`` on localhost with this checkout as the collection; its output.

    The extra vars go in a 0600 file (they hold passwords); the output is kept in ``tmp_path/ansible.log``. Fails
    the test with the end of the output unless ansible-playbook succeeded.
    """
    returncode, output = playbook_run(playbook, extra_vars, collections_path, tmp_path, timeout=timeout, args=args,
                                      env=env)
    assert returncode == 0, "ansible-playbook failed (rc %d); end of output:\n%s" % (returncode, output[-8000:])
    return output


def playbook_run(playbook, extra_vars, collections_path, tmp_path, timeout=900, inventory=None, args=(),
                 log_name="ansible.log", env=None):
    """``ansible-playbook -vvv`` as ``run_playbook`` runs it, with an ``inventory`` (default: localhost only), more
    command-line ``args`` and environment variables ``env``; returns (return code, output)."""
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(extra_vars))
    vars_file.chmod(0o600)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_ROLES_PATH=str(TARGETS_DIR),
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_PYTHON_INTERPRETER=ansible_python(), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), **(env or {}))
    where = ["-i", str(inventory)] if inventory else ["-i", "localhost,", "-c", "local"]
    proc = subprocess.run([ansible_playbook(), str(playbook)] + where + ["-e", "@" + str(vars_file), "-vvv"]
                          + list(args), env=env, cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=timeout, check=False)
    output = proc.stdout + proc.stderr
    (tmp_path / log_name).write_text(output)
    return proc.returncode, output


def target_secrets(target):
    """{secret: kind} of the target's defaults/main.yml and vars/main.yml: every string under a name that says
    secret, password, token, credential or auth_header."""
    found = {}
    for part in ("defaults", "vars"):
        path = TARGETS_DIR / target / part / "main.yml"
        if path.is_file():
            found.update(secret_scan.named_secrets(yaml.safe_load(path.read_text()) or {}))
    return found


def admin_basic_auth():
    """The admin's Basic authorization header: its base64 must not show either (needles: the token, decoded)."""
    return "Basic " + base64.b64encode(("admin:%s" % ADMIN_PASSWORD).encode()).decode()


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("target", targets())
def test_target(target, version, fakes, collections_path, tmp_path):
    fake = fakes(version)
    fake.reset()
    secret_scan.track(fake)
    extra_vars = dict(target=target, harbor_url=fake.url, harbor_username="admin", harbor_password=ADMIN_PASSWORD,
                      harbor_ca_path=fake.ca_path, harbor_version=version, fake_control_url=fake.url + "/_fake",
                      fake_url=fake.url, fake_repo_root=str(REPO), fake_python=sys.executable,
                      fake_registry_enabled=REGISTRY, **push_settings(fake, tmp_path))
    (tmp_path / "tmpdir").mkdir()
    # TMPDIR through a short link: ansible-core 2.21 puts a unix socket there, whose path may not be long
    short = tempfile.mkdtemp(prefix="ht")
    os.rmdir(short)
    os.symlink(str(tmp_path / "tmpdir"), short)
    try:
        output = run_playbook(HERE / "run_target.yml", extra_vars, collections_path, tmp_path, args=["--diff"],
                              env=dict(TMPDIR=short))
    finally:
        os.unlink(short)

    given = dict(target_secrets(target), **{ADMIN_PASSWORD: secret_scan.ADMIN, admin_basic_auth(): secret_scan.ADMIN_BASIC})
    secret_scan.check(output, secret_scan.known(fake, given), tmp_path=tmp_path, intended=TARGET_SECRET_FILES,
                      what="the -vvv --diff output")

    violations = fake.violations
    assert violations == [], "contract violations against Harbor %s:\n%s" % (
        version, "\n".join(json.dumps(v) for v in violations))
