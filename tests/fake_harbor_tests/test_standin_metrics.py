"""Metrics of the stand-in Harbor (tests/hosts/harbor-bundle): what harbor.yml's ``metric`` makes prepare write, and
what the stand-in then serves on ``metric.port`` the way Harbor's nginx routes it (install-notes 5).

The tests run the stand-in's own programs as processes, without Docker, with the files prepare writes (ports
replaced by free ones): Debian's docker-registry on the registry config (with its debug listener), core.py (the
fake, counting its requests, and nginx's metric listener) and exporter.py (harbor-exporter, reading core's
pickled state). Output is checked with prometheus_client's parser when the venv has it, else with promtool."""

# pytest fixtures are arguments of the same name: pylint: disable=redefined-outer-name

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.fake_harbor.oci import skopeo
from tests.fake_harbor.registry import Distribution, _free_port, registry_binary

from .test_registry import push
from .test_standin_registry import IMAGE_DIR, _load, _parsed
from .test_standin_registry import image, prepare  # noqa: F401  pylint: disable=unused-import

pytestmark = pytest.mark.skipif(registry_binary() is None,
                                reason="the stand-in's registry is Debian's docker-registry (make test installs it)")

REPO = Path(__file__).resolve().parents[2]
ADMIN = ("admin", "Admin12345")  # harbor_yml()'s harbor_admin_password
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
STARTUP = 30


# ------------------------------------------------------------------------------- reading the exposition format

def samples(text):
    """``{(name, ((label, value), ...)): value}`` of an exposition text (label values unescaped)."""
    found = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, "not a sample line: %r" % line
        labels = tuple(sorted((name, re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), value))
                              for name, value in LABEL.findall(match.group(2) or "")))
        found[(match.group(1), labels)] = float(match.group(3))
    return found


def value(text, name, **labels):
    """The value of the sample ``name{labels}`` (exactly these labels), or None."""
    return samples(text).get((name, tuple(sorted(labels.items()))))


def types(text):
    """``{family: type}`` from the TYPE lines."""
    return dict(line.split()[2:4] for line in text.splitlines() if line.startswith("# TYPE "))


def assert_parses(text):
    """The text is valid exposition format: prometheus_client's parser if installed, else promtool."""
    try:
        from prometheus_client.parser import text_string_to_metric_families  # pylint: disable=import-outside-toplevel
    except ImportError:
        text_string_to_metric_families = None
    if text_string_to_metric_families is not None:
        assert list(text_string_to_metric_families(text))
        return
    if shutil.which("promtool") is None:
        pytest.skip("neither prometheus_client nor promtool (Debian's prometheus) is installed")
    result = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True,
                            check=False, timeout=30)
    # exit 3: lint findings only (Harbor's own names have some, e.g. gauges ending in _total); 1: not parsable
    assert result.returncode in (0, 3) and "parsing error" not in result.stderr + result.stdout, result.stderr


# ------------------------------------------------------------------------------------------ the running stand-in

def env_values(path):
    """The KEY=VALUE lines of an env file prepare wrote."""
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)


def wait_until(check, what, timeout=STARTUP, processes=()):
    """Poll ``check()`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        for process in processes:
            assert process.poll() is None, "%s exited: %s" % (process.args, process.stdout.read().decode()[-2000:])
        try:
            result = check()
        except (OSError, requests.RequestException):
            result = None
        if result:
            return result
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.1)


def listening_ports(pid):
    """The TCP ports process ``pid`` listens on (its sockets in /proc/net/tcp in state LISTEN)."""
    inodes = set()
    for name in os.listdir("/proc/%d/fd" % pid):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, name))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as handle:
            for row in handle.read().splitlines()[1:]:
                fields = row.split()
                if fields[3] == "0A" and fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def generate_into(prepare_module, conf, config_dir, data_dir, compose):
    """Run prepare's ``generate`` with its /config, /data and compose file in the test's directory."""
    saved = prepare_module.CONFIG, prepare_module.DATA, prepare_module.COMPOSE
    prepare_module.CONFIG, prepare_module.DATA, prepare_module.COMPOSE = str(config_dir), str(data_dir), str(compose)
    try:
        prepare_module.generate(conf, with_trivy=False)
    finally:
        prepare_module.CONFIG, prepare_module.DATA, prepare_module.COMPOSE = saved


class StandIn:  # pylint: disable=too-many-instance-attributes
    """The stand-in's registry, core and exporter as processes, configured by what prepare wrote for ``conf``."""

    def __init__(self, prepare_module, conf, work, location=None):
        self.work = work
        self.processes = []
        self.registry = self.core = self.exporter = None
        config_dir, self.state_dir = work / "config", work / "db" / "pg18"
        generate_into(prepare_module, conf, config_dir, work / "data", work / "docker-compose.yml")
        self.compose = yaml.safe_load((work / "docker-compose.yml").read_text(encoding="utf-8"))
        self.core_env = env_values(config_dir / "core" / "env")
        exporter_file = config_dir / "exporter" / "env"
        self.exporter_env = env_values(exporter_file) if exporter_file.exists() else None
        self.registry_config = yaml.safe_load((config_dir / "registry" / "config.yml").read_text(encoding="utf-8"))
        self.ports = {name: _free_port() for name in ("core", "registry", "debug", "metric", "exporter")}
        if location is not None:
            self.core_env["STANDIN_METRIC_LOCATION"] = location

    # -- processes
    def start(self):
        """Start the registry, core and (with metrics) the exporter; wait until they answer."""
        self.start_registry()
        self.start_core()
        if self.exporter_env is not None:
            self.start_exporter()
        return self

    def spawn(self, command, env):
        """Start one of the stand-in's programs (its output kept for a failure message)."""
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def base_env(self):
        """This machine's environment without AWS_* (as in the containers) and with the repository importable."""
        env = {key: item for key, item in os.environ.items() if not key.startswith("AWS_")}
        env["PYTHONPATH"] = str(REPO)
        return env

    def start_registry(self):
        """docker-registry on prepare's config.yml, with free ports and a storage directory of the test."""
        config = self.registry_config
        config["http"]["addr"] = "127.0.0.1:%d" % self.ports["registry"]
        if "debug" in config["http"]:
            config["http"]["debug"]["addr"] = "127.0.0.1:%d" % self.ports["debug"]
        config["storage"]["filesystem"]["rootdirectory"] = str(self.work / "storage")
        path = self.work / "registry.yml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        self.registry = self.spawn([registry_binary(), "serve", str(path)], self.base_env())
        distribution = Distribution.external("127.0.0.1:%d" % self.ports["registry"])
        wait_until(lambda: distribution.health_error() is None, "docker-registry", processes=[self.registry])

    def start_core(self):
        """core.py with core's env file; the database directory exists (harbor-db made it)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "PG_VERSION").write_text("18\n", encoding="utf-8")
        env = dict(self.base_env(), **self.core_env)
        env.update(STANDIN_HTTP_PORT=str(self.ports["core"]), STANDIN_REGISTRY_PORT=str(self.ports["registry"]),
                   STANDIN_STATE_DIR=str(self.state_dir), STANDIN_REGISTRY_CONFIG=str(self.work / "registry.yml"),
                   STANDIN_REGISTRY_STORAGE=str(self.work / "storage"), EXT_ENDPOINT=self.url)
        if "METRIC_PORT" in env:
            env.update(METRIC_PORT=str(self.ports["metric"]), STANDIN_REGISTRY_DEBUG_PORT=str(self.ports["debug"]),
                       STANDIN_EXPORTER_PORT=str(self.ports["exporter"]))
        self.core = self.spawn([sys.executable, str(IMAGE_DIR / "core.py")], env)
        wait_until(lambda: requests.get(self.api + "/ping", timeout=2).ok, "core", processes=[self.core])

    def start_exporter(self):
        """exporter.py with the exporter's env file, reading the state directory core writes."""
        env = dict(self.base_env(), **self.exporter_env)
        env.update(HARBOR_EXPORTER_PORT=str(self.ports["exporter"]), HARBOR_SERVICE_PORT=str(self.ports["core"]),
                   STANDIN_STATE_DIR=str(self.state_dir))
        self.exporter = self.spawn([sys.executable, str(IMAGE_DIR / "exporter.py")], env)
        url = "http://127.0.0.1:%d/metrics" % self.ports["exporter"]
        wait_until(lambda: requests.get(url, timeout=5).ok, "the exporter", processes=[self.exporter])

    def stop(self, process):
        """Stop one of the processes this test started."""
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def close(self):
        """Stop every process of this stand-in."""
        for process in reversed(self.processes):
            self.stop(process)
            process.stdout.close()

    # -- clients
    @property
    def url(self):
        """Core's URL."""
        return "http://127.0.0.1:%d" % self.ports["core"]

    @property
    def api(self):
        """Core's API URL."""
        return self.url + "/api/v2.0"

    def metrics(self, comp=None, path="/metrics", **params):
        """``GET <path>[?comp=...]`` on the metric port: the response."""
        if comp is not None:
            params["comp"] = comp
        return requests.get("http://127.0.0.1:%d%s" % (self.ports["metric"], path), params=params, timeout=30)

    def text(self, comp=None):
        """The metrics of ``comp`` (200 and parsable)."""
        response = self.metrics(comp)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        assert_parses(response.text)
        return response.text


def metric_conf(prepare_module, path="/metrics", **overrides):
    """prepare's view of a harbor.yml with metrics on (http)."""
    return _parsed(prepare_module, metric={"enabled": True, "port": 24300, "path": path}, **overrides)


@pytest.fixture
def standin(prepare, tmp_path):
    """The stand-in with harbor.yml's metric enabled at /metrics."""
    stack = StandIn(prepare, metric_conf(prepare), tmp_path)
    try:
        yield stack.start()
    finally:
        stack.close()


# --------------------------------------------------------------------------------------- what prepare writes

def test_prepare_derives_the_metric_ports_from_metric_port(prepare):
    assert prepare.registry_debug_port(24300) == 14300  # the rule of registry_port: 10000 below
    assert prepare.exporter_port(24300) == 15300  # 1000 above the debug listener
    assert prepare.registry_debug_port(9090) == 19090 and prepare.exporter_port(9090) == 20090
    conf = metric_conf(prepare)
    http = yaml.safe_load(prepare.registry_config(conf))["http"]
    assert http["debug"] == {"addr": "127.0.0.1:14300", "prometheus": {"enabled": True, "path": "/metrics"}}
    assert http["addr"] == "127.0.0.1:10300"  # the registry itself is unchanged
    assert prepare.metric_env(conf) == {
        "METRIC_ENABLE": "true", "METRIC_PORT": 24300, "METRIC_PATH": "/metrics", "METRIC_NAMESPACE": "harbor",
        "METRIC_SUBSYSTEM": "core", "STANDIN_METRIC_LOCATION": "/metrics", "STANDIN_REGISTRY_DEBUG_PORT": 14300,
        "STANDIN_EXPORTER_PORT": 15300}
    exporter_env = prepare.exporter_env(conf)
    assert exporter_env["HARBOR_EXPORTER_PORT"] == 15300 and exporter_env["HARBOR_EXPORTER_METRICS_PATH"] == "/metrics"
    assert (exporter_env["HARBOR_SERVICE_SCHEME"], exporter_env["HARBOR_SERVICE_PORT"]) == ("http", 20300)
    assert exporter_env["STANDIN_STATE_DIR"] == "/standin-db/pg18"


def test_prepare_keeps_harbors_nginx_quirk_of_the_metric_path(prepare):
    https = {"port": 21300, "certificate": "/c.crt", "private_key": "/c.key"}
    assert prepare.metric_location(metric_conf(prepare, "/custom")) == "/metrics"  # the http template
    assert prepare.metric_location(metric_conf(prepare, "/custom", https=https)) == "/custom"
    assert yaml.safe_load(prepare.registry_config(metric_conf(prepare, "/custom")))["http"]["debug"]["prometheus"] == {
        "enabled": True, "path": "/custom"}  # the components serve metric.path


def test_prepare_runs_the_exporter_on_the_host_network_with_the_database(prepare):
    services = yaml.safe_load(prepare.compose_file(metric_conf(prepare), with_trivy=False))["services"]
    assert list(services) == ["postgresql", "registry", "core", "exporter"]
    exporter = services["exporter"]
    assert exporter["image"] == "goharbor/harbor-exporter:v2.15.2" and exporter["container_name"] == "harbor-exporter"
    assert exporter["network_mode"] == "host" and exporter["depends_on"] == ["core"]
    assert exporter["command"] == ["python3", "/opt/standin/standin/exporter.py"]
    assert exporter["volumes"] == ["/data/database:/standin-db:ro,z"]
    external = {"harbor": {"host": "db", "port": 5432, "db_name": "registry", "username": "u", "password": "p",
                           "ssl_mode": "disable"}}
    conf = metric_conf(prepare, external_database=external)
    assert yaml.safe_load(prepare.compose_file(conf, with_trivy=False))["services"]["exporter"]["volumes"] == [
        "/data:/data:ro,z"]
    assert prepare.exporter_env(conf)["STANDIN_STATE_DIR"] == "/data/standin-external-db"


@pytest.mark.parametrize("metric", [None, {"enabled": False, "port": 24300, "path": "/metrics"}])
def test_without_metrics_nothing_changes_and_core_listens_on_its_port_only(prepare, tmp_path, metric):
    conf = _parsed(prepare, metric=metric) if metric else _parsed(prepare)
    stack = StandIn(prepare, conf, tmp_path)
    assert "debug" not in stack.registry_config["http"]
    assert not [key for key in stack.core_env if key.startswith(("METRIC_", "STANDIN_METRIC", "STANDIN_EXPORTER"))]
    assert stack.exporter_env is None and "exporter" not in stack.compose["services"]
    assert not (tmp_path / "config" / "exporter").exists()
    try:
        stack.start()
        assert listening_ports(stack.core.pid) == {stack.ports["core"]}
    finally:
        stack.close()


# ------------------------------------------------------------------------------- what the stand-in serves

def test_the_metric_port_routes_like_harbors_nginx(standin):
    # distribution's request metrics appear with the first request it serves (core answers /v2/ itself)
    distribution = Distribution.external("127.0.0.1:%d" % standin.ports["registry"])
    assert distribution.request("GET", "/v2/")[0] == 200
    core, jobservice = standin.text("core"), standin.text("jobservice")
    registry, exporter = standin.text("registry"), standin.text()
    assert types(core)["harbor_core_http_request_duration_seconds"] == "summary"
    assert "harbor_core_http_inflight_requests" in types(core) and "harbor_up" not in types(core)
    assert types(jobservice)["harbor_jobservice_info"] == "gauge" and "harbor_core_http_request_total" not in types(
        jobservice)
    # distribution's own metrics, from its debug listener
    assert types(registry)["registry_http_request_duration_seconds"] == "histogram"
    assert "registry_http_requests_total" in types(registry) and "go_goroutines" in types(registry)
    assert {"harbor_up", "harbor_health", "harbor_system_info", "harbor_project_total"} <= set(types(exporter))
    # any other comp is the exporter's too (nginx: proxy_pass to the exporter unless comp matched)
    assert set(types(standin.text("trivy"))) == set(types(exporter))
    assert standin.metrics("core").headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    other = standin.metrics(path="/other")
    assert other.status_code == 404 and "404 Not Found" in other.text and "nginx" in other.text
    for name in ("harbor_jobservice_job_total", "harbor_registry_request_duration_seconds"):  # they do not exist
        assert all(name not in text for text in (core, jobservice, registry, exporter))


def test_a_stopped_registry_shows_harbor_up_registry_0(standin):
    before = standin.text()
    assert value(before, "harbor_up", component="registry") == 1 and value(before, "harbor_health") == 1
    standin.stop(standin.registry)
    after = standin.text()
    assert value(after, "harbor_up", component="registry") == 0 and value(after, "harbor_health") == 0
    assert value(after, "harbor_up", component="core") == 1 and value(after, "harbor_up", component="database") == 1
    assert standin.metrics("registry").status_code == 502  # nginx: the upstream does not answer


def test_a_stopped_exporter_is_a_502_and_core_down_leaves_out_the_health_families(standin):
    standin.stop(standin.exporter)
    assert standin.metrics().status_code == 502
    assert standin.metrics("core").status_code == 200  # core's own metrics do not go through the exporter
    exporter_module = _load("exporter")
    no_core = exporter_module.Exporter("http://127.0.0.1:%d" % _free_port(),
                                       exporter_module.Database(str(standin.state_dir), "2.15.2"))
    text = no_core.answer("/metrics")[2].decode()
    assert_parses(text)
    assert "harbor_up" not in types(text) and "harbor_health" not in types(text)  # like Harbor's health collector
    assert value(text, "harbor_project_total", public="true") == 1


def test_harbor_project_total_and_statistics_follow_the_projects(standin):
    text = standin.text()
    assert value(text, "harbor_project_total", public="true") == 1  # library, before core stored anything
    assert value(text, "harbor_project_total", public="false") is None
    for name, public in (("private-one", "false"), ("public-two", "true")):
        created = requests.post(standin.api + "/projects", auth=ADMIN, timeout=10, json={
            "project_name": name, "metadata": {"public": public}, "storage_limit": 1048576})
        assert created.status_code == 201, created.text
    text = standin.text()
    assert value(text, "harbor_project_total", public="false") == 1
    assert value(text, "harbor_project_total", public="true") == 2
    assert value(text, "harbor_statistics_total_project_amount") == 3
    assert value(text, "harbor_statistics_private_project_amount") == 1
    assert value(text, "harbor_project_quota_byte", project_name="private-one") == 1048576
    assert value(text, "harbor_project_member_total", project_name="private-one") == 1  # its creator
    assert value(text, "harbor_project_repo_total", project_name="public-two", public="true") == 0
    assert requests.delete(standin.api + "/projects/private-one", auth=ADMIN, timeout=10).status_code == 200
    assert value(standin.text(), "harbor_project_total", public="false") is None


def test_system_info_comes_from_cores_anonymous_systeminfo(standin):
    labels = {"auth_mode": "db_auth", "harbor_version": "", "self_registration": "false"}
    assert value(standin.text(), "harbor_system_info", **labels) == 1
    changed = requests.put(standin.api + "/configurations", auth=ADMIN, timeout=10, json={"self_registration": True})
    assert changed.status_code == 200, changed.text
    labels["self_registration"] = "true"
    assert value(standin.text(), "harbor_system_info", **labels) == 1


def test_core_counts_the_requests_it_answers(standin):
    def count(text, method, code, operation):
        return value(text, "harbor_core_http_request_total", method=method, code=code, operation=operation) or 0

    before = standin.text("core")
    for _round in range(3):
        assert requests.get(standin.api + "/projects", auth=ADMIN, timeout=10).status_code == 200
    assert requests.get(standin.api + "/no-such-thing", timeout=10).status_code == 404
    assert requests.get(standin.url + "/_fake/health", timeout=10).status_code in (200, 404, 405)  # not Harbor's
    after = standin.text("core")
    assert count(after, "GET", "200", "ListProjects") == count(before, "GET", "200", "ListProjects") + 3
    assert count(after, "GET", "404", "unknown") == count(before, "GET", "404", "unknown") + 1
    assert value(after, "harbor_core_http_request_duration_seconds_count", method="GET",
                 operation="ListProjects") == count(after, "GET", "200", "ListProjects")
    assert value(after, "harbor_core_http_request_duration_seconds", method="GET", operation="ListProjects",
                 quantile="0.99") > 0
    assert value(after, "harbor_core_http_inflight_requests") == 0  # the scrape is not a request to core
    assert sum(v for (name, labels), v in samples(after).items() if name == "harbor_core_http_request_total"
               and dict(labels)["operation"] == "unknown" and dict(labels)["code"] != "404") == 0


@pytest.mark.skipif(skopeo() is None, reason="pushing needs skopeo")
def test_a_push_counts_in_core_and_in_distributions_own_metrics(standin, image):
    def registry_requests(text):
        return sum(v for (name, labels), v in samples(text).items()
                   if name == "registry_http_requests_total" and dict(labels)["handler"] == "manifest")

    before_registry, before_core = standin.text("registry"), standin.text("core")
    source, _digest = image("v1")
    assert push(standin, source, "library/app:v1", creds=ADMIN).returncode == 0
    after_registry, after_core = standin.text("registry"), standin.text("core")
    assert registry_requests(after_registry) > registry_requests(before_registry)
    assert value(after_core, "harbor_core_http_request_total", method="PUT", code="201", operation="v2_manifest") == 1
    assert value(before_core, "harbor_core_http_request_total", method="PUT", code="201",
                 operation="v2_manifest") is None
    assert value(standin.text(), "harbor_project_artifact_total", project_name="library", public="true",
                 artifact_type="IMAGE") == 1


def test_the_jobservice_reports_its_pool_and_counts_finished_tasks(standin):
    pool = requests.get(standin.api + "/jobservice/pools", auth=ADMIN, timeout=10).json()[0]
    text = standin.text("jobservice")
    assert value(text, "harbor_jobservice_info", node=socket.gethostname(), pool=pool["worker_pool_id"],
                 workers=str(pool["concurrency"])) == 1
    assert value(text, "harbor_jobservice_task_total", type="PURGE_AUDIT_LOG", status="success") is None
    started = requests.post(standin.api + "/system/purgeaudit/schedule", auth=ADMIN, timeout=10, json={
        "schedule": {"type": "Manual"}, "parameters": {"audit_retention_hour": 24, "dry_run": True,
                                                       "include_event_types": "create_project"}})
    assert started.status_code == 201, started.text

    def ended():
        current = standin.text("jobservice")
        return current if value(current, "harbor_jobservice_task_total", type="PURGE_AUDIT_LOG",
                                status="success") == 1 else None

    text = wait_until(ended, "the purge job to end", timeout=20)
    assert value(text, "harbor_jobservice_task_process_time_seconds_count", type="PURGE_AUDIT_LOG",
                 status="success") == 1
    assert value(text, "harbor_jobservice_task_process_time_seconds_sum", type="PURGE_AUDIT_LOG",
                 status="success") >= 0.4  # the fake's jobs take 0.5 s by default


@pytest.mark.parametrize("location", ["http", "https"])
def test_a_metric_path_other_than_slash_metrics(prepare, tmp_path, location):
    """harbor.yml's metric.path /custom: the components serve /custom; nginx routes /metrics with http (so only the
    exporter, which serves /metrics, still answers) and /custom with https (the exporter answers its HTML page)."""
    https = {"port": 21300, "certificate": "/c.crt", "private_key": "/c.key"}
    routed = prepare.metric_location(metric_conf(prepare, "/custom", **({"https": https} if location == "https"
                                                                        else {})))
    stack = StandIn(prepare, metric_conf(prepare, "/custom"), tmp_path, location=routed)
    try:
        stack.start()
        if location == "http":
            assert stack.metrics("core").status_code == 404 and stack.metrics("core").text == "404 page not found\n"
            assert stack.metrics("registry").status_code == 404  # distribution serves /custom
            assert "harbor_project_total" in stack.text()  # the exporter serves /metrics
            assert stack.metrics("core", path="/custom").status_code == 404  # no such location
        else:
            for comp in ("core", "jobservice", "registry"):
                response = stack.metrics(comp, path="/custom")
                assert response.status_code == 200 and "# TYPE" in response.text, comp
            page = stack.metrics(path="/custom")
            assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
            assert stack.metrics().status_code == 404
    finally:
        stack.close()


# ------------------------------------------------------------------------------------------ pieces of it

def test_the_operation_table_is_harbors_swagger():
    operations = _load("operations")
    specs = sorted((REPO.parent / "shared" / "harbor").glob("swagger.yaml-*"))
    if not specs:
        pytest.skip("Harbor's swagger files (shared/harbor) are not here")
    assert operations.parse_table(operations.TABLE) == operations.table_from_specs(specs)
    names = operations.Operations()
    assert names.name("GET", "/api/v2.0/projects") == "ListProjects"
    assert names.name("DELETE", "/api/v2.0/projects/p/repositories/a%252Fb/artifacts/sha256:1") == "DeleteArtifact"
    assert names.name("POST", "/api/v2.0/health") == "unknown"
    assert names.name("GET", "/v2/library/app/manifests/v1") == "v2_manifest"
    assert names.name("POST", "/v2/library/app/blobs/uploads/") == "v2_blob_upload"
    assert names.name("GET", "/service/token") == "unknown"
    assert not names.counted("/_fake/health") and not names.counted("/") and names.counted("/v2/")


def test_label_values_are_escaped():
    exposition = _load("exposition")
    family = exposition.Family("harbor_project_total", "gauge", 'a "help"\\ text\nwith a newline')
    text = exposition.render([family.sample(2, public='say "hi"\\\n')]).decode()
    assert_parses(text)
    assert value(text, "harbor_project_total", public='say "hi"\\\n') == 2
    assert exposition.render([exposition.Family("harbor_up", "gauge", "no samples")]) == b""
