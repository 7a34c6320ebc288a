# -*- coding: utf-8 -*-
"""The action plugin of harbor_ops.harbor.robot: the secret never reaches the task output."""

from __future__ import annotations

import os
import stat

from unittest.mock import MagicMock

import pytest

from ansible_collections.harbor_ops.harbor.plugins.action import robot as action

SECRET = "Generated-Secret-1"


def plugin(args, module_result, check_mode=False):
    """The action plugin with a task of ``args``; the module run answers ``module_result``."""
    task = MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    connection = MagicMock()
    connection._shell.tmpdir = "/tmp/remote"
    instance = action.ActionModule(task, connection, MagicMock(), MagicMock(), MagicMock(), None)
    instance._execute_module = MagicMock(return_value=dict(module_result))
    return instance


def test_secret_stays_in_the_result_which_is_marked_no_log():
    instance = plugin(dict(name="ci"), dict(changed=True, robot={"name": "robot$ci"}, secret=SECRET))
    result = instance.run(task_vars={})
    assert result["secret"] == SECRET
    assert result["_ansible_no_log"] is True
    instance._execute_module.assert_called_once_with(module_name="harbor_ops.harbor.robot", module_args=dict(name="ci"),
                                                     task_vars={})


def test_result_without_a_secret_is_not_hidden():
    result = plugin(dict(name="ci"), dict(changed=False, robot={"name": "robot$ci"})).run(task_vars={})
    assert "_ansible_no_log" not in result and "secret" not in result


def test_own_secret_comes_back_from_the_task_arguments():
    # Ansible masks the values of no_log options in module results, so the module only says it set the secret
    instance = plugin(dict(name="ci", secret="Own-Secret-1234"), dict(changed=True, robot={}, secret_set=True))
    result = instance.run(task_vars={})
    assert result["secret"] == "Own-Secret-1234" and result["_ansible_no_log"] is True
    assert "secret_set" not in result


def test_secret_file_gets_the_secret_with_mode_0600_and_the_result_does_not(tmp_path):
    path = tmp_path / "ci.secret"
    old_umask = os.umask(0)  # even a permissive umask must not make the file readable by others
    try:
        result = plugin(dict(name="ci", secret_file=str(path)),
                        dict(changed=True, robot={"name": "robot$ci"}, secret=SECRET)).run(task_vars={})
    finally:
        os.umask(old_umask)
    assert path.read_text() == SECRET
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "secret" not in result and "_ansible_no_log" not in result
    assert result["secret_file"] == str(path)
    assert os.listdir(tmp_path) == ["ci.secret"]  # no temporary file left behind


def test_secret_file_replaces_an_existing_file_atomically(tmp_path):
    path = tmp_path / "ci.secret"
    path.write_text("old")
    path.chmod(0o644)
    plugin(dict(name="ci", secret_file=str(path)), dict(changed=True, robot={}, secret=SECRET)).run(task_vars={})
    assert path.read_text() == SECRET and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_secret_never_creates_a_world_readable_file(tmp_path, monkeypatch):
    modes = []
    real_replace = os.replace

    def replace(src, dst):
        modes.append(stat.S_IMODE(os.stat(src).st_mode))  # the temporary file, before it takes the name
        real_replace(src, dst)

    monkeypatch.setattr(action.os, "replace", replace)
    action.write_secret(str(tmp_path / "s"), SECRET)
    assert modes == [0o600]


def test_unchanged_run_leaves_the_secret_file_alone(tmp_path):
    path = tmp_path / "ci.secret"
    path.write_text("kept")
    result = plugin(dict(name="ci", secret_file=str(path)), dict(changed=False, robot={"name": "robot$ci"})).run(
        task_vars={})
    assert path.read_text() == "kept" and "warnings" not in result


def test_missing_secret_file_of_an_existing_robot_is_pointed_out(tmp_path):
    result = plugin(dict(name="ci", secret_file=str(tmp_path / "ci.secret")),
                    dict(changed=False, robot={"name": "robot$ci"})).run(task_vars={})
    assert "refresh_secret" in result["warnings"][0]


def test_no_warning_in_check_mode(tmp_path):
    result = plugin(dict(name="ci", secret_file=str(tmp_path / "ci.secret")),
                    dict(changed=True, robot={"name": "robot$ci"}), check_mode=True).run(task_vars={})
    assert "warnings" not in result


@pytest.mark.parametrize("value, message", [
    ("relative/ci.secret", "must be an absolute path"),
    ("/nonexistent-dir-of-robot-test/ci.secret", "does not exist on the controller"),
    ("/tmp", "is a directory"),
])
def test_bad_secret_file_fails_before_the_module_runs(value, message):
    instance = plugin(dict(name="ci", secret_file=value), dict(changed=True, robot={}, secret=SECRET))
    result = instance.run(task_vars={})
    assert result["failed"] is True and message in result["msg"]
    instance._execute_module.assert_not_called()


def test_unwritable_secret_file_keeps_the_secret_hidden_in_the_result(tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(action, "write_secret", broken)
    result = plugin(dict(name="ci", secret_file=str(tmp_path / "s")),
                    dict(changed=True, robot={}, secret=SECRET)).run(task_vars={})
    assert result["failed"] is True and "disk full" in result["msg"]
    assert result["secret"] == SECRET and result["_ansible_no_log"] is True


def test_failed_module_result_is_passed_through():
    result = plugin(dict(name="ci"), dict(failed=True, msg="duration 0 is not valid")).run(task_vars={})
    assert result["failed"] is True and result["msg"] == "duration 0 is not valid"
