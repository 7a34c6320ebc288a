"""Integration targets: real ``ansible-playbook`` runs of every module against the fake Harbor.

Each directory under tests/integration/targets (except the helper role ``fake_harbor``) is a target: a
role whose tasks/main.yml exercises one module the way users do (check mode, create, re-run, update,
delete, bad input, ...) and asserts on the results and on the fake's request log. This file runs each
target against the behaviour of Harbor 2.10 and 2.15 (one fake per version and pytest worker, reset
before each target), then checks what only the harness can see:

* ``ansible-playbook`` succeeded;
* the fake recorded zero contract violations (requests and responses held to Harbor's own specs);
* no secret the fake knows (passwords, robot secrets, ...) appears in the ``-vvv`` output.
"""

import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.fake_harbor.oci import skopeo
from tests.fake_harbor.registry import registry_binary
from tests.fake_harbor.server import FakeHarbor

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
TARGETS_DIR = HERE / "targets"
HELPER_ROLES = {"fake_harbor"}
VERSIONS = ("2.10", "2.15")
ADMIN_PASSWORD = "Adm1n-Integration-Pw"
REGISTRY = registry_binary() is not None and skopeo() is not None


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


def run_playbook(playbook, extra_vars, collections_path, tmp_path, timeout=900):
    """``ansible-playbook -vvv`` of ``playbook`` on localhost with this checkout as the collection; its output.

    The extra vars go in a 0600 file (they hold passwords); the output is kept in ``tmp_path/ansible.log``. Fails
    the test with the end of the output unless ansible-playbook succeeded.
    """
    returncode, output = playbook_run(playbook, extra_vars, collections_path, tmp_path, timeout=timeout)
    assert returncode == 0, "ansible-playbook failed (rc %d); end of output:\n%s" % (returncode, output[-8000:])
    return output


def playbook_run(playbook, extra_vars, collections_path, tmp_path, timeout=900, inventory=None, args=(),
                 log_name="ansible.log"):
    """``ansible-playbook -vvv`` as ``run_playbook`` runs it, with an ``inventory`` (default: localhost only) and
    more command-line ``args``; returns (return code, output)."""
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(extra_vars))
    vars_file.chmod(0o600)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_ROLES_PATH=str(TARGETS_DIR),
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_PYTHON_INTERPRETER=ansible_python(), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))
    where = ["-i", str(inventory)] if inventory else ["-i", "localhost,", "-c", "local"]
    proc = subprocess.run([ansible_playbook(), str(playbook)] + where + ["-e", "@" + str(vars_file), "-vvv"]
                          + list(args), env=env, cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=timeout, check=False)
    output = proc.stdout + proc.stderr
    (tmp_path / log_name).write_text(output)
    return proc.returncode, output


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("target", targets())
def test_target(target, version, fakes, collections_path, tmp_path):
    fake = fakes(version)
    fake.reset()
    extra_vars = dict(target=target, harbor_url=fake.url, harbor_username="admin", harbor_password=ADMIN_PASSWORD,
                      harbor_ca_path=fake.ca_path, harbor_version=version, fake_control_url=fake.url + "/_fake",
                      fake_url=fake.url, fake_repo_root=str(REPO), fake_python=sys.executable,
                      fake_registry_enabled=REGISTRY, **push_settings(fake, tmp_path))
    output = run_playbook(HERE / "run_target.yml", extra_vars, collections_path, tmp_path)

    violations = fake.violations
    assert violations == [], "contract violations against Harbor %s:\n%s" % (
        version, "\n".join(json.dumps(v) for v in violations))

    secrets = [s for s in fake.known_secrets() if s and s != ADMIN_PASSWORD] + [ADMIN_PASSWORD]
    leaked = [s for s in secrets if s in output]
    assert not leaked, "secrets in the -vvv output: %d of %d known secrets leaked" % (len(leaked), len(secrets))
