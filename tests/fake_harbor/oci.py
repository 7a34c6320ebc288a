"""Test images, built by the tests themselves (never pulled from the internet).

``build_image(directory, files, tag)`` writes an OCI image layout (``oci-layout``, ``index.json``,
``blobs/sha256/...``) holding one image whose single layer contains ``files`` ({path: bytes or str}).
Layers are reproducible (fixed mtimes and owners), so the same files give the same digest.
``packages_file(packages)`` gives the ``packages.json`` entry that the fake's scanner stand-in reads:
``[{"name": "openssl", "version": "3.0.1", "vulnerabilities": [{"id": "CVE-2024-0001",
"severity": "Critical", "fix_version": "3.0.2"}]}]``.

``skopeo_copy(...)`` pushes or pulls with Debian's skopeo; ``python -m tests.fake_harbor.oci push ...`` builds
and pushes from a playbook (see ``main``).
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"


def packages_file(packages):
    return {"packages.json": json.dumps(packages, sort_keys=True)}


def _write_blob(directory, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(directory, "blobs", "sha256", digest)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    return "sha256:" + digest, len(data)


def _layer(files):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(files):
            data = files[path].encode("utf-8") if isinstance(files[path], str) else files[path]
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
    return gzip.compress(raw.getvalue(), mtime=0), diff_id


def build_image(directory, files, tag="latest"):
    """Write an OCI layout with one image; return its manifest digest."""
    os.makedirs(directory, exist_ok=True)
    layer, diff_id = _layer(files)
    layer_digest, layer_size = _write_blob(directory, layer)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}, sort_keys=True).encode()
    config_digest, config_size = _write_blob(directory, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": LAYER_MEDIA_TYPE, "digest": layer_digest, "size": layer_size}],
    }, sort_keys=True).encode()
    manifest_digest, manifest_size = _write_blob(directory, manifest)
    with open(os.path.join(directory, "oci-layout"), "w", encoding="utf-8") as handle:
        json.dump({"imageLayoutVersion": "1.0.0"}, handle)
    with open(os.path.join(directory, "index.json"), "w", encoding="utf-8") as handle:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": MANIFEST_MEDIA_TYPE, "digest": manifest_digest, "size": manifest_size,
            "annotations": {"org.opencontainers.image.ref.name": tag}}]}, handle)
    return manifest_digest


def skopeo():
    return shutil.which("skopeo")


def skopeo_copy(source, destination, src_creds=None, dest_creds=None, cert_dir=None, tls_verify=True):
    """Run ``skopeo copy``; return the CompletedProcess (check returncode and stderr)."""
    cmd = [skopeo(), "--insecure-policy", "copy", "--retry-times", "0"]
    for prefix, creds in (("--src", src_creds), ("--dest", dest_creds)):
        transport = source if prefix == "--src" else destination
        if not transport.startswith("docker://"):
            continue
        if creds:
            cmd.append("%s-creds=%s:%s" % (prefix, creds[0], creds[1]))
        else:
            cmd.append("%s-no-creds" % prefix)
        if cert_dir:
            cmd.append("%s-cert-dir=%s" % (prefix, cert_dir))
        if not tls_verify:
            cmd.append("%s-tls-verify=false" % prefix)
    env = dict(os.environ, HOME=os.environ.get("HOME", "/tmp"))
    return subprocess.run(cmd + [source, destination], capture_output=True, text=True, timeout=120, env=env,
                          check=False)


def push(registry, image, tags, files, authfile=None, cert_dir=None):
    """Build an image holding ``files`` and push it under each tag; return its manifest digest."""
    with tempfile.TemporaryDirectory(prefix="fake-harbor-image-") as directory:
        digest = build_image(directory, files, tag=tags[0])
        for tag in tags:
            cmd = [skopeo(), "--insecure-policy", "copy", "--retry-times", "0"]
            if authfile:
                cmd.append("--dest-authfile=%s" % authfile)
            if cert_dir:
                cmd.append("--dest-cert-dir=%s" % cert_dir)
            else:
                cmd.append("--dest-tls-verify=false")
            cmd += ["oci:%s:%s" % (directory, tags[0]), "docker://%s/%s:%s" % (registry, image, tag)]
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
            if result.returncode != 0:
                raise RuntimeError("skopeo could not push %s:%s: %s" % (image, tag, result.stderr.strip()))
    return digest


def main(argv=None):
    """``python -m tests.fake_harbor.oci push`` for playbooks: build a test image and push it with skopeo."""
    parser = argparse.ArgumentParser(prog="python -m tests.fake_harbor.oci")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("push", help="build a one-layer image and push it under one or more tags")
    cmd.add_argument("--registry", required=True, help="host:port of the fake Harbor")
    cmd.add_argument("--image", required=True, help="project/repository")
    cmd.add_argument("--tag", action="append", required=True)
    cmd.add_argument("--packages", help="JSON list written to packages.json (what the scanner stand-in finds)")
    cmd.add_argument("--file", action="append", default=[], metavar="PATH=TEXT", help="a file of the layer")
    cmd.add_argument("--random-bytes", type=int, default=0, help="an incompressible file of this size")
    cmd.add_argument("--authfile", help="containers auth.json with the registry's credentials")
    cmd.add_argument("--cert-dir", help="directory holding the registry's CA as ca.crt (else no TLS check)")
    args = parser.parse_args(argv)
    files = dict(item.split("=", 1) for item in args.file)
    if args.packages:
        files.update(packages_file(json.loads(args.packages)))
    if args.random_bytes:
        files["random.bin"] = os.urandom(args.random_bytes)
    files["etc/image"] = "%s:%s" % (args.image, ",".join(args.tag))  # every image:tag is an artifact of its own
    digest = push(args.registry, args.image, args.tag, files, authfile=args.authfile, cert_dir=args.cert_dir)
    print(json.dumps({"digest": digest, "image": args.image, "tags": args.tag}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
