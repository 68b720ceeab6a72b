"""A fake Slack Web API on 127.0.0.1, plus a client that sends signed events to the bot.

FakeSlack records every call (method, arguments, headers) and answers the methods the bot uses:
`oauth.v2.access` (for workspaces set up with `workspace(team, code)`), `auth.test` (for each bot token),
`chat.postMessage`, `chat.getPermalink`, `reactions.add`/`remove`, `views.publish`, `conversations.info`,
`conversations.history`, `users.info`, `response_url` posts (under /response/…), and
file uploads the way `files_upload_v2` makes them: `files.getUploadURLExternal` hands out an upload URL on
this server (/upload/F…), the bytes are POSTed there, and `files.completeUploadExternal` shares the uploaded
file in a channel or thread (`fake.files`: one dict per shared file, with its bytes). It can be told to
answer a method with a Slack error (`fail`) or with HTTP 429 and `Retry-After` (`rate_limit`).
Point the app at it with `SLACK_API_URL=fake.api_url`. `apps.connections.open` (Socket Mode) is refused
unless `socket_mode(url, app_token)` was called: then that app token gets `url` (see fake_socket_mode.py).

SlackEvents sends real HTTP requests signed the way Slack signs them (`v0:` HMAC-SHA256 of
`v0:{timestamp}:{body}` with the signing secret) to the bot's HTTP server.

Tests wait with `fake.wait_for(predicate, timeout)`, polling the recorded calls against a deadline.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import http.client
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOT_TOKEN = "xoxb-test-0000-briefbot"
SIGNING_SECRET = "test-signing-secret-8f1c2"
TEAM = "T0TEST"
BOT_USER = "U0BRIEFBOT"
BOT_ID = "B0BRIEFBOT"
JSON_FIELDS = {"blocks", "attachments", "view", "metadata", "files"}
CLIENT_ID = "1111.2222"  # the app's OAuth client id and secret, for oauth.v2.access
CLIENT_SECRET = "test-client-secret-5e7a"


@dataclass(frozen=True)
class Call:
    method: str  # "chat.postMessage", or "response" for response_url posts
    args: dict
    headers: dict = field(default_factory=dict)
    path: str = ""
    status: int = 200
    ok: bool = True  # False for a Slack error or a 429: Slack did not do it


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path)
        fake = self.server.fake
        if path.path.startswith("/upload/"):
            status = fake._receive_upload(path.path.rsplit("/", 1)[-1], raw)
            fake._record(Call("upload", {"file_id": path.path.rsplit("/", 1)[-1], "length": len(raw)},
                              dict(self.headers), path.path, status=status, ok=status == 200))
            body = f"OK - {len(raw)}" if status == 200 else "unknown upload"
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        args = _parse(raw, self.headers.get("Content-Type") or "", path.query)
        if path.path.startswith("/response/"):
            fake._record(Call("response", args, dict(self.headers), path.path))
            self._json(200, {"ok": True})
            return
        method = path.path.rsplit("/", 1)[-1]
        call = Call(method, args, dict(self.headers), path.path)
        status, body, headers = fake._answer(call)
        fake._record(dataclasses.replace(call, status=status, ok=status == 200 and bool(body.get("ok"))))
        self._json(status, body, headers)

    do_GET = do_POST

    def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


def _parse(raw: bytes, content_type: str, query: str) -> dict:
    args: dict = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    if "json" in content_type and raw:
        args.update(json.loads(raw))
    elif raw:
        args.update({k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode()).items()})
    for key in JSON_FIELDS:
        if isinstance(args.get(key), str):
            try:
                args[key] = json.loads(args[key])
            except ValueError:
                pass
    return args


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSlack


class FakeSlack:
    """A fake Slack Web API on 127.0.0.1 that records every call.

    `threads=True` (default) keeps a log of accepted messages and answers `conversations.replies` from it
    (with message metadata when `include_all_metadata` is asked for), as Slack documents it; with
    `threads=False` that method is unknown, like a Slack that cannot say what a thread holds.
    `on_post(n)` is called when the n-th message is accepted, before the poster hears back;
    `on_receive(n)` when the n-th `chat.postMessage` arrives, before it is accepted. `post_delay` seconds
    pass between accepting a message and answering (a slow Slack widens the window a crash can hit).
    """

    def __init__(self, *, threads: bool = True, port: int = 0) -> None:
        self.threads = threads
        self.messages: list[dict] = []
        self.on_post: Callable[[int], None] | None = None
        self.on_receive: Callable[[int], None] | None = None
        self.post_delay = 0.0
        self._received = 0
        self.calls: list[Call] = []
        self.channels: dict[str, dict] = {}  # id → conversations.info "channel" fields
        self.files: list[dict] = []  # files shared by files.completeUploadExternal, with their bytes
        self._uploads: dict[str, dict] = {}  # file id → {"filename", "length", "data" (once uploaded)}
        self._file_ids = itertools.count(1)
        self.socket_url: str | None = None  # what apps.connections.open answers, once socket_mode() is called
        self.app_token: str | None = None
        self._failures: dict[str, list[tuple[str, str | None]]] = {}
        self._rate_limits: dict[str, list[float]] = {}
        self._server_errors: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        # bot token -> the workspace it belongs to (auth.test answers from here); OAuth adds more
        self.tokens: dict[str, dict] = {BOT_TOKEN: {"team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID}}
        self._codes: dict[str, dict] = {}  # OAuth code -> the install it stands for (used once)
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.fake = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name=f"fake-slack-{self.port}")

    # -- lifecycle ----------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- configuration ------------------------------------------------------------------------------

    def fail(self, method: str, error: str, *, times: int = 1, channel: str | None = None) -> None:
        """Answer the next `times` calls of `method` (optionally only for `channel`) with `error`."""
        with self._lock:
            self._failures.setdefault(method, []).extend([(error, channel)] * times)

    def rate_limit(self, method: str, *, times: int = 1, retry_after: float = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and `Retry-After`."""
        with self._lock:
            self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def server_error(self, method: str, *, times: int = 1, status: int = 503) -> None:
        """Answer the next `times` calls of `method` with HTTP `status` (Slack having a bad moment)."""
        with self._lock:
            self._server_errors.setdefault(method, []).extend([status] * times)

    def socket_mode(self, url: str, app_token: str) -> None:
        """Accept `app_token` (and only it) for `apps.connections.open` and answer with `url`."""
        self.socket_url, self.app_token = url, app_token

    def workspace(self, team_id: str, code: str) -> str:
        """A workspace whose admin approves the install: Slack would redirect with `code`, which
        `oauth.v2.access` (with the app's client id and secret) trades once for the returned bot token."""
        token = f"xoxb-{team_id.lower()}-{code}"
        self._codes[code] = {"team_id": team_id, "token": token, "user_id": f"U{team_id[1:]}BOT",
                             "bot_id": f"B{team_id[1:]}BOT"}
        return token

    def team_of(self, call: Call) -> str | None:
        """The workspace whose bot token authorized `call`."""
        auth = call.headers.get("Authorization") or call.headers.get("authorization") or ""
        return (self.tokens.get(auth.removeprefix("Bearer ")) or {}).get("team_id")

    def revoke(self, token: str) -> None:
        """The workspace uninstalled the app: its token is refused from now on."""
        self.tokens.pop(token, None)

    def channel(self, channel_id: str, **info) -> None:
        """Describe a conversation for conversations.info (is_private=True, is_im=True, ...)."""
        self.channels[channel_id] = info

    # -- answers ------------------------------------------------------------------------------------

    def _answer(self, call: Call) -> tuple[int, dict, dict]:
        auth = call.headers.get("Authorization") or call.headers.get("authorization") or ""
        if call.method == "oauth.v2.access":
            return 200, self._oauth_v2_access(auth, call.args), {}
        if call.method == "apps.connections.open" and self.socket_url is not None:
            valid = auth == f"Bearer {self.app_token}"  # Socket Mode wants the app-level token
        else:
            valid = auth.removeprefix("Bearer ") in self.tokens
        if not valid:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        with self._lock:
            errors = self._server_errors.get(call.method)
            if errors:
                return errors.pop(0), {"ok": False, "error": "service_unavailable"}, {}
            limits = self._rate_limits.get(call.method)
            if limits:
                wait = limits.pop(0)
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(int(wait))}
            queue = self._failures.get(call.method) or []
            for i, (error, channel) in enumerate(queue):
                if channel is None or call.args.get("channel") == channel:
                    queue.pop(i)
                    return 200, {"ok": False, "error": error}, {}
        handler = getattr(self, "_m_" + call.method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        if call.method == "auth.test":
            return 200, handler(self.tokens[auth.removeprefix("Bearer ")]), {}
        return 200, handler(call.args), {}

    def _oauth_v2_access(self, auth: str, args: dict) -> dict:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if auth != expected:
            return {"ok": False, "error": "invalid_client_id"}
        with self._lock:
            install = self._codes.pop(str(args.get("code")), None)
        if install is None:
            return {"ok": False, "error": "invalid_code"}
        self.tokens[install["token"]] = {k: install[k] for k in ("team_id", "user_id", "bot_id")}
        return {"ok": True, "app_id": "A0BRIEFBOT", "access_token": install["token"], "token_type": "bot",
                "scope": "chat:write,reactions:write", "bot_user_id": install["user_id"],
                "team": {"id": install["team_id"], "name": f"Workspace {install['team_id']}"},
                "enterprise": None, "is_enterprise_install": False,
                "authed_user": {"id": "U0ADMIN"}}

    def _m_auth_test(self, who: dict) -> dict:
        return {"ok": True, "url": "https://briefbot-test.slack.com/", "team": "Test", "user": "briefbot",
                "team_id": who["team_id"], "user_id": who["user_id"], "bot_id": who["bot_id"],
                "is_enterprise_install": False}

    def _m_apps_connections_open(self, args: dict) -> dict:
        if self.socket_url is None:
            return {"ok": False, "error": "not_allowed_token_type"}  # a bot token, and no Socket Mode set up
        return {"ok": True, "url": self.socket_url}

    def _m_chat_postMessage(self, args: dict) -> dict:
        with self._lock:
            self._received += 1
            received = self._received
        if self.on_receive is not None:
            self.on_receive(received)
        ts = f"1761552000.{next(self._ts):06d}"
        with self._lock:
            self.messages.append({"channel": args.get("channel"), "thread_ts": args.get("thread_ts"), "ts": ts,
                                  "text": args.get("text"), "metadata": args.get("metadata")})
            n = len(self.messages)
        if self.on_post is not None:
            self.on_post(n)
        if self.post_delay:
            time.sleep(self.post_delay)
        return {"ok": True, "channel": args.get("channel"), "ts": ts,
                "message": {"text": args.get("text"), "ts": ts, "bot_id": BOT_ID}}

    def _m_conversations_replies(self, args: dict) -> dict:
        if not self.threads:
            return {"ok": False, "error": "unknown_method"}
        channel, ts = args.get("channel"), args.get("ts")
        with_metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
        with self._lock:
            replies = [m for m in self.messages if m["channel"] == channel and m["thread_ts"] == ts]
        out = [{"type": "message", "ts": ts, "thread_ts": ts, "text": "(the parent message)"}]
        for m in replies:
            item = {"type": "message", "ts": m["ts"], "thread_ts": ts, "text": m["text"], "bot_id": BOT_ID}
            if with_metadata and m["metadata"]:
                item["metadata"] = m["metadata"]
            out.append(item)
        return {"ok": True, "messages": out, "has_more": False}

    def _m_conversations_history(self, args: dict) -> dict:
        """Top-level messages of a channel, newest first, `limit` per page with a `next_cursor`."""
        if not self.threads:
            return {"ok": False, "error": "unknown_method"}
        channel = args.get("channel")
        with_metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
        limit = int(args.get("limit") or 100)
        start = int(args.get("cursor") or 0)
        with self._lock:
            top = [m for m in reversed(self.messages) if m["channel"] == channel and not m["thread_ts"]]
        page = top[start:start + limit]
        out = []
        for m in page:
            item = {"type": "message", "ts": m["ts"], "text": m["text"], "bot_id": BOT_ID}
            if with_metadata and m["metadata"]:
                item["metadata"] = m["metadata"]
            out.append(item)
        more = start + limit < len(top)
        return {"ok": True, "messages": out, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _m_chat_getPermalink(self, args: dict) -> dict:
        ts = str(args.get("message_ts", "")).replace(".", "")
        return {"ok": True, "channel": args.get("channel"),
                "permalink": f"https://briefbot-test.slack.com/archives/{args.get('channel')}/p{ts}"}

    def _m_reactions_add(self, args: dict) -> dict:
        return {"ok": True}

    def _m_reactions_remove(self, args: dict) -> dict:
        return {"ok": True}

    def _m_views_publish(self, args: dict) -> dict:
        return {"ok": True, "view": {**(args.get("view") or {}), "id": "V0HOME"}}

    def _m_conversations_info(self, args: dict) -> dict:
        channel = args.get("channel")
        info = self.channels.get(channel)
        if info is None:
            info = {"is_private": False, "is_im": False, "is_mpim": False}
        if info.get("missing"):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel, "is_channel": not info.get("is_im"), **info}}

    def _m_files_getUploadURLExternal(self, args: dict) -> dict:  # noqa: N802 - Slack's method name
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F0IMG{next(self._file_ids):04d}"
        with self._lock:
            self._uploads[file_id] = {"filename": args["filename"], "length": int(args["length"]),
                                      "alt_txt": args.get("alt_txt")}
        return {"ok": True, "file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}

    def _receive_upload(self, file_id: str, data: bytes) -> int:
        with self._lock:
            upload = self._uploads.get(file_id)
            if upload is None or upload["length"] != len(data):
                return 400
            upload["data"] = data
        return 200

    def _m_files_completeUploadExternal(self, args: dict) -> dict:  # noqa: N802 - Slack's method name
        shared = []
        with self._lock:
            for item in args.get("files") or []:
                upload = self._uploads.get(item.get("id"))
                if upload is None or "data" not in upload:
                    return {"ok": False, "error": "file_not_found"}
                shared.append({"id": item["id"], "title": item.get("title"), "name": upload["filename"],
                               "alt_txt": upload["alt_txt"], "channel": args.get("channel_id"),
                               "thread_ts": args.get("thread_ts"), "data": upload["data"]})
            self.files += shared
        return {"ok": True, "files": [{k: v for k, v in f.items() if k != "data"} for f in shared]}

    def _m_users_info(self, args: dict) -> dict:
        return {"ok": True, "user": {"id": args.get("user"), "name": "reader", "tz": "UTC", "is_bot": False}}

    # -- what happened ------------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def calls_to(self, method: str, **match) -> list[Call]:
        with self._lock:
            calls = [c for c in self.calls if c.method == method]
        return [c for c in calls if all(c.args.get(k) == v for k, v in match.items())]

    def posts(self, channel: str | None = None, thread_ts: str | None = None) -> list[Call]:
        """Messages Slack accepted (refused attempts are in `calls`)."""
        out = [c for c in self.calls_to("chat.postMessage") if c.ok]
        if channel is not None:
            out = [c for c in out if c.args.get("channel") == channel]
        if thread_ts is not None:
            out = [c for c in out if c.args.get("thread_ts") == thread_ts]
        return out

    def wait_for(self, predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.02):
        """Poll `predicate` until it returns something truthy; AssertionError at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                with self._lock:
                    seen = [(c.method, c.args.get("channel"), c.args.get("thread_ts")) for c in self.calls]
                raise AssertionError(f"condition not met within {timeout}s; calls: {seen}")
            time.sleep(interval)


# -- signed requests to the bot -------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    body: str
    elapsed: float

    def json(self):
        return json.loads(self.body) if self.body else None


class SlackEvents:
    """Sends what Slack would send to the bot's `POST /slack/events`, signed with `secret`."""

    def __init__(self, base_url: str, secret: str = SIGNING_SECRET, team: str = TEAM):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.secret = secret
        self.team = team
        self._ids = itertools.count(1)
        self._ts = itertools.count(1)

    def new_ts(self) -> str:
        return f"1761555600.{next(self._ts):06d}"

    def post(self, body: str, content_type: str, *, timestamp: int | None = None, secret: str | None = None,
             headers: dict | None = None) -> Reply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        hdrs = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(secret or self.secret, ts, body),
            **(headers or {}),
        }
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        start = time.perf_counter()
        try:
            conn.request("POST", "/slack/events", body=body.encode(), headers=hdrs)
            resp = conn.getresponse()
            data = resp.read().decode()
            return Reply(resp.status, data, time.perf_counter() - start)
        finally:
            conn.close()

    def event_body(self, event: dict, *, event_id: str | None = None) -> str:
        return json.dumps({
            "token": "legacy-unused",
            "team_id": self.team,
            "api_app_id": "A0BRIEFBOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team, "user_id": BOT_USER, "is_bot": True}],
        })

    def event(self, event: dict, *, event_id: str | None = None, retry: int | None = None, **kw) -> Reply:
        headers = {}
        if retry:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(self.event_body(event, event_id=event_id), "application/json", headers=headers, **kw)

    def message(self, text: str, *, channel: str = "C0NEWS", channel_type: str = "channel", user: str = "U0READER",
                ts: str | None = None, **extra) -> dict:
        """A `message` event dict (not sent)."""
        return {"type": "message", "channel": channel, "channel_type": channel_type, "user": user,
                "text": text, "ts": ts or self.new_ts(), "team": self.team, **extra}

    def command(self, text: str, *, command: str = "/brief", channel: str = "C0NEWS", user: str = "U0READER",
                response_url: str = "http://127.0.0.1:9/response/x", channel_name: str = "news") -> Reply:
        body = urllib.parse.urlencode({
            "token": "legacy-unused", "team_id": self.team, "channel_id": channel, "channel_name": channel_name,
            "user_id": user, "command": command, "text": text, "response_url": response_url,
            "trigger_id": f"trig{next(self._ids)}", "api_app_id": "A0BRIEFBOT",
        })
        return self.post(body, "application/x-www-form-urlencoded")

    def interactive(self, payload: dict) -> Reply:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")


# -- a running bot against the fake, for tests -------------------------------------------------------------

import pytest  # noqa: E402 - the harness below is optional for users of FakeSlack alone


@dataclass
class SlackBot:
    """The whole bot running in-process: services, bolt app, HTTP server on 127.0.0.1, workers."""

    fake: FakeSlack
    services: object
    runtime: object
    server: object
    events: SlackEvents

    @property
    def app(self):
        return self.runtime.app

    @property
    def ctx(self):
        return self.runtime.ctx

    @property
    def store(self):
        return self.services.store


def slack_settings(settings, fake: FakeSlack, **overrides):
    return dataclasses.replace(settings, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                               slack_api_url=fake.api_url, **overrides)


def start_bot(settings, clock, fake: FakeSlack, *, workers: int = 2, start: bool = True) -> SlackBot:
    from bot.services import build_services
    from bot.slack.runtime import SlackRuntime

    services = build_services(slack_settings(settings, fake, workers=workers), clock=clock)
    runtime = SlackRuntime(services, poll_seconds=0.1)
    server = runtime.serve_http("127.0.0.1", 0)
    if start:
        runtime.start(digests=False)
    return SlackBot(fake, services, runtime, server, SlackEvents(server.url))


def stop_bot(bot: SlackBot) -> None:
    bot.runtime.stop(timeout=5)
    bot.services.close()


@pytest.fixture
def fake_slack():
    fake = FakeSlack().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def slack_bot(settings, clock, fake_slack):
    bot = start_bot(settings, clock, fake_slack)
    try:
        yield bot
    finally:
        stop_bot(bot)
