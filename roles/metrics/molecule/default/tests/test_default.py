"""Verify harbor_ops.harbor.metrics on a Prometheus host: files, promtool, and what Prometheus loaded."""

import json

testinfra_hosts = ["all"]


def _api(host, path):
    port = int(host.ansible.get_variables()["ansible_port"]) + 25000
    return json.loads(host.check_output("python3 -c \"import urllib.request as u; "
                                        "print(u.urlopen('http://127.0.0.1:%d/api/v1/%s').read().decode())\"" % (port, path)))


def test_files(host):
    for path in ("/etc/prometheus/file_sd/harbor.yml", "/etc/prometheus/scrape_configs/harbor.yml",
                 "/etc/prometheus/rules/harbor.rules.yml", "/var/lib/grafana/dashboards/harbor/harbor.json",
                 "/etc/grafana/provisioning/dashboards/harbor.yml"):
        f = host.file(path)
        assert f.exists and f.mode == 0o644 and f.user == "root", path
    assert json.loads(host.file("/var/lib/grafana/dashboards/harbor/harbor.json").content_string)["uid"] == "harbor-ops-harbor"


def test_promtool_accepts_them_on_the_host(host):
    assert "SUCCESS" in host.check_output("promtool check config /etc/prometheus/scrape_configs/harbor.yml 2>&1")
    assert "SUCCESS: 14 rules found" in host.check_output("promtool check rules /etc/prometheus/rules/harbor.rules.yml 2>&1")


def test_prometheus_loaded_the_rules_after_the_reload(host):
    groups = _api(host, "rules")["data"]["groups"]
    alerts = {rule["name"] for group in groups for rule in group["rules"]}
    assert {"HarborUnhealthy", "HarborComponentDown", "HarborJobFailures", "HarborRegistrySlow",
            "HarborBackupTooOld"} <= alerts
    assert len(alerts) == 14


def test_prometheus_reads_the_targets(host):
    targets = _api(host, "targets")["data"]["activeTargets"]
    assert [(t["labels"]["instance"], t["labels"]["env"]) for t in targets] == [("harbor.molecule.test:9090", "molecule")]
