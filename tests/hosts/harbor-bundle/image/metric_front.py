"""Harbor's metrics in the stand-in's core: core's and the job service's own metrics, and nginx's metric listener.

Real Harbor (install-notes 5): with harbor.yml's ``metric.enabled``, core, jobservice and registry each serve
Prometheus metrics at ``metric.path`` on ``metric.port`` inside their containers, harbor-exporter serves
``/metrics`` on 8080, and nginx listens on ``metric.port`` with one location (``= /metrics`` in the http template,
``= <metric.path>`` in the https one: ``STANDIN_METRIC_LOCATION``, chosen by prepare) that sends ``comp=core``,
``comp=jobservice`` and ``comp=registry`` to that component and every other request (no ``comp``, another value)
to the exporter, passing the request URI unchanged. Another path on that port: nginx's 404.

The stand-in's core plays core, the job service and nginx in one process, so ``MetricsFront`` is that listener
(127.0.0.1:``METRIC_PORT``, plain http as in Harbor): core's and the job service's metrics come from this process
(``RequestCounter``, ``jobservice_families``) and are served only at ``METRIC_PATH`` (else Go's 404, as their
promhttp mux answers); ``comp=registry`` is proxied to distribution's debug listener
(``STANDIN_REGISTRY_DEBUG_PORT``) and the rest to the harbor-exporter container (``STANDIN_EXPORTER_PORT``); an
upstream that does not answer is nginx's 502.
"""

import http.client
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from exposition import CONTENT_TYPE, Family, Observations, render

NAMESPACE = "harbor"
# the statuses Harbor's job runner counts (src/jobservice/runner/redis.go) per final status of the fake's executions
TASK_STATUSES = {"Success": "success", "Error": "fail", "Stopped": "stop"}
NOT_FOUND_GO = b"404 page not found\n"
PROXIED_REQUEST_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "X-Prometheus-Scrape-Timeout-Seconds")
HOP_BY_HOP = ("connection", "keep-alive", "transfer-encoding", "content-length", "server", "date")
UPSTREAM_TIMEOUT = 30


def nginx_page(status, reason):
    """The HTML body nginx answers an error with."""
    return ("<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n" % (status, reason, status, reason)).encode()


# ------------------------------------------------------------------------------------ core's request metrics

class RequestCounter:
    """What core's metric middleware counts (src/server/middleware/metric, src/lib/metric/collector.go): every
    request nginx would send to core, by method, status code and operation (``operations.Operations``)."""

    def __init__(self, operations, clock=time.monotonic):
        self.operations = operations
        self.clock = clock
        self.lock = threading.Lock()
        self.inflight = 0
        self.totals = {}  # (method, code, operation) -> requests
        self.durations = {}  # (method, operation) -> Observations

    def observe(self, method, path, call):
        """Run ``call()`` (answers the request) and count it; returns what ``call`` returned."""
        if not self.operations.counted(path):
            return call()
        with self.lock:
            self.inflight += 1
        started = self.clock()
        status = None
        try:
            response = call()
            status = getattr(response, "status", None)
            return response
        finally:
            self._done(method, path, status, self.clock() - started)

    def _done(self, method, path, status, seconds):
        """One request ended (``status`` None: it ended without an answer, which core does not count)."""
        operation = self.operations.name(method, path)
        with self.lock:
            self.inflight -= 1
            if status is None:
                return
            key = (method, str(status), operation)
            self.totals[key] = self.totals.get(key, 0) + 1
            self.durations.setdefault((method, operation), Observations(self.clock)).observe(seconds)

    def families(self):
        """harbor_core_http_inflight_requests, harbor_core_http_request_total, ..._duration_seconds."""
        inflight = Family("harbor_core_http_inflight_requests", "gauge", "The total number of requests")
        total = Family("harbor_core_http_request_total", "counter", "The total number of requests")
        duration = Family("harbor_core_http_request_duration_seconds", "summary",
                          "The time duration of the requests")
        with self.lock:
            inflight.sample(self.inflight)
            for (method, code, operation), count in self.totals.items():
                total.sample(count, method=method, code=code, operation=operation)
            for (method, operation), seen in self.durations.items():
                duration.summary(seen.window(), seen.total, seen.count, method=method, operation=operation)
        return [inflight, total, duration]


# ------------------------------------------------------------------------------------- the job service's metrics

def finished_tasks(state, executions):
    """``{(job type, status): Observations}`` of the run times of the fake's ended jobs: every job of an ended
    execution is one task of the execution's job type that ran as long as the execution."""
    tasks = {}
    for execution in executions.executions(state):
        status = TASK_STATUSES.get(execution["status"])
        if status is None:
            continue
        seen = tasks.setdefault((executions.job_type(execution), status),
                                Observations(lambda: executions.clock(state)))
        for _index in execution["job_ids"]:
            seen.observe(execution["ended_at"] - execution["started_at"], at=execution["ended_at"])
    return tasks


def jobservice_families(state, executions, pool_concurrency, node):
    """harbor_jobservice_info, harbor_jobservice_task_total and ..._task_process_time_seconds of the fake's job
    service (``executions``: tests/fake_harbor/resources/executions.py; call it holding the server's lock)."""
    executions.advance(state)
    info = Family("harbor_jobservice_info", "gauge", "the information of jobservice")
    info.sample(1, node=node, pool=state.worker_pool["id"], workers=str(pool_concurrency))
    tasks = Family("harbor_jobservice_task_total", "counter", "The number of processed tasks")
    times = Family("harbor_jobservice_task_process_time_seconds", "summary",
                   "The time duration of the task processing time")
    for (job_type, status), seen in finished_tasks(state, executions).items():
        tasks.sample(seen.count, type=job_type, status=status)
        times.summary(seen.window(), seen.total, seen.count, type=job_type, status=status)
    return [info, tasks, times]


# --------------------------------------------------------------------------------- nginx's metric listener

class MetricsFront:
    """nginx's ``server { listen <metric.port>; location = <location> {...} }`` of the stand-in (module docstring).

    ``address``: (host, port) to listen on; ``location``: the path nginx routes; ``path``: where core and the job
    service serve; ``components``: ``core`` and ``jobservice`` are callables returning that component's families,
    ``registry`` and ``exporter`` the (host, port) of their upstream."""

    def __init__(self, address, location, path, components):
        self.address = (address[0], int(address[1]))
        self.location = location
        self.path = path
        self.local = {name: item for name, item in components.items() if callable(item)}
        self.upstreams = {name: item for name, item in components.items() if not callable(item)}
        self.httpd = None
        self.thread = None

    def start(self):
        """Listen and serve in a background thread."""
        self.httpd = ThreadingHTTPServer(self.address, _FrontHandler)
        self.httpd.daemon_threads = True
        self.httpd.front = self
        self.address = self.httpd.server_address[:2]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                       name="standin-metrics-%d" % self.address[1], daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Stop listening."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(5)
            self.httpd = None

    def answer(self, method, target, headers):
        """(status, headers, body) of one request, routed as Harbor's nginx routes it."""
        parts = urlsplit(target)
        if parts.path != self.location:
            return 404, {"Content-Type": "text/html"}, nginx_page(404, "Not Found")
        comp = (parse_qs(parts.query, keep_blank_values=True).get("comp") or [""])[0]
        if comp in self.local:
            return self.local_answer(comp, parts.path)
        upstream = self.upstreams["registry" if comp == "registry" else "exporter"]
        return proxy(upstream, method, target, headers)

    def local_answer(self, comp, path):
        """What core's or the job service's promhttp mux answers: the metrics at ``METRIC_PATH``, else 404."""
        if path != self.path:
            return 404, {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"}, \
                NOT_FOUND_GO
        return 200, {"Content-Type": CONTENT_TYPE}, render(self.local[comp]())


def proxy(upstream, method, target, headers):
    """nginx's proxy_pass: ``method target`` to ``upstream`` (host, port); 502 when it does not answer."""
    connection = http.client.HTTPConnection(upstream[0], upstream[1], timeout=UPSTREAM_TIMEOUT)
    try:
        connection.request(method, target, headers={name: headers[name] for name in PROXIED_REQUEST_HEADERS
                                                    if headers.get(name)})
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException):
        return 502, {"Content-Type": "text/html"}, nginx_page(502, "Bad Gateway")
    finally:
        connection.close()
    kept = {name: value for name, value in response.getheaders() if name.lower() not in HOP_BY_HOP}
    return response.status, kept, body


class _FrontHandler(BaseHTTPRequestHandler):
    """One connection to the metric listener."""

    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet (nginx's access log is not kept)."""

    def _dispatch(self):
        """Answer with what the front routes the request to."""
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, headers, body = self.server.front.answer(self.command, self.path, self.headers)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _dispatch


def node_name():
    """The job service's node label (the container's host name; the stand-in's containers use the host's)."""
    return socket.gethostname()
