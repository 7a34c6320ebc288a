"""Two teams at once: two ansible-playbook runs of the same declarations against one Harbor at the same time.

Both run tests/integration/faults/modules.yml (every write module, 32 objects) and then playbooks/configure.yml with
the seed inventory, started together against a fresh fake Harbor. Harbor answers the loser of each race with a
409 (or, for a second retention policy of a project, a 400): the loser must adopt the winner's object. Afterwards:
no task failed in either run, Harbor holds no duplicate, every robot secret a run kept logs in, and a third run
changes nothing.

``make test`` runs it on the newest version (CI budget), ``make faults`` on every version.
"""

import subprocess

import pytest

from .test_faults import CAMPAIGN_VERSIONS, CONFIGURE, MODULES, duplicates, lost_secrets, playbook_command, run_json, task_results
from .test_configure import fakes  # pylint: disable=unused-import  # noqa: F401  (the fixture)
from .test_faults import without_auth_change
from .test_configure import seed_inventory


def run_together(playbook, fake, workdirs, inventories):
    procs = []
    for workdir, inventory in zip(workdirs, inventories):
        command, env = playbook_command(playbook, fake, workdir, inventory)
        procs.append(subprocess.Popen(command, env=env, cwd=str(workdir), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=1800)
        results.append(task_results(playbook, proc.returncode, stdout, stderr))
    return results


@pytest.mark.parametrize("version", CAMPAIGN_VERSIONS)
def test_two_concurrent_runs_make_no_duplicate_and_fail_no_task(version, fakes, tmp_path):
    fake = fakes(version)
    workdirs = [tmp_path / "team-a", tmp_path / "team-b"]
    for workdir in workdirs:
        workdir.mkdir()
    inventories = [seed_inventory(workdir, edit=without_auth_change) for workdir in workdirs]
    failed = []
    for playbook, inventory_of in ((MODULES, [None, None]), (CONFIGURE, inventories)):
        for team, results in zip("ab", run_together(playbook, fake, workdirs, inventory_of)):
            failed += ["team %s: %s / %s [%d]: %s" % ((team,) + key + (msg,))
                       for key, (is_failed, _changed, msg) in results.items() if is_failed]
    assert failed == [], "failed tasks:\n" + "\n".join(failed)
    assert duplicates(fake) == []
    assert lost_secrets(fake, tmp_path, secret_dirs=workdirs) == []
    assert fake.violations == []

    third = tmp_path / "third"
    third.mkdir()
    again = run_json(MODULES, fake, third)
    again.update(run_json(CONFIGURE, fake, third, inventory=seed_inventory(third, edit=without_auth_change)))
    changed = sorted("%s / %s [%d]" % key for key, (_f, is_changed, _m) in again.items() if is_changed)
    assert changed == [], "a third run after both changed: %s" % changed
