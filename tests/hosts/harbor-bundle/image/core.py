"""harbor-core of the stand-in Harbor: the fake Harbor API (tests/fake_harbor) on harbor.yml's port.

It stands in for Harbor's core, portal and nginx at once: it serves /api/v2.0 on ``https.port`` (with the
certificate prepare copied to <data>/secret/cert) when harbor.yml has https, else on ``http.port``, bound to
127.0.0.1 only (test hosts share the CI machine's network). Like Harbor, it keeps its data in the database:
the fake's state is pickled into harbor-db's data directory after every write and read back at start, so it
survives container recreation and upgrades, and an emptied database (a new PostgreSQL directory) starts empty.
The admin password from harbor.yml is used only when that state is empty, as Harbor does.

It also serves the registry protocol (``/v2/``, ``/service/token``, tests/fake_harbor/registry.py) in front of
the ``registry`` container's distribution on 127.0.0.1:STANDIN_REGISTRY_PORT, which it neither starts nor stops:
/health shows ``registry`` unhealthy while distribution does not answer. Core mounts the registry's config
(/etc/registry/config.yml) and storage (/storage = <data>/registry) to run distribution's garbage collector.
Issued registry tokens are part of the pickled state; the blobs are distribution's, in <data>/registry (or
the storage_service driver's backend).

With harbor.yml's ``metric.enabled`` (``METRIC_ENABLE=true``) it also counts its requests as Harbor's core does and
plays nginx's metric listener on 127.0.0.1:METRIC_PORT (metric_front.py): ``comp=core`` and ``comp=jobservice``
from this process, ``comp=registry`` from distribution's debug listener, the rest from the harbor-exporter container
(exporter.py).

Settings come from common/config/core/env, written by the stand-in prepare.
"""

import logging
import os
import pickle
import signal
import ssl
import sys
import threading
import time

sys.path.insert(0, "/opt/standin")
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:  # its sibling modules, also when a test loads it
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))

from tests.fake_harbor import FakeHarbor  # noqa: E402  pylint: disable=wrong-import-position
from tests.fake_harbor.registry import Distribution  # noqa: E402  pylint: disable=wrong-import-position
from tests.fake_harbor.resources import (  # noqa: E402  pylint: disable=wrong-import-position
    executions, jobservice, system)
from tests.fake_harbor.transport.reqlog import WRITE_METHODS  # noqa: E402  pylint: disable=wrong-import-position

import metric_front  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order
from operations import Operations  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order

LOG = logging.getLogger("standin.core")


class _CertMaterial:
    """The TLS material FakeHarbor.start() asks for: Harbor's own certificate from harbor.yml."""

    def __init__(self, cert, key):
        self.cert_path = cert
        self.key_path = key
        self.ca_path = None

    def server_context(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


class PersistentHarbor(FakeHarbor):
    """A FakeHarbor whose state lives in a file, written after every write request. ``counter``: a
    ``metric_front.RequestCounter`` that counts its requests (harbor.yml's metric enabled), else None."""

    def __init__(self, state_file, cert=None, key=None, counter=None, **kwargs):
        super().__init__(**kwargs)
        self.state_file = state_file
        self.counter = counter
        if cert:
            self.tls = True
            self._tls_material = _CertMaterial(cert, key)
        self.load()

    def load(self):
        if not os.path.exists(self.state_file):
            LOG.warning("no stored state in %s: a new, empty Harbor", self.state_file)
            return
        with open(self.state_file, "rb") as handle:
            state = pickle.load(handle)
        # the data survives, the running release, its settings and hooks are this container's
        state.options = self.options
        state.version = self.version
        state.hooks = self.hooks
        system.init_state(state)
        self.state = state
        LOG.warning("state read from %s", self.state_file)

    def save(self):
        with self.lock:
            data = pickle.dumps(self.state)
        tmp = self.state_file + ".tmp"
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.state_file)

    def handle(self, raw):
        """Answer ``raw`` (counted by ``counter`` when there is one)."""
        if self.counter is None:
            return self._handle_and_store(raw)
        return self.counter.observe(raw.method, raw.path, lambda: self._handle_and_store(raw))

    def _handle_and_store(self, raw):
        """The fake's answer; the state is stored after a write (and an issued registry token)."""
        response = super().handle(raw)
        # a token issued by the registry's token service is state too (Harbor's tokens are signed JWTs that
        # outlive a restart of core)
        if raw.method in WRITE_METHODS or raw.path == "/service/token":
            try:
                self.save()
            except OSError:
                LOG.exception("cannot store the state in %s", self.state_file)
        return response


def wait_for_database(directory, timeout=120):
    """harbor-db creates (or upgrades) its data directory at start; Harbor's core waits for the database too."""
    deadline = time.time() + timeout
    marker = os.path.join(directory, "PG_VERSION")
    while not os.path.exists(marker):
        if time.time() > deadline:
            raise SystemExit("the database directory %s did not appear within %d s" % (directory, timeout))
        time.sleep(0.5)


def jobservice_metrics(server):
    """The job service's metric families of ``server`` (its executions, under its lock)."""
    with server.lock:
        return metric_front.jobservice_families(server.state, executions, jobservice.CONCURRENCY,
                                                metric_front.node_name())


def metrics_front(env, server):
    """nginx's metric listener of the stand-in (metric_front.py) for ``server``, from core's env."""
    return metric_front.MetricsFront(
        (env.get("STANDIN_BIND", "127.0.0.1"), env["METRIC_PORT"]), env.get("STANDIN_METRIC_LOCATION", "/metrics"),
        env.get("METRIC_PATH", "/metrics"),
        {"core": server.counter.families, "jobservice": lambda: jobservice_metrics(server),
         "registry": ("127.0.0.1", int(env["STANDIN_REGISTRY_DEBUG_PORT"])),
         "exporter": ("127.0.0.1", int(env["STANDIN_EXPORTER_PORT"]))})


def main():
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    env = os.environ
    state_dir = env["STANDIN_STATE_DIR"]
    if env.get("STANDIN_WAIT_FOR_DATABASE") == "true":
        wait_for_database(state_dir)
    else:
        os.makedirs(state_dir, exist_ok=True)
    https = env.get("STANDIN_HTTPS_PORT")
    registry = None
    if env.get("STANDIN_REGISTRY_PORT"):
        registry = Distribution.external("127.0.0.1:%s" % env["STANDIN_REGISTRY_PORT"],
                                         config=env.get("STANDIN_REGISTRY_CONFIG", "/etc/registry/config.yml"),
                                         storage=env.get("STANDIN_REGISTRY_STORAGE", "/storage"))
    server = PersistentHarbor(
        os.path.join(state_dir, "harbor-standin-state.pickle"),
        cert="/data/secret/cert/server.crt" if https else None,
        key="/data/secret/cert/server.key" if https else None,
        version=env["STANDIN_HARBOR_VERSION"],
        host=env.get("STANDIN_BIND", "127.0.0.1"),
        port=int(https or env["STANDIN_HTTP_PORT"]),
        admin_password=env["HARBOR_ADMIN_PASSWORD"],
        with_trivy=env.get("STANDIN_WITH_TRIVY") == "true",
        contract=False,
        registry=registry,
        external_url=env.get("EXT_ENDPOINT"),
        counter=metric_front.RequestCounter(Operations()) if env.get("METRIC_ENABLE") == "true" else None,
    )
    server.options.storage_provider_name = env.get("STANDIN_STORAGE_PROVIDER", "filesystem")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    LOG.warning("stand-in Harbor %s serving %s", server.version, server.url)
    front = metrics_front(env, server).start() if server.counter is not None else None
    if front is not None:
        LOG.warning("metrics on http://%s:%d%s", front.address[0], front.address[1], front.location)
    while not stop.wait(0.5):
        pass
    if front is not None:
        front.stop()
    server.stop()


if __name__ == "__main__":
    main()
