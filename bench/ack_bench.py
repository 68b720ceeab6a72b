"""How fast does the bot ack Slack? 200 signed link events, 20 at a time, over real HTTP on 127.0.0.1.

The same load goes to two servers built the same way (bot/server.py, a fake Slack Web API, signed
requests): the real bot, which writes a jobs row before every ack while its workers fetch and brief in the
background, and a bare bolt app whose only listener acks. Slack's limit is 3 s; the aim is a bot p99
under 100 ms and a p99 ratio (bot / bare) under 1.5.

    .venv/bin/python bench/ack_bench.py [--events 200] [--concurrency 20] [--json]

Everything stays on loopback: the articles come from a local server and the Web API is
tests/helpers/fake_slack, both in a child process (as Slack and the news sites are elsewhere in production,
so their request handling does not compete with the bot for the interpreter).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_bolt import App  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.server import SlackHTTPServer  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.slack.app import build_app, serve_http, start_workers, stop_workers  # noqa: E402
from bot.slack.poster import build_client  # noqa: E402
from tests.helpers.article_server import ArticleServer  # noqa: E402
from tests.helpers.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackEvents  # noqa: E402

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


def bare_app(api_url: str) -> App:
    app = App(signing_secret=SIGNING_SECRET, client=build_client(BOT_TOKEN, api_url), process_before_response=False)

    @app.event("message")
    def ack_only():  # bolt acks events itself; the listener does nothing
        pass

    return app


def measure(url: str, n: int, concurrency: int, link_of) -> list[float]:
    events = SlackEvents(url)
    bodies = [events.event_body(events.message(f"read this <{link_of(i)}>", channel=f"C0BENCH{i % 4}"))
              for i in range(n)]

    def send(body: str) -> float:
        reply = events.post(body, "application/json")
        if reply.status != 200:
            raise RuntimeError(f"ack failed with HTTP {reply.status}")
        return reply.elapsed * 1000

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, bodies[: min(20, n)]))  # warm-up: connections, imports, first queries
        return list(pool.map(send, bodies))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def run_bare(api_url: str, args, link_of) -> list[float]:
    bare = SlackHTTPServer(bare_app(api_url), "127.0.0.1", 0).start()
    try:
        return measure(bare.url, args.events, args.concurrency, link_of)
    finally:
        bare.stop()


def serve_peers(count: int) -> None:
    """Child process: the fake Slack Web API and the article server, until stdin closes."""
    fake = FakeSlack().start()
    articles = ArticleServer().start()
    for i in range(count):
        articles.html(f"/a{i}", article_html(i))
    print(json.dumps({"api_url": fake.api_url, "articles": articles.url("/")}), flush=True)
    sys.stdin.read()
    articles.stop()
    fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve-peers", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_peers is not None:
        serve_peers(args.serve_peers)
        return
    logging.basicConfig(level=logging.ERROR)

    peers = subprocess.Popen([sys.executable, __file__, "--serve-peers", str(args.events + 10)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    addresses = json.loads(peers.stdout.readline())
    api_url, article_base = addresses["api_url"], addresses["articles"]
    tmp = tempfile.mkdtemp(prefix="briefbot-bench-")
    settings = dataclasses.replace(
        load_settings({"BRIEFBOT_DB": f"{tmp}/bench.db"}, dotenv=False),
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET, slack_api_url=api_url,
        fetch_allow=("127.0.0.1",),
    )
    link_of = lambda i: f"{article_base}a{i}"  # noqa: E731
    try:
        # The bare app runs before and after the bot; the faster of its two runs is the baseline, so a
        # cold or a warm process can only make the ratio look worse, never better.
        bare_runs = [run_bare(api_url, args, link_of)]
        services = build_services(settings)
        app = build_app(services)
        start_workers(app)
        server = serve_http(app, "127.0.0.1", 0)
        started = time.perf_counter()
        bot_ms = measure(server.url, args.events, args.concurrency, link_of)
        elapsed = time.perf_counter() - started
        jobs = len(services.store.jobs())
        server.stop()
        stop_workers(app, timeout=60)
        services.close()
        bare_runs.append(run_bare(api_url, args, link_of))
        bare_ms = min(bare_runs, key=lambda ms: pct(ms, 99))
    finally:
        peers.stdin.close()
        peers.wait(timeout=30)

    result = {
        "bot_p50_ms": round(statistics.median(bot_ms), 2),
        "bot_p99_ms": round(pct(bot_ms, 99), 2),
        "bare_p50_ms": round(statistics.median(bare_ms), 2),
        "bare_p99_ms": round(pct(bare_ms, 99), 2),
    }
    result["ratio_p99"] = round(result["bot_p99_ms"] / result["bare_p99_ms"], 2)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{args.events} signed link events, {args.concurrency} at a time, over HTTP on 127.0.0.1")
    print(f"  bot : p50 {result['bot_p50_ms']:7.2f} ms   p99 {result['bot_p99_ms']:7.2f} ms   "
          f"({jobs} jobs queued, sent in {elapsed:.2f} s)")
    print(f"  bare: p50 {result['bare_p50_ms']:7.2f} ms   p99 {result['bare_p99_ms']:7.2f} ms   (bolt app that only acks; best of 2 runs)")
    print(f"  p99 ratio bot/bare: {result['ratio_p99']}   (Slack's limit: 3000 ms; aim: p99 < 100 ms, ratio < 1.5)")


if __name__ == "__main__":
    main()
