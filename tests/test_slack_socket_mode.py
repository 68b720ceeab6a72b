"""`briefbot run` in Socket Mode, end to end: a real process, slack_sdk's builtin client, a real WebSocket.

With SLACK_APP_TOKEN set, `briefbot run` asks `apps.connections.open` (the fake Slack, via SLACK_API_URL)
for a WebSocket URL, which points at FakeSocketMode on 127.0.0.1 (`ws://`: the builtin client uses a
plain socket on any port but 443). From there everything arrives as Socket Mode envelopes: a link message
must be acked within Slack's 3 seconds and briefed in its thread; the same event delivered again (the very
same envelope, then a Slack retry with a new envelope and `retry_attempt`) is acked but never answered
twice; `/brief help` is answered in the ack's response payload; SIGTERM ends the process cleanly; and the
app token never reaches stderr even at DEBUG.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bot.slack import blocks
from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.articles import article_html
from tests.helpers.fake_slack import BOT_TOKEN, SIGNING_SECRET, TEAM, SlackEvents, fake_slack  # noqa: F401
from tests.helpers.fake_socket_mode import FakeSocketMode

ROOT = Path(__file__).resolve().parent.parent
APP_TOKEN = "xapp-1-A0BRIEFBOT-4242-socket-mode-app-token"
ACK_DEADLINE = 3.0  # seconds: Slack redelivers an envelope that is not acked within this


class BotProcess:
    """`python -m bot run`; stderr is drained into `lines` so the pipe never fills."""

    def __init__(self, env: dict, cwd: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=cwd, env=env,
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self._pump = threading.Thread(target=self._drain, daemon=True)
        self._pump.start()

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_line(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} on stderr (exit {self.proc.poll()}):\n{self.stderr[-3000:]}")
            time.sleep(0.02)

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self._pump.join(timeout=10)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)


def _env(tmp_path: Path, api_url: str) -> dict:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {**keep, "PYTHONPATH": str(ROOT), "BRIEFBOT_DB": str(tmp_path / "socket.db"),
            "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url, "BRIEFBOT_FETCH_ALLOW": "127.0.0.1", "BRIEFBOT_LOG_LEVEL": "DEBUG",
            "PORT": "0", "BRIEFBOT_HOST": "127.0.0.1",
            "BRIEFBOT_WORKERS": "2"}


def _jobs(db: Path) -> list[tuple]:
    """The durable queue as the bot left it (read-only; only storage/ writes)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("select channel, message_ts, source, state from jobs order by id").fetchall()
    finally:
        conn.close()


def _briefs(fake, channel: str, thread_ts: str) -> list:
    return [c for c in fake.posts(channel, thread_ts)
            if c.args.get("blocks") and c.args["blocks"][0]["type"] == "header"]


def test_socket_mode_briefs_a_link_once_answers_help_and_stops_cleanly(tmp_path, fake_slack,  # noqa: F811
                                                                        article_server):  # noqa: F811
    article_server.html("/plan", article_html(3))
    url = article_server.url("/plan")
    events = SlackEvents(fake_slack.api_url)  # builds payloads only: nothing is POSTed in Socket Mode
    event = events.message(f"Worth a read <{url}|pumping station plan>")
    callback = json.loads(events.event_body(event))  # the HTTP body, which Socket Mode carries as payload
    started = time.monotonic()
    with FakeSocketMode() as socket_mode:
        fake_slack.socket_mode(socket_mode.url, APP_TOKEN)
        bot = BotProcess(_env(tmp_path, fake_slack.api_url), tmp_path)
        try:
            bot.wait_line("connected in Socket Mode", timeout=60)
            socket_mode.wait_connected(timeout=10)
            # Socket Mode has no events endpoint, but /healthz is served on PORT for the container's check.
            (health_port,) = [int(m.group(1)) for line in bot.lines
                              if (m := re.search(r"GET /healthz on 127\.0\.0\.1:(\d+)", line))]
            with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/healthz", timeout=10) as reply:
                assert reply.status == 200 and json.loads(reply.read())["ok"] is True
            (opened,) = fake_slack.calls_to("apps.connections.open")
            assert opened.ok and opened.headers.get("Authorization") == f"Bearer {APP_TOKEN}"
            assert socket_mode.handshakes[0].path.startswith("/link/?ticket=fake-ticket")

            # The link: acked at once with the bare envelope_id, then briefed in the message's thread.
            first = socket_mode.send_event(callback)
            ack = socket_mode.wait_for_ack(first, timeout=ACK_DEADLINE + 5)
            ack_seconds = socket_mode.ack_seconds(ack)
            assert ack.message == {"envelope_id": first}
            assert ack_seconds < ACK_DEADLINE
            (brief,) = fake_slack.wait_for(lambda: _briefs(fake_slack, "C0NEWS", event["ts"]), timeout=60)
            header = brief.args["blocks"][0]["text"]["text"]
            assert "backs plan number 4" in header, header  # the title of article_html(3)
            assert brief.args["channel"] == "C0NEWS" and brief.args["thread_ts"] == event["ts"]

            # Slack delivers the same event again: the very same envelope, then a retry in a new one.
            socket_mode.send_event(callback, envelope_id=first)
            socket_mode.wait_for_ack(first, count=2, timeout=ACK_DEADLINE + 5)
            retry = socket_mode.send_event(callback, retry_attempt=1, retry_reason="timeout")
            retry_ack = socket_mode.wait_for_ack(retry, timeout=ACK_DEADLINE + 5)
            assert retry_ack.message == {"envelope_id": retry}

            # /brief help is answered in the ack itself, as the envelope's response payload.
            command = socket_mode.send_command({
                "token": "legacy-unused", "team_id": TEAM, "team_domain": "briefbot-test", "channel_id": "C0NEWS",
                "channel_name": "news", "user_id": "U0READER", "user_name": "reader", "command": "/brief",
                "text": "help", "api_app_id": "A0BRIEFBOT", "is_enterprise_install": "false",
                "response_url": fake_slack.response_url("help"), "trigger_id": "trig-help"})
            help_ack = socket_mode.wait_for_ack(command, timeout=ACK_DEADLINE + 5)
            assert socket_mode.ack_seconds(help_ack) < ACK_DEADLINE
            assert help_ack.payload["text"] == blocks.help_message().text
            assert "/brief" in help_ack.payload["text"] and help_ack.payload["blocks"]

            # Every job row is written before its ack: once none is queued or running, any second
            # reply would already be in the fake Slack.
            db = tmp_path / "socket.db"
            jobs = fake_slack.wait_for(
                lambda: (rows := _jobs(db)) and all(r[3] in ("done", "failed") for r in rows) and rows)
            assert jobs == [("C0NEWS", event["ts"], url, "done")]
            assert len(fake_slack.posts("C0NEWS", event["ts"])) == 1
            assert article_server.count("/plan") == 1
            assert not socket_mode.protocol_errors
        finally:
            code = bot.stop()
        elapsed = time.monotonic() - started
        stderr = bot.stderr
        assert code == 0, stderr[-3000:]
        socket_mode.wait_for(lambda: not socket_mode.live(), timeout=10)  # the bot closed its socket
    _assert_clean(stderr)
    print(f"socket mode e2e: first ack {ack_seconds * 1000:.0f} ms, whole test {elapsed:.1f} s")


def test_socket_mode_retries_a_refused_handshake_and_follows_a_disconnect(tmp_path, fake_slack,  # noqa: F811
                                                                           article_server):  # noqa: F811
    """The first WebSocket handshake is refused (HTTP 503): `run` says it is not connected (rather than
    claiming it is) and keeps going; slack_sdk's monitor fetches a new URL and connects (~10 s). Slack then
    sends `disconnect` (its routine connection refresh): the client opens a new connection, drops the old
    one, and events delivered on the new one are still briefed."""
    article_server.html("/later", article_html(7))
    url = article_server.url("/later")
    events = SlackEvents(fake_slack.api_url)  # builds payloads only
    event = events.message(f"<{url}>")
    started = time.monotonic()
    with FakeSocketMode(refuse=1) as socket_mode:
        fake_slack.socket_mode(socket_mode.url, APP_TOKEN)
        bot = BotProcess(_env(tmp_path, fake_slack.api_url), tmp_path)
        try:
            bot.wait_line("Socket Mode WebSocket not open yet; retrying", timeout=60)
            assert socket_mode.refused == 1 and not socket_mode.handshakes
            assert not any("connected in Socket Mode" in line for line in bot.lines)
            socket_mode.wait_connected(timeout=30)  # slack_sdk checks every 10 s (bolt's ping_interval)

            socket_mode.send({"type": "disconnect", "reason": "refresh_requested",
                              "debug_info": {"host": "fake-socket-mode"}})
            socket_mode.wait_for(lambda: len(socket_mode.handshakes) == 2 and len(socket_mode.live()) == 1,
                                 timeout=15)
            assert len(fake_slack.calls_to("apps.connections.open")) == 3  # a fresh URL for every attempt

            delivered = socket_mode.send_event(json.loads(events.event_body(event)))
            ack = socket_mode.wait_for_ack(delivered, timeout=ACK_DEADLINE + 5)
            assert ack.message == {"envelope_id": delivered} and socket_mode.ack_seconds(ack) < ACK_DEADLINE
            (brief,) = fake_slack.wait_for(lambda: _briefs(fake_slack, "C0NEWS", event["ts"]), timeout=60)
            assert "backs plan number 8" in brief.args["blocks"][0]["text"]["text"]  # article_html(7)
        finally:
            code = bot.stop()
        stderr = bot.stderr
        assert code == 0, stderr[-3000:]
    assert "status: 503" in stderr  # control: slack_sdk saw the refusal
    _assert_clean(stderr)
    print(f"socket mode reconnect: {time.monotonic() - started:.1f} s")


def _assert_clean(stderr: str) -> None:
    """No traceback, and neither token (nor the app token's secret tail) anywhere, even at DEBUG."""
    assert "Traceback" not in stderr, stderr[-3000:]
    assert APP_TOKEN not in stderr and BOT_TOKEN not in stderr
    assert APP_TOKEN.split("-", 2)[2] not in stderr


def test_fake_socket_mode_speaks_rfc6455_to_a_raw_client():
    """The fake itself, from a raw socket: the RFC's handshake example, hello, masked text in, ping/pong,
    and an unmasked client frame refused with close 1002."""
    import socket
    import struct

    from tests.helpers.fake_socket_mode import accept_key

    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 §1.3

    def masked(opcode: int, payload: bytes) -> bytes:
        mask = b"\x01\x02\x03\x04"
        return (struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask
                + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def frame(sock_file) -> tuple[int, bytes]:
        b1, b2 = sock_file.read(2)
        n = b2 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", sock_file.read(2))
        assert not b2 & 0x80  # server frames are never masked
        return b1 & 0x0F, sock_file.read(n)

    with FakeSocketMode() as server, socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /link/?ticket=t HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     b"Sec-WebSocket-Version: 13\r\n\r\n")
        reader = sock.makefile("rb")
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += reader.read(1)
        assert head.startswith(b"HTTP/1.1 101 ") and b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
        opcode, data = frame(reader)
        assert opcode == 0x1 and json.loads(data)["type"] == "hello"
        sock.sendall(masked(0x1, b'{"envelope_id": "e1"}'))
        sock.sendall(masked(0x9, b"are you there"))
        assert frame(reader) == (0xA, b"are you there")
        assert server.wait_for_ack("e1").message == {"envelope_id": "e1"}
        sock.sendall(struct.pack("!BB", 0x81, 2) + b"{}")  # unmasked: a protocol error
        opcode, data = frame(reader)
        assert opcode == 0x8 and struct.unpack("!H", data[:2])[0] == 1002
        assert server.protocol_errors == ["unmasked client frame"]
        server.wait_for(lambda: not server.live(), timeout=5)
