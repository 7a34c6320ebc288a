"""harbor-backup (roles/backup/files/harbor_backup.py) run for real on this machine.

Debian's PostgreSQL plays Harbor's database (external-database mode, a server started on loopback with
initdb/pg_ctl; the harbor-db container mode through a `docker exec` stand-in), a tree of generated layers
plays the registry storage, the fake Harbor plays Harbor's API (read-only mode, version, health), rsync,
gzip, age and rclone are the real programs, and a small S3 endpoint on loopback plays the bucket.
"""

import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import requests

from tests.fake_harbor import FakeHarbor
from tests.roles.test_backup_s3_standin import S3Standin

REPO = Path(__file__).resolve().parents[2]
PROGRAM = REPO / "roles" / "backup" / "files" / "harbor_backup.py"
PG_BIN = next((p for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True) if (p / "initdb").exists()), None)

needs = [name for name in ("rsync", "psql", "pg_dump", "age", "age-keygen", "rclone", "gzip") if not shutil.which(name)]
pytestmark = pytest.mark.skipif(bool(needs) or PG_BIN is None,
                                reason="needs PostgreSQL (initdb), rsync, age and rclone: %s" % needs)

ADMIN_PASSWORD = "Harbor12345"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------------------
# PostgreSQL from Debian, on loopback


class Postgres:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="harbor-backup-pg-")
        self.port = free_port()
        self.as_user = []
        if os.geteuid() == 0:  # initdb refuses root
            shutil.chown(self.dir, "postgres")
            os.chmod(self.dir, 0o700)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        data = os.path.join(self.dir, "data")
        subprocess.run(self.as_user + [str(PG_BIN / "initdb"), "-A", "trust", "-U", "postgres", "-D", data],
                       check=True, capture_output=True)
        subprocess.run(self.as_user + [str(PG_BIN / "pg_ctl"), "-D", data, "-w", "-l", os.path.join(self.dir, "log"),
                                       "-o", "-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off" % (self.port, self.dir),
                                       "start"], check=True, capture_output=True)
        self.data = data

    def stop(self):
        subprocess.run(self.as_user + [str(PG_BIN / "pg_ctl"), "-D", self.data, "-m", "immediate", "stop"],
                       check=False, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def psql(self, sql, db="postgres"):
        out = subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                              "-v", "ON_ERROR_STOP=1", "-tAc", sql], check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def dump(self, db):
        """A plain dump without pg_dump's per-run random \\restrict key: equal content gives equal text."""
        out = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", db],
                             check=True, capture_output=True, text=True).stdout
        return "\n".join(line for line in out.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))

    def create_harbor_db(self, name, artifacts):
        self.psql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        self.psql("CREATE DATABASE %s" % name)
        self.psql(textwrap.dedent("""
            CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
            INSERT INTO schema_migrations VALUES (150, false);
            CREATE TABLE properties (id SERIAL PRIMARY KEY, k varchar(64) UNIQUE NOT NULL, v varchar(1024));
            INSERT INTO properties (k, v) VALUES ('read_only', 'false'), ('auth_mode', 'db_auth');
            CREATE TABLE registry (id SERIAL PRIMARY KEY, name varchar(256), access_secret varchar(4096));
            INSERT INTO registry (name, access_secret) VALUES ('ecr', '<encrypted with keys/secretkey>');
            CREATE TABLE artifact (id SERIAL PRIMARY KEY, repository_name varchar(255), digest varchar(255),
                                   size bigint, push_time timestamp DEFAULT now());
            CREATE INDEX artifact_digest ON artifact (digest);
        """), db=name)
        rows = ", ".join("('library/app', 'sha256:%s', %d)" % (digest, size) for digest, size in artifacts)
        self.psql("INSERT INTO artifact (repository_name, digest, size) VALUES %s" % rows, db=name)


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def harbor():
    with FakeHarbor(version="2.15", auth_fail_delay=0.05, admin_password=ADMIN_PASSWORD, contract=False) as fake:
        yield fake


# ---------------------------------------------------------------------------------------------------------
# a Harbor host laid out as install.sh leaves it


class HarborHost:
    def __init__(self, base, postgres, harbor, db_name, blobs=60, seed=1, mode="external"):
        self.base = base
        self.pg = postgres
        self.harbor = harbor
        self.db_name = db_name
        self.rng = random.Random(seed)
        self.install = base / "harbor"
        self.data = base / "data"
        self.registry = self.data / "registry" / "docker" / "registry" / "v2"
        self.backups = base / "backups"
        self.textfile = base / "textfile" / "harbor_backup.prom"
        self.textfile.parent.mkdir(parents=True)
        self.calls = base / "calls.log"
        self.probe = base / "probe.log"
        (self.install).mkdir(parents=True)
        (self.install / "docker-compose.yml").write_text("# stand-in\n")
        (self.install / "harbor.yml").write_text("hostname: harbor.test\ndata_volume: %s\n_version: 2.15.0\n" % self.data)
        keys = self.data / "secret" / "keys"
        keys.mkdir(parents=True)
        (keys / "secretkey").write_text("".join(self.rng.choice("abcdefghijklmnop") for _count in range(16)))
        (keys / "secretkey").chmod(0o600)
        (self.data / "secret" / "core").mkdir()
        (self.data / "secret" / "core" / "private_key.pem").write_text("-----BEGIN PRIVATE KEY-----\nstand-in\n")
        self.blob_sizes = {}
        for _count in range(blobs):
            self.add_blob()
        postgres.create_harbor_db(db_name, self.blob_sizes.items())
        self.tools = self._tools(mode)
        self.config = base / "config.json"
        self.write_config(mode=mode)

    def add_blob(self, size=None):
        size = size or self.rng.randint(8_000, 40_000)
        data = self.rng.randbytes(size)
        digest = hashlib.sha256(data).hexdigest()
        blob = self.registry / "blobs" / "sha256" / digest[:2] / digest / "data"
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = self.registry / "repositories" / "library" / "app" / "_layers" / "sha256" / digest / "link"
        link.parent.mkdir(parents=True, exist_ok=True)
        link.write_text("sha256:" + digest)
        self.blob_sizes[digest] = size
        return digest, size

    def _tools(self, mode):
        bindir = self.base / "bin"
        bindir.mkdir()
        # compose stand-in: records its arguments
        compose = bindir / "compose"
        compose.write_text("#!%s\nimport sys\nopen(%r, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
                           % (sys.executable, str(self.calls)))
        # pg_dump probe: records Harbor's read-only mode at the moment of the dump, then dumps
        probe = bindir / "pg_dump"
        probe.write_text(textwrap.dedent("""\
            #!%s
            import json, os, sys, urllib.request, base64
            req = urllib.request.Request(%r)
            req.add_header("Authorization", "Basic " + base64.b64encode(b"admin:%s").decode())
            value = json.load(urllib.request.urlopen(req))["read_only"]["value"]
            open(%r, "a").write("read_only during dump: %%s\\n" %% value)
            os.execvp("pg_dump", ["pg_dump"] + sys.argv[1:])
            """) % (sys.executable, self.harbor.api_url + "/configurations", ADMIN_PASSWORD, str(self.probe)))
        # docker stand-in for the harbor-db container: `docker exec [-i] harbor-db PROG -U postgres ARGS`
        docker = bindir / "docker"
        docker.write_text(textwrap.dedent("""\
            #!%s
            import os, sys
            open(%r, "a").write("docker " + " ".join(sys.argv[1:]) + "\\n")
            args = sys.argv[1:]
            assert args[0] == "exec", args
            args = args[1:]
            if args[0] == "-i":
                args = args[1:]
            assert args[0] == "harbor-db", args
            prog, rest = args[1], args[2:]
            os.execvp(prog, [prog, "-h", "127.0.0.1", "-p", "%d"] + rest)
            """) % (sys.executable, str(self.calls), self.pg.port))
        for script in (compose, probe, docker):
            script.chmod(0o755)
        return {"compose": str(compose), "pg_dump": str(probe), "docker": str(docker)}

    def write_config(self, mode="external", **overrides):
        cfg = {
            "backup_dir": str(self.backups),
            "keep": 5,
            "data_volume": str(self.data),
            "harbor_yml": str(self.install / "harbor.yml"),
            "install_dir": str(self.install),
            "harbor_version": "2.15.2",
            "compose_command": [self.tools["compose"]],
            "docker_command": [self.tools["docker"]],
            "consistency": "read_only",
            "storage": "filesystem",
            "textfile": str(self.textfile),
            "health_timeout": 20,
            "harbor": {"url": self.harbor.url, "username": "admin", "password": ADMIN_PASSWORD},
            "tools": {"pg_dump": self.tools["pg_dump"]},
            "database": ({"mode": "external", "host": "127.0.0.1", "port": self.pg.port, "name": self.db_name,
                          "user": "postgres", "password": "db-secret-not-needed", "sslmode": "disable"}
                         if mode == "external" else {"mode": "internal", "container": "harbor-db", "name": self.db_name,
                                                     "user": "postgres"}),
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(cfg.get(key), dict):
                cfg[key] = dict(cfg[key], **value)
            else:
                cfg[key] = value
        self.config.write_text(json.dumps(cfg))
        self.config.chmod(0o600)
        return cfg

    def run(self, *args, timeout=120):
        return subprocess.run([sys.executable, str(PROGRAM), "-c", str(self.config), *args], capture_output=True,
                              text=True, timeout=timeout, check=False)

    def backup(self, *args):
        result = self.run("backup", *args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    def blob_sums(self):
        root = self.data / "registry"
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}

    def compose_calls(self):
        return self.calls.read_text().splitlines() if self.calls.exists() else []

    def complete_backups(self):
        return sorted(p.name for p in self.backups.iterdir() if not p.is_symlink() and (p / "MANIFEST.sha256").is_file())

    def metrics(self):
        values = {}
        for line in self.textfile.read_text().splitlines():
            if line and not line.startswith("#"):
                name, value = line.split()
                values[name] = float(value)
        return values


def harbor_read_only(harbor):
    body = requests.get(harbor.api_url + "/configurations", auth=("admin", ADMIN_PASSWORD), timeout=10).json()
    return body["read_only"]["value"]


def config_puts(harbor):
    return [r for r in harbor.requests if r["method"] == "PUT" and r["path"].endswith("/configurations")]


@pytest.fixture
def host(tmp_path, postgres, harbor, request):
    harbor.reset()
    name = "registry_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40]
    return HarborHost(tmp_path, postgres, harbor, name)


def wipe(host):
    """Lose the host's Harbor data: an empty database, no registry storage, a new secret key, another harbor.yml."""
    host.pg.psql("DROP DATABASE %s WITH (FORCE)" % host.db_name)
    host.pg.psql("CREATE DATABASE %s" % host.db_name)
    shutil.rmtree(host.data / "registry")
    (host.data / "secret" / "keys" / "secretkey").write_text("0000000000000000")
    (host.install / "harbor.yml").write_text("hostname: other.test\n")


# ---------------------------------------------------------------------------------------------------------
# backup -> wipe -> restore


def test_round_trip_encrypted_external_database(host, harbor):
    """Backup (age-encrypted), wipe, restore: identical database dump, byte-identical blobs, secret and harbor.yml."""
    key = host.base / "age.key"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = [line.split(": ")[1] for line in key.read_text().splitlines() if "public key" in line][0]
    host.write_config(encryption={"age_recipients": [recipient]})
    dump_before = host.pg.dump(host.db_name)
    blobs_before = host.blob_sums()
    secret_before = (host.data / "secret" / "keys" / "secretkey").read_bytes()
    yml_before = (host.install / "harbor.yml").read_bytes()

    result = host.backup()
    backup = host.backups / result["id"]
    assert result["harbor_version"] == "v2.15.2-080b0220"
    # read-only mode was on while the database was dumped, and off again afterwards
    assert host.probe.read_text() == "read_only during dump: True\n"
    assert harbor_read_only(harbor) is False
    assert len(config_puts(harbor)) == 2
    # encrypted with age, listed in the manifest, and not readable without the key
    for name in ("database.sql.gz.age", "config.tar.gz.age"):
        assert (backup / name).read_bytes().startswith(b"age-encryption.org/v1")
        assert stat.S_IMODE((backup / name).stat().st_mode) == 0o600
    manifest = (backup / "MANIFEST.sha256").read_text()
    assert "  database.sql.gz.age\n" in manifest and "  config.tar.gz.age\n" in manifest
    assert sum(1 for line in manifest.splitlines() if "  registry/" in line) == 2 * len(host.blob_sizes)
    assert (host.backups / "latest").resolve() == backup.resolve()
    assert stat.S_IMODE(host.backups.stat().st_mode) == 0o700

    wipe(host)
    assert host.pg.dump(host.db_name) != dump_before

    without_key = host.run("restore", "latest")
    assert without_key.returncode == 2 and "--identity" in without_key.stderr
    assert host.compose_calls() == []  # refused before Harbor was touched

    harbor.clear_requests()
    restored = host.run("restore", "latest", "--identity", str(key))
    assert restored.returncode == 0, restored.stderr
    assert host.pg.dump(host.db_name) == dump_before
    assert host.blob_sums() == blobs_before
    assert (host.data / "secret" / "keys" / "secretkey").read_bytes() == secret_before
    assert (host.install / "harbor.yml").read_bytes() == yml_before
    # Harbor stopped, started, waited for; the read-only flag of the dump switched off again
    assert [c.split(" ", 2)[2] for c in host.compose_calls()] == ["stop", "up -d"]
    paths = [(r["method"], r["path"]) for r in harbor.requests]
    assert ("GET", "/api/v2.0/health") in paths
    assert paths[-1] == ("PUT", "/api/v2.0/configurations")
    # what the restore replaced is kept
    kept = [p for p in host.backups.iterdir() if p.name.startswith("pre-restore-")]
    assert len(kept) == 1 and (kept[0] / "secret" / "keys" / "secretkey").read_text() == "0000000000000000"


def test_round_trip_harbor_db_container(tmp_path, postgres, harbor):
    """The harbor-db container mode: pg_dump and psql run through `docker exec` as Harbor's own tools."""
    harbor.reset()
    host = HarborHost(tmp_path, postgres, harbor, "registry_container", blobs=10, mode="internal")
    host.write_config(mode="internal", tools={})
    dump_before = host.pg.dump(host.db_name)
    host.backup()
    assert "docker exec harbor-db pg_dump -U postgres registry_container --no-owner --no-privileges" in host.compose_calls()
    wipe(host)
    host.calls.unlink()
    result = host.run("restore")
    assert result.returncode == 0, result.stderr
    assert host.pg.dump(host.db_name) == dump_before
    calls = [c.split(" ", 2)[2] if c.startswith("-f ") else c for c in host.compose_calls()]
    assert calls[:2] == ["stop", "start log postgresql"]
    assert any(c.startswith("docker exec -i harbor-db psql -U postgres -d registry_container") for c in calls)
    assert calls[-1] == "up -d"


def test_stop_instead_of_read_only(host, harbor):
    host.backup("--stop")
    assert [c.split(" ", 2)[2] for c in host.compose_calls()] == ["stop", "start"]
    assert config_puts(harbor) == []
    assert host.probe.read_text() == "read_only during dump: False\n"


# ---------------------------------------------------------------------------------------------------------
# incremental blob snapshots


def test_second_backup_copies_only_new_blobs(host):
    first = host.backup()
    new = [host.add_blob() for _count in range(max(1, len(host.blob_sizes) // 100))]  # 1 % new blobs
    new_bytes = sum(size for _digest, size in new)
    second = host.backup()
    one, two = host.backups / first["id"] / "registry", host.backups / second["id"] / "registry"

    # bytes written by the run: the new blobs (+ their link files), the database dump and the config archive
    archives = sum((host.backups / second["id"] / n).stat().st_size for n in ("database.sql.gz", "config.tar.gz"))
    link_bytes = len(new) * len("sha256:" + "0" * 64)
    assert second["written_bytes"] == new_bytes + link_bytes + archives

    # on disk: every old file of the second snapshot is a hard link to the first, only the new ones take space
    unique = 0
    for path in two.rglob("*"):
        if path.is_file():
            old = one / path.relative_to(two)
            if old.exists() and os.path.samefile(old, path):
                continue
            unique += path.stat().st_size
    assert unique == new_bytes + link_bytes
    assert host.metrics()["harbor_backup_last_written_bytes"] == second["written_bytes"]
    assert host.run("verify", second["id"]).returncode == 0


def test_retention_keeps_the_newest_and_their_blobs(host):
    host.write_config(keep=2)
    ids = []
    for _count in range(3):
        ids.append(host.backup()["id"])
        host.add_blob()
        time.sleep(1)  # backup IDs have one-second resolution
    assert host.complete_backups() == ids[1:]
    for backup_id in ids[1:]:
        assert host.run("verify", backup_id).returncode == 0
    assert host.metrics()["harbor_backup_local_backups"] == 2


# ---------------------------------------------------------------------------------------------------------
# refusals: corrupted, missing, tampered, newer


def test_corrupted_archive_is_refused_naming_the_file(host):
    backup_id = host.backup()["id"]
    blob = sorted((host.backups / backup_id / "registry").rglob("data"))[3]
    os.unlink(blob)  # a copy, not the hard-linked original: only the backup is damaged
    blob.write_bytes(b"corrupted")
    dump_before = host.pg.dump(host.db_name)
    result = host.run("restore", backup_id)
    assert result.returncode == 7
    assert str(blob.relative_to(host.backups / backup_id)) in result.stderr
    assert host.compose_calls() == []
    assert host.pg.dump(host.db_name) == dump_before


@pytest.mark.parametrize("damage", ["missing database", "changed database", "extra file", "manifest gone"])
def test_tampered_backup_is_refused(host, damage):
    backup_id = host.backup()["id"]
    backup = host.backups / backup_id
    if damage == "missing database":
        (backup / "database.sql.gz").unlink()
        expected = "database.sql.gz is missing"
    elif damage == "changed database":
        data = bytearray((backup / "database.sql.gz").read_bytes())
        data[len(data) // 2] ^= 0xFF
        (backup / "database.sql.gz").write_bytes(bytes(data))
        expected = "database.sql.gz is corrupted"
    elif damage == "extra file":
        (backup / "registry" / "planted").write_text("x")
        expected = "registry/planted is not in the manifest"
    else:
        (backup / "MANIFEST.sha256").unlink()
        expected = "has no MANIFEST.sha256"
    result = host.run("restore", str(backup) if damage == "manifest gone" else backup_id)
    assert result.returncode == 7, result.stderr
    assert expected in result.stderr
    assert host.compose_calls() == []


def test_missing_backup_is_refused(host):
    result = host.run("restore", "20200101T000000Z")
    assert result.returncode == 7 and "20200101T000000Z not found" in result.stderr
    empty = host.run("restore", "latest")
    assert empty.returncode == 7 and "no complete backup" in empty.stderr
    assert host.compose_calls() == []


def test_backup_from_a_newer_harbor_is_refused(host):
    backup_id = host.backup()["id"]  # Harbor 2.15.2
    with FakeHarbor(version="2.12", auth_fail_delay=0.05, admin_password=ADMIN_PASSWORD, contract=False) as older:
        host.write_config(harbor={"url": older.url})
        result = host.run("restore", backup_id)
    assert result.returncode == 8
    assert "newer than the installed v2.12.4" in result.stderr
    assert host.compose_calls() == []


def test_unhealthy_harbor_after_restore(host, harbor):
    host.backup()
    host.write_config(health_timeout=4)
    harbor.set_health("jobservice", healthy=False, error="dial tcp: connection refused")
    result = host.run("restore")
    assert result.returncode == 10
    assert "jobservice (dial tcp: connection refused)" in result.stderr


# ---------------------------------------------------------------------------------------------------------
# interrupted runs, locking, space


def _slow_rsync(host):
    script = host.base / "bin" / "slow-rsync"
    script.write_text("#!/bin/sh\nexec rsync --bwlimit=300 \"$@\"\n")
    script.chmod(0o755)
    return str(script)


def _start_and_wait_for_copy(host):
    proc = subprocess.Popen([sys.executable, str(PROGRAM), "-c", str(host.config), "backup"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        partial = [p for p in host.backups.iterdir() if p.name.endswith(".partial")]
        if partial and any(f.is_file() for f in (partial[0] / "registry").rglob("*")):
            return proc, partial[0]
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the copy did not start: %s" % proc.communicate()[1])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_interrupted_backup_never_replaces_the_last_good_one(host, harbor, sig):
    good = host.backup()["id"]
    for _count in range(40):
        host.add_blob(size=20_000)  # 800 KB at 300 KB/s
    host.write_config(tools={"rsync": _slow_rsync(host)})
    proc, partial = _start_and_wait_for_copy(host)
    assert harbor_read_only(harbor) is True
    os.killpg(proc.pid, sig)  # like systemd stopping the unit (SIGTERM) or the OOM killer (SIGKILL)
    err = proc.communicate(timeout=30)[1]
    assert host.complete_backups() == [good]
    assert (host.backups / "latest").resolve().name == good
    assert host.run("verify", "latest").returncode == 0
    if sig == signal.SIGTERM:
        assert proc.returncode == 143, err
        assert "interrupted by signal 15" in err
        assert not partial.exists()
        assert harbor_read_only(harbor) is False  # switched off before it exited
        assert host.metrics()["harbor_backup_last_exit_code"] == 143
    else:
        assert proc.returncode == -9
        assert harbor_read_only(harbor) is True  # nobody could switch it off...
        host.write_config(tools={})
        result = host.run("backup")  # ...until the next run
        assert result.returncode == 0, result.stderr
        assert "left Harbor in read-only mode" in result.stderr
        assert "removing %s" % partial.name in result.stderr
        assert not partial.exists()
        assert harbor_read_only(harbor) is False
        assert len(host.complete_backups()) == 2


def test_failed_backup_switches_read_only_off(host, harbor):
    """The dump fails (the database is gone): exit 5, read-only mode off again, nothing left, last good intact."""
    good = host.backup()["id"]
    host.write_config(database={"name": "no_such_database"})
    result = host.run("backup")
    assert result.returncode == 5
    assert "database dump failed (pg_dump exited 1)" in result.stderr and "no_such_database" in result.stderr
    assert host.probe.read_text().splitlines()[-1] == "read_only during dump: True"
    assert harbor_read_only(harbor) is False
    assert len(config_puts(harbor)) == 4
    assert host.complete_backups() == [good]
    assert not [p for p in host.backups.iterdir() if p.name.endswith(".partial")]
    assert host.metrics()["harbor_backup_last_exit_code"] == 5


def test_a_second_run_waits_for_no_one(host):
    host.backups.mkdir(mode=0o700)
    with open(host.backups / ".lock", "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = host.run("backup")
        restore = host.run("restore")
    assert result.returncode == 3 and "another harbor-backup run holds" in result.stderr
    assert restore.returncode == 3
    assert host.complete_backups() == []


def test_not_enough_space_fails_before_copying(host, harbor):
    """A threshold: backup_min_free keeps more free than the target has."""
    good = host.backup()["id"]
    harbor.clear_requests()
    host.add_blob()
    host.write_config(min_free_bytes=10 ** 18)
    result = host.run("backup")
    assert result.returncode == 4
    assert "not enough space" in result.stderr and "the last good backup %s is intact" % good in result.stderr
    assert config_puts(harbor) == []  # Harbor never went read-only: nothing had started
    assert host.complete_backups() == [good]
    assert not [p for p in host.backups.iterdir() if p.name.endswith(".partial")]
    assert host.metrics()["harbor_backup_last_exit_code"] == 4


def test_full_filesystem_fails_before_copying(tmp_path, postgres, harbor):
    """A real small filesystem (tmpfs of 4 MiB) that holds one backup but not the next."""
    harbor.reset()
    target = tmp_path / "small"
    target.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(target)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % mounted.stderr.decode().strip())
    try:
        host = HarborHost(tmp_path / "h", postgres, harbor, "registry_small", blobs=20)
        host.backups = target / "backups"
        host.write_config()
        good = host.backup()["id"]
        for _count in range(40):
            host.add_blob(size=100_000)  # 4 MB of new blobs: more than is left
        harbor.clear_requests()
        result = host.run("backup")
        assert result.returncode == 4, result.stderr
        assert "not enough space in %s" % host.backups in result.stderr
        assert config_puts(harbor) == []
        assert host.complete_backups() == [good]
        assert host.run("verify", good).returncode == 0
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


# ---------------------------------------------------------------------------------------------------------
# S3


def _chown_tree(root, uid, gid):
    for path in [root, *root.rglob("*")]:
        os.lchown(path, uid, gid)


def _owners(root):
    return {(p.lstat().st_uid, p.lstat().st_gid) for p in [root, *root.rglob("*")]}


def test_upload_fetch_and_restore_from_s3(host, tmp_path):
    """Blobs and archives go to the bucket (only new blobs the second time); a host without backups fetches one
    and restores it, blobs owned by Harbor's uid 10000 again although the bucket keeps no owners."""
    as_root = os.geteuid() == 0
    if as_root:
        _chown_tree(host.data / "registry", 10000, 10000)
    with S3Standin(str(tmp_path / "s3")) as s3:
        host.write_config(s3={"enabled": True, "endpoint": s3.endpoint, "bucket": "harbor-backups", "prefix": "site-a",
                              "access_key": s3.access_key, "secret_key": s3.secret_key})
        first = host.backup()["id"]
        blob_puts = [r for r in s3.requests if r[0] == "PUT" and "/site-a/registry/" in r[1]]
        assert len(blob_puts) == 2 * len(host.blob_sizes)
        new_digest = host.add_blob()[0]
        s3.requests.clear()
        second = host.backup()["id"]
        blob_puts = [r for r in s3.requests if r[0] == "PUT" and "/site-a/registry/" in r[1]]
        assert sorted(request[1] for request in blob_puts) == sorted([
            "/harbor-backups/site-a/registry/docker/registry/v2/blobs/sha256/%s/%s/data" % (new_digest[:2], new_digest),
            "/harbor-backups/site-a/registry/docker/registry/v2/repositories/library/app/_layers/sha256/%s/link" % new_digest])
        assert host.metrics()["harbor_backup_upload_last_success_timestamp_seconds"] > 0

        # disaster: the host lost its backups and its data; fetch from the bucket and restore
        blobs_before, dump_before = host.blob_sums(), host.pg.dump(host.db_name)
        shutil.rmtree(host.backups)
        wipe(host)
        fetched = host.run("fetch", second)
        assert fetched.returncode == 0, fetched.stderr
        assert host.complete_backups() == [second]
        restored = host.run("restore", second)
        assert restored.returncode == 0, restored.stderr
        assert host.blob_sums() == blobs_before
        assert host.pg.dump(host.db_name) == dump_before
        if as_root:
            assert _owners(host.data / "registry") == {(10000, 10000)}
        assert host.run("fetch", first).returncode == 0


def test_wrong_s3_credentials_keep_the_local_backup(host, tmp_path):
    with S3Standin(str(tmp_path / "s3")) as s3:
        host.write_config(s3={"enabled": True, "endpoint": s3.endpoint, "bucket": "harbor-backups",
                              "access_key": s3.access_key, "secret_key": "wrong-secret-key"})
        result = host.run("backup")
    assert result.returncode == 6
    assert "SignatureDoesNotMatch" in result.stderr
    assert "is complete and kept" in result.stderr
    assert "wrong-secret-key" not in result.stderr + result.stdout
    [backup_id] = host.complete_backups()
    assert json.loads(result.stdout)["id"] == backup_id  # the local backup is reported (playbooks/backup.yml)
    assert host.run("verify", backup_id).returncode == 0
    metrics = host.metrics()
    assert metrics["harbor_backup_last_exit_code"] == 6
    assert metrics["harbor_backup_last_success_timestamp_seconds"] > 0
    assert "harbor_backup_upload_last_success_timestamp_seconds" not in metrics


# ---------------------------------------------------------------------------------------------------------
# the Prometheus textfile


def test_metrics_textfile_is_valid_for_prometheus(host):
    host.backup()
    metrics = host.metrics()
    assert metrics["harbor_backup_last_exit_code"] == 0
    assert time.time() - metrics["harbor_backup_last_success_timestamp_seconds"] < 60
    assert metrics["harbor_backup_last_size_bytes"] > sum(host.blob_sizes.values())
    assert 0 < metrics["harbor_backup_last_duration_seconds"] < 60
    if shutil.which("promtool"):
        lint = subprocess.run(["promtool", "check", "metrics"], input=host.textfile.read_text(), capture_output=True,
                              text=True, check=False)
        assert lint.returncode == 0, lint.stdout + lint.stderr
