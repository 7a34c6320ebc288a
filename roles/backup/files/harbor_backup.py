# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""harbor-backup: back up and restore a Harbor installation (installed by harbor_ops.harbor.backup).

  harbor-backup [-c CONFIG] backup [--stop] [--no-upload]
  harbor-backup [-c CONFIG] restore [ID|latest|PATH] [--identity AGE_KEY_FILE] [--no-blobs] [--no-harbor-yml]
  harbor-backup [-c CONFIG] verify [ID|latest|PATH]
  harbor-backup [-c CONFIG] list [--json]
  harbor-backup [-c CONFIG] fetch ID              (download a backup from the S3 bucket, then verify it)

A backup is the directory <backup_dir>/<ID> (ID: UTC time, 20260101T020000Z):

  backup.json               Harbor version, database mode, storage, encryption, read-only state, sizes
  database.sql.gz[.age]     pg_dump of Harbor's database (harbor-db container or external PostgreSQL)
  config.tar.gz[.age]       <data_volume>/secret/ (keys/secretkey decrypts the credentials stored in the
                            database) and harbor.yml
  registry/                 filesystem blob storage: an rsync snapshot hard-linked to the previous backup
                            (--link-dest), so an unchanged blob is stored and copied once
  MANIFEST.sha256           sha256 of every file above (sha256sum -c format)

A backup is built in <ID>.partial and renamed when complete, so an interrupted run never replaces the last
good backup. Harbor's read-only mode (API) is on during the copy and always switched off again; --stop
stops Harbor instead.

Exit codes:
  0 success                        5 backup failed (dump, copy, Harbor API); last good backup intact
  1 unexpected error               6 backup done and kept locally, but the upload failed
  2 usage or configuration error   7 backup missing or failed verification (the failing file is named)
  3 another run holds the lock     8 backup from a newer Harbor than the installed one: refused
  4 not enough space (checked      9 restore failed after Harbor was stopped
    before anything is copied)    10 Harbor did not become healthy in time
  130/143 interrupted (SIGINT/SIGTERM); Harbor's read-only mode is switched off again first
"""

from __future__ import annotations

import argparse
import base64
import errno
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request

TOOL_VERSION = "1.0.0"
DEFAULT_CONFIG = "/etc/harbor-backup/config.json"
ID_RE = re.compile(r"^\d{8}T\d{6}Z$")
MANIFEST = "MANIFEST.sha256"
META = "backup.json"
RCLONE_REMOTE = "HARBORBACKUP"

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_LOCKED, EXIT_SPACE = 0, 1, 2, 3, 4
EXIT_BACKUP, EXIT_UPLOAD, EXIT_VERIFY, EXIT_VERSION, EXIT_RESTORE, EXIT_HEALTH = 5, 6, 7, 8, 9, 10


class Failure(Exception):
    """An expected failure: a message for the operator and the exit code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Interrupted(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived."""

    def __init__(self, signum):
        super().__init__("interrupted by signal %d" % signum)
        self.signum = signum


def log(message):
    sys.stderr.write("%s harbor-backup: %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), message))
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------------------
# processes

_CHILDREN = []


def _on_signal(signum, _frame):
    for proc in list(_CHILDREN):
        if proc.poll() is None:
            try:
                proc.terminate()
            except OSError:
                pass
    raise Interrupted(signum)


def install_signal_handlers():
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)


def _short(text, limit=800):
    text = (text or "").strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def run(argv, env=None, cwd=None, check=True, what=None, code=EXIT_BACKUP):
    """Run one command; return (rc, stdout, stderr) as text."""
    try:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError as exc:
        raise Failure(code, "%s: cannot run %s: %s" % (what or "command", argv[0], exc.strerror)) from exc
    _CHILDREN.append(proc)
    try:
        out, err = proc.communicate()
    finally:
        _CHILDREN.remove(proc)
    out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise Failure(code, "%s failed (%s exited %d): %s" % (what or "command", os.path.basename(argv[0]), proc.returncode,
                                                              _short(err or out)))
    return proc.returncode, out, err


def pipeline(commands, stdout_path=None, stdin_path=None, env=None, what="pipeline", code=EXIT_BACKUP):
    """Run commands connected by pipes; stdin from a file, stdout to a new file (mode 0600) or returned.

    Every command's exit status is checked (no `set -o pipefail` surprises).
    """
    procs, errs = [], []
    stdin_file = open(stdin_path, "rb") if stdin_path else None  # pylint: disable=consider-using-with
    out_file = None
    try:
        if stdout_path:
            fd = os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            out_file = os.fdopen(fd, "wb")
        prev = stdin_file or subprocess.DEVNULL
        for index, argv in enumerate(commands):
            last = index == len(commands) - 1
            err = tempfile.TemporaryFile()
            errs.append(err)
            try:
                proc = subprocess.Popen(argv, stdin=prev, stdout=out_file if (last and out_file) else subprocess.PIPE,
                                        stderr=err, env=env)
            except OSError as exc:
                raise Failure(code, "%s: cannot run %s: %s" % (what, argv[0], exc.strerror)) from exc
            _CHILDREN.append(proc)
            if procs and procs[-1].stdout:
                procs[-1].stdout.close()  # the next process owns the pipe now
            procs.append(proc)
            prev = proc.stdout
        captured = b""
        if not out_file and procs[-1].stdout:
            captured = procs[-1].stdout.read()
        for proc in procs:
            proc.wait()
        failed = [(argv, proc.returncode, err) for argv, proc, err in zip(commands, procs, errs) if proc.returncode != 0]
        if failed:
            argv, returncode, err = failed[0]
            err.seek(0)
            raise Failure(code, "%s failed (%s exited %d): %s" % (what, os.path.basename(argv[0]), returncode,
                                                                  _short(err.read().decode("utf-8", "replace"))))
        return captured
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc in _CHILDREN:
                _CHILDREN.remove(proc)
        for err in errs:
            err.close()
        if stdin_file:
            stdin_file.close()
        if out_file:
            out_file.close()


# ---------------------------------------------------------------------------------------------------------
# configuration

def load_config(path):
    try:
        with open(path, encoding="utf-8") as handle:
            cfg = json.load(handle)
    except OSError as exc:
        raise Failure(EXIT_USAGE, "cannot read the configuration %s: %s" % (path, exc.strerror)) from exc
    except ValueError as exc:
        raise Failure(EXIT_USAGE, "the configuration %s is not valid JSON: %s" % (path, exc)) from exc
    cfg.setdefault("keep", 7)
    cfg.setdefault("consistency", "read_only")
    cfg.setdefault("storage", "filesystem")
    cfg.setdefault("compression_level", 6)
    cfg.setdefault("min_free_bytes", 0)
    cfg.setdefault("health_timeout", 600)
    cfg.setdefault("compose_command", ["docker", "compose"])
    cfg.setdefault("docker_command", ["docker"])
    cfg.setdefault("database", {"mode": "internal"})
    cfg.setdefault("encryption", {})
    cfg.setdefault("s3", {})
    cfg.setdefault("harbor", {})
    cfg.setdefault("textfile", "")
    cfg.setdefault("tools", {})
    missing = [key for key in ("backup_dir", "data_volume", "harbor_yml") if not cfg.get(key)]
    if missing:
        raise Failure(EXIT_USAGE, "the configuration %s lacks %s" % (path, ", ".join(missing)))
    if cfg["consistency"] not in ("read_only", "stop", "none"):
        raise Failure(EXIT_USAGE, "consistency must be read_only, stop or none, not %r" % cfg["consistency"])
    if cfg["storage"] not in ("filesystem", "object"):
        raise Failure(EXIT_USAGE, "storage must be filesystem or object, not %r" % cfg["storage"])
    if cfg["database"].get("mode", "internal") not in ("internal", "external"):
        raise Failure(EXIT_USAGE, "database.mode must be internal or external")
    return cfg


def tool(cfg, name):
    return cfg["tools"].get(name, name)


# ---------------------------------------------------------------------------------------------------------
# Harbor's API (read-only mode, version, health)

class HarborAPI:
    def __init__(self, settings):
        self.url = (settings.get("url") or "").rstrip("/")
        self.username = settings.get("username") or "admin"
        self.password = settings.get("password") or ""
        self.timeout = settings.get("timeout", 30)
        if settings.get("validate_certs", True):
            self.context = ssl.create_default_context(cafile=settings.get("ca_path") or None)
        else:
            self.context = ssl._create_unverified_context()  # pylint: disable=protected-access

    @property
    def enabled(self):
        return bool(self.url)

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "/api/v2.0" + path, data=data, method=method)
        token = base64.b64encode(("%s:%s" % (self.username, self.password)).encode()).decode()
        req.add_header("Authorization", "Basic " + token)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout, context=self.context) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise Failure(EXIT_BACKUP, "Harbor API %s %s answered %d: %s" % (method, path, exc.code, _short(detail, 300))) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Failure(EXIT_BACKUP, "Harbor API %s %s: %s" % (method, path, reason)) from exc
        return json.loads(raw) if raw.strip() else None

    def read_only(self):
        value = (self.request("GET", "/configurations") or {}).get("read_only", {})
        return bool(value.get("value") if isinstance(value, dict) else value)

    def set_read_only(self, value):
        self.request("PUT", "/configurations", {"read_only": bool(value)})

    def version(self):
        return (self.request("GET", "/systeminfo") or {}).get("harbor_version", "")

    def health(self):
        return self.request("GET", "/health") or {}


def parse_version(text):
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


# ---------------------------------------------------------------------------------------------------------
# Harbor's compose project and database

def compose(cfg, *args, code=EXIT_BACKUP):
    install_dir = cfg.get("install_dir") or os.path.dirname(cfg["harbor_yml"])
    argv = list(cfg["compose_command"]) + ["-f", os.path.join(install_dir, "docker-compose.yml")] + list(args)
    log("compose %s" % " ".join(args))
    run(argv, cwd=install_dir, what="compose " + " ".join(args), code=code)


def db_settings(cfg):
    db = dict({"mode": "internal", "container": "harbor-db", "name": "registry", "user": "postgres",
               "host": "127.0.0.1", "port": 5432, "password": "", "sslmode": "prefer"}, **cfg["database"])
    return db


def db_env(db):
    env = dict(os.environ)
    if db["mode"] == "external":
        if db.get("password"):
            env["PGPASSWORD"] = db["password"]
        env["PGSSLMODE"] = db.get("sslmode") or "prefer"
        env["PGCONNECT_TIMEOUT"] = "15"
    return env


def db_command(cfg, program, interactive=False, database=True):
    """argv running a PostgreSQL client against Harbor's database."""
    db = db_settings(cfg)
    if db["mode"] == "internal":
        argv = list(cfg["docker_command"]) + ["exec"] + (["-i"] if interactive else [])
        argv += [db["container"], program, "-U", db["user"]]
    else:
        argv = [tool(cfg, program), "-h", str(db["host"]), "-p", str(db["port"]), "-U", db["user"]]
    if database:
        argv += ["-d", db["name"]] if program != "pg_dump" else [db["name"]]
    return argv


def db_size(cfg):
    db = db_settings(cfg)
    argv = db_command(cfg, "psql") + ["-tAc", "SELECT pg_database_size(current_database())"]
    out = run(argv, env=db_env(db), what="reading the database size")[1]
    return int(out.strip() or 0)


def wait_for_database(cfg, timeout=120):
    db = db_settings(cfg)
    deadline = time.time() + timeout
    while True:
        rc, _out, err = run(db_command(cfg, "psql") + ["-tAc", "SELECT 1"], env=db_env(db), check=False, code=EXIT_RESTORE)
        if rc == 0:
            return
        if time.time() > deadline:
            raise Failure(EXIT_RESTORE, "the database did not accept connections within %d s: %s" % (timeout, _short(err)))
        time.sleep(2)


# ---------------------------------------------------------------------------------------------------------
# files

def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def walk_files(root):
    """Relative paths (with /) of the regular files below root, sorted."""
    found = []
    for base, dirs, files in os.walk(root):
        dirs.sort()
        for name in files:
            path = os.path.join(base, name)
            if os.path.isfile(path) and not os.path.islink(path):
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                if "\n" in rel or "\\" in rel:
                    raise Failure(EXIT_BACKUP, "cannot record a file name with a newline or backslash: %r" % rel)
                found.append(rel)
    return sorted(found)


def read_manifest(path):
    entries = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            match = re.match(r"^([0-9a-f]{64}) [ *](.+)$", line)
            if not match:
                raise Failure(EXIT_VERIFY, "%s line %d is not '<sha256>  <file>'" % (path, number))
            entries[match.group(2)] = match.group(1)
    return entries


def write_file_atomic(path, data, mode=0o600):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, mode)
    os.rename(tmp, path)


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tree_size(path):
    total = 0
    if os.path.isfile(path):
        return os.path.getsize(path)
    for base, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(base, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return total


def human(size):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return ("%d %s" % (size, unit)) if unit == "B" else ("%.1f %s" % (size, unit))
        size /= 1024.0
    return str(size)


# ---------------------------------------------------------------------------------------------------------
# the backup directory

class Store:
    def __init__(self, cfg):
        self.cfg = cfg
        self.root = cfg["backup_dir"]
        self.lock_handle = None

    def ensure(self):
        os.makedirs(self.root, mode=0o700, exist_ok=True)

    def lock(self):
        self.ensure()
        handle = open(os.path.join(self.root, ".lock"), "a+", encoding="utf-8")  # pylint: disable=consider-using-with
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise Failure(EXIT_LOCKED, "another harbor-backup run holds %s/.lock" % self.root) from exc
            raise
        handle.seek(0)
        handle.truncate()
        handle.write("%d\n" % os.getpid())
        handle.flush()
        self.lock_handle = handle

    def backups(self):
        """IDs of the complete backups, oldest first."""
        if not os.path.isdir(self.root):
            return []
        return sorted(name for name in os.listdir(self.root)
                      if ID_RE.match(name) and os.path.isfile(os.path.join(self.root, name, MANIFEST)))

    def path(self, backup_id):
        return os.path.join(self.root, backup_id)

    def resolve(self, ref):
        """A backup directory from an ID, 'latest' or a path."""
        if ref in (None, "", "latest"):
            found = self.backups()
            if not found:
                raise Failure(EXIT_VERIFY, "there is no complete backup in %s" % self.root)
            return self.path(found[-1])
        if os.sep in ref:
            return os.path.abspath(ref)
        return self.path(ref)

    def state(self):
        try:
            with open(os.path.join(self.root, ".state.json"), encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    def save_state(self, state):
        self.ensure()
        write_file_atomic(os.path.join(self.root, ".state.json"), json.dumps(state, indent=2, sort_keys=True).encode())

    def clean_partials(self):
        for name in os.listdir(self.root):
            if name.endswith(".partial") and ID_RE.match(name[: -len(".partial")]):
                log("removing %s, left by an interrupted run" % name)
                shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)

    def update_latest(self, backup_id):
        link = os.path.join(self.root, "latest")
        tmp = link + ".tmp"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(backup_id, tmp)
        os.rename(tmp, link)

    def prune(self, keep):
        found = self.backups()
        removed = []
        while len(found) > max(keep, 1):
            oldest = found.pop(0)
            log("retention: removing backup %s (keeping %d)" % (oldest, keep))
            shutil.rmtree(self.path(oldest))
            removed.append(oldest)
        return removed


# ---------------------------------------------------------------------------------------------------------
# metrics (node_exporter textfile collector)

METRICS = [
    ("harbor_backup_last_success_timestamp_seconds", "Unix time of the last successful Harbor backup."),
    ("harbor_backup_last_run_timestamp_seconds", "Unix time at which the last Harbor backup run ended."),
    ("harbor_backup_last_exit_code", "Exit code of the last Harbor backup run (0: success, 6: upload failed)."),
    ("harbor_backup_last_duration_seconds", "Duration of the last successful Harbor backup."),
    ("harbor_backup_last_size_bytes", "Size of the last successful Harbor backup (database, secrets, blobs)."),
    ("harbor_backup_last_written_bytes", "Bytes the last successful Harbor backup wrote (unchanged blobs are hard links)."),
    ("harbor_backup_upload_last_success_timestamp_seconds", "Unix time of the last successful upload to S3."),
    ("harbor_backup_local_backups", "Number of complete Harbor backups kept locally."),
]


def write_metrics(cfg, state):
    path = cfg.get("textfile")
    if not path:
        return
    lines = []
    for name, helptext in METRICS:
        key = name[len("harbor_backup_"):]
        if key not in state:
            continue
        lines.append("# HELP %s %s" % (name, helptext))
        lines.append("# TYPE %s gauge" % name)
        lines.append("%s %s" % (name, repr(float(state[key])) if isinstance(state[key], float) else state[key]))
    try:
        write_file_atomic(path, ("\n".join(lines) + "\n").encode(), mode=0o644)
    except OSError as exc:
        log("cannot write the metrics file %s: %s" % (path, exc.strerror))


# ---------------------------------------------------------------------------------------------------------
# encryption and compression

def recipients(cfg):
    return [r for r in cfg["encryption"].get("age_recipients", []) if r]


def encrypt_cmd(cfg):
    argv = [tool(cfg, "age")]
    for recipient in recipients(cfg):
        argv += ["-r", recipient]
    return argv


def decrypt_cmd(cfg, identity):
    return [tool(cfg, "age"), "-d", "-i", identity]


def gzip_cmd(cfg):
    return [tool(cfg, "gzip"), "-c", "-%d" % int(cfg["compression_level"])]


# ---------------------------------------------------------------------------------------------------------
# backup

def rsync_stats(output):
    match = re.search(r"Total transferred file size: ([\d,.]+)", output)
    return int(re.sub(r"[,.]", "", match.group(1))) if match else 0


def registry_source(cfg):
    return os.path.join(cfg["data_volume"], "registry")


def check_space(cfg, store, previous):
    """Fail before anything is copied when the target cannot hold the backup."""
    need = {}
    prev_db = None
    if previous:
        for name in os.listdir(store.path(previous)):
            if name.startswith("database.sql"):
                prev_db = os.path.getsize(os.path.join(store.path(previous), name))
    need["database"] = int(prev_db * 1.2) if prev_db is not None else db_size(cfg) // 4
    need["secrets and harbor.yml"] = tree_size(os.path.join(cfg["data_volume"], "secret")) + tree_size(cfg["harbor_yml"])
    if cfg["storage"] == "filesystem":
        argv = [tool(cfg, "rsync"), "-a", "--dry-run", "--stats", "--no-human-readable"]
        if previous:
            argv.append("--link-dest=" + os.path.join(store.path(previous), "registry"))
        argv += [registry_source(cfg) + "/", os.path.join(store.root, ".space-check-%d" % os.getpid()) + "/"]
        out = run(argv, what="estimating the new blobs")[1]
        need["new blobs"] = rsync_stats(out)
    stat = os.statvfs(store.root)
    free = stat.f_bavail * stat.f_frsize
    total = sum(need.values())
    reserve = int(cfg["min_free_bytes"])
    log("space: about %s needed (%s), %s free, %s to keep free" % (
        human(total), ", ".join("%s %s" % (k, human(v)) for k, v in need.items()), human(free), human(reserve)))
    if total + reserve > free:
        raise Failure(EXIT_SPACE, "not enough space in %s: the backup needs about %s (%s), %s are free and %s must stay "
                      "free; nothing was copied%s" % (
                          store.root, human(total), ", ".join("%s %s" % (k, human(v)) for k, v in need.items()),
                          human(free), human(reserve),
                          ", the last good backup %s is intact" % previous if previous else ""))


def dump_database(cfg, dest):
    db = db_settings(cfg)
    argv = db_command(cfg, "pg_dump") + ["--no-owner", "--no-privileges"]
    commands = [argv, gzip_cmd(cfg)]
    if recipients(cfg):
        commands.append(encrypt_cmd(cfg))
    log("dumping database %s (%s)" % (db["name"], db["mode"]))
    pipeline(commands, stdout_path=dest, env=db_env(db), what="database dump")


def archive_config(cfg, dest):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        secret = os.path.join(cfg["data_volume"], "secret")
        if not os.path.isdir(secret):
            raise Failure(EXIT_BACKUP, "%s does not exist: without keys/secretkey the credentials stored in the "
                          "database cannot be decrypted after a restore" % secret)
        tar.add(secret, arcname="secret")
        tar.add(cfg["harbor_yml"], arcname="harbor.yml")
    commands = [gzip_cmd(cfg)]
    if recipients(cfg):
        commands.append(encrypt_cmd(cfg))
    with tempfile.NamedTemporaryFile(dir=os.path.dirname(dest), prefix=".config-", delete=True) as raw:
        os.fchmod(raw.fileno(), 0o600)
        raw.write(buffer.getvalue())
        raw.flush()
        pipeline(commands, stdin_path=raw.name, stdout_path=dest, what="config archive")


def snapshot_registry(cfg, store, previous, dest):
    argv = [tool(cfg, "rsync"), "-a", "--delete", "--numeric-ids", "--stats", "--no-human-readable"]
    if previous:
        argv.append("--link-dest=" + os.path.join(store.path(previous), "registry"))
    argv += [registry_source(cfg) + "/", dest + "/"]
    log("copying the registry storage (rsync%s)" % (" --link-dest " + previous if previous else ""))
    rc, out, err = run(argv, check=False, what="registry copy")
    if rc != 0:
        code = EXIT_SPACE if ("No space left" in err or rc == 11 and "space" in err) else EXIT_BACKUP
        raise Failure(code, "registry copy failed (rsync exited %d): %s" % (rc, _short(err)))
    return rsync_stats(out)


def build_manifest(directory, previous_dir):
    """sha256 of every file; a blob hard-linked to the previous backup keeps its recorded sum."""
    known = {}
    if previous_dir and os.path.isfile(os.path.join(previous_dir, MANIFEST)):
        known = read_manifest(os.path.join(previous_dir, MANIFEST))
    lines, hashed, reused = [], 0, 0
    for rel in walk_files(directory):
        if rel == MANIFEST:
            continue
        path = os.path.join(directory, rel)
        digest = None
        if rel.startswith("registry/") and rel in known:
            old = os.path.join(previous_dir, rel)
            try:
                if os.path.samefile(path, old):
                    digest = known[rel]
                    reused += 1
            except OSError:
                pass
        if digest is None:
            digest = sha256_file(path)
            hashed += 1
        lines.append("%s  %s\n" % (digest, rel))
    write_file_atomic(os.path.join(directory, MANIFEST), "".join(lines).encode(), mode=0o600)
    return hashed, reused


def cmd_backup(cfg, args):
    store = Store(cfg)
    store.lock()
    started = time.time()
    state = store.state()
    api = HarborAPI(cfg["harbor"])
    exit_code = EXIT_ERROR
    try:
        # a run killed with SIGKILL could not switch read-only mode off: do it now
        if state.get("read_only_set_by") and api.enabled:
            log("a previous run left Harbor in read-only mode (pid %s): switching it off" % state["read_only_set_by"])
            api.set_read_only(False)
            state.pop("read_only_set_by", None)
            store.save_state(state)
        store.clean_partials()
        exit_code = _backup(cfg, args, store, api, state, started)
        return exit_code
    except Failure as exc:
        exit_code = exc.code
        raise
    except Interrupted as exc:
        exit_code = 128 + exc.signum
        raise
    except OSError as exc:
        exit_code = EXIT_SPACE if exc.errno == errno.ENOSPC else EXIT_ERROR
        raise
    finally:
        state = store.state()
        state["last_exit_code"] = exit_code
        state["last_run_timestamp_seconds"] = int(time.time())
        state["local_backups"] = len(store.backups())
        store.save_state(state)
        write_metrics(cfg, state)


def _backup(cfg, args, store, api, state, started):
    existing = store.backups()
    previous = existing[-1] if existing else None
    for path, what in ((cfg["harbor_yml"], "harbor.yml"), (os.path.join(cfg["data_volume"], "secret"), "secret dir")):
        if not os.path.exists(path):
            raise Failure(EXIT_BACKUP, "%s not found at %s" % (what, path))
    if cfg["storage"] == "filesystem" and not os.path.isdir(registry_source(cfg)):
        raise Failure(EXIT_BACKUP, "registry storage not found at %s (storage is filesystem)" % registry_source(cfg))
    check_space(cfg, store, previous)

    backup_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    while os.path.exists(store.path(backup_id)):
        time.sleep(1)
        backup_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    final = store.path(backup_id)
    partial = final + ".partial"
    os.mkdir(partial, 0o700)
    meta = {"id": backup_id, "tool_version": TOOL_VERSION, "created": int(time.time()), "storage": cfg["storage"],
            "database_mode": db_settings(cfg)["mode"], "compression": "gzip", "encryption": "age" if recipients(cfg) else "none",
            "consistency": "stop" if args.stop else cfg["consistency"], "previous": previous}
    if cfg["storage"] == "filesystem":
        # a backup fetched from S3 has lost its owners: a restore gives the blobs this one (Harbor's 10000)
        owner = os.stat(registry_source(cfg))
        meta["registry_owner"] = {"uid": owner.st_uid, "gid": owner.st_gid}
    mode = meta["consistency"]
    version = ""
    read_only_before = None
    written = 0
    try:
        if api.enabled:
            version = api.version()
        version = version or cfg.get("harbor_version", "")
        meta["harbor_version"] = version
        if mode == "read_only":
            if not api.enabled:
                raise Failure(EXIT_USAGE, "consistency read_only needs harbor.url (and credentials) in the configuration")
            read_only_before = api.read_only()
            meta["read_only_before"] = read_only_before
        suffix = ".age" if recipients(cfg) else ""
        db_file = os.path.join(partial, "database.sql.gz" + suffix)
        config_file = os.path.join(partial, "config.tar.gz" + suffix)
        switched = False
        stopped = False
        try:
            if mode == "read_only" and not read_only_before:
                state["read_only_set_by"] = os.getpid()
                store.save_state(state)
                log("switching Harbor to read-only mode")
                api.set_read_only(True)
                switched = True
            elif mode == "stop":
                compose(cfg, "stop")
                stopped = True
                if db_settings(cfg)["mode"] == "internal":
                    compose(cfg, "start", "log", "postgresql")
                    wait_for_database(cfg)
            dump_database(cfg, db_file)
            archive_config(cfg, config_file)
            if cfg["storage"] == "filesystem":
                written += snapshot_registry(cfg, store, previous, os.path.join(partial, "registry"))
        finally:
            if switched:
                log("switching Harbor's read-only mode off again")
                try:
                    api.set_read_only(False)
                    state.pop("read_only_set_by", None)
                    store.save_state(state)
                except Failure as exc:
                    log("could not switch read-only mode off (the next run retries): %s" % exc)
            if stopped:
                compose(cfg, "start")
        written += os.path.getsize(db_file) + os.path.getsize(config_file)
        meta["sizes"] = {"database": os.path.getsize(db_file), "config": os.path.getsize(config_file),
                         "registry": tree_size(os.path.join(partial, "registry")) if cfg["storage"] == "filesystem" else 0}
        meta["duration_seconds"] = round(time.time() - started, 3)
        write_file_atomic(os.path.join(partial, META), json.dumps(meta, indent=2, sort_keys=True).encode())
        hashed, reused = build_manifest(partial, store.path(previous) if previous else None)
        log("manifest: %d files hashed, %d unchanged blobs kept their sums" % (hashed, reused))
        os.rename(partial, final)
        fsync_dir(store.root)
        store.update_latest(backup_id)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    size = sum(meta["sizes"].values())
    log("backup %s complete: %s, %s written, Harbor %s" % (backup_id, human(size), human(written), version or "?"))
    store.prune(int(cfg["keep"]))

    duration = round(time.time() - started, 3)
    state = store.state()
    state.update({"last_success_timestamp_seconds": int(time.time()), "last_duration_seconds": duration,
                  "last_size_bytes": size, "last_written_bytes": written, "last_id": backup_id})
    store.save_state(state)
    print(json.dumps({"id": backup_id, "path": final, "size_bytes": size, "written_bytes": written,
                      "harbor_version": version}), flush=True)
    if cfg["s3"].get("enabled") and not args.no_upload:
        try:
            upload(cfg, final)
        except Failure as exc:
            raise Failure(EXIT_UPLOAD, "%s; the local backup %s is complete and kept" % (exc, backup_id)) from exc
        state["upload_last_success_timestamp_seconds"] = int(time.time())
        store.save_state(state)
    return EXIT_OK


# ---------------------------------------------------------------------------------------------------------
# S3 (rclone; the credentials go through the environment, never the command line)

def rclone_env(cfg):
    s3 = cfg["s3"]
    prefix = "RCLONE_CONFIG_%s_" % RCLONE_REMOTE
    # rclone 1.60 fails on any endpoint when AWS_CA_BUNDLE is set ("unsupported transport"): s3.ca_file instead
    env = {key: value for key, value in os.environ.items() if key != "AWS_CA_BUNDLE"}
    env.update({prefix + "TYPE": "s3", prefix + "PROVIDER": s3.get("provider") or "Other",
                prefix + "ACCESS_KEY_ID": s3.get("access_key", ""), prefix + "SECRET_ACCESS_KEY": s3.get("secret_key", ""),
                prefix + "REGION": s3.get("region") or "us-east-1", prefix + "NO_CHECK_BUCKET": "true",
                prefix + "FORCE_PATH_STYLE": "true" if s3.get("path_style", True) else "false"})
    if s3.get("endpoint"):
        env[prefix + "ENDPOINT"] = s3["endpoint"]
    return env


def remote_path(cfg, *parts):
    s3 = cfg["s3"]
    base = "%s:%s" % (RCLONE_REMOTE, s3["bucket"])
    prefix = (s3.get("prefix") or "").strip("/")
    return "/".join([base] + ([prefix] if prefix else []) + list(parts))


def rclone(cfg, *args, what="upload", code=EXIT_UPLOAD):
    # --checksum: objects are compared by size and MD5, never by modification time (blobs are content-addressed)
    argv = [tool(cfg, "rclone"), "--checksum", "--retries", "2", "--low-level-retries", "2", "--contimeout", "15s",
            "--timeout", "5m"]
    if cfg["s3"].get("ca_file"):
        argv += ["--ca-cert", cfg["s3"]["ca_file"]]
    argv += list(args)
    return run(argv, env=rclone_env(cfg), what=what, code=code)


def upload(cfg, directory):
    backup_id = os.path.basename(directory)
    log("uploading %s to %s" % (backup_id, remote_path(cfg, backup_id)))
    registry = os.path.join(directory, "registry")
    if os.path.isdir(registry) and cfg["s3"].get("include_blobs", True):
        # blobs are content-addressed: one shared prefix, only new ones are sent
        rclone(cfg, "copy", registry, remote_path(cfg, "registry"), what="blob upload")
    # the archives first, then backup.json and the manifest: a backup without them is incomplete
    rclone(cfg, "copy", directory, remote_path(cfg, backup_id), "--exclude", "registry/**", "--exclude", MANIFEST,
           "--exclude", META)
    rclone(cfg, "copy", directory, remote_path(cfg, backup_id), "--include", META, "--include", MANIFEST)


def cmd_fetch(cfg, args):
    if not cfg["s3"].get("enabled"):
        raise Failure(EXIT_USAGE, "S3 is not configured")
    if not ID_RE.match(args.backup):
        raise Failure(EXIT_USAGE, "fetch needs a backup ID like 20260101T020000Z")
    store = Store(cfg)
    store.lock()
    final = store.path(args.backup)
    if os.path.isfile(os.path.join(final, MANIFEST)):
        log("backup %s is already here" % args.backup)
        verify(cfg, final)
        return EXIT_OK
    partial = final + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    os.mkdir(partial, 0o700)
    try:
        rclone(cfg, "copy", remote_path(cfg, args.backup), partial, what="download", code=EXIT_VERIFY)
        if not os.path.isfile(os.path.join(partial, MANIFEST)):
            raise Failure(EXIT_VERIFY, "backup %s not found (or incomplete) at %s" % (args.backup, remote_path(cfg, args.backup)))
        blobs = [rel[len("registry/"):] for rel in read_manifest(os.path.join(partial, MANIFEST)) if rel.startswith("registry/")]
        if blobs:
            with tempfile.NamedTemporaryFile("w", dir=partial, prefix=".files-", delete=False) as listing:
                listing.write("".join(b + "\n" for b in blobs))
            try:
                rclone(cfg, "copy", "--files-from-raw", listing.name, remote_path(cfg, "registry"),
                       os.path.join(partial, "registry"), what="blob download", code=EXIT_VERIFY)
            finally:
                os.unlink(listing.name)
        verify(cfg, partial)
        os.rename(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    log("fetched backup %s into %s" % (args.backup, final))
    return EXIT_OK


# ---------------------------------------------------------------------------------------------------------
# verify and restore

def verify(_cfg, directory):
    """Check a backup against its manifest; raise Failure(EXIT_VERIFY) naming the failing file."""
    if not os.path.isdir(directory):
        raise Failure(EXIT_VERIFY, "backup %s not found" % directory)
    manifest = os.path.join(directory, MANIFEST)
    if not os.path.isfile(manifest):
        raise Failure(EXIT_VERIFY, "backup %s has no %s: incomplete or not a backup" % (directory, MANIFEST))
    entries = read_manifest(manifest)
    for rel in (META,):
        if rel not in entries:
            raise Failure(EXIT_VERIFY, "%s does not list %s" % (manifest, rel))
    for rel, digest in sorted(entries.items()):
        path = os.path.join(directory, rel)
        if not os.path.isfile(path):
            raise Failure(EXIT_VERIFY, "backup %s: %s is missing" % (os.path.basename(directory), rel))
        if sha256_file(path) != digest:
            raise Failure(EXIT_VERIFY, "backup %s: %s is corrupted or was changed (sha256 differs from the manifest)"
                          % (os.path.basename(directory), rel))
    extra = [rel for rel in walk_files(directory) if rel != MANIFEST and rel not in entries]
    if extra:
        raise Failure(EXIT_VERIFY, "backup %s: %s is not in the manifest" % (os.path.basename(directory), extra[0]))
    with open(os.path.join(directory, META), encoding="utf-8") as handle:
        meta = json.load(handle)
    names = set(entries)
    for prefix in ("database.sql.gz", "config.tar.gz"):
        if not any(n == prefix or n == prefix + ".age" for n in names):
            raise Failure(EXIT_VERIFY, "backup %s: %s is missing" % (os.path.basename(directory), prefix))
    return meta


def cmd_verify(cfg, args):
    directory = Store(cfg).resolve(args.backup)
    meta = verify(cfg, directory)
    log("backup %s verified: every file matches %s" % (meta.get("id"), MANIFEST))
    return EXIT_OK


def installed_version(cfg, api):
    if api.enabled:
        try:
            return api.version(), "Harbor's API"
        except Failure as exc:
            log("cannot read the version from Harbor's API (%s); using the configuration" % exc)
    return cfg.get("harbor_version", ""), "the configuration"


def wait_healthy(cfg, api):
    timeout = int(cfg["health_timeout"])
    deadline = time.time() + timeout
    last = "no answer"
    while time.time() < deadline:
        try:
            health = api.health()
            bad = ["%s (%s)" % (c.get("name"), c.get("error") or c.get("status")) for c in health.get("components", [])
                   if c.get("status") != "healthy"]
            if health.get("status") == "healthy" and not bad:
                log("Harbor is healthy")
                return
            last = "unhealthy: " + ", ".join(bad) if bad else "status " + str(health.get("status"))
        except Failure as exc:
            last = str(exc)
        time.sleep(3)
    raise Failure(EXIT_HEALTH, "Harbor did not become healthy within %d s: %s" % (timeout, last))


# Empty the public schema and recreate it exactly as it was (owner, comment, privileges), so that the dump,
# which does not create the public schema, loads into the same place it was taken from.
RESET_SCHEMA_SQL = """
DO $reset$
DECLARE
  owner text; acl aclitem[]; note text; grant_row record;
BEGIN
  SELECT nspowner::regrole::text, nspacl, obj_description(oid, 'pg_namespace') INTO owner, acl, note
    FROM pg_namespace WHERE nspname = 'public';
  IF owner IS NULL THEN
    owner := current_user;
  END IF;
  DROP SCHEMA IF EXISTS public CASCADE;
  EXECUTE format('CREATE SCHEMA public AUTHORIZATION %s', owner);
  IF note IS NOT NULL THEN
    EXECUTE format('COMMENT ON SCHEMA public IS %L', note);
  END IF;
  FOR grant_row IN SELECT (aclexplode(acl)).grantee, (aclexplode(acl)).privilege_type LOOP
    EXECUTE format('GRANT %s ON SCHEMA public TO %s', grant_row.privilege_type,
                   CASE WHEN grant_row.grantee = 0 THEN 'PUBLIC' ELSE grant_row.grantee::regrole::text END);
  END LOOP;
END
$reset$
"""


def restore_database(cfg, db_path, identity):
    db = db_settings(cfg)
    commands = []
    if db_path.endswith(".age"):
        commands.append(decrypt_cmd(cfg, identity))
    commands.append([tool(cfg, "gzip"), "-dc"])
    # one transaction: the old schema is dropped only if the whole dump loads
    psql = db_command(cfg, "psql", interactive=True)
    psql += ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-c", RESET_SCHEMA_SQL, "-f", "-"]
    commands.append(psql)
    log("restoring database %s (%s)" % (db["name"], db["mode"]))
    # the first command reads the file (age or gzip)
    commands[0] = commands[0] + [db_path]
    pipeline(commands, env=db_env(db), what="database restore", code=EXIT_RESTORE)


def extract_config(cfg, config_path, identity, dest):
    commands = []
    if config_path.endswith(".age"):
        commands.append(decrypt_cmd(cfg, identity) + [config_path])
        commands.append([tool(cfg, "gzip"), "-dc"])
    else:
        commands.append([tool(cfg, "gzip"), "-dc", config_path])
    data = pipeline(commands, what="reading the config archive", code=EXIT_VERIFY)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        for member in tar.getmembers():
            if member.name.startswith("/") or ".." in member.name.split("/"):
                raise Failure(EXIT_VERIFY, "config archive holds an unsafe path: %s" % member.name)
        if hasattr(tarfile, "tar_filter"):
            tar.extractall(dest, numeric_owner=True, filter="tar")  # pylint: disable=unexpected-keyword-arg
        else:
            tar.extractall(dest, numeric_owner=True)  # nosec - names checked above
    return dest


def cmd_restore(cfg, args):
    store = Store(cfg)
    store.lock()
    directory = store.resolve(args.backup)
    api = HarborAPI(cfg["harbor"])
    # 1. everything that can refuse the restore happens before Harbor is touched
    meta = verify(cfg, directory)
    backup_id = meta.get("id", os.path.basename(directory))
    log("backup %s verified (Harbor %s, %s database)" % (backup_id, meta.get("harbor_version") or "?", meta.get("database_mode")))
    installed, source = installed_version(cfg, api)
    backup_v, installed_v = parse_version(meta.get("harbor_version")), parse_version(installed)
    if backup_v is None:
        raise Failure(EXIT_VERSION, "backup %s does not record its Harbor version" % backup_id)
    if installed_v is None:
        raise Failure(EXIT_VERSION, "cannot tell the installed Harbor version (%s gave %r): set harbor_version in the "
                      "configuration or start Harbor" % (source, installed))
    if backup_v > installed_v:
        raise Failure(EXIT_VERSION, "backup %s is from Harbor %s, newer than the installed %s (from %s): install "
                      "Harbor %s or later first; nothing was changed" % (
                          backup_id, meta["harbor_version"], installed, source, ".".join(map(str, backup_v))))
    names = os.listdir(directory)
    db_file = os.path.join(directory, next(n for n in names if n.startswith("database.sql.gz")))
    config_file = os.path.join(directory, next(n for n in names if n.startswith("config.tar.gz")))
    identity = args.identity or cfg["encryption"].get("age_identity_file", "")
    if (db_file.endswith(".age") or config_file.endswith(".age")) and not (identity and os.path.isfile(identity)):
        raise Failure(EXIT_USAGE, "backup %s is encrypted: give the age identity file with --identity" % backup_id)
    if meta.get("storage") == "filesystem" and cfg["storage"] == "filesystem" and not args.no_blobs \
            and not os.path.isdir(os.path.join(directory, "registry")):
        raise Failure(EXIT_VERIFY, "backup %s has no registry/ snapshot" % backup_id)
    workdir = tempfile.mkdtemp(prefix=".restore-", dir=store.root)
    try:
        extract_config(cfg, config_file, identity, workdir)  # proves the identity before anything stops
        for rel in ("secret", "harbor.yml"):
            if not os.path.exists(os.path.join(workdir, rel)):
                raise Failure(EXIT_VERIFY, "backup %s: config archive lacks %s" % (backup_id, rel))
        # 2. keep what is replaced
        keep = os.path.join(store.root, "pre-restore-%s" % time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
        os.mkdir(keep, 0o700)
        secret = os.path.join(cfg["data_volume"], "secret")
        if os.path.isdir(secret):
            shutil.copytree(secret, os.path.join(keep, "secret"), symlinks=True)
        if os.path.isfile(cfg["harbor_yml"]):
            shutil.copy2(cfg["harbor_yml"], os.path.join(keep, "harbor.yml"))
        log("the current secret/ and harbor.yml are kept in %s" % keep)
        _restore(cfg, args, api, meta, directory, db_file, identity, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log("restore of backup %s complete" % backup_id)
    return EXIT_OK


def _restore(cfg, args, api, meta, directory, db_file, identity, workdir):
    internal = db_settings(cfg)["mode"] == "internal"
    started = False
    try:
        # 3. stop Harbor; keep (or bring up) only what the database restore needs
        compose(cfg, "stop", code=EXIT_RESTORE)
        if internal:
            compose(cfg, "start", "log", "postgresql", code=EXIT_RESTORE)
        wait_for_database(cfg)
        restore_database(cfg, db_file, identity)
        secret = os.path.join(cfg["data_volume"], "secret")
        staged = secret + ".restoring"
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(os.path.join(workdir, "secret"), staged, symlinks=True)
        shutil.copystat(os.path.join(workdir, "secret"), staged)
        if os.path.isdir(secret):
            shutil.rmtree(secret)
        os.rename(staged, secret)
        log("restored %s" % secret)
        if not args.no_harbor_yml:
            shutil.copy2(os.path.join(workdir, "harbor.yml"), cfg["harbor_yml"])
            log("restored %s" % cfg["harbor_yml"])
        if meta.get("storage") == "filesystem" and cfg["storage"] == "filesystem" and not args.no_blobs:
            dest = registry_source(cfg)
            os.makedirs(dest, exist_ok=True)
            log("restoring the registry storage (rsync --delete)")
            run([tool(cfg, "rsync"), "-a", "--delete", "--numeric-ids", os.path.join(directory, "registry") + "/", dest + "/"],
                what="registry restore", code=EXIT_RESTORE)
            owner = meta.get("registry_owner")
            if owner:
                chown_tree(dest, owner["uid"], owner["gid"])
        # 4. start Harbor and wait until it is healthy
        compose(cfg, "up", "-d", code=EXIT_RESTORE)
        started = True
    finally:
        if not started:
            log("restore failed: starting Harbor again")
            try:
                compose(cfg, "up", "-d", code=EXIT_RESTORE)
            except Failure as exc:
                log(str(exc))
    if api.enabled:
        wait_healthy(cfg, api)
        # the dump was taken in read-only mode; give back the mode Harbor had before the backup
        if meta.get("consistency") == "read_only" and meta.get("read_only_before") is False:
            api.set_read_only(False)
            log("read-only mode switched off (it was on only while the backup was taken)")


def chown_tree(root, uid, gid):
    """Give every file and directory below root (and root) this owner, where it has another."""
    changed = 0
    for base, dirs, files in os.walk(root):
        for path in [base] + [os.path.join(base, name) for name in dirs + files]:
            stat = os.lstat(path)
            if (stat.st_uid, stat.st_gid) != (uid, gid):
                os.lchown(path, uid, gid)
                changed += 1
    if changed:
        log("gave %d files and directories of the registry storage the owner %d:%d" % (changed, uid, gid))


def cmd_list(cfg, args):
    store = Store(cfg)
    rows = []
    for backup_id in store.backups():
        try:
            with open(os.path.join(store.path(backup_id), META), encoding="utf-8") as handle:
                meta = json.load(handle)
        except (OSError, ValueError):
            meta = {}
        rows.append({"id": backup_id, "harbor_version": meta.get("harbor_version"), "encryption": meta.get("encryption"),
                     "size_bytes": sum((meta.get("sizes") or {}).values()), "path": store.path(backup_id)})
    if args.json:
        print(json.dumps(rows))
    else:
        for row in rows:
            print("%s  Harbor %-16s %-10s %s" % (row["id"], row["harbor_version"] or "?", human(row["size_bytes"]),
                                                 "age" if row["encryption"] == "age" else ""))
    return EXIT_OK


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="harbor-backup", description="Back up and restore Harbor.",
                                     epilog="Exit codes: see the header of this program.")
    parser.add_argument("-c", "--config", default=os.environ.get("HARBOR_BACKUP_CONFIG", DEFAULT_CONFIG))
    sub = parser.add_subparsers(dest="command", required=True)
    backup = sub.add_parser("backup", help="take a backup")
    backup.add_argument("--stop", action="store_true", help="stop Harbor during the copy instead of read-only mode")
    backup.add_argument("--no-upload", action="store_true", help="do not upload to S3 this time")
    restore = sub.add_parser("restore", help="restore a backup")
    restore.add_argument("backup", nargs="?", default="latest")
    restore.add_argument("--identity", default="", help="age identity file (encrypted backups)")
    restore.add_argument("--no-blobs", action="store_true", help="do not restore the registry storage")
    restore.add_argument("--no-harbor-yml", action="store_true", help="keep the installed harbor.yml")
    check = sub.add_parser("verify", help="check a backup against its manifest")
    check.add_argument("backup", nargs="?", default="latest")
    listing = sub.add_parser("list", help="list the local backups")
    listing.add_argument("--json", action="store_true")
    fetch = sub.add_parser("fetch", help="download a backup from S3 and verify it")
    fetch.add_argument("backup")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    install_signal_handlers()
    os.umask(0o077)
    try:
        cfg = load_config(args.config)
        handler = {"backup": cmd_backup, "restore": cmd_restore, "verify": cmd_verify, "list": cmd_list,
                   "fetch": cmd_fetch}[args.command]
        return handler(cfg, args)
    except Failure as exc:
        log("ERROR: %s" % exc)
        return exc.code
    except Interrupted as exc:
        log("ERROR: %s; stopped cleanly (the last good backup is intact)" % exc)
        return 128 + exc.signum
    except OSError as exc:
        code = EXIT_SPACE if exc.errno == errno.ENOSPC else EXIT_ERROR
        log("ERROR: %s" % exc)
        return code


if __name__ == "__main__":
    sys.exit(main())
