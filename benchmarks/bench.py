"""Configuration as code at scale: the bulk path against one single-object task per object (``make bench``).

For each size N (default 100, 1,000 and 5,000 objects: projects with their members, robots, webhooks, retention
policies, immutable tag rules and labels), against a fresh fake Harbor:

1. ``playbooks/configure.yml`` creates everything (first run), then runs again (no-op);
2. the same model as one single-object task per object (``harbor_ops.harbor.project``, ``.project_member``, ...)
   runs on the Harbor that step 1 left (a no-op too): the baseline, up to ``--baseline-max`` objects.

Each run reports wall time, the peak memory of its largest process (ansible-playbook or a module), the read and
write requests that reached Harbor (the fake's request log) and requests per object. The targets of issue 13
are checked in the same run; the exit code is 1 when one is missed. Times are ratios within one run on one
machine: compare rows, not machines.

    .venv/bin/python benchmarks/bench.py [--sizes 100,1000,5000] [--baseline-max 1000] [--version 2.15]
"""

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time

import requests
import yaml

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from tests.fake_harbor.server import FakeHarbor  # noqa: E402  (the repository root is on the path only now)

ADMIN_PASSWORD = "Bench-Admin-Pw-1"
PER_PROJECT = dict(members=8, robots=3, webhooks=2, retention=1, immutable_tag_rules=3, labels=2)
OBJECTS_PER_PROJECT = 1 + sum(PER_PROJECT.values())  # 20
USERS = 8
MEASURE = ("import resource, subprocess, sys\n"
           "code = subprocess.call(sys.argv[1:])\n"
           "sys.stderr.write('MAXRSS_KB=%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
           "sys.exit(code)\n")


def model_of(size):
    """About ``size`` objects: projects of OBJECTS_PER_PROJECT objects each (the users are made beforehand)."""
    projects = []
    for number in range(max(1, size // OBJECTS_PER_PROJECT)):
        name = "team-%04d" % number
        projects.append(dict(
            name=name, auto_scan=number % 2 == 0, severity="high",
            members=[dict(user="dev-%02d" % m, role=("developer", "maintainer", "guest")[m % 3])
                     for m in range(PER_PROJECT["members"])],
            robots=[dict(name="ci-%d" % r, duration=90, description="pipeline %d" % r,
                         permissions=[dict(resource="repository", actions=["pull", "push"])])
                    for r in range(PER_PROJECT["robots"])],
            webhooks=[dict(name="hook-%d" % w, event_types=["PUSH_ARTIFACT", "SCANNING_COMPLETED"],
                           targets=[dict(address="https://hooks.example.com/%s/%d" % (name, w))])
                      for w in range(PER_PROJECT["webhooks"])],
            retention=dict(schedule="0 0 3 * * *", rules=[dict(template="latestPushedK", count=10, tags="v*")]),
            immutable_tag_rules=[dict(tags="v%d.*" % r) for r in range(PER_PROJECT["immutable_tag_rules"])],
            labels=[dict(name="label-%d" % n, color="#1D5100") for n in range(PER_PROJECT["labels"])],
        ))
    return dict(harbor_projects=projects)


def flat_objects(model):
    """(kind, options) per object, in the order the bulk path applies them."""
    sys.path.insert(0, str(collections_root()))
    from ansible_collections.harbor_ops.harbor.plugins.module_utils._bulk import KIND_NAMES
    from ansible_collections.harbor_ops.harbor.plugins.module_utils._model import objects
    by_kind = objects(dict(projects=model["harbor_projects"]))
    return [(kind, item) for kind in KIND_NAMES for item in by_kind.get(kind, [])]


def collections_root():
    root = pathlib.Path(tempfile.gettempdir()) / "harbor-bench-collections"
    link = root / "ansible_collections" / "harbor_ops" / "harbor"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO)
    return root


def baseline_playbook(objects, path):
    tasks = [{"name": "%s %d" % (kind, index), "harbor_ops.harbor.%s" % kind: options}
             for index, (kind, options) in enumerate(objects)]
    play = dict(name="One single-object task per object", hosts="localhost", gather_facts=False,
                module_defaults={"group/harbor_ops.harbor.harbor": dict(
                    url="{{ harbor_api_url }}", username="admin", password="{{ harbor_api_password }}",
                    ca_path="{{ harbor_api_ca_path | default(omit) }}")},
                tasks=tasks)
    path.write_text(yaml.safe_dump([play], sort_keys=False))


def run_playbook(playbook, extra_vars, workdir, label):
    vars_file = workdir / ("%s.vars.json" % label)
    vars_file.write_text(json.dumps(extra_vars))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_root()), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCAL_TEMP=str(workdir / "tmp"))
    playbook_bin = str(pathlib.Path(sys.executable).parent / "ansible-playbook")
    command = [sys.executable, "-c", MEASURE, playbook_bin, str(playbook), "-i", "localhost,", "-c", "local",
               "-e", "@" + str(vars_file)]
    start = time.monotonic()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    (workdir / ("%s.log" % label)).write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise SystemExit("%s failed (rc %d); see %s" % (label, proc.returncode, workdir / ("%s.log" % label)))
    rss_kb = int(proc.stderr.rsplit("MAXRSS_KB=", 1)[1].split()[0])
    changed = None
    for line in proc.stdout.splitlines():
        if line.startswith("localhost") and "changed=" in line:
            changed = int(line.split("changed=")[1].split()[0])
    return dict(wall=wall, rss_mb=rss_kb / 1024.0, changed=changed)


def counted(fake):
    entries = fake.requests
    fake.clear_requests()
    reads = [e for e in entries if e["method"] in ("GET", "HEAD")]
    return len(reads), len(entries) - len(reads), reads


def read_breakdown(reads):
    out = {}
    for entry in reads:
        parts = entry["path"].split("/")
        key = "/".join("{p}" if i == 4 and parts[3] == "projects" and len(parts) > 5 else part
                       for i, part in enumerate(parts))
        if key.startswith("/api/v2.0/retentions/"):
            key = "/api/v2.0/retentions/{id}"
        out[key] = out.get(key, 0) + 1
    return out


def bench(size, args, workdir):
    fake = FakeHarbor(version=args.version, tls=False, admin_password=ADMIN_PASSWORD, auth_fail_delay=0.0,
                      contract=args.contract).start()
    try:
        for number in range(USERS):
            requests.post(fake.url + "/_fake/users", json=dict(username="dev-%02d" % number,
                                                               password="Dev-Passw0rd-%02d" % number), timeout=30)
        model = model_of(size)
        objects = flat_objects(model)
        extra = dict(model, harbor_api_url=fake.url, harbor_api_password=ADMIN_PASSWORD,
                     harbor_robot_secrets_file=str(workdir / ("secrets-%d.yml" % size)))
        fake.clear_requests()
        rows = []
        for label in ("first", "noop"):
            result = run_playbook(REPO / "playbooks" / "configure.yml", extra, workdir, "bulk-%s-%d" % (label, size))
            reads, writes, read_log = counted(fake)
            rows.append(dict(size=len(objects), path="bulk", run=label, reads=reads, writes=writes,
                             breakdown=read_breakdown(read_log), **result))
        if len(objects) <= args.baseline_max:
            playbook = workdir / ("baseline-%d.yml" % size)
            baseline_playbook(objects, playbook)
            result = run_playbook(playbook, dict(harbor_api_url=fake.url, harbor_api_password=ADMIN_PASSWORD),
                                  workdir, "baseline-noop-%d" % size)
            reads, writes, read_log = counted(fake)
            rows.append(dict(size=len(objects), path="per-task", run="noop", reads=reads, writes=writes,
                             breakdown=read_breakdown(read_log), **result))
        return rows
    finally:
        fake.stop()


def table(rows):
    lines = ["| objects | path | run | wall s | peak MB | reads | writes | reads/object | writes/object | changed |",
             "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        lines.append("| %d | %s | %s | %.1f | %.0f | %d | %d | %.3f | %.3f | %s |" % (
            row["size"], row["path"], row["run"], row["wall"], row["rss_mb"], row["reads"], row["writes"],
            row["reads"] / float(row["size"]), row["writes"] / float(row["size"]), row["changed"]))
    return "\n".join(lines)


def check(rows):
    """The targets of issue 13, as (target, measured, ok)."""
    def find(size_class, path, run):
        for row in rows:
            if row["path"] == path and row["run"] == run and abs(row["size"] - size_class) <= OBJECTS_PER_PROJECT:
                return row
        return None

    results = []
    noop, base = find(1000, "bulk", "noop"), find(1000, "per-task", "noop")
    if noop and base:
        ratio = base["wall"] / noop["wall"]
        results.append(("no-op of 1,000 objects >= 30x faster than one task per object", "%.1fx" % ratio,
                        ratio >= 30))
    if noop:
        results.append(("no-op of 1,000 objects <= 10 s", "%.1f s" % noop["wall"], noop["wall"] <= 10))
    for row in rows:
        if row["path"] == "bulk" and row["run"] == "first":
            results.append(("first run of %d objects: one write per object" % row["size"],
                            "%d writes" % row["writes"], row["writes"] == row["size"]))
        if row["path"] == "bulk" and row["run"] == "noop":
            listed = row["breakdown"].get("/api/v2.0/projects", 0)
            projects = row["size"] // OBJECTS_PER_PROJECT
            results.append(("no-op of %d: projects listed at <= 1 read per 50 projects" % row["size"],
                            "%d reads for %d projects" % (listed, projects), listed <= max(1, projects / 50.0 + 1)))
            results.append(("no-op of %d: zero writes, changed=0" % row["size"], "%d writes" % row["writes"],
                            row["writes"] == 0 and row["changed"] == 0))
    small, large = find(1000, "bulk", "noop"), find(5000, "bulk", "noop")
    if small and large:
        growth = (large["wall"] / large["size"]) / (small["wall"] / small["size"])
        results.append(("wall time per object 1,000 -> 5,000: linear or better (<= 1.15)", "%.2f" % growth,
                        growth <= 1.15))
        first_small, first_large = find(1000, "bulk", "first"), find(5000, "bulk", "first")
        growth = (first_large["wall"] / first_large["size"]) / (first_small["wall"] / first_small["size"])
        results.append(("first run per object 1,000 -> 5,000: linear or better (<= 1.15)", "%.2f" % growth,
                        growth <= 1.15))
    if large:
        peak = max(row["rss_mb"] for row in rows if row["path"] == "bulk" and row["size"] == large["size"])
        results.append(("peak memory at 5,000 <= 200 MB", "%.0f MB" % peak, peak <= 200))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--baseline-max", type=int, default=1000,
                        help="run the per-task baseline up to this many objects (default 1000)")
    parser.add_argument("--version", default="2.15")
    parser.add_argument("--contract", action="store_true",
                        help="validate every request against Harbor's spec (slower fake, same counts)")
    parser.add_argument("--json", help="write the rows and checks to this file")
    args = parser.parse_args(argv)
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="harbor-bench-"))
    rows = []
    for size in (int(text) for text in args.sizes.split(",")):
        rows.extend(bench(size, args, workdir))
        print(table(rows[-3:] if rows[-1]["path"] == "per-task" else rows[-2:]), flush=True)
    checks = check(rows)
    print("\nmachine: %s, %d CPUs, Python %s; fake Harbor %s (contract %s); logs in %s" % (
        platform.platform(), os.cpu_count(), platform.python_version(), args.version,
        "on" if args.contract else "off", workdir))
    print("\n" + table(rows))
    print("\n| target | measured | met |\n| --- | --- | --- |")
    for target, measured, ok in checks:
        print("| %s | %s | %s |" % (target, measured, "yes" if ok else "**no**"))
    print("\nreads of the no-op runs, by path:")
    for row in rows:
        if row["run"] == "noop":
            print("  %s %d: %s" % (row["path"], row["size"], json.dumps(row["breakdown"], sort_keys=True)))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(dict(rows=rows, checks=checks), indent=2))
    return 0 if all(ok for dummy, dummy2, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
