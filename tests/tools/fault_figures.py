"""Sum the fault campaign's figures (one JSON line per run, written by tests/integration/test_faults.py)."""

import json
import sys


def main(path):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    if not runs:
        print("fault campaign: no run recorded in %s" % path)
        return 1
    faults = {}
    for run in runs:
        for name, hits in run["faults"].items():
            faults[name] = faults.get(name, 0) + hits
    requests = sum(r["requests"] for r in runs)
    injected = sum(faults.values())
    figures = [
        ("runs", "%d (%s)" % (len(runs), ", ".join("%s: %d" % (v, sum(1 for r in runs if r["version"] == v))
                                                   for v in sorted({r["version"] for r in runs})))),
        ("API requests in the faulted runs", requests),
        ("faults injected", "%d (%.1f %% of the requests): %s" % (
            injected, 100.0 * injected / max(requests, 1), ", ".join("%s %d" % kv for kv in sorted(faults.items())))),
        ("tasks (items) per faulted run", max(r["tasks"] for r in runs)),
        ("failed tasks in the faulted runs", sum(r["failed_tasks"] for r in runs)),
        ("duplicates (must be 0)", sum(len(r["duplicates"]) for r in runs)),
        ("lost writes (must be 0)", sum(len(r["lost_writes"]) for r in runs)),
        ("clean runs with a failed task (must be 0)", sum(1 for r in runs if r["clean_failed"])),
        ("clean reruns converged to changed=0 within one run",
         "%d of %d" % (sum(1 for r in runs if r["converged"]), len(runs))),
        ("contract violations (must be 0)", sum(r["violations"] for r in runs)),
    ]
    width = max(len(figure[0]) for figure in figures)
    print("fault campaign at %s of the requests:" % ", ".join(sorted({"%.0f %%" % (100 * r["rate"]) for r in runs})))
    for name, value in figures:
        print("  %s  %s" % (name.ljust(width), value))
    failures = [f for r in runs for f in r.get("failures", [])]
    if failures:
        print("  failed tasks (each fails its task clearly; the clean rerun converges):")
        for failure in failures:
            print("    - %s" % failure[:240])
    bad = any(r["duplicates"] or r["lost_writes"] or r["clean_failed"] or not r["converged"] or r["violations"]
              for r in runs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
