"""Verify harbor_ops.harbor.nginx + harbor_ops.harbor.certs (acme via pebble) after converge, idempotence
and side_effect (default scenario of roles/nginx)."""

import json

import pytest

testinfra_hosts = ["all"]
URL = "https://harbor.test:18443"


@pytest.fixture(scope="module")
def pebble_root(host):
    """Pebble's issuing root, from its management API (it changes with every pebble start)."""
    host.check_output("curl -sf --cacert /etc/pebble/tls/cert.pem https://127.0.0.1:15100/roots/0 -o /root/pebble-root.pem")
    return "/root/pebble-root.pem"


def test_nginx_running_and_enabled(host):
    nginx = host.service("nginx")
    assert nginx.is_running
    assert nginx.is_enabled


def test_own_site_only(host):
    assert host.file("/etc/nginx/sites-available/harbor.conf").mode == 0o644
    link = host.file("/etc/nginx/sites-enabled/harbor.conf")
    assert link.is_symlink and link.linked_to == "/etc/nginx/sites-available/harbor.conf"
    # asked for: the default site is disabled, not deleted
    assert not host.file("/etc/nginx/sites-enabled/default").exists
    assert host.file("/etc/nginx/sites-available/default").exists
    assert host.run("nginx -t").rc == 0


def test_certificate_from_pebble_via_http01(host):
    issuer = host.check_output("openssl x509 -noout -issuer -in /etc/ssl/harbor/cert.pem")
    assert "Pebble" in issuer
    # certbot's lineage and the files nginx serves are the same certificate
    assert host.file("/etc/ssl/harbor/fullchain.pem").content == host.file("/etc/letsencrypt/live/harbor/fullchain.pem").content
    key = host.file("/etc/ssl/harbor/privkey.pem")
    assert key.mode == 0o600 and key.user == "root"
    renewal = host.file("/etc/letsencrypt/renewal/harbor.conf").content_string
    assert "renew_hook = /usr/local/sbin/harbor-certs-deploy" in renewal
    assert "authenticator = webroot" in renewal
    # pebble's DNS was asked for harbor.test: the validation really went to nginx's webroot
    log = host.check_output("journalctl -u pebble --no-pager")
    assert "harbor.test" in log


def test_tls_and_headers_through_the_frontend(host, pebble_root):
    out = host.check_output(f"curl -sf --cacert {pebble_root} -H 'X-Forwarded-Proto: http' {URL}/api/v2.0/ping")
    seen = json.loads(out)
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert headers["x-forwarded-proto"] == "https"
    assert headers["host"] == "harbor.test:18443"
    assert headers["x-real-ip"] == "127.0.0.1"


def test_hsts_after_side_effect(host, pebble_root):
    out = host.check_output(f"curl -sf -D - -o /dev/null --cacert {pebble_root} {URL}/")
    assert "strict-transport-security: max-age=63072000" in out.lower()


def test_http_redirect(host):
    out = host.check_output("curl -s -o /dev/null -w '%{http_code} %{redirect_url}' http://harbor.test:18080/v2/")
    assert out == f"301 {URL}/v2/"


def test_renewal_timer(host):
    timer = host.service("harbor-certs-renew.timer")
    assert timer.is_enabled
    assert timer.is_running
    assert host.file("/usr/local/sbin/harbor-certs-renew").mode == 0o755


def test_days_to_expiry_textfile(host):
    prom = host.file("/var/lib/prometheus/node-exporter/harbor_certs.prom").content_string
    days = [ln for ln in prom.splitlines() if ln.startswith("harbor_certs_days_to_expiry{")]
    assert days and int(days[0].rsplit(" ", 1)[1]) > 30


def test_renewal_and_change_reload_not_restart(host):
    rec = json.loads(host.file("/root/nginx-side-effect.json").content_string)
    assert rec["pid_before"] not in ("", "0")
    assert rec["serial_renewed"] != rec["serial_before"], "the renewed certificate is not served"
    assert rec["pid_renewed"] == rec["pid_before"], "nginx was restarted for the renewal"
    assert rec["pid_changed"] == rec["pid_before"], "nginx was restarted for a configuration change"
    assert host.check_output("systemctl show nginx --property=MainPID --value") == rec["pid_before"]
