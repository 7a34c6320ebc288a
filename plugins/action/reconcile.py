# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""Action plugin of harbor_ops.harbor.reconcile: robot secrets go to files on the controller, never to the output.

The module returns the secrets that Harbor issued during the run (robots created, secrets refreshed). This plugin
writes them before anything is shown:

* an item's own ``secret_file``: that robot's secret alone, as the robot module writes it;
* ``secrets_file``: every other secret, merged into a YAML mapping (robot name: secret), mode 0600, optionally
  encrypted with the play's Ansible Vault secret (``secrets_vault``);
* neither: the secrets stay in the registered result and the whole result is marked ``no_log``.

Secrets learned before a failure are written too.
"""

from __future__ import annotations

import os

import yaml

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.parsing.vault import is_encrypted
from ansible.plugins.action import ActionBase

from ansible_collections.harbor_ops.harbor.plugins.action.robot import check_secret_file, write_secret

MODULE = "harbor_ops.harbor.reconcile"


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # unused
        args = dict(self._task.args)
        secrets_file = None
        if args.get("secrets_file"):
            secrets_file, problem = check_secret_file(args["secrets_file"], option="secrets_file")
            if problem:  # before the module runs: nothing is sent to Harbor
                result.update(failed=True, changed=False, msg=problem)
                return result
        if args.get("secrets_vault") and not secrets_file:
            result.update(failed=True, changed=False, msg="secrets_vault needs secrets_file")
            return result

        result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        secrets = result.pop("secrets", None) or {}
        files = result.pop("secret_files", None) or {}
        try:
            for name, path in files.items():
                if name in secrets:
                    write_secret(path, secrets.pop(name))
            if secrets and secrets_file:
                self.store(secrets_file, secrets, bool(args.get("secrets_vault")))
                result["secrets_file"] = secrets_file
                secrets = {}
        except (IOError, OSError, AnsibleError) as exc:
            result.update(failed=True, msg="robot secrets could not be written: %s; they are only in the registered "
                                           "result now (key secrets)" % to_native(exc))
        if secrets:
            result["secrets"] = secrets
            result["_ansible_no_log"] = True
        return result

    def vault(self):
        vault = getattr(self._loader, "_vault", None)
        if vault is None or not vault.secrets:
            raise AnsibleError("secrets_vault needs a vault secret: run ansible-playbook with --vault-id or "
                               "--vault-password-file")
        return vault

    def store(self, path, secrets, encrypt):
        """Merge ``secrets`` into the YAML mapping at ``path`` (decrypted first when it is a vault file)."""
        existing = {}
        if os.path.exists(path):
            with open(path, "rb") as stream:
                data = stream.read()
            if is_encrypted(data):
                data = self.vault().decrypt(data)
            loaded = yaml.safe_load(to_text(data)) if data.strip() else {}
            if not isinstance(loaded, dict):
                raise AnsibleError("%s does not hold a YAML mapping of robot names to secrets" % path)
            existing = loaded
        existing.update(secrets)
        text = yaml.safe_dump(existing, default_flow_style=False, sort_keys=True)
        if encrypt:
            text = to_text(self.vault().encrypt(to_bytes(text)))
        write_secret(path, text)
