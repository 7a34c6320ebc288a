"""The response object handlers return."""

import json


class Response:
    """An HTTP response before it is written.

    ``body`` is any JSON-serialisable value (``None`` = empty body) unless
    ``raw`` (bytes) is given.  ``spec_quirk`` documents a deliberate deviation
    from the spec that Harbor really has (for example "200 with an empty body
    when no schedule exists"); when set, the response body is not validated
    against the spec.
    """

    def __init__(self, status=200, body=None, headers=None, content_type="application/json", raw=None, spec_quirk=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.content_type = content_type
        self.raw = raw
        self.spec_quirk = spec_quirk

    @classmethod
    def json(cls, body, status=200, headers=None):
        return cls(status=status, body=body, headers=headers)

    @classmethod
    def ok(cls):
        """200 with an empty body (Harbor's answer to updates and deletes)."""
        return cls(status=200)

    @classmethod
    def created(cls, location, body=None):
        """201 + Location (a path such as /api/v2.0/projects/12)."""
        return cls(status=201, body=body, headers={"Location": location})

    @classmethod
    def text(cls, text, status=200):
        return cls(status=status, raw=text.encode("utf-8"), content_type="text/plain")

    def payload(self):
        """The bytes that go on the wire."""
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")
