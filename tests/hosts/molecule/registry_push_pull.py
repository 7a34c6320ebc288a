"""`docker login`, a push and a pull against a Harbor registry, from a scenario's testinfra tests.

The test host runs the commands (its Docker engine is the client), so what is proved is what a user of that
host gets: the CA Docker trusts, the registry's token auth through whatever frontend is in the way, blobs and
manifests stored and served back. The image is built on the host without any registry: a `docker import` of
a tar holding busybox (the test hosts' base has busybox-static) and a file with unique content, so every
call pushes a new artifact of its own.

    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[5] / "tests" / "hosts" / "molecule"))
    from registry_push_pull import push_pull, api_get     # noqa: E402

    result = push_pull(host, "harbor.molecule.test:21300", ca_file="/etc/harbor-test/tls/harbor.crt",
                       username="admin", password="Harbor12345", repository="library/smoke", tag="v1",
                       api_url="https://harbor.molecule.test:21300/api/v2.0")

``registry`` is host[:port] as Docker sees it (the name in /etc/docker/certs.d/<registry>/ca.crt, written from
``ca_file``, a file on the host); ``api_url`` (optional) is Harbor's API base: the pushed digest must then be
an artifact of ``repository`` with ``tag``, and ``repository`` in the project's repository list (``api_ca``
defaults to ``ca_file``). Raises AssertionError with the commands' output on any failure; returns a dict:
``digest`` (the manifest digest Docker pushed), ``image_id``, ``content`` (what the pulled image printed),
``reference``, ``artifact`` (the API's artifact, with api_url) and ``repositories`` (the project's repository
names). ``login``, ``pull_and_run``, ``logout``, ``api_call`` and ``check_artifact`` are usable on their own (e.g.
pull an image again after a restart).
"""

import json
import shlex
import uuid

CERTS_D = "/etc/docker/certs.d"

_API_CODE = (
    "import base64, json, ssl, sys, urllib.error, urllib.request\n"
    "url, ca, user, password, bearer, method, body = sys.argv[1:8]\n"
    "request = urllib.request.Request(url, method=method, data=body.encode() if body else None)\n"
    "if body:\n"
    "    request.add_header('Content-Type', 'application/json')\n"
    "if user:\n"
    "    token = base64.b64encode((user + ':' + password).encode()).decode()\n"
    "    request.add_header('Authorization', 'Basic ' + token)\n"
    "if bearer:\n"
    "    request.add_header('Authorization', 'Bearer ' + bearer)\n"
    "    request.add_header('Accept', 'application/vnd.docker.distribution.manifest.v2+json')\n"
    "context = ssl.create_default_context(cafile=ca) if ca else None\n"
    "try:\n"
    "    response = urllib.request.urlopen(request, context=context, timeout=30)\n"
    "except urllib.error.HTTPError as err:\n"
    "    response = err\n"
    "print(json.dumps({'status': response.status, 'headers': dict(response.headers.items()),\n"
    "                  'body': response.read().decode()}))\n"
)


def _q(*args):
    return " ".join(shlex.quote(str(arg)) for arg in args)


def _run(host, command, what):
    result = host.run(command)
    if result.rc != 0:
        raise AssertionError("%s failed (rc %d): %s\nstdout: %s\nstderr: %s" % (
            what, result.rc, command, result.stdout.strip(), result.stderr.strip()))
    return result.stdout


def api_call(host, url, ca_file=None, username=None, password=None, bearer=None, method="GET", body=None):
    """One HTTP request with Python on the host (basic auth with username/password, or a bearer token; ``body``:
    sent as JSON); returns (status, headers dict, body text). ``ca_file``: the CA to verify the server with (a
    file on the host; with a bearer token the request accepts a Docker image manifest, for /v2/ manifest GETs).
    Raises when the server cannot be reached at all."""
    args = [url, ca_file or "", username or "", password or "", bearer or "", method,
            json.dumps(body) if body is not None else ""]
    out = json.loads(host.check_output("python3 -c %s %s" % (shlex.quote(_API_CODE), _q(*args))))
    return out["status"], out["headers"], out["body"]


def api_get(host, url, ca_file=None, username=None, password=None, bearer=None):
    """GET ``url`` (see api_call); returns (status, body text)."""
    status, _headers, body = api_call(host, url, ca_file, username, password, bearer)
    return status, body


def login(host, registry, ca_file, username, password):
    """Trust ``ca_file`` for ``registry`` and ``docker login`` to it."""
    trust(host, registry, ca_file)
    _run(host, "printf %%s %s | docker login --username %s --password-stdin %s" % (
        _q(password), _q(username), _q(registry)), "docker login to %s as %s" % (registry, username))


def logout(host, registry):
    host.run("docker logout %s" % _q(registry))


def pull_and_run(host, reference):
    """``docker pull`` (the local image must be gone) and run it; returns (image id, what it printed).
    Log in first."""
    if host.run("docker image inspect %s" % _q(reference)).rc == 0:
        raise AssertionError("%s is there before the pull: the pull would prove nothing" % reference)
    try:
        _run(host, "docker pull %s" % _q(reference), "docker pull %s" % reference)
        pulled_id = _run(host, "docker image inspect --format '{{.Id}}' %s" % _q(reference), "inspect").strip()
        printed = _run(host, "docker run --rm --network none %s" % _q(reference), "running the pulled image")
    finally:
        host.run("docker rmi %s" % _q(reference))
    return pulled_id, printed.strip()


def trust(host, registry, ca_file):
    """Make Docker trust ``ca_file`` for ``registry`` (host:port): /etc/docker/certs.d/<registry>/ca.crt."""
    directory = "%s/%s" % (CERTS_D, registry)
    _run(host, "mkdir -p %s && cp %s %s/ca.crt" % (_q(directory), _q(ca_file), _q(directory)),
         "trusting %s for %s" % (ca_file, registry))


def build_image(host, reference, content):
    """A tiny image tagged ``reference``: busybox and /hello holding ``content``; its CMD prints /hello."""
    work = "/tmp/registry-push-pull-%s" % uuid.uuid4().hex[:8]
    _run(host, "rm -rf {w} && mkdir -p {w} && cp /bin/busybox {w}/busybox && printf %s {c} > {w}/hello && "
               "tar -C {w} -c . | docker import --change 'CMD [\"/busybox\", \"cat\", \"/hello\"]' - {r} && "
               "rm -rf {w}".format(w=_q(work), c=_q(content), r=_q(reference)),
         "building %s with docker import" % reference)


def push_pull(host, registry, ca_file, username, password, repository="library/smoke", tag="v1",
              api_url=None, api_ca=None):
    """Log in, build, push, remove, pull back and run an image; check it in Harbor's API (see the module
    docstring)."""
    reference = "%s/%s:%s" % (registry, repository, tag)
    content = "pushed through %s as %s (%s)" % (registry, reference, uuid.uuid4().hex)
    login(host, registry, ca_file, username, password)
    try:
        build_image(host, reference, content)
        image_id = _run(host, "docker image inspect --format '{{.Id}}' %s" % _q(reference), "inspect").strip()
        pushed = _run(host, "docker push %s" % _q(reference), "docker push %s" % reference)
        digests = [word for line in pushed.splitlines() if "digest: " in line
                   for word in line.split() if word.startswith("sha256:")]
        if not digests:
            raise AssertionError("docker push printed no digest:\n%s" % pushed)
        digest = digests[-1]
        _run(host, "docker rmi %s" % _q(reference), "removing the local image %s" % reference)
        pulled_id, printed = pull_and_run(host, reference)
        if pulled_id != image_id:
            raise AssertionError("pulled image %s is not the pushed %s" % (pulled_id, image_id))
        if printed != content:
            raise AssertionError("the pulled image printed %r, not %r" % (printed, content))
    finally:
        host.run("docker rmi %s" % _q(reference))
        logout(host, registry)
    result = {"digest": digest, "image_id": image_id, "content": printed, "reference": reference}
    if api_url:
        result.update(check_artifact(host, api_url, api_ca or ca_file, username, password, repository, tag, digest))
    return result


def check_artifact(host, api_url, ca_file, username, password, repository, tag, digest):
    """The pushed ``digest`` is an artifact of ``repository`` with ``tag`` in Harbor's API, and the repository is
    listed in its project; returns {"artifact": ..., "repositories": [names]}."""
    project, _sep, name = repository.partition("/")
    api_url = api_url.rstrip("/")
    status, body = api_get(host, "%s/projects/%s/repositories?page_size=100" % (api_url, project), ca_file,
                           username, password)
    if status != 200:
        raise AssertionError("listing the repositories of %s: %d %s" % (project, status, body))
    names = [repo["name"] for repo in json.loads(body)]
    if repository not in names:
        raise AssertionError("%s is not among the repositories of %s: %s" % (repository, project, names))
    encoded = name.replace("/", "%252F")  # Harbor's double-encoded repository name in paths
    status, body = api_get(host, "%s/projects/%s/repositories/%s/artifacts/%s?with_tag=true" % (
        api_url, project, encoded, tag), ca_file, username, password)
    if status != 200:
        raise AssertionError("reading the artifact %s:%s: %d %s" % (repository, tag, status, body))
    artifact = json.loads(body)
    if artifact.get("digest") != digest or tag not in [t["name"] for t in artifact.get("tags") or []]:
        raise AssertionError("the API's artifact %s:%s is %s with tags %s, not the pushed %s" % (
            repository, tag, artifact.get("digest"), [t["name"] for t in artifact.get("tags") or []], digest))
    return {"artifact": artifact, "repositories": names}
