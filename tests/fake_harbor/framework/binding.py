"""go-swagger style binding of path/query/header values.

Used twice: by the contract validator (with the spec's parameter
definitions) and by ``RequestContext`` helpers (with small inline schemas),
so handlers bind values the same way whether or not the spec is loaded.

A value that fails binding raises ``BindError``; Harbor answers those with
422 before any handler runs.  Messages follow go-openapi/errors.
"""

import re

# swag.ConvertBool: any other string is false, it never fails.
SWAG_TRUE = {"true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled"}
# strconv.ParseBool: what a well-behaved client sends.
STRICT_BOOL = {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"}

INT_RANGES = {
    "int8": (-(2 ** 7), 2 ** 7 - 1),
    "int16": (-(2 ** 15), 2 ** 15 - 1),
    "int32": (-(2 ** 31), 2 ** 31 - 1),
    "int64": (-(2 ** 63), 2 ** 63 - 1),
    "int": (-(2 ** 63), 2 ** 63 - 1),
    "uint8": (0, 2 ** 8 - 1),
    "uint32": (0, 2 ** 32 - 1),
    "uint64": (0, 2 ** 64 - 1),
}
_INT_RE = re.compile(r"^[+-]?[0-9]+$")
_NUMBER_RE = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


class BindError(Exception):
    """A binding/validation failure (answered with 422)."""


def int_format(schema):
    fmt = schema.get("format") or "int64"
    return fmt if fmt in INT_RANGES else "int64"


def bind_value(raw, schema, name, location, warnings=None):
    """Convert one raw string to the schema's type and validate it.

    ``warnings`` (a list) collects contract problems that Harbor itself lets
    through (for example ``public=yes``, which swag reads as true).
    """
    ptype = schema.get("type", "string")
    if ptype == "array":
        items = schema.get("items") or {"type": "string"}
        fmt = schema.get("collectionFormat", "csv")
        sep = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}.get(fmt, ",")
        parts = raw if isinstance(raw, list) else [p for p in raw.split(sep) if p != ""]
        values = [bind_value(p, items, "%s.%d" % (name, i), location, warnings) for i, p in enumerate(parts)]
        check_array(values, schema, name, location)
        return values
    if isinstance(raw, list):
        raw = raw[-1]
    if ptype == "integer":
        fmt = int_format(schema)
        if not _INT_RE.match(raw):
            raise BindError('%s in %s must be of type %s: "%s"' % (name, location, fmt, raw))
        value = int(raw)
        low, high = INT_RANGES[fmt]
        if value < low or value > high:
            raise BindError('%s in %s must be of type %s: "%s"' % (name, location, fmt, raw))
    elif ptype == "number":
        if not _NUMBER_RE.match(raw):
            raise BindError('%s in %s must be of type %s: "%s"' % (name, location, schema.get("format") or "float64", raw))
        value = float(raw)
    elif ptype == "boolean":
        if warnings is not None and raw not in STRICT_BOOL:
            warnings.append('%s in %s is not a boolean: "%s" (Harbor reads it as %s)' % (
                name, location, raw, "true" if raw.lower() in SWAG_TRUE else "false"))
        value = raw.lower() in SWAG_TRUE
    else:
        value = raw
    check_scalar(value, schema, name, location)
    return value


def check_scalar(value, schema, name, location):
    enum = schema.get("enum")
    if enum is not None and value not in enum:
        raise BindError("%s in %s should be one of [%s]" % (name, location, " ".join(str(e) for e in enum)))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        maximum = schema.get("maximum")
        if maximum is not None:
            if schema.get("exclusiveMaximum") and value >= maximum:
                raise BindError("%s in %s should be less than %s" % (name, location, maximum))
            if value > maximum:
                raise BindError("%s in %s should be less than or equal to %s" % (name, location, maximum))
        minimum = schema.get("minimum")
        if minimum is not None:
            if schema.get("exclusiveMinimum") and value <= minimum:
                raise BindError("%s in %s should be greater than %s" % (name, location, minimum))
            if value < minimum:
                raise BindError("%s in %s should be greater than or equal to %s" % (name, location, minimum))
    if isinstance(value, str):
        if schema.get("maxLength") is not None and len(value) > schema["maxLength"]:
            raise BindError("%s in %s should be at most %d chars long" % (name, location, schema["maxLength"]))
        if schema.get("minLength") is not None and len(value) < schema["minLength"]:
            raise BindError("%s in %s should be at least %d chars long" % (name, location, schema["minLength"]))
        if schema.get("pattern") and not re.search(schema["pattern"], value):
            raise BindError("%s in %s should match '%s'" % (name, location, schema["pattern"]))


def check_array(values, schema, name, location):
    if schema.get("maxItems") is not None and len(values) > schema["maxItems"]:
        raise BindError("%s in %s should have at most %d items" % (name, location, schema["maxItems"]))
    if schema.get("minItems") is not None and len(values) < schema["minItems"]:
        raise BindError("%s in %s should have at least %d items" % (name, location, schema["minItems"]))
    if schema.get("uniqueItems") and len(set(map(str, values))) != len(values):
        raise BindError("%s in %s shouldn't contain duplicates" % (name, location))


def bind_parameter(param, raw, warnings=None):
    """Bind one spec parameter (``raw`` is None when absent).

    Returns ``(present, value)``.  An empty string counts as absent, like
    go-swagger.  The default applies when absent.
    """
    name, location = param["name"], param["in"]
    if raw is not None and raw != "" and raw != []:
        return True, bind_value(raw, param, name, location, warnings)
    if param.get("required"):
        raise BindError("%s in %s is required" % (name, location))
    if "default" in param:
        return False, param["default"]
    return False, None
