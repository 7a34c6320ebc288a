"""pytest fixtures for suites that test against the fake.

Use it from a conftest.py (``pytest_plugins`` only works in a top-level
conftest, so re-export instead)::

    from tests.fake_harbor import pytest_plugin

    pytest_configure = pytest_plugin.pytest_configure
    fake_harbor_pool = pytest_plugin.fake_harbor_pool
    fake_harbor = pytest_plugin.fake_harbor
    harbor_api = pytest_plugin.harbor_api

Fixtures:

* ``fake_harbor_pool`` (session): started servers shared by the session,
  one per (version, tls); each pytest-xdist worker has its own pool.
* ``fake_harbor`` (function): the pool's server for the test's version,
  reset (fresh state, empty log/violations/faults) before the test.  The
  version comes from ``@pytest.mark.harbor_version("2.12")``, from indirect
  parametrisation (``@pytest.mark.parametrize("fake_harbor", ["2.10", "main"],
  indirect=True)``) or defaults to 2.15.
* ``fake_harbor_tls`` (function): the same over HTTPS (``.ca_path``).
* ``harbor_api`` (function): an ``ApiClient`` for ``fake_harbor`` logged in
  as admin that never keeps cookies.

Servers are built with ``auth_fail_delay=0.05`` (Harbor holds a failed
login 1.5 s; tests do not need to wait that long).
"""

import http.cookiejar

import pytest
import requests

from .server import FakeHarbor

DEFAULT_VERSION = "2.15"
TEST_AUTH_FAIL_DELAY = 0.05


class FakeHarborPool:
    """Started servers keyed by (version, tls)."""

    def __init__(self, **options):
        self.options = options
        self._servers = {}

    def get(self, version=DEFAULT_VERSION, tls=False):
        key = (str(version), bool(tls))
        server = self._servers.get(key)
        if server is None:
            options = dict({"auth_fail_delay": TEST_AUTH_FAIL_DELAY}, **self.options)
            server = FakeHarbor(version=version, tls=tls, **options).start()
            self._servers[key] = server
        return server

    def close(self):
        for server in self._servers.values():
            server.stop()
        self._servers = {}


class ApiClient:
    """Minimal requests wrapper: paths relative to /api/v2.0, no cookie jar."""

    def __init__(self, server, auth=("admin", None)):
        self.server = server
        self.session = requests.Session()
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        user, password = auth
        self.session.auth = (user, password if password is not None else server.options.admin_password)
        self.verify = server.ca_path or True

    def request(self, method, path, **kwargs):
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.server.api_url + path, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def head(self, path, **kwargs):
        return self.request("HEAD", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def pytest_configure(config):
    config.addinivalue_line("markers", "harbor_version(version): Harbor version the fake_harbor fixture emulates")


def _requested_version(request):
    marker = request.node.get_closest_marker("harbor_version")
    if marker is not None:
        return marker.args[0]
    return getattr(request, "param", None) or DEFAULT_VERSION


@pytest.fixture(scope="session")
def fake_harbor_pool():
    pool = FakeHarborPool()
    yield pool
    pool.close()


@pytest.fixture
def fake_harbor(request, fake_harbor_pool):  # pylint: disable=redefined-outer-name
    server = fake_harbor_pool.get(_requested_version(request))
    server.reset()
    return server


@pytest.fixture
def fake_harbor_tls(request, fake_harbor_pool):  # pylint: disable=redefined-outer-name
    server = fake_harbor_pool.get(_requested_version(request), tls=True)
    server.reset()
    return server


@pytest.fixture
def harbor_api(fake_harbor):  # pylint: disable=redefined-outer-name
    client = ApiClient(fake_harbor)
    yield client
    client.session.close()
