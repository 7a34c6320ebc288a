"""After `--check` on a bare host (check_first scenario), nothing of Docker or Harbor may be there."""

import pytest

testinfra_hosts = ["all"]


@pytest.mark.parametrize("name", ["docker.io", "docker-compose", "python3-requests"])
def test_no_packages_installed(host, name):
    assert not host.package(name).is_installed


@pytest.mark.parametrize("path", ["/opt/harbor", "/opt/harbor-installers", "/data", "/etc/docker", "/var/log/harbor",
                                  "/var/backups/harbor"])
def test_no_files_written(host, path):
    assert not host.file(path).exists


def test_no_docker_service(host):
    assert host.run("systemctl cat docker.service").rc != 0
