"""A fake Slack Socket Mode endpoint: a minimal WebSocket server on 127.0.0.1 for end-to-end tests.

Slack's Socket Mode works like this: the app calls `apps.connections.open` with its app-level token
(`xapp-…`) and gets a WebSocket URL; it connects, Slack sends `{"type": "hello"}`, then delivers each
event, slash command or interaction as an *envelope*
`{"envelope_id", "type": "events_api" | "slash_commands" | "interactive", "payload", "accepts_response_payload"}`
and the app acknowledges it by sending `{"envelope_id": …}` back (with a `payload` when the envelope
accepts a response payload, e.g. a slash command's immediate answer). Point FakeSlack at this server with
`fake_slack.socket_mode(server.url, app_token)` so `apps.connections.open` returns `server.url`.

slack_sdk's builtin client uses a plain (non-TLS) socket whenever the port is not 443, so a `ws://`
URL on a loopback port works without certificates.

What is implemented of RFC 6455, and no more: the opening handshake (`Sec-WebSocket-Accept`), text frames
both ways (client frames must be masked; an unmasked one is a protocol error, answered with close 1002),
fragmented messages, ping → pong with the same payload, and the close handshake. Server frames are never
masked. Every text frame from the client is recorded (`messages`); those with an `envelope_id` are acks.
Tests wait with `wait_for(predicate, timeout)`, polling against a deadline.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
APP_ID = "A0BRIEFBOT"


def accept_key(key: str) -> str:
    """The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key` (RFC 6455 §4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked, final frame, as a server sends it."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


class ProtocolError(Exception):
    """The client broke RFC 6455 (e.g. sent an unmasked frame)."""


@dataclass
class Ack:
    """A text frame from the client carrying an `envelope_id`, with when it arrived."""

    envelope_id: str
    message: dict
    at: float  # time.monotonic()

    @property
    def payload(self) -> dict | None:
        return self.message.get("payload")


@dataclass
class Handshake:
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class _Connection:
    """One accepted WebSocket: the socket plus a send lock (tests send from their own thread)."""

    def __init__(self, sock: socket.socket, number: int) -> None:
        self.sock = sock
        self.number = number
        self.open = True
        self._send_lock = threading.Lock()

    def send_frame(self, opcode: int, payload: bytes) -> None:
        with self._send_lock:
            self.sock.sendall(encode_frame(opcode, payload))

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the close handshake; the reader thread ends the connection when the client answers."""
        if self.open:
            try:
                self.send_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode())
            except OSError:
                pass

    def drop(self) -> None:
        self.open = False
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        fake = self.server.fake
        handshake = self._handshake()
        if handshake is None:
            return
        conn = fake._opened(self.request, handshake)
        try:
            self._frames(fake, conn)
        except (OSError, ProtocolError, ConnectionError):
            pass
        finally:
            fake._closed(conn)

    def _handshake(self) -> Handshake | None:
        line = self.rfile.readline(8192).decode("latin-1").strip()
        parts = line.split()
        headers: dict[str, str] = {}
        while True:
            raw = self.rfile.readline(8192)
            if not raw or raw in (b"\r\n", b"\n"):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        key = headers.get("sec-websocket-key")
        upgrade_ok = headers.get("upgrade", "").lower() == "websocket" and "upgrade" in headers.get(
            "connection", "").lower()
        if len(parts) != 3 or parts[0] != "GET" or not key or not upgrade_ok or headers.get(
                "sec-websocket-version") != "13":
            self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return None
        if self.server.fake._refuse_this_one():
            self.wfile.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return None
        self.wfile.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n").encode())
        self.wfile.flush()
        return Handshake(parts[1], headers)

    def _read(self, n: int) -> bytes:
        data = self.rfile.read(n)
        if len(data) < n:
            raise ConnectionError("client went away mid-frame")
        return data

    def _frames(self, fake: FakeSocketMode, conn: _Connection) -> None:
        pieces: list[bytes] = []
        while conn.open:
            b1, b2 = self._read(2)
            opcode, fin = b1 & 0x0F, b1 & 0x80
            n = b2 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._read(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._read(8))
            if not b2 & 0x80:
                fake.protocol_errors.append("unmasked client frame")
                conn.close(1002, "client frames must be masked")
                raise ProtocolError("unmasked client frame")
            mask = self._read(4)
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(n)))
            if opcode == OP_PING:
                fake.pings += 1
                conn.send_frame(OP_PONG, data)
            elif opcode == OP_PONG:
                fake.pongs += 1
            elif opcode == OP_CLOSE:
                code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
                fake.closes.append(code)
                conn.close(code if code != 1005 else 1000)  # echo, completing the close handshake
                return
            elif opcode in (OP_TEXT, OP_BINARY, OP_CONT):
                pieces.append(data)
                if fin:
                    fake._text(b"".join(pieces).decode("utf-8"))
                    pieces = []


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSocketMode


class FakeSocketMode:
    """Slack's Socket Mode side: accepts connections, says hello, sends envelopes, records acks.

    `hello=False` keeps quiet after the handshake (a Slack that never greets); `refuse=n` answers the first
    n opening handshakes with HTTP 503 (a Slack edge that is down). Envelopes go to the newest open
    connection, as Slack would deliver to one of the app's connections.
    """

    def __init__(self, *, hello: bool = True, refuse: int = 0, app_id: str = APP_ID) -> None:
        self.hello = hello
        self.refuse = refuse
        self.refused = 0
        self.app_id = app_id
        self.handshakes: list[Handshake] = []
        self.messages: list[dict] = []  # every JSON text frame the client sent, in order
        self.acks: list[Ack] = []
        self.sent: dict[str, float] = {}  # envelope_id → when it was last sent (monotonic)
        self.pings = 0
        self.pongs = 0
        self.closes: list[int] = []  # close codes the client sent
        self.protocol_errors: list[str] = []
        self._connections: list[_Connection] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name=f"fake-socket-mode-{self.port}")

    # -- lifecycle ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """What `apps.connections.open` should answer: like Slack's `wss://…/link/?ticket=…`, on loopback."""
        return f"ws://127.0.0.1:{self.port}/link/?ticket=fake-ticket&app_id={self.app_id}"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            conn.drop()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- connections --------------------------------------------------------------------------------

    def _refuse_this_one(self) -> bool:
        with self._lock:
            if self.refused < self.refuse:
                self.refused += 1
                return True
            return False

    def _opened(self, sock: socket.socket, handshake: Handshake) -> _Connection:
        with self._lock:
            self.handshakes.append(handshake)
            conn = _Connection(sock, len(self.handshakes))
            self._connections.append(conn)
        if self.hello:
            conn.send_frame(OP_TEXT, json.dumps({
                "type": "hello", "num_connections": len(self.live()),
                "debug_info": {"host": "fake-socket-mode", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }).encode())
        return conn

    def _closed(self, conn: _Connection) -> None:
        conn.drop()
        with self._lock:
            if conn in self._connections:
                self._connections.remove(conn)

    def live(self) -> list[_Connection]:
        with self._lock:
            return [c for c in self._connections if c.open]

    def wait_connected(self, timeout: float = 10.0, count: int = 1) -> _Connection:
        """The newest open connection once `count` handshakes have completed in total."""
        self.wait_for(lambda: len(self.handshakes) >= count and self.live(), timeout)
        return self.live()[-1]

    def close_connection(self, code: int = 1001, reason: str = "going away") -> None:
        """Server-initiated close of the newest connection (a Slack restart, say)."""
        self._current().close(code, reason)

    def _current(self) -> _Connection:
        live = self.live()
        if not live:
            raise AssertionError("no open Socket Mode connection")
        return live[-1]

    # -- sending ------------------------------------------------------------------------------------

    def send(self, message: dict) -> None:
        """Any JSON message to the newest connection (e.g. `{"type": "disconnect", "reason": "warning"}`)."""
        self._current().send_frame(OP_TEXT, json.dumps(message).encode())

    def send_envelope(self, type_: str, payload: dict, *, envelope_id: str | None = None,
                      accepts_response_payload: bool = False, retry_attempt: int | None = None,
                      retry_reason: str | None = None) -> str:
        """Deliver `payload` wrapped the way Socket Mode wraps it; returns the envelope_id (new unless
        given: pass an old one to redeliver the very same envelope)."""
        envelope_id = envelope_id or f"env-{next(self._ids):04d}-{self.port}"
        envelope: dict = {"envelope_id": envelope_id, "payload": payload, "type": type_,
                          "accepts_response_payload": accepts_response_payload}
        if type_ == "events_api":
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        with self._lock:
            self.sent[envelope_id] = time.monotonic()
        self.send(envelope)
        return envelope_id

    def send_event(self, event_callback: dict, **kw) -> str:
        """An Events API delivery: `event_callback` is the body Slack would POST in HTTP mode."""
        return self.send_envelope("events_api", event_callback, **kw)

    def send_command(self, fields: dict, **kw) -> str:
        """A slash command: `fields` are the form fields Slack would POST in HTTP mode."""
        return self.send_envelope("slash_commands", fields, accepts_response_payload=True, **kw)

    # -- what happened ------------------------------------------------------------------------------

    def _text(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = {"raw": text}
        with self._lock:
            self.messages.append(message)
            if isinstance(message, dict) and message.get("envelope_id"):
                self.acks.append(Ack(message["envelope_id"], message, time.monotonic()))

    def acks_for(self, envelope_id: str) -> list[Ack]:
        with self._lock:
            return [a for a in self.acks if a.envelope_id == envelope_id]

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0, count: int = 1) -> Ack:
        """The `count`-th ack of `envelope_id`, waiting for it."""
        return self.wait_for(lambda: (a := self.acks_for(envelope_id)) and len(a) >= count and a[count - 1],
                             timeout)

    def ack_seconds(self, ack: Ack) -> float:
        """Time from the last send of the envelope to this ack."""
        with self._lock:
            return ack.at - self.sent[ack.envelope_id]

    def wait_for(self, predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.02):
        """Poll `predicate` until it returns something truthy; AssertionError at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout}s; handshakes={len(self.handshakes)} "
                                     f"messages={self.messages[-5:]}")
            time.sleep(interval)
