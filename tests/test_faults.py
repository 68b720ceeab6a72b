"""Faults end to end through the Slack bot, all on loopback: bad article servers, a failing model API, and a
429 storm from Slack. In each case nothing is lost: every link gets exactly one reply in its thread.

The fetcher's own handling of these faults is unit-tested in tests/test_fetch.py, the OpenAI fallback in
tests/test_openai_backend.py; here the question is what the *user* sees in Slack. Two processes writing
one SQLite file are covered by tests/test_concurrent_writers.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.articles import article_html
from tests.helpers.fake_slack import FakeSlack, fake_slack, start_bot, stop_bot  # noqa: F401 - fixtures
from tests.helpers.openai_stub import OpenAIStub

ROOT = Path(__file__).resolve().parent.parent

ACCENTED_HTML = """<html><head><title>Banque de France keeps its growth forecast</title></head><body><article>
<h1>Banque de France keeps its growth forecast</h1>
<p>The Banque de France left its growth forecast unchanged on Tuesday, saying that household spending in
Île-de-France and the rest of the country had held up better than expected through the summer.</p>
<p>Economists at Société Générale and Crédit Agricole said the forecast was cautious but credible, and that
the central bank’s next projections, due in December, would depend on the budget debate in parliament.</p>
<p>The governor said the economy was “resilient, déjà on a path to recovery”, and that inflation was
expected to stay close to the target for the rest of the year.</p>
</article></body></html>"""


def _threads(fake: FakeSlack, channel: str, thread_ts: str) -> list:
    return fake.posts(channel, thread_ts)


def _is_brief(call) -> bool:
    blocks = call.args.get("blocks") or []
    return bool(blocks) and blocks[0]["type"] == "header"


def _warning_text(call) -> str:
    blocks = call.args.get("blocks") or []
    return blocks[0]["text"]["text"] if blocks and blocks[0]["type"] == "section" else ""


# ---------------------------------------------------------------------------------------- article servers


def test_bad_article_servers_get_one_warning_each_and_the_batch_goes_on(settings, clock, fake_slack,  # noqa: F811
                                                                        article_server):  # noqa: F811
    """Stall past the timeout, RST, 10 MB, a redirect loop: one `:warning:` reply each with a one-line
    reason. A page whose header lies about its charset is decoded right and briefed. Good links in the same
    batch — and in the same message as a bad one — get their briefs."""
    server = article_server
    server.slow("/stall", delay=5.0)
    server.reset("/reset")
    server.huge("/huge", 10 * 1024 * 1024)
    server.redirect("/loop-a", "/loop-b")
    server.redirect("/loop-b", "/loop-a")
    server.route("/charset", ACCENTED_HTML.encode("cp1252"), headers={"Content-Type": "text/html; charset=utf-8"})
    for i in range(3):
        server.html(f"/good/{i}", article_html(i))
    hurried = dataclasses.replace(settings, fetch_total_timeout=1.0, fetch_connect_timeout=1.0)
    bot = start_bot(hurried, clock, fake_slack, workers=2)
    try:
        events = bot.events
        bad = {"/stall": "timed out after 1 s", "/reset": "connection reset", "/huge": "page larger than 5 MB",
               "/loop-a": "too many redirects"}
        sent: dict[str, dict] = {}
        for path in [*bad, "/charset", "/good/0", "/good/1"]:
            sent[path] = events.message(f"<{server.url(path)}>")
            assert events.event(sent[path]).status == 200
        mixed = events.message(f"two links <{server.url('/good/2')}> and <{server.url('/reset')}>")
        assert events.event(mixed).status == 200

        started = time.monotonic()
        bot.fake.wait_for(lambda: all(_threads(bot.fake, "C0NEWS", e["ts"]) for e in sent.values())
                          and len(_threads(bot.fake, "C0NEWS", mixed["ts"])) == 2, timeout=30)
        bot.fake.wait_for(lambda: bot.store.queued_job_count() == 0, timeout=10)
        elapsed = time.monotonic() - started

        for path, reason in bad.items():
            ts = sent[path]["ts"]
            posts = _threads(bot.fake, "C0NEWS", ts)
            assert len(posts) == 1, path
            text = _warning_text(posts[0])
            assert text.startswith(":warning:") and reason in text, (path, text)
            assert "\n" not in posts[0].args["text"] and "\n" not in text
            job = bot.store.jobs_for_message("T0TEST", "C0NEWS", ts)[0]
            assert (job["state"], job["attempts"]) == ("failed", 1)  # a final answer: not retried
            bot.fake.wait_for(lambda ts=ts: bot.fake.calls_to("reactions.add", name="warning", timestamp=ts))
        assert server.count("/huge") == 1 and server.count("/reset") == 2  # once alone, once in the mixed message

        (charset_post,) = _threads(bot.fake, "C0NEWS", sent["/charset"]["ts"])
        dumped = json.dumps(charset_post.args["blocks"], ensure_ascii=False)
        assert _is_brief(charset_post) and "Banque de France" in dumped
        assert "Île-de-France" in dumped or "Société Générale" in dumped or "Crédit Agricole" in dumped
        assert "\ufffd" not in dumped and "Ã" not in dumped  # no mojibake from trusting the header

        for path in ("/good/0", "/good/1"):
            (post,) = _threads(bot.fake, "C0NEWS", sent[path]["ts"])
            assert _is_brief(post)
        mixed_posts = _threads(bot.fake, "C0NEWS", mixed["ts"])
        assert sorted(_is_brief(p) for p in mixed_posts) == [False, True]
        error = next(p for p in mixed_posts if not _is_brief(p))
        assert server.url("/reset") in error.args["text"] and "connection reset" in error.args["text"]
        assert elapsed < 20
    finally:
        stop_bot(bot)


# ---------------------------------------------------------------------------------------------- model API


@pytest.mark.parametrize("mode", ["429", "500", "hang"])
def test_a_failing_model_api_gives_fallback_briefs_then_rebrief_upgrades_them(settings, clock, article_server,  # noqa: F811
                                                                              tmp_path, mode):
    """The model API answers 429 / 500 / nothing for a whole batch: every link still gets one brief (the
    embedded backend stands in, with "Retry with AI"). With the API healthy again, `briefbot rebrief` and
    the button write them again with the model."""
    stub = OpenAIStub().start()
    stub.default = mode
    stub.hang_seconds = 3.0
    links = 4
    for i in range(links):
        article_server.html(f"/a/{i}", article_html(10 + i))
    ai = dataclasses.replace(settings, backend="openai", openai_api_key="sk-test", openai_base_url=stub.base_url,
                             openai_timeout=0.5, openai_max_retries=1)
    fake = FakeSlack().start()  # records each reply's ts: the button sits on the brief's own message
    bot = start_bot(ai, clock, fake, workers=2)
    try:
        events = bot.events
        sent = []
        for i in range(links):
            event = events.message(f"<{article_server.url(f'/a/{i}')}>", channel=("C0NEWS", "C0MARKETS")[i % 2])
            assert events.event(event).status == 200
            sent.append(event)
        fake.wait_for(lambda: all(fake.posts(e["channel"], e["ts"]) for e in sent), timeout=30)
        fake.wait_for(lambda: bot.store.queued_job_count() == 0, timeout=10)
        assert len(stub.requests) == 2 * links  # every brief tried the model (one retry each), none got it

        brief_ids = []
        for event in sent:
            (post,) = fake.posts(event["channel"], event["ts"])
            assert _is_brief(post)
            buttons = {e["action_id"]: json.loads(e["value"]) for e in post.args["blocks"][-1]["elements"]}
            brief_id = buttons["retry_ai"]["brief"]
            record = bot.store.get_brief(brief_id)
            assert record["backend"] == "embedded (fallback)" and record["tldr"]
            brief_ids.append((brief_id, event, post))

        stub.default = "ok"
        # The command line, against the same database while the bot runs.
        first_id = brief_ids[0][0]
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
        env.update(PYTHONPATH=str(ROOT), BRIEFBOT_DB=ai.db_path, OPENAI_API_KEY="sk-test",
                   OPENAI_BASE_URL=stub.base_url)
        done = subprocess.run([sys.executable, "-m", "bot", "rebrief", first_id, "--json"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["backend"] == "openai"
        # The button, through Slack, for the rest: a rebrief job posts the new brief in the thread.
        for brief_id, event, _post in brief_ids[1:]:
            reply_ts = next(m["ts"] for m in fake.messages
                            if m["channel"] == event["channel"] and m["thread_ts"] == event["ts"])
            payload = {
                "type": "block_actions", "trigger_id": f"t-{brief_id}", "team": {"id": "T0TEST"},
                "user": {"id": "U0READER"}, "channel": {"id": event["channel"]},
                "container": {"type": "message", "message_ts": reply_ts, "channel_id": event["channel"]},
                "message": {"type": "message", "ts": reply_ts, "thread_ts": event["ts"]},
                "response_url": fake.response_url(f"retry-{brief_id}"),
                "actions": [{"type": "button", "action_id": "retry_ai", "block_id": "b",
                             "value": json.dumps({"brief": brief_id}), "action_ts": "1.2"}],
            }
            assert events.interactive(payload).status == 200
        fake.wait_for(lambda: all(len(fake.posts(e["channel"], e["ts"])) == 2 for _, e, _ in brief_ids[1:]),
                      timeout=20)
        for brief_id, _event, _ in brief_ids:
            assert bot.store.get_brief(brief_id)["backend"] == "openai", brief_id
        for _brief_id, event, _ in brief_ids[1:]:
            again = fake.posts(event["channel"], event["ts"])[1]
            assert _is_brief(again) and "Retry with AI" not in json.dumps(again.args["blocks"])
        assert len(fake.posts(brief_ids[0][1]["channel"], brief_ids[0][1]["ts"])) == 1  # the CLI posts nothing
    finally:
        stop_bot(bot)
        fake.stop()
        stub.stop()


# ------------------------------------------------------------------------------------------- Slack 429s


class StormySlack(FakeSlack):
    """Every accepted `chat.postMessage` arms `after_each` more 429s (Retry-After 0) while `budget` lasts,
    so every reply in the batch meets the storm, not just the first."""

    def __init__(self, after_each: int, budget: int) -> None:
        super().__init__()
        self.after_each = after_each
        self.budget = budget

    def _m_chat_postMessage(self, args: dict) -> dict:
        result = super()._m_chat_postMessage(args)
        n = min(self.after_each, self.budget)
        if n:
            self.budget -= n
            self.rate_limit("chat.postMessage", times=n, retry_after=0)
        return result


def test_a_429_storm_posts_every_reply_once_in_order(settings, clock, article_server):  # noqa: F811
    """Slack answers 429 before every reply, and five times in a row at first — more than the client's
    three retries of one call. Every link is still answered exactly once, and each channel's replies keep
    the order of its messages: the job Slack refused waits out its backoff and its channel's later jobs wait
    behind it. Strict order needs one worker (workers=1): with more, two replies race."""
    links = 6
    for i in range(links):
        article_server.html(f"/s/{i}", article_html(20 + i))
    fake = StormySlack(after_each=1, budget=links - 1).start()
    fake.rate_limit("chat.postMessage", times=5, retry_after=0)
    bot = start_bot(settings, clock, fake, workers=1)
    try:
        events = bot.events
        sent = []
        for i in range(links):
            event = events.message(f"<{article_server.url(f'/s/{i}')}>", channel=("C0NEWS", "C0MARKETS")[i % 2])
            assert events.event(event).status == 200
            sent.append(event)
        # The job Slack kept refusing waits out a backoff on the injected clock: move it on while polling.
        fake.wait_for(lambda: clock.advance(seconds=1) or all(fake.posts(e["channel"], e["ts"]) for e in sent),
                      timeout=40)
        fake.wait_for(lambda: bot.store.queued_job_count() == 0, timeout=10)

        limited = [c for c in fake.calls_to("chat.postMessage") if c.status == 429]
        assert len(limited) == 5 + links - 1  # the whole storm was met
        for event in sent:
            posts = fake.posts(event["channel"], event["ts"])
            assert len(posts) == 1 and _is_brief(posts[0])
        for channel in ("C0NEWS", "C0MARKETS"):
            order = [c.args["thread_ts"] for c in fake.posts(channel)]
            assert order == [e["ts"] for e in sent if e["channel"] == channel]
        first_job = bot.store.jobs_for_message("T0TEST", sent[0]["channel"], sent[0]["ts"])[0]
        # 4 × 429 in one call: waited once, and an outage uses no attempt
        assert (first_job["state"], first_job["attempts"], first_job["retries"]) == ("done", 1, 1)
    finally:
        stop_bot(bot)
        fake.stop()
