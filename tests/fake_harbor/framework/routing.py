"""The fake's own route table (method + path template under /api/v2.0).

Routes are declared in code, never derived from the spec, so the fake also
runs without the spec files.  A resource module owns one ``RouteTable``::

    ROUTES = RouteTable()

    @ROUTES.get("/projects/{project_name_or_id}")
    def get_project(ctx):
        ...

    # version-gated: exists on 2.10 - 2.12 only (removed in 2.13.0)
    @ROUTES.post("/projects/{project_name_or_id}/robots", until=(2, 13))
    def create_robot_v1(ctx):
        ...

Matching follows go-swagger: per method, the matching template with the most
literal characters wins; a path that some template matches with another
method gives 405, a path nothing matches gives 404.
"""

import re
from urllib.parse import unquote

from .errors import HarborError

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_PARAM_RE = re.compile(r"\{([^{}/]+)\}")


def compile_template(template):
    """Return (regex, literal_char_count, param_names) for a path template."""
    norm = normalize_path(template)
    pattern = ["^"]
    names = []
    literal = 0
    pos = 0
    for match in _PARAM_RE.finditer(norm):
        chunk = norm[pos:match.start()]
        pattern.append(re.escape(chunk))
        literal += len(chunk)
        pattern.append("(?P<p%d>[^/]+)" % len(names))
        names.append(match.group(1))
        pos = match.end()
    chunk = norm[pos:]
    pattern.append(re.escape(chunk))
    literal += len(chunk)
    pattern.append("$")
    return re.compile("".join(pattern)), literal, names


def normalize_path(path):
    """Strip one trailing slash (``/metadatas/`` and ``/metadatas`` are the same route)."""
    if len(path) > 1 and path.endswith("/"):
        return path[:-1]
    return path


class Template:
    """A compiled path template; shared by the router and the spec index."""

    def __init__(self, template):
        self.template = template
        self.regex, self.literal, self.names = compile_template(template)

    def match(self, raw_path):
        """Match a still percent-encoded path; values are decoded once."""
        found = self.regex.match(normalize_path(raw_path))
        if not found:
            return None
        return {name: unquote(found.group("p%d" % i)) for i, name in enumerate(self.names)}


def best_match(entries, method, raw_path):
    """Pick the entry for ``method`` whose template matches best.

    ``entries`` are objects with ``.method`` and ``.template`` (a Template).
    Returns ``(entry, params, allowed_methods)``; entry is None when nothing
    matches for that method (then allowed_methods tells 404 from 405).
    """
    best = None
    best_params = None
    allowed = set()
    for entry in entries:
        params = entry.template.match(raw_path)
        if params is None:
            continue
        allowed.add(entry.method)
        if entry.method != method:
            continue
        if best is None or entry.template.literal > best.template.literal:
            best, best_params = entry, params
    return best, best_params, sorted(allowed)


class Route:
    def __init__(self, method, template, handler, since=None, until=None):
        self.method = method.upper()
        self.template = Template(template)
        self.path = template
        self.handler = handler
        self.since = since
        self.until = until

    def enabled_for(self, version):
        return version.between(self.since, self.until)

    def __repr__(self):
        return "Route(%s %s)" % (self.method, self.path)


class RouteTable:
    """Routes declared by one resource module."""

    def __init__(self):
        self.routes = []

    def route(self, method, template, since=None, until=None):
        """Decorator registering ``handler(ctx) -> Response``.

        ``since``/``until`` are version tuples: the route exists when
        ``since <= version < until``.
        """
        def decorator(handler):
            self.routes.append(Route(method, template, handler, since=since, until=until))
            return handler
        return decorator

    def get(self, template, **kwargs):
        return self.route("GET", template, **kwargs)

    def head(self, template, **kwargs):
        return self.route("HEAD", template, **kwargs)

    def post(self, template, **kwargs):
        return self.route("POST", template, **kwargs)

    def put(self, template, **kwargs):
        return self.route("PUT", template, **kwargs)

    def patch(self, template, **kwargs):
        return self.route("PATCH", template, **kwargs)

    def delete(self, template, **kwargs):
        return self.route("DELETE", template, **kwargs)


class Router:
    """All routes enabled for one version."""

    def __init__(self, tables, version):
        self.routes = [r for table in tables for r in table.routes if r.enabled_for(version)]

    def match(self, method, raw_api_path):
        """Return (route, params) or raise 404/405 in Harbor's error shape."""
        route, params, allowed = best_match(self.routes, method, raw_api_path)
        if route is not None:
            return route, params
        raise routing_error(method, raw_api_path, allowed)


def routing_error(method, raw_api_path, allowed):
    if allowed:
        return HarborError(405, "method %s is not allowed, but [%s] are" % (method, ",".join(allowed)),
                           headers={"Allow": ",".join(allowed)})
    return HarborError(404, "path %s was not found" % ("/api/v2.0" + raw_api_path))
