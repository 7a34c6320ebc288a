"""Verify harbor_ops.harbor.harbor after converge, idempotence and side_effect (default scenario).

End state: the stand-in Harbor 2.15.2 installed from a cosign-verified offline installer, reconfigured
(log.level debug), admin password SecondAdmin2, certificate renewed, Trivy switched off.
"""

import json
import shlex

import pytest
import yaml

testinfra_hosts = ["all"]

INSTALL_DIR = "/opt/harbor"
CA = "/etc/harbor-test/tls/harbor.crt"


@pytest.fixture(scope="module")
def https_port(host):
    return int(host.ansible.get_variables()["ansible_port"]) + 21000


@pytest.fixture(scope="module")
def harbor_yml(host):
    return yaml.safe_load(host.file(INSTALL_DIR + "/harbor.yml").content_string)


def api(host, port, path, user=None, password=None):
    """GET from Harbor's API with Python on the host (no curl there); returns (status, body)."""
    code = (
        "import base64, ssl, sys, urllib.error, urllib.request\n"
        "request = urllib.request.Request(sys.argv[1])\n"
        "if len(sys.argv) > 2:\n"
        "    token = base64.b64encode((sys.argv[2] + ':' + sys.argv[3]).encode()).decode()\n"
        "    request.add_header('Authorization', 'Basic ' + token)\n"
        "try:\n"
        "    response = urllib.request.urlopen(request, context=ssl.create_default_context(cafile=%r))\n"
        "except urllib.error.HTTPError as err:\n"
        "    response = err\n"
        "print(response.status)\n"
        "print(response.read().decode())\n" % CA
    )
    args = ["https://harbor.molecule.test:%d/api/v2.0%s" % (port, path)] + ([user, password] if user else [])
    out = host.check_output("python3 -c %s %s" % (shlex.quote(code), " ".join(shlex.quote(a) for a in args)))
    status, _newline, body = out.partition("\n")
    return int(status), body


def test_harbor_yml_is_private(host):
    harbor_yml = host.file(INSTALL_DIR + "/harbor.yml")
    assert harbor_yml.user == "root"
    assert harbor_yml.group == "root"
    assert harbor_yml.mode == 0o600


def test_harbor_yml_content(harbor_yml, https_port):
    assert harbor_yml["hostname"] == "harbor.molecule.test"
    assert harbor_yml["https"] == {"port": https_port, "certificate": "/etc/harbor-test/tls/harbor.crt",
                                   "private_key": "/etc/harbor-test/tls/harbor.key"}
    assert harbor_yml["harbor_admin_password"] == "SecondAdmin2"
    assert harbor_yml["database"]["password"] == "MoleculeDb1"
    assert harbor_yml["log"]["level"] == "debug"
    # merged over Harbor's 2.15 template values
    assert harbor_yml["jobservice"] == {
        "max_job_workers": 4, "max_job_duration_hours": 24, "job_loggers": ["STD_OUTPUT", "FILE"],
        "logger_sweeper_duration": 1,
    }
    assert harbor_yml["trivy"]["db_repository"] == "ghcr.io/aquasecurity/trivy-db"
    assert harbor_yml["_version"] == "2.15.0"


def test_installer_unpacked_once(host):
    for name in ("install.sh", "prepare", "common.sh", "harbor.yml.tmpl", "LICENSE", "harbor.v2.15.2.tar.gz"):
        assert host.file("%s/%s" % (INSTALL_DIR, name)).exists, name
    bundle = host.file("/opt/harbor-installers/harbor-offline-installer-v2.15.2.tgz")
    assert bundle.exists
    assert host.file("/opt/harbor-installers/harbor-offline-installer-v2.15.2.tgz.sigstore.json").exists


def test_recorded_state(host):
    state_dir = host.file(INSTALL_DIR + "/.harbor_ops")
    assert state_dir.mode == 0o700
    state_file = host.file(INSTALL_DIR + "/.harbor_ops/state.json")
    assert state_file.mode == 0o600
    state = json.loads(state_file.content_string)
    assert state["version"] == "2.15.2"
    assert state["unpacked_version"] == "2.15.2"
    assert state["with_trivy"] is False
    assert [entry["action"] for entry in state["history"]] == [
        "install", "reconfigure", "admin password changed", "reconfigure", "reconfigure"]


def test_calls_of_install_sh_and_prepare(host):
    """install.sh ran once (first install); prepare once per change of the role's input, never else."""
    calls = [line.split(" ", 1)[1] for line in host.file("/var/log/harbor-standin/calls.log").content_string.splitlines()]
    assert calls == [
        "install.sh --with-trivy",
        "prepare --with-trivy rc=0",  # from install.sh
        "prepare --with-trivy rc=0",  # log.level debug
        "prepare --with-trivy rc=0",  # renewed certificate
        "prepare  rc=0",  # Trivy off
    ]


def test_docker_runs(host):
    assert host.service("docker").is_running
    assert host.service("docker").is_enabled


def test_images_loaded(host):
    images = host.check_output("docker images --format '{{.Repository}}:{{.Tag}}'").split()
    assert {"goharbor/harbor-core:v2.15.2", "goharbor/harbor-db:v2.15.2", "goharbor/prepare:v2.15.2",
            "goharbor/trivy-adapter-photon:v2.15.2"} <= set(images)


def test_containers(host):
    running = host.check_output("docker ps --format '{{.Names}}'").split()
    assert sorted(running) == ["harbor-core", "harbor-db"]  # trivy-adapter removed with Trivy off
    restart = host.check_output("docker inspect --format '{{.HostConfig.RestartPolicy.Name}}' harbor-core")
    assert restart == "always"


def test_https_port_listens(host, https_port):
    assert host.socket("tcp://127.0.0.1:%d" % https_port).is_listening


def test_health(host, https_port):
    status, body = api(host, https_port, "/health")
    assert status == 200
    health = json.loads(body)
    assert health["status"] == "healthy"
    names = [component["name"] for component in health["components"]]
    assert "trivy" not in names
    assert {"core", "database", "redis", "registry", "jobservice"} <= set(names)


def test_admin_password_changed(host, https_port):
    status, body = api(host, https_port, "/users/current", "admin", "SecondAdmin2")
    assert status == 200
    assert json.loads(body)["username"] == "admin"
    assert api(host, https_port, "/users/current", "admin", "FirstAdmin1")[0] == 401


def test_secret_files(host):
    key = host.file("/data/secret/keys/secretkey")
    assert key.mode == 0o600
    assert host.file("/data/database/pg18/PG_VERSION").content_string.strip() == "18"


def test_common_config_written(host):
    for name in ("core/env", "db/env", "registry/passwd"):
        config = host.file("%s/common/config/%s" % (INSTALL_DIR, name))
        assert config.exists, name
        assert config.mode == 0o600
    assert not host.file(INSTALL_DIR + "/common/config/trivy-adapter/env").exists
