"""HTTP mode: `POST /slack/events` (events, commands, shortcuts, actions), `GET /healthz`, and any GET
route added to `routes`, served by waitress (see http_guard.py for why waitress and what is added to it).

Limits, each answered with a status rather than a dropped connection or a traceback: a request must
arrive whole within `timeout` seconds of its first byte (408), a body is at most 1 MB whatever
`Content-Length` says or whether it is chunked (413; a negative or non-numeric length is a 400), the
request line at most 8 KB (414) and the head at most 16 KB (431). At most `connection_limit` connections
are open at once and `threads` workers run bolt; idle connections cost a socket, not a thread, and close
after `timeout` seconds. `/healthz` has a thread of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import App

from bot.slack.http_guard import build_server
from bot.slack.wsgi_app import EVENTS_PATH, HEALTH_PATH, MAX_BODY, BoltTarget, SlackWSGIApp

__all__ = ["EVENTS_PATH", "MAX_BODY", "HTTPLimits", "InFlight", "SlackHTTPServer"]


@dataclass(frozen=True)
class HTTPLimits:
    threads: int = 8
    connection_limit: int = 1000
    timeout: float = 10.0  # seconds for a whole request to arrive, and for an idle connection to stay open

    MAX_TIMEOUT = 30.0  # Slack sends its small bodies at once: a slower client is holding a connection

    @classmethod
    def from_settings(cls, settings) -> HTTPLimits:
        return cls(threads=settings.http_threads, connection_limit=settings.http_connections,
                   timeout=min(settings.http_timeout, cls.MAX_TIMEOUT))


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


class SlackHTTPServer:
    """`SlackHTTPServer(host, port, health=...).start()`, then `attach(app, secret, in_flight)` once bolt is
    ready (until then `POST /slack/events` answers 503 and `/healthz` says why). Port 0 picks a free port
    (see `.port`)."""

    def __init__(self, host: str = "0.0.0.0", port: int = 3000, *,
                 health: Callable[[], tuple[int, dict]] | None = None, limits: HTTPLimits = HTTPLimits(),
                 fast_paths: set[str] | None = None):
        self.wsgi = SlackWSGIApp(health or (lambda: (200, {"ok": True})))
        self._server = build_server(self.wsgi, host, port, threads=limits.threads,
                                    connection_limit=limits.connection_limit, timeout=limits.timeout,
                                    max_body=MAX_BODY, fast_paths=fast_paths or {HEALTH_PATH})
        self.host, self.port = host, int(self._server.effective_port)
        self._thread: threading.Thread | None = None

    @classmethod
    def for_app(cls, app: App, signing_secret: str, host: str = "0.0.0.0", port: int = 3000, *,
                in_flight: InFlight | None = None, **kwargs) -> SlackHTTPServer:
        server = cls(host, port, **kwargs)
        server.attach(app, signing_secret, in_flight)
        return server

    @property
    def routes(self) -> dict:
        """GET path -> handler(environ) -> Response: add routes here (e.g. `/metrics`)."""
        return self.wsgi.routes

    def attach(self, app: App, signing_secret: str, in_flight: InFlight | None = None) -> None:
        self.wsgi.attach(BoltTarget(app, signing_secret, in_flight))

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> SlackHTTPServer:
        self._thread = threading.Thread(target=self._server.run, daemon=True, name=f"slack-http-{self.port}")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Let the workers finish (pending requests are cancelled), then close every connection from the
        I/O thread, which then leaves its loop. In that order: a worker that finished after the close would
        write to the closed wake-up pipe, whose file descriptor may already belong to something else."""
        from waitress import wasyncore

        server = self._server
        server.task_dispatcher.shutdown(timeout=5)
        if self._thread is not None and self._thread.is_alive():
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
            self._thread.join(timeout=5)
        else:
            wasyncore.close_all(server._map)
