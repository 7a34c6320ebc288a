"""The fake's state pickles while jobs run: the stand-in Harbor (tests/hosts/harbor-bundle/image/core.py) stores it
after every write, and a push that starts a scan is such a write. A closure in a job's hooks made the store fail,
core dropped the connection and nginx in front of it answered the push with a 502."""

import pickle

from . import job_control
from .test_audit_security import _export
from .test_retention import create, policy, rule, start
from .test_scans import seed

ACTIVE = ("Pending", "Running")


def test_the_state_pickles_while_every_kind_of_job_runs_and_the_restored_jobs_finish(fake_harbor, harbor_api):
    job_control.configure(fake_harbor, hold=True)  # every job stays active until released
    artifact = seed(fake_harbor, repository="web", project="library")
    project_id = harbor_api.get("/projects/library").json()["project_id"]
    assert harbor_api.post("/projects/library/repositories/web/artifacts/%s/scan" % artifact["digest"]).status_code == 202
    assert harbor_api.post("/system/scanAll/schedule", json={"schedule": {"type": "Manual"}}).status_code == 201
    start(harbor_api, create(harbor_api, policy(project_id, [rule("always", {})])))
    assert _export(harbor_api, project_id).status_code == 200
    remote = {"name": "remote", "type": "harbor", "url": "https://remote.example.com"}
    assert harbor_api.post("/registries", json=remote).status_code == 201
    registry_id = harbor_api.get("/registries").json()[0]["id"]
    assert harbor_api.post("/replication/policies", json={
        "name": "push", "dest_registry": {"id": registry_id}, "trigger": {"type": "manual"}, "enabled": True,
        "filters": [{"type": "name", "value": "library/**"}]}).status_code == 201
    policy_id = harbor_api.get("/replication/policies").json()[0]["id"]
    assert harbor_api.post("/replication/executions", json={"policy_id": policy_id}).status_code == 201
    state = fake_harbor.state
    running = {e["kind"] for e in state.executions if e["status"] in ACTIVE}
    assert {"IMAGE_SCAN", "SCAN_ALL", "RETENTION", "SCAN_DATA_EXPORT", "REPLICATION"} <= running, running

    restored = pickle.loads(pickle.dumps(state))

    # the restored state's jobs still do their work: the stand-in serves them from it after a restart (core.py's
    # load: the data is the file's, options, version and hooks are the running server's)
    restored.options, restored.version, restored.hooks = state.options, state.version, state.hooks
    fake_harbor.state = restored
    job_control.release(fake_harbor)
    job_control.finish(fake_harbor)
    assert [e["kind"] for e in restored.executions if e["status"] in ACTIVE] == []
    scan = harbor_api.get("/projects/library/repositories/web/artifacts/%s" % artifact["digest"],
                          params={"with_scan_overview": "true"}).json()
    assert scan["scan_overview"], scan
