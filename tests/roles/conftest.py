"""Figures the role tests report at the end of the run (they survive pytest-xdist: user properties travel with
the test reports)."""

FIGURE = "figure"


def pytest_terminal_summary(terminalreporter):
    lines = [value for reports in terminalreporter.stats.values() for report in reports
             for name, value in getattr(report, "user_properties", ()) if name == FIGURE
             and getattr(report, "when", "call") == "call"]
    if lines:
        terminalreporter.section("role test figures")
        for line in lines:
            terminalreporter.write_line(line)
