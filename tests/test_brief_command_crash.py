"""Exactly one reply per `/brief <url>`, however often the bot is killed.

A slash command has no message to thread under, so its reply goes to the channel itself. A crash after
Slack accepted that reply but before the bot recorded it used to end in a second reply: the restarted bot
could only look for its reply in a thread. Now it looks in the channel's history for the reply's message
metadata (which names the command's trigger id and the URL) before posting again.

The bot runs as a real process (`python -m bot run`, HTTP mode on 127.0.0.1) against a fake Slack that
takes 0.4 s to answer each post. It is killed with SIGKILL three times, at three different moments: while
Slack holds an accepted reply it has not answered yet, when a post has reached Slack but is not accepted,
and again mid-post later in the batch. 30 `/brief` links must get 30 replies, one each.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from collections import Counter
from pathlib import Path

from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.articles import article_html
from tests.helpers.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackEvents
from tests.test_durable_queue import BotProcess

ROOT = Path(__file__).resolve().parent.parent
LINKS = 30
CHANNEL = "C0NEWS"


def _replies_by_command(fake: FakeSlack) -> Counter:
    """Accepted top-level posts in the channel, per slash command (the `slash:<trigger>` their metadata names)."""
    out: Counter = Counter()
    for m in list(fake.messages):
        meta = m.get("metadata") or {}
        origin = (meta.get("event_payload") or {}).get("message_ts") or ""
        if m["channel"] == CHANNEL and not m["thread_ts"] and origin.startswith("slash:"):
            out[origin] += 1
    return out


def test_brief_command_replies_exactly_once_across_three_sigkills(tmp_path, article_server):  # noqa: F811
    fake = FakeSlack().start()
    fake.post_delay = 0.4
    procs: list[BotProcess] = []
    try:
        for i in range(LINKS):
            article_server.html(f"/cmd/{i}", article_html(i))
        db = tmp_path / "bot.db"
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
        env = {**keep, "PYTHONPATH": str(ROOT), "BRIEFBOT_DB": str(db), "SLACK_BOT_TOKEN": BOT_TOKEN,
               "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url, "PORT": "0",
               "BRIEFBOT_HOST": "127.0.0.1", "BRIEFBOT_FETCH_ALLOW": "127.0.0.1", "BRIEFBOT_WORKERS": "2",
               "BRIEFBOT_MAX_ATTEMPTS": "6"}
        kills: list[str] = []
        ports: list[int] = []
        killed = threading.Event()

        def kill(why: str) -> None:
            kills.append(why)
            os.kill(procs[-1].proc.pid, signal.SIGKILL)
            killed.set()

        def run_until_killed(on_post=None, on_receive=None) -> None:
            killed.clear()
            fake.on_post, fake.on_receive = on_post, on_receive
            procs.append(BotProcess(env, tmp_path))
            ports.append(procs[-1].port())

        # 1: Slack has accepted the 6th reply and is still answering when the bot dies.
        run_until_killed(on_post=lambda n: n == 6 and kill("accepted, not answered"))
        events = SlackEvents(f"http://127.0.0.1:{ports[-1]}")
        for i in range(LINKS):
            assert events.command(article_server.url(f"/cmd/{i}"), channel=CHANNEL).status == 200
        assert killed.wait(60), "first kill never happened"
        procs[-1].proc.wait(timeout=10)
        # 2: a post reaches Slack but is not accepted yet.
        seen = fake._received
        run_until_killed(on_receive=lambda n: n == seen + 6 and kill("received, not accepted"))
        assert killed.wait(60), "second kill never happened"
        procs[-1].proc.wait(timeout=10)
        # 3: mid-post again, later in the batch.
        target = len(fake.messages) + 8
        run_until_killed(on_post=lambda n: n == target and kill("accepted, not answered (late)"))
        assert killed.wait(60), "third kill never happened"
        procs[-1].proc.wait(timeout=10)
        fake.on_post = fake.on_receive = None

        run_until_killed()
        fake.wait_for(lambda: len(_replies_by_command(fake)) == LINKS, timeout=90, interval=0.1)

        def settled() -> bool:
            conn = sqlite3.connect(db)
            try:
                return conn.execute("select count(*) from jobs where state in ('queued', 'running')").fetchone()[0] == 0
            finally:
                conn.close()

        fake.wait_for(settled, timeout=30, interval=0.1)
        replies = _replies_by_command(fake)
        assert len(kills) == 3
        assert len(replies) == LINKS
        assert {k: n for k, n in replies.items() if n != 1} == {}
        # The crash windows were real: the restarted bots had to look replies up in the channel's history.
        assert fake.calls_to("conversations.history", channel=CHANNEL)
    finally:
        fake.on_post = fake.on_receive = None
        for proc in procs:
            proc.stop()
        fake.stop()
