# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Validate the harbor.yml that harbor_ops.harbor.harbor is about to write, before prepare ever sees it.

Harbor's ``prepare`` first deletes every file under ``common/config`` and only then validates harbor.yml, so a
mistake leaves a running Harbor without its configuration. The role therefore runs this script on the Harbor
host (files such as certificates are checked where prepare will look for them) with a JSON document on stdin::

    {"version": "2.15.2", "config": {... the harbor.yml ...}}

and prints ``{"errors": [...], "warnings": [...]}``. It mirrors prepare's own checks (install-notes 3.2),
refuses keys that the selected Harbor version does not know, and never repeats a secret in a message.

Standard library only; runs on the Python that Ansible uses on the host (3.6 or later).
"""

from __future__ import absolute_import, division, print_function

import ipaddress
import json
import os
import re
import stat
import sys

__metaclass__ = type  # pylint: disable=invalid-name

# --------------------------------------------------------------------------------------------- schema
# The keys of harbor.yml, from make/harbor.yml.tmpl of v2.10.0 and v2.15.2 (commented keys included) and
# the keys prepare reads. A node is either LEAF (a value: scalar, list, or a dict Harbor passes on as it is)
# or a dict of child nodes. Key(...) adds the first Harbor version that has the key and, for keys that were
# dropped, the first one that no longer has it.
LEAF = None


class Key:
    """A schema node that only some Harbor versions know."""

    def __init__(self, node=LEAF, since=None, until=None, why=None):
        self.node = node
        self.since = since
        self.until = until
        # what the key does (or does not do) in the versions that lack it, for the refusal message
        self.why = why

    def known_in(self, version):
        return (self.since is None or version >= self.since) and (self.until is None or version < self.until)

    def describe(self):
        if self.since and self.until:
            return "Harbor %s to %s" % (_text(self.since), _before(self.until))
        if self.since:
            return "Harbor %s or later" % _text(self.since)
        return "Harbor before %s" % _text(self.until)


class Refused:
    """A key that a Harbor template shows but prepare never reads: refused on every version, with why."""

    def __init__(self, why):
        self.why = why


def _text(version):
    return ".".join(str(part) for part in version)


def _before(version):
    return "%d.%d" % (version[0], version[1] - 1) if version[1] > 0 else _text(version)


FREE = LEAF  # a dict Harbor hands to a component unchanged (storage drivers, trace attributes)

SCHEMA = {
    "hostname": LEAF,
    "http": {"port": LEAF},
    "https": {
        "port": LEAF,
        "certificate": LEAF,
        "private_key": LEAF,
        # shown under internal_tls in the 2.10.0 template, read from https (or internal_tls) from 2.11.0
        "strong_ssl_ciphers": Key(since=(2, 11)),
    },
    "ip_family": Key({"ipv6": {"enabled": LEAF}, "ipv4": {"enabled": LEAF}}, since=(2, 11)),
    "internal_tls": {
        "enabled": LEAF,
        "dir": LEAF,
        # shown here by the 2.10.0 template, but prepare reads it only from 2.11.0 (install-notes 6)
        "strong_ssl_ciphers": Key(since=(2, 11), why=(
            "Harbor 2.10's prepare never reads it although its template shows it here, so it would have no "
            "effect: leave it out, or upgrade to 2.11 or later for strong ciphers")),
    },
    "external_url": LEAF,
    "harbor_admin_password": LEAF,
    "database": {
        "password": LEAF,
        "max_idle_conns": LEAF,
        "max_open_conns": LEAF,
        "conn_max_lifetime": LEAF,
        "conn_max_idle_time": LEAF,
    },
    "data_volume": LEAF,
    "storage_service": {
        "ca_bundle": LEAF,
        "filesystem": FREE,
        "azure": FREE,
        "gcs": FREE,
        "s3": FREE,
        "swift": FREE,
        "oss": FREE,
        "redirect": {"disable": LEAF},
    },
    "trivy": {
        "ignore_unfixed": LEAF,
        "skip_update": LEAF,
        "skip_java_db_update": Key(since=(2, 11)),
        "db_repository": Key(since=(2, 15)),
        "java_db_repository": Key(since=(2, 15)),
        "offline_scan": LEAF,
        "security_check": LEAF,
        "insecure": LEAF,
        # commented out in the 2.10.0 template, but prepare reads it there too (default 5m0s)
        "timeout": LEAF,
        "github_token": LEAF,
    },
    "jobservice": {
        "max_job_workers": LEAF,
        "max_job_duration_hours": Key(since=(2, 13)),
        "job_loggers": LEAF,
        "logger_sweeper_duration": LEAF,
    },
    "notification": {"webhook_job_max_retry": LEAF, "webhook_job_http_client_timeout": LEAF},
    "log": {
        "level": LEAF,
        "local": {"rotate_count": LEAF, "rotate_size": LEAF, "location": LEAF},
        "external_endpoint": {"protocol": LEAF, "host": LEAF, "port": LEAF},
    },
    "_version": LEAF,
    "external_database": {
        "harbor": {
            "host": LEAF,
            "port": LEAF,
            "db_name": LEAF,
            "username": LEAF,
            "password": LEAF,
            "ssl_mode": LEAF,
            "max_idle_conns": LEAF,
            "max_open_conns": LEAF,
        },
    },
    "redis": {
        "registry_db_index": LEAF,
        "jobservice_db_index": LEAF,
        "trivy_db_index": LEAF,
        "harbor_db_index": LEAF,
        "cache_layer_db_index": LEAF,
        # only in the first of the two redis blocks of the 2.10.0 template (the second one, and every later
        # template, say cache_layer_db_index, the key prepare reads): the cache layer would stay on db 0
        "cache_db_index": Refused(
            "Harbor's prepare does not read it (the 2.10.0 template's first redis block misnames the key): the "
            "cache layer would stay on db 0; use cache_layer_db_index"),
    },
    "external_redis": {
        "host": LEAF,
        "password": LEAF,
        "username": LEAF,
        "sentinel_master_set": LEAF,
        "tlsOptions": Key({"enable": LEAF, "rootCA": LEAF}, since=(2, 13)),
        "registry_db_index": LEAF,
        "jobservice_db_index": LEAF,
        "trivy_db_index": LEAF,
        "idle_timeout_seconds": LEAF,
        "harbor_db_index": LEAF,
        "cache_layer_db_index": LEAF,
    },
    "uaa": {"ca_file": LEAF},
    "proxy": {"http_proxy": LEAF, "https_proxy": LEAF, "no_proxy": LEAF, "components": LEAF},
    "metric": {"enabled": LEAF, "port": LEAF, "path": LEAF},
    "trace": {
        "enabled": LEAF,
        "sample_rate": LEAF,
        "namespace": LEAF,
        "attributes": FREE,
        "jaeger": {"endpoint": LEAF, "username": LEAF, "password": LEAF, "agent_host": LEAF, "agent_port": LEAF},
        "otel": {"endpoint": LEAF, "url_path": LEAF, "compression": LEAF, "insecure": LEAF, "timeout": LEAF},
    },
    "upload_purging": {"enabled": LEAF, "age": LEAF, "interval": LEAF, "dryrun": LEAF},
    "cache": {"enabled": LEAF, "expire_hours": LEAF},
    "core": {"quota_update_provider": LEAF},
}

# Harbor's own placeholders in harbor.yml.tmpl
PLACEHOLDER_HOSTNAME = "reg.mydomain.com"
PLACEHOLDER_PATHS = ("/your/certificate/path", "/your/private/key/path")
LOG_LEVELS = ("debug", "info", "warning", "error", "fatal")
STORAGE_DRIVERS = ("filesystem", "azure", "gcs", "s3", "swift", "oss")
JOB_LOGGERS = ("STD_OUTPUT", "FILE", "DB")
PROXY_COMPONENTS = ("core", "jobservice", "trivy")
SECURITY_CHECKS = ("vuln", "config", "secret")
# harbor-log publishes its syslog port on the host (127.0.0.1:1514)
SYSLOG_PORT = 1514
# uid of Harbor's processes (prepare: DEFAULT_UID)
HARBOR_UID = 10000
HOSTNAME_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
HOURS = re.compile(r"^([0-9]+)h$")
# logrotate's size: bytes, or k/K (kilobytes), M (megabytes), G (gigabytes); it rejects any other unit
ROTATE_SIZE = re.compile(r"^[0-9]+[kKMG]?$")
# prepare raises a shorter jobservice.max_job_duration_hours to this without a word (2.13 and later)
MIN_JOB_DURATION_HOURS = 24


def parse_version(text):
    match = re.match(r"^v?(\d+)\.(\d+)\.(\d+)$", str(text or ""))
    if not match:
        raise ValueError("harbor version %r is not MAJOR.MINOR.PATCH" % (text,))
    return tuple(int(part) for part in match.groups())


# ------------------------------------------------------------------------------------------ key check
def key_problems(config, version):
    """Keys of ``config`` that Harbor ``version`` does not know, as messages (dotted paths)."""
    problems = []

    def walk(node, schema, prefix):
        for key in node:
            path = prefix + str(key)
            if not isinstance(schema, dict) or key not in schema:
                problems.append("%s is not a harbor.yml key of Harbor %s" % (path, _text(version)))
                continue
            child = schema[key]
            if isinstance(child, Refused):
                problems.append("%s is refused: %s" % (path, child.why))
                continue
            if isinstance(child, Key):
                if not child.known_in(version):
                    why = (": " + child.why) if child.why else ""
                    problems.append("%s needs %s, not %s%s" % (path, child.describe(), _text(version), why))
                    continue
                child = child.node
            if isinstance(child, dict) and isinstance(node[key], dict):
                walk(node[key], child, path + ".")

    if isinstance(config, dict):
        walk(config, SCHEMA, "")
    return problems


def schema_paths(version=None, schema=None, prefix=""):
    """Every dotted key path of the schema (of one version when ``version`` is given)."""
    schema = SCHEMA if schema is None else schema
    paths = []
    for key, child in schema.items():
        if isinstance(child, Refused):
            continue
        if isinstance(child, Key):
            if version is not None and not child.known_in(version):
                continue
            child = child.node
        paths.append(prefix + key)
        if isinstance(child, dict):
            paths.extend(schema_paths(version, child, prefix + key + "."))
    return paths


# ----------------------------------------------------------------------------------------- helpers
def _get(config, path, default=None):
    node = config
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _port_problem(name, value):
    if not _is_int(value) or not 1 <= value <= 65535:
        return "%s must be a port number from 1 to 65535, got %r" % (name, value)
    return None


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


# False when harbor.yml is only rendered somewhere else (harbor_render_only_dir): the files it points at are
# on the Harbor host, not where the check runs, so only their paths are checked
CHECK_HOST_FILES = [True]


def _file_problem(name, path, readable_by_harbor=False):
    """A host file that prepare or a Harbor container reads must exist (and be readable)."""
    if _blank(path):
        return "%s is empty" % name
    if not os.path.isabs(path):
        return "%s must be an absolute path on the Harbor host, got %s" % (name, path)
    if not CHECK_HOST_FILES[0]:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return "%s %s does not exist on the Harbor host" % (name, path)
    if not stat.S_ISREG(info.st_mode):
        return "%s %s is not a file" % (name, path)
    if readable_by_harbor:
        # prepare: "Cert File ... should be owned by user with uid 10000 or readable by others"
        if info.st_uid == HARBOR_UID and not info.st_mode & stat.S_IRUSR:
            return "%s %s is owned by uid %d but not readable by it" % (name, path, HARBOR_UID)
        if info.st_uid != HARBOR_UID and not info.st_mode & stat.S_IROTH:
            return ("%s %s must be owned by uid %d or readable by others (Harbor's registry reads it)"
                    % (name, path, HARBOR_UID))
    return None


def hostname_problem(hostname):
    if _blank(hostname):
        return "hostname is empty: set harbor_hostname to the name clients use to reach Harbor"
    hostname = str(hostname)
    if hostname == PLACEHOLDER_HOSTNAME:
        return ("hostname is still Harbor's placeholder %s: set harbor_hostname to the name clients use to "
                "reach Harbor" % PLACEHOLDER_HOSTNAME)
    if "://" in hostname or "/" in hostname or any(c.isspace() for c in hostname):
        return "hostname %r must be a bare host name, without scheme, port or path" % hostname
    if hostname.lower() == "localhost" or hostname.lower().endswith(".localhost"):
        return ("hostname %s only reaches this host: Harbor puts the hostname into the URLs it hands to docker "
                "clients (token realm, push/pull), so it must be a name other hosts resolve" % hostname)
    try:
        address = ipaddress.ip_address(hostname.strip("[]"))
    except ValueError:
        address = None
    if address is not None:
        if address.is_loopback or address.is_unspecified or address.is_link_local or address.is_multicast:
            return ("hostname %s is an address other hosts cannot reach Harbor at (Harbor puts it into the URLs "
                    "it hands to docker clients): use the host's DNS name" % hostname)
        return None
    if ":" in hostname:
        return "hostname %r must not carry a port: set harbor_http or harbor_https port instead" % hostname
    labels = hostname.rstrip(".").split(".")
    if len(hostname) > 253 or not all(HOSTNAME_LABEL.match(label) for label in labels):
        return "hostname %r is not a valid DNS name" % hostname
    if all(label.isdigit() for label in labels):
        return "hostname %r is neither a valid DNS name nor an IP address" % hostname
    return None


def password_problem(name, value):
    """Harbor's rule for user passwords (the admin password is changed through the API with this rule)."""
    text = value if isinstance(value, str) else ""
    if not text:
        return "%s is not set" % name
    classes = all(re.search(pattern, text) for pattern in (r"[A-Z]", r"[a-z]", r"[0-9]"))
    if not 8 <= len(text) <= 128 or not classes:
        return ("%s does not meet Harbor's password rules: 8 to 128 characters with at least one upper-case "
                "letter, one lower-case letter and one digit" % name)
    return None


def _hours(name, value):
    match = HOURS.match(value) if isinstance(value, str) else None
    if not match or int(match.group(1)) < 2:
        return "%s must be a string of whole hours, 2h or more (e.g. 168h), got %r" % (name, value)
    return None


# ------------------------------------------------------------------------------------------ checks
def check(config, version):
    """Return (errors, warnings) for the harbor.yml ``config`` of Harbor ``version`` (a tuple)."""
    errors = key_problems(config, version)
    warnings = []

    def add(problem):
        if problem:
            errors.append(problem)

    add(hostname_problem(config.get("hostname")))
    add(password_problem("harbor_admin_password", config.get("harbor_admin_password")))
    data_volume = config.get("data_volume")
    if _blank(data_volume) or not os.path.isabs(str(data_volume)):
        add("data_volume must be an absolute path, got %r" % (data_volume,))
    elif any(char.isspace() for char in str(data_volume)):
        # the prepare wrapper (a shell script, install-notes 3.1) greps data_volume out of harbor.yml and
        # word-splits it into docker run -v <data_volume>:/data
        add("data_volume %r contains a space: Harbor's prepare script reads it with grep and passes it on "
            "unquoted, which cuts the path at the space; choose a path without spaces" % (data_volume,))

    external_db = _get(config, "external_database.harbor")
    if config.get("external_database") is not None:
        if not isinstance(external_db, dict):
            add("external_database needs a harbor block (host, port, db_name, username, password, ssl_mode)")
        else:
            missing = [key for key in ("host", "port", "db_name", "username", "password", "ssl_mode")
                       if _blank(external_db.get(key))]
            if missing:
                add("external_database.harbor needs %s" % ", ".join(missing))
    elif _blank(_get(config, "database.password")):
        add("database.password is not set: set harbor_database.password (the password of Harbor's PostgreSQL)")

    # ports: valid and not shared (nginx binds http, https and the metric port; harbor-log binds 1514)
    ports = {"http.port": _get(config, "http.port", 80)}
    https = config.get("https")
    if https is not None:
        if not isinstance(https, dict):
            add("https must be a mapping (port, certificate, private_key)")
            https = {}
        ports["https.port"] = https.get("port", 443)
        for key, name in (("certificate", "https.certificate"), ("private_key", "https.private_key")):
            path = https.get(key)
            if _blank(path) or path in PLACEHOLDER_PATHS:
                add("the protocol is https but %s is not set" % name)
            else:
                add(_file_problem(name, path))
    else:
        warnings.append("Harbor is served over plain HTTP: docker clients need it as an insecure registry")
    metric = config.get("metric")
    if isinstance(metric, dict) and metric.get("enabled"):
        missing = [key for key in ("port", "path") if _blank(metric.get(key))]
        if missing:
            add("metric is enabled but metric.%s is not set" % " and metric.".join(missing))
        else:
            ports["metric.port"] = metric["port"]
            path = metric["path"]
            if not str(path).startswith("/"):
                add("metric.path must start with /, got %r" % (path,))
            elif https is None and path != "/metrics":
                add("metric.path must be /metrics when Harbor serves plain HTTP (Harbor's http nginx template "
                    "routes only /metrics), got %s" % path)
    seen = {}
    for name, value in ports.items():
        problem = _port_problem(name, value)
        if problem:
            add(problem)
            continue
        if value == SYSLOG_PORT:
            add("%s %d is the port of Harbor's log collector (harbor-log listens on 127.0.0.1:%d)"
                % (name, value, SYSLOG_PORT))
        if value in seen:
            add("%s and %s are both %d: each needs its own port" % (seen[value], name, value))
        seen.setdefault(value, name)

    internal_tls = config.get("internal_tls")
    if isinstance(internal_tls, dict) and internal_tls.get("enabled"):
        tls_dir = internal_tls.get("dir")
        if _blank(tls_dir) or (CHECK_HOST_FILES[0] and not os.path.isdir(str(tls_dir))):
            add("internal_tls is enabled but its dir %s does not exist on the Harbor host" % (tls_dir,))
    ip_family = config.get("ip_family")
    if isinstance(ip_family, dict) and ip_family:
        if not (_get(ip_family, "ipv4.enabled", True) or _get(ip_family, "ipv6.enabled", False)):
            add("ip_family disables both IPv4 and IPv6")
    external_url = config.get("external_url")
    if not _blank(external_url) and not re.match(r"^https?://[^/\s]+", str(external_url)):
        add("external_url must be an http:// or https:// URL, got %r" % (external_url,))

    _check_log(config, add)
    _check_storage(config, add)
    _check_jobs(config, add, version)
    _check_trace(config, add)
    _check_misc(config, add)
    return errors, warnings


def _check_log(config, add):
    log = config.get("log") or {}
    level = log.get("level")
    if level not in LOG_LEVELS:
        add("log.level must be one of %s, got %r" % (", ".join(LOG_LEVELS), level))
    location = _get(log, "local.location")
    if location is not None and not os.path.isabs(str(location)):
        add("log.local.location must be an absolute path, got %r" % (location,))
    count = _get(log, "local.rotate_count")
    if count is not None and (not _is_int(count) or count < 0):
        add("log.local.rotate_count must be a whole number of 0 or more, got %r" % (count,))
    size = _get(log, "local.rotate_size")
    if size is not None and (isinstance(size, bool) or not ROTATE_SIZE.match(str(size))):
        add("log.local.rotate_size must be a number of bytes with an optional unit k, K, M or G (logrotate's "
            "units, e.g. 200M, 100k, 1G), got %r: logrotate rejects any other unit (such as a lower-case m) "
            "and Harbor's logs would never be rotated" % (size,))
    endpoint = log.get("external_endpoint")
    if endpoint is not None:
        endpoint = endpoint if isinstance(endpoint, dict) else {}
        if _blank(endpoint.get("host")):
            add("log.external_endpoint.host must be set to enable the external log endpoint")
        if _blank(endpoint.get("port")):
            add("log.external_endpoint.port must be set to enable the external log endpoint")
        else:
            add(_port_problem("log.external_endpoint.port", endpoint.get("port")))
        if endpoint.get("protocol") not in ("tcp", "udp"):
            add("log.external_endpoint.protocol must be tcp or udp, got %r" % (endpoint.get("protocol"),))


def _check_storage(config, add):
    storage = config.get("storage_service")
    if storage is None:
        return
    if not isinstance(storage, dict):
        add("storage_service must be a mapping")
        return
    drivers = [key for key in STORAGE_DRIVERS if storage.get(key) is not None]
    if len(drivers) > 1:
        add("storage_service names %s: Harbor uses one storage driver" % " and ".join(drivers))
    for driver in drivers:
        if driver != "filesystem" and not storage.get(driver):
            add("storage_service.%s has no settings: the %s driver needs its configuration" % (driver, driver))
    if not _blank(storage.get("ca_bundle")):
        add(_file_problem("storage_service.ca_bundle", storage["ca_bundle"], readable_by_harbor=True))
    redirect = storage.get("redirect")
    if redirect is not None and not isinstance(redirect, dict):
        add("storage_service.redirect must be a mapping with disable: true or false")


def _check_jobs(config, add, version):
    jobs = config.get("jobservice") or {}
    workers = jobs.get("max_job_workers")
    if not _is_int(workers) or workers < 1:
        add("jobservice.max_job_workers must be a whole number of 1 or more, got %r" % (workers,))
    loggers = jobs.get("job_loggers")
    if not isinstance(loggers, list) or not loggers or any(item not in JOB_LOGGERS for item in loggers):
        add("jobservice.job_loggers must be a list of %s, got %r" % (", ".join(JOB_LOGGERS), loggers))
    sweeper = jobs.get("logger_sweeper_duration")
    if not _is_int(sweeper) or sweeper < 0:
        add("jobservice.logger_sweeper_duration must be a whole number of days, got %r" % (sweeper,))
    hours = jobs.get("max_job_duration_hours")
    if hours is not None and not _is_int(hours):
        add("jobservice.max_job_duration_hours must be a whole number of hours, got %r" % (hours,))
    elif hours is not None and hours < MIN_JOB_DURATION_HOURS:
        add("jobservice.max_job_duration_hours is %d, but the prepare of Harbor %s silently raises anything "
            "below %d to %d: set %d or more"
            % (hours, _text(version), MIN_JOB_DURATION_HOURS, MIN_JOB_DURATION_HOURS, MIN_JOB_DURATION_HOURS))
    notification = config.get("notification") or {}
    for key in ("webhook_job_max_retry", "webhook_job_http_client_timeout"):
        value = notification.get(key)
        if not _is_int(value) or value < 0:
            add("notification.%s must be a whole number, got %r" % (key, value))
    purge = config.get("upload_purging")
    if isinstance(purge, dict) and purge.get("enabled"):
        add(_hours("upload_purging.age", purge.get("age")))
        add(_hours("upload_purging.interval", purge.get("interval")))


def _check_trace(config, add):
    trace = config.get("trace")
    if not isinstance(trace, dict) or not trace.get("enabled"):
        return
    rate = trace.get("sample_rate", 1)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        add("trace.sample_rate must be a number from 0 to 1, got %r" % (rate,))
    exporters = [name for name in ("jaeger", "otel") if trace.get(name)]
    if not exporters:
        add("trace is enabled but no trace exporter is set: configure trace.jaeger or trace.otel")
    elif len(exporters) > 1:
        add("trace sets both jaeger and otel: Harbor exports to one trace exporter at a time")
    elif exporters[0] == "jaeger":
        jaeger = trace["jaeger"]
        has_endpoint, has_agent = not _blank(jaeger.get("endpoint")), not _blank(jaeger.get("agent_host"))
        if not has_endpoint and not has_agent:
            add("trace.jaeger needs endpoint (collector mode) or agent_host (agent mode)")
        elif has_endpoint and has_agent:
            add("trace.jaeger sets both endpoint and agent_host: choose collector or agent mode")
    else:
        otel = trace["otel"]
        if _blank(otel.get("endpoint")):
            add("trace.otel.endpoint is not set")
        if _blank(otel.get("url_path")):
            add("trace.otel.url_path is not set")


def _check_misc(config, add):
    cache = config.get("cache")
    if isinstance(cache, dict) and cache.get("enabled"):
        hours = cache.get("expire_hours")
        if not _is_int(hours) or hours <= 0:
            add("cache.expire_hours must be a positive whole number, got %r" % (hours,))
    provider = _get(config, "core.quota_update_provider")
    if config.get("core") is not None and provider not in ("db", "redis"):
        add("core.quota_update_provider must be db or redis, got %r" % (provider,))
    components = _get(config, "proxy.components")
    if components is not None and (not isinstance(components, list)
                                   or any(item not in PROXY_COMPONENTS for item in components)):
        add("proxy.components must be a list of %s, got %r" % (", ".join(PROXY_COMPONENTS), components))
    checks = _get(config, "trivy.security_check")
    if checks is not None and any(item.strip() not in SECURITY_CHECKS for item in str(checks).split(",")):
        add("trivy.security_check must be a comma-separated list of %s, got %r" % (", ".join(SECURITY_CHECKS), checks))
    if config.get("redis") is not None and config.get("external_redis") is not None:
        add("redis (harbor_redis, the db indexes of Harbor's own Redis) and external_redis (harbor_external_redis, "
            "a Redis of your own) are both set: Harbor would be left without a working Redis; set one of them")
    redis = config.get("external_redis")
    if redis is not None:
        if not isinstance(redis, dict) or _blank(redis.get("host")):
            add("external_redis.host must be set (host:port, or the sentinels for redis+sentinel)")
        else:
            root_ca = _get(redis, "tlsOptions.rootCA")
            if not _blank(root_ca):
                add(_file_problem("external_redis.tlsOptions.rootCA", root_ca))
    ca_file = _get(config, "uaa.ca_file")
    if config.get("uaa") is not None and not _blank(ca_file):
        add(_file_problem("uaa.ca_file", ca_file))


def main():
    request = json.load(sys.stdin)
    try:
        version = parse_version(request.get("version"))
    except ValueError as exc:
        errors, warnings = [str(exc)], []
    else:
        config = request.get("config")
        CHECK_HOST_FILES[0] = request.get("host_files", True) is not False
        if not isinstance(config, dict):
            errors, warnings = ["the rendered harbor.yml is not a mapping"], []
        else:
            errors, warnings = check(config, version)
    json.dump({"errors": errors, "warnings": warnings}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
