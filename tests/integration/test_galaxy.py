"""The paths a user takes from Galaxy and from a checkout, walked as the user walks them.

* the tarball ``ansible-galaxy collection build`` makes ships the LICENSE, the playbooks and the roles, and none of
  the checkout's test machinery (Makefile, tests, molecule scenarios, changelog fragments);
* installed into an empty collections path (with its dependency community.crypto, offline), every shipped playbook
  passes ``ansible-playbook harbor_ops.harbor.<name> --syntax-check``;
* README.md's Galaxy quickstart, followed literally: its commands and its inventory files as they stand, with only
  the Harbor it talks to (the fake, for the API part), the interactive vault prompt (a password file) and Galaxy
  (the tarball, Galaxy is out of reach here) substituted; the configuration as code it declares lands in Harbor and a
  second run changes nothing;
* ``make site`` refuses early and clearly where this machine cannot host Harbor (not root, an unsupported OS, no way
  to get the installer), before any role changes anything, and runs from a small runtime venv, not the test tools.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

from tests.fake_harbor.server import FakeHarbor

from .test_configure import admin_get, recap
from .test_targets import ADMIN_PASSWORD, REPO

BIN = pathlib.Path(sys.executable).parent
PLAYBOOKS_USERS_RUN = ("site", "configure", "upgrade", "backup", "restore", "export")
NOT_SHIPPED = ("Makefile", "tests/", "molecule/", "changelogs/fragments/", ".ci/", ".venv", "benchmarks/")
README = REPO / "README.md"


def run(argv, env=None, cwd=None, timeout=600):
    proc = subprocess.run(argv, env=dict(os.environ, ANSIBLE_NOCOLOR="1", **(env or {})), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def dependency_tarball(out):
    """community.crypto as Galaxy ships it: a collection artifact built from the copy the test venv holds."""
    code, listing = run([str(BIN / "ansible-galaxy"), "collection", "list", "community.crypto", "--format", "json"])
    assert code == 0, listing
    found = json.loads(listing)
    path = pathlib.Path(next(iter(found))) / "community" / "crypto"
    source = out / "crypto-src"
    shutil.copytree(path, source, ignore=shutil.ignore_patterns("__pycache__"))
    info = json.loads((source / "MANIFEST.json").read_text())["collection_info"]
    galaxy = {key: info[key] for key in ("namespace", "name", "version", "readme", "authors", "description",
                                         "license", "tags", "dependencies", "repository") if info.get(key)}
    (source / "galaxy.yml").write_text(yaml.safe_dump(galaxy))
    for name in ("MANIFEST.json", "FILES.json"):
        (source / name).unlink()
    code, output = run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out), str(source)])
    assert code == 0, output
    return next(out.glob("community-crypto-*.tar.gz"))


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """(our tarball, community.crypto's), built once."""
    out = tmp_path_factory.mktemp("dist")
    code, output = run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(out), str(REPO)])
    assert code == 0, output
    return next(out.glob("harbor_ops-harbor-*.tar.gz")), dependency_tarball(out)


def install(artifacts, path):
    """``ansible-galaxy collection install`` of both tarballs into ``path`` (offline: no Galaxy here)."""
    # only(path): with the checkout's collection on ANSIBLE_COLLECTIONS_PATH (make test) Galaxy would find it
    # "already installed" and install nothing
    code, output = run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p", str(path)]
                       + [str(a) for a in artifacts], env=only(path))
    assert code == 0, output
    return path


def only(path):
    """The environment of a run that sees the collections of ``path`` and nothing else (not the venv's)."""
    return dict(ANSIBLE_COLLECTIONS_PATH=str(path), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
                ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")


def test_the_tarball_ships_the_license_and_playbooks_and_no_test_machinery(artifacts):
    with tarfile.open(artifacts[0]) as tar:
        names = tar.getnames()
        license_text = tar.extractfile("LICENSE").read().decode()
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert manifest["collection_info"]["license"] == ["Apache-2.0"]
    for name in PLAYBOOKS_USERS_RUN:
        assert "playbooks/%s.yml" % name in names
    shipped_junk = [n for n in names if any(n == j or n.startswith(j) or "/molecule/" in n for j in NOT_SHIPPED)]
    assert shipped_junk == []


def test_every_shipped_playbook_passes_syntax_check_from_an_empty_collections_path(artifacts, tmp_path):
    path = install(artifacts, tmp_path / "collections")
    shipped = sorted(p.stem for p in (path / "ansible_collections/harbor_ops/harbor/playbooks").glob("*.yml"))
    assert set(PLAYBOOKS_USERS_RUN) <= set(shipped)
    work = tmp_path / "work"  # no playbook-adjacent collections, no checkout around
    work.mkdir()
    for name in shipped:
        code, output = run([str(BIN / "ansible-playbook"), "harbor_ops.harbor." + name, "--syntax-check",
                            "-i", "localhost,"], env=only(path), cwd=str(work))
        assert code == 0, "harbor_ops.harbor.%s: %s" % (name, output[-2000:])


# ------------------------------------------------------------------ README.md's Galaxy quickstart, literally
def quickstart_blocks():
    """The fenced blocks of README.md's "Quickstart (from Galaxy)" section: [(language, file name or None, text)]."""
    text = README.read_text()
    section = re.search(r"^## Quickstart \(from Galaxy\)\n(.*?)^## ", text, re.S | re.M)
    assert section, "README.md has no 'Quickstart (from Galaxy)' section"
    return [(m.group(1), m.group(2) or None, m.group(3))
            for m in re.finditer(r"^```(\w+)(?: (\S+))?\n(.*?)^```$", section.group(1), re.S | re.M)]


def commands(blocks):
    for language, _name, text in blocks:
        if language == "bash":
            for line in text.splitlines():
                line = line.split("  #")[0].strip()
                if line:
                    yield line


def test_readme_quickstart_followed_literally(artifacts, tmp_path):
    blocks = quickstart_blocks()
    files = [(name, text) for language, name, text in blocks if language == "yaml"]
    assert [name for name, _text in files] == ["inventory/hosts.yml", "inventory/group_vars/all/main.yml"]
    fake = FakeHarbor(version="2.15", tls=True, admin_password=ADMIN_PASSWORD).start()
    try:
        collections = tmp_path / "collections"
        env = dict(only(collections), HARBOR_CA_PATH=fake.ca_path)  # the controller trusts Harbor's CA
        vault_pass = tmp_path / "vault-pass"
        vault_pass.write_text("quickstart-vault-pw")
        vault_pass.chmod(0o600)
        ran = []
        for command in commands(blocks):
            argv = command.split()
            if argv[:2] == ["python3", "-m"]:
                # pip install: the test venv has both; check that instead of reinstalling them
                assert "ansible-core" in command and "requests" in command
                run_ok([sys.executable, "-c", "import ansible, requests"])
            elif argv[:3] == ["ansible-galaxy", "collection", "install"]:
                assert argv[3:] == ["harbor_ops.harbor"], command
                install(artifacts, collections)  # Galaxy: the tarball instead
            elif argv[0] == "mkdir":
                run_ok(argv, cwd=str(tmp_path))
                for name, text in files:  # the files the README shows, as it shows them
                    target = tmp_path / name
                    target.write_text(text.replace("https://registry.example.com", fake.url)
                                      if name.endswith("main.yml") else text)
            elif argv[:2] == ["ansible-vault", "create"]:
                target = tmp_path / argv[2]
                target.write_text(yaml.safe_dump({"vault_harbor_admin_password": ADMIN_PASSWORD,
                                                  "vault_harbor_database_password": "Quickstart-Db-Pw1"}))
                run_ok([str(BIN / "ansible-vault"), "encrypt", "--vault-password-file", str(vault_pass), str(target)])
            elif argv[0] == "ansible-playbook":
                assert "--ask-vault-pass" in argv
                argv = [str(BIN / "ansible-playbook")] + [a for a in argv[1:] if a != "--ask-vault-pass"] + [
                    "--vault-password-file", str(vault_pass)]
                playbook = next(a for a in argv if a.startswith("harbor_ops.harbor."))
                if playbook == "harbor_ops.harbor.site":
                    # the Harbor host of the quickstart is not here: the whole site runs for real in
                    # molecule/site; here it must parse with this inventory
                    argv = [a for a in argv if a not in ("--check", "--diff")] + ["--syntax-check"]
                code, output = run(argv, env=env, cwd=str(tmp_path))
                assert code == 0, command + "\n" + output[-3000:]
                assert ADMIN_PASSWORD not in output
                ran.append((playbook, output))
            else:
                pytest.fail("the quickstart has a command this test does not know: %s" % command)
        assert [p for p, _output in ran] == ["harbor_ops.harbor.site", "harbor_ops.harbor.site", "harbor_ops.harbor.configure"]
        changed, failed = recap(ran[-1][1])
        assert failed == 0 and changed > 0
        project = admin_get(fake, "/projects/team-a")
        assert project["metadata"].get("auto_scan") == "true" and project["metadata"].get("severity") == "high"
        # the quickstart again: nothing to do
        code, output = run([str(BIN / "ansible-playbook"), "-i", "inventory/hosts.yml", "harbor_ops.harbor.configure",
                            "--vault-password-file", str(vault_pass)], env=env, cwd=str(tmp_path))
        assert code == 0, output[-3000:]
        assert recap(output) == (0, 0)
    finally:
        fake.stop()


def run_ok(argv, cwd=None):
    code, output = run(argv, cwd=cwd)
    assert code == 0, output


# ------------------------------------------------------------------ make site from a checkout
def make_site(tmp_path, *args, user=None, env=None):
    """``make site`` in the checkout, with its build dir and runtime venv in tmp_path (never the suite's .build)."""
    argv = ["make", "--no-print-directory", "-C", str(REPO), "site", "BUILD=%s" % (tmp_path / "build"),
            "SITE_VENV=%s" % (tmp_path / "site-venv")] + list(args)
    if user is not None:
        argv = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + argv
    return run(argv, env=env, timeout=900)


def test_make_site_refuses_without_root(tmp_path):
    tmp_path.chmod(0o777)
    code, output = make_site(tmp_path, user=65534 if os.geteuid() == 0 else None)
    assert code == 2, output
    assert "installing Harbor here needs root" in output and "INVENTORY=" in output
    assert not (tmp_path / "site-venv").exists()  # refused before anything was set up


def test_make_site_refuses_an_os_the_roles_do_not_support(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("NOTICE: the OS check comes after the root check: run as root")
    os_release = tmp_path / "os-release"
    os_release.write_text('ID=alpine\nVERSION_ID="3.20"\n')
    code, output = make_site(tmp_path, "OS_RELEASE=%s" % os_release)
    assert code == 2, output
    assert "(alpine ) cannot host Harbor" in output
    assert not (tmp_path / "site-venv").exists()


def test_make_site_refuses_a_host_that_cannot_get_the_installer_before_anything_changes(artifacts, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("NOTICE: make site on this machine needs root")
    before = {p: os.path.exists(p) for p in ("/opt/harbor", "/etc/nginx/sites-enabled/harbor.conf", "/etc/ssl/harbor")}
    # an installer URL nobody answers (port 9, discard): deterministic on any machine, online or not
    code, output = make_site(tmp_path, "SITE_COLLECTIONS=%s" % artifacts[1],
                             "SITE_ARGS=-e harbor_installer_url_template=http://127.0.0.1:9/harbor-{tag}.tgz",
                             env={"HARBOR_ADMIN_PASSWORD": ADMIN_PASSWORD, "HARBOR_DATABASE_PASSWORD": "Site-Db-Pw1"})
    assert code != 0, output[-3000:]
    assert "This host cannot download Harbor 2.15.2's installer from http://127.0.0.1:9/harbor-v2.15.2.tgz" in output
    assert "nothing was changed" in output
    # refused in the first play: no role task that changes anything ran
    assert "PLAY [Harbor's frontend and TLS certificate]" not in output
    assert re.search(r"^localhost\s*:.*changed=0 ", output, re.M), output[-2000:]
    assert {p: os.path.exists(p) for p in before} == before
    assert ADMIN_PASSWORD not in output
    # the runtime venv: ansible-core and requests, none of the test tools
    venv = tmp_path / "site-venv"
    code, frozen = run([str(venv / "bin" / "python"), "-m", "pip", "freeze"])
    assert code == 0, frozen
    packages = {line.split("==")[0].lower() for line in frozen.splitlines() if "==" in line}
    assert {"ansible-core", "requests"} <= packages
    assert packages.isdisjoint({"pytest", "molecule", "ansible-lint", "hypothesis", "ansible"})
    assert (venv / "collections/ansible_collections/community/crypto/MANIFEST.json").is_file()


def test_the_first_release_changelog_speaks_to_users():
    """Before the first release the changelog is the release summary and what users get: no fixes or breaking
    changes of versions nobody had, no private module_utils, each module at most once."""
    released = yaml.safe_load((REPO / "changelogs" / "changelog.yaml").read_text()).get("releases") or {}
    fragments = [yaml.safe_load(p.read_text()) for p in sorted((REPO / "changelogs" / "fragments").glob("*.yml"))]
    sections = {key for fragment in fragments for key in fragment}
    assert "release_summary" in sections
    if not released:
        # trivial: test and CI changes, never rendered into the changelog
        assert sections <= {"release_summary", "major_changes", "minor_changes", "trivial"}, sections
    entries = [entry for fragment in fragments for key, value in fragment.items()
               if key not in ("release_summary", "trivial") for entry in value]
    assert not [entry for entry in entries if "module_utils" in entry]
    modules = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    leading = [entry.split(" - ", 1)[0] for entry in entries]
    repeated = [m for m in modules if sum(1 for lead in leading if re.search(r"\b%s\b" % re.escape(m), lead)) > 1]
    assert repeated == []
