"""Integration harness: the contract notice, the secret scan's figures, and the fixtures the test files share."""

import pathlib

import pytest

from tests.fake_harbor.contract.spec import find_spec_dir

from . import secret_scan

REPO = pathlib.Path(__file__).resolve().parents[2]


def contract_notice():
    spec_dir = find_spec_dir(None)
    if spec_dir is None:
        return ("NOTICE: fake Harbor contract validation is OFF: Harbor's specs (../shared/harbor or "
                "$HARBOR_SPEC_DIR) are missing, so 'zero contract violations' proves nothing in this run")
    return "fake Harbor contract validation: ON (specs in %s)" % spec_dir


# The files of the longest tests, longest first. With pytest-xdist's worksteal (make pytest), a run ends when its
# last test ends: started first, the long ones no longer keep one worker busy while the other has nothing left.
# Every other file keeps its place after them, and every file the order of its own tests.
LONGEST_FIRST = [
    "tests/integration/test_system_robots.py",
    "tests/integration/test_concurrency.py",
    "tests/integration/test_faults.py",
    "tests/roles/test_harbor_preflight.py",
    "tests/integration/test_targets.py",
    "tests/integration/test_awx.py",
]


def pytest_collection_modifyitems(items):
    def rank(item):
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)  # stable: the rest keep their order


def pytest_report_header(config):
    return contract_notice()


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(contract_notice())
    for line in secret_scan.summary_lines():
        terminalreporter.write_line(line)


def pytest_sessionfinish(session):
    """A pytest-xdist worker hands its secret-scan figures to the controller (``pytest_testnodedown``)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["secret_scan"] = secret_scan.exported()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """On the pytest-xdist controller: add a finished worker's figures."""
    data = getattr(node, "workeroutput", {}).get("secret_scan")
    if data:
        secret_scan.merge(data)


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """An ansible_collections tree whose harbor_ops/harbor is this checkout (a symlink: always current)."""
    root = tmp_path_factory.mktemp("collections")
    namespace = root / "ansible_collections" / "harbor_ops"
    namespace.mkdir(parents=True)
    (namespace / "harbor").symlink_to(REPO)
    return root
