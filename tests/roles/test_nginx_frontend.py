"""harbor_ops.harbor.nginx (with certs' private CA) on this machine's real Debian nginx, on loopback.

The roles run with ansible-playbook against localhost into a temporary nginx tree (own main config, pid,
logs and temp directories; the install and service phases are skipped), then the real nginx serves the
rendered site: a TLS handshake with the produced chain, the HTTP->HTTPS redirect and ACME webroot, the
forwarded headers arriving at a small Python upstream, a multi-GB streaming upload without a 413 and
without nginx buffering the body to disk, and a configuration that `nginx -t` rejects never going live.
Needs root (the roles write root-owned files) and Debian's nginx (`make test` installs it).
"""

import http.client
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

from tests.roles.playbook import ansible_playbook
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HOST = "harbor.test"

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the roles write root-owned files: run as root"),
    pytest.mark.skipif(not os.path.exists(NGINX), reason="Debian's nginx is not installed (make apt)"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_playbook(tmp, play_vars, roles, skip_install=True, extra_tasks="", phases=("preflight", "configure", "run")):
    """Apply harbor_ops.harbor roles to localhost; return (CompletedProcess, facts written by the play)."""
    facts = tmp / "facts.json"
    if facts.exists():
        facts.unlink()
    role_lines = "\n".join(f"    - harbor_ops.harbor.{role}" for role in roles)
    playbook = tmp / "play.yml"
    playbook.write_text(
        f"""
- name: Roles under test
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
{role_lines}
  post_tasks:
    - name: Record the certificate facts
      ansible.builtin.copy:
        content: "{{{{ {{'certs_info': certs_info | default(none)}} | to_json }}}}"
        dest: {facts}
        mode: "0600"
      changed_when: false
      tags: [always]
{extra_tasks}
""",
        encoding="utf-8",
    )
    (tmp / "vars.json").write_text(json.dumps(dict(play_vars, ansible_python_interpreter=sys.executable)))
    args = ["-i", "localhost,", "-e", f"@{tmp / 'vars.json'}"]
    if skip_install:  # every phase but install (the packages are this machine's)
        args += ["--tags", ",".join(f"{r}_{p}" for r in roles for p in phases)]
    proc = ansible_playbook(tmp, *args, playbook, env={"ANSIBLE_STDOUT_CALLBACK": "default"})
    recorded = json.loads(facts.read_text()) if facts.exists() else {}
    return proc, recorded


def recap(proc):
    """changed and failed counts of the PLAY RECAP line."""
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("localhost ") and "ok=" in ln][-1]
    fields = dict(part.split("=") for part in line.split()[2:])
    return int(fields["changed"]), int(fields["failed"])


class Upstream(http.server.ThreadingHTTPServer):
    """Harbor's stand-in behind the frontend: records each request's headers and counts body bytes as
    they arrive."""

    daemon_threads = True

    def __init__(self):
        self.requests = []
        self.received = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), UpstreamHandler)


class UpstreamHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _body(self):
        length = self.headers.get("Content-Length")
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "")
        total = 0
        if length is not None:
            left = int(length)
            while left:
                data = self.rfile.read(min(left, 1 << 20))
                if not data:
                    break
                left -= len(data)
                total += len(data)
                with self.server.lock:
                    self.server.received += len(data)
        elif chunked:
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                left = size
                while left:
                    data = self.rfile.read(min(left, 1 << 20))
                    left -= len(data)
                    total += len(data)
                    with self.server.lock:
                        self.server.received += len(data)
                self.rfile.readline()
        return total

    def _answer(self):
        if self.path == "/redirect-me":  # Harbor without an https external_url
            self.send_response(302)
            self.send_header("Location", f"http://{self.headers['Host']}/harbor/projects")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        got = self._body()
        self.server.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers)})
        body = json.dumps({"received": got}).encode()
        self.send_response(201 if self.command in ("PUT", "POST", "PATCH") else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_PATCH = _answer


MAIN_CONF = """
worker_processes 1;
user root;  # the workers read the ACME webroot under pytest's private temporary directory
pid {t}/run/nginx.pid;
error_log {t}/log/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {t}/log/access.log;
    client_body_temp_path {t}/temp/client_body;
    proxy_temp_path {t}/temp/proxy;
    fastcgi_temp_path {t}/temp/fastcgi;
    uwsgi_temp_path {t}/temp/uwsgi;
    scgi_temp_path {t}/temp/scgi;
    include {t}/etc/sites-enabled/*;
}}
"""

OTHER_SITE = "server {{ listen 127.0.0.1:{port}; server_name other.test; return 204; }}\n"


def nginx(tmp, *args):
    return subprocess.run([NGINX, "-c", str(tmp / "etc" / "nginx.conf"), *args], capture_output=True, text=True,
                          check=False, timeout=60)


@pytest.fixture(scope="module")
def frontend(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("frontend")
    for sub in ("run", "log", "temp", "etc/sites-available", "etc/sites-enabled"):
        (tmp / sub).mkdir(parents=True)
    (tmp / "etc" / "nginx.conf").write_text(MAIN_CONF.format(t=tmp))
    # somebody else's site on the same nginx: the role must leave it alone
    other = tmp / "etc" / "sites-available" / "default"
    other.write_text(OTHER_SITE.format(port=free_port()))
    (tmp / "etc" / "sites-enabled" / "default").symlink_to(other)

    upstream = Upstream()
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    ports = {"http": free_port(), "https": free_port()}
    play_vars = {
        "certs_source": "selfsigned",
        "certs_hostname": HOST,
        "certs_subject_alt_names": ["registry.test", "IP:127.0.0.1"],
        "certs_dir": str(tmp / "ssl"),
        "certs_bin_dir": str(tmp / "bin"),
        "certs_renewal_timer": False,
        "certs_reload_nginx": False,
        "nginx_server_name": HOST,
        "nginx_server_aliases": ["registry.test"],
        "nginx_listen_address": "127.0.0.1",
        "nginx_listen_ipv6": False,
        "nginx_http_port": ports["http"],
        "nginx_https_port": ports["https"],
        "nginx_upstream_port": upstream.server_address[1],
        "nginx_tls_certificate": str(tmp / "ssl" / "fullchain.pem"),
        "nginx_tls_certificate_key": str(tmp / "ssl" / "privkey.pem"),
        "nginx_acme_webroot": str(tmp / "acme"),
        "nginx_config_dir": str(tmp / "etc"),
        "nginx_main_config": str(tmp / "etc" / "nginx.conf"),
        "nginx_service_manage": False,
    }
    (tmp / "bin").mkdir()
    other_before = other.read_text()
    proc, facts = run_playbook(tmp, play_vars, ["certs", "nginx"])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    started = nginx(tmp)
    assert started.returncode == 0, started.stderr
    try:
        yield {"tmp": tmp, "ports": ports, "upstream": upstream, "vars": play_vars, "first_run": proc,
               "facts": facts, "other_before": other_before}
    finally:
        nginx(tmp, "-s", "stop")
        upstream.shutdown()


def tls_context(frontend):
    ctx = ssl.create_default_context(cafile=str(frontend["tmp"] / "ssl" / "ca.pem"))
    return ctx


def https(frontend, method, path, body=None, headers=None, host=HOST):
    conn = http.client.HTTPSConnection("127.0.0.1", frontend["ports"]["https"], context=tls_context(frontend),
                                       timeout=60)
    # SNI and certificate check against the Harbor name, TCP to loopback
    conn.sock = tls_context(frontend).wrap_socket(
        socket.create_connection(("127.0.0.1", frontend["ports"]["https"]), timeout=60), server_hostname=host)
    conn.request(method, path, body=body, headers=dict({"Host": f"{host}:{frontend['ports']['https']}"},
                                                       **(headers or {})))
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def test_site_files_and_layout(frontend):
    tmp = frontend["tmp"]
    site = tmp / "etc" / "sites-available" / "harbor.conf"
    link = tmp / "etc" / "sites-enabled" / "harbor.conf"
    assert site.is_file() and link.is_symlink() and link.resolve() == site
    text = site.read_text()
    for directive in ("client_max_body_size 0;", "chunked_transfer_encoding on;", "proxy_buffering off;",
                      "proxy_request_buffering off;", "proxy_http_version 1.1;", "ssl http2;",
                      "ssl_protocols TLSv1.2 TLSv1.3;", "proxy_set_header X-Forwarded-Proto https;"):
        assert directive in text, directive
    assert "Strict-Transport-Security" not in text  # HSTS is opt-in
    # the other site is untouched and still enabled
    other = tmp / "etc" / "sites-available" / "default"
    assert other.read_text() == frontend["other_before"]
    assert (tmp / "etc" / "sites-enabled" / "default").is_symlink()
    assert oct((tmp / "ssl" / "privkey.pem").stat().st_mode & 0o777) == "0o600"


def test_second_run_changes_nothing(frontend):
    proc, _unused = run_playbook(frontend["tmp"], frontend["vars"], ["certs", "nginx"])
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert recap(proc) == (0, 0), proc.stdout[-4000:]


def test_tls_handshake_with_the_produced_chain(frontend):
    ctx = tls_context(frontend)
    with socket.create_connection(("127.0.0.1", frontend["ports"]["https"]), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname=HOST) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
            assert tls.selected_alpn_protocol() is None
            cert = tls.getpeercert()
    assert ("DNS", HOST) in cert["subjectAltName"]
    assert ("IP Address", "127.0.0.1") in cert["subjectAltName"]
    # the alias is a name of the same certificate
    with socket.create_connection(("127.0.0.1", frontend["ports"]["https"]), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname="registry.test") as tls:
            assert tls.version()


def test_http2_is_offered(frontend):
    ctx = tls_context(frontend)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", frontend["ports"]["https"]), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname=HOST) as tls:
            assert tls.selected_alpn_protocol() == "h2"


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1])
def test_old_tls_versions_are_refused(frontend, version):
    ctx = tls_context(frontend)
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    ctx.maximum_version = version
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    with socket.create_connection(("127.0.0.1", frontend["ports"]["https"]), timeout=30) as raw:
        with pytest.raises(ssl.SSLError):
            ctx.wrap_socket(raw, server_hostname=HOST)


@pytest.mark.parametrize("cipher", ["AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA", "DES-CBC3-SHA"])
def test_weak_tls12_ciphers_are_refused(frontend, cipher):
    ctx = tls_context(frontend)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.set_ciphers(f"{cipher}:@SECLEVEL=0")
    except ssl.SSLError:
        pytest.skip(f"this client's OpenSSL cannot offer {cipher}")
    with socket.create_connection(("127.0.0.1", frontend["ports"]["https"]), timeout=30) as raw:
        with pytest.raises(ssl.SSLError):
            ctx.wrap_socket(raw, server_hostname=HOST)


def test_http_redirects_to_https(frontend):
    conn = http.client.HTTPConnection("127.0.0.1", frontend["ports"]["http"], timeout=30)
    conn.request("GET", "/v2/library/debian/manifests/12?x=1", headers={"Host": HOST})
    resp = conn.getresponse()
    assert resp.status == 301
    assert resp.getheader("Location") == f"https://{HOST}:{frontend['ports']['https']}/v2/library/debian/manifests/12?x=1"


def test_acme_webroot_is_served_over_http(frontend):
    token = frontend["tmp"] / "acme" / ".well-known" / "acme-challenge" / "t0ken"
    token.write_text("t0ken.thumbprint")
    token.chmod(0o644)
    conn = http.client.HTTPConnection("127.0.0.1", frontend["ports"]["http"], timeout=30)
    conn.request("GET", "/.well-known/acme-challenge/t0ken", headers={"Host": HOST})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.read() == b"t0ken.thumbprint"


def test_forwarded_headers_reach_harbor(frontend):
    resp, data = https(frontend, "GET", "/service/token?service=harbor-registry",
                       headers={"X-Forwarded-Proto": "http"})
    assert resp.status == 200, data
    seen = frontend["upstream"].requests[-1]
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert seen["path"] == "/service/token?service=harbor-registry"
    # a client cannot downgrade the scheme Harbor sees
    assert headers["x-forwarded-proto"] == "https"
    assert headers["host"] == f"{HOST}:{frontend['ports']['https']}"
    assert headers["x-real-ip"] == "127.0.0.1"
    assert headers["x-forwarded-for"] == "127.0.0.1"


def test_upstream_redirect_is_rewritten_to_https(frontend):
    """Harbor behind TLS answering with an http:// Location (no external_url) is corrected."""

    resp, _unused = https(frontend, "GET", "/redirect-me")
    assert resp.status == 302
    assert resp.getheader("Location") == f"https://{HOST}:{frontend['ports']['https']}/harbor/projects"


def _temp_files(tmp):
    return [p for p in (tmp / "temp").rglob("*") if p.is_file()]


def test_multi_gb_upload_streams_without_413_or_disk_buffering(frontend):
    """2.5 GiB through TLS (one zero-filled 1 MiB buffer sent again and again): no 413, the upstream
    gets the bytes while they are being sent, and nginx's client body temp directory stays empty."""
    size = 5 * (1 << 29)  # 2.5 GiB
    chunk = memoryview(bytes(1 << 20))
    upstream = frontend["upstream"]
    with upstream.lock:
        upstream.received = 0
    ctx = tls_context(frontend)
    raw = socket.create_connection(("127.0.0.1", frontend["ports"]["https"]), timeout=120)
    tls = ctx.wrap_socket(raw, server_hostname=HOST)
    head = (f"PUT /v2/library/big/blobs/uploads/1?digest=sha256:0 HTTP/1.1\r\nHost: {HOST}\r\n"
            f"Content-Length: {size}\r\nContent-Type: application/octet-stream\r\n\r\n")
    tls.sendall(head.encode())
    ratios, temp_files, sent = [], [], 0
    while sent < size:
        tls.sendall(chunk)
        sent += len(chunk)
        if sent % (256 << 20) == 0:
            time.sleep(0.05)  # let the proxy catch up before sampling
            with upstream.lock:
                ratios.append(upstream.received / sent)
            temp_files += _temp_files(frontend["tmp"])
    reply = b""
    while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
        data = tls.recv(65536)
        if not data:
            break
        reply += data
    tls.close()
    status = int(reply.split(b" ", 2)[1])
    assert status != 413
    assert status == 201, reply[:500]
    assert json.loads(reply.split(b"\r\n\r\n", 1)[1]) == {"received": size}
    assert not temp_files, f"nginx buffered the body to disk: {temp_files[:5]}"
    # streamed: at every sample the upstream already had (nearly) everything sent so far
    assert min(ratios) > 0.8, ratios


def test_chunked_upload_streams_too(frontend):
    """docker push sends PATCH with chunked encoding: streamed through HTTP/1.1, no temp file."""
    size = 300 << 20
    upstream = frontend["upstream"]
    with upstream.lock:
        upstream.received = 0
    ctx = tls_context(frontend)
    tls = ctx.wrap_socket(socket.create_connection(("127.0.0.1", frontend["ports"]["https"]), timeout=120),
                          server_hostname=HOST)
    tls.sendall(f"PATCH /v2/library/big/blobs/uploads/2 HTTP/1.1\r\nHost: {HOST}\r\n"
                "Transfer-Encoding: chunked\r\n\r\n".encode())
    chunk = bytes(1 << 20)
    ratios, temp_files = [], []
    for i in range(size >> 20):
        tls.sendall(b"100000\r\n" + chunk + b"\r\n")
        if i and i % 64 == 0:
            time.sleep(0.05)
            with upstream.lock:
                ratios.append(upstream.received / (i << 20))
            temp_files += _temp_files(frontend["tmp"])
    tls.sendall(b"0\r\n\r\n")
    reply = tls.recv(65536)
    while not reply.rstrip().endswith(b"}"):
        more = tls.recv(65536)
        if not more:
            break
        reply += more
    tls.close()
    assert int(reply.split(b" ", 2)[1]) == 201, reply[:300]
    assert json.loads(reply.split(b"\r\n\r\n", 1)[1]) == {"received": size}
    assert not temp_files
    assert min(ratios) > 0.8, ratios


def test_rejected_configuration_never_goes_live(frontend):
    """An https upstream whose CA file does not exist passes the role's checks but not `nginx -t`: the
    run fails with nginx's message, the previous file stays, and nginx keeps serving it."""
    tmp = frontend["tmp"]
    site = tmp / "etc" / "sites-available" / "harbor.conf"
    before = site.read_bytes()
    bad = dict(frontend["vars"], nginx_upstream_scheme="https", nginx_upstream_ca_file=str(tmp / "missing-ca.pem"))
    proc, _unused = run_playbook(tmp, bad, ["nginx"])
    assert proc.returncode != 0
    assert "nginx rejected the new configuration" in proc.stdout
    assert "missing-ca.pem" in proc.stdout
    assert "The previous configuration is still in place and live" in proc.stdout
    assert site.read_bytes() == before
    assert (tmp / "etc" / "harbor-ops" / "harbor.conf.candidate").read_bytes() != before
    assert nginx(tmp, "-t").returncode == 0
    assert nginx(tmp, "-s", "reload").returncode == 0
    time.sleep(0.5)
    resp, _unused = https(frontend, "GET", "/api/v2.0/ping")
    assert resp.status == 200
    # fixed input: the next run installs it cleanly
    proc, _unused = run_playbook(tmp, frontend["vars"], ["nginx"])
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert site.read_bytes() == before


def test_first_install_rejected_leaves_no_site(tmp_path):
    """With no previous configuration, a rejected one is removed again (nginx -t still passes)."""
    for sub in ("run", "log", "temp", "etc/sites-available", "etc/sites-enabled"):
        (tmp_path / sub).mkdir(parents=True)
    (tmp_path / "etc" / "nginx.conf").write_text(MAIN_CONF.format(t=tmp_path))
    play_vars = {
        "nginx_server_name": HOST,
        "nginx_listen_address": "127.0.0.1",
        "nginx_listen_ipv6": False,
        "nginx_http_port": free_port(),
        "nginx_https_port": free_port(),
        "nginx_tls_certificate": str(tmp_path / "ssl" / "fullchain.pem"),
        "nginx_tls_certificate_key": str(tmp_path / "ssl" / "privkey.pem"),
        "nginx_tls_ciphers": ["NO-SUCH-CIPHER"],
        "nginx_acme_webroot": str(tmp_path / "acme"),
        "nginx_config_dir": str(tmp_path / "etc"),
        "nginx_main_config": str(tmp_path / "etc" / "nginx.conf"),
        "nginx_service_manage": False,
    }
    proc, _unused = run_playbook(tmp_path, play_vars, ["nginx"])
    assert proc.returncode != 0
    assert "nginx rejected the new configuration" in proc.stdout
    assert not (tmp_path / "etc" / "sites-available" / "harbor.conf").exists()
    assert not (tmp_path / "etc" / "sites-enabled" / "harbor.conf").is_symlink()
    assert nginx(tmp_path, "-t").returncode == 0
    # the placeholder certificate let nginx -t get as far as the ciphers
    assert (tmp_path / "ssl" / "privkey.pem").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"nginx_server_name": ""}, "nginx_server_name"),
        ({"nginx_upstream_port": 0}, "moved off"),
        ({"nginx_tls_protocols": ["TLSv1.1", "TLSv1.2"]}, "nginx_tls_protocols"),
    ],
    ids=["no-name", "upstream-on-frontend-port", "old-protocol"],
)
def test_bad_settings_fail_in_preflight(tmp_path, override, message):
    play_vars = {"nginx_server_name": HOST, "nginx_config_dir": str(tmp_path / "etc"),
                 "nginx_main_config": str(tmp_path / "etc" / "nginx.conf"), "nginx_service_manage": False}
    play_vars.update(override)
    if override.get("nginx_upstream_port") == 0:
        play_vars["nginx_upstream_port"] = 443
    proc, _unused = run_playbook(tmp_path, play_vars, ["nginx"], phases=("preflight",))
    assert proc.returncode != 0
    assert message in proc.stdout
    assert not (tmp_path / "etc").exists()
