# -*- coding: utf-8 -*-
# Copyright: harbor_ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)

"""The one Harbor REST API v2.0 client of the collection.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
Do not use it from outside this collection.

Every module talks to Harbor through ``HarborClient``. It owns the things that Harbor gets wrong or
surprising, so that modules never deal with them:

* one keep-alive ``requests`` session per module run, cookies never stored or resent (Harbor answers a
  resent ``sid`` cookie with "CSRF token invalid" on writes);
* wrong basic-auth credentials are served as *anonymous* by Harbor instead of a 401: the first call of a
  run reads ``/systeminfo``, which only carries ``harbor_version`` for an authenticated caller, and fails
  with "authentication failed" otherwise (the same read gives the Harbor version);
* Harbor's ``{"errors": [{"code", "message"}]}`` bodies become one ``HarborError`` naming method, path,
  status and ``X-Request-Id``;
* retries with backoff for idempotent methods; a failed POST is never blindly repeated (``create``);
* pagination and exact-name lookups (Harbor's name filters are fuzzy and unknown ``q`` keys are ignored).
"""

from __future__ import annotations

import copy
import json
import os
import re
import time
import traceback
import uuid

from http.cookiejar import DefaultCookiePolicy
from urllib.parse import quote

REQUESTS_IMPORT_ERROR = None
try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True

from ansible.module_utils.basic import env_fallback

from ansible_collections.harbor_ops.harbor.plugins.module_utils._validate import shown, split_url

API_PREFIX = "/api/v2.0"
USER_AGENT = "harbor_ops.harbor"
# Statuses after which an idempotent request is sent again.
RETRY_STATUSES = frozenset((429, 502, 503, 504))
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE"))
# A read that fails with any 5xx is sent again (bounded, with backoff): Harbor's 500s are mostly passing (a database
# or Redis hiccup) and a read changes nothing. A write is retried only on the statuses that say "not processed".
READ_METHODS = frozenset(("GET", "HEAD"))
PROJECT_NAME_HEADER = {"X-Is-Resource-Name": "true"}
VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")

# Connection options of every API module; documented once in plugins/doc_fragments/harbor.py.
HARBOR_COMMON_ARGS = dict(
    url=dict(type="str", required=True, fallback=(env_fallback, ["HARBOR_URL"])),
    username=dict(type="str", required=True, fallback=(env_fallback, ["HARBOR_USERNAME"])),
    password=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["HARBOR_PASSWORD"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["HARBOR_VALIDATE_CERTS"])),
    ca_path=dict(type="path", fallback=(env_fallback, ["HARBOR_CA_PATH"])),
    timeout=dict(type="int", default=30),
)


class HarborError(Exception):
    """A failed Harbor API call, with everything needed to report it in one line."""

    def __init__(self, message, status=None, method=None, path=None, request_id=None, errors=None):
        super(HarborError, self).__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        self.request_id = request_id
        self.errors = errors or []
        #: the HarborResponse of a create that Harbor accepted although the read-back failed (``create``)
        self.created_response = None

    def result(self):
        """Extra keys for ``fail_json``."""
        return dict(status=self.status, request_id=self.request_id, errors=self.errors)


class TlsError(HarborError):
    """A TLS failure (certificate, protocol): sending the request again cannot help, so it is never retried."""


class HarborResponse(object):
    """The parts of an HTTP response the modules use."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def location_id(self):
        """The trailing integer of a create's ``Location`` header (``/api/v2.0/projects/12`` gives 12)."""
        match = re.search(r"/(\d+)/?$", self.headers.get("Location") or "")
        return int(match.group(1)) if match else None


# Harbor's RBAC resource of an API path (rbac.Resource* in src/common/rbac/const.go), for the hint of a 403: the
# level, the path pattern (the project, when the path names it, is its first group), the resource, and the action of a
# POST when it is not "create".
PERMISSIONS = [
    ("project", r"^/projects/([^/]+)/members(/|$)", "member"),
    ("project", r"^/projects/([^/]+)/metadatas(/|$)", "metadata"),
    ("project", r"^/projects/([^/]+)/immutabletagrules(/|$)", "immutable-tag"),
    ("project", r"^/projects/([^/]+)/webhook/", "notification-policy"),
    ("project", r"^/projects/([^/]+)/scanner(/|$)", "scanner"),
    ("project", r"^/projects/([^/]+)/robots(/|$)", "robot"),
    ("project", r"^/projects/([^/]+)/repositories/[^?]*/artifacts/[^/]+/scan(/|$)", "scan"),
    ("project", r"^/projects/([^/]+)/repositories/[^?]*/artifacts(/|$)", "artifact"),
    ("project", r"^/projects/([^/]+)/repositories(/|$)", "repository"),
    ("project", r"^/projects/([^/]+)$", "project"),
    ("system", r"^/projects/?$", "project"),
    ("project", r"^/retentions/\d+/executions", "tag-retention", "operate"),
    ("project", r"^/retentions", "tag-retention"),
    ("system", r"^/robots", "robot"),
    ("system", r"^/labels", "label"),
    ("system", r"^/registries", "registry"),
    ("system", r"^/replication/policies", "replication-policy"),
    ("system", r"^/replication/executions", "replication"),
    ("system", r"^/system/gc", "garbage-collection"),
    ("system", r"^/system/purgeaudit", "purge-audit"),
    ("system", r"^/system/scanAll", "scan-all"),
    ("system", r"^/scanners", "scanner"),
    ("system", r"^/usergroups", "user-group"),
    ("system", r"^/users", "user"),
    ("system", r"^/quotas", "quota"),
    ("system", r"^/audit-logs", "audit-log"),
    ("system", r"^/configurations", "configuration"),
]
ACTIONS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete", "GET": "read", "HEAD": "read"}


def permission_of(method, path):
    """(level, project or None, resource, action) that Harbor checks for ``method path``, or None when unknown.

    A GET of a collection is the action ``list``; stopping a job is ``stop``.
    """
    for entry in PERMISSIONS:
        level, pattern, resource = entry[:3]
        match = re.search(pattern, path)
        if match is None:
            continue
        action = entry[3] if len(entry) > 3 and method == "POST" else ACTIONS.get(method)
        if action is None:
            return None
        if method == "GET" and not path[match.end():].strip("/") and not pattern.endswith(")$"):
            action = "list"  # the collection itself
        if path.rstrip("/").endswith("/stop"):
            action = "stop"
        return level, match.group(1) if match.groups() else None, resource, action
    return None


def parse_version(text):
    """``'v2.15.2-080b0220'`` gives ``(2, 15, 2)``; None when it cannot be parsed."""
    match = VERSION_RE.match((text or "").strip())
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def normalize_url(url):
    """Return ``scheme://host[:port][/prefix]`` without ``/api/v2.0``, or raise ValueError."""
    text = (url or "").strip().rstrip("/")
    if text.endswith(API_PREFIX):
        text = text[:-len(API_PREFIX)]
    if not (url or "").strip().lower().startswith(("http://", "https://")):
        raise ValueError("url must start with http:// or https://, got %s" % shown(url))
    parts, problem = split_url(text, "url")
    if problem:
        raise ValueError(problem)
    if parts.query or parts.fragment:
        raise ValueError("url %s must not carry a query or fragment" % shown(url))
    if "@" in parts.netloc:
        raise ValueError("url must not carry credentials (user:password@, not repeated here): give them as "
                         "username and password")
    return text


MAX_TIMEOUT = 3600


def check_connection(params):
    """The connection options (HARBOR_COMMON_ARGS) checked without a request; an error message or None."""
    try:
        normalize_url(params["url"])
    except ValueError as exc:
        return str(exc)
    timeout = params.get("timeout")
    if timeout is not None and not 1 <= timeout <= MAX_TIMEOUT:
        return "timeout must be 1 to %d seconds (per HTTP response), got %d" % (MAX_TIMEOUT, timeout)
    ca_path = params.get("ca_path")
    if ca_path and params.get("validate_certs", True):
        if not os.path.isfile(ca_path):
            return ("ca_path %s does not exist or is not a file: give the PEM file of the CA that signed Harbor's "
                    "certificate, on the host that runs the module" % shown(ca_path))
        if not os.access(ca_path, os.R_OK):
            return "ca_path %s cannot be read by this user" % shown(ca_path)
    return None


def quote_path(value):
    """Quote one path segment (a project or object name)."""
    return quote(str(value), safe="")


def quote_repository(name):
    """Harbor wants repository names URL-encoded twice in paths (``a/b`` becomes ``a%252Fb``)."""
    return quote(quote(name, safe=""), safe="")


def exact_query(value, key="name"):
    """``params`` that narrow a list to ``key`` = ``value`` with Harbor's ``q=``, or None when ``q`` cannot say it.

    Harbor URL-unescapes ``q`` a second time (so the value is escaped here once more, a literal ``+`` stays a
    ``+``), splits it on commas and reads a leading ``~ [ { ( \\`` as an operator: such values get None, which
    means "list everything". Pass the result to ``find_by_name``, which matches exactly on the client side.
    """
    text = str(value)
    if not text or "," in text or text[0] in "~[{(\\":
        return None
    return {"q": "%s=%s" % (key, quote(text, safe=""))}


def field_getter(key):
    """A function reading ``key`` of a list item: a field name, a dotted path (``ref.id``) or a tuple of them."""
    if isinstance(key, tuple):
        getters = [field_getter(part) for part in key]
        return lambda item: tuple(getter(item) for getter in getters)
    names = key.split(".")

    def get(item):
        for name in names:
            item = item.get(name) if isinstance(item, dict) else None
        return item
    return get


def error_text(body):
    """Harbor's error messages as one string, from its ``errors`` body or a plain text."""
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return "; ".join(
            "%s: %s" % (err.get("code"), err.get("message")) if err.get("code") else str(err.get("message"))
            for err in body["errors"] if isinstance(err, dict)
        )
    if isinstance(body, (dict, list)):
        return json.dumps(body)
    return (body or "").strip()[:500]


class HarborClient(object):
    """A Harbor REST API v2.0 client on one keep-alive ``requests`` session."""

    def __init__(self, url, username, password, validate_certs=True, ca_path=None, timeout=30,
                 retries=3, backoff=0.5, sleep=time.sleep):
        self.base_url = normalize_url(url)
        self.username = username
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self._sleep = sleep
        self.request_id = str(uuid.uuid4())
        self._systeminfo = None
        #: bulk reads (``listing``): serve lookups from whole lists read once, see ``bulk``
        self.bulk_reads = False
        self.reads = 0  # read requests sent so far (GET, HEAD)
        self._writes = 0  # write requests sent so far; a listing read before the last write is stale
        self._listings = {}
        self._relisted_at = 0
        self.session = requests.Session()
        # Go decodes basic auth as UTF-8; requests would encode a str as latin-1 (and fail on other characters)
        self.session.auth = tuple(value.encode("utf-8") if isinstance(value, str) else value
                                  for value in (username, password))
        # Never store a cookie: Harbor's sid cookie, when resent, turns every write into a CSRF failure.
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        # Passed with every request: a session-level verify loses against REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE.
        self.verify = (ca_path or True) if validate_certs else False
        if not validate_certs:  # the module warns once instead (HarborModule)
            requests.packages.urllib3.disable_warnings(requests.packages.urllib3.exceptions.InsecureRequestWarning)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    @classmethod
    def from_params(cls, params):
        """Build a client from the module parameters of HARBOR_COMMON_ARGS."""
        return cls(params["url"], params["username"], params["password"], validate_certs=params["validate_certs"],
                   ca_path=params["ca_path"], timeout=params["timeout"])

    # ---------------------------------------------------------------- transport

    def _send(self, method, path, body=None, params=None, headers=None):
        """Send one request; return a HarborResponse or raise HarborError for a transport failure."""
        url = self.base_url + API_PREFIX + path
        if method in ("GET", "HEAD"):
            self.reads += 1
        else:
            self._writes += 1
        send_headers = {"X-Request-Id": self.request_id}
        send_headers.update(headers or {})
        if params:
            # Harbor's parameter binding wants lower-case booleans (requests would send "True").
            params = dict((k, ("true" if v else "false") if isinstance(v, bool) else v) for k, v in params.items())
        kwargs = dict(params=params, headers=send_headers, timeout=self.timeout, verify=self.verify,
                      allow_redirects=False)
        if body is not None:
            kwargs["json"] = body
        where = "%s %s%s (X-Request-Id: %s)" % (method, API_PREFIX, path, self.request_id)
        try:
            resp = self.session.request(method, url, **kwargs)
        except requests.exceptions.SSLError as exc:
            text = str(exc)
            if "WRONG_VERSION_NUMBER" in text.upper() or "wrong version number" in text:
                hint = "the server answers plain HTTP on that port: use http:// in url, or Harbor's HTTPS port"
            else:
                hint = "set ca_path to the CA that signed Harbor's certificate, or validate_certs=false for a test system"
            raise TlsError("TLS failed for %s, %s: %s (%s)" % (self.base_url, where, text, hint), method=method,
                           path=path, request_id=self.request_id)
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            text = str(exc)
            hint = ""
            if self.base_url.startswith("http://") and ("RemoteDisconnected" in text or "reset by peer" in text):
                hint = " (the server closed the connection without an answer: if that port speaks HTTPS, use https://)"
            raise HarborError("cannot reach Harbor at %s, %s: %s%s" % (self.base_url, where, text, hint),
                              method=method, path=path, request_id=self.request_id)
        return HarborResponse(resp.status_code, resp.headers, self._decode(resp))

    @staticmethod
    def _decode(resp):
        if not resp.content:
            return None
        if "json" in resp.headers.get("Content-Type", "") or resp.content[:1] in (b"{", b"["):
            try:
                return resp.json()
            except ValueError:
                pass
        return resp.text

    def _error(self, method, path, resp):
        request_id = resp.headers.get("X-Request-Id") or self.request_id
        detail = error_text(resp.body)
        if 300 <= resp.status < 400:
            detail = "redirected to %s; use that URL (e.g. https://) as url" % resp.headers.get("Location")
        errors = resp.body.get("errors") if isinstance(resp.body, dict) else None
        message = ("%s %s%s failed with HTTP %s: %s (X-Request-Id: %s)"
                   % (method, API_PREFIX, path, resp.status, detail or "no details", request_id))
        if resp.status == 403:
            message += self._forbidden_hint(method, path)
        return HarborError(message, status=resp.status, method=method, path=path, request_id=request_id,
                           errors=errors)

    def _forbidden_hint(self, method, path):
        """What a 403 means: the account lacks the permission (Harbor's own message is only the caller's name).

        Harbor refuses ``$`` in user names (``common.IllegalCharsInUsername``), so a name with one is a robot
        (``robot$ci``, ``robot$project+ci``): robots hold only the permissions given to them, which each module
        lists in the ``notes`` of its documentation.
        """
        needed = permission_of(method, path)
        if needed is None:
            hint = ". The account %s lacks the permission for %s %s%s" % (self.username, method, API_PREFIX, path)
        else:
            level, namespace, resource, action = needed
            where = ("at system level" if level == "system" else
                     "in project %s" % namespace if namespace else "in the project it belongs to")
            hint = (". The account %s lacks the permission {resource: %s, action: %s} %s, for %s %s%s"
                    % (self.username, resource, action, where, method, API_PREFIX, path))
        if "$" in (self.username or ""):
            hint += ("; a robot account needs the permissions that the notes of this module's documentation list "
                     "(ansible-doc), and some operations need a Harbor administrator")
        return hint

    def _delay(self, attempt, resp=None):
        retry_after = resp.headers.get("Retry-After") if resp is not None else None
        if retry_after and retry_after.isdigit():
            return min(float(retry_after), 30.0)
        return self.backoff * (2 ** attempt)

    def request(self, method, path, body=None, params=None, headers=None, ok=(200, 201, 202), missing_ok=False,
                idempotent=None):
        """Call the API and return a HarborResponse.

        ``missing_ok`` turns a 404 into ``None``. Idempotent methods are retried on connection errors and on
        429/502/503/504, reads (GET, HEAD) on every 5xx; POST and PATCH are sent once (see ``create`` for the safe
        way to create).
        """
        self.ensure_authenticated()
        return self._call(method, path, body, params, headers, ok, missing_ok, idempotent)

    def _call(self, method, path, body=None, params=None, headers=None, ok=(200, 201, 202), missing_ok=False,
              idempotent=None):
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        attempts = self.retries + 1 if idempotent else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                resp = self._send(method, path, body, params, headers)
            except TlsError:
                raise
            except HarborError:
                if last:
                    raise
                self._sleep(self._delay(attempt))
                continue
            if (resp.status in RETRY_STATUSES or resp.status >= 500 and method in READ_METHODS) and not last:
                self._sleep(self._delay(attempt, resp))
                continue
            if resp.status == 404 and missing_ok:
                return None
            if resp.status not in ok:
                raise self._error(method, path, resp)
            return resp
        raise HarborError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------ authentication

    def ensure_authenticated(self):
        """Read /systeminfo once per run: it names the version only for an authenticated caller."""
        if self._systeminfo is not None:
            return self._systeminfo
        resp = self._call("GET", "/systeminfo")
        info = resp.body if isinstance(resp.body, dict) else {}
        if not info.get("harbor_version"):
            raise HarborError("authentication failed for %s at %s: Harbor treated the request as anonymous "
                              "(wrong username or password, or a disabled/expired robot account)"
                              % (self.username, self.base_url), status=401, method="GET", path="/systeminfo")
        self._systeminfo = info
        return info

    @property
    def version(self):
        """The connected Harbor's version as a tuple, e.g. (2, 15, 2)."""
        return parse_version(self.ensure_authenticated().get("harbor_version"))

    @property
    def version_text(self):
        return self.ensure_authenticated().get("harbor_version")

    # ---------------------------------------------------------------- helpers

    def get(self, path, params=None, headers=None, missing_ok=False):
        """GET and return the body (None for a 404 when ``missing_ok``)."""
        resp = self.request("GET", path, params=params, headers=headers, ok=(200,), missing_ok=missing_ok)
        return None if resp is None else resp.body

    def put(self, path, body, headers=None):
        return self.request("PUT", path, body=body, headers=headers)

    def post(self, path, body=None, headers=None, ok=(200, 201, 202)):
        """POST once, without retry (for actions such as "run now")."""
        return self.request("POST", path, body=body, headers=headers, ok=ok)

    def patch(self, path, body=None, headers=None, idempotent=False):
        """PATCH; sent once unless ``idempotent`` (the same body twice does no more than once: a secret set)."""
        return self.request("PATCH", path, body=body, headers=headers, idempotent=idempotent)

    def delete(self, path, headers=None, missing_ok=True):
        """DELETE; a 404 counts as already deleted unless ``missing_ok`` is false."""
        return self.request("DELETE", path, headers=headers, missing_ok=missing_ok)

    def create(self, path, body, find, headers=None, keep_response=False):
        """POST a new object and return ``find()``, the object as Harbor stores it.

        A POST is never repeated blindly: after a transport error or a retryable status, ``find()`` is
        asked whether Harbor created the object anyway (the answer may have been lost). If it exists it is
        returned as created; only if it does not is the POST sent again. A 409 (the name exists) is answered the
        same way: the object that an earlier attempt, or a concurrent run, created is adopted. When the read-back
        after a 201 fails, the HarborError carries the POST's answer in ``created_response``.

        With ``keep_response`` the result is ``(object, response)``: the HarborResponse of the POST that
        created the object (for a body that is only sent once, such as a robot's secret), None when the
        object was found after a lost answer, or the 409 answer when the very first POST found the object there
        already (someone else created it, e.g. a concurrent run: what Harbor answered that run is not ours).
        """
        self.ensure_authenticated()
        answer_lost = False
        for attempt in range(self.retries + 1):
            try:
                resp = self._send("POST", path, body, None, headers)
            except TlsError:
                raise
            except HarborError:
                if attempt == self.retries:
                    raise
                resp = None
                answer_lost = True
            if resp is not None and resp.status in (200, 201):
                try:
                    found = find()
                except HarborError as exc:
                    exc.created_response = resp  # created: what the POST answered (a robot's secret) is not lost
                    raise
                return (found, resp) if keep_response else found
            if resp is not None and resp.status == 409:
                # the name exists: created by an earlier attempt whose answer was lost, or by a concurrent run
                existing = find()
                if existing is not None:
                    return (existing, None if answer_lost else resp) if keep_response else existing
                raise self._error("POST", path, resp)
            transient = resp is None or resp.status in RETRY_STATUSES
            if transient or resp.status >= 500:
                answer_lost = True
                existing = find()
                if existing is not None:
                    return (existing, None) if keep_response else existing
            if not transient or attempt == self.retries:
                raise self._error("POST", path, resp)
            self._sleep(self._delay(attempt, resp))
        raise HarborError("unreachable")  # pragma: no cover

    def paginate(self, path, params=None, headers=None, page_size=100):
        """Yield every item of a paged list (page/page_size with X-Total-Count or Link)."""
        page = 1
        while True:
            query = dict(params or {}, page=page, page_size=page_size)
            resp = self.request("GET", path, params=query, headers=headers, ok=(200,))
            items = resp.body or []
            yield from items
            total = resp.headers.get("X-Total-Count")
            if total is not None and total.isdigit():
                if page * page_size >= int(total):
                    return
            elif 'rel="next"' not in (resp.headers.get("Link") or ""):
                return
            if not items:
                return
            page += 1

    @property
    def writes(self):
        """Write requests sent so far (POST, PUT, PATCH, DELETE)."""
        return self._writes

    # ------------------------------------------------------------ bulk reads

    def bulk(self):
        """Serve lookups from whole lists from now on (the bulk path); see ``listing``."""
        self.bulk_reads = True
        self.refresh()

    def refresh(self):
        """Forget the lists that a write made stale: the next lookup of each lists it again (once)."""
        self._listings = dict((key, entry) for key, entry in self._listings.items()
                              if entry["writes"] in (None, self._writes))
        self._relisted_at = self._writes

    def document(self, path):
        """``GET path`` of a document that no run changes (``/permissions``): read once in bulk mode."""
        if not self.bulk_reads:
            return self.get(path)
        key = ("document", path)
        if key not in self._listings:
            self._listings[key] = dict(writes=None, body=self.get(path))
        return copy.deepcopy(self._listings[key]["body"])

    def listing(self, path, params=None, headers=None):
        """Every item of the list at ``path`` (page_size 100), or None where a targeted read must be used instead.

        Only in bulk mode: a list is read once and then served from memory, until a write makes it stale; lookups
        then fall back to targeted reads, so that objects created or changed in this run are read as Harbor stores
        them, until ``refresh`` (the bulk engine calls it before each kind's reads) allows one new list.
        """
        if not self.bulk_reads:
            return None
        key = (path, tuple(sorted((params or {}).items())), tuple(sorted((headers or {}).items())))
        entry = self._listings.get(key)
        if entry is not None and entry["writes"] == self._writes:
            return entry
        if entry is not None or self._writes != self._relisted_at:
            return None  # stale, or written since the last refresh: targeted reads from here on
        entry = dict(writes=self._writes, items=list(self.paginate(path, params=params, headers=headers)),
                     indexes={})
        self._listings[key] = entry
        return entry

    def list_all(self, path, params=None, headers=None):
        """Every item of the list at ``path``: from memory in bulk mode (see ``listing``), else read now."""
        entry = self.listing(path, params=params, headers=headers)
        if entry is None:
            return list(self.paginate(path, params=params, headers=headers))
        return copy.deepcopy(entry["items"])

    def lookup(self, path, key, value, filters=None, params=None, headers=None):
        """The item of the list at ``path`` whose ``key`` equals ``value`` (see ``field_getter`` for ``key``).

        ``params`` narrow the list to a scope (``scope=p&project_id=3``); ``filters`` only help Harbor find ``value``
        (``q=name=...``) and are sent on a targeted read only: in bulk mode the whole scope is listed once and
        indexed in memory.
        """
        entry = self.listing(path, params=params, headers=headers)
        getter = field_getter(key)
        if entry is None:
            for item in self.paginate(path, params=dict(params or {}, **(filters or {})), headers=headers):
                if getter(item) == value:
                    return item
            return None
        index = entry["indexes"].get(key)
        if index is None:
            index = entry["indexes"][key] = {}
            for item in entry["items"]:
                index.setdefault(getter(item), item)
        found = index.get(value)
        return None if found is None else copy.deepcopy(found)  # callers may change what they get

    def get_project(self, name):
        """A project by name (``X-Is-Resource-Name``: a project may be called "123"), or None.

        Harbor checks the permission before it looks the project up, so a caller that is not a sysadmin (a robot)
        gets 403 for a project that does not exist (``HasProjectPermission`` in handler/base.go). Only then
        ``HEAD /projects?project_name=``, which any authenticated caller may send, tells "missing" (404) from
        "not allowed" (the 403 is raised).
        """
        if self.listing("/projects") is not None:
            return self.lookup("/projects", "name", name)
        try:
            return self.get("/projects/" + quote_path(name), headers=PROJECT_NAME_HEADER, missing_ok=True)
        except HarborError as exc:
            if exc.status != 403:
                raise
            if self.request("HEAD", "/projects", params=dict(project_name=name), ok=(200,), missing_ok=True) is None:
                return None
            raise

    def require_project(self, name):
        """A project by name; a clear error when it does not exist (modules scoped to a project use it)."""
        project = self.get_project(name)
        if project is None:
            raise HarborError("project %s does not exist in Harbor at %s" % (name, self.base_url), status=404,
                              method="GET", path="/projects/" + quote_path(name))
        return project

    def get_user(self, username):
        """A user by exact name, as ``GET /users/{id}`` returns it, or None.

        ``/users/search`` (any authenticated caller) matches substrings, so the name is checked here; it is a
        plain query parameter, unlike ``q=`` whose second unescaping would turn a ``+`` into a space.
        """
        if self.listing("/users") is not None:  # an administrator's list holds every user as /users/{id} does
            return self.lookup("/users", "username", username)
        found = self.find_by_name("/users/search", username, key="username", filters=dict(username=username))
        return None if found is None else self.get("/users/%d" % found["user_id"], missing_ok=True)

    def find_by_name(self, path, name, key="name", filters=None, params=None, headers=None):
        """Exactly one object whose ``key`` equals ``name``, from a (fuzzy or unfiltered) list (see ``lookup``)."""
        return self.lookup(path, key, name, filters=filters, params=params, headers=headers)
