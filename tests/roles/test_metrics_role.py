"""harbor_ops.harbor.metrics run for real on this machine, its output checked by Debian's promtool.

The role is applied to localhost with every directory below a temporary one (its idempotence is proven by
roles/metrics/molecule/default); then promtool checks the
scrape jobs (`check config`) and the rules (`check rules`), and the shipped alert unit tests
(roles/metrics/files/tests/harbor.rules.test.yml, `promtool test rules`) prove that every alert fires and
resolves again. Metric names are held to those Harbor really exports (install-notes §5).
"""

import json
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.roles.playbook import REPO, ansible_playbook
ROLE = REPO / "roles" / "metrics"
UNIT_TESTS = ROLE / "files" / "tests" / "harbor.rules.test.yml"

pytestmark = pytest.mark.skipif(not shutil.which("promtool"), reason="needs promtool (Debian package prometheus)")

# install-notes §5: what Harbor 2.10-2.15 export (exporter, core, jobservice, registry), and the backup textfile
REAL_METRICS = {
    "harbor_up", "harbor_health", "harbor_system_info", "harbor_project_total", "harbor_project_repo_total",
    "harbor_project_member_total", "harbor_project_quota_usage_byte", "harbor_project_quota_byte",
    "harbor_artifact_pulled", "harbor_project_artifact_total", "harbor_task_queue_size", "harbor_task_queue_latency",
    "harbor_task_concurrency", "harbor_task_scheduled_total", "harbor_statistics_total_storage_consumption",
    "harbor_statistics_total_project_amount", "harbor_statistics_public_project_amount",
    "harbor_statistics_private_project_amount", "harbor_statistics_total_repo_amount",
    "harbor_statistics_public_repo_amount", "harbor_statistics_private_repo_amount",
    "harbor_core_http_request_total", "harbor_core_http_request_duration_seconds", "harbor_core_http_inflight_requests",
    "harbor_jobservice_info", "harbor_jobservice_task_total", "harbor_jobservice_task_process_time_seconds",
    "registry_http_requests_total", "registry_http_request_duration_seconds", "registry_http_in_flight_requests",
    "registry_http_request_size_bytes", "registry_http_response_size_bytes", "registry_storage_action_seconds",
    "up",
}
BACKUP_METRICS = {
    "harbor_backup_last_success_timestamp_seconds", "harbor_backup_last_run_timestamp_seconds",
    "harbor_backup_last_exit_code", "harbor_backup_last_duration_seconds", "harbor_backup_last_size_bytes",
    "harbor_backup_last_written_bytes", "harbor_backup_upload_last_success_timestamp_seconds",
    "harbor_backup_local_backups",
}
NOT_HARBORS = ("harbor_jobservice_job_total", "harbor_registry_request_duration_seconds")  # the seed guide's
ALERTS = {
    "HarborMetricsDown", "HarborUnhealthy", "HarborComponentDown", "HarborJobFailures", "HarborJobsSlow",
    "HarborRegistrySlow", "HarborRegistryErrors", "HarborCoreErrors", "HarborArtifactGrowth",
    "HarborProjectQuotaNearlyFull", "HarborBackupTooOld", "HarborBackupFailed", "HarborBackupMissing",
    "HarborBackupUploadBehind",
}

PLAYBOOK = """
- name: Apply harbor_ops.harbor.metrics
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - harbor_ops.harbor.metrics
"""


def apply_role(base, inventory="localhost,", **role_vars):
    """Run the role on localhost with its files below base; return the ansible-playbook process."""
    (base / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    settings = {
        "metrics_harbor_targets": ["harbor-a.test:9090", "harbor-b.test:9090"],
        "metrics_target_labels": {"env": "test"},
        "metrics_file_sd_dir": str(base / "prometheus" / "file_sd"),
        "metrics_scrape_config_dir": str(base / "prometheus" / "scrape_configs"),
        "metrics_rules_dir": str(base / "prometheus" / "rules"),
        "metrics_grafana_dashboard_dir": str(base / "grafana" / "dashboards"),
        "metrics_grafana_provisioning_file": str(base / "grafana" / "provisioning" / "harbor.yml"),
        "ansible_python_interpreter": sys.executable,
    }
    settings.update(role_vars)
    (base / "grafana" / "provisioning").mkdir(parents=True, exist_ok=True)
    (base / "vars.json").write_text(json.dumps(settings), encoding="utf-8")
    return ansible_playbook(base, "-i", inventory, "-e", f"@{base / 'vars.json'}", base / "play.yml", timeout=300)


def promtool(*args, cwd=None):
    return subprocess.run(["promtool", *args], capture_output=True, text=True, cwd=cwd, check=False)


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    base = tmp_path_factory.mktemp("metrics")
    result = apply_role(base)
    assert result.returncode == 0, result.stdout + result.stderr
    return base, result


def _files(base):
    prom = base / "prometheus"
    return {"targets": prom / "file_sd" / "harbor.yml", "scrape": prom / "scrape_configs" / "harbor.yml",
            "rules": prom / "rules" / "harbor.rules.yml", "dashboard": base / "grafana" / "dashboards" / "harbor.json",
            "provider": base / "grafana" / "provisioning" / "harbor.yml"}


def test_four_scrape_jobs_through_harbors_nginx(applied):
    files = _files(applied[0])
    jobs = {job["job_name"]: job for job in yaml.safe_load(files["scrape"].read_text())["scrape_configs"]}
    assert sorted(jobs) == ["harbor-core", "harbor-exporter", "harbor-jobservice", "harbor-registry"]
    for component in ("core", "jobservice", "registry"):
        assert jobs["harbor-" + component]["params"] == {"comp": [component]}
    assert "params" not in jobs["harbor-exporter"]
    for job in jobs.values():
        assert job["metrics_path"] == "/metrics" and job["scheme"] == "http"
        assert job["file_sd_configs"] == [{"files": [str(files["targets"])]}]
    assert yaml.safe_load(files["targets"].read_text()) == [
        {"targets": ["harbor-a.test:9090", "harbor-b.test:9090"], "labels": {"env": "test"}}]


def test_prometheus_accepts_the_config(applied, tmp_path):
    """promtool check config: the jobs, their file_sd targets, and the rules when prometheus.yml lists them."""
    files = _files(applied[0])
    scrape = promtool("check", "config", str(files["scrape"]))
    assert scrape.returncode == 0, scrape.stdout + scrape.stderr
    main = dict(yaml.safe_load(files["scrape"].read_text()), rule_files=[str(files["rules"])])
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(main))
    full = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert full.returncode == 0, full.stdout + full.stderr
    assert "SUCCESS: 14 rules found" in full.stdout


def test_rules_are_valid(applied):
    result = promtool("check", "rules", str(_files(applied[0])["rules"]))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_and_resolves(applied, tmp_path):
    """The shipped promtool unit tests pass against the rendered rules, and cover every alert both ways."""
    shutil.copy(_files(applied[0])["rules"], tmp_path / "harbor.rules.yml")
    shutil.copy(UNIT_TESTS, tmp_path / "harbor.rules.test.yml")
    result = promtool("test", "rules", "harbor.rules.test.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rules = yaml.safe_load((tmp_path / "harbor.rules.yml").read_text())
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert alerts == ALERTS
    fired, resolved = {}, {}
    for test in yaml.safe_load(UNIT_TESTS.read_text())["tests"]:
        for case in test["alert_rule_test"]:
            target = fired if case["exp_alerts"] else resolved
            target.setdefault(case["alertname"], []).append(_seconds(case["eval_time"]))
    for alert in ALERTS:
        assert alert in fired, "%s never fires in the unit tests" % alert
        assert any(t > min(fired[alert]) for t in resolved.get(alert, [])), "%s never resolves after firing" % alert


def _seconds(text):
    return sum(int(n) * {"d": 86400, "h": 3600, "m": 60, "s": 1}[u] for n, u in re.findall(r"(\d+)([dhms])", text))


def _metric_names(expr):
    expr = re.sub(r'"[^"]*"', '""', expr)  # label values
    expr = re.sub(r"\{[^}]*\}", "", expr)  # matchers
    names = set(re.findall(r"\b((?:harbor|registry)_[a-z_]+|up)\b", expr))
    return {re.sub(r"_(bucket|sum|count)$", "", name) if name.startswith("registry_http_request_duration") else name
            for name in names}


def test_only_metric_names_harbor_exports(applied):
    files = _files(applied[0])
    rules = yaml.safe_load(files["rules"].read_text())
    used = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            used |= _metric_names(rule["expr"])
    dashboard = json.loads(files["dashboard"].read_text())
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            used |= _metric_names(target["expr"])
    assert used - REAL_METRICS - BACKUP_METRICS == set()
    assert {"harbor_project_artifact_total", "harbor_jobservice_task_total", "harbor_jobservice_task_process_time_seconds",
            "registry_http_request_duration_seconds", "harbor_up", "harbor_health",
            "harbor_backup_last_success_timestamp_seconds"} <= used
    for path in list(ROLE.rglob("*")) + [REPO / "roles" / "backup" / "files" / "harbor_backup.py"]:
        if path.is_file() and path.suffix != ".md":  # the README warns against them by name
            text = path.read_text(encoding="utf-8")
            for wrong in NOT_HARBORS:
                assert wrong not in text, "%s names %s, which Harbor does not export" % (path, wrong)


def test_dashboard_queries_are_valid_promql(applied, tmp_path):
    """Grafana's variables replaced, every panel query must parse: promtool checks them as recording rules."""
    files = _files(applied[0])
    dashboard = json.loads(files["dashboard"].read_text())
    assert dashboard["uid"] == "harbor-ops-harbor"
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["datasource", "job_prefix", "instance"]
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 15
    rules = [{"record": "dashboard:query:%d" % i,
              "expr": e.replace("$__rate_interval", "5m").replace("$instance", ".*").replace("$job_prefix", "harbor")}
             for i, e in enumerate(exprs)]
    (tmp_path / "dashboard.rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = promtool("check", "rules", str(tmp_path / "dashboard.rules.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    provider = yaml.safe_load(files["provider"].read_text())
    assert provider["providers"][0]["options"]["path"] == str(files["dashboard"].parent)


def test_invalid_rules_are_refused_and_the_old_ones_kept(applied, tmp_path):
    base = tmp_path / "again"
    shutil.copytree(applied[0] / "prometheus", base / "prometheus")
    before = (base / "prometheus" / "rules" / "harbor.rules.yml").read_text()
    result = apply_role(base, metrics_alert_for="5 minutes")
    assert result.returncode != 0
    assert "promtool check rules" in result.stdout or "failed to validate" in result.stdout, result.stdout
    assert (base / "prometheus" / "rules" / "harbor.rules.yml").read_text() == before


def test_harbor_metrics_off_is_refused(tmp_path):
    result = apply_role(tmp_path, harbor_metric={})
    assert result.returncode != 0
    assert "set harbor_metric: {enabled: true" in result.stdout
    assert not (tmp_path / "prometheus").exists()


def test_targets_default_to_the_harbor_group(tmp_path):
    """Without metrics_harbor_targets: each host of the group harbor at its harbor_hostname (else its name)."""
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {
        "hosts": {"localhost": {"ansible_connection": "local"}},
        "children": {"harbor": {"hosts": {"node-a": {"harbor_hostname": "registry.example.com"}, "node-b": {}},
                                "vars": {"harbor_metric": {"enabled": True, "port": 9443, "path": "/metrics"}}}}}}))
    result = apply_role(tmp_path, inventory=str(inventory), metrics_harbor_targets=[], metrics_harbor_port="9443")
    assert result.returncode == 0, result.stdout + result.stderr
    targets = yaml.safe_load((tmp_path / "prometheus" / "file_sd" / "harbor.yml").read_text())
    assert targets[0]["targets"] == ["registry.example.com:9443", "node-b:9443"]
