"""The per-request context handed to every handler as ``ctx``."""

import datetime
import json
import re

from .binding import BindError, bind_value
from .errors import HarborError, unprocessable

_INT_RE = re.compile(r"^[+-]?[0-9]+$")


def now_iso():
    """Harbor's time format: 2024-05-01T10:00:00.123Z."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class RequestContext:
    """Everything a handler needs.

    Attributes: ``server`` (FakeHarbor), ``state``, ``version``
    (HarborVersion), ``method``, ``raw_path`` (full path as sent, e.g.
    ``/api/v2.0/projects``), ``api_path`` (below /api/v2.0), ``query`` (dict of
    lists), ``headers`` (case-insensitive mapping), ``body`` (parsed JSON, None
    when empty; unknown properties already dropped when the contract is on),
    ``principal``, ``params`` (path parameters, decoded once), ``operation_id``
    (from the spec, may be None), ``request_id``.
    """

    def __init__(self, server, method, raw_path, api_path, query, headers, raw_body, principal, request_id):
        self.server = server
        self.state = server.state
        self.version = server.version
        self.method = method
        self.raw_path = raw_path
        self.api_path = api_path
        self.query = query
        self.headers = headers
        self.raw_body = raw_body
        self.principal = principal
        self.request_id = request_id
        self.params = {}
        self.operation_id = None
        self.route = None
        self.body_name = "body"
        self.body = None
        self.body_invalid = False
        if raw_body:
            try:
                self.body = json.loads(raw_body)
            except ValueError:
                self.body_invalid = True

    # -- raw access -----------------------------------------------------
    def query_value(self, name):
        values = self.query.get(name)
        if not values:
            return None
        return values[-1]

    def header(self, name, default=None):
        value = self.headers.get(name)
        return default if value is None else value

    # -- go-swagger style binding --------------------------------------
    def _bind(self, raw, schema, name, location, default):
        if raw is None or raw == "":
            if schema.get("required"):
                raise unprocessable("%s in %s is required" % (name, location))
            return default
        try:
            return bind_value(raw, schema, name, location)
        except BindError as err:
            raise unprocessable(str(err)) from None

    def query_int(self, name, default=None, maximum=None, minimum=None, required=False, fmt="int64"):
        schema = {"type": "integer", "format": fmt, "required": required}
        if maximum is not None:
            schema["maximum"] = maximum
        if minimum is not None:
            schema["minimum"] = minimum
        return self._bind(self.query_value(name), schema, name, "query", default)

    def query_bool(self, name, default=None):
        return self._bind(self.query_value(name), {"type": "boolean"}, name, "query", default)

    def query_str(self, name, default=None, required=False):
        return self._bind(self.query_value(name), {"type": "string", "required": required}, name, "query", default)

    def header_bool(self, name, default=False):
        return self._bind(self.header(name), {"type": "boolean"}, name, "header", default)

    def path_int(self, name, fmt="int64"):
        return self._bind(self.params.get(name), {"type": "integer", "format": fmt, "required": True}, name, "path", None)

    def json_body(self, required=True):
        """The JSON body; 422 like go-swagger when it is missing or unparsable."""
        if self.body_invalid:
            raise unprocessable("parsing %s body from \"\" failed, because invalid JSON" % self.body_name)
        if self.body is None and required:
            raise unprocessable("%s in body is required" % self.body_name)
        return self.body

    def json_object(self, required=True):
        body = self.json_body(required)
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise unprocessable("%s in body must be of type object" % self.body_name)
        return body

    # -- helpers ---------------------------------------------------------
    def hook(self, name, *args, default=None):
        return self.server.hooks.first(name, self.state, *args, default=default)

    def location(self, ident):
        """Location header value: request path + "/" + id (Harbor's "%s/%d")."""
        return "%s/%s" % (self.raw_path.rstrip("/"), ident)

    def name_or_id(self, param="project_name_or_id"):
        """Harbor's parseProjectNameOrID: ("id", 12) or ("name", "foo")."""
        value = self.params[param]
        if not self.header_bool("X-Is-Resource-Name", False):
            if _INT_RE.match(value) and -(2 ** 63) <= int(value) < 2 ** 63:
                return "id", int(value)
        return "name", value

    @staticmethod
    def now():
        return now_iso()

    def error(self, status, message):
        return HarborError(status, message)
