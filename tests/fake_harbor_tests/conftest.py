"""Fixtures of the fake's own tests (re-exported from tests/fake_harbor/pytest_plugin.py)."""

import pytest

from tests.fake_harbor import pytest_plugin
from tests.fake_harbor.contract.spec import find_spec_dir
from tests.fake_harbor.server import FakeHarbor

fake_harbor_pool = pytest_plugin.fake_harbor_pool
fake_harbor = pytest_plugin.fake_harbor
fake_harbor_tls = pytest_plugin.fake_harbor_tls
harbor_api = pytest_plugin.harbor_api

ADMIN = ("admin", "Harbor12345")
SPEC_DIR = find_spec_dir()
needs_spec = pytest.mark.skipif(SPEC_DIR is None, reason="Harbor spec dir not found (set HARBOR_SPEC_DIR or "
                                                         "provide <repo>/../shared/harbor): contract tests skipped")


def pytest_configure(config):
    pytest_plugin.pytest_configure(config)
    config.addinivalue_line("markers", "allow_response_violations: the test provokes violations of kind response")


@pytest.fixture(autouse=True)
def _no_response_violations(request):
    """The fake's own responses must pass response validation in every test."""
    yield
    if request.node.get_closest_marker("allow_response_violations"):
        return
    for value in request.node.funcargs.values():
        server = getattr(value, "server", value)
        if isinstance(server, FakeHarbor):
            bad = [v for v in server.violations if v["kind"] == "response"]
            assert not bad, "the fake produced responses that break the spec: %s" % bad


def request_violations(server):
    return [v for v in server.violations if v["kind"] == "request"]


def stand_ins_first(server, module, unserved=()):
    """Let the routes of a test-only ``extra_modules`` stand-in win over the fake's own routes for the same
    operation (the router takes the first of equally good matches), and take the fake's routes of the
    ``unserved`` (method, template) pairs out, so that a test can rely on an operation the fake does not serve."""
    own = list(module.ROUTES.routes)
    others = [r for r in server.router.routes if r not in own and (r.method, r.path) not in set(unserved)]
    server.router.routes = [r for r in server.router.routes if r in own] + others
