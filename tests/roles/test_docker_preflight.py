"""Preflight logic of harbor_ops.harbor.docker for the OS families the test hosts cannot be.

The molecule scenarios run the role on Debian 12. Here the role's preflight runs (read-only, in check
mode, ``--tags docker_preflight``) against localhost with the facts of other systems injected as extra
variables, to prove which settings each OS family gets and that a wrong combination fails clearly.
"""

import json
import sys

import pytest

from tests.roles.playbook import ansible_playbook

PLAYBOOK = """
- name: Preflight of harbor_ops.harbor.docker
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - harbor_ops.harbor.docker
  post_tasks:
    - name: Show what preflight chose
      ansible.builtin.debug:
        msg: "CHOSEN {{ {'packages': __docker_packages, 'repo': __docker_repo_base_url} | to_json }}"
      tags: [docker_preflight]
"""


def _facts(family, distribution, major, release, pkg_mgr):
    return {
        "os_family": family,
        "distribution": distribution,
        "distribution_major_version": major,
        "distribution_version": major,
        "distribution_release": release,
        "architecture": "x86_64",
        "pkg_mgr": pkg_mgr,
        "python": {"executable": sys.executable},
    }


RHEL9 = _facts("RedHat", "RedHat", "9", "Plow", "dnf")
ROCKY9 = _facts("RedHat", "Rocky", "9", "Blue Onyx", "dnf")
FEDORA = _facts("RedHat", "Fedora", "40", "", "dnf")
UBUNTU = _facts("Debian", "Ubuntu", "24", "noble", "apt")
ARCH = _facts("Archlinux", "Archlinux", "0", "", "pacman")
DOCKER_REPO = {"docker_install_source": "docker", "docker_repo_url": "https://repo.example.invalid/linux/"}


def _preflight(tmp_path, facts, **role_vars):
    (tmp_path / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    extra = dict(role_vars, ansible_facts=facts, ansible_python_interpreter=sys.executable)
    (tmp_path / "vars.json").write_text(json.dumps(extra), encoding="utf-8")
    proc = ansible_playbook(tmp_path, "-i", "localhost,", "--check", "--tags", "docker_preflight",
                            "-e", f"@{tmp_path / 'vars.json'}", tmp_path / "play.yml", timeout=300)
    # the debug line is '    "msg": "CHOSEN {...}"': a JSON string holding the JSON document
    chosen = [json.loads(line.split('"msg": ', 1)[1]) for line in proc.stdout.splitlines() if '"msg": "CHOSEN ' in line]
    return proc, (json.loads(chosen[0][len("CHOSEN "):]) if chosen else None)


@pytest.mark.parametrize("facts", [RHEL9, ROCKY9], ids=["rhel9", "rocky9"])
def test_rhel_needs_dockers_repository(tmp_path, facts):
    proc = _preflight(tmp_path, facts)[0]
    assert proc.returncode != 0
    assert "has no Docker Engine packages of its own" in proc.stdout


def test_dockers_repository_needs_its_url(tmp_path):
    proc = _preflight(tmp_path, RHEL9, docker_install_source="docker")[0]
    assert proc.returncode != 0
    assert "docker_repo_url is empty" in proc.stdout


@pytest.mark.parametrize(
    ("facts", "repo"),
    [(RHEL9, "https://repo.example.invalid/linux/rhel"), (ROCKY9, "https://repo.example.invalid/linux/centos")],
    ids=["rhel9", "rocky9"],
)
def test_rhel_with_dockers_repository(tmp_path, facts, repo):
    proc, chosen = _preflight(tmp_path, facts, **DOCKER_REPO)
    assert proc.returncode == 0, proc.stdout
    assert chosen == {"packages": ["docker-ce", "docker-ce-cli", "containerd.io", "docker-compose-plugin"], "repo": repo}


def test_fedora_distribution_packages(tmp_path):
    proc, chosen = _preflight(tmp_path, FEDORA)
    assert proc.returncode == 0, proc.stdout
    assert chosen["packages"] == ["moby-engine", "docker-compose"]


def test_ubuntu_distribution_packages(tmp_path):
    # this machine's apt has no docker-compose-v2: no version known, so the check after the install decides
    proc, chosen = _preflight(tmp_path, UBUNTU)
    assert proc.returncode == 0, proc.stdout
    assert chosen == {"packages": ["docker.io", "docker-compose-v2"], "repo": "/ubuntu"}


def test_unsupported_family(tmp_path):
    proc = _preflight(tmp_path, ARCH)[0]
    assert proc.returncode != 0
    assert "supports the Debian (Debian, Ubuntu) and RedHat" in proc.stdout
