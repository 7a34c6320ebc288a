"""Integration harness settings: say loudly whether the fake Harbor checks Harbor's contract."""

from tests.fake_harbor.contract.spec import find_spec_dir


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
