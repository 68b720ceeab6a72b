"""Raw HTTP on a socket, for requests no HTTP client will send: bad lengths, huge request lines, TLS
bytes, headers trickled in slowly. Loopback only (the conftest guard refuses anything else)."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass


@dataclass
class RawReply:
    status: int | None  # None: the connection closed (or timed out) without a status line
    head: bytes
    elapsed: float


def read_reply(sock: socket.socket, started: float, timeout: float) -> RawReply:
    """Read until the status line and headers are in, the peer closes, or `timeout` passes."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (TimeoutError, ConnectionResetError, BrokenPipeError):
        pass
    match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return RawReply(int(match.group(1)) if match else None, data.split(b"\r\n\r\n")[0], time.monotonic() - started)


def send_raw(port: int, data: bytes, *, timeout: float = 10.0, then: bytes = b"", then_bytes: int = 0) -> RawReply:
    """Send `data`; then, until the server answers, keep sending `then` up to `then_bytes` in all (a body
    that never ends, for lengths the server must not trust). The reply's status, or None."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            sent = 0
            sock.settimeout(timeout)
            while then and sent < then_bytes:
                sock.sendall(then)
                sent += len(then)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the server answered and closed while we were still sending: read what it said
        return read_reply(sock, started, timeout)


def trickle(port: int, parts: list[bytes], *, every: float, timeout: float) -> RawReply:
    """Slowloris: one part every `every` seconds, then wait for an answer."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        for part in parts:
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
            sock.settimeout(every)
            try:
                sock.recv(1, socket.MSG_PEEK)
            except TimeoutError:
                continue
            break  # the server spoke (or closed) before the request was complete
        return read_reply(sock, started, timeout)


def signed_post(port: int, body: bytes, *, secret: str, content_type: str = "application/json",
                signed: bool = True, timestamp: str | None = None, timeout: float = 10.0) -> RawReply:
    """POST /slack/events with Slack's signature headers (or none, `signed=False`), written byte for byte,
    so a test can send bodies no client library would."""
    from tests.helpers.fake_slack import sign

    stamp = timestamp or str(int(time.time()))
    headers = [f"Content-Type: {content_type}", f"X-Slack-Request-Timestamp: {stamp}",
               f"Content-Length: {len(body)}"]
    if signed:
        headers.append(f"X-Slack-Signature: {sign(secret, stamp, body.decode('latin-1'))}")
    head = ("POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "\r\n".join(headers) + "\r\n\r\n").encode("utf-8")
    return send_raw(port, head + body, timeout=timeout)
