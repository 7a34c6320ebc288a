"""The registry of the stand-in Harbor (tests/hosts/harbor-bundle): the fake in front of a distribution it does
not run itself (``Distribution.external``), core.py's persistence of the registry state, and the registry
config.yml and compose service that the stand-in prepare writes."""

import importlib.util
import os
import pickle
import subprocess
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.fake_harbor.oci import build_image, skopeo, skopeo_copy
from tests.fake_harbor.registry import Distribution, _free_port, registry_binary
from tests.fake_harbor.server import FakeHarbor

from .conftest import ADMIN
from .test_registry import host, push

pytestmark = pytest.mark.skipif(
    registry_binary() is None or skopeo() is None,
    reason="registry protocol tests need Debian's docker-registry and skopeo (make test installs them)")

OCI = {"Accept": "application/vnd.oci.image.manifest.v1+json"}
IMAGE_DIR = Path(__file__).resolve().parents[1] / "hosts" / "harbor-bundle" / "image"


def _load(name):
    spec = importlib.util.spec_from_file_location("standin_" + name, IMAGE_DIR / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def running():
    """A distribution started by the test, as the stand-in's registry container would be."""
    distribution = Distribution().start()
    yield distribution
    distribution.close()


@pytest.fixture
def external(running):
    return Distribution.external(running.address, config=running.config, storage=running.storage)


@pytest.fixture
def image(tmp_path):
    def build(tag="v1", **files):
        directory = str(tmp_path / ("img-%s-%d" % (tag, len(os.listdir(str(tmp_path))))))
        digest = build_image(directory, files or {"etc/hello": "hello %s" % tag}, tag=tag)
        return "oci:%s:%s" % (directory, tag), digest
    return build


def pull(server, target, directory, creds=ADMIN):
    return skopeo_copy("docker://%s/%s" % (host(server), target), "oci:%s:x" % directory, src_creds=creds,
                       tls_verify=False)


def registry_health(server):
    health = requests.get(server.api_url + "/health", timeout=10).json()
    return next(c for c in health["components"] if c["name"] == "registry"), health["status"]


def test_an_external_distribution_serves_pushes_and_outlives_the_fake(running, external, image, tmp_path):
    source, digest = image("v1")
    with FakeHarbor(registry=external, auth_fail_delay=0.05) as fake:
        assert push(fake, source, "library/app:v1").returncode == 0
        artifacts = requests.get(fake.api_url + "/projects/library/repositories/app/artifacts", auth=ADMIN,
                                 timeout=10).json()
        assert [a["digest"] for a in artifacts] == [digest]
        assert pull(fake, "library/app:v1", tmp_path / "pulled").returncode == 0
    # the blobs are in the external distribution's storage, which the fake neither started nor stopped
    assert running.process.poll() is None
    status, _headers, _body = running.request("HEAD", "/v2/library/app/manifests/" + digest, headers=OCI)
    assert status == 200
    assert os.path.isdir(os.path.join(running.storage, "docker", "registry", "v2", "blobs"))


def test_the_default_still_runs_its_own_distribution():
    with FakeHarbor(registry=True) as fake:
        own = fake.registry.distribution
        assert own.managed and own.process.poll() is None
        process = own.process
    assert process.poll() is not None  # stopped with the fake


def test_health_shows_the_registry_unhealthy_while_distribution_does_not_answer(running, external):
    with FakeHarbor(registry=external) as fake:
        assert registry_health(fake) == ({"name": "registry", "status": "healthy"}, "healthy")
        running.stop()
        component, overall = registry_health(fake)
        assert overall == "unhealthy" and component["status"] == "unhealthy"
        assert component["error"] == ('failed to check health: Get "http://%s/": dial tcp %s: connect: connection '
                                      'refused' % (running.address, running.address))
        # the other components are not affected
        health = requests.get(fake.api_url + "/health", timeout=10).json()
        assert [c["name"] for c in health["components"] if c["status"] != "healthy"] == ["registry"]


def test_gc_runs_against_the_external_distribution_while_it_keeps_running(running, external, image):
    source, digest = image("v1", **{"big.bin": os.urandom(250000)})
    with FakeHarbor(registry=external, auth_fail_delay=0.05) as fake:
        assert push(fake, source, "library/app:v1").returncode == 0
        deleted = requests.delete(fake.api_url + "/projects/library/repositories/app/artifacts/" + digest,
                                  auth=ADMIN, timeout=10)
        assert deleted.status_code == 200
        process = running.process
        before = running.storage_bytes()
        freed = fake.hooks.first("registry_garbage_collect", fake.state, False, False)
        assert freed == before - running.storage_bytes() > 250000
        assert running.process is process and process.poll() is None  # never stopped


def test_gc_without_the_registry_config_frees_nothing(running, image):
    external = Distribution.external(running.address, storage=running.storage)
    source, digest = image("v1", **{"big.bin": os.urandom(100000)})
    with FakeHarbor(registry=external, auth_fail_delay=0.05) as fake:
        assert push(fake, source, "library/app:v1").returncode == 0
        requests.delete(fake.api_url + "/projects/library/repositories/app/artifacts/" + digest, auth=ADMIN,
                        timeout=10)
        before = running.storage_bytes()
        assert fake.hooks.first("registry_garbage_collect", fake.state, False, False) == 0
        assert running.storage_bytes() == before


def test_reset_empties_the_external_storage_in_place(running, external, image, tmp_path):
    source, _digest = image("v1")
    with FakeHarbor(registry=external, auth_fail_delay=0.05) as fake:
        assert push(fake, source, "library/app:v1").returncode == 0
        fake.reset()
        assert os.listdir(running.storage) == [] and running.process.poll() is None
        assert pull(fake, "library/app:v1", tmp_path / "gone").returncode != 0
        assert push(fake, source, "library/app:v1").returncode == 0  # the running distribution starts over
        assert pull(fake, "library/app:v1", tmp_path / "again").returncode == 0


def test_the_token_realm_is_the_external_url(running, external):
    with FakeHarbor(registry=external, external_url="https://harbor.example.test:8443/") as fake:
        challenge = requests.get(fake.url + "/v2/", timeout=10).headers["WWW-Authenticate"]
        assert challenge == 'Bearer realm="https://harbor.example.test:8443/service/token",service="harbor-registry"'
        info = requests.get(fake.api_url + "/systeminfo", auth=ADMIN, timeout=10).json()
        assert info["external_url"] == "https://harbor.example.test:8443"
        assert info["registry_url"] == "harbor.example.test:8443"


def test_the_state_with_a_registry_pickles_without_the_servers_hooks(external):
    with FakeHarbor(registry=external) as fake:
        token = requests.get(fake.url + "/service/token", auth=ADMIN, timeout=10,
                             params={"service": "harbor-registry", "scope": "repository:library/app:pull"}).json()
        state = pickle.loads(pickle.dumps(fake.state))
        assert not hasattr(state, "hooks") and fake.state.hooks is fake.hooks
        assert token["token"] in state.registry_tokens


# ---------------------------------------------------------------- core.py (harbor-core of the stand-in)

def test_core_keeps_artifacts_and_tokens_across_a_recreation(running, external, image, tmp_path):
    core = _load("core")
    state_file = str(tmp_path / "harbor-standin-state.pickle")
    source, digest = image("v1")

    def harbor():
        return core.PersistentHarbor(state_file, version="2.15.2", port=0, admin_password="Admin12345",
                                     contract=False, auth_fail_delay=0.05, registry=external)

    first = harbor().start()
    try:
        assert push(first, source, "library/app:v1", creds=("admin", "Admin12345")).returncode == 0
        token = requests.get(first.url + "/service/token", auth=("admin", "Admin12345"), timeout=10, params={
            "service": "harbor-registry", "scope": "repository:library/app:pull"}).json()["token"]
    finally:
        first.stop()
    second = harbor().start()  # a new container: a new process that reads the pickled state
    try:
        assert second.state.hooks is second.hooks
        manifest = requests.get(second.url + "/v2/library/app/manifests/v1", timeout=10, headers={
            "Authorization": "Bearer " + token, "Accept": "application/vnd.oci.image.manifest.v1+json"})
        assert manifest.status_code == 200 and manifest.headers["Docker-Content-Digest"] == digest
        assert pull(second, "library/app:v1", tmp_path / "pulled", creds=("admin", "Admin12345")).returncode == 0
        artifact = requests.get(second.api_url + "/projects/library/repositories/app/artifacts/v1",
                                auth=("admin", "Admin12345"), timeout=10).json()
        assert artifact["digest"] == digest and artifact["pull_time"]
        # API deletes still reach the registry (the hooks of the new process, not of the pickled one)
        deleted = requests.delete(second.api_url + "/projects/library/repositories/app/artifacts/" + digest,
                                  auth=("admin", "Admin12345"), timeout=10)
        assert deleted.status_code == 200
        assert running.request("HEAD", "/v2/library/app/manifests/" + digest, headers=OCI)[0] == 404
    finally:
        second.stop()


# ---------------------------------------------------------------- prepare.py: registry config and compose

def harbor_yml(**overrides):
    conf = {
        "hostname": "harbor.test.example", "http": {"port": 20300}, "data_volume": "/data",
        "harbor_admin_password": "Admin12345", "database": {"password": "Db12345"},
        "jobservice": {"max_job_workers": 2, "job_loggers": ["STD_OUTPUT"], "logger_sweeper_duration": 1},
        "notification": {"webhook_job_max_retry": 3, "webhook_job_http_client_timeout": 3},
        "log": {"level": "info"},
        "upload_purging": {"enabled": True, "age": "168h", "interval": "24h", "dryrun": False},
        "_version": "2.15.0",
    }
    conf.update(overrides)
    return conf


@pytest.fixture(scope="module")
def prepare():
    module = _load("prepare")
    module.os.environ.setdefault("STANDIN_HARBOR_VERSION", "2.15.2")
    return module


def _parsed(prepare, **overrides):
    conf = prepare.parse(harbor_yml(**overrides))
    conf["version"] = "2.15.2"
    prepare.validate(conf)
    return conf


def test_prepare_writes_filesystem_storage_under_storage_by_default(prepare):
    conf = _parsed(prepare)
    config = yaml.safe_load(prepare.registry_config(conf))
    assert config["storage"]["filesystem"] == {"rootdirectory": "/storage"}
    assert config["storage"]["redirect"] == {"disable": False}
    assert config["storage"]["delete"] == {"enabled": True}
    assert config["storage"]["maintenance"]["uploadpurging"] == {"enabled": True, "age": "168h",
                                                                 "interval": "24h", "dryrun": False}
    assert config["http"]["addr"] == "127.0.0.1:10300"  # 10000 below the port core serves
    assert config["http"]["relativeurls"] is True and "cache" not in config["storage"]


def test_prepare_copies_the_s3_keys_of_storage_service(prepare):
    s3 = {"region": "us-east-1", "bucket": "harbor-blobs", "accesskey": "AKID", "secretkey": "SECRET",
          "regionendpoint": "http://127.0.0.1:9000", "secure": False, "v4auth": True, "rootdirectory": "/node-a",
          "chunksize": 5242880}
    conf = _parsed(prepare, storage_service={"s3": s3, "redirect": {"disable": True}},
                   https={"port": 21300, "certificate": "/c.crt", "private_key": "/c.key"})
    config = yaml.safe_load(prepare.registry_config(conf))
    assert config["storage"]["s3"] == s3 and "filesystem" not in config["storage"]
    assert config["storage"]["redirect"] == {"disable": True}
    assert config["http"]["addr"] == "127.0.0.1:11300"  # https.port - 10000
    assert conf["storage_provider_name"] == "s3"


def test_prepare_takes_storage_service_drivers_in_harbor_yml_order_and_validates(prepare):
    conf = _parsed(prepare, storage_service={"filesystem": {"maxthreads": 100}, "s3": {"bucket": "b"}})
    assert yaml.safe_load(prepare.registry_config(conf))["storage"]["filesystem"] == {
        "maxthreads": 100, "rootdirectory": "/storage"}
    with pytest.raises(ValueError, match="no provider configurations are provided for provider s3"):
        _parsed(prepare, storage_service={"s3": ""})


def test_prepare_derives_the_registry_port_from_the_port_core_serves(prepare):
    assert prepare.registry_port(20300) == 10300
    assert prepare.registry_port(443) == 10443
    assert prepare.registry_port(80) == 10080


def test_prepare_puts_a_registry_container_in_the_compose_file(prepare):
    conf = _parsed(prepare, storage_service={"ca_bundle": "/etc/ssl/storage-ca.crt",
                                             "s3": {"bucket": "b", "region": "r"}})
    services = yaml.safe_load(prepare.compose_file(conf, with_trivy=False))["services"]
    registry = services["registry"]
    assert registry["image"] == "goharbor/registry-photon:v2.15.2" and registry["container_name"] == "registry"
    assert registry["network_mode"] == "host" and registry["user"] == "10000:10000"
    assert registry["command"] == ["docker-registry", "serve", "/etc/registry/config.yml"]
    assert registry["volumes"][:2] == ["/data/registry:/storage:z", "./common/config/registry/:/etc/registry/:z"]
    assert registry["environment"] == {"SSL_CERT_FILE": "/harbor_cust_cert/custom-ca-bundle.crt"}
    core = services["core"]
    assert core["depends_on"] == ["postgresql", "registry"]
    assert "/data/registry:/storage:z" in core["volumes"]
    assert "./common/config/registry/:/etc/registry/:ro,z" in core["volumes"]


def test_prepare_tells_core_the_external_endpoint(prepare):
    assert prepare.public_url(_parsed(prepare)) == "http://harbor.test.example:20300"
    assert prepare.public_url(_parsed(prepare, http={"port": 80})) == "http://harbor.test.example"
    assert prepare.public_url(_parsed(prepare, https={"port": 443, "certificate": "/c", "private_key": "/k"})) == \
        "https://harbor.test.example"
    assert prepare.public_url(_parsed(prepare, external_url="https://front.example:8443/")) == \
        "https://front.example:8443"


@pytest.mark.parametrize("storage", [None, {"s3": {"bucket": "harbor", "region": "us-east-1", "accesskey": "AK",
                                                   "secretkey": "SK", "regionendpoint": "http://127.0.0.1:9",
                                                   "secure": False, "v4auth": True}}])
def test_distribution_accepts_the_config_prepare_writes(prepare, tmp_path, storage):
    """The real docker-registry starts with it (the s3 driver reads its keys at start, without a request)."""
    conf = _parsed(prepare, storage_service=storage) if storage else _parsed(prepare)
    config = yaml.safe_load(prepare.registry_config(conf))
    port = _free_port()
    config["http"]["addr"] = "127.0.0.1:%d" % port
    if "filesystem" in config["storage"]:
        config["storage"]["filesystem"]["rootdirectory"] = str(tmp_path / "storage")
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    # as in the registry container: no AWS_* of this machine (an AWS_CA_BUNDLE makes the s3 driver panic)
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    process = subprocess.Popen([registry_binary(), "serve", str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env=env)
    try:
        external = Distribution.external("127.0.0.1:%d" % port)
        deadline = time.monotonic() + 20
        while external.health_error() is not None:
            assert process.poll() is None, process.stdout.read().decode()
            assert time.monotonic() < deadline, "docker-registry did not answer"
            time.sleep(0.1)
        assert external.request("GET", "/v2/")[0] == 200
    finally:
        process.terminate()
        process.wait(10)


def test_systeminfo_names_the_storage_driver_core_was_given(external):
    with FakeHarbor(registry=external) as fake:
        fake.options.storage_provider_name = "s3"  # what core.py sets from STANDIN_STORAGE_PROVIDER
        info = requests.get(fake.api_url + "/systeminfo", auth=ADMIN, timeout=10).json()
        assert info["registry_storage_provider_name"] == "s3"
