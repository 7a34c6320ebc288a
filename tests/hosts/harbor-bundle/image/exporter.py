"""harbor-exporter of the stand-in Harbor: the exporter's metrics (Harbor's src/pkg/exporter) from the stand-in's data.

Like Harbor's exporter it serves ``HARBOR_EXPORTER_METRICS_PATH`` (``/metrics``) on ``HARBOR_EXPORTER_PORT`` (bound
to 127.0.0.1: test hosts share the CI machine's network, so prepare derives the port from ``metric.port``) and
answers every other path with a small HTML page that links to it (status 200). Its collectors:

* health (``harbor_health``, ``harbor_up{component}``): core's ``GET /api/v2.0/health`` without credentials, at
  ``HARBOR_SERVICE_SCHEME://HARBOR_SERVICE_HOST:HARBOR_SERVICE_PORT``; nothing when core does not answer;
* system info (``harbor_system_info{auth_mode,harbor_version,self_registration}`` 1): core's anonymous
  ``GET /api/v2.0/systeminfo``, which leaves ``harbor_version`` out (api-notes "Version information"), so the
  label is empty as Harbor's exporter reports it (goharbor/harbor#22164);
* projects and statistics (``harbor_project_*``, ``harbor_artifact_pulled``, ``harbor_statistics_*``): Harbor's
  exporter reads them from the database; the stand-in's database is core's pickled state
  (``STANDIN_STATE_DIR``/harbor-standin-state.pickle, mounted read-only), read on every scrape. Before core has
  stored anything the state is the one a new Harbor starts with (the public ``library`` project).

Not served: the job service collector (``harbor_task_queue_*``, ``harbor_task_concurrency``,
``harbor_task_scheduled_total``: Harbor reads them from redis, which the stand-in does not have) and the Go
runtime metrics; no result cache (Harbor's exporter caches for ``HARBOR_EXPORTER_CACHE_TIME`` seconds).
"""

import json
import os
import pickle
import signal
import ssl
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, "/opt/standin")
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:  # its sibling modules, also when a test loads it
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))

from exposition import CONTENT_TYPE, Family, render  # noqa: E402  pylint: disable=wrong-import-position

STATE_FILE = "harbor-standin-state.pickle"
CORE_TIMEOUT = 10


# ------------------------------------------------------------------------------- collectors that ask core

def fetch_json(base_url, path):
    """The JSON answer of core's ``GET base_url + path`` without credentials, or None when core does not answer.
    Core's certificate is for harbor.yml's hostname, the exporter reaches it on loopback: not verified."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(base_url + path, timeout=CORE_TIMEOUT, context=context) as response:
            return json.loads(response.read().decode())
    except (OSError, ValueError, urllib.error.URLError):
        return None


def healthy(status):
    """1 for ``healthy``, else 0."""
    return 1 if status == "healthy" else 0


def health_families(health):
    """harbor_health and harbor_up{component} from core's /health answer (None: no families)."""
    overall = Family("harbor_health", "gauge", "Running status of Harbor")
    components = Family("harbor_up", "gauge", "Running status of harbor component")
    if health is not None:
        overall.sample(healthy(health.get("status")))
        for component in health.get("components") or []:
            components.sample(healthy(component.get("status")), component=component.get("name", ""))
    return [overall, components]


def system_info_families(info):
    """harbor_system_info from core's anonymous /systeminfo answer (None: no family)."""
    family = Family("harbor_system_info", "gauge", "Information of Harbor system")
    if info is not None:
        family.sample(1, auth_mode=info.get("auth_mode", ""), harbor_version=info.get("harbor_version", ""),
                      self_registration="true" if info.get("self_registration") else "false")
    return [family]


# ------------------------------------------------------------------------- collectors that read the database

def public_label(project):
    """The ``public`` label of a project (its ``public`` metadata), or None when it has none."""
    value = (project.get("metadata") or {}).get("public")
    return None if value is None else ("true" if value == "true" else "false")


def project_quota(state, project_id):
    """The project's quota record (ref_type project), or None."""
    for quota in getattr(state, "quotas", {}).values():
        if quota["ref_type"] == "project" and quota["ref_id"] == project_id:
            return quota
    return None


def project_rows(state):
    """Per project with a ``public`` metadata and a quota (the exporter's projectBasicSQL): its name, public label,
    quota, used storage, user members, repositories, pulls and artifacts by type."""
    artifacts = list(getattr(state, "artifacts", {}).values())
    rows = []
    for project in sorted(state.projects.values(), key=lambda item: item["project_id"]):
        public, quota = public_label(project), project_quota(state, project["project_id"])
        if public is None or quota is None:
            continue
        own = [a for a in artifacts if a["project_id"] == project["project_id"]]
        repos = [r for r in state.repositories if r["project_id"] == project["project_id"]]
        types = {}
        for artifact in own:
            types[artifact.get("type", "")] = types.get(artifact.get("type", ""), 0) + 1
        rows.append({
            "name": project["name"], "public": public, "quota": quota["hard"].get("storage", 0),
            "usage": sum(a["size"] for a in own), "repos": len(repos),
            "pulls": sum(r.get("pull_count", 0) for r in repos), "types": types,
            "members": sum(1 for m in getattr(state, "members", []) if m["project_id"] == project["project_id"]
                           and m["entity_type"] == "u"),
        })
    return rows


def project_families(state):
    """The exporter's project collector: harbor_project_total{public} and the per-project families."""
    names = {
        "total": ("harbor_project_total", "Total projects number"),
        "usage": ("harbor_project_quota_usage_byte", "The used resource of a project"),
        "quota": ("harbor_project_quota_byte", "The quota of a project"),
        "repos": ("harbor_project_repo_total", "Total project repos number"),
        "members": ("harbor_project_member_total", "Total members number of a project"),
        "pulls": ("harbor_artifact_pulled", "The pull number of an artifact"),
        "artifacts": ("harbor_project_artifact_total", "Total project artifacts number"),
    }
    families = {key: Family(name, "gauge", text) for key, (name, text) in names.items()}
    totals = {}
    for project in state.projects.values():
        public = public_label(project)
        if public is not None:
            totals[public] = totals.get(public, 0) + 1
    for public, count in totals.items():
        families["total"].sample(count, public=public)
    for row in project_rows(state):
        families["usage"].sample(row["usage"], project_name=row["name"])
        families["quota"].sample(row["quota"], project_name=row["name"])
        families["members"].sample(row["members"], project_name=row["name"])
        families["repos"].sample(row["repos"], project_name=row["name"], public=row["public"])
        families["pulls"].sample(row["pulls"], project_name=row["name"])
        for artifact_type, count in row["types"].items():
            families["artifacts"].sample(count, project_name=row["name"], public=row["public"],
                                         artifact_type=artifact_type)
    return list(families.values())


def statistics_families(state):
    """The exporter's statistics collector (harbor_statistics_*)."""
    public_ids = {p["project_id"] for p in state.projects.values() if public_label(p) == "true"}
    repos = len(state.repositories)
    public_repos = sum(1 for r in state.repositories if r["project_id"] in public_ids)
    projects = len(state.projects)
    values = {
        "total_repo_amount": ("Total amount of repositories", repos),
        "public_repo_amount": ("Amount of public repositories", public_repos),
        "private_repo_amount": ("Amount of private repositories", repos - public_repos),
        "total_project_amount": ("Total amount of projects", projects),
        "public_project_amount": ("Amount of public projects", len(public_ids)),
        "private_project_amount": ("Amount of private projects", projects - len(public_ids)),
        "total_storage_consumption": ("Total storage used",
                                      sum(a["size"] for a in getattr(state, "artifacts", {}).values())),
    }
    return [Family("harbor_statistics_" + key, "gauge", text).sample(value) for key, (text, value) in values.items()]


class Database:
    """The stand-in's database as the exporter reads it: core's pickled state, else a new Harbor's state."""

    def __init__(self, state_dir, version):
        self.path = os.path.join(state_dir, STATE_FILE)
        self.version = version
        self.empty = None

    def state(self):
        """The state as core last stored it, a new Harbor's before that, None when it cannot be read (Harbor's
        exporter logs a database error and leaves those families out)."""
        try:
            with open(self.path, "rb") as handle:
                return pickle.load(handle)
        except FileNotFoundError:
            return self.new_state()
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as err:
            print("harbor-exporter: cannot read %s: %s" % (self.path, err), file=sys.stderr, flush=True)
            return None

    def new_state(self):
        """What core starts with on an empty database (built once, as a FakeHarbor that is never started)."""
        if self.empty is None:
            from tests.fake_harbor import FakeHarbor  # pylint: disable=import-outside-toplevel
            self.empty = FakeHarbor(version=self.version, contract=False).state
        return self.empty


class Exporter:
    """The collectors of one harbor-exporter (see the module docstring)."""

    def __init__(self, core_url, database, metrics_path="/metrics"):
        self.core_url = core_url.rstrip("/")
        self.database = database
        self.metrics_path = metrics_path

    def families(self):
        """Every family the exporter serves, collected now."""
        families = (health_families(fetch_json(self.core_url, "/api/v2.0/health"))
                    + system_info_families(fetch_json(self.core_url, "/api/v2.0/systeminfo")))
        state = self.database.state()
        if state is not None:
            families += project_families(state) + statistics_families(state)
        return families

    def answer(self, path):
        """(status, content type, body) of ``GET path``."""
        if path == self.metrics_path:
            return 200, CONTENT_TYPE, render(self.families())
        page = ("<html><head><title>Harbor Exporter</title></head><body><h1>Harbor Exporter</h1>"
                '<p><a href="%s">Metrics</a></p></body></html>' % self.metrics_path)
        return 200, "text/html; charset=utf-8", page.encode()


class _ExporterHandler(BaseHTTPRequestHandler):
    """One connection to the exporter."""

    protocol_version = "HTTP/1.1"
    sys_version = ""
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet."""

    def _dispatch(self):
        """Answer from the exporter (the query string is ignored, as Go's mux does)."""
        status, content_type, body = self.server.exporter.answer(self.path.split("?", 1)[0])
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = _dispatch


def serve(exporter, host, port):
    """Start serving ``exporter`` on host:port in a background thread; returns the server."""
    httpd = ThreadingHTTPServer((host, int(port)), _ExporterHandler)
    httpd.daemon_threads = True
    httpd.exporter = exporter
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="standin-exporter",
                     daemon=True).start()
    return httpd


def main():
    """Serve until SIGTERM, with the settings of common/config/exporter/env."""
    env = os.environ
    core_url = "%s://%s:%s" % (env.get("HARBOR_SERVICE_SCHEME", "http"), env.get("HARBOR_SERVICE_HOST", "127.0.0.1"),
                               env["HARBOR_SERVICE_PORT"])
    exporter = Exporter(core_url, Database(env["STANDIN_STATE_DIR"], env.get("STANDIN_HARBOR_VERSION", "2.15")),
                        env.get("HARBOR_EXPORTER_METRICS_PATH", "/metrics"))
    httpd = serve(exporter, env.get("STANDIN_BIND", "127.0.0.1"), env["HARBOR_EXPORTER_PORT"])
    print("harbor-exporter: serving http://%s:%d%s (stand-in)" % (httpd.server_address[0], httpd.server_address[1],
                                                                  exporter.metrics_path), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *args: stop.set())
    signal.signal(signal.SIGINT, lambda *args: stop.set())
    while not stop.wait(0.5):
        pass
    httpd.shutdown()
    httpd.server_close()


if __name__ == "__main__":
    main()
