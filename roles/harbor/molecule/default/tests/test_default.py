"""Verify harbor_ops.harbor.harbor after converge, idempotence and side_effect (default scenario).

End state: the stand-in Harbor 2.15.2 installed from a cosign-verified offline installer, reconfigured
(log.level debug), admin password SecondAdmin2, certificate renewed, Trivy switched off. The registry tests at
the end push and pull with the host's Docker (tests/hosts/molecule/registry_push_pull.py).
"""

import json
import shlex
import sys
import time
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[5] / "tests" / "hosts" / "molecule"))
from registry_push_pull import api_call, check_artifact, login, logout, pull_and_run, push_pull  # noqa: E402

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
    assert sorted(running) == ["harbor-core", "harbor-db", "registry"]  # trivy-adapter removed with Trivy off
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
    for name in ("core/env", "db/env", "registry/passwd", "registry/config.yml"):
        config = host.file("%s/common/config/%s" % (INSTALL_DIR, name))
        assert config.exists, name
        assert config.mode == 0o600
    assert not host.file(INSTALL_DIR + "/common/config/trivy-adapter/env").exists


# ---------------------------------------------------------------- the registry (real distribution)

ADMIN = ("admin", "SecondAdmin2")
REPOSITORY = "library/smoke"


@pytest.fixture(scope="module")
def registry(https_port):
    return "harbor.molecule.test:%d" % https_port


@pytest.fixture(scope="module")
def pushed(host, registry, https_port):
    """docker login, push, pull back and run, checked in the API (once for the tests below)."""
    return push_pull(host, registry, CA, *ADMIN, repository=REPOSITORY, tag="v1",
                     api_url="https://%s/api/v2.0" % registry)


def wait_healthy(host, https_port, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, body = api(host, https_port, "/health")
            if status == 200 and json.loads(body)["status"] == "healthy":
                return json.loads(body)
        except AssertionError:  # not listening (yet)
            pass
        assert time.monotonic() < deadline, "Harbor not healthy after %d s" % timeout
        time.sleep(1)


def test_registry_config(host, https_port):
    config_file = host.file(INSTALL_DIR + "/common/config/registry/config.yml")
    assert config_file.uid == 10000 and config_file.mode == 0o600
    config = yaml.safe_load(config_file.content_string)
    assert config["storage"]["filesystem"] == {"rootdirectory": "/storage"}
    assert config["storage"]["redirect"] == {"disable": False}
    assert config["storage"]["delete"] == {"enabled": True}
    assert config["http"]["addr"] == "127.0.0.1:%d" % (https_port - 10000)


def test_registry_container_runs_distribution(host, https_port):
    inspect = json.loads(host.check_output("docker inspect registry"))[0]
    assert inspect["Config"]["Image"] == "goharbor/registry-photon:v2.15.2"
    assert inspect["Config"]["Cmd"] == ["docker-registry", "serve", "/etc/registry/config.yml"]
    assert inspect["Config"]["User"] == "10000:10000"
    assert inspect["HostConfig"]["NetworkMode"] == "host"
    assert {m["Source"]: m["Destination"] for m in inspect["Mounts"]}["/data/registry"] == "/storage"
    assert host.socket("tcp://127.0.0.1:%d" % (https_port - 10000)).is_listening
    assert not host.socket("tcp://0.0.0.0:%d" % (https_port - 10000)).is_listening


def test_docker_login_push_and_pull(host, pushed):
    assert pushed["digest"].startswith("sha256:")
    assert REPOSITORY in pushed["repositories"]
    assert pushed["artifact"]["digest"] == pushed["digest"]
    assert [t["name"] for t in pushed["artifact"]["tags"]] == ["v1"]
    assert pushed["artifact"]["pull_time"] != "0001-01-01T00:00:00.000Z"


def test_blobs_are_in_the_data_volume(host, pushed):
    manifest = host.file("/data/registry/docker/registry/v2/blobs/sha256/%s/%s/data" % (
        pushed["digest"][7:9], pushed["digest"][7:]))
    assert manifest.exists
    assert manifest.uid == 10000  # written by the registry container's user
    assert host.file("/data/registry").uid == 10000


def test_wrong_password_is_refused_by_docker_login(host, registry):
    result = host.run("printf %%s FirstAdmin1 | docker login --username admin --password-stdin %s" % registry)
    assert result.rc != 0
    assert "unauthorized" in (result.stdout + result.stderr).lower()


def test_registry_state_survives_a_recreation_of_core(host, registry, https_port, pushed):
    url = "https://%s/service/token?service=harbor-registry&scope=repository:%s:pull" % (registry, REPOSITORY)
    status, _headers, body = api_call(host, url, CA, *ADMIN)
    assert status == 200
    token = json.loads(body)["token"]
    before = host.check_output("docker inspect --format '{{.Id}}' harbor-core")
    host.check_output("cd %s && (docker compose version >/dev/null 2>&1 && docker compose up -d --force-recreate "
                      "--no-deps core || docker-compose up -d --force-recreate --no-deps core)" % INSTALL_DIR)
    assert host.check_output("docker inspect --format '{{.Id}}' harbor-core") != before
    wait_healthy(host, https_port)
    # a token issued before the recreation still works, the artifact is still in the API and pulls
    manifest_url = "https://%s/v2/%s/manifests/v1" % (registry, REPOSITORY)
    status, headers, _body = api_call(host, manifest_url, CA, bearer=token)
    assert status == 200 and headers["Docker-Content-Digest"] == pushed["digest"]
    check_artifact(host, "https://%s/api/v2.0" % registry, CA, *ADMIN, REPOSITORY, "v1", pushed["digest"])
    login(host, registry, CA, *ADMIN)
    try:
        assert pull_and_run(host, pushed["reference"]) == (pushed["image_id"], pushed["content"])
    finally:
        logout(host, registry)


def test_a_stopped_registry_container_makes_harbor_unhealthy(host, https_port):
    host.check_output("docker stop registry")
    try:
        status, body = api(host, https_port, "/health")
        health = json.loads(body)
        assert status == 200 and health["status"] == "unhealthy"
        unhealthy = {c["name"]: c.get("error") for c in health["components"] if c["status"] != "healthy"}
        assert list(unhealthy) == ["registry"]
        assert "connection refused" in unhealthy["registry"]
    finally:
        host.check_output("docker start registry")
    assert wait_healthy(host, https_port)["status"] == "healthy"


def test_gc_frees_the_blobs_of_a_deleted_artifact(host, registry, pushed):
    api_url = "https://%s/api/v2.0" % registry
    blobs = "find /data/registry/docker/registry/v2/blobs -name data -type f | wc -l"
    before = int(host.check_output(blobs))
    status, _headers, body = api_call(host, "%s/projects/library/repositories/smoke/artifacts/%s" % (
        api_url, pushed["digest"]), CA, *ADMIN, method="DELETE")
    assert status == 200, body
    status, headers, body = api_call(host, api_url + "/system/gc/schedule", CA, *ADMIN, method="POST",
                                     body={"schedule": {"type": "Manual"}})
    assert status == 201, body
    gc_url = api_url + "/system/gc/" + headers["Location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    while True:
        run = json.loads(api_call(host, gc_url, CA, *ADMIN)[2])
        if run["job_status"] in ("Success", "Error"):
            break
        assert time.monotonic() < deadline, run
        time.sleep(1)
    assert run["job_status"] == "Success"
    assert json.loads(run["job_parameters"])["freed_space"] > 0
    assert int(host.check_output(blobs)) < before
    assert not host.file("/data/registry/docker/registry/v2/blobs/sha256/%s/%s/data" % (
        pushed["digest"][7:9], pushed["digest"][7:])).exists
