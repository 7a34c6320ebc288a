"""Build stand-in Harbor offline installers for the molecule scenarios of roles/harbor (README.md here).

    python3 tests/hosts/harbor-bundle/build.py [--out DIR] [VERSION ...]     (default: 2.10.3 2.14.4 2.15.2)

Harbor's images cannot be downloaded on the CI machine, so the scenarios install this stand-in instead: a
``harbor-offline-installer-v<VERSION>.tgz`` with Harbor's file layout and script interface (``harbor/install.sh``,
``prepare``, ``common.sh``, ``harbor.yml.tmpl``, ``LICENSE``, ``harbor.v<VERSION>.tar.gz``), whose images archive
is written here in ``docker save`` format without a Docker engine. Its containers run the collection's fake
Harbor API (tests/fake_harbor).

Next to each installer: ``.sha256`` (sha256sum format), ``.asc`` (detached GPG signature by a test key whose
public half is ``test-release-key.asc``, fingerprint in ``test-release-key.fpr``) and ``.sigstore.json`` (a
bundle for the cosign stand-in ``cosign.py`` in this directory).

The image's base (a pruned debootstrap rootfs with python3 and the fake's libraries) is built once and cached in
$HARBOR_TEST_CACHE (default /var/tmp/harbor-test), keyed by a hash of its recipe; installers are rebuilt only
when an input changed (a stamp per version). Concurrent callers serialise on locks. Needs root (debootstrap).
"""

import argparse
import contextlib
import fcntl
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SHARED = REPO.parent / "shared" / "harbor"
CACHE = Path(os.environ.get("HARBOR_TEST_CACHE", "/var/tmp/harbor-test"))
SUITE = os.environ.get("HARBOR_TEST_SUITE", "bookworm")
DEFAULT_VERSIONS = ["2.10.3", "2.14.4", "2.15.2"]
# python3 runs the stand-in's scripts; yaml, jsonschema, cryptography and requests are what tests/fake_harbor imports;
# docker-registry is the real CNCF distribution the registry container runs (and core's garbage collector)
PACKAGES = ["python3", "python3-yaml", "python3-jsonschema", "python3-cryptography", "python3-cffi-backend",
            "python3-requests", "docker-registry"]
# what a container that only runs python3 does not need
PRUNE = [
    "usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/zoneinfo", "var/cache/apt",
    "var/lib/apt/lists", "var/log", "debootstrap", "usr/lib/python3.11/test", "usr/lib/python3.11/ensurepip",
    "usr/lib/python3.11/idlelib", "usr/lib/python3.11/tkinter", "usr/lib/python3.11/lib2to3",
]
# bump when the base build below changes in a way that should invalidate cached bases
RECIPE = 1
# the images of the stand-in (Harbor's names; all share one image, the compose file picks the command)
IMAGES = ["prepare", "harbor-core", "harbor-db", "trivy-adapter-photon", "harbor-exporter", "harbor-log",
          "harbor-portal", "harbor-jobservice", "registry-photon", "harbor-registryctl", "nginx-photon"]
COSIGN_IDENTITY = "https://github.com/goharbor/harbor/.github/workflows/publish_release.yml@refs/tags/v%s"
COSIGN_ISSUER = "https://token.actions.githubusercontent.com"
EPOCH = "1970-01-01T00:00:00Z"


def log(message):
    print("harbor-bundle: %s" % message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def locked(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("waiting for another build (%s)" % path)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mirror():
    """The Debian mirror this machine's apt uses (deb822 sources first, then sources.list)."""
    if os.environ.get("HARBOR_TEST_MIRROR"):
        return os.environ["HARBOR_TEST_MIRROR"]
    for source in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for stanza in source.read_text(encoding="utf-8").split("\n\n"):
            fields = {}
            for line in stanza.splitlines():
                if ":" in line and not line.startswith(("#", " ")):
                    key, value = line.split(":", 1)
                    fields[key.strip().lower()] = value.split()
            if SUITE in fields.get("suites", []) and fields.get("uris"):
                return fields["uris"][0]
    sources = Path("/etc/apt/sources.list")
    if sources.exists():
        for line in sources.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if parts[:1] == ["deb"] and SUITE in parts:
                return next(part for part in parts[1:] if "://" in part)
    raise SystemExit("harbor-bundle: no apt source for %s in /etc/apt; set HARBOR_TEST_MIRROR" % SUITE)


# ------------------------------------------------------------------------------------------------ layers
def base_layer():
    """The pruned debootstrap rootfs as an uncompressed layer tar (cached); returns (path, diff id hex)."""
    key = hashlib.sha256(json.dumps([SUITE, RECIPE, PACKAGES, PRUNE]).encode()).hexdigest()[:12]
    layer = CACHE / ("harbor-standin-base-%s-%s.tar" % (SUITE, key))
    digest_file = layer.with_suffix(".sha256")
    with locked(CACHE / "harbor-standin-base.lock"):
        if layer.exists() and digest_file.exists():
            return layer, digest_file.read_text(encoding="utf-8").strip()
        if shutil.which("debootstrap") is None:
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "debootstrap"], check=True)
        rootfs = CACHE / (".harbor-standin-rootfs-" + key)
        shutil.rmtree(rootfs, ignore_errors=True)
        log("debootstrap %s with %s (once)" % (SUITE, ",".join(PACKAGES)))
        with open(str(rootfs) + ".log", "w", encoding="utf-8") as out:
            result = subprocess.run(["debootstrap", "--variant=minbase", "--include=" + ",".join(PACKAGES), SUITE,
                                     str(rootfs), mirror()], stdout=out, stderr=subprocess.STDOUT, check=False)
        if result.returncode != 0:
            raise SystemExit("harbor-bundle: debootstrap failed, see %s.log" % rootfs)
        for relative in PRUNE:
            target = rootfs / relative
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        for cache in rootfs.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
        tmp = layer.with_suffix(".tmp")
        entries = sorted(os.listdir(rootfs))
        subprocess.run(["tar", "--numeric-owner", "--sort=name", "-C", str(rootfs), "-cf", str(tmp)] + entries,
                       check=True)
        digest = sha256_file(tmp)
        os.replace(tmp, layer)
        digest_file.write_text(digest + "\n", encoding="utf-8")
        shutil.rmtree(rootfs)
        os.unlink(str(rootfs) + ".log")
        log("base layer %s (%d MB)" % (layer, layer.stat().st_size >> 20))
        return layer, digest


def _add(tar, name, data=None, mode=0o644, directory=False):
    info = tarfile.TarInfo(name)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    if directory:
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        tar.addfile(info)
        return
    info.mode = mode
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def app_layer():
    """/opt/standin: tests/fake_harbor and the stand-in's scripts, as layer tar bytes (deterministic)."""
    files = {"opt/standin/tests/__init__.py": (REPO / "tests" / "__init__.py").read_bytes()}
    for path in sorted((REPO / "tests" / "fake_harbor").rglob("*.py")):
        files["opt/standin/" + str(path.relative_to(REPO))] = path.read_bytes()
    for path in sorted((HERE / "image").glob("*.py")):
        files["opt/standin/standin/" + path.name] = path.read_bytes()
    directories = {"opt"}
    for name in files:
        parts = name.split("/")[:-1]
        directories.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(directories | set(files)):
            if name in files:
                _add(tar, name, files[name])
            else:
                _add(tar, name, directory=True)
    data = buffer.getvalue()
    return data, hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------- installers
def architecture():
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()


def images_archive(version, base, app, target):
    """harbor.v<version>.tar.gz: a gzipped `docker save` archive of the stand-in image under Harbor's names."""
    (base_path, base_id), (app_data, app_id) = base, app
    config = {
        "architecture": architecture(), "os": "linux", "created": EPOCH,
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PYTHONDONTWRITEBYTECODE=1",
                    "PYTHONUNBUFFERED=1"],
            "Cmd": ["python3", "-c", "print('stand-in of a Harbor image (harbor_ops tests)')"],
            "WorkingDir": "/opt/standin",
            "Labels": {"org.opencontainers.image.title": "harbor_ops stand-in of Harbor " + version},
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + base_id, "sha256:" + app_id]},
        "history": [{"created": EPOCH, "created_by": "debootstrap " + SUITE + " " + " ".join(PACKAGES)},
                    {"created": EPOCH, "created_by": "tests/fake_harbor and tests/hosts/harbor-bundle/image"}],
    }
    config_data = json.dumps(config, sort_keys=True).encode()
    config_id = hashlib.sha256(config_data).hexdigest()
    tags = ["goharbor/%s:v%s" % (name, version) for name in IMAGES]
    manifest = [{"Config": config_id + ".json", "RepoTags": tags,
                 "Layers": [base_id + "/layer.tar", app_id + "/layer.tar"]}]
    repositories = {"goharbor/" + name: {"v" + version: config_id} for name in IMAGES}
    tmp = target.with_suffix(".tmp")
    with gzip.GzipFile(tmp, "wb", compresslevel=1, mtime=0) as compressed:
        with tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as tar:
            _add(tar, base_id, directory=True)
            info = tar.gettarinfo(str(base_path), arcname=base_id + "/layer.tar")
            info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, 0, "root", "root", 0o644
            with open(base_path, "rb") as handle:
                tar.addfile(info, handle)
            _add(tar, app_id, directory=True)
            _add(tar, app_id + "/layer.tar", app_data)
            _add(tar, config_id + ".json", config_data)
            _add(tar, "manifest.json", json.dumps(manifest).encode())
            _add(tar, "repositories", json.dumps(repositories).encode())
    os.replace(tmp, target)


def harbor_yml_tmpl(version):
    """Harbor's own template of the release's schema (shared/harbor), else a short stand-in."""
    major_minor = ".".join(version.split(".")[:2])
    source = SHARED / ("harbor.yml.tmpl-v2.10.0" if major_minor == "2.10" else "harbor.yml.tmpl-v2.15.2")
    if source.exists():
        text = source.read_text(encoding="utf-8")
        return text.replace("_version: 2.15.0", "_version: %s.0" % major_minor).encode()
    return ("# stand-in harbor.yml.tmpl\nhostname: reg.mydomain.com\nhttp:\n  port: 80\n"
            "_version: %s.0\n" % major_minor).encode()


def installer(version, images, out):
    """harbor-offline-installer-v<version>.tgz with Harbor's layout (top directory harbor/)."""
    name = "harbor-offline-installer-v%s.tgz" % version
    target = out / name
    tmp = target.with_suffix(".tmp")
    scripts = {
        "install.sh": ((HERE / "bundle" / "install.sh").read_bytes(), 0o755),
        "prepare": ((HERE / "bundle" / "prepare").read_bytes().replace(b"__STANDIN_VERSION__", version.encode()),
                    0o755),
        "common.sh": ((HERE / "bundle" / "common.sh").read_bytes(), 0o755),
        "LICENSE": ((HERE / "bundle" / "LICENSE").read_bytes(), 0o644),
        "harbor.yml.tmpl": (harbor_yml_tmpl(version), 0o644),
    }
    with gzip.GzipFile(tmp, "wb", compresslevel=1, mtime=0) as compressed:
        with tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as tar:
            _add(tar, "harbor", directory=True)
            for script, (data, mode) in sorted(scripts.items()):
                _add(tar, "harbor/" + script, data, mode=mode)
            info = tar.gettarinfo(str(images), arcname="harbor/" + images.name)
            info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, 0, "root", "root", 0o644
            with open(images, "rb") as handle:
                tar.addfile(info, handle)
    os.replace(tmp, target)
    return target


def gpg(home, *args, **kwargs):
    env = dict(os.environ, GNUPGHOME=str(home))
    return subprocess.run(["gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", ""]
                          + list(args), env=env, check=True, capture_output=True, text=True, **kwargs)


def test_key(out):
    """A signing key for the .asc signatures, made once per output directory; returns its fingerprint."""
    home = out / "gnupg"
    fpr_file = out / "test-release-key.fpr"
    if fpr_file.exists() and home.exists():
        return fpr_file.read_text(encoding="utf-8").strip()
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(mode=0o700)
    gpg(home, "--quick-gen-key", "harbor_ops stand-in release key <tests@harbor-ops.invalid>", "ed25519", "sign",
        "never")
    listing = gpg(home, "--with-colons", "--list-secret-keys").stdout
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    (out / "test-release-key.asc").write_text(gpg(home, "--armor", "--export", fingerprint).stdout, encoding="utf-8")
    fpr_file.write_text(fingerprint + "\n", encoding="utf-8")
    return fingerprint


def sign(bundle, version, fingerprint, out):
    digest = sha256_file(bundle)
    Path(str(bundle) + ".sha256").write_text("%s  %s\n" % (digest, bundle.name), encoding="utf-8")
    signature = Path(str(bundle) + ".asc")
    signature.unlink(missing_ok=True)
    gpg(out / "gnupg", "--armor", "--local-user", fingerprint, "--output", str(signature), "--detach-sign",
        str(bundle))
    Path(str(bundle) + ".sigstore.json").write_text(json.dumps({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "standin": {"sha256": digest, "identity": COSIGN_IDENTITY % version, "issuer": COSIGN_ISSUER},
    }, indent=2) + "\n", encoding="utf-8")


def smoke_test(base, app, out):
    """Import the stand-in's code in the image's filesystem (chroot), and run its docker-registry: a fake that needs
    a Python module the image lacks fails here, with the module's name, instead of as a container that keeps
    restarting."""
    root = out / ".smoke"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir()
    try:
        subprocess.run(["tar", "-xf", str(base[0]), "-C", str(root)], check=True)
        with tarfile.open(fileobj=io.BytesIO(app[0])) as tar:
            tar.extractall(root)  # our own archive, built above
        result = subprocess.run(
            ["chroot", str(root), "python3", "-c",
             "import sys; sys.path.insert(0, '/opt/standin'); import tests.fake_harbor, yaml"],
            capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SystemExit("harbor-bundle: the stand-in image cannot import tests.fake_harbor (add the Debian package "
                             "of the missing module to PACKAGES):\n" + result.stderr.strip().splitlines()[-1])
        result = subprocess.run(["chroot", str(root), "docker-registry", "--version"], capture_output=True, text=True,
                                check=False)
        if result.returncode != 0 or "registry" not in result.stdout:
            raise SystemExit("harbor-bundle: docker-registry does not run in the stand-in image: %s%s"
                             % (result.stdout, result.stderr))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def inputs_key(base_id, app_id):
    digest = hashlib.sha256()
    digest.update(base_id.encode() + app_id.encode())
    for path in sorted((HERE / "bundle").iterdir()) + [Path(__file__).resolve()]:
        digest.update(path.name.encode() + path.read_bytes())
    for path in sorted(SHARED.glob("harbor.yml.tmpl-v*")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / ".build" / "harbor-bundle")
    parser.add_argument("versions", nargs="*", default=DEFAULT_VERSIONS)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("harbor-bundle: must run as root (debootstrap)")
    out = args.out.resolve()
    base = base_layer()
    app = app_layer()
    key = inputs_key(base[1], app[1])
    with locked(out / ".lock"):
        fingerprint = test_key(out)
        smoked = False
        for version in args.versions:
            stamp = out / (".stamp-" + version)
            bundle = out / ("harbor-offline-installer-v%s.tgz" % version)
            if bundle.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == key:
                log("%s is up to date" % bundle.name)
                continue
            if not smoked:
                smoke_test(base, app, out)
                smoked = True
            work = out / (".work-" + version)
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            images = work / ("harbor.v%s.tar.gz" % version)
            images_archive(version, base, app, images)
            bundle = installer(version, images, out)
            sign(bundle, version, fingerprint, out)
            shutil.rmtree(work)
            stamp.write_text(key, encoding="utf-8")
            log("built %s (%d MB)" % (bundle, bundle.stat().st_size >> 20))
        subprocess.run(["gpgconf", "--kill", "all"], env=dict(os.environ, GNUPGHOME=str(out / "gnupg")), check=False)
    print(out)


if __name__ == "__main__":
    main()
