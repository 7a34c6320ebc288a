"""The registry protocol: ``/v2/`` and ``/service/token``, served through a real CNCF distribution registry.

Harbor stores images in the distribution registry behind its core; the fake does the same. By default it starts
Debian's ``docker-registry`` (distribution 2.8) on loopback with filesystem storage in a temp dir
(``FakeHarbor(registry=True)``); ``FakeHarbor(registry=Distribution.external("127.0.0.1:5000", config=...,
storage=...))`` uses a distribution that is already running at that address instead (the stand-in Harbor's
``registry`` container, tests/hosts/harbor-bundle): the fake neither starts nor stops it, ``reset()`` empties
its storage directory in place, and the garbage collector runs ``docker-registry garbage-collect <config>``
while it keeps running (no config: GC frees nothing). Its front (this module) plays Harbor core's part:

* token auth as Docker clients expect it: ``GET /v2/`` without a token answers 401 with
  ``WWW-Authenticate: Bearer realm="<external URL>/service/token",service="harbor-registry"`` (Harbor's
  EXT_ENDPOINT: ``state.options.external_url``, the fake's own URL unless set); tokens live in the state
  (``state.registry_tokens``), so they survive wherever the state does (Harbor's are signed JWTs); the token service
  grants, out of the requested ``repository:<project>/<repo>:pull,push,delete`` scopes, what the caller's
  Harbor permissions allow (project visibility, members, robot permissions); basic auth on ``/v2/`` works too;
* every ``/v2/`` request is checked against the token (pull for GET/HEAD, push for writes, delete for
  DELETE) and forwarded to distribution;
* a manifest push makes the artifact, its tag and its repository appear in Harbor's API (through
  ``resources/artifacts.push_artifact``), with digest, size, push time and the ``packages.json`` the image
  carries (the scanner stand-in reads it); a manifest pull sets pull times;
* hooks tie it to the rest of the fake: ``tag_immutable`` (a push that would overwrite an immutable tag is
  refused), ``artifact_pull_denied`` (e.g. prevent_vul), ``artifact_event`` (PUSH_ARTIFACT / PULL_ARTIFACT
  for webhooks); it provides ``artifact_deleted`` (an API delete removes the manifest from the registry)
  ``registry_garbage_collect`` (runs distribution's garbage collector, returns the bytes it freed) and
  ``registry_health`` (None while distribution answers ``GET /``, else the error /health shows for ``registry``);
* ``GET /v2/_catalog`` is answered from Harbor's own store, not by distribution (src/server/registry/catalog.go):
  every repository name of the API (empty repositories too), sorted; with ``n`` a page of at most ``n`` names after
  ``last`` and, while more follow, ``Link: </v2/_catalog?last=<name>&n=<n>>; rel="next"``; ``n`` not a
  non-negative integer or an unknown ``last`` is 400, no repository at all ``{"repositories":null}``. Only a
  caller with the system permission ``catalog:read`` (a sysadmin, a system robot holding it) passes, **with basic
  auth**: the security context of a bearer token from ``/service/token`` cannot read the catalog
  (src/common/security/v2token ``Can`` knows repositories only; goharbor/harbor#13573), so every other request is
  401 ``unauthorized to list catalog: unauthorized to list catalog`` with a ``Basic realm="harbor"`` challenge
  when it carried credentials, else ``Bearer …,scope="registry:catalog:*"`` (middleware/v2auth).
"""

import datetime
import gzip
import http.client
import io
import json
import logging
import os
import re
import secrets
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
from urllib.parse import urlencode

from .framework import auth
from .framework.context import now_iso
from .framework.response import Response
from .resources import artifacts, projects

LOG = logging.getLogger("fake_harbor")
SERVICE = "harbor-registry"
TOKEN_TTL = 1800
# errors.UnauthorizedError(err).WithMessage(err.Error()): the cause and the message, joined (v2auth/auth.go)
CATALOG_DENIED = "unauthorized to list catalog: unauthorized to list catalog"
PACKAGES_FILE = "packages.json"
IMAGE_MANIFESTS = ("application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json")
INDEX_MANIFESTS = ("application/vnd.oci.image.index.v1+json",
                   "application/vnd.docker.distribution.manifest.list.v2+json")


def registry_binary():
    return shutil.which("docker-registry") or shutil.which("registry")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tree_size(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


class Distribution:
    """Debian's docker-registry on 127.0.0.1 with its storage in a temp dir (the default), or an already-running
    distribution at an address (``Distribution.external``)."""

    def __init__(self, binary=None):
        self.binary = binary or registry_binary()
        self.workdir = tempfile.mkdtemp(prefix="fake-harbor-registry-")
        self.storage = os.path.join(self.workdir, "storage")
        self.config = os.path.join(self.workdir, "config.yml")
        self.host = "127.0.0.1"
        self.port = None
        self.process = None
        self.managed = True
        self.lock = threading.Lock()

    @classmethod
    def external(cls, address, config=None, storage=None, binary=None):
        """A distribution someone else runs at ``address`` ("host:port"). ``config``: its config.yml (for the
        garbage collector, which needs ``binary`` too: default docker-registry on PATH); ``storage``: its
        filesystem storage directory as this process sees it (sizes, /systeminfo/volumes, reset)."""
        self = cls.__new__(cls)
        host, _sep, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError("distribution address must be host:port, not %r" % address)
        self.binary = binary or registry_binary()
        self.workdir = None
        self.storage = storage
        self.config = config
        self.host = host.strip("[]")
        self.port = int(port)
        self.process = None
        self.managed = False
        self.lock = threading.Lock()
        return self

    @property
    def address(self):
        return "%s:%d" % (self.host, self.port)

    def _write_config(self):
        with open(self.config, "w", encoding="utf-8") as handle:
            handle.write("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                         "storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n"
                         "  maintenance:\n    uploadpurging:\n      enabled: false\n"
                         "http:\n  addr: 127.0.0.1:%d\n  relativeurls: true\n" % (self.storage, self.port))

    def start(self):
        if not self.managed:
            return self  # someone else runs it; /health tells whether it answers
        if self.binary is None:
            raise RuntimeError("docker-registry (Debian package docker-registry) is not installed")
        self.port = _free_port()
        self._write_config()
        with open(os.path.join(self.workdir, "registry.log"), "ab") as log:
            self.process = subprocess.Popen([self.binary, "serve", self.config], stdout=log, stderr=log,
                                            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("docker-registry exited; see %s/registry.log" % self.workdir)
            try:
                status, _headers, _body = self.request("GET", "/v2/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("docker-registry did not start on 127.0.0.1:%d" % self.port)

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def close(self):
        self.stop()
        if self.managed:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def request(self, method, path, headers=None, body=b"", timeout=120):
        """One request to distribution; returns (status, [(header, value)], body bytes)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def health_error(self):
        """None when distribution answers ``GET /`` with 200 (Harbor's registry health check), else why not."""
        url = "http://%s/" % self.address
        try:
            status, _headers, _body = self.request("GET", "/", timeout=2)
        except OSError as err:
            reason = "connect: connection refused" if isinstance(err, ConnectionRefusedError) else str(err)
            return 'failed to check health: Get "%s": dial tcp %s: %s' % (url, self.address, reason)
        if status != 200:
            return "failed to check health: unexpected status code %d from %s" % (status, url)
        return None

    def storage_bytes(self):
        return _tree_size(self.storage) if self.storage else 0

    def empty_storage(self):
        """Remove everything below the storage directory (an external distribution keeps running: its
        filesystem driver creates what it needs again)."""
        if not self.storage or not os.path.isdir(self.storage):
            return
        for name in os.listdir(self.storage):
            path = os.path.join(self.storage, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.unlink(path)

    def garbage_collect(self, delete_untagged=False, dry_run=False):
        """Run distribution's garbage collector (a managed registry is stopped meanwhile, an external one keeps
        running); return the bytes it freed."""
        with self.lock:
            if not self.managed and (self.config is None or self.binary is None):
                LOG.warning("fake_harbor: no config.yml or docker-registry for the external distribution at %s: "
                            "garbage collection frees nothing", self.address)
                return 0
            before = self.storage_bytes()
            self.stop()
            try:
                cmd = [self.binary, "garbage-collect"]
                if delete_untagged:
                    cmd.append("--delete-untagged")
                if dry_run:
                    cmd.append("--dry-run")
                subprocess.run(cmd + [self.config], check=True, capture_output=True, timeout=300)
            finally:
                self.start()
            return before - self.storage_bytes()


class _Caller:
    """What auth.has_permission needs: a principal and the state."""

    def __init__(self, principal, state):
        self.principal = principal
        self.state = state


def parse_scope(scope):
    """``repository:library/app:pull,push`` -> ("library/app", {"pull", "push"}), or None."""
    kind, _sep, rest = scope.partition(":")
    name, _sep, actions = rest.rpartition(":")
    if kind != "repository" or not name:
        return None
    return name, {a for a in actions.split(",") if a}


ACTION_PERMISSIONS = {"pull": ("repository", "pull"), "push": ("repository", "push"),
                      "delete": ("repository", "delete"), "*": ("repository", "push")}


class RegistryFront:
    """Harbor core's part in front of distribution (see the module docstring)."""

    def __init__(self, server, distribution=None):
        self.server = server
        self.distribution = distribution if distribution is not None else Distribution()
        self.log = []
        hooks = self.server.hooks
        hooks.register("artifact_deleted", self._artifact_deleted)
        hooks.register("registry_garbage_collect", self._garbage_collect)
        hooks.register("registry_health", self._health)

    @property
    def tokens(self):
        """Issued tokens (token -> grant), kept in the state: they survive as long as the state does."""
        state = self.server.state
        tokens = getattr(state, "registry_tokens", None)
        if tokens is None:
            tokens = state.registry_tokens = {}
        return tokens

    def start(self):
        self.distribution.start()
        return self

    def close(self):
        self.distribution.close()

    def reset(self):
        """Empty registry storage and tokens (the fake's reset)."""
        self.tokens.clear()
        self.log.clear()
        with self.distribution.lock:
            if self.distribution.managed:
                self.distribution.stop()
                shutil.rmtree(self.distribution.storage, ignore_errors=True)
                self.distribution.start()
            else:
                self.distribution.empty_storage()

    # ---------------------------------------------------------------- auth

    def _project_of(self, repo_name):
        return projects.lookup(self.server.state, ("name", repo_name.split("/", 1)[0]))

    def allowed_actions(self, principal, repo_name, wanted):
        project = self._project_of(repo_name)
        if project is None or "/" not in repo_name:
            return set()
        caller = _Caller(principal, self.server.state)
        granted = set()
        for action in wanted:
            resource, perm = ACTION_PERMISSIONS.get(action, (None, None))
            if resource and auth.has_permission(caller, project, resource, perm):
                granted.add(action)
        return granted

    def realm_base(self):
        """Harbor's token realm is on its external endpoint (EXT_ENDPOINT), where clients reach it."""
        return (self.server.options.external_url or self.server.url).rstrip("/")

    def _challenge(self, scope=None, error=None):
        value = 'Bearer realm="%s/service/token",service="%s"' % (self.realm_base(), SERVICE)
        if scope:
            value += ',scope="%s"' % scope
        if error:
            value += ',error="%s"' % error
        body = {"errors": [{"code": "UNAUTHORIZED", "message": "unauthorized to access repository",
                            "detail": None}]}
        return Response(401, body, headers={"WWW-Authenticate": value,
                                            "Docker-Distribution-Api-Version": "registry/2.0"})

    def token(self, raw):
        principal, failed = self.server.authenticator.authenticate(self.server, raw.headers.get("Authorization"))
        if failed:
            return Response(401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication failed"}]})
        access = {}
        with self.server.lock:
            for scope in raw.query.get("scope", []):
                for part in scope.split(" "):
                    parsed = parse_scope(part)
                    if parsed:
                        name, wanted = parsed
                        access.setdefault(name, set()).update(self.allowed_actions(principal, name, wanted))
        token = secrets.token_urlsafe(32)
        with self.server.lock:
            tokens = self.tokens
            now = time.time()
            for old in [key for key, grant in tokens.items() if grant["expires"] < now]:
                del tokens[old]
            tokens[token] = {"principal": principal, "access": access, "expires": now + TOKEN_TTL}
        issued = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return Response.json({"token": token, "access_token": token, "expires_in": TOKEN_TTL, "issued_at": issued})

    def _caller(self, raw):
        """(principal, access map or None for basic auth, valid) of a /v2/ request."""
        header = raw.headers.get("Authorization") or ""
        if header.lower().startswith("bearer "):
            grant = self.tokens.get(header[7:].strip())
            if grant is None or grant["expires"] < time.time():
                return None, None, False
            return grant["principal"], grant["access"], True
        if header.lower().startswith("basic "):
            principal, failed = self.server.authenticator.authenticate(self.server, header)
            return principal, None, not failed
        return auth.ANONYMOUS, None, False

    # ---------------------------------------------------------------- /v2/

    def handle(self, raw):
        entry = {"method": raw.method, "path": raw.path, "status": None, "user": None, "time": now_iso()}
        try:
            if raw.path == "/service/token":
                response = self.token(raw)
            else:
                response = self._v2(raw, entry)
        except Exception:  # pylint: disable=broad-except
            LOG.exception("fake_harbor registry front crashed")
            response = Response(500, {"errors": [{"code": "UNKNOWN", "message": "internal server error"}]})
        entry["status"] = response.status
        self.log.append(entry)
        return response

    def _v2(self, raw, entry):
        principal, access, valid = self._caller(raw)
        entry["user"] = principal.username if principal else None
        if raw.path.rstrip("/") == "/v2":
            if not valid:
                return self._challenge()
            return Response(200, {}, headers={"Docker-Distribution-Api-Version": "registry/2.0"})
        if raw.path == "/v2/_catalog" and raw.method == "GET":
            return self._catalog(raw, principal, access, valid)
        name, kind, reference = _split_v2(raw.path)
        if name is None:
            return Response(404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]})
        action = "pull" if raw.method in ("GET", "HEAD") else ("delete" if raw.method == "DELETE" else "push")
        if not valid:
            return self._challenge("repository:%s:%s" % (name, action))
        with self.server.lock:
            if access is None:
                granted = self.allowed_actions(principal, name, {action})
            else:
                granted = access.get(name, set())
            project = self._project_of(name)
        if action not in granted:
            return self._challenge("repository:%s:%s" % (name, action), "insufficient_scope")
        repository = name.split("/", 1)[1]
        if kind == "manifests":
            if raw.method == "PUT":
                return self._push_manifest(raw, project, repository, reference, principal)
            if raw.method in ("GET", "HEAD"):
                # Harbor resolves references from its own database: a tag deleted through the API is gone
                # even though distribution still knows it, and a tag added through the API works
                with self.server.lock:
                    repo = artifacts.find_repository(self.server.state, project, repository)
                    artifact = artifacts.find_artifact(self.server.state, repo, reference) if repo else None
                    hooks = self.server.hooks
                    denied = artifact and hooks.first("artifact_pull_denied", self.server.state, project, artifact)
                if artifact is None:
                    return Response(404, {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]})
                if denied:
                    return Response(412, {"errors": [{"code": "DENIED", "message": denied}]})
                response = self._forward(raw, path="/v2/%s/manifests/%s" % (name, artifact["digest"]))
                if raw.method == "GET" and response.status == 200:
                    self._pulled(project, repository, reference, principal)
                return response
        response = self._forward(raw)
        if kind == "manifests" and raw.method == "DELETE" and response.status == 202:
            with self.server.lock:
                repo = artifacts.find_repository(self.server.state, project, repository)
                artifact = artifacts.find_artifact(self.server.state, repo, reference) if repo else None
                if artifact is not None:
                    artifacts.remove_artifact(self.server.state, artifact)
        return response

    # ---------------------------------------------------------------- /v2/_catalog

    def _catalog(self, raw, principal, access, valid):
        """``GET /v2/_catalog`` from Harbor's own store (src/server/registry/catalog.go), see the module docstring."""
        state = self.server.state
        with self.server.lock:
            # v2auth: only a security context that may read the system resource catalog gets through; the
            # context of a bearer token (v2token) never may, basic auth and anonymous fall back to the caller
            caller = _Caller(principal, state)
            allowed = valid and access is None and auth.has_permission(caller, None, "catalog", "read")
            names = sorted(repo["name"] for repo in state.repositories)
        if not allowed:
            if raw.headers.get("Authorization"):
                challenge = 'Basic realm="harbor"'
            else:
                challenge = 'Bearer realm="%s/service/token",service="%s",scope="registry:catalog:*"' % (
                    self.realm_base(), SERVICE)
            return Response(401, {"errors": [{"code": "UNAUTHORIZED", "message": CATALOG_DENIED}]},
                            headers={"WWW-Authenticate": challenge, "Docker-Distribution-Api-Version": "registry/2.0"})
        limit_text = (raw.query.get("n") or [""])[0]
        last = (raw.query.get("last") or [""])[0]
        if limit_text and (not re.match(r"^[+-]?[0-9]+$", limit_text) or int(limit_text) < 0):
            return _registry_error(400, "BAD_REQUEST", "the N must be a positive int type")
        if not names:
            return _catalog_response(None)  # Go's nil slice: {"repositories":null}
        if not limit_text:
            return _catalog_response(names)
        limit = int(limit_text)
        if last:
            if last not in names:
                return _registry_error(400, "BAD_REQUEST", "the last: %s should be a valid repository name." % last)
            start = names.index(last) + 1
            chosen = names[start:start + limit]
        else:
            limit = min(limit, len(names))
            chosen = names[:limit]
        headers = {}
        if chosen and chosen[-1] != names[-1]:
            headers["Link"] = '<%s?%s>; rel="next"' % (raw.path, urlencode([("last", chosen[-1]), ("n", str(limit))]))
        return _catalog_response(chosen, headers)

    def _forward(self, raw, body=None, path=None):
        headers = {}
        for key, value in raw.headers.items():
            if key.lower() in ("authorization", "host", "connection", "transfer-encoding", "content-length"):
                continue
            # clients send several Accept headers (one per manifest type): keep them all
            headers[key] = "%s, %s" % (headers[key], value) if key in headers else value
        path = (path or raw.path) + ("?" + raw.query_string if raw.query_string else "")
        payload = raw.body if body is None else body
        if payload:
            headers["Content-Length"] = str(len(payload))
        status, resp_headers, resp_body = self.distribution.request(raw.method, path, headers, payload)
        out = {}
        content_type = "application/octet-stream"
        for key, value in resp_headers:
            lower = key.lower()
            if lower == "content-type":
                content_type = value
                if raw.method == "HEAD":
                    # an answer without a body: the transport adds no Content-Type of its own, and Docker's
                    # HEAD of a manifest needs it ("missing or empty Content-Type header")
                    out[key] = value
            elif lower not in ("content-length", "connection", "date", "transfer-encoding"):
                out[key] = value
            elif lower == "content-length" and raw.method == "HEAD":
                out["Content-Length"] = value  # the transport keeps it for a HEAD answer
        return Response(status, headers=out, content_type=content_type, raw=resp_body)

    # ---------------------------------------------------------------- manifests

    def _push_manifest(self, raw, project, repository, reference, principal):
        is_digest = reference.startswith("sha256:")
        state = self.server.state
        if not is_digest:
            with self.server.lock:
                repo = artifacts.find_repository(state, project, repository)
                exists = repo is not None and artifacts.find_artifact(state, repo, reference) is not None
                immutable = exists and self.server.hooks.first("tag_immutable", state, project, repository, reference)
            if immutable:
                return Response(412, {"errors": [{"code": "PRECONDITION", "message":
                                                  "The image %s/%s:%s cannot be overwritten because it is immutable"
                                                  % (project["name"], repository, reference)}]})
        response = self._forward(raw)
        if response.status != 201:
            return response
        digest = response.headers.get("Docker-Content-Digest")
        try:
            manifest = json.loads(raw.body)
        except ValueError:
            manifest = {}
        size, packages = self._describe(project, repository, manifest, len(raw.body))
        with self.server.lock:
            artifact = artifacts.push_artifact(state, project, repository, tags=[] if is_digest else [reference],
                                               size=size, digest=digest, packages=packages,
                                               media_type=manifest.get("mediaType") or raw.headers.get("Content-Type"))
            artifact["layers"] = [layer.get("digest") for layer in manifest.get("layers", [])]
        self.server.hooks.all("artifact_event", state, "PUSH_ARTIFACT", project, artifact,
                              None if is_digest else reference, principal)
        return response

    def _describe(self, project, repository, manifest, manifest_size):
        """Size (manifest + config + layers, or the children of an index) and the packages.json it carries."""
        name = "%s/%s" % (project["name"], repository)
        if manifest.get("mediaType") in INDEX_MANIFESTS or "manifests" in manifest:
            return manifest_size + sum(m.get("size", 0) for m in manifest.get("manifests", [])), None
        size = manifest_size + (manifest.get("config") or {}).get("size", 0)
        packages = None
        for layer in manifest.get("layers", []):
            size += layer.get("size", 0)
            if packages is None:
                packages = self._read_packages(name, layer.get("digest"))
        return size, packages

    def _read_packages(self, name, digest):
        if not digest:
            return None
        status, _headers, blob = self.distribution.request("GET", "/v2/%s/blobs/%s" % (name, digest))
        if status != 200:
            return None
        try:
            data = gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob
            with tarfile.open(fileobj=io.BytesIO(data)) as tar:
                for member in tar.getmembers():
                    if member.name.lstrip("./") == PACKAGES_FILE and member.isfile():
                        return json.loads(tar.extractfile(member).read())
        except (OSError, tarfile.TarError, ValueError, EOFError):
            return None
        return None

    def _pulled(self, project, repository, reference, principal):
        state = self.server.state
        with self.server.lock:
            repo = artifacts.find_repository(state, project, repository)
            artifact = artifacts.find_artifact(state, repo, reference) if repo else None
            if artifact is None:
                return
            now = now_iso()
            artifact["pull_time"] = now
            for tag in artifact["tags"]:
                if tag["name"] == reference:
                    tag["pull_time"] = now
            repo["pull_count"] += 1
        self.server.hooks.all("artifact_event", state, "PULL_ARTIFACT", project, artifact,
                              None if reference.startswith("sha256:") else reference, principal)

    # ---------------------------------------------------------------- hooks it provides

    def _artifact_deleted(self, _state, artifact):
        status, _headers, _body = self.distribution.request(
            "DELETE", "/v2/%s/manifests/%s" % (artifact["repository_name"], artifact["digest"]))
        return status

    def _garbage_collect(self, _state, delete_untagged=False, dry_run=False):
        return self.distribution.garbage_collect(delete_untagged=delete_untagged, dry_run=dry_run)

    def _health(self, _state):
        return self.distribution.health_error()


def _catalog_response(names, headers=None):
    body = (json.dumps({"repositories": names}, separators=(",", ":")) + "\n").encode("utf-8")
    return Response(200, headers=headers, content_type="application/json; charset=utf-8", raw=body)


def _registry_error(status, code, message):
    return Response(status, {"errors": [{"code": code, "message": message}]})


def _split_v2(path):
    """``/v2/<name>/(manifests|blobs|tags)/<reference>`` (name may hold slashes) -> (name, kind, reference)."""
    parts = path[len("/v2/"):].split("/")
    for index in range(len(parts) - 1, 0, -1):
        if parts[index] in ("manifests", "blobs", "tags"):
            name = "/".join(parts[:index])
            rest = "/".join(parts[index + 1:])
            if parts[index] == "blobs" and rest.startswith("uploads"):
                return name, "uploads", rest
            return name, parts[index], rest
    return None, None, None
