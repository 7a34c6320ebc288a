"""The Prometheus text exposition format (0.0.4), as the Go client (promhttp) of Harbor's components writes it.

A ``Family`` is one metric name with its HELP, TYPE and samples; ``render`` writes families sorted by name and
leaves out those without samples (a label vector nobody has touched yet is not written by promhttp either).
Summaries are written as quantile samples plus ``_sum`` and ``_count`` (``Family.summary``).
"""

import math
import time
from collections import deque

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# client_golang's default summary window (MaxAge) and the objectives of Harbor's summaries (src/lib/metric)
SUMMARY_WINDOW = 600.0
QUANTILES = (0.5, 0.9, 0.99)


def format_value(value):
    """A sample value: whole numbers without a fraction (1, 1000000), others as their shortest repr (0.25), and
    NaN, +Inf, -Inf as the format spells them."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return "%d" % value
    return repr(value)


def escape_label(value):
    """A label value inside double quotes: backslash, double quote and newline escaped."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text):
    """A HELP text: backslash and newline escaped."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_labels(labels):
    """``{a="1",b="2"}`` in the order given (empty labels: nothing)."""
    if not labels:
        return ""
    return "{%s}" % ",".join('%s="%s"' % (name, escape_label(value)) for name, value in labels)


def quantile(values, fraction):
    """The ``fraction`` quantile of ``values`` by nearest rank (NaN without values, as a Go summary reports)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(int(math.ceil(fraction * len(ordered))) - 1, 0)
    return ordered[rank]


class Family:
    """One metric family: ``name``, ``kind`` (counter, gauge, summary), HELP text and its samples."""

    def __init__(self, name, kind, help_text):
        self.name = name
        self.kind = kind
        self.help_text = help_text
        self.metrics = []  # (label pairs, [(suffix, extra label pairs, value)])

    def sample(self, value, **labels):
        """Add the sample of one label set (a counter or a gauge)."""
        self.metrics.append((sorted(labels.items()), [("", [], value)]))
        return self

    def summary(self, window_values, total, count, **labels):
        """Add one summary: quantiles of ``window_values`` (the recent observations), ``_sum`` and ``_count``."""
        lines = [("", [("quantile", format_value(q))], quantile(window_values, q)) for q in QUANTILES]
        lines += [("_sum", [], total), ("_count", [], count)]
        self.metrics.append((sorted(labels.items()), lines))
        return self

    def lines(self):
        """The text lines of this family (none without samples)."""
        if not self.metrics:
            return []
        out = ["# HELP %s %s" % (self.name, escape_help(self.help_text)), "# TYPE %s %s" % (self.name, self.kind)]
        for labels, samples in sorted(self.metrics, key=lambda metric: metric[0]):
            for suffix, extra, value in samples:
                out.append("%s%s%s %s" % (self.name, suffix, format_labels(labels + extra), format_value(value)))
        return out


def render(families):
    """The exposition text of ``families`` (bytes), sorted by metric name."""
    lines = []
    for family in sorted(families, key=lambda item: item.name):
        lines.extend(family.lines())
    return ("\n".join(lines) + "\n").encode() if lines else b""


class Observations:
    """What a Go summary keeps of one label set: the observations of the last ``SUMMARY_WINDOW`` seconds (for
    the quantiles) and the all-time sum and count."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.recent = deque()
        self.total = 0.0
        self.count = 0

    def observe(self, value, at=None):
        """Record one observation (``at``: when, on ``clock``; now by default)."""
        self.recent.append((self.clock() if at is None else at, float(value)))
        self.total += float(value)
        self.count += 1
        self.prune()

    def prune(self):
        """Forget the observations older than the window."""
        horizon = self.clock() - SUMMARY_WINDOW
        while self.recent and self.recent[0][0] < horizon:
            self.recent.popleft()

    def window(self):
        """The observation values still in the window."""
        self.prune()
        return [value for _at, value in self.recent]
