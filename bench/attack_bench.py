"""Attack the bot's HTTP server on loopback and print what each attack got: request, status, time, RSS.

    .venv/bin/python bench/attack_bench.py [--json]

The bot (SlackRuntime + its HTTP server, default limits) runs in a child process against a fake Slack Web
API of its own, so the RSS column is the server's alone. This process replays issue 14's malformed
requests (bad JSON, `[]`, `null`, `payload=not-json`, 100k-deep JSON, `Content-Length: abc`, a 70 KB
request line, TLS bytes, a `²` timestamp, signed events of the wrong types, unsigned 900 KB bodies) and
slow or greedy clients (50 slowloris connections sending a header line every 2 s, 500 idle connections,
a 100 MB upload with `Content-Length: -1` and one chunked), then measures `/healthz` while the workers
brief four 1 MB pages and a burst of 100 events is acknowledged.

Expected: every malformed request gets a 4xx (or a 200 for a signed payload that is ignored), never a
500 or a dropped connection; slowloris gets 408 within the 10 s deadline; idle connections add no threads;
the server's RSS stays flat through the 100 MB uploads; /healthz answers in < 100 ms under slow and idle
clients and at the median while big pages are briefed. Its tail then is the time a worker holds the
interpreter lock inside one C call of extraction (lxml, regular expressions over a whole page), which
no thread of the same process can pre-empt.

Everything is bounded in count and time and stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.fake_slack import SIGNING_SECRET, SlackEvents  # noqa: E402
from tests.helpers.raw_http import send_raw, trickle  # noqa: E402
from tests.helpers.raw_http import signed_post as raw_signed_post  # noqa: E402

DEEP = "[" * 100_000 + "]" * 100_000


# -- the child: the bot ---------------------------------------------------------------------------------------

def serve(article_allow: str) -> None:
    """Child process: fake Slack + the whole bot on HTTP; prints its URL and pid, runs until stdin closes."""
    import os

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from bot.config import load_settings
    from bot.services import build_services
    from bot.slack.runtime import SlackRuntime
    from tests.helpers.fake_slack import BOT_TOKEN, FakeSlack

    fake = FakeSlack().start()
    tmp = tempfile.mkdtemp(prefix="briefbot-attack-")
    settings = dataclasses.replace(
        load_settings({"BRIEFBOT_DB": f"{tmp}/attack.db"}, dotenv=False),
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.api_url,
        fetch_allow=(article_allow,),
    )
    services = build_services(settings)
    runtime = SlackRuntime(services).start(digests=False)
    server = runtime.serve_http("127.0.0.1", 0)
    print(json.dumps({"url": server.url, "port": server.port, "pid": os.getpid()}), flush=True)
    sys.stdin.read()
    runtime.stop(timeout=30)
    services.close()
    fake.stop()


# -- the attacker ---------------------------------------------------------------------------------------------

class Target:
    def __init__(self, info: dict):
        import psutil

        self.port = info["port"]
        self.url = info["url"]
        self.process = psutil.Process(info["pid"])
        self.events = SlackEvents(self.url)
        self.rows: list[dict] = []

    def rss_mb(self) -> float:
        return self.process.memory_info().rss / 2**20

    def threads(self) -> int:
        return self.process.num_threads()

    def record(self, request: str, status, seconds: float, expect: set, note: str = "") -> None:
        ok = status in expect
        self.rows.append({"request": request, "status": status, "seconds": round(seconds, 3),
                          "rss_mb": round(self.rss_mb(), 1), "ok": ok, "note": note})


def signed_post(target: Target, body: bytes, *, timeout: float = 20.0, **kwargs):
    return raw_signed_post(target.port, body, secret=SIGNING_SECRET, timeout=timeout, **kwargs)


def event_with(target: Target, **fields) -> bytes:
    body = json.loads(target.events.event_body(target.events.message("<http://127.0.0.1:9/story>")))
    for key, value in fields.items():
        if key == "event":
            body["event"] = value
        else:
            body["event"][key] = value
    return json.dumps(body).encode()


def malformed(target: Target) -> None:
    form = "application/x-www-form-urlencoded"
    cases = [
        ("malformed JSON (signed)", b'{"type": "event_callback", ', {}, {400}),
        ("JSON [] (signed)", b"[]", {}, {200}),
        ("JSON null (signed)", b"null", {}, {200}),
        ("payload=not-json (signed)", b"payload=not-json", {"content_type": form}, {400}),
        ("100k-deep JSON (signed)", DEEP.encode(), {}, {400}),
        ("100k-deep JSON (unsigned)", DEEP.encode(), {"signed": False}, {401}),
        ("timestamp '²'", b'{"type": "event_callback"}', {"timestamp": "²"}, {401}),
        ("event is a string (signed)", event_with(target, event="message"), {}, {200}),
        ("event.channel is a dict (signed)", event_with(target, channel={"id": "C1"}), {}, {200}),
        ("event.text is a list (signed)", event_with(target, text=["x"]), {}, {200}),
        ("event.user is a list (signed)", event_with(target, user=["U1"]), {}, {200}),
        ("unsigned 900 KB body", b'{"text": "' + b"x" * 900_000 + b'"}', {"signed": False}, {401}),
        ("replayed request, 10 min old", event_with(target), {"timestamp": str(int(time.time()) - 600)}, {401}),
    ]
    for name, body, kwargs, expect in cases:
        reply = signed_post(target, body, **kwargs)
        target.record(name, reply.status, reply.elapsed, expect)
    raw = [
        ("Content-Length: abc", b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", {400}),
        ("70 KB request line", b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", {414}),
        ("40 KB header", b"GET /healthz HTTP/1.1\r\nX-Pad: " + b"b" * 40_000 + b"\r\n\r\n", {431}),
        ("TLS ClientHello bytes", bytes.fromhex("16030102000100020003030000") + b"\x00" * 300, {400}),
    ]
    for name, data, expect in raw:
        reply = send_raw(target.port, data, timeout=20)
        target.record(name, reply.status, reply.elapsed, expect)


def big_uploads(target: Target) -> dict:
    before = target.rss_mb()
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    reply = send_raw(target.port, head + b"Content-Length: -1\r\n\r\n", then=b"x" * 65536,
                     then_bytes=100 * 2**20, timeout=30)
    target.record("100 MB upload, Content-Length: -1", reply.status, reply.elapsed, {400},
                  f"RSS {before:.0f} -> {target.rss_mb():.0f} MB")
    chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"
    reply = send_raw(target.port, head + b"Transfer-Encoding: chunked\r\n\r\n", then=chunk,
                     then_bytes=100 * len(chunk), timeout=30)
    target.record("100 MB chunked upload", reply.status, reply.elapsed, {413},
                  f"RSS {before:.0f} -> {target.rss_mb():.0f} MB")
    reply = send_raw(target.port, head + b"Content-Length: 104857600\r\n\r\n", then=b"x" * 65536,
                     then_bytes=100 * 2**20, timeout=30)
    target.record("100 MB upload, Content-Length: 104857600", reply.status, reply.elapsed, {413})
    return {"upload_rss_before_mb": round(before, 1), "upload_rss_after_mb": round(target.rss_mb(), 1)}


def health_time(target: Target) -> tuple[int | None, float]:
    reply = send_raw(target.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=20)
    return reply.status, reply.elapsed


def slowloris(target: Target, connections: int = 50, every: float = 2.0) -> None:
    parts = [b"POST /slack/events HTTP/1.1\r\n"] + [b"X-Slow-%d: 1\r\n" % i for i in range(20)]
    replies: list = []
    threads = [threading.Thread(target=lambda: replies.append(trickle(target.port, parts, every=every, timeout=40)))
               for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    status, seconds = health_time(target)
    target.record(f"GET /healthz during slowloris ({connections} conns)", status, seconds, {200})
    ack = target.events.event(target.events.message("chatting during slowloris"))
    target.record("signed event during slowloris", ack.status, ack.elapsed, {200})
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted({r.status for r in replies}, key=str)
    slowest = max((r.elapsed for r in replies), default=time.monotonic() - started)
    all_408 = len(replies) == connections and all(r.status == 408 for r in replies)
    target.record(f"slowloris: {connections} conns, a header line every {every:g} s",
                  408 if all_408 else statuses, slowest, {408}, f"{sum(r.status == 408 for r in replies)} x 408")


def idle(target: Target, connections: int = 500) -> None:
    threads_before = target.threads()
    socks = []
    started = time.monotonic()
    try:
        for _ in range(connections):
            socks.append(socket.create_connection(("127.0.0.1", target.port), timeout=10))
        time.sleep(1.0)
        status, seconds = health_time(target)
        target.record(f"GET /healthz with {connections} idle conns open", status, seconds, {200},
                      f"server threads {threads_before} -> {target.threads()}")
        ack = target.events.event(target.events.message("chatting while idle sockets wait"))
        target.record(f"signed event with {connections} idle conns open", ack.status, ack.elapsed, {200})
        closed = 0
        deadline = time.monotonic() + 20
        for sock in socks:  # the server closes idle connections after its timeout (10 s)
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                closed += sock.recv(1) == b""
            except (TimeoutError, ConnectionResetError):
                closed += 0
        target.record(f"{connections} idle conns: closed by the server", "closed" if closed == connections else closed,
                      time.monotonic() - started, {"closed"}, f"{closed}/{connections} closed")
    finally:
        for sock in socks:
            sock.close()


def health_under_load(target: Target, article_server) -> dict:
    """Four 1 MB pages being briefed and a burst of 100 signed events; /healthz every 50 ms meanwhile."""
    paragraph = ("<p>The council said on Tuesday that the new pumping station would open on Friday, "
                 "October 31, after two years of work, and that water bills would not change this year.</p>")
    for i in range(4):
        article_server.html(f"/big{i}", f"<html><head><title>Big page {i}</title></head><body><article>"
                            + paragraph * (1_000_000 // len(paragraph)) + "</article></body></html>")
    for i in range(4):
        target.events.event(target.events.message(f"<{article_server.url(f'/big{i}')}>"))
    samples: list[float] = []
    statuses: set = set()
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            status, seconds = health_time(target)
            samples.append(seconds * 1000)
            statuses.add(status)
            time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    bodies = [target.events.message(f"<http://127.0.0.1:9/burst{i}>") for i in range(100)]
    started = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        acks = list(pool.map(lambda event: target.events.event(event), bodies))
    burst_seconds = time.monotonic() - started
    time.sleep(max(0.0, 8.0 - burst_seconds))
    stop.set()
    poller.join(timeout=30)
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    worst = ordered[-1]
    target.record(f"GET /healthz x{len(samples)} under load (p50 {p50:.0f} ms)", sorted(statuses, key=str)[0]
                  if len(statuses) == 1 else sorted(statuses, key=str), worst / 1000, {200},
                  "4 x 1 MB pages briefed + 100-event burst")
    ack_statuses = {a.status for a in acks}
    target.record("100-event burst meanwhile", 200 if ack_statuses == {200} else sorted(ack_statuses),
                  burst_seconds, {200})
    return {"health_p50_ms": round(p50, 1), "health_max_ms": round(worst, 1), "health_samples": len(samples)}


def table(rows: list[dict]) -> str:
    header = ("request", "status", "time", "server RSS", "")
    lines = [(r["request"], str(r["status"]), f"{r['seconds'] * 1000:.0f} ms" if r["seconds"] < 10
              else f"{r['seconds']:.1f} s", f"{r['rss_mb']:.0f} MB", ("" if r["ok"] else "UNEXPECTED ") + r["note"])
             for r in rows]
    width = [max(len(str(x[i])) for x in [header, *lines]) for i in range(5)]
    out = [" | ".join(str(v).ljust(width[i]) for i, v in enumerate(header)),
           "-+-".join("-" * w for w in width)]
    out += [" | ".join(str(v).ljust(width[i]) for i, v in enumerate(line)) for line in lines]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return 0
    from tests.helpers.article_server import ArticleServer

    with ArticleServer() as articles:
        child = subprocess.Popen([sys.executable, __file__, "--serve", "127.0.0.1"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        try:
            target = Target(json.loads(child.stdout.readline()))
            status, seconds = health_time(target)
            target.record("GET /healthz (idle server)", status, seconds, {200})
            malformed(target)
            uploads = big_uploads(target)
            slowloris(target)
            idle(target)
            figures = health_under_load(target, articles)
            status, seconds = health_time(target)
            target.record("GET /healthz after everything", status, seconds, {200})
        finally:
            child.stdin.close()
            child.wait(timeout=60)
    rows = target.rows
    text = table(rows)
    unexpected = [r["request"] for r in rows if not r["ok"]]
    result = {"requests": len(rows), "unexpected": unexpected, "peak_rss_mb": max(r["rss_mb"] for r in rows),
              "start_rss_mb": rows[0]["rss_mb"], **uploads, **figures, "table": text}
    print(text)
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
