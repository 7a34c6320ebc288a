"""After `--check` on a bare host (check_first scenario), nothing of Docker may be there."""

import pytest

testinfra_hosts = ["all"]


@pytest.mark.parametrize("name", ["docker.io", "docker-compose", "containerd"])
def test_no_packages_installed(host, name):
    assert not host.package(name).is_installed


@pytest.mark.parametrize("path", ["/etc/docker", "/etc/apt/sources.list.d/docker.sources", "/var/lib/docker"])
def test_no_files_written(host, path):
    assert not host.file(path).exists


def test_no_docker_service(host):
    assert host.run("systemctl cat docker.service").rc != 0
