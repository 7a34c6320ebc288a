"""Run ansible-playbook with this checkout as ``harbor_ops.harbor``, shared by the role tests.

Everything a run writes (the collection link, Ansible's temp files, HOME) stays below the test's
work directory, so that tests never touch the user's ~/.ansible and can run in parallel.
"""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def ansible_playbook(workdir, *args, timeout=600, env=None):
    """``ansible-playbook ARGS`` in ``workdir``; ``env`` adds Ansible settings. Returns the CompletedProcess."""
    link = workdir / "collections" / "ansible_collections" / "harbor_ops" / "harbor"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO)
    settings = {
        "PATH": f"{BIN}:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ANSIBLE_COLLECTIONS_PATH": str(workdir / "collections"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-tmp"),
        "HOME": str(workdir),
        "LC_ALL": "C.UTF-8",
    }
    settings.update(env or {})
    return subprocess.run([str(BIN / "ansible-playbook"), *(str(arg) for arg in args)], capture_output=True,
                          text=True, env=settings, timeout=timeout, check=False)
