"""Installer verification of harbor_ops.harbor.harbor (roles/harbor/tasks/verify.yml), against localhost.

The molecule scenarios install good installers (cosign bundle, GPG signature, pinned sha256) and refuse a
wrong checksum; here each method also meets a bad installer: a tampered bundle, a signature by another key,
a certificate identity that is not Harbor's release workflow. gpg is the real one; cosign is the stand-in of
tests/hosts/harbor-bundle (no cosign binary is reachable here). One ansible-playbook run, one host per case.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.roles.playbook import REPO, ansible_playbook
COSIGN_STANDIN = REPO / "tests" / "hosts" / "harbor-bundle" / "cosign.py"
IDENTITY = "https://github.com/goharbor/harbor/.github/workflows/publish_release.yml@refs/tags/v2.15.2"

PLAYBOOK = """
- name: Verify installers
  hosts: all
  connection: local
  gather_facts: false
  tasks:
    - name: Verify the installer
      ansible.builtin.include_role:
        name: harbor_ops.harbor.harbor
        tasks_from: verify.yml
    - name: Report success
      ansible.builtin.debug:
        msg: "VERIFIED {{ inventory_hostname }}"
"""

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")


def _gpg(home, *args):
    return subprocess.run(["gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "", *args],
                          env=dict(os.environ, GNUPGHOME=str(home)), check=True, capture_output=True, text=True)


def _key(home, name):
    home.mkdir(mode=0o700)
    _gpg(home, "--quick-gen-key", name + " <tests@harbor-ops.invalid>", "ed25519", "sign", "never")
    listing = _gpg(home, "--with-colons", "--list-secret-keys").stdout
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    return fingerprint, _gpg(home, "--armor", "--export", fingerprint).stdout


def _bundle(directory, name, content=b"harbor offline installer\n"):
    directory.mkdir(parents=True)
    path = directory / name
    path.write_bytes(content)
    return path


def _sign_gpg(home, fingerprint, path):
    _gpg(home, "--armor", "--local-user", fingerprint, "--output", str(path) + ".asc", "--detach-sign", str(path))


def _sign_cosign(path, identity=IDENTITY):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    Path(str(path) + ".sigstore.json").write_text(json.dumps({"standin": {
        "sha256": digest, "identity": identity, "issuer": "https://token.actions.githubusercontent.com"}}))


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """{host: (variables, expected failure or None)}; every installer sits in its own cache directory."""
    tmp = tmp_path_factory.mktemp("verify")
    cosign = tmp / "cosign"
    cosign.write_text('#!/bin/sh\nexec "%s" "%s" "$@"\n' % (sys.executable, COSIGN_STANDIN))
    cosign.chmod(0o755)
    release, release_key = _key(tmp / "release-gnupg", "stand-in release key")
    other, _other_key = _key(tmp / "other-gnupg", "somebody else")
    (tmp / "release-key.asc").write_text(release_key)
    name = "harbor-offline-installer-v2.10.3.tgz"
    result = {}

    def gpg_case(host, sign_with, tamper=False, key_id=release):
        path = _bundle(tmp / host, name)
        _sign_gpg(tmp / ("release-gnupg" if sign_with == release else "other-gnupg"), sign_with, path)
        if tamper:
            path.write_bytes(b"harbor offline installer with a backdoor\n")
        return {"harbor_installer_cache_dir": str(tmp / host), "harbor_installer_local_path": str(path),
                "__harbor_verify_signature": "gpg", "harbor_installer_gpg_key": str(tmp / "release-key.asc"),
                "harbor_installer_gpg_key_id": key_id[-16:]}

    result["gpg_good"] = (gpg_case("gpg_good", release), None)
    result["gpg_tampered"] = (gpg_case("gpg_tampered", release, tamper=True), "The GPG signature of")
    result["gpg_other_key"] = (gpg_case("gpg_other_key", other), "is not good")  # not in the keyring at all
    result["gpg_wrong_key_id"] = (gpg_case("gpg_wrong_key_id", release, key_id="0123456789ABCDEF"),
                                  "not by harbor_installer_gpg_key_id 0123456789ABCDEF")

    def cosign_case(host, tamper=False, identity=IDENTITY):
        path = _bundle(tmp / host, name.replace("2.10.3", "2.15.2"))
        _sign_cosign(path, identity)
        if tamper:
            path.write_bytes(b"harbor offline installer with a backdoor\n")
        return {"harbor_installer_cache_dir": str(tmp / host), "harbor_installer_local_path": str(path),
                "__harbor_verify_signature": "cosign", "harbor_installer_cosign_command": str(cosign)}

    result["cosign_good"] = (cosign_case("cosign_good"), None)
    result["cosign_tampered"] = (cosign_case("cosign_tampered", tamper=True), "invalid signature")
    result["cosign_foreign_workflow"] = (
        cosign_case("cosign_foreign_workflow", identity="https://github.com/evil/harbor/.github/workflows/x.yml@refs/tags/v1"),
        "none of the expected identities matched")

    good = _bundle(tmp / "sha256_good", name)
    bad = _bundle(tmp / "sha256_bad", name)
    digest = hashlib.sha256(good.read_bytes()).hexdigest()
    result["sha256_good"] = ({"harbor_installer_cache_dir": str(good.parent), "harbor_installer_local_path": str(good),
                              "harbor_installer_checksum": "sha256:" + digest.upper()}, None)
    result["sha256_bad"] = ({"harbor_installer_cache_dir": str(bad.parent), "harbor_installer_local_path": str(bad),
                             "harbor_installer_checksum": "0" * 64}, "not the pinned harbor_installer_checksum")
    yield tmp, result
    for home in [tmp / "release-gnupg", tmp / "other-gnupg", *tmp.glob("*/gnupg")]:
        # gpg starts an agent per home; stop it so that no test leaves a daemon behind
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True, check=False)


def test_verification(cases):
    tmp, result = cases
    inventory = {"all": {"vars": {"ansible_python_interpreter": sys.executable, "__harbor_verify_signature": ""},
                         "hosts": {host: variables for host, (variables, _expected) in result.items()}}}
    (tmp / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (tmp / "play.yml").write_text(PLAYBOOK)
    proc = ansible_playbook(tmp, "-i", tmp / "inventory.yml", tmp / "play.yml", env={"ANSIBLE_FORKS": "10"})
    verified = {line.split("VERIFIED ", 1)[1].rstrip('"') for line in proc.stdout.splitlines() if "VERIFIED " in line}
    failed = {}
    for line in proc.stdout.splitlines():
        if line.startswith("fatal: ["):
            failed[line[len("fatal: ["):line.index("]")]] = json.loads(line.split(" => ", 1)[1])["msg"]
    problems = []
    for host, (_variables, expected) in sorted(result.items()):
        if expected is None and host not in verified:
            problems.append("%s: refused: %s" % (host, failed.get(host)))
        if expected is not None and (host in verified or expected not in failed.get(host, "")):
            problems.append("%s: expected a refusal with %r, got %r" % (host, expected, failed.get(host, "verified")))
    assert not problems, "\n".join(problems) + "\n" + proc.stdout[-3000:]
