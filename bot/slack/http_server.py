"""HTTP mode: `POST /slack/events` (events, commands, shortcuts, actions), `GET /healthz`, and the GET
routes the runtime adds (`/metrics`; `/slack/install` and `/slack/oauth_redirect` with OAuth).

A `ThreadingHTTPServer` hands each request to bolt as a `BoltRequest`; bolt checks the `v0:` signature
and the timestamp (401 when either is wrong) and returns once the listener has acked. No framework, no
extra dependency.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# More GET paths (/metrics, the OAuth install pages): (query, headers) -> (status, body, headers).
GetRoute = Callable[[str, dict[str, list[str]]], tuple[int, bytes, dict[str, list[str]]]]
MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; refuse anything absurd


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - bodies and headers stay out of logs
        log.debug("%s %s", self.command, self.path.split("?")[0])

    def do_GET(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        route = self.server.routes.get(url.path)
        if url.path == "/healthz":
            self._send(200, json.dumps(self.server.health()).encode(), "application/json")
        elif route is not None:
            status, body, headers = route(url.query, self._header_lists())
            self._send_with_headers(status, body, headers)
        else:
            self._send(404, b"not found", "text/plain")

    def _header_lists(self) -> dict[str, list[str]]:
        headers: dict[str, list[str]] = {}
        for key, value in self.headers.items():
            headers.setdefault(key.lower(), []).append(value)
        return headers

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if url.path != EVENTS_PATH:
            self.rfile.read(min(length, MAX_BODY))
            self._send(404, b"not found", "text/plain")
            return
        if length > MAX_BODY:
            self.close_connection = True
            self._send(413, b"too large", "text/plain")
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        if not (self.headers.get("X-Slack-Request-Timestamp") or "").strip().isdigit():
            # bolt's verifier raises (a 500) on a timestamp that is not a number; it is simply unsigned.
            self._send(401, b"invalid request", "text/plain")
            return
        headers = self._header_lists()
        in_flight = self.server.in_flight
        if in_flight is not None:
            in_flight.enter()
        try:
            response = self.server.app.dispatch(BoltRequest(body=body, query=url.query, headers=headers))
        finally:
            if in_flight is not None:
                in_flight.exit()
        self._send_with_headers(response.status, (response.body or "").encode("utf-8"), response.headers)

    def _send_with_headers(self, status: int, body: bytes, headers: dict[str, list[str]] | None) -> None:
        content_type = "text/plain"
        extra: list[tuple[str, str]] = []
        for key, values in (headers or {}).items():
            for value in values:
                if key.lower() == "content-type":
                    content_type = value
                elif key.lower() not in ("content-length", "connection"):
                    extra.append((key, value))
        self._send(status, body, content_type, extra)

    def _send(self, status: int, body: bytes, content_type: str, extra: list[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in extra:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class InFlight:
    """Slack requests being dispatched, and when the last one ended.

    Workers call `wait_idle` before taking a job: during a burst of events they hold back (up to a
    bound, so a steady stream of events cannot starve them) until no request has been in flight for
    `quiet` seconds. Slack's requests arrive over separate connections with gaps between them, so "no
    request right now" alone would let workers in mid-burst.

    Nothing is notified when a request ends: waiters poll on a timer instead (at most every `quiet`
    seconds). A notification at every "count reached zero" woke every waiting worker and the reactor
    once per ack during a burst — several thread switches and GIL hand-offs per request, exactly when
    the interpreter is busiest — only for them to find the quiet spell not yet long enough.
    """

    def __init__(self, quiet: float = 0.05) -> None:
        self.quiet = quiet
        self._count = 0
        self._last = 0.0
        self._lock = threading.Lock()
        self._mine = threading.local()  # set while this thread dispatches a request

    def enter(self) -> None:
        with self._lock:
            self._count += 1
        self._mine.active = True

    def exit(self) -> None:
        self._mine.active = False
        with self._lock:
            self._count -= 1
            self._last = time.monotonic()

    @property
    def active(self) -> int:
        return self._count

    def wait_idle(self, timeout: float) -> bool:
        """Block until the server has been quiet for `quiet` seconds, or `timeout` passes. A thread that
        is itself dispatching a request never waits (it would only be waiting for itself)."""
        if getattr(self._mine, "active", False):
            return False
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            quiet_for = now - self._last
            if self._count == 0 and quiet_for >= self.quiet:
                return True
            if now >= deadline:
                return False
            wait = self.quiet - quiet_for if self._count == 0 else self.quiet
            time.sleep(max(0.001, min(wait, deadline - now)))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    app: App
    health: callable
    in_flight: InFlight | None = None
    routes: dict[str, GetRoute] = {}


class SlackHTTPServer:
    """`SlackHTTPServer(app, host, port).start()`; port 0 picks a free port (see `.port`)."""

    def __init__(self, app: App, host: str = "0.0.0.0", port: int = 3000, health=None,
                 in_flight: InFlight | None = None, routes: dict[str, GetRoute] | None = None):
        self._httpd = _Server((host, port), _Handler)
        self._httpd.app = app
        self._httpd.in_flight = in_flight
        self._httpd.routes = dict(routes or {})
        self._httpd.health = health or (lambda: {"ok": True})
        self.host, self.port = self._httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> SlackHTTPServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name=f"slack-http-{self.port}")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
