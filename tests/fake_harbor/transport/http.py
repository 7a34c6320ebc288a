"""HTTP/1.1 keep-alive server (stdlib) that hands requests to the application.

The application object must provide ``handle(RawRequest) -> Response | RESET``.
"""

import logging
import socket
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOG = logging.getLogger("fake_harbor")

# Returned by the application to close the connection without a response.
RESET = object()


class RawRequest:
    """A request as read from the wire."""

    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target
        parts = urlsplit(target)
        self.path = parts.path or "/"
        self.query_string = parts.query
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = headers
        self.body = body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-harbor"
    sys_version = ""
    timeout = 300
    # Go's net package sets TCP_NODELAY on every TCP connection, so Harbor's answers leave at once. Without it the
    # body (written after the headers) waits for the client's delayed ACK: 40 ms per request on Linux.
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        if hasattr(self.connection, "do_handshake"):
            self.connection.do_handshake()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        LOG.debug("%s - %s", self.address_string(), format % args)

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self):
        body = self._read_body()
        request = RawRequest(self.command, self.path, self.headers, body)
        response = self.server.app.handle(request)
        if response is RESET:
            self._reset()
            return
        payload = response.payload()
        self.send_response(response.status)
        headers = dict(response.headers)
        if payload or response.status >= 400 or response.body is not None:
            headers.setdefault("Content-Type", response.content_type)
        # a HEAD answer may carry the length of what a GET would send (the registry protocol relies on it)
        length = headers.pop("Content-Length", None) if self.command == "HEAD" else None
        headers.pop("Content-Length", None)
        for name, value in headers.items():
            if isinstance(value, (list, tuple)):
                for item in value:
                    self.send_header(name, item)
            else:
                self.send_header(name, str(value))
        self.send_header("Content-Length", str(length if length is not None else len(payload)))
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)

    def _reset(self):
        """Abort the connection with a TCP RST and no response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def finish(self):
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch


class FakeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, app, ssl_context=None):
        self.app = app
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            # The handshake runs on first read, in the handler thread.
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        LOG.debug("connection error from %s", client_address, exc_info=True)
