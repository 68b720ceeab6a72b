"""The bot's WSGI application: a table of GET routes (`/healthz`; others can be added) and `POST
/slack/events`, which hands a request to bolt only once it is known to be a signed, well-formed Slack
payload.

Before bolt sees a request, this checks what bolt would otherwise turn into a 500 and a traceback, each
answered with a status and one log line naming the path, the reason and the size (never the body):
- a timestamp that is not plain ASCII digits (`²` passes `str.isdigit()` and made bolt's verifier raise),
  a signature that is not ASCII (`hmac.compare_digest` raises on it), a bad or stale signature: 401 (bolt's own message would log the whole body);
- a body that is not UTF-8, not JSON, or nested too deeply to parse: 400;
- a signed body that parses but that bolt cannot read (`[]`, `null`): 200 and ignored, so Slack does not
  retry it. Signed payloads with fields of the wrong type are the bolt middleware's (app.py) to drop.
At DEBUG a refused body is logged too (the README says so); at INFO and WARNING never.

Acks first: every request dispatched to bolt is counted in `InFlight`, so the workers yield to it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.slack.payload_shape import kind

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; the server refuses more with a 413
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII only: re's \d and str.isdigit() also take "²" and "٣"
STATUS_TEXT = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
               413: "Content Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, data) -> Response:
        return cls(status, json.dumps(data).encode(), "application/json")

    @classmethod
    def text(cls, status: int, text: str) -> Response:
        return cls(status, text.encode())


Route = Callable[[dict], Response]  # environ -> Response


@dataclass
class BoltTarget:
    """What `POST /slack/events` needs once the bot is connected: the app, its secret, the gate."""

    app: App
    signing_secret: str
    in_flight: object | None = None  # InFlight, counted around each dispatch

    def __post_init__(self) -> None:
        self.verifier = SignatureVerifier(self.signing_secret)


def health_route(health: Callable[[], tuple[int, dict]]) -> Route:
    def healthz(environ: dict) -> Response:
        status, report = health()
        return Response.json(status, report)

    return healthz


class SlackWSGIApp:
    """`routes` maps GET paths to handlers (add more with `add_route`); bolt's OAuth paths are bolt's own
    when the app has an `oauth_flow`; `POST /slack/events` answers 503 until `attach` gives it bolt."""

    def __init__(self, health: Callable[[], tuple[int, dict]]):
        self.routes: dict[str, Route] = {HEALTH_PATH: health_route(health)}
        self.bolt: BoltTarget | None = None

    def add_route(self, path: str, handler: Route) -> None:
        self.routes[path] = handler

    def attach(self, target: BoltTarget) -> None:
        self.bolt = target

    def __call__(self, environ: dict, start_response):
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD") or "GET"
        try:
            if method in ("GET", "HEAD") and self._bolt_oauth_path(path):
                from slack_bolt.adapter.wsgi import SlackRequestHandler

                return SlackRequestHandler(self.bolt.app)(environ, start_response)
            response = self._respond(method, path, environ)
        except Exception as err:  # noqa: BLE001 - one line, never a traceback to the client or the log
            log.error("%s %s failed: %s", method, path[:100], type(err).__name__,
                      exc_info=err if log.isEnabledFor(logging.DEBUG) else None)
            response = Response.text(500, "internal error")
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                   *response.headers]
        start_response(f"{response.status} {STATUS_TEXT.get(response.status, 'Status')}", headers)
        return [b"" if method == "HEAD" else response.body]

    def _bolt_oauth_path(self, path: str) -> bool:
        flow = self.bolt.app.oauth_flow if self.bolt is not None else None
        return flow is not None and path in (flow.install_path, flow.redirect_uri_path)

    def _respond(self, method: str, path: str, environ: dict) -> Response:
        if path in self.routes:
            if method not in ("GET", "HEAD"):
                return Response(405, b"method not allowed", headers=[("Allow", "GET, HEAD")])
            return self.routes[path](environ)
        if path != EVENTS_PATH:
            return Response.text(404, "not found")
        if method != "POST":
            return Response(405, b"method not allowed", headers=[("Allow", "POST")])
        return self._slack_event(environ, path)

    def _slack_event(self, environ: dict, path: str) -> Response:
        raw = environ["wsgi.input"].read(min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY))
        bolt = self.bolt
        if bolt is None:
            return Response(503, b"starting", headers=[("Retry-After", "5")])

        def refuse(status: int, reason: str) -> Response:
            log.info("refused POST %s: %s (%d bytes)", path, reason, len(raw))
            log.debug("refused body: %r", raw[:2000])
            return Response.json(status, {"error": reason})

        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return refuse(400, "body is not UTF-8")
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        if not TIMESTAMP.fullmatch(timestamp):
            return refuse(401, "timestamp missing or not a number")
        if not signature.isascii() or not bolt.verifier.is_valid(body, timestamp, signature):
            return refuse(401, "invalid or expired signature")
        try:
            request = BoltRequest(body=body, query=environ.get("QUERY_STRING") or "", headers=_headers(environ))
        except (ValueError, RecursionError):
            return refuse(400, "body is not valid JSON or form data")
        except Exception:  # noqa: BLE001 - a signed payload bolt cannot read: Slack must not retry it
            log.warning("ignored a signed Slack payload of the wrong shape: %s (%d bytes)",
                        _top_level_kind(body), len(raw))
            return Response.text(200, "")
        in_flight = bolt.in_flight
        if in_flight is not None:
            in_flight.enter()
        try:
            answer = bolt.app.dispatch(request)
        finally:
            if in_flight is not None:
                in_flight.exit()
        return _from_bolt(answer)


def _headers(environ: dict) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.setdefault(key[5:].lower().replace("_", "-"), []).append(value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            headers.setdefault(key.lower().replace("_", "-"), []).append(value)
    return headers


def _top_level_kind(body: str) -> str:
    """What a signed body bolt could not read is, without quoting it."""
    try:
        value = json.loads(body) if body.lstrip().startswith(("[", "{", "n", "t", "f", '"')) else None
    except (ValueError, RecursionError):
        value = None
    if value is None and "payload=" in body:
        try:
            value = json.loads(dict(parse_qsl(body)).get("payload") or "null")
        except (ValueError, RecursionError):
            value = None
    return f"payload is {kind(value)}"


def _from_bolt(answer) -> Response:
    content_type = "text/plain; charset=utf-8"
    extra: list[tuple[str, str]] = []
    for key, values in (answer.headers or {}).items():
        for value in values:
            if key.lower() == "content-type":
                content_type = value
            elif key.lower() not in ("content-length", "connection"):
                extra.append((key, value))
    return Response(answer.status, (answer.body or "").encode("utf-8"), content_type, extra)
