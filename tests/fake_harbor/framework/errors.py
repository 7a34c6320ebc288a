"""Harbor's error model: ``{"errors":[{"code": ..., "message": ...}]}``.

Handlers raise ``HarborError`` (or one of the helpers below); the server turns
it into a response.  Any status >= 500 is rewritten by the server to
``UNKNOWN`` / ``internal server error`` exactly like Harbor does.
"""

# HTTP status -> Harbor error code (src/lib/http/error.go codeMap, reversed).
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    412: "PRECONDITION",
    413: "REQUEST_ENTITY_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUEST",
    500: "UNKNOWN",
}


def code_for_status(status):
    if status >= 500:
        return "UNKNOWN"
    return STATUS_CODES.get(status, "UNKNOWN")


def error_body(code, message):
    return {"errors": [{"code": code, "message": message}]}


class HarborError(Exception):
    """An error answered in Harbor's error body shape."""

    def __init__(self, status, message, code=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or code_for_status(status)
        self.headers = dict(headers or {})

    def body(self):
        return error_body(self.code, self.message)


def bad_request(message):
    return HarborError(400, message)


def unauthorized(message="unauthorized"):
    return HarborError(401, message)


def forbidden(message="forbidden"):
    return HarborError(403, message)


def not_found(message):
    return HarborError(404, message)


def conflict(message):
    return HarborError(409, message)


def precondition(message):
    return HarborError(412, message)


def unprocessable(message):
    return HarborError(422, message)


def internal(message="internal server error"):
    return HarborError(500, message)
