# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of harbor_ops.harbor.robot: keeps a robot's secret out of the task output.

The module returns a robot's secret when it creates the robot, refreshes its secret or sets one. A module
cannot mark its own result ``no_log`` (Ansible strips ``_ansible_*`` keys from module results), so this plugin
runs the module and then

* with ``secret_file``: writes the secret on the controller (mode 0600 from the start, atomically) and leaves
  it out of the result;
* otherwise: keeps it in the result (the registered variable holds it) and marks the result ``no_log``, so
  that no callback prints it, at any verbosity.
"""

from __future__ import annotations

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.action import ActionBase

MODULE = "harbor_ops.harbor.robot"


def write_secret(path, secret):
    """Write ``secret`` to ``path`` atomically; the file is 0600 from its creation on (never world-readable)."""
    directory = os.path.dirname(path)
    handle, temp = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path), suffix=".tmp")
    try:
        os.fchmod(handle, 0o600)  # mkstemp creates 0600 already; make sure whatever the platform
        with os.fdopen(handle, "wb") as stream:
            stream.write(to_bytes(secret))
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def check_secret_file(value, option="secret_file"):
    """The absolute path of the file option ``option`` on the controller, or (None, error)."""
    path = os.path.expanduser(value)
    if not os.path.isabs(path):
        return None, "%s %r must be an absolute path (it is written on the controller)" % (option, value)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        return None, "%s %r: the directory %s does not exist on the controller" % (option, value, directory)
    if os.path.isdir(path):
        return None, "%s %r is a directory" % (option, value)
    return path, None


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # unused
        args = dict(self._task.args)
        secret_file = None
        if args.get("secret_file"):
            secret_file, problem = check_secret_file(args["secret_file"])
            if problem:  # before the module runs: nothing is sent to Harbor
                result.update(failed=True, changed=False, msg=problem)
                return result

        result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        if result.pop("secret_set", False):
            # the module set the user's own secret; Ansible masks no_log values in module results, so it comes from
            # the task arguments
            result["secret"] = args.get("secret")
        secret = result.get("secret")
        if not secret:
            result.pop("secret", None)
            if (secret_file and not result.get("failed") and result.get("robot") and not self._task.check_mode
                    and not os.path.exists(secret_file)):
                result.setdefault("warnings", []).append(
                    "secret_file %s does not exist, and Harbor never returns the secret of an existing robot; "
                    "set refresh_secret: true to issue a new one" % secret_file)
            return result

        if secret_file:
            try:
                write_secret(secret_file, secret)
            except (IOError, OSError) as exc:
                result.update(failed=True, _ansible_no_log=True,
                              msg="the robot's secret could not be written to %s: %s; it is only in the registered "
                                  "result now (key secret)" % (secret_file, to_native(exc)))
                return result
            del result["secret"]
            result["secret_file"] = secret_file
            return result

        result["_ansible_no_log"] = True
        return result
