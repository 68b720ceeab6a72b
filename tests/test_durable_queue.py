"""Nothing lost: `briefbot run` killed with SIGKILL mid-batch, restarted on the same database.

The bot runs as a real process (HTTP mode on 127.0.0.1) against the fake Slack and a slow article server in
this process. 50 link messages are acked (each a `jobs` row before the ack), the process is killed while
workers are busy, and a second process on the same SQLite file must finish the batch: every message ends
with exactly one reply in its thread — a brief or an error — and none gets two. Slack's own redelivery is
not involved; the queue rows are the only source of truth.

The kill is aimed at the worst moment: the fake Slack kills the bot from inside `chat.postMessage`, after
accepting the 10th reply and before answering, so that reply is in Slack but not in the `replies` table.
The restarted bot finds the claimed-but-unconfirmed row, asks `conversations.replies` for the thread (each
reply carries message metadata naming what it answers), records the reply it finds and does not post again.
The shared fake answers that method the way Slack documents it.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.articles import article_html
from tests.helpers.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackEvents
from tests.helpers.store_peek import job_row

ROOT = Path(__file__).resolve().parent.parent
LINKS = 50
CHANNELS = ("C0NEWS", "C0MARKETS")
PAGE_DELAY = 0.3  # seconds each article page takes to answer

class BotProcess:
    """`python -m bot run` in HTTP mode on a free port; stderr is drained so the pipe never fills."""

    def __init__(self, env: dict, cwd: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=cwd, env=env,
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self._port: queue.Queue[int] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if match:
                self._port.put(int(match.group(1)))

    def port(self, timeout: float = 30.0) -> int:
        try:
            return self._port.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("the bot did not start: " + "".join(self.lines[-20:])) from None

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode


def _replies(fake: FakeSlack, sent: dict[tuple[str, str], str]) -> Counter:
    """Accepted posts per (channel, message ts) of the link messages this test sent."""
    return Counter((c.args.get("channel"), c.args.get("thread_ts")) for c in fake.posts()
                   if (c.args.get("channel"), c.args.get("thread_ts")) in sent)


def _ts_of(fake: FakeSlack, channel: str, thread_ts: str) -> str:
    return next(m["ts"] for m in fake.messages if m["channel"] == channel and m["thread_ts"] == thread_ts)


def _job_states(db: Path) -> Counter:
    conn = sqlite3.connect(db)
    try:
        return Counter(state for (state,) in conn.execute("select state from jobs"))
    finally:
        conn.close()


def test_sigkill_mid_batch_then_restart_loses_nothing_and_posts_nothing_twice(tmp_path, article_server):  # noqa: F811
    started = time.monotonic()
    fake = FakeSlack().start()
    procs: list[BotProcess] = []
    try:
        for i in range(LINKS):
            article_server.html(f"/story/{i}", article_html(i), delay=PAGE_DELAY)
        db = tmp_path / "bot.db"
        env = _bot_env(db, fake)

        first = BotProcess(env, tmp_path)
        procs.append(first)
        in_window: list[tuple[str, str]] = []

        def kill_mid_post(n: int) -> None:
            if n == 10:  # Slack has the 10th reply; the bot never learns its ts
                in_window.append((fake.messages[-1]["channel"], fake.messages[-1]["thread_ts"]))
                os.kill(first.proc.pid, signal.SIGKILL)

        fake.on_post = kill_mid_post
        events = SlackEvents(f"http://127.0.0.1:{first.port()}")
        sent: dict[tuple[str, str], str] = {}
        for i in range(LINKS):
            url = article_server.url(f"/story/{i}")
            event = events.message(f"Have a look <{url}>", channel=CHANNELS[i % 2])
            assert events.event(event).status == 200
            sent[(event["channel"], event["ts"])] = url
        acked = time.monotonic()
        # Every ack came back only after its jobs row was committed.
        assert sum(_job_states(db).values()) == LINKS

        first.proc.wait(timeout=30)  # killed by the fake at the 10th post
        killed = time.monotonic()
        fake.on_post = None
        assert first.proc.returncode == -signal.SIGKILL
        before = _replies(fake, sent)
        states_at_kill = _job_states(db)
        assert 10 <= sum(before.values()) < LINKS, "the kill must land mid-batch"
        assert states_at_kill["queued"] > 0 and states_at_kill["running"] >= 1
        assert len(in_window) == 1

        second = BotProcess(env, tmp_path)
        procs.append(second)
        second.port()
        fake.wait_for(lambda: len(_replies(fake, sent)) == LINKS, timeout=40, interval=0.05)
        finished = time.monotonic()
        # Let any straggling duplicate surface before counting.
        fake.wait_for(lambda: _job_states(db)["done"] + _job_states(db)["failed"] == LINKS, timeout=10)

        replies = _replies(fake, sent)
        assert set(replies) == set(sent)
        assert {key: n for key, n in replies.items() if n != 1} == {}
        briefs = errors = 0
        for call in fake.posts():
            key = (call.args.get("channel"), call.args.get("thread_ts"))
            if key not in sent:
                continue
            blocks = call.args.get("blocks") or []
            if blocks and blocks[0]["type"] == "header":
                briefs += 1
            else:
                assert blocks and blocks[0]["text"]["text"].startswith(":warning:"), call.args["text"]
                errors += 1
        assert briefs + errors == LINKS
        assert briefs == LINKS  # nothing here should fail: the pages are fine, only slow
        # The reply Slack got just before the kill was found in its thread, not posted again.
        channel, thread = in_window[0]
        assert fake.calls_to("conversations.replies", channel=channel, ts=thread)
        conn = sqlite3.connect(db)
        try:
            recorded = conn.execute("select reply_ts from replies where channel = ? and message_ts = ?",
                                    [channel, thread]).fetchall()
            pending = conn.execute("select count(*) from replies where reply_ts is null").fetchone()[0]
        finally:
            conn.close()
        assert recorded == [(_ts_of(fake, channel, thread),)]
        assert pending == 0
        print(f"\nacked {LINKS} in {acked - started:.1f}s; killed mid-post at {killed - started:.1f}s with "
              f"{sum(before.values())} replies posted, jobs {dict(states_at_kill)}; all {LINKS} replied at "
              f"{finished - started:.1f}s (restart took {finished - killed:.1f}s); briefs {briefs}, errors {errors}; "
              f"article fetches {len(article_server.requests)}")
    finally:
        for proc in procs:
            proc.stop()
        fake.stop()


def _bot_env(db: Path, fake: FakeSlack) -> dict:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {**keep, "PYTHONPATH": str(ROOT), "BRIEFBOT_DB": str(db), "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url, "PORT": "0",
            "BRIEFBOT_HOST": "127.0.0.1", "BRIEFBOT_FETCH_ALLOW": "127.0.0.1", "BRIEFBOT_WORKERS": "2",
            "BRIEFBOT_FETCH_TIMEOUT": "10"}


def test_a_second_briefbot_run_leaves_the_first_ones_running_job_alone(tmp_path, article_server):  # noqa: F811
    """Two `briefbot run`s on one database: the second starts while the first is fetching a slow page. The
    job is under the first one's live lease, so the second neither requeues nor runs it: the page is
    fetched once and answered once. (Without leases the second's start-up put it back in the queue.)"""
    article_server.html("/slow", article_html(3), delay=4.0)
    fake = FakeSlack().start()
    procs: list[BotProcess] = []
    try:
        db = tmp_path / "bot.db"
        env = _bot_env(db, fake)
        first = BotProcess(env, tmp_path)
        procs.append(first)
        events = SlackEvents(f"http://127.0.0.1:{first.port()}")
        event = events.message(f"<{article_server.url('/slow')}>")
        assert events.event(event).status == 200
        fake.wait_for(lambda: article_server.count("/slow") == 1 and _job_states(db)["running"] == 1)

        second = BotProcess(env, tmp_path)  # recovery runs before it listens
        procs.append(second)
        second.port()
        assert _job_states(db) == Counter({"running": 1})
        fake.wait_for(lambda: _job_states(db) == Counter({"done": 1}), timeout=20)
        time.sleep(1.5)  # a poll interval of both processes: a wrongly requeued job would be claimed by now
        assert article_server.count("/slow") == 1
        assert len(fake.posts("C0NEWS", event["ts"])) == 1
        conn = sqlite3.connect(db)
        try:
            attempts = conn.execute("select attempts from jobs").fetchone()
        finally:
            conn.close()
        assert attempts == (1,)  # run once, by the first process
    finally:
        for proc in procs:
            proc.stop()
        fake.stop()


# ------------------------------------------------------------------------- the claim before each post, in-process

NOW = "2025-10-27T08:00:00+00:00"


def _link_job(url: str, ts: str) -> dict:
    return {"source": url, "team": "T0TEST", "channel": "C0NEWS", "visibility": "public", "message_ts": ts,
            "thread_ts": ts, "user": "U0READER", "kind": "posted_link"}


def test_reply_claims_are_filled_once(tmp_path):
    from storage import Store

    store = Store(tmp_path / "r.db")
    key = {"team": "T", "channel": "C", "message_ts": "1.1", "key": "https://example.org/a", "brief_id": None,
           "now": NOW}
    assert store.record_reply(**key, reply_ts=None) is True  # claimed
    assert store.record_reply(**key, reply_ts=None) is False  # already claimed
    assert store.reply_for("C", "1.1", key["key"])["reply_ts"] is None
    assert store.record_reply(**key, reply_ts="9.1") is True  # the claim filled in
    assert store.record_reply(**key, reply_ts="9.2") is False  # a second post would be a duplicate
    store.release_reply("C", "1.1", key["key"])  # only empty claims are ever released
    assert store.reply_for("C", "1.1", key["key"])["reply_ts"] == "9.1"
    store.close()


@pytest.mark.parametrize("threads", [True, False], ids=["thread-says-not-posted", "slack-cannot-say"])
def test_a_claim_left_by_a_crash_before_the_post_still_gets_its_reply(settings, clock, article_server, threads):  # noqa: F811
    """Killed after claiming the reply but before Slack had it: the rerun asks the thread, finds nothing (or
    cannot ask: the plain fake has no `conversations.replies`) and posts — once."""
    from tests.helpers.fake_slack import start_bot, stop_bot
    from tests.test_slack_e2e import RATES_HTML

    article_server.html("/rates", RATES_HTML)
    fake = FakeSlack(threads=threads).start()
    bot = start_bot(settings, clock, fake, start=False)
    try:
        ts, url = "1761555600.000301", article_server.url("/rates")
        job_id, _ = bot.store.enqueue_job(_link_job(url, ts), NOW)
        assert bot.store.claim_job(NOW)["id"] == job_id
        bot.store.record_reply(team="T0TEST", channel="C0NEWS", message_ts=ts, key=url, reply_ts=None, brief_id=None,
                               now=NOW)
        bot.runtime.start(digests=False)
        fake.wait_for(lambda: job_row(bot.store, job_id)["state"] == "done")
        assert len(fake.posts("C0NEWS", ts)) == 1
        assert fake.calls_to("conversations.replies", channel="C0NEWS", ts=ts)
        assert bot.store.reply_for("C0NEWS", ts, url)["reply_ts"]
        assert fake.posts("C0NEWS", ts)[0].args["metadata"] == {
            "event_type": "briefbot_reply", "event_payload": {"message_ts": ts, "key": url}}
    finally:
        stop_bot(bot)
        fake.stop()


def test_a_post_slack_refuses_for_good_releases_its_claim(settings, clock, article_server):  # noqa: F811
    from tests.helpers.fake_slack import start_bot, stop_bot
    from tests.test_slack_e2e import RATES_HTML

    article_server.html("/rates", RATES_HTML)
    fake = FakeSlack().start()
    fake.fail("chat.postMessage", "not_in_channel", channel="C0NEWS")
    bot = start_bot(settings, clock, fake, start=False)
    try:
        ts, url = "1761555600.000401", article_server.url("/rates")
        job_id, _ = bot.store.enqueue_job(_link_job(url, ts), NOW)
        bot.runtime.start(digests=False)
        fake.wait_for(lambda: job_row(bot.store, job_id)["state"] == "done")
        assert fake.posts("C0NEWS", ts) == []
        assert bot.store.reply_for("C0NEWS", ts, url) is None  # no stale claim: a later retry may post
        assert fake.posts("U0READER")  # the reader heard why, in a DM
    finally:
        stop_bot(bot)
        fake.stop()
