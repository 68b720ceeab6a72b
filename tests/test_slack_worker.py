"""The durable queue: recovery at start-up, retries, failures told in the thread; the buttons."""

from __future__ import annotations

import datetime as dt
import json
import threading

from bot.clock import FixedClock
from bot.errors import FetchError
from bot.worker import WorkerPool
from storage import Store
from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.fake_slack import fake_slack, slack_bot, start_bot, stop_bot  # noqa: F401 - fixtures
from tests.helpers.polling import poll
from tests.helpers.store_peek import job_row, job_rows
from tests.test_slack_e2e import RATES_HTML, _brief_posts

NOW = "2025-10-27T08:00:00+00:00"


def _job(url: str, ts: str, channel: str = "C0NEWS") -> dict:
    return {"source": url, "team": "T0TEST", "channel": channel, "visibility": "public", "message_ts": ts,
            "thread_ts": ts, "user": "U0READER", "kind": "posted_link"}


def _run_to_attempts(store, job_id: int, attempts: int) -> None:
    for n in range(attempts):
        claimed = store.claim_job(NOW)
        assert claimed["id"] == job_id and claimed["attempts"] == n + 1
        if n + 1 < attempts:
            store.requeue_job(job_id, error="crash", now=NOW)


def test_startup_requeues_stale_jobs_and_fails_exhausted_ones(settings, clock, fake_slack, article_server):  # noqa: F811
    article_server.html("/rates", RATES_HTML)
    bot = start_bot(settings, clock, fake_slack, start=False)
    try:
        store = bot.store
        stale_id, _ = store.enqueue_job(_job(article_server.url("/rates"), "1761555600.000101"), NOW)
        _run_to_attempts(store, stale_id, 1)  # left running by a crash, one attempt used
        dead_id, _ = store.enqueue_job(_job(article_server.url("/gone"), "1761555600.000102"), NOW)
        _run_to_attempts(store, dead_id, settings.max_attempts)
        assert {j["state"] for j in job_rows(store)} == {"running"}

        bot.runtime.start(digests=False)
        fake_slack.wait_for(lambda: _brief_posts(fake_slack, "C0NEWS", "1761555600.000101"))
        note = fake_slack.wait_for(lambda: fake_slack.posts("C0NEWS", "1761555600.000102"))[0]
        assert "gave up after 3 attempts" in note.args["text"]
        fake_slack.wait_for(lambda: fake_slack.calls_to("reactions.add", name="warning", timestamp="1761555600.000102"))
        fake_slack.wait_for(lambda: job_row(store, stale_id)["state"] == "done")  # recorded after the post
        assert job_row(store, stale_id)["attempts"] == 2
        assert job_row(store, dead_id)["state"] == "failed"
    finally:
        stop_bot(bot)


def test_a_job_that_already_replied_never_replies_twice(settings, clock, fake_slack, article_server):  # noqa: F811
    """A crash after posting but before `finish_job`: the requeued job finds its reply and stays quiet."""
    article_server.html("/rates", RATES_HTML)
    bot = start_bot(settings, clock, fake_slack, start=False)
    try:
        ts = "1761555600.000201"
        job_id, _ = bot.store.enqueue_job(_job(article_server.url("/rates"), ts), NOW)
        job = bot.store.claim_job(NOW)
        bot.runtime.pool.handler(job)  # posts the brief, then "crashes" before finishing
        assert len(_brief_posts(fake_slack, "C0NEWS", ts)) == 1
        bot.runtime.start(digests=False)  # recovery requeues the running job; it runs again
        fake_slack.wait_for(lambda: job_row(bot.store, job_id)["state"] == "done")
        assert len(_brief_posts(fake_slack, "C0NEWS", ts)) == 1
    finally:
        stop_bot(bot)


def test_pool_retries_passing_errors_and_fails_input_errors(tmp_path):
    """A reset connection is an outage: the job waits out a backoff (on the injected clock) and runs again
    without using an attempt; a 404 is a final answer: failed at once, told once."""
    store = Store(tmp_path / "q.db")
    clock = FixedClock(dt.datetime(2025, 10, 27, 8, 0, tzinfo=dt.UTC))
    seen: list[tuple[int, int]] = []
    failed: list[tuple[str, str]] = []
    finished = threading.Event()

    def handler(job):
        seen.append((job["id"], job["attempts"]))
        if job["source"] == "flaky" and job["retries"] < 1:
            raise ConnectionError("reset by peer")
        if job["source"] == "bad":
            raise FetchError("HTTP 404 from the site")
        return "B1"

    def on_done(job, ok):
        if len(job_rows(store, "done")) + len(job_rows(store, "failed")) == 2:
            finished.set()

    pool = WorkerPool(store, handler, lambda job, reason: failed.append((job["source"], reason)), clock,
                      workers=2, max_attempts=3, poll_seconds=0.05, on_done=on_done)
    flaky, _ = store.enqueue_job({"source": "flaky", "channel": "C", "message_ts": "1.1", "kind": "link"}, NOW)
    store.enqueue_job({"source": "bad", "channel": "C2", "message_ts": "1.1", "kind": "link"}, NOW)
    pool.start()
    pool.wake()
    try:
        waiting = poll(lambda: (row := job_row(store, flaky))["state"] == "queued" and row["not_before"] and row)
        assert "2025-10-27T08:00:02" <= waiting["not_before"] <= "2025-10-27T08:00:05"  # the first backoff
        assert not finished.wait(0.3)  # the clock has not moved: it is not retried yet
        clock.advance(seconds=5)
        assert finished.wait(10)
    finally:
        pool.stop()
    states = {j["source"]: (j["state"], j["attempts"], j["retries"]) for j in job_rows(store)}
    assert states == {"flaky": ("done", 1, 1), "bad": ("failed", 1, 0)}  # the outage used no attempt
    assert failed == [("bad", "HTTP 404 from the site")]
    store.close()


def _click(bot, action_id: str, value: dict, message_ts: str) -> int:
    payload = {
        "type": "block_actions", "trigger_id": "t2", "team": {"id": "T0TEST"}, "user": {"id": "U0READER"},
        "channel": {"id": "C0NEWS"}, "container": {"type": "message", "message_ts": message_ts,
                                                    "channel_id": "C0NEWS"},
        "message": {"type": "message", "ts": message_ts, "thread_ts": "1761555600.000001"},
        "response_url": bot.fake.response_url("click"),
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": json.dumps(value),
                     "action_ts": "1.2"}],
    }
    return bot.events.interactive(payload).status


def test_storyline_buttons(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    event = events.message(f"<{article_server.url('/rates')}>")
    events.event(event)
    post = fake.wait_for(lambda: _brief_posts(fake, "C0NEWS", event["ts"]))[0]
    buttons = {e["action_id"]: json.loads(e["value"]) for e in post.args["blocks"][-1]["elements"]}
    ref = buttons["resolve_storyline"]
    brief = slack_bot.store.get_brief(ref["brief"])
    assert [s["id"] for s in brief["storylines"]] == [ref["storyline"]]

    assert _click(slack_bot, "resolve_storyline", ref, "1761552000.000001") == 200
    fake.wait_for(lambda: fake.calls_to("response"))
    assert slack_bot.store.get_storyline(ref["storyline"])["status"] == "resolved"

    assert _click(slack_bot, "wrong_storyline", ref, "1761552000.000001") == 200
    fake.wait_for(lambda: len(fake.calls_to("response")) == 2)
    assert slack_bot.store.get_brief(ref["brief"])["storylines"] == []
    assert "Took" in fake.calls_to("response")[1].args["text"]

    assert _click(slack_bot, "retry_ai", {"brief": ref["brief"]}, "1761552000.000001") == 200
    fake.wait_for(lambda: [c for c in fake.calls_to("response") if "No model" in c.args.get("text", "")])
    assert [j for j in job_rows(slack_bot.store) if j["kind"] == "rebrief"] == []  # nothing to retry with
