"""Loading, resolving and indexing Harbor's Swagger 2.0 specs.

Parsing a spec takes ~0.2 s, so parsed files and resolved specs are cached
per process (by file and by the set of overlays applied).
"""

import copy
import os
import pathlib
import threading

import yaml

from ..framework.routing import Template, best_match
from .overlays import overlays_for

try:
    _LOADER = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _LOADER = yaml.SafeLoader

_LOCK = threading.Lock()
_RAW_CACHE = {}
_SPEC_CACHE = {}

HTTP_METHODS = ("get", "head", "post", "put", "patch", "delete", "options")
_SCHEMA_KEYWORDS = (
    "type", "format", "enum", "maxLength", "minLength", "pattern", "maximum", "minimum", "exclusiveMaximum",
    "exclusiveMinimum", "multipleOf", "maxItems", "minItems", "uniqueItems", "required", "maxProperties",
    "minProperties",
)


def default_spec_dir():
    """``<repo>/../shared/harbor`` (the repo root is three levels above this package)."""
    repo = pathlib.Path(__file__).resolve().parents[3]
    return repo.parent / "shared" / "harbor"


def find_spec_dir(explicit=None):
    """The spec directory to use, or None: explicit arg, $HARBOR_SPEC_DIR, default."""
    for candidate in (explicit, os.environ.get("HARBOR_SPEC_DIR"), default_spec_dir()):
        if candidate and pathlib.Path(candidate).is_dir():
            return pathlib.Path(candidate)
        if explicit:
            return None
    return None


def is_nullable(schema):
    return bool(schema.get("x-nullable") or schema.get("x-isnullable"))


def to_draft4(schema):
    """Convert a Swagger 2.0 schema to JSON Schema Draft 4.

    * objects with ``properties`` and no ``additionalProperties`` are closed;
    * a bare ``type: object`` (no properties) is free-form: any value;
    * ``x-nullable`` / ``x-isnullable`` add ``null`` to the type;
    * vendor keys, descriptions, examples and ``readOnly`` are dropped;
    * ``$ref`` siblings are ignored (Swagger 2.0 semantics).
    """
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        ref = {"$ref": schema["$ref"]}
        return {"anyOf": [ref, {"type": "null"}]} if is_nullable(schema) else ref
    if schema.get("type") == "object" and not any(k in schema for k in ("properties", "additionalProperties", "allOf")):
        # go-swagger maps a bare ``type: object`` to interface{}: any JSON value (contract-notes)
        return {}
    out = {k: schema[k] for k in _SCHEMA_KEYWORDS if k in schema}
    if out.get("type") == "file":
        del out["type"]
    if isinstance(out.get("required"), bool):
        del out["required"]
    if "items" in schema:
        out["items"] = to_draft4(schema["items"])
    if "properties" in schema:
        out["properties"] = {name: to_draft4(sub) for name, sub in (schema["properties"] or {}).items()}
        if "additionalProperties" not in schema:
            out["additionalProperties"] = False
    if "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        out["additionalProperties"] = to_draft4(extra) if isinstance(extra, dict) else extra
    if "allOf" in schema:
        out["allOf"] = [to_draft4(sub) for sub in schema["allOf"]]
    if is_nullable(schema) and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
    return out


class Operation:
    """One spec operation with its resolved parameters and responses."""

    def __init__(self, spec, method, path, raw_op, path_params):
        self.spec = spec
        self.method = method.upper()
        self.path = path
        self.template = Template(path)
        self.operation_id = raw_op.get("operationId") or "%s %s" % (self.method, path)
        self.produces = raw_op.get("produces") or spec.produces
        params = {}
        for param in list(path_params) + list(raw_op.get("parameters") or []):
            param = spec.resolve_parameter(param)
            params[(param["in"], param["name"])] = param
        self.body = None
        self.params = []
        for param in params.values():
            if param["in"] == "body":
                self.body = dict(param, schema=to_draft4(param.get("schema") or {}))
            else:
                self.params.append(param)
        self.query_names = {p["name"] for p in self.params if p["in"] == "query"}
        self.responses = {}
        for code, resp in (raw_op.get("responses") or {}).items():
            resp = spec.resolve_response(resp)
            schema = resp.get("schema")
            self.responses[str(code)] = {
                "schema": to_draft4(schema) if schema is not None else None,
                "raw_schema": schema,
                "headers": resp.get("headers") or {},
            }
        self._validators = {}

    def __repr__(self):
        return "Operation(%s %s %s)" % (self.method, self.path, self.operation_id)


class Spec:
    """A resolved spec: definitions in Draft 4 form plus an operation index."""

    def __init__(self, raw, name, overlays):
        self.name = name
        self.overlays = [o.description for o in overlays]
        self.base_path = raw.get("basePath", "/api/v2.0")
        self.produces = raw.get("produces") or ["application/json"]
        self._parameters = raw.get("parameters") or {}
        self._responses = raw.get("responses") or {}
        #: the definitions as the spec writes them (x-omitempty, x-nullable kept), for the omitempty rules
        self.raw_definitions = raw.get("definitions") or {}
        self.definitions = {name: to_draft4(schema) for name, schema in self.raw_definitions.items()}
        self.operations = []
        for path, item in (raw.get("paths") or {}).items():
            path_params = item.get("parameters") or []
            for method, raw_op in item.items():
                if method in HTTP_METHODS:
                    self.operations.append(Operation(self, method, path, raw_op, path_params))
        self.validator_lock = threading.Lock()

    def resolve_parameter(self, param):
        ref = param.get("$ref")
        if ref:
            return self._parameters[ref.rsplit("/", 1)[-1]]
        return param

    def resolve_response(self, resp):
        ref = resp.get("$ref")
        if ref:
            return self._responses[ref.rsplit("/", 1)[-1]]
        return resp

    def match(self, method, raw_api_path):
        """Return (operation, path_params, allowed_methods) like the router."""
        return best_match(self.operations, method.upper(), raw_api_path)

    def has_operation(self, method, template):
        return any(op.method == method and op.path == template for op in self.operations)


def _load_raw(path):
    stat = path.stat()
    key = str(path)
    cached = _RAW_CACHE.get(key)
    if cached is not None and cached[0] == stat.st_mtime_ns:
        return cached[1]
    with open(path, "rb") as handle:
        raw = yaml.load(handle, Loader=_LOADER)  # nosec - CSafeLoader/SafeLoader only
    _RAW_CACHE[key] = (stat.st_mtime_ns, raw)
    return raw


def load_spec(spec_dir, version):
    """The resolved ``Spec`` for ``version`` from ``spec_dir`` (None if the file is missing)."""
    path = pathlib.Path(spec_dir) / version.spec_file
    if not path.is_file():
        return None
    overlays = overlays_for(version)
    key = (str(path), tuple(o.description for o in overlays))
    with _LOCK:
        spec = _SPEC_CACHE.get(key)
        if spec is None:
            raw = _load_raw(path)
            if overlays:
                raw = copy.deepcopy(raw)
                for overlay in overlays:
                    overlay.function(raw)
            spec = Spec(raw, version.spec_file, overlays)
            _SPEC_CACHE[key] = spec
    return spec
