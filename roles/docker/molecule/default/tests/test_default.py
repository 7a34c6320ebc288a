"""Verify harbor_ops.harbor.docker after converge, idempotence and side_effect (default scenario)."""

import json

import pytest

testinfra_hosts = ["all"]

# group_vars of molecule.yml, with side_effect.yml's change (max-file 3 -> 4)
EXPECTED_DAEMON_JSON = {
    "bridge": "none",
    "data-root": "/srv/docker",
    "insecure-registries": ["127.0.0.1:5000"],
    "ip6tables": False,
    "iptables": False,
    "live-restore": True,
    "log-driver": "json-file",
    "log-opts": {"max-file": "4", "max-size": "10m"},
    "registry-mirrors": ["https://mirror.registry.invalid"],
}


def _version(text):
    return tuple(int(part) for part in text.strip().lstrip("v").split("-")[0].split("+")[0].split(".")[:3])


@pytest.fixture(scope="module")
def tiny_image(host):
    """A one-binary image made with docker import (no registry is reachable from the test hosts)."""
    host.check_output(
        "rm -rf /tmp/tiny && mkdir -p /tmp/tiny && cp /bin/busybox /tmp/tiny/ "
        "&& tar -C /tmp/tiny -c . | docker import - tiny:test"
    )
    return "tiny:test"


@pytest.mark.parametrize("name", ["docker.io", "docker-compose"])
def test_packages(host, name):
    assert host.package(name).is_installed


def test_service_running_and_enabled(host):
    service = host.service("docker")
    assert service.is_running
    assert service.is_enabled


def test_daemon_json(host):
    daemon_json = host.file("/etc/docker/daemon.json")
    assert daemon_json.user == "root"
    assert daemon_json.group == "root"
    assert daemon_json.mode == 0o644
    assert json.loads(daemon_json.content_string) == EXPECTED_DAEMON_JSON


def test_docker_info_uses_daemon_json(host):
    info = json.loads(host.check_output("docker info --format '{{json .}}'"))
    assert info["DockerRootDir"] == "/srv/docker"
    assert info["LoggingDriver"] == "json-file"
    assert info["LiveRestoreEnabled"] is True
    assert "127.0.0.1:5000" in json.dumps(info["RegistryConfig"])


def test_container_runs(host, tiny_image):
    out = host.check_output(f"docker run --rm --network none {tiny_image} /busybox echo hello from docker")
    assert out == "hello from docker"


def test_new_containers_get_the_changed_log_settings(host, tiny_image):
    host.run("docker rm -f logcheck")
    host.check_output(f"docker create --name logcheck --network none {tiny_image} /busybox true")
    log_config = json.loads(host.check_output("docker inspect --format '{{json .HostConfig.LogConfig}}' logcheck"))
    host.run("docker rm -f logcheck")
    assert log_config == {"Type": "json-file", "Config": {"max-file": "4", "max-size": "10m"}}


def test_compose_meets_harbor_requirement(host):
    cmd = host.run("docker compose version --short")
    if cmd.rc != 0:
        cmd = host.run("docker-compose version --short")
    assert cmd.rc == 0, cmd.stderr
    assert _version(cmd.stdout) >= (1, 18, 0)


def test_compose_runs_a_project(host, tiny_image):
    compose = "docker compose" if host.run("docker compose version").rc == 0 else "docker-compose"
    host.check_output(
        "mkdir -p /tmp/proj && printf '%s' "
        f"'version: \"2.4\"\nservices:\n  sleeper:\n    image: {tiny_image}\n"
        "    command: [/busybox, sleep, \"300\"]\n    network_mode: none\n' > /tmp/proj/docker-compose.yml"
    )
    try:
        host.check_output(f"cd /tmp/proj && {compose} up -d")
        assert "sleeper" in host.check_output("docker ps --format '{{.Names}}'")
    finally:
        host.run(f"cd /tmp/proj && {compose} down --timeout 0")


def test_restart_only_when_daemon_json_changed(host):
    ids = json.loads(host.file("/root/docker-invocations.json").content_string)
    assert ids["before"], "no invocation ID recorded"
    assert ids["unchanged"] == ids["before"], "Docker restarted although daemon.json did not change"
    assert ids["changed"] != ids["unchanged"], "Docker was not restarted after daemon.json changed"
    current = host.check_output("systemctl show docker --property=InvocationID --value")
    assert current == ids["changed"], "Docker restarted after the side effect"
