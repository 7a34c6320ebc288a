"""Check the documentation of the built and installed collection.

Usage: check_docs.py COLLECTION_ROOT
Renders every module with `ansible-doc --json` from the installed tarball and checks that each has
DOCUMENTATION, EXAMPLES and RETURN, and that every module sits in the `harbor` action group of
meta/runtime.yml and says so in its `action_group` attribute.
"""

import json
import os
import subprocess
import sys

import yaml


def main(root):
    modules_dir = os.path.join(root, "plugins", "modules")
    names = sorted(f[:-3] for f in os.listdir(modules_dir) if f.endswith(".py") and not f.startswith("_"))
    fqcns = ["harbor_ops.harbor." + name for name in names]
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "--json"] + fqcns,
                         check=True, capture_output=True, text=True).stdout
    docs = json.loads(out)
    with open(os.path.join(root, "meta", "runtime.yml")) as handle:
        group = set(yaml.safe_load(handle)["action_groups"]["harbor"])
    problems = []
    for name, fqcn in zip(names, fqcns):
        entry = docs.get(fqcn) or {}
        doc = entry.get("doc") or {}
        if not doc.get("short_description") or not entry.get("examples") or entry.get("return") is None:
            problems.append("%s: ansible-doc does not render DOCUMENTATION, EXAMPLES and RETURN" % fqcn)
        membership = (doc.get("attributes", {}).get("action_group") or {}).get("membership", [])
        if name not in group or "harbor_ops.harbor.harbor" not in membership:
            problems.append("%s: not in the harbor action group (meta/runtime.yml and its action_group attribute)" % fqcn)
    for problem in problems:
        print(problem)
    print("docs: %d modules render from the installed tarball, %d problems" % (len(names), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
