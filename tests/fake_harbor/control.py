"""The ``/_fake/*`` control API (no auth, never logged, never contract-checked).

=======  ===========================  =================================================
GET      /_fake/info                  version, harbor_version, spec file, contract on/off
GET      /_fake/requests              {"last_seq", "requests": [...]}; ?since=SEQ, ?writes=true
DELETE   /_fake/requests              clear the log (seq keeps counting)
GET      /_fake/violations            {"violations": [...]}
DELETE   /_fake/violations            clear violations
POST     /_fake/reset                 fresh state; log, violations, faults cleared
GET      /_fake/faults                {"faults": [...]}
POST     /_fake/faults                add a rule (see transport/faults.py) -> 201 + the rule
DELETE   /_fake/faults                remove all rules
GET      /_fake/health                component -> error (null = healthy)
POST     /_fake/health                {"component": "redis", "healthy": false, "error": "..."}
                                      or {"components": {"redis": false, "core": true}}
POST     /_fake/repositories          {"project": "name-or-id", "name": "app", "size": 1024} (one artifact)
POST     /_fake/receiver/<name>       a webhook receiver: records the delivered body and headers
GET      /_fake/scanner-adapter/<name>/api/v1/metadata
                                      a reachable scanner adapter called <name> (resources/scanners.py)
POST     /_fake/artifact-times        {"project", "repository", "reference", "push_time"?, "pull_time"?}: age an artifact
GET      /_fake/received              {"count", "received": [...]}; ?receiver=<name>
POST     /_fake/artifacts             {"project", "repository", "tags": [...], "size", "digest"?, "push_time"?,
                                      "pull_time"?, "packages"?, "labels"?} (see resources/artifacts.py)
POST     /_fake/users                 {"username", "password", "email"?, "sysadmin"?, "oidc"?} ("oidc": onboarded
                                      through OIDC, the password is its CLI secret: resources/users.py)
POST     /_fake/accessories           {"project", "repository", "subject" (tag or digest), "type", "size"?, "digest"?}
                                      an accessory (signature, SBOM ...) of an artifact (resources/artifacts.py)
GET      /_fake/ldap                  the LDAP directory behind /ldap/users/* and /ldap/groups/search
POST     /_fake/ldap                  {"users": [{"username", "realname"?, "email"?, "password"?}], "groups":
                                      [{"name", "dn"}]} replaces the directory (resources/ldap.py)
GET      /_fake/jobs                  the job service: {"clock", "paused", "settings", "count", "jobs": [...]};
                                      ?id=N, ?kind=K, ?status=S, ?active=true
POST     /_fake/jobs                  {"duration"?: S, "hold"?: BOOL, "kind"?: K} for new jobs (of one kind);
                                      {"advance": S} moves the job clock; {"reset": true} default settings
POST     /_fake/jobs/release          {"id"?, "kind"?}: held jobs go on (and, without "id", new ones are not held)
POST     /_fake/jobs/finish           {"id"?, "kind"?, "status"?}: active jobs end now (Success, Error or Stopped)
=======  ===========================  =================================================

Every control call first lets the job service catch up with the time (``executions.advance``), like every API
request does.
"""

import json

from .framework.response import Response
from .resources import artifacts, executions, projects, scanners, users
from .resources import ldap as ldap_resource
from .transport.faults import FaultError


def _json(body, status=200):
    return Response(status, body)


def _error(status, message):
    return _json({"errors": [{"code": "FAKE_CONTROL", "message": message}]}, status)


def _body(raw):
    if not raw.body:
        return {}
    try:
        body = json.loads(raw.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _flag(raw, name):
    values = raw.query.get(name) or []
    return bool(values) and values[-1].lower() in ("1", "true", "yes")


def handle(server, raw):
    path = raw.path.rstrip("/")
    method = raw.method
    if method == "POST" and path.startswith("/_fake/receiver/"):
        return _receive(server, raw, path[len("/_fake/receiver/"):])
    if method == "GET" and path.startswith("/_fake/scanner-adapter/"):  # no lock: pinged by handlers that hold it
        name, _sep, rest = path[len("/_fake/scanner-adapter/"):].partition("/")
        status, answer = scanners.adapter_stand_in(name, rest)
        return _json(answer, status)
    body = _body(raw)
    if body is None:
        return _error(400, "the body must be a JSON object")
    with server.lock:
        executions.advance(server.state)
    handler = _ROUTES.get((method, path))
    if handler is None:
        known = sorted({p for (_m, p) in _ROUTES})
        if path in known:
            return _error(405, "method %s not allowed on %s" % (method, path))
        return _error(404, "unknown control endpoint %s (known: %s)" % (path, ", ".join(known)))
    return handler(server, raw, body)


def _info(server, _raw, _body_):
    return _json({
        "version": str(server.version), "label": server.version.label,
        "harbor_version": server.version.harbor_version, "url": server.url,
        "spec_file": server.version.spec_file, "spec_dir": str(server.spec_dir) if server.spec_dir else None,
        "contract_enabled": server.contract_enabled, "ca_path": server.ca_path,
        "overlays": server.spec.overlays if server.spec else [],
    })


def _get_requests(server, raw, _body_):
    since = None
    values = raw.query.get("since")
    if values:
        try:
            since = int(values[-1])
        except ValueError:
            return _error(400, "since must be an integer")
    entries = server.log.entries(since=since, writes_only=_flag(raw, "writes"))
    return _json({"last_seq": server.log.last_seq, "count": len(entries), "requests": entries})


def _clear_requests(server, _raw, _body_):
    server.clear_requests()
    return _json({"last_seq": server.log.last_seq})


def _get_violations(server, _raw, _body_):
    violations = server.violations
    return _json({"count": len(violations), "violations": violations})


def _clear_violations(server, _raw, _body_):
    server.clear_violations()
    return _json({})


def _reset(server, _raw, _body_):
    server.reset()
    return _json({"reset": True})


def _get_faults(server, _raw, _body_):
    return _json({"faults": server.faults.list()})


def _add_fault(server, _raw, body):
    try:
        rule = server.add_fault(body)
    except FaultError as err:
        return _error(400, str(err))
    return _json(rule, 201)


def _clear_faults(server, _raw, _body_):
    server.clear_faults()
    return _json({"faults": []})


def _get_health(server, _raw, _body_):
    with server.lock:
        return _json(dict(server.state.health))


def _set_health(server, _raw, body):
    changes = {}
    if "component" in body:
        changes[body["component"]] = (bool(body.get("healthy", False)), body.get("error"))
    for name, healthy in (body.get("components") or {}).items():
        changes[name] = (bool(healthy), None)
    if not changes:
        return _error(400, 'send {"component": NAME, "healthy": BOOL} or {"components": {NAME: BOOL}}')
    for name, (healthy, error) in changes.items():
        server.set_health(name, healthy, error)
    return _get_health(server, None, None)


def _add_repository(server, _raw, body):
    ref = body.get("project")
    if ref is None or not body.get("name"):
        return _error(400, 'send {"project": NAME_OR_ID, "name": REPO, "size": BYTES}')
    with server.lock:
        kind = "id" if isinstance(ref, int) else "name"
        project = projects.lookup(server.state, (kind, ref))
        if project is None:
            return _error(404, "project %s not found" % ref)
        artifacts.push_artifact(server.state, project, body["name"], size=body.get("size", 0))
        repo = artifacts.find_repository(server.state, project, body["name"])
    return _json(artifacts.serialize_repository(server.state, repo), 201)


def _push_artifact(server, _raw, body):
    ref = body.get("project")
    if ref is None or not body.get("repository"):
        return _error(400, 'send {"project": NAME_OR_ID, "repository": NAME, "tags": [...], "size": BYTES, '
                           '"digest"?, "push_time"?, "pull_time"?, "packages"?, "labels"?}')
    with server.lock:
        kind = "id" if isinstance(ref, int) else "name"
        project = projects.lookup(server.state, (kind, ref))
        if project is None:
            return _error(404, "project %s not found" % ref)
        artifact = artifacts.push_artifact(
            server.state, project, body["repository"], tags=body.get("tags") or [], size=body.get("size", 1024),
            digest=body.get("digest"), push_time=body.get("push_time"), pull_time=body.get("pull_time"),
            packages=body.get("packages"), labels=body.get("labels"), history=body.get("history"))
    return _json({"id": artifact["id"], "digest": artifact["digest"], "repository": artifact["repository_name"],
                  "tags": [t["name"] for t in artifact["tags"]]}, 201)


def _add_user(server, _raw, body):
    if not body.get("username") or not body.get("password"):
        return _error(400, 'send {"username": NAME, "password": PASSWORD}')
    with server.lock:
        if users.find_user(server.state, body["username"]) is not None:
            return _error(409, "user %s exists" % body["username"])
        user = users.add_user(server.state, body["username"], body["password"],
                              email=body.get("email", "%s@example.com" % body["username"]),
                              realname=body.get("realname", body["username"]), sysadmin=bool(body.get("sysadmin")))
        if body.get("oidc"):
            users.onboard_oidc(server.state, user)
    return _json(users.serialize(user), 201)


def _artifact_times(server, _raw, body):
    """Move an artifact's push/pull times into the past, as if it had been pushed (pulled) then."""
    if not body.get("project") or not body.get("repository") or not body.get("reference"):
        return _error(400, 'send {"project", "repository", "reference", "push_time"?, "pull_time"?}')
    with server.lock:
        project = projects.lookup(server.state, ("name", body["project"]))
        repo = artifacts.find_repository(server.state, project, body["repository"]) if project else None
        artifact = artifacts.find_artifact(server.state, repo, body["reference"]) if repo else None
        if artifact is None:
            return _error(404, "artifact %s/%s@%s not found" % (body["project"], body["repository"], body["reference"]))
        for key in ("push_time", "pull_time"):
            if key in body:
                artifact[key] = body[key]
                for tag in artifact["tags"]:
                    tag[key] = body[key]
    return _json({"digest": artifact["digest"]})


def _receive(server, raw, name):
    """A webhook receiver: record what was delivered (any body, e.g. a Harbor event payload)."""
    try:
        payload = json.loads(raw.body) if raw.body else None
    except ValueError:
        payload = raw.body.decode("utf-8", "replace")
    with server.lock:
        server.received.append({"receiver": name, "authorization": raw.headers.get("Authorization"),
                                "content_type": raw.headers.get("Content-Type"), "body": payload})
    return _json({})


def _get_received(server, raw, _body_):
    name = (raw.query.get("receiver") or [None])[-1]
    with server.lock:
        items = [dict(item) for item in server.received if name is None or item["receiver"] == name]
    return _json({"count": len(items), "received": items})


# ---------------------------------------------------------------- the job service (resources/executions.py)

JOB_FINAL = (executions.SUCCESS, executions.ERROR, executions.STOPPED)


def _kind(value):
    """A job kind from a request (case-insensitive), or raise ValueError."""
    kind = str(value).upper()
    known = executions.KINDS + executions.OTHER_KINDS
    if kind not in known:
        raise ValueError("unknown job kind %r (known: %s)" % (value, ", ".join(known)))
    return kind


def _jobs_body(state, raw=None):
    query = raw.query if raw is not None else {}
    kind = (query.get("kind") or [None])[-1]
    status = (query.get("status") or [None])[-1]
    job_id = (query.get("id") or [None])[-1]
    only_active = bool(query.get("active")) and query["active"][-1].lower() in ("1", "true", "yes")
    jobs = [executions.summary(e) for e in executions.executions(state)
            if (kind is None or e["kind"] == kind.upper()) and (status is None or e["status"] == status)
            and (job_id is None or str(e["id"]) == job_id) and (not only_active or e["status"] in executions.ACTIVE)]
    current = executions.settings(state)
    return {"clock": round(executions.clock(state), 3), "paused": sorted(executions.paused(state)),
            "settings": {"duration": current["duration"], "hold": current["hold"],
                         "kinds": {k: dict(v) for k, v in current["kinds"].items()}},
            "count": len(jobs), "jobs": jobs}


def _get_jobs(server, raw, _body_):
    with server.lock:
        return _json(_jobs_body(server.state, raw))


def _set_jobs(server, _raw, body):
    """Settings of new jobs, the job clock, or the defaults back."""
    unknown = sorted(set(body) - {"duration", "hold", "kind", "advance", "reset"})
    if unknown or not body:
        return _error(400, 'send {"duration": SECONDS, "hold": BOOL, "kind": KIND} (any of them), {"advance": SECONDS} '
                           'or {"reset": true}%s' % (" (unknown: %s)" % ", ".join(unknown) if unknown else ""))
    for key in ("duration", "advance"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            return _error(400, "%s must be a number of seconds, 0 or more" % key)
    if "hold" in body and not isinstance(body["hold"], bool):
        return _error(400, "hold must be true or false")
    try:
        kind = _kind(body["kind"]) if body.get("kind") is not None else None
    except ValueError as err:
        return _error(400, str(err))
    with server.lock:
        state = server.state
        if body.get("reset"):
            executions.reset_settings(state)
        executions.configure(state, duration=body.get("duration"), hold=body.get("hold"), kind=kind)
        if body.get("advance"):
            executions.move_clock(state, body["advance"])
        executions.advance(state)
        return _json(_jobs_body(state))


def _selected_jobs(state, body):
    """The active executions a release/finish body names (``id``, ``kind``, or all), oldest first."""
    unknown = sorted(set(body) - {"id", "kind", "status"})
    if unknown:
        raise ValueError("unknown keys: %s" % ", ".join(unknown))
    kind = _kind(body["kind"]) if body.get("kind") is not None else None
    selected = [e for e in sorted(executions.executions(state), key=lambda e: e["id"])
                if e["status"] in executions.ACTIVE and (kind is None or e["kind"] == kind)
                and (body.get("id") is None or e["id"] == body["id"])]
    if body.get("id") is not None and not selected:
        raise LookupError("no active job with id %s" % body["id"])
    return kind, selected


def _release_jobs(server, _raw, body):
    with server.lock:
        state = server.state
        try:
            kind, selected = _selected_jobs(state, body)
        except ValueError as err:
            return _error(400, str(err))
        except LookupError as err:
            return _error(404, str(err))
        if body.get("id") is None:
            executions.configure(state, hold=False, kind=kind)
        released = [e["id"] for e in selected if e["held"]]
        for execution in selected:
            executions.release(state, execution)
        executions.advance(state)
        return _json(dict(_jobs_body(state), released=released))


def _finish_jobs(server, _raw, body):
    status = body.get("status", executions.SUCCESS)
    if status not in JOB_FINAL:
        return _error(400, "status must be one of %s" % ", ".join(JOB_FINAL))
    with server.lock:
        state = server.state
        try:
            selected = _selected_jobs(state, body)[1]
        except ValueError as err:
            return _error(400, str(err))
        except LookupError as err:
            return _error(404, str(err))
        finished = []
        for execution in selected:  # oldest first: a queue drains in its order
            if execution["status"] in executions.ACTIVE:
                if status == executions.STOPPED:
                    executions.stop(state, execution)
                else:
                    executions.finish(state, execution, status)
                finished.append(execution["id"])
        executions.advance(state)
        return _json(dict(_jobs_body(state), finished=finished))


# ---------------------------------------------------------------- accessories and the LDAP directory

def _add_accessory(server, _raw, body):
    if not body.get("project") or not body.get("repository") or not body.get("subject") or not body.get("type"):
        return _error(400, 'send {"project", "repository", "subject": TAG_OR_DIGEST, "type", "size"?, "digest"?}')
    if body["type"] not in artifacts.ACCESSORY_TYPES:
        return _error(400, "type must be one of %s" % ", ".join(artifacts.ACCESSORY_TYPES))
    with server.lock:
        project = projects.lookup(server.state, ("name", body["project"]))
        repo = artifacts.find_repository(server.state, project, body["repository"]) if project else None
        subject = artifacts.find_artifact(server.state, repo, body["subject"]) if repo else None
        if subject is None:
            return _error(404, "artifact %s/%s@%s not found" % (body["project"], body["repository"], body["subject"]))
        record = artifacts.add_accessory(server.state, subject, body["type"], size=body.get("size", 512),
                                         digest=body.get("digest"))
        return _json(artifacts.serialize_accessory(server.state, record), 201)


def _get_ldap(server, _raw, _body_):
    with server.lock:
        return _json(ldap_resource.directory(server.state))


def _set_ldap(server, _raw, body):
    with server.lock:
        problem = ldap_resource.set_directory(server.state, body)
        if problem:
            return _error(400, problem)
        return _json(ldap_resource.directory(server.state), 201)


_ROUTES = {
    ("GET", "/_fake/info"): _info,
    ("GET", "/_fake/requests"): _get_requests,
    ("DELETE", "/_fake/requests"): _clear_requests,
    ("GET", "/_fake/violations"): _get_violations,
    ("DELETE", "/_fake/violations"): _clear_violations,
    ("POST", "/_fake/reset"): _reset,
    ("GET", "/_fake/faults"): _get_faults,
    ("POST", "/_fake/faults"): _add_fault,
    ("DELETE", "/_fake/faults"): _clear_faults,
    ("GET", "/_fake/health"): _get_health,
    ("POST", "/_fake/health"): _set_health,
    ("POST", "/_fake/repositories"): _add_repository,
    ("POST", "/_fake/artifacts"): _push_artifact,
    ("GET", "/_fake/received"): _get_received,
    ("POST", "/_fake/artifact-times"): _artifact_times,
    ("POST", "/_fake/users"): _add_user,
    ("POST", "/_fake/accessories"): _add_accessory,
    ("GET", "/_fake/ldap"): _get_ldap,
    ("POST", "/_fake/ldap"): _set_ldap,
    ("GET", "/_fake/jobs"): _get_jobs,
    ("POST", "/_fake/jobs"): _set_jobs,
    ("POST", "/_fake/jobs/release"): _release_jobs,
    ("POST", "/_fake/jobs/finish"): _finish_jobs,
}
