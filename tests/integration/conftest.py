"""Integration harness: the contract notice, and the fixtures the test files share."""

import pathlib

import pytest

from tests.fake_harbor.contract.spec import find_spec_dir

REPO = pathlib.Path(__file__).resolve().parents[2]


def contract_notice():
    spec_dir = find_spec_dir(None)
    if spec_dir is None:
        return ("NOTICE: fake Harbor contract validation is OFF: Harbor's specs (../shared/harbor or "
                "$HARBOR_SPEC_DIR) are missing, so 'zero contract violations' proves nothing in this run")
    return "fake Harbor contract validation: ON (specs in %s)" % spec_dir


def pytest_report_header(config):
    return contract_notice()


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(contract_notice())


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    """An ansible_collections tree whose harbor_ops/harbor is this checkout (a symlink: always current)."""
    root = tmp_path_factory.mktemp("collections")
    namespace = root / "ansible_collections" / "harbor_ops"
    namespace.mkdir(parents=True)
    (namespace / "harbor").symlink_to(REPO)
    return root
