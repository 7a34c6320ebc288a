"""The harbor.yml model and validation of harbor_ops.harbor.harbor (roles/harbor/files/harbor_config_check.py).

The role runs that script on the Harbor host before prepare ever sees harbor.yml; here it is imported and
exercised directly: every key of Harbor's templates (v2.10.0, v2.15.2, shared/harbor) is known to the schema of its
version, version-specific keys are refused on older versions, and each of prepare's checks (install-notes 3.2) has
its case.
"""

import copy
import importlib.util
import re
import stat
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "harbor"
SPEC = importlib.util.spec_from_file_location("harbor_config_check", REPO / "roles/harbor/files/harbor_config_check.py")
check_module = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(check_module)

V210 = (2, 10, 3)
V215 = (2, 15, 2)

# Every key path of Harbor's templates, commented keys included, read off harbor.yml.tmpl of each release
# (storage drivers and trace attributes are handed to the component as they are).
TEMPLATE_PATHS_COMMON = {
    "hostname", "http", "http.port", "https", "https.port", "https.certificate", "https.private_key",
    "internal_tls", "internal_tls.enabled", "internal_tls.dir", "external_url", "harbor_admin_password",
    "database", "database.password", "database.max_idle_conns", "database.max_open_conns",
    "database.conn_max_lifetime", "database.conn_max_idle_time", "data_volume", "storage_service",
    "storage_service.ca_bundle", "storage_service.filesystem", "storage_service.redirect",
    "storage_service.redirect.disable", "trivy", "trivy.ignore_unfixed", "trivy.skip_update", "trivy.offline_scan",
    "trivy.security_check", "trivy.insecure", "trivy.github_token", "jobservice", "jobservice.max_job_workers",
    "jobservice.job_loggers", "jobservice.logger_sweeper_duration", "notification",
    "notification.webhook_job_max_retry", "notification.webhook_job_http_client_timeout", "log", "log.level",
    "log.local", "log.local.rotate_count", "log.local.rotate_size", "log.local.location", "log.external_endpoint",
    "log.external_endpoint.protocol", "log.external_endpoint.host", "log.external_endpoint.port", "_version",
    "external_database", "external_database.harbor", "external_database.harbor.host",
    "external_database.harbor.port", "external_database.harbor.db_name", "external_database.harbor.username",
    "external_database.harbor.password", "external_database.harbor.ssl_mode",
    "external_database.harbor.max_idle_conns", "external_database.harbor.max_open_conns", "redis",
    "redis.registry_db_index", "redis.jobservice_db_index", "redis.trivy_db_index", "redis.harbor_db_index",
    "redis.cache_layer_db_index", "external_redis", "external_redis.host", "external_redis.password",
    "external_redis.username", "external_redis.sentinel_master_set", "external_redis.registry_db_index",
    "external_redis.jobservice_db_index", "external_redis.trivy_db_index", "external_redis.idle_timeout_seconds",
    "external_redis.harbor_db_index", "external_redis.cache_layer_db_index", "uaa", "uaa.ca_file", "proxy",
    "proxy.http_proxy", "proxy.https_proxy", "proxy.no_proxy", "proxy.components", "metric", "metric.enabled",
    "metric.port", "metric.path", "trace", "trace.enabled", "trace.sample_rate", "trace.namespace",
    "trace.attributes", "trace.jaeger", "trace.jaeger.endpoint", "trace.jaeger.username", "trace.jaeger.password",
    "trace.jaeger.agent_host", "trace.jaeger.agent_port", "trace.otel", "trace.otel.endpoint", "trace.otel.url_path",
    "trace.otel.compression", "trace.otel.insecure", "trace.otel.timeout", "upload_purging",
    "upload_purging.enabled", "upload_purging.age", "upload_purging.interval", "upload_purging.dryrun", "cache",
    "cache.enabled", "cache.expire_hours", "core", "core.quota_update_provider",
}
TEMPLATE_PATHS = {
    "2.10.0": TEMPLATE_PATHS_COMMON | {"internal_tls.strong_ssl_ciphers", "redis.cache_db_index"},
    "2.15.2": TEMPLATE_PATHS_COMMON | {
        "https.strong_ssl_ciphers", "ip_family", "ip_family.ipv6", "ip_family.ipv6.enabled", "ip_family.ipv4",
        "ip_family.ipv4.enabled", "trivy.skip_java_db_update", "trivy.db_repository", "trivy.java_db_repository",
        "trivy.timeout", "jobservice.max_job_duration_hours", "external_redis.tlsOptions",
        "external_redis.tlsOptions.enable", "external_redis.tlsOptions.rootCA",
    },
}
# Keys a template shows that its prepare never reads: the role refuses them (with the reason) instead of writing a
# harbor.yml that does not do what it says. 2.10.0: the first of its two redis blocks misnames cache_layer_db_index
# as cache_db_index; internal_tls.strong_ssl_ciphers is only read from 2.11.0 (install-notes 6).
REFUSED_TEMPLATE_PATHS = {
    "2.10.0": {"redis.cache_db_index", "internal_tls.strong_ssl_ciphers"},
    "2.15.2": set(),
}
# words of the templates that look like keys but are free-form content or prose
NOT_KEYS = {"Note", "application", "maxthreads"}


def valid_config(version=V215, **changes):
    config = {
        "hostname": "harbor.example.com",
        "http": {"port": 80},
        "harbor_admin_password": "Harbor12345",
        "database": {"password": "Secret123", "max_idle_conns": 100, "max_open_conns": 900,
                     "conn_max_lifetime": "5m", "conn_max_idle_time": 0},
        "data_volume": "/data",
        "trivy": {"ignore_unfixed": False, "skip_update": False, "offline_scan": False, "security_check": "vuln",
                  "insecure": False, "timeout": "5m0s"},
        "jobservice": {"max_job_workers": 10, "job_loggers": ["STD_OUTPUT", "FILE"], "logger_sweeper_duration": 1},
        "notification": {"webhook_job_max_retry": 3, "webhook_job_http_client_timeout": 3},
        "log": {"level": "info", "local": {"rotate_count": 50, "rotate_size": "200M", "location": "/var/log/harbor"}},
        "_version": "%d.%d.0" % version[:2],
        "proxy": {"http_proxy": None, "https_proxy": None, "no_proxy": None, "components": ["core", "jobservice", "trivy"]},
        "upload_purging": {"enabled": True, "age": "168h", "interval": "24h", "dryrun": False},
        "cache": {"enabled": False, "expire_hours": 24},
    }
    config = copy.deepcopy(config)
    for path, value in changes.items():
        node = config
        parts = path.split("__")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return config


DELETE = object()


def errors(config, version=V215):
    return check_module.check(config, version)[0]


def one_error(config, version=V215):
    found = errors(config, version)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture()
def cert_files(tmp_path):
    cert, key = tmp_path / "harbor.crt", tmp_path / "harbor.key"
    cert.write_text("certificate", encoding="utf-8")
    key.write_text("key", encoding="utf-8")
    return str(cert), str(key)


# ------------------------------------------------------------------------------------------ the schema
@pytest.mark.parametrize("template", sorted(TEMPLATE_PATHS))
def test_every_template_key_is_known_to_its_version(template):
    version = tuple(int(p) for p in template.split("."))
    known = set(check_module.schema_paths(version))
    expected = TEMPLATE_PATHS[template] - REFUSED_TEMPLATE_PATHS[template]
    assert expected <= known, sorted(expected - known)
    assert not REFUSED_TEMPLATE_PATHS[template] & known


@pytest.mark.parametrize("template", sorted(TEMPLATE_PATHS))
def test_the_key_list_covers_the_template_file(template):
    """Every word of Harbor's template that is written like a key (commented or not) is in the list above."""
    path = SHARED / ("harbor.yml.tmpl-v" + template)
    if not path.exists():
        pytest.skip("%s is not there" % path)
    words = set(re.findall(r"^[ #]*([A-Za-z_][A-Za-z0-9_]*):(?: |$)", path.read_text(encoding="utf-8"), re.M))
    listed = {p.rsplit(".", 1)[-1] for p in TEMPLATE_PATHS[template]}
    assert words - NOT_KEYS <= listed, sorted(words - NOT_KEYS - listed)


def test_versions_know_only_their_keys():
    v210 = set(check_module.schema_paths(V210))
    v215 = set(check_module.schema_paths(V215))
    assert v215 - v210 == {
        "https.strong_ssl_ciphers", "ip_family", "ip_family.ipv6", "ip_family.ipv6.enabled", "ip_family.ipv4",
        "ip_family.ipv4.enabled", "trivy.skip_java_db_update", "trivy.db_repository", "trivy.java_db_repository",
        "jobservice.max_job_duration_hours", "external_redis.tlsOptions", "external_redis.tlsOptions.enable",
        "external_redis.tlsOptions.rootCA", "internal_tls.strong_ssl_ciphers",
    }
    assert v210 - v215 == set()
    assert "jobservice.max_job_duration_hours" in check_module.schema_paths((2, 13, 0))
    assert "jobservice.max_job_duration_hours" not in check_module.schema_paths((2, 12, 4))


@pytest.mark.parametrize("version", [V210, (2, 11, 0), (2, 13, 5), V215])
def test_a_valid_config_passes(version):
    assert errors(valid_config(version), version) == []


# ----------------------------------------------------------------------------------------- unknown keys
def test_unknown_top_level_key():
    assert one_error(valid_config(network={"allow_private_network_access": True})) == (
        "network is not a harbor.yml key of Harbor 2.15.2")


def test_unknown_nested_key_of_the_seed_guide():
    # the seed guide's trivy block has skip_db_update, which Harbor does not know (skip_update is the key)
    assert one_error(valid_config(trivy__skip_db_update=False)) == (
        "trivy.skip_db_update is not a harbor.yml key of Harbor 2.15.2")


@pytest.mark.parametrize(("path", "value", "needs"), [
    ("ip_family", {"ipv6": {"enabled": True}}, "ip_family needs Harbor 2.11 or later, not 2.10.3"),
    ("trivy__skip_java_db_update", False, "trivy.skip_java_db_update needs Harbor 2.11 or later"),
    ("trivy__db_repository", "mirror/trivy-db", "trivy.db_repository needs Harbor 2.15 or later"),
    ("jobservice__max_job_duration_hours", 24, "jobservice.max_job_duration_hours needs Harbor 2.13 or later"),
    ("external_redis", {"host": "redis:6379", "tlsOptions": {"enable": True}},
     "external_redis.tlsOptions needs Harbor 2.13 or later"),
    ("https__strong_ssl_ciphers", True, "https.strong_ssl_ciphers needs Harbor 2.11 or later"),
])
def test_version_specific_keys_are_refused_on_older_versions(path, value, needs, cert_files):
    config = valid_config(V210, **{path: value})
    if path.startswith("https"):
        config["https"].update(certificate=cert_files[0], private_key=cert_files[1])
    assert needs in one_error(config, V210)
    config["_version"] = "2.15.0"
    assert errors(config, V215) == []


@pytest.mark.parametrize("version", [V210, (2, 12, 4), V215])
def test_cache_db_index_is_refused_for_the_key_prepare_reads(version):
    """The 2.10.0 template's first redis block says cache_db_index; prepare (and the second block, and every later
    template) reads cache_layer_db_index, so the cache layer would silently stay on db 0."""
    config = valid_config(version, redis={"cache_db_index": 7})
    problem = one_error(config, version)
    assert problem.startswith("redis.cache_db_index is refused: Harbor's prepare does not read it")
    assert "use cache_layer_db_index" in problem
    assert errors(valid_config(version, redis={"cache_layer_db_index": 7}), version) == []


def test_internal_tls_strong_ssl_ciphers_is_refused_on_210():
    """Shown under internal_tls by the 2.10.0 template, but 2.10's prepare never reads it (from 2.11 it does)."""
    tls = {"enabled": False, "dir": "/etc/harbor/tls/internal", "strong_ssl_ciphers": True}
    problem = one_error(valid_config(V210, internal_tls=tls), V210)
    assert problem.startswith("internal_tls.strong_ssl_ciphers needs Harbor 2.11 or later, not 2.10.3")
    assert "never reads it" in problem and "no effect" in problem
    for version in ((2, 11, 0), V215):
        assert errors(valid_config(version, internal_tls=tls), version) == []
    assert errors(valid_config(V210, internal_tls={"enabled": False, "dir": "/etc/harbor/tls/internal"}), V210) == []


def test_free_form_blocks_take_any_keys():
    config = valid_config(storage_service={"s3": {"bucket": "b", "regionendpoint": "https://s3.example.com"}},
                          trace={"enabled": True, "attributes": {"application": "harbor", "team": "x"},
                                 "otel": {"endpoint": "otel:4318", "url_path": "/v1/traces"}})
    assert errors(config) == []


# -------------------------------------------------------------------------------------- prepare's checks
@pytest.mark.parametrize(("hostname", "message"), [
    ("", "hostname is empty"),
    ("reg.mydomain.com", "hostname is still Harbor's placeholder reg.mydomain.com"),
    ("127.0.0.1", "hostname 127.0.0.1 is an address other hosts cannot reach"),
    ("127.0.1.1", "hostname 127.0.1.1 is an address other hosts cannot reach"),
    ("0.0.0.0", "hostname 0.0.0.0 is an address other hosts cannot reach"),
    ("::1", "hostname ::1 is an address other hosts cannot reach"),
    ("localhost", "hostname localhost only reaches this host"),
    ("https://harbor.example.com", "must be a bare host name"),
    ("harbor.example.com:8443", "must not carry a port"),
    ("harbor_example.com", "is not a valid DNS name"),
    ("1.2.3", "is neither a valid DNS name nor an IP address"),
])
def test_hostname(hostname, message):
    assert message in one_error(valid_config(hostname=hostname))


@pytest.mark.parametrize("hostname", ["harbor.example.com", "harbor", "10.0.0.5", "2001:db8::5", "registry-1.corp"])
def test_good_hostnames(hostname):
    assert errors(valid_config(hostname=hostname)) == []


@pytest.mark.parametrize(("password", "message"), [
    ("", "harbor_admin_password is not set"),
    ("harbor", "harbor_admin_password does not meet Harbor's password rules"),
    ("harbor12345", "does not meet Harbor's password rules"),
])
def test_admin_password(password, message):
    problem = one_error(valid_config(harbor_admin_password=password))
    assert message in problem


def test_database_password_is_required():
    assert one_error(valid_config(database__password=None)).startswith("database.password is not set")


def test_external_database_needs_its_connection_not_the_internal_password():
    config = valid_config(database__password=None,
                          external_database={"harbor": {"host": "db", "port": 5432, "db_name": "registry",
                                                        "username": "harbor", "password": "x", "ssl_mode": "require"}})
    assert errors(config) == []
    config["external_database"]["harbor"]["password"] = ""
    assert one_error(config) == "external_database.harbor needs password"


def test_https_certificate_and_key_must_exist(cert_files, tmp_path):
    cert, key = cert_files
    assert errors(valid_config(https={"port": 443, "certificate": cert, "private_key": key})) == []
    problems = errors(valid_config(https={"port": 443, "certificate": str(tmp_path / "nope.crt"),
                                          "private_key": str(tmp_path / "nope.key")}))
    assert problems == ["https.certificate %s does not exist on the Harbor host" % (tmp_path / "nope.crt"),
                        "https.private_key %s does not exist on the Harbor host" % (tmp_path / "nope.key")]


def test_https_placeholders_are_not_set(cert_files):
    # prepare compares the key with the certificate's placeholder, so its own check misses this one
    problems = errors(valid_config(https={"port": 443, "certificate": cert_files[0],
                                          "private_key": "/your/private/key/path"}))
    assert problems == ["the protocol is https but https.private_key is not set"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"http__port": 0}, "http.port must be a port number from 1 to 65535, got 0"),
    ({"http__port": 70000}, "http.port must be a port number from 1 to 65535, got 70000"),
    ({"http__port": "80"}, "http.port must be a port number from 1 to 65535, got '80'"),
    ({"http__port": 1514}, "http.port 1514 is the port of Harbor's log collector"),
    ({"metric": {"enabled": True, "port": 80, "path": "/metrics"}}, "http.port and metric.port are both 80"),
])
def test_ports(changes, message):
    assert message in one_error(valid_config(**changes))


def test_https_and_http_ports_clash(cert_files):
    config = valid_config(https={"port": 80, "certificate": cert_files[0], "private_key": cert_files[1]})
    assert one_error(config) == "http.port and https.port are both 80: each needs its own port"


@pytest.mark.parametrize(("metric", "message"), [
    ({"enabled": True, "port": 9090, "path": None}, "metric is enabled but metric.path is not set"),
    ({"enabled": True, "port": None, "path": "/metrics"}, "metric is enabled but metric.port is not set"),
    ({"enabled": True, "port": 9090, "path": "/custom"}, "metric.path must be /metrics when Harbor serves plain HTTP"),
    ({"enabled": True, "port": 9090, "path": "metrics"}, "metric.path must start with /"),
])
def test_metric(metric, message):
    assert message in one_error(valid_config(metric=metric))


def test_metric_disabled_needs_nothing():
    assert errors(valid_config(metric={"enabled": False, "port": None, "path": None})) == []


@pytest.mark.parametrize(("level", "ok"), [("info", True), ("debug", True), ("fatal", True), ("verbose", False),
                                           ("INFO", False)])
def test_log_level(level, ok):
    problems = errors(valid_config(log__level=level))
    assert (problems == []) is ok
    if not ok:
        assert problems == ["log.level must be one of debug, info, warning, error, fatal, got %r" % level]


@pytest.mark.parametrize(("endpoint", "message"), [
    ({"protocol": "tcp", "host": "", "port": 5140}, "log.external_endpoint.host must be set"),
    ({"protocol": "tcp", "host": "syslog", "port": None}, "log.external_endpoint.port must be set"),
    ({"protocol": "http", "host": "syslog", "port": 5140}, "log.external_endpoint.protocol must be tcp or udp"),
])
def test_external_log_endpoint(endpoint, message):
    assert message in one_error(valid_config(log__external_endpoint=endpoint))


@pytest.mark.parametrize(("purging", "message"), [
    ({"enabled": True, "age": "1h", "interval": "24h"}, "upload_purging.age must be a string of whole hours, 2h or more"),
    ({"enabled": True, "age": "7d", "interval": "24h"}, "upload_purging.age"),
    ({"enabled": True, "age": "168h", "interval": 24}, "upload_purging.interval"),
])
def test_upload_purging(purging, message):
    assert message in one_error(valid_config(upload_purging=purging))


def test_upload_purging_disabled_is_not_checked():
    assert errors(valid_config(upload_purging={"enabled": False, "age": "1d", "interval": "x"})) == []


@pytest.mark.parametrize(("trace", "message"), [
    ({"enabled": True}, "trace is enabled but no trace exporter is set"),
    ({"enabled": True, "jaeger": {"endpoint": "http://j:14268"}, "otel": {"endpoint": "o:4318", "url_path": "/v1"}},
     "trace sets both jaeger and otel"),
    ({"enabled": True, "jaeger": {"endpoint": "http://j:14268", "agent_host": "j"}}, "sets both endpoint and agent_host"),
    ({"enabled": True, "jaeger": {"username": "x"}}, "trace.jaeger needs endpoint"),
    ({"enabled": True, "otel": {"endpoint": "o:4318"}}, "trace.otel.url_path is not set"),
    ({"enabled": True, "sample_rate": 2, "otel": {"endpoint": "o:4318", "url_path": "/v1"}},
     "trace.sample_rate must be a number from 0 to 1"),
])
def test_trace(trace, message):
    assert message in one_error(valid_config(trace=trace))


@pytest.mark.parametrize(("storage", "message"), [
    ({"s3": {}}, "storage_service.s3 has no settings"),
    ({"s3": {"bucket": "b"}, "gcs": {"bucket": "b"}}, "storage_service names gcs and s3"),
])
def test_storage(storage, message):
    assert message in one_error(valid_config(storage_service=storage))


def test_storage_ca_bundle_must_be_readable_by_harbor(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("ca", encoding="utf-8")
    bundle.chmod(0o600)
    assert "must be owned by uid 10000 or readable by others" in one_error(
        valid_config(storage_service={"ca_bundle": str(bundle)}))
    bundle.chmod(0o644)
    assert errors(valid_config(storage_service={"ca_bundle": str(bundle)})) == []
    assert "does not exist" in one_error(valid_config(storage_service={"ca_bundle": str(tmp_path / "no.pem")}))


@pytest.mark.parametrize(("changes", "message"), [
    ({"cache": {"enabled": True, "expire_hours": 0}}, "cache.expire_hours must be a positive whole number"),
    ({"core": {"quota_update_provider": "memory"}}, "core.quota_update_provider must be db or redis"),
    ({"jobservice__max_job_workers": 0}, "jobservice.max_job_workers must be a whole number of 1 or more"),
    ({"jobservice__job_loggers": ["STDOUT"]}, "jobservice.job_loggers must be a list of STD_OUTPUT, FILE, DB"),
    ({"notification__webhook_job_max_retry": DELETE}, "notification.webhook_job_max_retry must be a whole number"),
    ({"proxy__components": ["core", "registry"]}, "proxy.components must be a list of core, jobservice, trivy"),
    ({"trivy__security_check": "vuln,license"}, "trivy.security_check must be a comma-separated list"),
    ({"data_volume": "data"}, "data_volume must be an absolute path"),
    ({"log__local__location": "logs"}, "log.local.location must be an absolute path"),
    ({"external_url": "harbor.example.com"}, "external_url must be an http:// or https:// URL"),
    ({"external_redis": {"password": "x"}}, "external_redis.host must be set"),
    ({"internal_tls": {"enabled": True, "dir": "/nonexistent/tls"}}, "internal_tls is enabled but its dir"),
    ({"ip_family": {"ipv4": {"enabled": False}, "ipv6": {"enabled": False}}}, "ip_family disables both IPv4 and IPv6"),
    ({"uaa": {"ca_file": "/nonexistent/uaa.pem"}}, "uaa.ca_file /nonexistent/uaa.pem does not exist"),
])
def test_other_checks(changes, message):
    assert message in one_error(valid_config(**changes))


@pytest.mark.parametrize("size", ["200M", "100k", "100K", "1G", "1048576", 1048576])
def test_rotate_size_in_logrotate_units(size):
    assert errors(valid_config(log__local__rotate_size=size)) == []


@pytest.mark.parametrize("size", ["200m", "1g", "200MB", "200 M", "2.5M", "M", "", True])
def test_rotate_size_logrotate_does_not_know_is_refused(size):
    """logrotate takes bytes or k, K, M, G: the seed guide's 200m (lower-case m) would leave the logs unrotated."""
    problem = one_error(valid_config(log__local__rotate_size=size))
    assert problem.startswith("log.local.rotate_size must be a number of bytes with an optional unit k, K, M or G")
    assert "got %r" % (size,) in problem and "never be rotated" in problem


def test_internal_and_external_redis_together_are_refused():
    config = valid_config(redis={"registry_db_index": 1}, external_redis={"host": "redis:6379", "password": "x"})
    problem = one_error(config)
    assert problem.startswith("redis (harbor_redis, the db indexes of Harbor's own Redis) and external_redis "
                              "(harbor_external_redis, a Redis of your own) are both set")
    assert errors(valid_config(redis={"registry_db_index": 1})) == []
    assert errors(valid_config(external_redis={"host": "redis:6379", "password": "x"})) == []


@pytest.mark.parametrize("version", [(2, 13, 0), V215])
def test_job_duration_below_24_hours_is_refused(version):
    """prepare (2.13 and later) silently raises a shorter max_job_duration_hours to 24."""
    problem = one_error(valid_config(version, jobservice__max_job_duration_hours=12), version)
    assert problem == ("jobservice.max_job_duration_hours is 12, but the prepare of Harbor %s silently raises "
                       "anything below 24 to 24: set 24 or more" % ".".join(map(str, version)))
    assert "must be a whole number of hours" in one_error(
        valid_config(version, jobservice__max_job_duration_hours="48"), version)
    for hours in (24, 72):
        assert errors(valid_config(version, jobservice__max_job_duration_hours=hours), version) == []


@pytest.mark.parametrize("path", ["/data/my harbor", "/srv/harbor data", "/data/harbor\tdata"])
def test_data_volume_with_a_space_is_refused(path):
    problem = one_error(valid_config(data_volume=path))
    assert problem.startswith("data_volume %r contains a space" % path)
    assert "cuts the path at the space" in problem
    assert errors(valid_config(data_volume="/data/my-harbor")) == []


def test_render_only_checks_paths_but_not_host_files(tmp_path):
    """With host_files false (harbor_render_only_dir) the files harbor.yml points at are on another host."""
    missing = {"port": 443, "certificate": str(tmp_path / "no.crt"), "private_key": str(tmp_path / "no.key")}
    config = valid_config(https=missing, uaa={"ca_file": str(tmp_path / "no-ca.pem")},
                          internal_tls={"enabled": True, "dir": str(tmp_path / "no-tls")})
    assert len(errors(config)) == 4
    try:
        check_module.CHECK_HOST_FILES[0] = False
        assert errors(config) == []
        assert one_error(valid_config(https=dict(missing, certificate="relative.crt"))) == (
            "https.certificate must be an absolute path on the Harbor host, got relative.crt")
    finally:
        check_module.CHECK_HOST_FILES[0] = True


def test_several_problems_are_reported_together():
    problems = errors(valid_config(hostname="reg.mydomain.com", log__level="verbose", harbor_admin_password=""))
    assert len(problems) == 3


def test_no_secret_in_any_message(tmp_path):
    secret = "Sup3rSecretValue"
    config = valid_config(harbor_admin_password=secret + "x" * 200, database__password=secret,
                          external_redis={"password": secret})
    config["trace"] = {"enabled": True, "jaeger": {"password": secret}}
    assert all(secret not in problem for problem in errors(config))


def test_ca_bundle_owned_by_harbor(tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("ca", encoding="utf-8")
    bundle.chmod(0o600)
    real_stat = check_module.os.stat

    class OwnedByHarbor:
        def __init__(self, result):
            self.st_mode = result.st_mode
            self.st_uid = 10000

    monkeypatch.setattr(check_module.os, "stat", lambda path: OwnedByHarbor(real_stat(path)))
    assert errors(valid_config(storage_service={"ca_bundle": str(bundle)})) == []
    bundle.chmod(stat.S_IWUSR)
    assert "not readable by it" in one_error(valid_config(storage_service={"ca_bundle": str(bundle)}))
