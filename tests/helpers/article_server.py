"""A real HTTP server on 127.0.0.1 for tests that need something to fetch (fetcher, ingest, Slack).

Usage (pytest)::

    from tests.helpers.article_server import article_server  # noqa: F401  (or via conftest)

    def test_something(article_server):
        article_server.route("/a", body=b"<html>...</html>", headers={"Content-Type": "text/html"})
        article_server.redirect("/old", "/a")
        url = article_server.url("/old")
        ...
        assert article_server.count("/a") == 1       # requests recorded per path
        assert article_server.connections == 0       # TCP connections accepted (guard tests)

Routes map a path (query string ignored) to a `Route` — status, headers and a body that is bytes or an
iterable of byte chunks (so huge bodies stream from a generator and are never built in memory), with
optional delays before the headers and between chunks — or to a callable `handler(request, writer)`
for anything else. Helpers cover the usual misbehaviours: `slow`, `drip`, `huge`, `redirect`,
`reset` (abrupt RST), and `wrong charset` is just a route whose headers lie.

Delays use an event that `stop()` sets, so shutting the server down never waits for a sleeping handler.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from urllib.parse import urlsplit

import pytest


@dataclass
class Route:
    """A canned response. `body` may be bytes or an iterable of byte chunks (streamed as they come)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    body: bytes | Iterable[bytes] | Callable[[], Iterable[bytes]] = b""  # a callable is called per request
    delay: float = 0.0  # seconds before the status line is sent
    chunk_delay: float = 0.0  # seconds between body chunks (slow drip)
    reset_after_headers: bool = False  # send headers and the first chunk, then RST the connection


@dataclass(frozen=True)
class RecordedRequest:
    """What the server saw: enough for "was it fetched, how often, with which headers"."""

    method: str
    path: str  # including the query string
    headers: dict[str, str]


Handler = Callable[[RecordedRequest, "_RequestHandler"], None]


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet test output
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve()

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.request_body = self.rfile.read(length) if length else b""
        self._serve()

    def _serve(self) -> None:
        owner = self.server.owner
        req = RecordedRequest(self.command, self.path, {k: v for k, v in self.headers.items()})
        owner._record(req)
        target = owner._routes.get(urlsplit(self.path).path)
        self.close_connection = True
        if target is None:
            self._send(Route(status=404, headers={"Content-Type": "text/plain"}, body=b"not found"))
        elif callable(target):
            target(req, self)
        else:
            self._send(target)

    # -- tools for callable handlers ---------------------------------------------------------------

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; False if the server is stopping (the handler should return)."""
        return not self.server.owner._stopping.wait(seconds)

    def reset(self) -> None:
        """Close the connection abruptly with a TCP RST (SO_LINGER 0), as a crashing proxy would."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        finally:
            # The base class flushes wfile after us; give it something harmless to flush.
            self.wfile = BytesIO()
            self.rfile = BytesIO()

    def _send(self, route: Route) -> None:
        if route.delay and not self.wait(route.delay):
            return
        try:
            self.send_response(route.status)
            headers = dict(route.headers)
            body = route.body() if callable(route.body) else route.body
            if isinstance(body, bytes | bytearray):
                headers.setdefault("Content-Length", str(len(body)))
                chunks: Iterable[bytes] = [bytes(body)] if body else []
            else:
                chunks = body
            headers.setdefault("Connection", "close")
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command == "HEAD":
                return
            for i, chunk in enumerate(chunks):
                if i and route.chunk_delay and not self.wait(route.chunk_delay):
                    return
                self.wfile.write(chunk)
                self.wfile.flush()
                if route.reset_after_headers:
                    self.reset()
                    return
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            pass  # the client gave up (size cap, timeout): expected in tests


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    owner: ArticleServer

    def get_request(self):
        conn = super().get_request()
        with self.owner._lock:
            self.owner.connections += 1
        return conn

    def handle_error(self, request, client_address) -> None:
        pass  # client-side aborts are the point of many tests


class ArticleServer:
    """A threaded HTTP server on 127.0.0.1 with an ephemeral port; configure routes, then fetch."""

    def __init__(self, host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None) -> None:
        """`ssl_context` (server side) makes it an HTTPS server; `url()` then says https."""
        self._routes: dict[str, Route | Handler] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.requests: list[RecordedRequest] = []
        self.connections = 0
        self._httpd = _Server((host, 0), _RequestHandler)
        self._httpd.owner = self
        self.scheme = "http"
        if ssl_context is not None:
            self.scheme = "https"
            self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True)
        self.host, self.port = self._httpd.server_address[:2]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name=f"article-server-{self.port}")

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> ArticleServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ArticleServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------------

    def url(self, path: str = "/", host: str | None = None) -> str:
        """Absolute URL for `path`; `host` swaps the host part (e.g. "127.1" or a test-resolver name)."""
        if not path.startswith("/"):
            path = "/" + path
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    # -- routes ------------------------------------------------------------------------------------

    def route(self, path: str, body: bytes | Iterable[bytes] | Callable[[], Iterable[bytes]] = b"", status: int = 200,
              headers: dict[str, str] | None = None, **kw) -> None:
        """Serve a canned response at `path` (kw: delay, chunk_delay, reset_after_headers)."""
        hdrs = {"Content-Type": "text/html; charset=utf-8"} if headers is None else dict(headers)
        self._routes[path] = Route(status=status, headers=hdrs, body=body, **kw)

    def handler(self, path: str, fn: Handler) -> None:
        """Serve `path` with `fn(request, writer)`; `writer` is the BaseHTTPRequestHandler (with
        `.wait(seconds)` and `.reset()`)."""
        self._routes[path] = fn

    def html(self, path: str, html: str, charset: str = "utf-8", **kw) -> None:
        self.route(path, html.encode(charset), headers={"Content-Type": f"text/html; charset={charset}"}, **kw)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Redirect `path` to `location` (a path on this server or any absolute URL)."""
        self.route(path, status=status, headers={"Location": location, "Content-Type": "text/plain"})

    def slow(self, path: str, delay: float, body: bytes = b"<html><body>late</body></html>") -> None:
        """Wait `delay` seconds before answering at all."""
        self.route(path, body, delay=delay)

    def drip(self, path: str, chunks: int, every: float, chunk: bytes = b"<p>drip</p>\n") -> None:
        """Answer at once, then send `chunks` small pieces `every` seconds apart (a slow-drip body)."""
        self.route(path, lambda: (chunk for _ in range(chunks)), chunk_delay=every,
                   headers={"Content-Type": "text/html; charset=utf-8"})

    def huge(self, path: str, size: int, content_length: bool = False, chunk_size: int = 64 * 1024,
             headers: dict[str, str] | None = None) -> None:
        """Stream `size` generated bytes without building them; with or without a Content-Length."""

        def gen():
            left = size
            piece = b"<p>" + b"x" * (chunk_size - 8) + b"</p>\n\n"
            while left > 0:
                out = piece[: min(left, len(piece))]
                left -= len(out)
                yield out

        hdrs = dict(headers or {"Content-Type": "text/html; charset=utf-8"})
        if content_length:
            hdrs["Content-Length"] = str(size)
        self.route(path, gen, headers=hdrs)

    def reset(self, path: str) -> None:
        """Read the request, then drop the connection with a TCP RST before any response."""
        self.handler(path, lambda _req, writer: writer.reset())

    # -- what happened -----------------------------------------------------------------------------

    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(req)

    def count(self, path: str) -> int:
        """Requests received for `path` (query string ignored)."""
        with self._lock:
            return sum(1 for r in self.requests if urlsplit(r.path).path == path)

    def requests_for(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]


@pytest.fixture
def article_server():
    """A started `ArticleServer` on 127.0.0.1, stopped after the test."""
    server = ArticleServer().start()
    try:
        yield server
    finally:
        server.stop()
