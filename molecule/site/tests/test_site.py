"""Verify the whole site (molecule/site) after converge and idempotence.

The host "registry" serves registry.example.com: nginx with the provided certificate in front of the stand-in
Harbor 2.15.2 (Trivy, metrics), backups on a systemd timer, Prometheus with the metrics role's targets and
rules; Harbor holds the seed model (examples/seed) that the configuration play applied from the controller.
"""

import json
import os
import shlex
import stat
import sys
import time
from pathlib import Path

import pytest
import yaml
from ansible.constants import DEFAULT_VAULT_ID_MATCH
from ansible.parsing.vault import VaultLib, VaultSecret

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "tests" / "hosts" / "molecule"))
from registry_push_pull import api_get, login, logout, push_pull  # noqa: E402

testinfra_hosts = ["registry"]

CA_ON_HOST = "/usr/local/share/ca-certificates/site-test-ca.crt"
NAME = "registry.example.com"


def vault():
    password = (HERE.parent / "vault-password").read_text().strip().encode()
    return VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(password))])


@pytest.fixture(scope="module")
def secrets():
    """The scenario's vault.yml, decrypted as ansible-playbook does it."""
    text = (HERE.parent / "inventory" / "group_vars" / "all" / "vault.yml").read_bytes()
    return yaml.safe_load(vault().decrypt(text))


@pytest.fixture(scope="module")
def ports(host):
    port = int(host.ansible.get_variables()["ansible_port"])
    return dict(http=port + 26000, https=port + 27000, harbor=port + 20000, metrics=port + 28000,
                prometheus=port + 25000)


def get_json(host, url, username=None, password=None):
    """GET ``url`` with Python on the host, trusting the test CA: the JSON body of a 200."""
    status, body = api_get(host, url, CA_ON_HOST, username, password)
    assert status == 200, (url, status, body[:500])
    return json.loads(body)


@pytest.fixture(scope="module")
def api(host, ports, secrets):
    """GET <path> of Harbor's API through nginx, as admin: the JSON body."""
    base = "https://%s:%d/api/v2.0" % (NAME, ports["https"])
    return lambda path: get_json(host, base + path, "admin", secrets["vault_harbor_admin_password"])


def test_nginx_serves_the_provided_certificate(host, ports):
    code = ("import socket, ssl, sys\n"
            "context = ssl.create_default_context(cafile=sys.argv[3])\n"
            "with socket.create_connection((sys.argv[1], int(sys.argv[2]))) as raw:\n"
            "    with context.wrap_socket(raw, server_hostname=sys.argv[1]) as tls:\n"
            "        cert = tls.getpeercert()\n"
            "print(dict(x[0] for x in cert['issuer'])['commonName'])\n"
            "print(dict(x[0] for x in cert['subject'])['commonName'])\n")
    out = host.check_output("python3 -c %s %s %d %s" % (shlex.quote(code), NAME, ports["https"], CA_ON_HOST))
    assert out.splitlines() == ["Site Test CA", NAME]
    assert host.file("/etc/ssl/harbor/privkey.pem").mode == 0o600


def test_http_redirects_to_https(host, ports):
    code = ("import http.client, sys\n"
            "connection = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]))\n"
            "connection.request('GET', '/v2/')\n"
            "response = connection.getresponse()\n"
            "print(response.status, response.getheader('Location'))\n")
    out = host.check_output("python3 -c %s %s %d" % (shlex.quote(code), NAME, ports["http"]))
    assert out.split() == ["301", "https://%s:%d/v2/" % (NAME, ports["https"])]


def test_harbor_is_healthy_with_trivy_behind_nginx(host, ports):
    health = get_json(host, "https://%s:%d/api/v2.0/health" % (NAME, ports["https"]))
    components = {c["name"]: c["status"] for c in health["components"]}
    assert health["status"] == "healthy", health
    assert {"core", "registry", "trivy"} <= set(components)
    # Harbor itself listens on 127.0.0.1 only, on nginx's upstream port
    assert host.socket("tcp://127.0.0.1:%d" % ports["harbor"]).is_listening


def test_harbor_yml(host, ports):
    harbor_yml = host.file("/opt/harbor/harbor.yml")
    assert harbor_yml.mode == 0o600
    config = yaml.safe_load(harbor_yml.content_string)
    assert config["hostname"] == NAME
    assert config["external_url"] == "https://%s:%d" % (NAME, ports["https"])
    assert config["http"]["port"] == ports["harbor"]
    assert "https" not in config  # nginx terminates TLS
    assert config["metric"] == {"enabled": True, "port": ports["metrics"], "path": "/metrics"}


def test_the_seed_model_is_in_harbor(api):
    projects = {p["name"]: p for p in api("/projects?page_size=100")}
    assert {"production", "staging", "development", "shared-libs"} <= set(projects)
    production = projects["production"]["metadata"]
    assert production["enable_content_trust_cosign"] == "true"
    assert production["prevent_vul"] == "true" and production["severity"] == "high"
    assert [r["name"] for r in api("/registries")] == ["aws-ecr-us-east-1"]
    policies = api("/replication/policies")
    assert [(p["name"], p["trigger"]["type"]) for p in policies] == [("sync-to-ecr", "event_based")]
    robots = api("/robots?q=Level%%3Dproject%%2CProjectID%%3D%d" % projects["production"]["project_id"])
    assert "robot$production+ci-robot" in [r["name"] for r in robots]
    retention = api("/retentions/%s" % projects["production"]["metadata"]["retention_id"])
    assert retention["trigger"]["settings"]["cron"] == "0 0 3 * * *"
    assert len(retention["rules"]) == 2
    assert [w["name"] for w in api("/projects/production/webhook/policies")] == ["slack-scan-alerts"]
    assert api("/system/gc/schedule")["schedule"]["cron"] == "0 0 4 * * *"
    assert api("/configurations")["auth_mode"]["value"] == "oidc_auth"


def test_the_robot_secret_is_in_a_vault_file_and_logs_in(host, ports):
    """The seed model keeps robot secrets in a vault-encrypted 0600 file next to the inventory."""
    path = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "robot-secrets.vault.yml"  # beside the inventory directory
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_bytes()
    assert text.startswith(b"$ANSIBLE_VAULT;")
    secrets = yaml.safe_load(vault().decrypt(text))  # robot name: secret
    assert list(secrets) == ["robot$production+ci-robot"]
    registry = "%s:%d" % (NAME, ports["https"])
    login(host, registry, CA_ON_HOST, "robot$production+ci-robot", secrets["robot$production+ci-robot"])
    logout(host, registry)


def test_docker_login_push_and_pull_through_nginx(host, ports, secrets):
    registry = "%s:%d" % (NAME, ports["https"])
    result = push_pull(host, registry, CA_ON_HOST, "admin", secrets["vault_harbor_admin_password"],
                       repository="staging/site-smoke", tag="v1",
                       api_url="https://%s/api/v2.0" % registry)
    assert result["content"].startswith("pushed through %s" % registry)
    assert result["artifact"]["digest"] == result["digest"]
    assert "staging/site-smoke" in result["repositories"]


def test_backups_run_on_a_systemd_timer(host):
    timer = host.service("harbor-backup.timer")
    assert timer.is_enabled and timer.is_running
    assert "OnCalendar=*-*-* 02:30:00" in host.file("/etc/systemd/system/harbor-backup.timer").content_string
    config = host.file("/etc/harbor-backup/config.json")
    assert config.mode == 0o600  # it holds Harbor's admin password
    assert host.file("/usr/local/sbin/harbor-backup").mode & 0o111


def prometheus(host, ports, path):
    url = "http://127.0.0.1:%d/api/v1/%s" % (ports["prometheus"], path)
    return json.loads(host.check_output("python3 -c %s %s" % (shlex.quote(
        "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())"), url)))["data"]


def test_prometheus_scrapes_harbor_and_loaded_the_alerts(host, ports):
    instance = "%s:%d" % (NAME, ports["metrics"])
    deadline = time.time() + 60
    while True:
        targets = prometheus(host, ports, "targets")["activeTargets"]
        seen = sorted((t["labels"]["job"], t["labels"]["instance"], t["labels"]["env"]) for t in targets)
        healthy = all(t["health"] == "up" for t in targets)
        if healthy or time.time() > deadline:
            break
        time.sleep(3)
    assert seen == [("harbor-%s" % job, instance, "molecule-site")
                    for job in ("core", "exporter", "jobservice", "registry")]
    assert healthy, [(t["labels"]["job"], t["health"], t.get("lastError")) for t in targets]
    rules = [r["name"] for g in prometheus(host, ports, "rules")["groups"] for r in g["rules"]]
    assert "HarborComponentDown" in rules
