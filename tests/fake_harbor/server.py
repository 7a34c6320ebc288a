"""``FakeHarbor``: the server object and its request pipeline.

Pipeline of one API request (``/_fake/*`` control calls bypass all of it):

1. fault rules (delay / status / reset; ``after_write`` is applied at the end)
2. CSRF: a write request carrying a ``sid`` cookie -> 403
3. basic auth -> principal (wrong credentials -> anonymous after a delay)
4. contract check of the request (when the spec is loaded): silent
   violations are recorded, fatal ones are answered 422
5. routing (404/405) and the handler, under the state lock
6. finalising: X-Request-Id, Set-Cookie sid, >= 500 rewritten to UNKNOWN, the
   body serialised as Harbor's Go server does (``omitempty``: contract/omitempty.py)
7. contract check of the response, request log entry
"""

import logging
import secrets
import threading
import time
import traceback
import uuid
import warnings
from http.cookies import CookieError, SimpleCookie

from . import control, resources
from .contract.spec import find_spec_dir, load_spec
from .registry import RegistryFront
from .contract.validator import ContractChecker
from .framework.auth import Authenticator
from .framework.context import RequestContext
from .framework.errors import HarborError, error_body
from .framework.hooks import Hooks
from .framework.response import Response
from .framework.routing import Router
from .state import State
from .transport.faults import FaultSet
from .transport.http import RESET, FakeHTTPServer
from .transport.reqlog import WRITE_METHODS, RequestLog
from .transport.tls import process_material
from .version import HarborVersion

LOG = logging.getLogger("fake_harbor")
BASE_PATH = "/api/v2.0"
_WARNED = set()


def _warn_once(message):
    if message in _WARNED:
        return
    _WARNED.add(message)
    LOG.warning(message)
    warnings.warn(message, RuntimeWarning, stacklevel=3)


class Options:
    """Start-up settings the resources read (``state.options``)."""

    def __init__(self, admin_password, with_trivy, config):
        self.admin_password = admin_password
        self.with_trivy = with_trivy
        self.config = dict(config or {})
        self.external_url = "http://127.0.0.1"
        self.ca_path = None
        self.storage_provider_name = "filesystem"


class FakeHarbor:
    """A stateful fake of Harbor's REST API v2.0.

    :param version: "2.10" ... "2.15", a full "2.15.1", or "main"
    :param tls: serve HTTPS with a per-process CA (see ``ca_path``)
    :param host, port: listen address (port 0 = any free port)
    :param admin_password: password of ``admin`` (user id 1)
    :param spec_dir: directory with the swagger files (default: $HARBOR_SPEC_DIR,
        then ``<repo>/../shared/harbor``); validation is skipped when absent
    :param with_trivy: report the trivy component in /health
    :param auth_fail_delay: seconds a failed basic-auth request is held (Harbor: 1.5)
    :param contract: set False to switch validation off even if the spec is there
    :param config: initial configuration overrides, e.g. {"self_registration": True}
    :param extra_modules: additional resource modules (objects with ROUTES and
        optional init_state / HOOKS), e.g. a test-only endpoint
    :param registry: also serve the registry protocol (``/v2/``, ``/service/token``) through a real
        distribution registry: True starts Debian's docker-registry for this instance; a
        ``registry.Distribution.external(address, config=..., storage=...)`` uses one that already runs there
        (see registry.py)
    :param external_url: the URL clients reach it at (Harbor's EXT_ENDPOINT: systeminfo, the token realm,
        webhook payloads); default its own URL
    """

    def __init__(self, version="2.15", tls=False, host="127.0.0.1", port=0, admin_password="Harbor12345",
                 spec_dir=None, with_trivy=True, auth_fail_delay=1.5, contract=True, config=None, extra_modules=(),
                 registry=False, external_url=None):
        self.version = version if isinstance(version, HarborVersion) else HarborVersion(version)
        self.tls = tls
        self.host = host
        self.port = port
        self.options = Options(admin_password, with_trivy, config)
        self.external_url = external_url
        self.lock = threading.RLock()
        self.hooks = Hooks()
        self.modules = list(resources.MODULES) + list(extra_modules)
        for module in self.modules:
            self.hooks.register_module(module)
        self.router = Router([m.ROUTES for m in self.modules], self.version)
        self.log = RequestLog()
        self.received = []  # what the webhook receiver (/_fake/receiver/<name>) got
        self.faults = FaultSet()
        self.authenticator = Authenticator(auth_fail_delay)
        self.registry = None
        if registry:
            self.registry = RegistryFront(self, None if registry is True else registry)
        self._violations = []
        self._violation_lock = threading.Lock()
        self.spec_dir = find_spec_dir(spec_dir)
        self.spec = None
        if contract:
            if self.spec_dir is not None:
                self.spec = load_spec(self.spec_dir, self.version)
            if self.spec is None:
                _warn_once("fake_harbor: Harbor spec %s not found (spec dir %s); contract validation is OFF" % (
                    self.version.spec_file, spec_dir or self.spec_dir or "<none>"))
        self.checker = ContractChecker(self.spec) if self.spec is not None else None
        self._tls_material = process_material() if tls else None
        self._httpd = None
        self._thread = None
        self.state = self._fresh_state()

    # -- lifecycle -------------------------------------------------------------
    def _fresh_state(self):
        state = State(self.options, self.version)
        state.hooks = self.hooks  # store-level code (jobs finishing, deletes) reaches other resources
        for module in self.modules:
            init = getattr(module, "init_state", None)
            if init is not None:
                init(state)
        return state

    def start(self):
        context = self._tls_material.server_context() if self._tls_material else None
        self._httpd = FakeHTTPServer((self.host, self.port), self, ssl_context=context)
        self.port = self._httpd.server_address[1]
        self.options.external_url = (self.external_url or self.url).rstrip("/")
        self.options.ca_path = self.ca_path
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="fake-harbor-%s" % self.port, daemon=True)
        self._thread.start()
        if self.registry is not None:
            self.registry.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._httpd = None
        if self.registry is not None:
            self.registry.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return "%s://%s:%d" % ("https" if self.tls else "http", self.host, self.port)

    @property
    def api_url(self):
        return self.url + BASE_PATH

    @property
    def ca_path(self):
        return str(self._tls_material.ca_path) if self._tls_material else None

    @property
    def contract_enabled(self):
        return self.checker is not None

    def reset(self):
        """Fresh state; log, violations and fault rules cleared."""
        with self.lock:
            self.state = self._fresh_state()
            self.log.clear()
            self.received = []
            self.faults = FaultSet()
            self.authenticator = Authenticator(self.authenticator.fail_delay)
            with self._violation_lock:
                self._violations = []
        if self.registry is not None:
            self.registry.reset()

    # -- observation -------------------------------------------------------------
    @property
    def requests(self):
        return self.log.entries()

    @property
    def violations(self):
        with self._violation_lock:
            return [dict(v) for v in self._violations]

    def known_secrets(self):
        """Every secret value this instance was given or generated (see State.remember_secret)."""
        with self.lock:
            return sorted(self.state.secrets | {self.options.admin_password})

    def clear_requests(self):
        self.log.clear()

    def clear_violations(self):
        with self._violation_lock:
            self._violations = []

    def add_fault(self, rule=None, **kwargs):
        """Add a fault rule (a dict or keyword arguments, see transport/faults.py)."""
        spec = dict(rule or {})
        spec.update(kwargs)
        return self.faults.add(spec).to_dict()

    def clear_faults(self):
        self.faults.clear()

    def set_health(self, component, healthy=True, error=None):
        with self.lock:
            self.state.health[component] = None if healthy else (error or "%s is unhealthy" % component)

    def record_violation(self, kind, method, path, operation_id, message):
        with self._violation_lock:
            self._violations.append({
                "kind": kind, "method": method, "path": path, "operationId": operation_id, "message": message,
            })

    # -- request pipeline ----------------------------------------------------------
    def handle(self, raw):
        if raw.path == "/_fake" or raw.path.startswith("/_fake/"):
            return control.handle(self, raw)
        if self.registry is not None and (raw.path in ("/v2", "/service/token") or raw.path.startswith("/v2/")):
            return self.registry.handle(raw)
        request_id = raw.headers.get("X-Request-Id") or str(uuid.uuid4())
        has_sid = _has_sid_cookie(raw.headers)
        entry = {
            "method": raw.method, "path": raw.path, "query": raw.query_string, "status": None,
            "bytes_in": len(raw.body), "bytes_out": 0, "user": None, "has_sid_cookie": has_sid,
            "operation_id": None, "request_id": request_id, "fault": None,
        }
        plan = self.faults.plan(raw.method, raw.path)
        if plan.rule_ids:
            entry["fault"] = plan.rule_ids
        if plan.delay:
            time.sleep(plan.delay)
        if plan.action == "reset":
            entry["status"] = 0
            entry["operation_id"] = self._operation_id(raw)
            self.log.add(entry)
            return RESET
        if plan.action == "status":
            response = _fault_response(plan.rule)
            entry["operation_id"] = self._operation_id(raw)
            return self._finish(raw, response, request_id, entry, None)
        response, operation = self._process(raw, request_id, entry, has_sid)
        if plan.action == "reset_after_write":
            entry["status"] = 0
            self.log.add(entry)
            return RESET
        if plan.action == "after_write":
            response = _fault_response(plan.rule)
            operation = None
        return self._finish(raw, response, request_id, entry, operation)

    def _operation_id(self, raw):
        if self.checker is None or not raw.path.startswith(BASE_PATH):
            return None
        op, _params, _allowed = self.spec.match(raw.method, raw.path[len(BASE_PATH):] or "/")
        return op.operation_id if op else None

    def _violation(self, kind, raw, operation_id, message):
        self.record_violation(kind, raw.method, raw.path, operation_id, message)

    def _process(self, raw, request_id, entry, has_sid):
        """Return (response, operation-to-validate-the-response-against)."""
        if raw.method in WRITE_METHODS and has_sid:
            return _error(HarborError(403, "CSRF token invalid")), None
        principal, _failed = self.authenticator.authenticate(self, raw.headers.get("Authorization"))
        entry["user"] = principal.username or None
        if raw.path != BASE_PATH and not raw.path.startswith(BASE_PATH + "/"):
            return _error(HarborError(404, "path %s was not found" % raw.path)), None
        api_path = raw.path[len(BASE_PATH):] or "/"
        ctx = RequestContext(self, raw.method, raw.path, api_path, raw.query, raw.headers, raw.body, principal,
                             request_id)
        check = None
        operation = None
        if self.checker is not None:
            check = self.checker.check_request(raw.method, api_path, raw.query, raw.headers, ctx.body,
                                               bool(raw.body), ctx.body_invalid)
            operation = check.operation
            if operation is not None:
                entry["operation_id"] = ctx.operation_id = operation.operation_id
        try:
            route, params = self.router.match(raw.method, api_path)
        except HarborError as err:
            if operation is not None:
                self._violation("response", raw, operation.operation_id,
                                "operation %s is in the %s spec but not implemented by the fake" % (
                                    operation.operation_id, self.spec.name))
                return Response(501, error_body("UNKNOWN", "internal server error"),
                                headers={"X-Fake-Harbor": "not implemented: %s" % operation.operation_id}), None
            if check is not None:
                self._violation("request", raw, None, "%s %s is not an operation of Harbor %s (%s)" % (
                    raw.method, api_path, self.version, "method not allowed" if err.status == 405 else "no such path"))
            return _error(err), None
        if check is not None:
            if operation is None:
                self._violation("request", raw, None, "%s %s is not an operation of Harbor %s (spec %s)" % (
                    raw.method, api_path, self.version, self.spec.name))
            for message in check.silent:
                self._violation("request", raw, ctx.operation_id, message)
            if check.fatal:
                for message in check.fatal:
                    self._violation("request", raw, ctx.operation_id, message)
                return _error(HarborError(422, "validation failure list:\n" + "\n".join(check.fatal))), operation
            if operation is not None:
                if operation.body is None:
                    ctx.body = None
                else:
                    ctx.body = check.body
                    ctx.body_name = operation.body["name"]
        ctx.params = params
        ctx.route = route
        try:
            with self.lock:
                ctx.state = self.state
                resources.executions.advance(self.state)  # the job service runs jobs by itself (executions.py)
                response = route.handler(ctx)
        except HarborError as err:
            response = _error(err)
        except Exception:  # pylint: disable=broad-except
            LOG.exception("fake_harbor handler %s crashed", route)
            self._violation("response", raw, ctx.operation_id,
                            "the fake's handler crashed: %s" % traceback.format_exc(limit=3).strip().splitlines()[-1])
            response = _error(HarborError(500, "internal server error"))
        return response, operation

    def _finish(self, raw, response, request_id, entry, operation):
        if response.status >= 500:
            response.body = error_body("UNKNOWN", "internal server error")
            response.raw = None
            response.content_type = "application/json"
        response.headers["X-Request-Id"] = request_id
        response.headers["Set-Cookie"] = "sid=%s; Path=/; HttpOnly" % secrets.token_hex(16)
        if operation is not None and self.checker is not None and response.raw is None and not response.spec_quirk:
            # Harbor's go-swagger models drop empty values (omitempty): one serialiser for every answer
            response.body = self.checker.serialise(operation, response.status, response.body)
        payload = response.payload()
        if operation is not None and self.checker is not None:
            for problem in self.checker.check_response(operation, response.status, response.headers, payload,
                                                       response.content_type, response.spec_quirk):
                self._violation("response", raw, operation.operation_id, problem)
        entry["status"] = response.status
        entry["bytes_out"] = 0 if raw.method == "HEAD" else len(payload)
        self.log.add(entry)
        return response


def _error(err):
    return Response(err.status, err.body(), headers=err.headers)


def _fault_response(rule):
    headers = {}
    if rule.retry_after is not None:
        headers["Retry-After"] = str(rule.retry_after)
    code = "TOO_MANY_REQUEST" if rule.status == 429 else None
    err = HarborError(rule.status, rule.message or "injected fault", code=code)
    return Response(rule.status, err.body(), headers=headers)


def _has_sid_cookie(headers):
    for value in headers.get_all("Cookie") or []:
        cookie = SimpleCookie()
        try:
            cookie.load(value)
        except CookieError:
            if "sid=" in value:
                return True
            continue
        if "sid" in cookie:
            return True
    return False
