"""Issue 14, finding 2: the HTTP server holds against clients that lie about lengths, never finish, or
never speak. Each request gets a status (400/408/413/414/431), idle connections cost no thread, and the
server keeps answering Slack afterwards. Real sockets on 127.0.0.1 against the whole bot."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time

import pytest

from tests.helpers.fake_slack import fake_slack, start_bot, stop_bot  # noqa: F401 - fixture
from tests.helpers.raw_http import send_raw, trickle

HEAD = b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


@pytest.fixture
def bot(settings, clock, fake_slack):  # noqa: F811
    bot = start_bot(dataclasses.replace(settings, http_timeout=1.5, http_threads=2), clock, fake_slack)
    yield bot
    stop_bot(bot)


def _still_serving(bot) -> None:
    """After the attack, a signed Slack event is acknowledged as usual."""
    reply = bot.events.event(bot.events.message("just chatting"))
    assert reply.status == 200


@pytest.mark.parametrize("length", [b"-1", b"abc", b"1e3", b" "])
def test_a_content_length_that_is_not_a_size_is_a_400_not_a_read_until_close(bot, length):
    # The old server read a negative length "until close" (RSS grew by the whole upload) and raised on
    # "abc"; here the head alone decides, before any of the 4 MB that follow is buffered.
    reply = send_raw(bot.server.port, HEAD + b"Content-Length: " + length + b"\r\n\r\n",
                     then=b"x" * 65536, then_bytes=4 * 1024 * 1024, timeout=10)
    assert reply.status == 400, reply
    _still_serving(bot)


def test_a_body_over_1_mb_is_a_413_whether_declared_or_chunked(bot):
    declared = send_raw(bot.server.port, HEAD + b"Content-Length: 2000000\r\n\r\n",
                        then=b"x" * 65536, then_bytes=2_000_000)
    assert declared.status == 413
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
    chunked = send_raw(bot.server.port, HEAD + b"Transfer-Encoding: chunked\r\n\r\n",
                       then=chunk, then_bytes=40 * len(chunk))
    assert chunked.status == 413
    _still_serving(bot)


def test_a_request_line_of_70_kb_is_a_414_and_a_huge_head_a_431(bot):
    line = send_raw(bot.server.port, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert line.status == 414
    head = send_raw(bot.server.port, b"GET /healthz HTTP/1.1\r\n" + b"X-Pad: " + b"b" * 40_000 + b"\r\n\r\n")
    assert head.status == 431
    _still_serving(bot)


def test_tls_or_binary_bytes_get_a_400_at_once(bot):
    client_hello = bytes.fromhex("160301020001000200030300") + b"\x00" * 200
    reply = send_raw(bot.server.port, client_hello, timeout=5)
    assert reply.status == 400 and reply.elapsed < 1.0
    _still_serving(bot)


def test_slowloris_gets_a_408_within_the_deadline_while_slack_is_served(bot):
    # Headers one line every 0.4 s never finish; the server's deadline (1.5 s here) answers 408 — the old
    # server had no timeout at all. Meanwhile Slack's requests are acknowledged as usual.
    parts = [b"POST /slack/events HTTP/1.1\r\n"] + [b"X-Slow-%d: 1\r\n" % i for i in range(30)]
    replies: list = []
    slow = [threading.Thread(target=lambda: replies.append(trickle(bot.server.port, parts, every=0.4, timeout=8)))
            for _ in range(10)]
    for thread in slow:
        thread.start()
    time.sleep(0.3)
    _still_serving(bot)
    for thread in slow:
        thread.join(timeout=20)
    assert len(replies) == 10
    assert all(r.status == 408 for r in replies), [r.status for r in replies]
    assert max(r.elapsed for r in replies) < 1.5 + 2.5  # deadline + the maintenance interval + slack


def test_idle_connections_cost_no_thread(bot):
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", bot.server.port)) for _ in range(200)]
    try:
        time.sleep(0.5)
        assert threading.active_count() - before < 5  # the old server started one thread per connection
        _still_serving(bot)
    finally:
        for sock in idle:
            sock.close()
