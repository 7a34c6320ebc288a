"""Verify harbor_ops.harbor.docker with docker_install_source: docker (docker_repo scenario)."""

import json

import pytest

testinfra_hosts = ["all"]
REPO = "/srv/docker-repo/debian"


@pytest.mark.parametrize("name", ["docker-ce", "docker-ce-cli", "containerd.io", "docker-compose-plugin"])
def test_packages_from_the_repository(host, name):
    assert host.package(name).is_installed
    policy = host.check_output(f"LC_ALL=C apt-cache policy {name}")
    assert f"file:{REPO} bookworm/stable" in policy


def test_no_distribution_engine(host):
    assert not host.package("docker.io").is_installed


def test_repository_source(host):
    sources = host.file("/etc/apt/sources.list.d/docker.sources")
    assert sources.mode == 0o644
    lines = set(sources.content_string.splitlines())
    arch = host.check_output("dpkg --print-architecture")
    assert {
        "Types: deb",
        f"URIs: file://{REPO}",
        "Suites: bookworm",
        "Components: stable",
        f"Architectures: {arch}",
        "Signed-By: /etc/apt/keyrings/docker.asc",
    } <= lines


def test_signing_key(host):
    key = host.file("/etc/apt/keyrings/docker.asc")
    assert key.mode == 0o644
    assert key.content_string == host.file(f"{REPO}/gpg").content_string


def test_docker_runs(host):
    assert host.service("docker").is_running
    assert host.service("docker").is_enabled
    info = json.loads(host.check_output("docker info --format '{{json .}}'"))
    assert info["LoggingDriver"] == "json-file"


def test_daemon_json(host):
    assert json.loads(host.file("/etc/docker/daemon.json").content_string) == {
        "bridge": "none",
        "ip6tables": False,
        "iptables": False,
        "log-driver": "json-file",
        "log-opts": {"max-file": "5", "max-size": "50m"},
    }
