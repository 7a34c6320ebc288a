"""playbooks/backup.yml runs harbor-backup in the background and reports every backup_now_report_interval seconds
that it still runs (issue 14): run against localhost with a stub harbor-backup (the role's own tasks skipped by tag).
"""

import json
import re
import sys

import yaml

from .playbook import REPO, ansible_playbook

ROLE_TAGS = "backup_preflight,backup_install,backup_configure,backup_run"


def run(tmp_path, program_body, **extra):
    program = tmp_path / "harbor-backup"
    program.write_text("#!/bin/sh\n" + program_body)
    program.chmod(0o755)
    variables = dict(ansible_python_interpreter=sys.executable, ansible_connection="local", ansible_become=False,
                     backup_hosts="localhost", backup_program_path=str(program),
                     backup_config_path=str(tmp_path / "config.json"), backup_now_report_interval=1, **extra)
    (tmp_path / "vars.yml").write_text(yaml.safe_dump(variables))
    return ansible_playbook(tmp_path, "-i", "localhost,", REPO / "playbooks" / "backup.yml", "--skip-tags", ROLE_TAGS,
                            "-e", "@" + str(tmp_path / "vars.yml"), env={"ANSIBLE_ASYNC_DIR": str(tmp_path / "async")})


def item_lines(stdout):
    return [line.split("(item=", 1)[1][:-1] for line in stdout.splitlines() if "(item=" in line and line.endswith(")")]


def test_a_backup_reports_each_round_then_the_backup(tmp_path):
    report = {"id": "20260101T023000Z", "size": 1234}
    proc = run(tmp_path, "echo 'copying blobs' >&2\nsleep 8\necho '%s'\n" % json.dumps(report))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    lines = item_lines(proc.stdout)
    running = [line for line in lines if re.fullmatch(r"harbor-backup backup: still running \(\d+ s of 21600 s\)", line)]
    assert len(running) >= 2, lines
    assert re.fullmatch(r"harbor-backup backup: finished, exit code 0 \(\d+ s of 21600 s\)", lines[-1]), lines
    assert '"id": "20260101T023000Z"' in proc.stdout  # the report task shows the program's JSON
    assert re.search(r"localhost\s+: ok=\d+\s+changed=1\s", proc.stdout)


def test_a_failed_backup_fails_with_the_exit_code_and_its_error(tmp_path):
    proc = run(tmp_path, "echo 'ERROR: pg_dump: connection refused' >&2\nexit 5\n")
    assert proc.returncode != 0
    assert "harbor-backup exited 5 (the backup failed; the last good backup is intact): ERROR: pg_dump: " \
           "connection refused" in proc.stdout, proc.stdout[-3000:]


def test_a_backup_that_outlasts_the_timeout_is_stopped(tmp_path):
    proc = run(tmp_path, "sleep 60\n", backup_now_timeout=2)
    assert proc.returncode != 0
    assert "harbor-backup did not end within 2 seconds (backup_now_timeout)" in proc.stdout, proc.stdout[-3000:]


def restore(tmp_path, restore_body, **extra):
    """playbooks/restore.yml with a stub harbor-backup: ``list --json`` knows no backup, ``restore`` runs
    ``restore_body``."""
    program = tmp_path / "harbor-backup"
    program.write_text('#!/bin/sh\ncase "$3" in\n  list) echo "[]" ;;\n  restore)\n%s\n  ;;\nesac\n' % restore_body)
    program.chmod(0o755)
    variables = dict(ansible_python_interpreter=sys.executable, ansible_connection="local", ansible_become=False,
                     restore_hosts="localhost", restore_confirm=True, restore_backup=str(tmp_path / "backup"),
                     backup_program_path=str(program), backup_config_path=str(tmp_path / "config.json"),
                     restore_report_interval=1, **extra)
    (tmp_path / "vars.yml").write_text(yaml.safe_dump(variables))
    return ansible_playbook(tmp_path, "-i", "localhost,", REPO / "playbooks" / "restore.yml", "--skip-tags", ROLE_TAGS,
                            "-e", "@" + str(tmp_path / "vars.yml"), env={"ANSIBLE_ASYNC_DIR": str(tmp_path / "async")})


def test_a_restore_reports_each_round(tmp_path):
    proc = restore(tmp_path, "sleep 6; echo restored")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    lines = item_lines(proc.stdout)
    running = [line for line in lines
               if re.fullmatch(r"harbor-backup restore: still running \(\d+ s of 21600 s\)", line)]
    assert len(running) >= 2, lines
    assert re.fullmatch(r"harbor-backup restore: finished, exit code 0 \(\d+ s of 21600 s\)", lines[-1]), lines
    assert re.search(r"localhost\s+: ok=\d+\s+changed=1\s", proc.stdout)


def test_a_failed_restore_fails_with_its_error(tmp_path):
    proc = restore(tmp_path, "echo 'ERROR: the manifest does not match' >&2; exit 5")
    assert proc.returncode != 0
    assert "harbor-backup restore exited 5: ERROR: the manifest does not match" in proc.stdout, proc.stdout[-3000:]
