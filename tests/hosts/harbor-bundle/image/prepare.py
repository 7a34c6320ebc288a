"""The prepare tool of the stand-in Harbor (run by ./prepare in the goharbor/prepare image).

Same interface and the same order of work as Harbor's prepare (install-notes 3.2): it first deletes every file
under common/config, then reads /input/harbor.yml (a missing required key is an unhandled error, exit 1),
validates it with prepare's own checks and messages (failure: "Error happened in config validation...",
exit 255), then writes common/config/* (with new random secrets on every run), copies the https certificate to
<data>/secret/cert, creates <data>/secret/keys/secretkey once, and writes docker-compose.yml for the stand-in's
containers (harbor-db, registry, harbor-core, trivy-adapter with --with-trivy, harbor-exporter with metrics).

The registry: ``common/config/registry/config.yml`` as Harbor's prepare writes it (utils/registry.py): the
storage driver of harbor.yml's ``storage_service`` (the first of filesystem, azure, gcs, s3, swift, oss in
it, its keys copied as they are; filesystem's ``rootdirectory`` defaults to ``/storage`` =
``<data_volume>/registry``), ``delete``, ``redirect.disable`` from ``storage_service.redirect``, upload purging
from ``upload_purging``. Unlike Harbor's: no redis layer-info cache, no htpasswd auth, ``relativeurls: true``
(core's front forwards to it), and ``http.addr`` is ``127.0.0.1:<registry_port(harbor port)>`` (test hosts share
the CI machine's network).

Metrics (harbor.yml ``metric.enabled``, install-notes 5): the registry config gets Harbor's debug listener with
Prometheus on ``metric.path`` (``http.debug``), at ``127.0.0.1:<registry_debug_port(metric.port)>`` instead of
``:<metric.port>``; core's env gets Harbor's ``METRIC_*`` keys, nginx's location (``metric_location``: ``/metrics``
with http, ``metric.path`` with https, as Harbor's two nginx templates have it) and the ports of the debug listener
and of the exporter (``exporter_port(metric.port)``); the harbor-exporter container runs exporter.py with the
database's state directory mounted read-only. Without metrics nothing of this is written.
"""

import argparse
import os
import secrets
import shutil
import string
import sys

import yaml

CONFIG = "/config"
DATA = "/data"
HOSTFS = "/hostfs"
COMPOSE = "/compose_location/docker-compose.yml"
HARBOR_UID = 10000
DEFAULT_CERT = "/your/certificate/path"
LOG_LEVELS = ("debug", "info", "warning", "error", "fatal")
DRIVERS = ("filesystem", "azure", "gcs", "s3", "swift", "oss")


def registry_port(port):
    """The registry's port, derived from the port core serves (https.port with https, else http.port) as the
    test hosts derive every port from their own ssh port: 10000 below it when that leaves a non-privileged port,
    else 10000 above it (443 -> 10443)."""
    port = int(port)
    return port - 10000 if port > 11024 else port + 10000


def registry_debug_port(metric_port):
    """The port of distribution's debug (metrics) listener, derived from ``metric.port`` by the rule of
    ``registry_port`` (Harbor's registry listens on ``:<metric.port>`` in its own container): 24300 -> 14300."""
    return registry_port(metric_port)


def exporter_port(metric_port):
    """The harbor-exporter's port (8080 in Harbor's container), 1000 above the registry's debug port: 24300 ->
    15300, 9090 -> 20090."""
    return registry_debug_port(metric_port) + 1000


def metrics_enabled(conf):
    """Whether harbor.yml enables metrics."""
    return bool(conf.get("metric", {}).get("enabled"))


def metric_location(conf):
    """The path nginx routes on the metric port: ``location = /metrics`` in nginx.http.conf.jinja,
    ``location = <metric.path>`` in nginx.https.conf.jinja (install-notes 5, the quirk)."""
    return conf["metric"]["path"] if conf["protocol"] == "https" else "/metrics"


def random_string(length):
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _index in range(length))


def pg_versions(version):
    """harbor-db's entrypoint arguments (old, new PostgreSQL major) per release (install-notes 7)."""
    major, minor, patch = (int(part) for part in version.split("."))
    if (major, minor) <= (2, 10):
        return "13", "14"
    if (major, minor, patch) < (2, 15, 2):
        return "14", "15"
    return "15", "18"


def clear_config():
    for root, _dirs, files in os.walk(CONFIG):
        for name in files:
            path = os.path.join(root, name)
            print("Clearing the configuration file: %s" % path)
            os.remove(path)


def parse(conf):
    """Like prepare's parse_yaml_config: required keys are read with [] (KeyError when missing)."""
    parsed = {
        "hostname": conf["hostname"],
        "http_port": (conf.get("http") or {}).get("port", 80),
        "protocol": "http",
        "data_volume": conf["data_volume"],
        "admin_password": conf["harbor_admin_password"],
        "db_password": (conf.get("database") or {}).get("password") or "",
        "max_job_workers": conf["jobservice"]["max_job_workers"],
        "job_loggers": conf["jobservice"]["job_loggers"],
        "logger_sweeper_duration": conf["jobservice"]["logger_sweeper_duration"],
        "webhook_job_max_retry": conf["notification"]["webhook_job_max_retry"],
        "webhook_job_http_client_timeout": conf["notification"]["webhook_job_http_client_timeout"],
    }
    https = conf.get("https")
    if https:
        parsed.update(protocol="https", https_port=https.get("port", 443), cert_path=https["certificate"],
                      cert_key_path=https["private_key"])
    level = conf["log"]["level"]
    if level not in LOG_LEVELS:
        raise Exception("log level must be one of debug, info, warning, error, fatal")  # pylint: disable=broad-exception-raised
    parsed["log_level"] = level
    endpoint = conf["log"].get("external_endpoint")
    if endpoint:
        parsed.update(log_ep_protocol=endpoint["protocol"], log_ep_host=endpoint["host"], log_ep_port=endpoint["port"])
    # configs.py: the first key of storage_service that names a driver, in harbor.yml's order
    storage = conf.get("storage_service") or {}
    parsed["storage_provider_name"], parsed["storage_provider_config"] = "filesystem", {}
    for key in storage:
        if key in DRIVERS:
            parsed["storage_provider_name"], parsed["storage_provider_config"] = key, storage[key]
            break
    parsed["storage_redirect_disabled"] = bool((storage.get("redirect") or {}).get("disable", False))
    parsed["registry_custom_ca_bundle_path"] = storage.get("ca_bundle") or ""
    parsed["external_url"] = conf.get("external_url") or ""
    metric = conf.get("metric")
    if metric:
        parsed["metric"] = {"enabled": metric["enabled"], "port": metric["port"], "path": metric["path"]}
    external_db = conf.get("external_database")
    if external_db:
        parsed["external_database"] = {key: external_db["harbor"][key]
                                       for key in ("host", "port", "db_name", "username", "password", "ssl_mode")}
    parsed["trace"] = conf.get("trace") or {}
    parsed["upload_purging"] = conf.get("upload_purging") or {}
    parsed["cache"] = conf.get("cache") or {}
    parsed["core"] = conf.get("core") or {}
    parsed["version"] = os.environ.get("STANDIN_HARBOR_VERSION", "")
    return parsed


def validate(conf):
    """Prepare's checks with its messages (utils/configs.py validate and the models' validate methods)."""
    if conf["hostname"] == "127.0.0.1":
        raise ValueError("127.0.0.1 can not be the hostname")
    if conf["hostname"] == "reg.mydomain.com":
        raise ValueError("Please specify hostname")
    if conf["protocol"] == "https":
        if not conf.get("cert_path") or conf["cert_path"] == DEFAULT_CERT:
            raise ValueError("Error: The protocol is https but attribute ssl_cert is not set")
        if not conf.get("cert_key_path") or conf["cert_key_path"] == DEFAULT_CERT:
            raise ValueError("Error: The protocol is https but attribute ssl_cert_key is not set")
    else:
        print("WARNING: HTTP protocol is insecure. Harbor will deprecate http protocol in the future.")
    if "log_ep_host" in conf and not conf["log_ep_host"]:
        raise ValueError("Error: must set log endpoint host to enable external host")
    if "log_ep_port" in conf and not conf["log_ep_port"]:
        raise ValueError("Error: must set log endpoint port to enable external host")
    if "log_ep_protocol" in conf and conf["log_ep_protocol"] not in ("udp", "tcp"):
        raise ValueError("Protocol in external log endpoint must be one of 'udp' or 'tcp' ")
    name, provider = conf["storage_provider_name"], conf["storage_provider_config"]
    if name != "filesystem" and provider in ("", None):
        raise ValueError("Error: no provider configurations are provided for provider %s" % name)
    if provider is not None and not isinstance(provider, dict):
        raise ValueError("Error: no provider configurations are provided for provider %s" % name)
    trace = conf["trace"]
    if trace.get("enabled"):
        exporters = [name for name in ("jaeger", "otel") if trace.get(name)]
        if not exporters:
            raise ValueError("Trace enabled but no trace exporter set")
        if len(exporters) > 1:
            raise ValueError("Only can have one trace exporter at a time")
    purge = conf["upload_purging"]
    if purge.get("enabled"):
        for key in ("age", "interval"):
            value = str(purge.get(key, ""))
            if not value.endswith("h") or not value[:-1].isdigit() or int(value[:-1]) < 2:
                raise ValueError("purge upload %s should set with with nh, and n should be greater than 1" % key)
    cache = conf["cache"]
    if cache.get("enabled") and not (isinstance(cache.get("expire_hours"), int) and cache["expire_hours"] > 0):
        raise ValueError("cache expire hours should be positive number")
    provider = conf["core"].get("quota_update_provider")
    if provider is not None and provider not in ("db", "redis"):
        raise ValueError("invalid quota update provider: %s" % provider)


def write(path, content, mode=0o600, uid=HARBOR_UID):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(content)
    os.chmod(path, mode)
    os.chown(path, uid, uid)


def public_url(conf):
    """Harbor's EXT_ENDPOINT: external_url, else <protocol>://<hostname>[:<port>] (no port when it is 80/443)."""
    if conf["external_url"]:
        return conf["external_url"].rstrip("/")
    if conf["protocol"] == "https":
        port, default = int(conf["https_port"]), 443
    else:
        port, default = int(conf["http_port"]), 80
    if port == default:
        return "%s://%s" % (conf["protocol"], conf["hostname"])
    return "%s://%s:%d" % (conf["protocol"], conf["hostname"], port)


def core_port(conf):
    return conf["https_port"] if conf["protocol"] == "https" else conf["http_port"]


def registry_config(conf):
    """common/config/registry/config.yml (Harbor's registry/config.yml.jinja, see the module docstring)."""
    provider = dict(conf["storage_provider_config"] or {})
    if conf["storage_provider_name"] == "filesystem" and "rootdirectory" not in provider:
        provider["rootdirectory"] = "/storage"
    if conf["storage_provider_name"] == "gcs" and provider.get("keyfile"):
        provider["keyfile"] = "/etc/registry/gcs.key"
    purge = conf["upload_purging"]
    if purge.get("enabled"):
        purging = {"enabled": True, "age": purge.get("age"), "interval": purge.get("interval"),
                   "dryrun": bool(purge.get("dryrun", False))}
    else:
        purging = {"enabled": False}
    config = {
        "version": 0.1,
        "log": {"level": conf["log_level"], "fields": {"service": "registry"}},
        "storage": {
            conf["storage_provider_name"]: provider,
            "maintenance": {"uploadpurging": purging},
            "delete": {"enabled": True},
            "redirect": {"disable": conf["storage_redirect_disabled"]},
        },
        "http": {"addr": "127.0.0.1:%d" % registry_port(core_port(conf)), "secret": random_string(32),
                 "relativeurls": True},
        "validation": {"disabled": True},
        "compatibility": {"schema1": {"enabled": True}},
    }
    if metrics_enabled(conf):
        config["http"]["debug"] = {"addr": "127.0.0.1:%d" % registry_debug_port(conf["metric"]["port"]),
                                   "prometheus": {"enabled": True, "path": conf["metric"]["path"]}}
    return "# written by the stand-in prepare (tests/hosts/harbor-bundle)\n" + yaml.safe_dump(config, sort_keys=False)


def env_file(values):
    return "".join("%s=%s\n" % item for item in values.items())


def compose_file(conf, with_trivy):
    tag = "v" + conf["version"]
    data = conf["data_volume"]
    external_db = "external_database" in conf
    old, new = pg_versions(conf["version"])
    services = {}
    if not external_db:
        services["postgresql"] = {
            "image": "goharbor/harbor-db:%s" % tag, "container_name": "harbor-db", "restart": "always",
            "network_mode": "none", "env_file": ["./common/config/db/env"],
            "volumes": ["%s/database:/var/lib/postgresql/data:z" % data],
            "command": ["python3", "/opt/standin/standin/db.py", old, new],
        }
    # the real distribution (Debian's docker-registry), as Harbor's registry container runs it: user 10000,
    # its config and the data volume's registry directory as /storage
    registry_volumes = ["%s/registry:/storage:z" % data, "./common/config/registry/:/etc/registry/:z"]
    registry = {
        "image": "goharbor/registry-photon:%s" % tag, "container_name": "registry", "restart": "always",
        "user": "%d:%d" % (HARBOR_UID, HARBOR_UID), "network_mode": "host", "volumes": registry_volumes,
        "command": ["docker-registry", "serve", "/etc/registry/config.yml"],
    }
    if conf["registry_custom_ca_bundle_path"]:
        # storage_service.ca_bundle: the CA of a storage endpoint with its own certificate (Go reads SSL_CERT_FILE)
        registry_volumes.append("%s:/harbor_cust_cert/custom-ca-bundle.crt:ro,z"
                                % conf["registry_custom_ca_bundle_path"])
        registry["environment"] = {"SSL_CERT_FILE": "/harbor_cust_cert/custom-ca-bundle.crt"}
    services["registry"] = registry
    # core also mounts the registry's config and storage: the fake runs distribution's garbage collector
    core = {
        "image": "goharbor/harbor-core:%s" % tag, "container_name": "harbor-core", "restart": "always",
        "network_mode": "host", "env_file": ["./common/config/core/env"],
        "volumes": ["%s:/data:z" % data, "%s/registry:/storage:z" % data,
                    "./common/config/registry/:/etc/registry/:ro,z"],
        "command": ["python3", "/opt/standin/standin/core.py"],
        "depends_on": ["registry"],
    }
    if not external_db:
        core["volumes"].append("%s/database:/standin-db:z" % data)
        core["depends_on"].insert(0, "postgresql")
    services["core"] = core
    if with_trivy:
        services["trivy-adapter"] = {
            "image": "goharbor/trivy-adapter-photon:%s" % tag, "container_name": "trivy-adapter",
            "restart": "always", "network_mode": "none", "env_file": ["./common/config/trivy-adapter/env"],
            "volumes": ["%s/trivy-adapter/trivy:/home/scanner/.cache/trivy:z" % data],
            "command": ["python3", "/opt/standin/standin/idle.py", "trivy-adapter"],
        }
    if metrics_enabled(conf):
        # the exporter reads Harbor's database: here core's pickled state in the database's directory
        database = "%s:/data:ro,z" % data if external_db else "%s/database:/standin-db:ro,z" % data
        services["exporter"] = {
            "image": "goharbor/harbor-exporter:%s" % tag, "container_name": "harbor-exporter",
            "restart": "always", "network_mode": "host", "env_file": ["./common/config/exporter/env"],
            "volumes": [database], "command": ["python3", "/opt/standin/standin/exporter.py"],
            "depends_on": ["core"],
        }
    return "# stand-in of Harbor's docker-compose.yml, written by prepare\n" + yaml.safe_dump(
        {"version": "2.3", "services": services}, sort_keys=False)


def state_dir(conf):
    """Where core keeps its pickled state (its "database"), as core and the exporter see it."""
    if "external_database" in conf:
        return "/data/standin-external-db"
    return "/standin-db/pg" + pg_versions(conf["version"])[1]


def metric_env(conf):
    """Core's metric settings: Harbor's (core/env.jinja) and the stand-in's nginx and upstream ports."""
    port = conf["metric"]["port"]
    return {
        "METRIC_ENABLE": "true", "METRIC_PORT": port, "METRIC_PATH": conf["metric"]["path"],
        "METRIC_NAMESPACE": "harbor", "METRIC_SUBSYSTEM": "core", "STANDIN_METRIC_LOCATION": metric_location(conf),
        "STANDIN_REGISTRY_DEBUG_PORT": registry_debug_port(port), "STANDIN_EXPORTER_PORT": exporter_port(port),
    }


def exporter_env(conf):
    """common/config/exporter/env: Harbor's keys (exporter/env.jinja) with the stand-in's port and core's address,
    and where the exporter finds the database's state."""
    return {
        "LOG_LEVEL": conf["log_level"], "HARBOR_EXPORTER_PORT": exporter_port(conf["metric"]["port"]),
        "HARBOR_EXPORTER_METRICS_PATH": "/metrics", "HARBOR_EXPORTER_METRICS_ENABLED": "true",
        "HARBOR_METRIC_NAMESPACE": "harbor", "HARBOR_METRIC_SUBSYSTEM": "exporter",
        "HARBOR_SERVICE_SCHEME": conf["protocol"], "HARBOR_SERVICE_HOST": "127.0.0.1",
        "HARBOR_SERVICE_PORT": core_port(conf), "STANDIN_STATE_DIR": state_dir(conf),
        "STANDIN_HARBOR_VERSION": conf["version"],
    }


def generate(conf, with_trivy):
    external_db = "external_database" in conf
    core_env = {
        "CORE_SECRET": random_string(16),
        "JOBSERVICE_SECRET": random_string(16),
        "HARBOR_ADMIN_PASSWORD": conf["admin_password"],
        "STANDIN_HARBOR_VERSION": conf["version"],
        "STANDIN_HTTP_PORT": conf["http_port"],
        "STANDIN_REGISTRY_PORT": registry_port(core_port(conf)),
        "STANDIN_STORAGE_PROVIDER": conf["storage_provider_name"],
        "EXT_ENDPOINT": public_url(conf),
        "STANDIN_WITH_TRIVY": "true" if with_trivy else "false",
        "STANDIN_STATE_DIR": state_dir(conf),
        "STANDIN_WAIT_FOR_DATABASE": "false" if external_db else "true",
        "LOG_LEVEL": conf["log_level"],
    }
    if metrics_enabled(conf):
        core_env.update(metric_env(conf))
    if conf["protocol"] == "https":
        core_env["STANDIN_HTTPS_PORT"] = conf["https_port"]
        cert_dir = os.path.join(DATA, "secret", "cert")
        os.makedirs(cert_dir, exist_ok=True)
        for source, target in ((conf["cert_path"], "server.crt"), (conf["cert_key_path"], "server.key")):
            shutil.copyfile(HOSTFS + source, os.path.join(cert_dir, target))
            os.chmod(os.path.join(cert_dir, target), 0o600)
            os.chown(os.path.join(cert_dir, target), HARBOR_UID, HARBOR_UID)
    write(os.path.join(CONFIG, "core", "env"), env_file(core_env))
    if not external_db:
        write(os.path.join(CONFIG, "db", "env"), env_file({"POSTGRES_PASSWORD": conf["db_password"]}), uid=999)
    write(os.path.join(CONFIG, "registry", "passwd"), "harbor_registry_user:%s\n" % random_string(32))
    write(os.path.join(CONFIG, "registry", "config.yml"), registry_config(conf))
    # prepare_registry: the storage directory, owned by the registry's user (not recursively)
    storage_dir = os.path.join(DATA, "registry")
    os.makedirs(storage_dir, exist_ok=True)
    os.chown(storage_dir, HARBOR_UID, HARBOR_UID)
    write(os.path.join(CONFIG, "jobservice", "env"), env_file({"JOBSERVICE_SECRET": core_env["JOBSERVICE_SECRET"],
                                                               "MAX_JOB_WORKERS": conf["max_job_workers"]}))
    if with_trivy:
        write(os.path.join(CONFIG, "trivy-adapter", "env"), env_file({"SCANNER_LOG_LEVEL": conf["log_level"]}))
    if metrics_enabled(conf):
        write(os.path.join(CONFIG, "exporter", "env"), env_file(exporter_env(conf)))
    key_file = os.path.join(DATA, "secret", "keys", "secretkey")
    if not os.path.exists(key_file):
        write(key_file, random_string(16))
    os.makedirs(os.path.join(DATA, "trivy-adapter", "trivy"), exist_ok=True)
    with open(COMPOSE, "w") as handle:
        handle.write(compose_file(conf, with_trivy))
    os.chmod(COMPOSE, 0o644)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="prepare")
    parser.add_argument("--conf", default="/input/harbor.yml")
    parser.add_argument("--with-trivy", action="store_true")
    args = parser.parse_args(argv)
    clear_config()
    with open(args.conf) as handle:
        conf = parse(yaml.safe_load(handle))
    try:
        validate(conf)
    except ValueError as err:
        print("Error happened in config validation...")
        print(err)
        sys.exit(-1)
    generate(conf, args.with_trivy)
    print("Successfully called func: prepare (stand-in)")


if __name__ == "__main__":
    main()
