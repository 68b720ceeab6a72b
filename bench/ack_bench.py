"""How fast does the bot ack Slack? Rounds of 200 signed link events, 20 at a time, over HTTP on 127.0.0.1.

Two servers built the same way (bot/slack/http_server.py, a fake Slack Web API, signed requests) take the same load:
the real bot, which writes a jobs row before every ack while its workers fetch and brief in the
background, and a bare bolt app whose only listener acks. Slack's limit is 3 s; the aim is a bot p99
under 100 ms and a p99 ratio (bot / bare) under 1.5.

    .venv/bin/python bench/ack_bench.py [--events 200] [--concurrency 20] [--rounds 5] [--json]

What is measured, exactly:
- Each server runs in its own child process, and so do the fake Web API and the article server (as Slack
  and the news sites are elsewhere in production). This process only sends: every request is signed and
  serialised before a round starts and goes out on a fresh connection as raw bytes, so the sender adds
  as little as possible to what it times. A latency is connect + send + the complete HTTP response.
- A round is `--events` link messages (links never seen before, so every one becomes a job the workers
  fetch, extract, brief and reply to) sent `--concurrency` at a time. Rounds alternate between the bot
  and the bare app (bot first in odd rounds, bare first in even ones). Before every round the bot's
  queue is drained (its /healthz shows no job pending), so no bare round shares the machine with the
  bot's workers. By default a timed bot round is the issue's measurement: a burst of new links arriving
  at the bot, whose workers start briefing them as they come. With `--preload N`, N more link events are
  sent untimed before each bot round and the round starts once /healthz shows a worker busy: each timed
  round then lands while the workers are already fetching, briefing, saving and replying (a harsher
  load the ack path has to share the process with; `make bench` reports both).
- Reported: the median over rounds of each round's p50 and p99 (p99 of 200 is the second-slowest ack),
  and `ratio_p99` = bot p99 / bare p99 of those medians. The per-round p99s are in `*_p99_rounds_ms`.
  One warm-up burst per server (connections, imports, first queries) is not counted.

Everything stays on loopback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.fake_slack import BOT_TOKEN, SIGNING_SECRET, SlackEvents, sign  # noqa: E402
from tests.helpers.store_peek import job_rows  # noqa: E402

TOPICS = ["the central bank", "the finance ministry", "the port authority", "the statistics office",
          "the energy regulator", "the housing agency", "the trade council", "the transport board"]


def article_html(i: int) -> str:
    topic = TOPICS[i % len(TOPICS)]
    paragraphs = [
        f"Officials at {topic} said on Monday that figures for the quarter, report number {i}, showed steady "
        "growth in most regions while costs rose more slowly than expected.",
        f"A decision on the next steps is due on Wednesday, October 29, and {topic} will publish detailed tables "
        "the following week.",
        "Analysts said the numbers were broadly in line with forecasts and that markets had already priced in "
        "the most likely outcome, although some warned that demand could weaken over the winter.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>Update {i} from {topic}</title></head><body><article>{body}</article></body></html>"


# -- child processes ----------------------------------------------------------------------------------------

def serve_peers(count: int) -> None:
    """Child process: the fake Slack Web API and the article server, until stdin closes."""
    from tests.helpers.article_server import ArticleServer
    from tests.helpers.fake_slack import FakeSlack

    fake = FakeSlack().start()
    articles = ArticleServer().start()
    for i in range(count):
        articles.html(f"/a{i}", article_html(i))
    print(json.dumps({"api_url": fake.api_url, "articles": articles.url("/")}), flush=True)
    sys.stdin.read()
    articles.stop()
    fake.stop()


def bare_app(api_url: str):
    from slack_bolt import App

    from bot.slack.poster import build_client

    app = App(signing_secret=SIGNING_SECRET, client=build_client(BOT_TOKEN, api_url), process_before_response=False)

    @app.event("message")
    def ack_only():  # bolt acks events itself; the listener does nothing
        pass

    return app


def serve_target(kind: str, api_url: str) -> None:
    """Child process: the bot (with its workers) or the bare app on HTTP, until stdin closes."""
    logging.basicConfig(level=logging.ERROR)
    from bot.slack.http_server import SlackHTTPServer

    if kind == "bare":
        server = SlackHTTPServer.for_app(
            bare_app(api_url), SIGNING_SECRET, "127.0.0.1", 0,
            health=lambda: (200, {"ok": True, "jobs_pending": 0, "workers_busy": 0})).start()
        print(json.dumps({"url": server.url}), flush=True)
        sys.stdin.read()
        server.stop()
        print(json.dumps({"jobs": 0}), flush=True)
        return
    from bot.config import load_settings
    from bot.services import build_services
    from bot.slack.runtime import SlackRuntime

    tmp = tempfile.mkdtemp(prefix="briefbot-bench-")
    settings = dataclasses.replace(
        load_settings({"BRIEFBOT_DB": f"{tmp}/bench.db"}, dotenv=False),
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=api_url,
        fetch_allow=("127.0.0.1",),
    )
    services = build_services(settings)
    runtime = SlackRuntime(services).start(digests=False)
    server = runtime.serve_http("127.0.0.1", 0)
    print(json.dumps({"url": server.url}), flush=True)
    sys.stdin.read()
    runtime.stop(timeout=60)
    jobs = job_rows(services.store)
    states: dict[str, int] = {}
    for job in jobs:
        states[job["state"]] = states.get(job["state"], 0) + 1
    errors = sorted({j["error"] for j in jobs if j.get("error")})[:3]
    print(json.dumps({"jobs": len(jobs), "states": states, "errors": errors}), flush=True)
    services.close()
    shutil.rmtree(tmp, ignore_errors=True)


def spawn(*args: str) -> tuple[subprocess.Popen, dict]:
    child = subprocess.Popen([sys.executable, __file__, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    return child, json.loads(child.stdout.readline())


def finish(child: subprocess.Popen) -> dict:
    child.stdin.close()
    line = child.stdout.readline()
    child.wait(timeout=90)
    return json.loads(line) if line.strip() else {}


# -- the sender ---------------------------------------------------------------------------------------------

def raw_requests(url: str, bodies: list[str]) -> list[bytes]:
    """Signed HTTP/1.1 requests, ready to write to a socket."""
    host = url.split("//", 1)[1]
    ts = str(int(time.time()))
    out = []
    for body in bodies:
        data = body.encode()
        head = (f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\nX-Slack-Request-Timestamp: {ts}\r\n"
                f"X-Slack-Signature: {sign(SIGNING_SECRET, ts, body)}\r\nConnection: close\r\n\r\n")
        out.append(head.encode() + data)
    return out


def send(address: tuple[str, int], request: bytes) -> float:
    """Milliseconds from connect to the last byte of the response (the server closes the connection)."""
    start = time.perf_counter()
    with socket.create_connection(address, timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    elapsed = (time.perf_counter() - start) * 1000
    status = b"".join(chunks)[9:12]
    if status != b"200":
        raise RuntimeError(f"ack failed with HTTP {status.decode(errors='replace')}")
    return elapsed


def burst(pool: ThreadPoolExecutor, url: str, bodies: list[str]) -> list[float]:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    address = (host, int(port))
    return list(pool.map(lambda request: send(address, request), raw_requests(url, bodies)))


def wait_drained(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as reply:  # loopback only
            health = json.loads(reply.read())
        if not health.get("jobs_pending") and not health.get("workers_busy"):
            return
        time.sleep(0.1)
    raise RuntimeError("the bot did not drain its queue")


def wait_busy(url: str, timeout: float = 5.0) -> None:
    """Until the bot's workers are briefing (they start once the preload burst has gone quiet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as reply:  # loopback only
            if json.loads(reply.read()).get("workers_busy"):
                return
        time.sleep(0.005)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200, help="events per round")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per server, alternating bot and bare")
    parser.add_argument("--preload", type=int, default=0,
                        help="untimed link events sent to the bot before each of its rounds (0: start idle)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve-peers", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--serve", choices=("bot", "bare"), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_peers is not None:
        serve_peers(args.serve_peers)
        return
    if args.serve is not None:
        serve_target(args.serve, args.api_url)
        return

    n, rounds = args.events, max(1, args.rounds)
    warm = min(20, n)
    peers, addresses = spawn("--serve-peers", str(2 * (rounds * (n + args.preload) + warm)))
    children: list[subprocess.Popen] = []
    try:
        api_url, article_base = addresses["api_url"], addresses["articles"]
        bot, bot_addr = spawn("--serve", "bot", "--api-url", api_url)
        children.append(bot)
        bare, bare_addr = spawn("--serve", "bare", "--api-url", api_url)
        children.append(bare)
        urls = {"bot": bot_addr["url"], "bare": bare_addr["url"]}
        events = SlackEvents(urls["bot"])
        counter = iter(range(10**9))

        def bodies(count: int) -> list[str]:
            out = []
            for _ in range(count):
                i = next(counter)
                text = f"read this <{article_base}a{i}>"
                out.append(events.event_body(events.message(text, channel=f"C0BENCH{i % 4}")))
            return out

        samples: dict[str, list[list[float]]] = {"bot": [], "bare": []}
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            for name in ("bot", "bare"):
                burst(pool, urls[name], bodies(warm))
            for r in range(rounds):
                for name in (("bot", "bare") if r % 2 == 0 else ("bare", "bot")):
                    wait_drained(urls["bot"])
                    if name == "bot" and args.preload:
                        burst(pool, urls[name], bodies(args.preload))  # not timed: gives the workers work
                        wait_busy(urls[name])
                    samples[name].append(burst(pool, urls[name], bodies(n)))
        wait_drained(urls["bot"])
        elapsed = time.perf_counter() - started
        bot_summary = finish(bot)
        finish(bare)
        children.clear()
    finally:
        for child in children:
            child.kill()
        peers.stdin.close()
        peers.wait(timeout=30)

    def per_round(name: str, q: float) -> list[float]:
        return [round(pct(ms, q), 2) for ms in samples[name]]

    result = {
        "bot_p50_ms": round(statistics.median(per_round("bot", 50)), 2),
        "bot_p99_ms": round(statistics.median(per_round("bot", 99)), 2),
        "bare_p50_ms": round(statistics.median(per_round("bare", 50)), 2),
        "bare_p99_ms": round(statistics.median(per_round("bare", 99)), 2),
    }
    result["ratio_p99"] = round(result["bot_p99_ms"] / result["bare_p99_ms"], 2)
    result.update(rounds=rounds, bot_p99_rounds_ms=per_round("bot", 99), bare_p99_rounds_ms=per_round("bare", 99),
                  bot_max_ms=round(max(max(ms) for ms in samples["bot"]), 2), jobs=bot_summary.get("jobs"), job_states=bot_summary.get("states"))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{rounds} rounds per server of {n} signed link events, {args.concurrency} at a time, over HTTP on "
          f"127.0.0.1 (median of per-round figures; {elapsed:.1f} s in all)")
    print(f"  bot : p50 {result['bot_p50_ms']:7.2f} ms   p99 {result['bot_p99_ms']:7.2f} ms   per round "
          f"{result['bot_p99_rounds_ms']}   ({bot_summary.get('jobs')} jobs: {bot_summary.get('states')})")
    print(f"  bare: p50 {result['bare_p50_ms']:7.2f} ms   p99 {result['bare_p99_ms']:7.2f} ms   per round "
          f"{result['bare_p99_rounds_ms']}   (bolt app that only acks)")
    print(f"  p99 ratio bot/bare: {result['ratio_p99']}   (Slack's limit: 3000 ms; aim: p99 < 100 ms, ratio < 1.5)")


if __name__ == "__main__":
    main()
