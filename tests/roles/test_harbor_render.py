"""harbor.yml and the nginx site rendered only (playbooks/render.yml, harbor_render_only_dir, nginx_render_only_dir),
and the masked diff of harbor.yml (roles/harbor/files/harbor_masked_diff.py, --diff of the role).

harbor.yml holds every secret of the role. Whatever the verbosity, --diff or --check, no secret value may reach
Ansible's output; rendered files that hold secrets are mode 0600. The render-only runs name a host that cannot be
reached (TEST-NET address): they must not connect to it.
"""

import hashlib
import importlib.util
import json
import os
import stat
import sys

import pytest
import yaml

from tests.roles.conftest import FIGURE
from tests.roles.playbook import REPO, ansible_playbook
from tests.roles.test_harbor_preflight import FACTS

SPEC = importlib.util.spec_from_file_location("harbor_masked_diff", REPO / "roles/harbor/files/harbor_masked_diff.py")
masked_diff = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(masked_diff)

MASK = "********"


# ------------------------------------------------------------------------------------------- the masking
def test_masked_diff_masks_every_secret_and_shows_what_changed():
    before = {"hostname": "a.example.com", "harbor_admin_password": "Old-Admin-Pw1",
              "database": {"password": "Old-Db-Pw1", "max_idle_conns": 100},
              "storage_service": {"s3": {"accesskey": "AKIAOLDKEY", "secretkey": "old-secret-key", "bucket": "b"}},
              "log": {"level": "info"}}
    after = {"hostname": "a.example.com", "harbor_admin_password": "Old-Admin-Pw1",
             "database": {"password": "New-Db-Pw2", "max_idle_conns": 100},
             "storage_service": {"s3": {"accesskey": "AKIAOLDKEY", "secretkey": "new-secret-key", "bucket": "c"},
                                 "gcs": {"credentials": {"type": "service_account", "private_key": "pem"}}},
             "log": {"level": "debug"},
             "trivy": {"github_token": "ghp_token123"},
             "proxy": {"http_proxy": "http://user:Proxy-Pw9@proxy:3128", "no_proxy": "x"},
             "trace": {"attributes": {"note": "copy of New-Db-Pw2"}},
             "uaa": {"ca_file": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}}
    changed, diff = masked_diff.masked_diff(before, after, "before: x", "after: x")
    text = "\n".join(diff)
    assert changed
    for secret in ("Old-Admin-Pw1", "Old-Db-Pw1", "New-Db-Pw2", "AKIAOLDKEY", "old-secret-key", "new-secret-key",
                   "ghp_token123", "Proxy-Pw9", "service_account", "MIIB"):
        assert secret not in text, secret
    assert "-  password: ********" in diff and "+  password: ******** (changed)" in diff
    assert "+    secretkey: ******** (changed)" in diff and "-    bucket: b" in diff and "+    bucket: c" in diff
    assert "+    credentials: ********" in diff
    assert "-  level: info" in diff and "+  level: debug" in diff
    assert "+  http_proxy: http://user:********@proxy:3128" in diff
    assert "+    note: copy of ********" in diff
    # unchanged secrets are no diff line of their own
    assert not any(line.startswith(("-", "+")) and "harbor_admin_password" in line for line in diff)
    assert diff[:2] == ["--- before: x", "+++ after: x"]


def test_masked_diff_of_a_new_file_and_of_no_change():
    config = {"harbor_admin_password": "Harbor12345", "http": {"port": 80}, "proxy": {"components": ["core"]}}
    changed, diff = masked_diff.masked_diff(None, config)
    assert changed and "+harbor_admin_password: ********" in diff and "+    - core" in diff
    assert "Harbor12345" not in "\n".join(diff)
    assert masked_diff.masked_diff(config, config) == (False, [])


# ---------------------------------------------------------------------------------------- render only
SECRETS = {
    "harbor_admin_password": "Adm1n-Render-7f3a",
    "harbor_admin_password_previous": "Prev1ous-Adm1n-9c",
    "database": "Db-Render-Pw-41d2",
    "external_database": "ExtDb-Render-Pw-88aa",
    "external_redis": "Redis-Render-Pw-5e6f",
    "s3_accesskey": "AKIARENDER0ACCESS1",
    "s3_secretkey": "S3-Secret-Render-Key-b7c9",
    "jaeger": "Jaeger-Render-Pw-3d4e",
    "github_token": "ghp_RenderToken0123456789",
    "proxy": "Proxy-Render-Pw-1a2b",
}
# the second run changes these
CHANGED_SECRETS = {"harbor_admin_password": "Adm1n-Changed-2b8e", "database": "Db-Changed-Pw-93f1",
                   "s3_secretkey": "S3-Secret-Changed-Key-c4d5"}


def _render_vars(secrets):
    return {
        "harbor_hostname": "registry.example.com",
        "harbor_admin_password": secrets["harbor_admin_password"],
        "harbor_admin_password_previous": secrets["harbor_admin_password_previous"],
        "harbor_external_url": "https://registry.example.com",
        "harbor_http": {"port": 8080},
        # on the Harbor host, not here: render only checks the paths, not the files
        "harbor_https": {"port": 8443, "certificate": "/etc/ssl/harbor/fullchain.pem",
                         "private_key": "/etc/ssl/harbor/privkey.pem"},
        "harbor_database": {"password": secrets["database"]},
        "harbor_external_database": {"harbor": {"host": "db.example.com", "port": 5432, "db_name": "registry",
                                                "username": "harbor", "password": secrets["external_database"],
                                                "ssl_mode": "require"}},
        "harbor_external_redis": {"host": "redis.example.com:6379", "password": secrets["external_redis"]},
        "harbor_storage_service": {"s3": {"region": "eu-west-1", "bucket": "harbor",
                                          "accesskey": secrets["s3_accesskey"], "secretkey": secrets["s3_secretkey"]}},
        "harbor_trace": {"enabled": True, "jaeger": {"endpoint": "http://jaeger:14268/api/traces", "username": "harbor",
                                                     "password": secrets["jaeger"]}},
        "harbor_trivy": {"github_token": secrets["github_token"]},
        "harbor_proxy": {"http_proxy": "http://harbor:%s@proxy.example.com:3128" % secrets["proxy"]},
        "harbor_log": {"level": "info"},
        "nginx_server_name": "registry.example.com",
        "nginx_upstream_port": 8080,
    }


def _render(tmp_path, name, host_vars, *args):
    """playbooks/render.yml for the hosts {name: variables} of the group harbor, none of them reachable."""
    inventory = {"harbor": {"hosts": {}}}
    for host, variables in host_vars.items():
        inventory["harbor"]["hosts"][host] = dict(
            variables, ansible_host="192.0.2.1", ansible_connection="ssh",
            ansible_ssh_common_args="-o ConnectTimeout=2 -o BatchMode=yes")
    (tmp_path / (name + ".yml")).write_text(yaml.safe_dump(inventory), encoding="utf-8")
    return ansible_playbook(tmp_path, "-i", tmp_path / (name + ".yml"), REPO / "playbooks/render.yml",
                            "-e", "render_dir=%s" % (tmp_path / "rendered"), *args)


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_render_only_never_shows_a_secret(tmp_path, record_property):
    rendered = tmp_path / "rendered"
    outputs = []

    # 1. render harbor1 with -vvv --diff: the files are written, the output holds no secret
    proc = _render(tmp_path, "first", {"harbor1": _render_vars(SECRETS)}, "-vvv", "--diff")
    outputs.append(proc.stdout + proc.stderr)
    assert proc.returncode == 0, proc.stdout[-3000:]
    harbor_yml, site = rendered / "harbor1" / "harbor.yml", rendered / "harbor1" / "harbor.conf"
    assert _mode(harbor_yml) == 0o600 and _mode(rendered / "harbor1") == 0o700
    config = yaml.safe_load(harbor_yml.read_text(encoding="utf-8"))
    assert config["harbor_admin_password"] == SECRETS["harbor_admin_password"]
    assert config["database"]["password"] == SECRETS["database"]
    assert config["storage_service"]["s3"]["secretkey"] == SECRETS["s3_secretkey"]
    assert config["external_redis"]["password"] == SECRETS["external_redis"]
    assert config["data_volume"] == "/data" and config["https"]["port"] == 8443
    site_text = site.read_text(encoding="utf-8")
    assert "server 127.0.0.1:8080;" in site_text and "server_name registry.example.com;" in site_text
    assert not any(secret in site_text for secret in SECRETS.values())  # the site holds no secret (it is 0644)
    assert "+harbor_admin_password: ********" in outputs[-1] and "+  password: ********" in outputs[-1]
    assert "192.0.2.1" not in outputs[-1].replace("ansible_host", "")  # never connected (no ESTABLISH SSH)
    assert "ESTABLISH SSH" not in outputs[-1]

    # 2. --check -vvv --diff with changed secrets and a changed log level, and a second host never rendered:
    #    the diff shows the change with the secrets masked, nothing is written
    changed = dict(SECRETS, **CHANGED_SECRETS)
    before = {harbor_yml: _digest(harbor_yml), site: _digest(site)}
    second = dict(_render_vars(changed), harbor_log={"level": "debug"})
    proc = _render(tmp_path, "second", {"harbor1": second, "harbor2": _render_vars(SECRETS)},
                   "--check", "-vvv", "--diff")
    outputs.append(proc.stdout + proc.stderr)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert {path: _digest(path) for path in before} == before
    assert not (rendered / "harbor2").exists()
    for line in ('"-  level: info"', '"+  level: debug"', '"+  password: ******** (changed)"',
                 '"+harbor_admin_password: ******** (changed)"', '"+    secretkey: ******** (changed)"'):
        assert line in outputs[-1], line

    # 3. the change applied, -vvv --diff
    proc = _render(tmp_path, "third", {"harbor1": second}, "-vvv", "--diff")
    outputs.append(proc.stdout + proc.stderr)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert yaml.safe_load(harbor_yml.read_text(encoding="utf-8"))["database"]["password"] == CHANGED_SECRETS["database"]
    assert _mode(harbor_yml) == 0o600

    secrets = set(SECRETS.values()) | set(CHANGED_SECRETS.values())
    text = "".join(outputs)
    hits = {secret: text.count(secret) for secret in secrets if secret in text}
    figure = ("secret scan: %d bytes of ansible output (3 runs, -vvv --diff, one --check), %d secrets, %d hits"
              % (len(text.encode("utf-8")), len(secrets), sum(hits.values())))
    record_property(FIGURE, figure)
    print(figure)
    assert not hits, hits


def test_render_only_refuses_bad_input_before_writing(tmp_path):
    bad = dict(_render_vars(SECRETS), harbor_redis={"registry_db_index": 1}, harbor_log={"local": {"rotate_size": "200m"}})
    proc = _render(tmp_path, "bad", {"harbor1": bad})
    assert proc.returncode != 0
    fatal = [line for line in proc.stdout.splitlines() if line.startswith("fatal: [harbor1]")]
    assert len(fatal) == 1, proc.stdout[-3000:]
    message = json.loads(fatal[0].split(" => ", 1)[1])["msg"]
    assert "redis (harbor_redis" in message and "log.local.rotate_size" in message
    assert not any(secret in proc.stdout + proc.stderr for secret in SECRETS.values())
    assert not (tmp_path / "rendered" / "harbor1" / "harbor.yml").exists()


# ----------------------------------------------------------------------------------- --check --diff on a host
PLAYBOOK = """
- name: harbor_ops.harbor.harbor
  hosts: all
  connection: local
  gather_facts: false
  roles:
    - harbor_ops.harbor.harbor
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="the role writes harbor.yml as root")
def test_check_diff_shows_the_harbor_yml_change_with_secrets_masked(tmp_path):
    """The configure phase on the host: --check --diff shows what changes in harbor.yml, secrets masked."""
    install_dir = tmp_path / "opt-harbor"
    variables = dict(_render_vars(SECRETS), ansible_python_interpreter=sys.executable,
                     harbor_install_dir=str(install_dir), harbor_data_volume=str(tmp_path / "data"),
                     harbor_installer_checksum="sha256:" + "ab" * 32, harbor_manage_docker=False, harbor_https={},
                     harbor_installer_check_download=False)  # the configure phase alone: no installer here
    (tmp_path / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    (tmp_path / "facts.json").write_text(json.dumps({"ansible_facts": FACTS}), encoding="utf-8")

    def run(name, host_vars, *args):
        (tmp_path / name).write_text(yaml.safe_dump({"all": {"hosts": {"host": host_vars}}}), encoding="utf-8")
        return ansible_playbook(tmp_path, "-i", tmp_path / name, "--tags", "harbor_configure",
                                "-e", "@%s" % (tmp_path / "facts.json"), *args, tmp_path / "play.yml")

    proc = run("first.yml", variables)
    assert proc.returncode == 0, proc.stdout[-3000:]
    harbor_yml = install_dir / "harbor.yml"
    digest = _digest(harbor_yml)
    changed = dict(SECRETS, **CHANGED_SECRETS)
    second = dict(variables, **{key: value for key, value in _render_vars(changed).items() if key != "harbor_https"})
    second["harbor_log"] = {"level": "debug"}
    proc = run("second.yml", second, "--check", "--diff", "-vvv")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert _digest(harbor_yml) == digest
    assert '"--- before: %s"' % harbor_yml in output
    for line in ('"-  level: info"', '"+  level: debug"', '"+  password: ******** (changed)"',
                 '"+    secretkey: ******** (changed)"'):
        assert line in output, line
    leaked = [secret for secret in set(SECRETS.values()) | set(CHANGED_SECRETS.values()) if secret in output]
    assert not leaked
