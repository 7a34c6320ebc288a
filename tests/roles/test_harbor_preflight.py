"""Preflight and harbor.yml rendering of harbor_ops.harbor.harbor, run by ansible-playbook against localhost.

Bad input must fail the role in preflight with ONE clear message (the first failing task ends the host's run;
its message names every problem), before any task that changes something. Each case is a host of one inventory
(all of them localhost, each with its own variables), so the whole matrix is one ansible-playbook run, in check
mode with ``--tags harbor_preflight``. The molecule scenarios prove on real hosts that a refused run leaves
harbor.yml and the running stack untouched.
"""

import json
import os
import sys

import pytest
import yaml

from tests.roles.playbook import ansible_playbook

PLAYBOOK = """
- name: Preflight of harbor_ops.harbor.harbor
  hosts: all
  connection: local
  gather_facts: false
  roles:
    - harbor_ops.harbor.harbor
  post_tasks:
    - name: Show what the role would write
      ansible.builtin.debug:
        msg: "RENDERED {{ inventory_hostname }} {{ {'config': __harbor_config, 'url': __harbor_api_url,
               'installer': __harbor_installer_url, 'verify': __harbor_verify_signature,
               'checksum': __harbor_config_checksum} | to_json }}"
      tags: [harbor_preflight]
"""

BASE = {
    "harbor_hostname": "harbor.example.com",
    "harbor_admin_password": "Harbor12345",
    "harbor_database": {"password": "Secret123"},
    "harbor_installer_checksum": "sha256:" + "ab" * 32,
    "harbor_manage_docker": False,
    # the download check (asks the installer's server) has its own case below
    "harbor_installer_check_download": False,
}

# case name -> (variables over BASE, a text the one failure message must contain)
BAD_INPUT = {
    "no_admin_password": ({"harbor_admin_password": ""}, "harbor_admin_password is not set"),
    "no_database_password": ({"harbor_database": {}}, "database.password is not set"),
    "placeholder_hostname": ({"harbor_hostname": "reg.mydomain.com"},
                             "hostname is still Harbor's placeholder reg.mydomain.com"),
    "loopback_hostname": ({"harbor_hostname": "127.0.0.1"}, "hostname 127.0.0.1 is an address other hosts cannot"),
    "missing_certificate": ({"harbor_https": {"certificate": "/nonexistent/harbor.crt",
                                              "private_key": "/nonexistent/harbor.key"}},
                            "https.certificate /nonexistent/harbor.crt does not exist on the Harbor host; "
                            "https.private_key /nonexistent/harbor.key does not exist on the Harbor host"),
    "unsupported_old_version": ({"harbor_version": "2.9.5"}, "harbor_version 2.9.5 is not supported"),
    "unsupported_new_version": ({"harbor_version": "2.16.0"}, "harbor_version 2.16.0 is not supported"),
    "unknown_key": ({"harbor_config_extra": {"network": {"allow_private_network_access": True}}},
                    "network is not a harbor.yml key of Harbor 2.15.2"),
    "seed_guide_trivy_key": ({"harbor_trivy": {"skip_db_update": False}},
                             "trivy.skip_db_update is not a harbor.yml key of Harbor 2.15.2"),
    "newer_key_on_older_version": ({"harbor_version": "2.10.3", "harbor_ip_family": {"ipv6": {"enabled": True}}},
                                   "ip_family needs Harbor 2.11 or later, not 2.10.3"),
    "port_clash": ({"harbor_http": {"port": 9090}, "harbor_metric": {"enabled": True}},
                   "http.port and metric.port are both 9090"),
    "unverifiable_installer": ({"harbor_version": "2.13.1", "harbor_installer_checksum": ""},
                               "Harbor 2.13 publishes neither a signature nor a sha256 file"),
    "unverifiable_215_without_cosign": ({"harbor_installer_checksum": "",
                                         "harbor_installer_cosign_command": "/nonexistent/cosign"},
                                        "cosign is not installed on the host (/nonexistent/cosign)"),
    "missing_local_installer": ({"harbor_installer_local_path": "/nonexistent/harbor-offline-installer.tgz"},
                                "The installer cannot be found"),
    # the installed release, read from the host (files made by HOST_FILES below)
    "downgrade": ({"harbor_version": "2.14.4"}, "Harbor 2.15.2 is installed in"),
    "lossy_upgrade": ({"harbor_version": "2.15.2"}, "would start on an EMPTY database"),
    "lossy_upgrade_by_hand": ({"harbor_version": "2.15.2"}, "(installed: 2.10.1), and the harbor-db of 2.15.2"),
    # issue 15: input that gives a broken or a different Harbor
    "internal_and_external_redis": ({"harbor_redis": {"registry_db_index": 1},
                                     "harbor_external_redis": {"host": "redis.example.com:6379", "password": "x"}},
                                    "redis (harbor_redis, the db indexes of Harbor's own Redis) and external_redis "
                                    "(harbor_external_redis, a Redis of your own) are both set"),
    "seed_guide_rotate_size": ({"harbor_log": {"local": {"rotate_size": "200m"}}},
                               "log.local.rotate_size must be a number of bytes with an optional unit k, K, M or G"),
    "short_job_duration_215": ({"harbor_jobservice": {"max_job_duration_hours": 12}},
                               "jobservice.max_job_duration_hours is 12, but the prepare of Harbor 2.15.2 silently "
                               "raises anything below 24 to 24"),
    "cache_db_index_210": ({"harbor_version": "2.10.3", "harbor_redis": {"cache_db_index": 7}},
                           "redis.cache_db_index is refused: Harbor's prepare does not read it"),
    "data_volume_with_space": ({"harbor_data_volume": "/data/my harbor"}, "data_volume '/data/my harbor' contains a space"),
    "internal_tls_ciphers_210": ({"harbor_version": "2.10.3",
                                  "harbor_internal_tls": {"enabled": False, "dir": "/etc/harbor/tls/internal",
                                                          "strong_ssl_ciphers": True}},
                                 "internal_tls.strong_ssl_ciphers needs Harbor 2.11 or later, not 2.10.3"),
}


def _state(version):
    return {".harbor_ops/state.json": json.dumps({"version": version, "unpacked_version": version})}


# host name -> {path under <host>/opt-harbor or <host>/data: content, or None for a directory}
HOST_FILES = {
    "downgrade": {"opt-harbor/" + k: v for k, v in _state("2.15.2").items()},
    "lossy_upgrade": dict({"opt-harbor/" + k: v for k, v in _state("2.10.3").items()}, **{"data/database/pg14": None}),
    # a Harbor installed by hand: no state, the version from the image tags of its docker-compose.yml
    "lossy_upgrade_by_hand": {"opt-harbor/docker-compose.yml": "services:\n  core:\n    image: goharbor/harbor-core:v2.10.1\n",
                              "data/database/pg14": None},
    "stepwise_upgrade": dict({"opt-harbor/" + k: v for k, v in _state("2.14.4").items()}, **{"data/database/pg15": None}),
}


def _host_files(directory, names):
    for name in names:
        for relative, content in HOST_FILES.get(name, {}).items():
            path = directory / name / relative
            if content is None:
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")


FACTS = {"os_family": "Debian", "distribution": "Debian", "architecture": "x86_64",
         "python": {"executable": sys.executable}}


def _run(tmp_path, hosts, extra_args=(), check=True, facts=None):
    """Run PLAYBOOK for ``hosts`` ({name: variables}); return (process, {host: fatal result}, {host: rendered})."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    inventory = {"all": {"hosts": {}}}
    for name, variables in hosts.items():
        host_vars = dict(BASE, ansible_python_interpreter=sys.executable,
                         harbor_install_dir=str(tmp_path / name / "opt-harbor"),
                         harbor_data_volume=str(tmp_path / name / "data"))
        host_vars.update(variables)
        inventory["all"]["hosts"][name] = host_vars
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory), encoding="utf-8")
    (tmp_path / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    (tmp_path / "facts.json").write_text(json.dumps({"ansible_facts": facts or FACTS}), encoding="utf-8")
    proc = ansible_playbook(tmp_path, "-i", tmp_path / "inventory.yml", *(["--check"] if check else []),
                            "--tags", "harbor_preflight", "-e", "@%s" % (tmp_path / "facts.json"), *extra_args,
                            tmp_path / "play.yml", env={"ANSIBLE_FORKS": "10"})
    fatal, rendered = {}, {}
    for line in proc.stdout.splitlines():
        if line.startswith("fatal: ["):
            host = line[len("fatal: ["):line.index("]")]
            fatal.setdefault(host, []).append(json.loads(line.split(" => ", 1)[1]))
        if '"msg": "RENDERED ' in line:
            text = json.loads(line.split('"msg": ', 1)[1])[len("RENDERED "):]
            host, _space, document = text.partition(" ")
            rendered[host] = json.loads(document)
    return proc, fatal, rendered


def test_bad_input_fails_with_one_clear_message_and_changes_nothing(tmp_path):
    """One ansible-playbook run, one host per case (a module-scoped fixture would run once per xdist worker)."""
    _host_files(tmp_path, BAD_INPUT)
    proc, fatal, rendered = _run(tmp_path, {name: case[0] for name, case in BAD_INPUT.items()})
    assert proc.returncode != 0
    problems = []
    for case, (_variables, expected) in sorted(BAD_INPUT.items()):
        failures = fatal.get(case, [])
        if case in rendered or len(failures) != 1:
            problems.append("%s: accepted or failed %d times" % (case, len(failures)))
            continue
        message = failures[0]["msg"]
        if expected not in message or "Traceback" in message or "Harbor12345" in message or "Secret123" in message:
            problems.append("%s: %s" % (case, message))
    assert not problems, "\n".join(problems) + "\n" + proc.stdout[-2000:]
    recap = [line for line in proc.stdout.splitlines() if " : ok=" in line]
    assert len(recap) == len(BAD_INPUT)
    assert all("changed=0" in line for line in recap), recap


# -------------------------------------------------------------------------------------------- rendering
FULL_210 = {
    "harbor_version": "2.10.3",
    "harbor_hostname": "registry.example.com",
    "harbor_http": {"port": 8080},
    "harbor_internal_tls": {"enabled": False, "dir": "/etc/harbor/tls/internal"},
    "harbor_external_url": "https://registry.example.com:8433",
    "harbor_database": {"password": "Secret123", "max_idle_conns": 50},
    "harbor_storage_service": {"ca_bundle": "", "filesystem": {"maxthreads": 100}, "redirect": {"disable": False}},
    "harbor_trivy": {"github_token": "token", "skip_update": True},
    "harbor_jobservice": {"job_loggers": ["STD_OUTPUT", "FILE", "DB"]},
    "harbor_notification": {"webhook_job_max_retry": 10},
    "harbor_log": {"level": "warning", "external_endpoint": {"protocol": "tcp", "host": "syslog", "port": 5140}},
    "harbor_redis": {"registry_db_index": 1, "jobservice_db_index": 2, "trivy_db_index": 5, "harbor_db_index": 6,
                     "cache_layer_db_index": 7},
    "harbor_external_database": {"harbor": {"host": "db", "port": 5432, "db_name": "registry", "username": "harbor",
                                            "password": "x", "ssl_mode": "disable", "max_idle_conns": 2,
                                            "max_open_conns": 0}},
    "harbor_uaa": {"ca_file": ""},
    "harbor_proxy": {"http_proxy": "http://proxy:3128", "no_proxy": "internal.example.com"},
    "harbor_metric": {"enabled": True},
    "harbor_trace": {"enabled": True, "sample_rate": 1, "namespace": "harbor", "attributes": {"application": "harbor"},
                     "jaeger": {"endpoint": "http://jaeger:14268/api/traces", "username": "", "password": "",
                                "agent_host": "", "agent_port": 6831}},
    "harbor_upload_purging": {"age": "336h"},
    "harbor_cache": {"enabled": True},
    "harbor_core": {"quota_update_provider": "redis"},
}


# Harbor uses one Redis: harbor_external_redis (refused next to harbor_redis) comes from a host of its own
EXTERNAL_REDIS = {"host": "redis:6379", "password": "x", "username": "harbor", "sentinel_master_set": "m",
                  "registry_db_index": 1, "jobservice_db_index": 2, "trivy_db_index": 5, "idle_timeout_seconds": 30,
                  "harbor_db_index": 6, "cache_layer_db_index": 7}


def _paths(node, prefix=""):
    paths = set()
    for key, value in node.items():
        path = prefix + key
        paths.add(path)
        if isinstance(value, dict) and path not in ("storage_service.filesystem", "trace.attributes"):
            paths |= _paths(value, path + ".")
    return paths


def test_rendered_harbor_yml(tmp_path):
    """Every key of each release's template can be set through the role's variables, merged over the defaults;
    the API and installer URLs; what gates prepare. One ansible-playbook run, one host per case."""
    # pylint: disable-next=import-outside-toplevel
    from tests.roles.test_harbor_config import REFUSED_TEMPLATE_PATHS, TEMPLATE_PATHS

    cert, key = tmp_path / "harbor.crt", tmp_path / "harbor.key"
    cert.write_text("c", encoding="utf-8")
    key.write_text("k", encoding="utf-8")
    full_215 = dict(FULL_210, harbor_version="2.15.2",
                    harbor_https={"port": 443, "certificate": str(cert), "private_key": str(key),
                                  "strong_ssl_ciphers": True},
                    harbor_ip_family={"ipv6": {"enabled": False}, "ipv4": {"enabled": True}})
    full_210 = dict(FULL_210, harbor_https={"port": 443, "certificate": str(cert), "private_key": str(key)},
                    harbor_installer_checksum="", harbor_installer_local_path=str(tmp_path / "bundle.tgz"))
    (tmp_path / "bundle.tgz").write_text("bundle", encoding="utf-8")
    (tmp_path / "bundle.tgz.asc").write_text("signature", encoding="utf-8")
    minimal = {"harbor_hostname": "harbor.example.com"}
    otel = {"harbor_trace": {"enabled": True, "otel": {"endpoint": "otel:4318", "url_path": "/v1/traces",
                                                       "compression": False, "insecure": True, "timeout": 10}}}
    seed = {  # the seed guide's harbor.yml, as role variables (roles/harbor/README.md)
        "harbor_version": "2.10.3", "harbor_hostname": "registry.example.com",
        "harbor_https": {"port": 443, "certificate": str(cert), "private_key": str(key)},
        "harbor_admin_password": "Strong-Admin-Password1", "harbor_database": {"password": "Db-Password1"},
        "harbor_data_volume": "/data/harbor",
        "harbor_trivy": {"ignore_unfixed": False, "skip_update": False, "offline_scan": False, "insecure": False,
                         "github_token": "", "timeout": "5m0s"},
        "harbor_jobservice": {"max_job_workers": 10}, "harbor_notification": {"webhook_job_max_retry": 10},
        # the guide's rotate_size is 200m, which logrotate does not know (refused: BAD_INPUT seed_guide_rotate_size)
        "harbor_log": {"level": "info", "local": {"rotate_count": 50, "rotate_size": "200M",
                                                  "location": "/var/log/harbor"}},
        "harbor_installer_local_path": str(tmp_path / "bundle.tgz"), "harbor_installer_checksum": "",
    }
    external_redis_210 = {"harbor_version": "2.10.3", "harbor_external_redis": EXTERNAL_REDIS}
    external_redis_215 = {"harbor_external_redis": dict(EXTERNAL_REDIS, tlsOptions={"enable": True, "rootCA": ""})}
    hosts = {"full_210": full_210, "full_215": full_215, "minimal": minimal, "seed": seed, "otel": otel,
             "external_redis_210": external_redis_210, "external_redis_215": external_redis_215,
             # an upgrade 2.14.4 -> 2.15.2 with the pg15 data of 2.11-2.15.1: allowed (HOST_FILES)
             "stepwise_upgrade": {"harbor_version": "2.15.2"},
             "arch": {"harbor_installer_url_template": "https://mirror.example.com/{version}/harbor-{type}-{tag}-{arch}.tgz",
                      "harbor_installer_type": "online"},
             "ipv6": {"harbor_hostname": "2001:db8::5", "harbor_http": {"port": 8080}},
             "own_api_url": {"harbor_api_url": "http://127.0.0.1:8080"},
             # the unverifiable_installer case of BAD_INPUT, explicitly allowed
             "unverified_allowed": {"harbor_version": "2.13.1", "harbor_installer_checksum": "",
                                    "harbor_installer_allow_unverified": True},
             # what gates prepare: everything but the admin password
             "gate_base": {}, "gate_password": {"harbor_admin_password": "Another-Admin2"},
             "gate_log": {"harbor_log": {"level": "debug"}}, "gate_trivy": {"harbor_with_trivy": False},
             "gate_version": {"harbor_version": "2.15.1"}}
    for name in hosts:
        if name.startswith("gate_"):
            hosts[name]["harbor_data_volume"] = "/data"  # _run gives each host its own
    _host_files(tmp_path / "run", hosts)
    proc, fatal, rendered = _run(tmp_path / "run", hosts)
    assert not fatal, fatal
    assert proc.returncode == 0, proc.stdout[-3000:]

    # Harbor exports to one trace exporter: otel's keys come from a second host
    otel_paths = _paths(rendered["otel"]["config"])
    assert {"trace.otel.endpoint", "trace.otel.url_path", "trace.otel.compression", "trace.otel.insecure",
            "trace.otel.timeout"} <= otel_paths
    # trivy.timeout: commented out of the 2.10.0 template, but prepare 2.10 reads it (default 5m0s), the role sets it.
    # Template keys prepare never reads are refused (BAD_INPUT), not rendered.
    for name, template, extra in (("full_210", "2.10.0", {"trivy.timeout"}), ("full_215", "2.15.2", set())):
        redis_paths = {p for p in _paths(rendered["external_redis_" + name[-3:]]["config"]) if p.startswith("external_redis")}
        assert _paths(rendered[name]["config"]) | {p for p in otel_paths if p.startswith("trace.otel")} | redis_paths == (
            (TEMPLATE_PATHS[template] - REFUSED_TEMPLATE_PATHS[template]) | extra)
    full = rendered["full_215"]["config"]
    assert full["database"]["max_idle_conns"] == 50 and full["database"]["max_open_conns"] == 900
    assert full["trivy"]["skip_update"] is True and full["trivy"]["db_repository"] == "ghcr.io/aquasecurity/trivy-db"
    assert full["metric"] == {"enabled": True, "port": 9090, "path": "/metrics"}
    assert full["upload_purging"] == {"enabled": True, "age": "336h", "interval": "24h", "dryrun": False}
    assert rendered["full_215"]["url"] == "https://registry.example.com:8433"  # external_url
    assert rendered["full_210"]["verify"] == "gpg"  # the .asc next to the bundle

    config = rendered["minimal"]["config"]
    assert list(config) == ["hostname", "http", "harbor_admin_password", "database", "data_volume", "trivy",
                            "jobservice", "notification", "log", "_version", "proxy", "upload_purging", "cache"]
    assert config["_version"] == "2.15.0"
    assert config["jobservice"]["max_job_duration_hours"] == 24
    assert rendered["minimal"]["url"] == "http://harbor.example.com"
    assert rendered["minimal"]["installer"] == (
        "https://github.com/goharbor/harbor/releases/download/v2.15.2/harbor-offline-installer-v2.15.2.tgz")

    seed_config = rendered["seed"]["config"]
    assert seed_config["_version"] == "2.10.0"
    assert "skip_java_db_update" not in seed_config["trivy"] and "max_job_duration_hours" not in seed_config["jobservice"]
    assert seed_config["notification"] == {"webhook_job_max_retry": 10, "webhook_job_http_client_timeout": 3}
    assert seed_config["jobservice"]["job_loggers"] == ["STD_OUTPUT", "FILE"]
    assert seed_config["data_volume"] == "/data/harbor"
    assert rendered["seed"]["url"] == "https://registry.example.com"

    assert "stepwise_upgrade" in rendered
    assert rendered["arch"]["installer"] == "https://mirror.example.com/2.15.2/harbor-online-v2.15.2-amd64.tgz"
    assert rendered["ipv6"]["url"] == "http://[2001:db8::5]:8080"
    assert rendered["own_api_url"]["url"] == "http://127.0.0.1:8080"
    assert rendered["unverified_allowed"]["verify"] == ""
    gate = {name: rendered[name]["checksum"] for name in rendered if name.startswith("gate_")}
    assert gate["gate_password"] == gate["gate_base"]
    assert len({gate["gate_base"], gate["gate_log"], gate["gate_trivy"], gate["gate_version"]}) == 4


@pytest.mark.skipif(os.geteuid() != 0, reason="the role writes harbor.yml as root")
def test_harbor_yml_is_private_and_never_in_a_diff(tmp_path):
    """harbor_configure alone renders harbor.yml (0600, root) and neither --diff nor -v show its secrets."""
    install_dir = tmp_path / "host" / "opt-harbor"
    hosts = {"host": {"harbor_install_dir": str(install_dir), "harbor_data_volume": str(tmp_path / "data")}}
    args = ("--tags", "harbor_configure", "--diff", "-v")
    proc, fatal, _rendered = _run(tmp_path / "first", hosts, extra_args=args, check=False)
    assert not fatal, proc.stdout[-3000:]
    harbor_yml = install_dir / "harbor.yml"
    assert harbor_yml.stat().st_mode & 0o777 == 0o600
    assert harbor_yml.stat().st_uid == 0
    assert yaml.safe_load(harbor_yml.read_text(encoding="utf-8"))["database"]["password"] == "Secret123"
    hosts["host"].update(harbor_admin_password="Changed-Admin1", harbor_log={"level": "debug"})
    proc, fatal, _rendered = _run(tmp_path / "second", hosts, extra_args=args, check=False)
    assert not fatal, proc.stdout[-3000:]
    # (without this test's own RENDERED debug line)
    output = "\n".join(line for line in (proc.stdout + proc.stderr).splitlines() if "RENDERED" not in line)
    assert "harbor.yml: changed harbor_admin_password, log" in output
    for secret in ("Harbor12345", "Changed-Admin1", "Secret123"):
        assert secret not in output
    assert not (install_dir / ".harbor_ops").exists()  # no prepare, no recorded run: the run phase did not run
