"""Request and response validation against a resolved spec (contract-notes.md).

Requests:
* parameters are bound the go-swagger way (framework/binding.py);
* the body is validated with JSON Schema Draft 4 over the resolved
  definitions.  Objects with ``properties`` are closed;
* problems Harbor lets through silently (undefined body property, ``null``
  for a non-nullable property, unknown query parameter, body sent to an
  operation without one, non-canonical boolean) are *silent* violations: they
  are recorded and the request goes on as Harbor would see it (the property
  dropped);
* everything else is *fatal*: Harbor answers 422 before any handler runs.

Responses: status must be documented (an undocumented error status is fine
if the body has Harbor's Errors shape), the body must match the schema,
declared headers must be present, and no property may carry a zero value that
Harbor's ``omitempty`` leaves out (omitempty.py).  ``serialise()`` is the one
place where the fake applies that rule to its answers.
"""

import copy
import json
import re

from jsonschema import Draft4Validator, FormatChecker

from ..framework.binding import INT_RANGES, BindError, bind_parameter
from .omitempty import emitted_zero_values, omit_empty

OPTIONAL_RESPONSE_HEADERS = {"link"}

_DATE_TIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2})?$")

FORMAT_CHECKER = FormatChecker(formats=())


def _int_format(fmt):
    low, high = INT_RANGES[fmt]

    def check(instance):
        if isinstance(instance, bool) or not isinstance(instance, int):
            return True
        return low <= instance <= high
    return check


for _fmt in INT_RANGES:
    FORMAT_CHECKER.checks(_fmt)(_int_format(_fmt))


@FORMAT_CHECKER.checks("date-time")
def _check_date_time(instance):
    if not isinstance(instance, str):
        return True
    return bool(_DATE_TIME_RE.match(instance))


ERRORS_SCHEMA = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
_ERRORS_VALIDATOR = Draft4Validator(ERRORS_SCHEMA, format_checker=FORMAT_CHECKER)


class RequestCheck:
    """Outcome of validating one request."""

    def __init__(self):
        self.operation = None
        self.allowed = []
        self.fatal = []
        self.silent = []
        self.body = None
        self.params = {}


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def dotted(path, root):
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else root


def _flatten(errors):
    """Replace ``anyOf`` (nullable $ref) failures by the errors of the real branch."""
    for err in errors:
        if err.validator == "anyOf" and err.context:
            branch = [e for e in err.context if e.schema_path and e.schema_path[0] == 0]
            if branch:
                yield from _flatten(branch)
                continue
        yield err


def describe(err, root, where="body"):
    """A go-swagger style message for one jsonschema error."""
    path = dotted(err.absolute_path, root)
    kind = err.validator
    if kind == "type":
        expected = err.validator_value
        if isinstance(expected, list):
            expected = "/".join(t for t in expected if t != "null")
        return '%s in %s must be of type %s: "%s"' % (path, where, expected, _json_type(err.instance))
    if kind == "required":
        missing = [r for r in err.validator_value if isinstance(err.instance, dict) and r not in err.instance]
        name = missing[0] if missing else "?"
        return "%s in %s is required" % (name if path == root else path + "." + name, where)
    if kind == "enum":
        return "%s in %s should be one of %s" % (path, where, json.dumps(err.validator_value))
    if kind == "maxLength":
        return "%s in %s should be at most %d chars long" % (path, where, err.validator_value)
    if kind == "minLength":
        return "%s in %s should be at least %d chars long" % (path, where, err.validator_value)
    if kind == "maximum":
        return "%s in %s should be less than or equal to %s" % (path, where, err.validator_value)
    if kind == "minimum":
        return "%s in %s should be greater than or equal to %s" % (path, where, err.validator_value)
    if kind == "pattern":
        return "%s in %s should match '%s'" % (path, where, err.validator_value)
    if kind == "format":
        return '%s in %s must be of type %s: "%s"' % (path, where, err.validator_value, err.instance)
    if kind == "additionalProperties":
        extras = sorted(k for k in err.instance if k not in (err.schema.get("properties") or {}))
        return "%s in %s has properties not defined by the schema: %s" % (path, where, ", ".join(extras))
    return "%s in %s: %s" % (path, where, err.message)


def _remove(instance, path):
    target = instance
    for key in path[:-1]:
        target = target[key]
    if isinstance(target, dict):
        target.pop(path[-1], None)


class ContractChecker:
    """Validates requests and responses of one server against one Spec."""

    def __init__(self, spec):
        self.spec = spec

    # -- validators (built lazily, cached on the operation) ---------------
    def _validator(self, op, key, schema):
        validator = op._validators.get(key)  # pylint: disable=protected-access
        if validator is None:
            with self.spec.validator_lock:
                validator = op._validators.get(key)  # pylint: disable=protected-access
                if validator is None:
                    root = {"allOf": [schema], "definitions": self.spec.definitions}
                    validator = Draft4Validator(root, format_checker=FORMAT_CHECKER)
                    op._validators[key] = validator  # pylint: disable=protected-access
        return validator

    # -- requests ------------------------------------------------------------
    def check_request(self, method, raw_api_path, query, headers, body, body_present, body_invalid):
        """Validate one request.  ``body`` is the parsed JSON (None if empty)."""
        result = RequestCheck()
        op, path_params, allowed = self.spec.match(method, raw_api_path)
        result.allowed = allowed
        if op is None:
            return result
        result.operation = op
        for param in op.params:
            location, name = param["in"], param["name"]
            if location == "path":
                raw = path_params.get(name)
            elif location == "query":
                raw = query.get(name)
            elif location == "header":
                raw = headers.get(name)
            else:
                continue
            try:
                _present, value = bind_parameter(param, raw, result.silent)
                result.params[name] = value
            except BindError as err:
                result.fatal.append(str(err))
        for name in query:
            if name not in op.query_names:
                result.silent.append('unknown query parameter "%s" (Harbor ignores it)' % name)
        if op.body is None:
            if body_present:
                result.silent.append("%s takes no request body (Harbor ignores it)" % op.operation_id)
            return result
        name = op.body["name"]
        if body_invalid:
            result.fatal.append('parsing %s body from "" failed, because the body is not valid JSON' % name)
            return result
        if body is None:
            if op.body.get("required"):
                result.fatal.append("%s in body is required" % name)
            return result
        result.body = self._check_body(op, body, name, result)
        return result

    def _check_body(self, op, body, name, result):
        validator = self._validator(op, "body", op.body["schema"])
        drops = []
        for err in _flatten(validator.iter_errors(body)):
            path = list(err.absolute_path)
            if err.validator == "additionalProperties" and isinstance(err.instance, dict):
                known = err.schema.get("properties") or {}
                for key in err.instance:
                    if key not in known:
                        drops.append(path + [key])
                        result.silent.append("%s in body is not defined by the schema (Harbor drops it)"
                                             % dotted(path + [key], name))
            elif err.validator == "type" and err.instance is None and path and isinstance(path[-1], str):
                drops.append(path)
                result.silent.append("%s in body is null but not x-nullable (Harbor reads the zero value)"
                                     % dotted(path, name))
        if drops:
            body = copy.deepcopy(body)
            for path in drops:
                _remove(body, path)
        for err in _flatten(validator.iter_errors(body)):
            result.fatal.append(describe(err, name))
        return body

    # -- responses -----------------------------------------------------------
    def check_response(self, op, status, headers, payload, content_type, quirk=None):
        """Return a list of problems with a response the fake produced."""
        problems = []
        declared = op.responses.get(str(status)) or op.responses.get("default")
        if declared is None:
            if status >= 400:
                problems.extend(self._check_errors_body(payload, status, op))
            else:
                problems.append("status %d is not documented for %s" % (status, op.operation_id))
            return problems
        lowered = {k.lower(): v for k, v in headers.items()}
        for hname, hdef in declared["headers"].items():
            value = lowered.get(hname.lower())
            if value is None:
                if hname.lower() not in OPTIONAL_RESPONSE_HEADERS:
                    problems.append("header %s declared for %d of %s is missing" % (hname, status, op.operation_id))
                continue
            if hdef.get("type") == "integer" and not re.match(r"^-?\d+$", value):
                problems.append("header %s must be an integer, got %r" % (hname, value))
        if quirk:
            return problems
        schema = declared["schema"]
        if schema is None:
            if payload:
                if status >= 400:
                    problems.extend(self._check_errors_body(payload, status, op))
                else:
                    problems.append("%d of %s has no schema but the body is not empty" % (status, op.operation_id))
            return problems
        raw_schema = declared["raw_schema"] or {}
        if raw_schema.get("type") == "file":
            return problems
        if raw_schema.get("type") == "string" and not content_type.startswith("application/json"):
            return problems  # a text answer, such as a job log (empty while the job has not logged yet)
        if not payload:
            problems.append("%d of %s declares a body but the body is empty" % (status, op.operation_id))
            return problems
        try:
            body = json.loads(payload)
        except ValueError:
            problems.append("%d of %s: body is not JSON" % (status, op.operation_id))
            return problems
        validator = self._validator(op, "response %d" % status, schema)
        for err in _flatten(validator.iter_errors(body)):
            problems.append("%d of %s: %s" % (status, op.operation_id, describe(err, "response", "response")))
        for path in emitted_zero_values(self.spec.raw_definitions, raw_schema, body):
            problems.append("%d of %s: response.%s is a zero value that Harbor leaves out (omitempty)"
                            % (status, op.operation_id, path))
        return problems

    def serialise(self, op, status, body):
        """The body as Harbor's Go server writes it for ``op`` and ``status``: ``omitempty`` applied."""
        declared = op.responses.get(str(status)) or op.responses.get("default")
        if declared is None or declared["raw_schema"] is None or body is None:
            return body
        return omit_empty(self.spec.raw_definitions, declared["raw_schema"], body)

    @staticmethod
    def _check_errors_body(payload, status, op):
        try:
            body = json.loads(payload or b"null")
        except ValueError:
            return ["%d of %s: error body is not JSON" % (status, op.operation_id)]
        return ["%d of %s: error body is not Harbor's Errors shape: %s" % (status, op.operation_id, err.message)
                for err in _ERRORS_VALIDATOR.iter_errors(body)]
