"""The harbor role reports progress during its long steps (issue 14).

* the health wait (tasks/health.yml) runs in rounds of harbor_health_report_interval seconds against a fake
  Harbor whose components turn healthy after a few rounds: every round prints one line naming the components
  still unhealthy and the time spent, and a Harbor that stays unhealthy fails naming the component;
* install.sh, prepare and the recreate (tasks/background.yml) run as an async job polled every
  harbor_health_report_interval seconds, one "still running" line per round, then the result; a failing or
  too long command fails with its output or the timeout. Run against localhost with stub scripts.
"""

import re
import sys
import threading
import time

import pytest
import yaml

from tests.fake_harbor.server import FakeHarbor

from .playbook import ansible_playbook

ADMIN_PASSWORD = "Adm1n-Progress-Pw"

HEALTH_PLAY = """
- name: The harbor role's health wait
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Wait for Harbor
      ansible.builtin.include_role:
        name: harbor_ops.harbor.harbor
        tasks_from: health.yml
      vars:
        __harbor_health_password: "{{ password }}"
        __harbor_health_auth_may_fail: "{{ auth_may_fail | default(false) }}"

    - name: Report the last round
      ansible.builtin.debug:
        msg: "LAST {{ __harbor_health.health.healthy | default('none') }} {{ __harbor_health.msg | default('') }}"
"""

BACKGROUND_PLAY = """
- name: The harbor role's background commands
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Run a long command
      ansible.builtin.include_role:
        name: harbor_ops.harbor.harbor
        tasks_from: background.yml
      vars:
        __harbor_job_argv: "{{ argv }}"

    - name: Report the result
      ansible.builtin.debug:
        msg: "RC {{ __harbor_job.rc }} {{ __harbor_job.stdout_lines | last }}"
"""


@pytest.fixture(scope="module")
def harbor():
    with FakeHarbor(version="2.15", auth_fail_delay=0.05, admin_password=ADMIN_PASSWORD, contract=False) as fake:
        yield fake


def run(tmp_path, play, **extra):
    variables = dict(ansible_python_interpreter=sys.executable, **extra)
    (tmp_path / "vars.yml").write_text(yaml.safe_dump(variables))
    (tmp_path / "play.yml").write_text(play)
    # async_status looks for the job under the user's home from the password database, not $HOME: one directory
    return ansible_playbook(tmp_path, "-i", "localhost,", tmp_path / "play.yml", "-e", "@" + str(tmp_path / "vars.yml"),
                            env={"ANSIBLE_ASYNC_DIR": str(tmp_path / "async")})


def item_lines(stdout):
    return [line.split("(item=", 1)[1][:-1] for line in stdout.splitlines() if "(item=" in line and line.endswith(")")]


def health_vars(harbor, password=ADMIN_PASSWORD, **extra):
    return dict(harbor_api_url=harbor.url, harbor_api_validate_certs=False, password=password, **extra)


def heal_later(harbor, steps):
    """Once the first round has read /health, make ``steps`` healthy one after the other: (seconds, component)."""
    def heal():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(r["path"].endswith("/health") for r in harbor.requests):
            time.sleep(0.1)
        for seconds, component in steps:
            time.sleep(seconds)
            harbor.set_health(component, True)
    thread = threading.Thread(target=heal, daemon=True)
    thread.start()
    return thread


def test_health_wait_names_the_unhealthy_components_each_round(tmp_path, harbor):
    harbor.reset()
    harbor.set_health("core", False, "starting")
    harbor.set_health("jobservice", False, "starting")
    # rounds of 1 s: core turns healthy 4 s after the first read, jobservice 3 s later
    thread = heal_later(harbor, [(4, "core"), (3, "jobservice")])
    proc = run(tmp_path, HEALTH_PLAY, **health_vars(harbor, harbor_health_timeout=60, harbor_health_report_interval=1))
    thread.join(10)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    lines = item_lines(proc.stdout)
    assert re.fullmatch(r"waiting for core, jobservice: unhealthy \(\d+ s of 60 s\)", lines[0]), lines
    assert any(re.fullmatch(r"waiting for jobservice: unhealthy \(\d+ s of 60 s\)", line) for line in lines), lines
    assert re.fullmatch(r"healthy: all 8 components healthy \(\d+ s of 60 s\)", lines[-1]), lines
    assert len(lines) >= 3
    seconds = [int(re.search(r"\((\d+) s of", line).group(1)) for line in lines]
    assert seconds == sorted(seconds) and seconds[-1] >= 6  # the time spent grows round by round
    assert "LAST True" in proc.stdout
    assert ADMIN_PASSWORD not in proc.stdout + proc.stderr


def test_health_wait_fails_naming_the_component_after_the_timeout(tmp_path, harbor):
    harbor.reset()
    harbor.set_health("redis", False, "dial tcp: connection refused")
    proc = run(tmp_path, HEALTH_PLAY, **health_vars(harbor, harbor_health_timeout=3, harbor_health_report_interval=1))
    assert proc.returncode != 0
    lines = item_lines(proc.stdout)
    assert lines and all(re.fullmatch(r"waiting for redis: unhealthy \(\d+ s of 3 s\)", line) for line in lines), lines
    assert int(re.search(r"\((\d+) s of", lines[-1]).group(1)) >= 3  # the wait ended when the time was spent
    assert re.search(r"is not healthy after 3 seconds \(harbor_health_timeout\): unhealthy components: "
                     r"redis \(dial tcp: connection refused\)", proc.stdout), proc.stdout[-3000:]


def test_a_refused_password_ends_the_wait_at_once(tmp_path, harbor):
    harbor.reset()
    proc = run(tmp_path, HEALTH_PLAY, **health_vars(harbor, password="Wrong-Passw0rd", auth_may_fail=True,
                                                    harbor_health_timeout=30, harbor_health_report_interval=1))
    assert proc.returncode == 0, proc.stdout[-3000:]
    lines = item_lines(proc.stdout)
    assert len(lines) == 1 and lines[0].startswith("authentication failed for admin"), lines
    assert "LAST none authentication failed for admin" in proc.stdout
    assert "Wrong-Passw0rd" not in proc.stdout + proc.stderr
    # the same refusal fails where the caller does not handle it (admin_password.yml)
    proc = run(tmp_path, HEALTH_PLAY, **health_vars(harbor, password="Wrong-Passw0rd", harbor_health_timeout=30,
                                                    harbor_health_report_interval=1))
    assert proc.returncode != 0 and "authentication failed for admin" in proc.stdout


def stub(tmp_path, body):
    script = tmp_path / "install" / "install.sh"
    script.parent.mkdir(exist_ok=True)
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return script.parent


def background_vars(install_dir, **extra):
    return dict(harbor_install_dir=str(install_dir), argv=["./install.sh", "--with-trivy"],
                harbor_health_report_interval=1, **extra)


def test_install_runs_in_the_background_with_a_line_per_round(tmp_path):
    install_dir = stub(tmp_path, "echo '[Step 0]: checking docker'\nsleep 8\necho '✔ ----Harbor has been installed "
                                 "and started successfully.----'\n")
    proc = run(tmp_path, BACKGROUND_PLAY, **background_vars(install_dir, harbor_install_timeout=60))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "changed: [localhost]" in proc.stdout  # the start of the job is the change
    lines = item_lines(proc.stdout)
    running = [line for line in lines if re.fullmatch(r"\./install\.sh --with-trivy: still running \(\d+ s of 60 s\)",
                                                      line)]
    assert len(running) >= 2, lines
    assert re.fullmatch(r"\./install\.sh --with-trivy: finished, rc 0 \(\d+ s of 60 s\)", lines[-1]), lines
    assert "RC 0 ✔ ----Harbor has been installed and started successfully.----" in proc.stdout


def test_a_failing_install_fails_with_its_output(tmp_path):
    install_dir = stub(tmp_path, "echo 'Note: docker version: 26.1.5'\necho 'ERROR: no space left on device' >&2\n"
                                 "exit 3\n")
    proc = run(tmp_path, BACKGROUND_PLAY, **background_vars(install_dir, harbor_install_timeout=60))
    assert proc.returncode != 0
    assert re.search(r"\./install\.sh --with-trivy in \S+ failed with rc 3: ERROR: no space left on device \| "
                     r"Note: docker version: 26\.1\.5", proc.stdout), proc.stdout[-3000:]


def test_an_install_that_outlasts_the_timeout_fails(tmp_path):
    install_dir = stub(tmp_path, "sleep 60\n")
    proc = run(tmp_path, BACKGROUND_PLAY, **background_vars(install_dir, harbor_install_timeout=2))
    assert proc.returncode != 0
    assert "did not end within 2 seconds (harbor_install_timeout)" in proc.stdout, proc.stdout[-3000:]
