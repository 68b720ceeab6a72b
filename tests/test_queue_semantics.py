"""Queue semantics: leases, backoff until a retry window, fairness between teams, pruning.

Real SQLite files and the real `WorkerPool`; time is the injected `FixedClock`, moved by hand, so no test
waits for a backoff in real time. Where a worker thread must get somewhere, the test polls for it.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from bot.clock import FixedClock
from bot.config import load_settings
from bot.errors import ConfigError, FetchError, Unavailable
from bot.retry import backoff_seconds, is_transient
from bot.worker import WorkerPool, new_owner
from storage import Store
from storage.migrations import m006_job_leases
from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.fake_slack import FakeSlack, start_bot, stop_bot
from tests.helpers.polling import poll
from tests.helpers.store_peek import job_row, job_rows, migrated_until
from tests.test_slack_e2e import RATES_HTML, _brief_posts

START = dt.datetime(2025, 10, 27, 8, 0, tzinfo=dt.UTC)
NOW = START.isoformat()


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _job(source: str, team: str = "T1", channel: str = "C1", ts: str = "1.1") -> dict:
    return {"source": source, "team": team, "channel": channel, "message_ts": ts, "kind": "link"}


def _pool(store, clock, handler, failed: list | None = None, **kw) -> WorkerPool:
    on_failed = (lambda job, reason: failed.append((job["id"], reason))) if failed is not None else (lambda j, r: None)
    kw.setdefault("heartbeat_seconds", 3600)  # the tests beat by hand: `maintain()` / `heartbeat()`
    return WorkerPool(store, handler, on_failed, clock, poll_seconds=0.02, rng=random.Random(7), **kw)


# ------------------------------------------------------------------------------------------------ leases


def test_a_second_pool_leaves_a_live_lease_alone_and_takes_an_expired_one(tmp_path):
    """Two `briefbot run`s on one file: the second one's start-up and heartbeats don't re-claim the first
    one's running job while its heartbeat renews the lease; once the first stops beating (hung), the
    lease runs out and the second takes the job over."""
    path = tmp_path / "q.db"
    clock = FixedClock(START)
    first_store, second_store = Store(path), Store(path)
    release = threading.Event()
    runs: list[str] = []

    def slow(job):
        runs.append("first")
        release.wait(10)
        return None

    first = _pool(first_store, clock, slow, workers=1, lease_seconds=60).start()
    second = _pool(second_store, clock, lambda job: runs.append("second"), workers=1, lease_seconds=60)
    try:
        job_id, _ = first_store.enqueue_job(_job("https://example.org/a"), NOW)
        first.wake()
        row = poll(lambda: (r := job_row(first_store, job_id))["state"] == "running" and r)
        assert row["owner"] == first.owner and row["lease_until"] == _stamp(START + dt.timedelta(seconds=60))

        second.start()  # recovery at start-up: the lease is live, so the job stays the first run's
        for _ in range(5):  # ten minutes of heartbeats: the first renews, the second finds nothing to take
            clock.advance(seconds=45)
            assert first.heartbeat() == 1
            second.maintain()
        time.sleep(0.2)
        assert runs == ["first"] and job_row(first_store, job_id)["owner"] == first.owner

        clock.advance(seconds=61)  # the first run hangs: no heartbeat for longer than the lease
        second.maintain()
        poll(lambda: job_row(first_store, job_id)["state"] == "done")  # "second" is noted before the finish
        assert runs == ["first", "second"]
        assert job_row(first_store, job_id)["attempts"] == 2  # the hung run counted as one
    finally:
        release.set()
        first.stop()
        second.stop()
        first_store.close()
        second_store.close()


def test_a_dead_owner_on_this_host_is_taken_back_at_once_a_live_one_is_not(tmp_path):
    """After a `kill -9` the restarted bot need not wait out the lease: an owner on this host whose process
    is gone is dead. A live process's lease, or another host's, is respected until it runs out."""
    store = Store(tmp_path / "q.db")
    clock = FixedClock(START)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    host = new_owner().rsplit(":", 2)[0]
    lease = _stamp(START + dt.timedelta(seconds=60))
    owners = {"child": f"{host}:{child.pid}:aa11", "elsewhere": "other-host:4242:bb22",
              "stopped": new_owner()}  # this process, but no pool of that id runs (a pid-1 restart)
    ids = {}
    for name, owner in owners.items():
        ids[name], _ = store.enqueue_job(_job(f"https://example.org/{name}"), NOW)
        assert store.claim_job(NOW, owner=owner, lease_until=lease)["id"] == ids[name]
    pool = _pool(store, clock, lambda job: None)
    try:
        requeued, failed = pool.recover()
        assert requeued == [ids["stopped"]] and failed == []
        child.kill()
        child.wait()
        requeued, _ = pool.recover()
        assert requeued == [ids["child"]]  # its process is gone: no need to wait for the lease
        assert job_row(store, ids["elsewhere"])["state"] == "running"
        clock.advance(seconds=61)
        assert pool.recover()[0] == [ids["elsewhere"]]  # another host: only the lease's end frees it
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        store.close()


class FlakyDiskStore(Store):
    """A real store whose first `finish_job` fails the way a full disk does."""

    failures = 1

    def finish_job(self, job_id, **kw):
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("database or disk is full")
        return super().finish_job(job_id, **kw)


def test_a_job_whose_outcome_could_not_be_recorded_is_not_kept_alive_by_the_heartbeat(tmp_path):
    """The heartbeat renews only jobs a thread is running: one left `running` because recording its outcome
    failed loses its lease and is run again, instead of being held forever by a live pool."""
    store = FlakyDiskStore(tmp_path / "q.db")
    clock = FixedClock(START)
    runs: list[int] = []
    pool = _pool(store, clock, lambda job: runs.append(job["id"]), workers=1).start()
    try:
        job_id, _ = store.enqueue_job(_job("https://example.org/a"), NOW)
        pool.wake()
        poll(lambda: runs == [job_id] and pool.busy == 0)
        assert job_row(store, job_id)["state"] == "running"
        assert pool.heartbeat() == 0
        clock.advance(seconds=61)
        pool.maintain()  # its lease ran out: queued again, and run again
        poll(lambda: job_row(store, job_id)["state"] == "done")
        assert runs == [job_id, job_id]
    finally:
        pool.stop()
        store.close()


def test_a_job_left_running_by_the_version_before_leases_is_recovered_after_the_upgrade(tmp_path):
    """A database from before m006 with a job stuck `running`: after the upgrade it has no lease, which
    counts as expired, so the first pool to start takes it back."""
    path = tmp_path / "old.db"
    db = migrated_until(path, m006_job_leases, NOW)
    db["jobs"].insert({**_job("https://example.org/old"), "state": "running", "attempts": 1, "created_at": NOW,
                       "updated_at": NOW})
    db.conn.commit()
    db.close()
    store = Store(path)  # applies m006
    pool = _pool(store, FixedClock(START), lambda job: None)
    assert pool.recover() == ([1], [])
    assert job_row(store, 1)["state"] == "queued" and job_row(store, 1)["retries"] == 0
    store.close()


def test_a_crash_loop_fails_after_max_attempts_with_one_reply(tmp_path):
    """`BRIEFBOT_MAX_ATTEMPTS` keeps its meaning for crash loops: a job whose process died mid-run that many
    times fails (told once); an outage's waits don't count toward it."""
    store = Store(tmp_path / "q.db")
    clock = FixedClock(START)
    failed: list = []
    pool = _pool(store, clock, lambda job: None, failed, max_attempts=3)
    job_id, _ = store.enqueue_job(_job("https://example.org/poison"), NOW)
    store.claim_job(NOW)
    store.requeue_job(job_id, error="Slack unavailable", now=NOW, counts=False)  # an outage: not an attempt
    for _ in range(3):  # three runs, each killed (an ownerless claim has no lease)
        assert store.claim_job(NOW)["id"] == job_id
        pool.recover()
    assert job_row(store, job_id)["state"] == "failed"
    assert failed == [(job_id, "gave up after 3 attempts (the bot stopped while working on it)")]
    store.close()


# ------------------------------------------------------------------------------------------- backoff


def test_slack_down_waits_with_growing_jittered_backoff_then_fails_once_after_the_window(tmp_path):
    """An outage is retried at growing, jittered waits on the clock (never three instant tries), uses no
    attempt, and fails with one reply only when the retry window has passed since the first wait."""
    store = Store(tmp_path / "q.db")
    clock = FixedClock(START)
    failed: list = []

    def slack_down(job):
        raise Unavailable("Slack unavailable (service_unavailable)")

    pool = _pool(store, clock, slack_down, failed, retry_window_seconds=1800)
    job_id, _ = store.enqueue_job(_job("https://example.org/a"), NOW)
    waits: list[float] = []
    while True:
        job = store.claim_job(_stamp(clock.now()))
        assert job is not None and job["id"] == job_id
        pool.run_one(job)
        row = job_row(store, job_id)
        if row["state"] != "queued":
            break
        assert row["attempts"] == 0  # an outage gives its attempt back
        ready = dt.datetime.fromisoformat(row["not_before"])
        waits.append((ready - clock.now()).total_seconds())
        clock.advance(seconds=1)
        assert store.claim_job(_stamp(clock.now())) is None  # still waiting: nothing to claim
        clock.set(ready)
    assert row["state"] == "failed" and row["error"].startswith("gave up after 30 minutes: Slack unavailable")
    assert failed == [(job_id, row["error"])]  # told once
    assert clock.now() - START == dt.timedelta(minutes=30)  # the last try came at the window's end
    ceilings = [min(300.0, 5.0 * 2 ** n) for n in range(len(waits))]
    assert all(c / 2 - 1 <= w <= c for w, c in zip(waits[:-1], ceilings, strict=False))  # seconds, rounded down
    assert waits[0] <= 5 and waits[5] >= 79  # 2.5–5 s first, 80–160 s by the sixth
    assert 10 <= len(waits) <= 19, waits  # what 30 minutes of 2.5 s … 5 min waits allow


def test_a_failure_that_cannot_be_told_while_slack_is_down_waits_instead_of_vanishing(tmp_path):
    """Slack down for two hours (longer than the 30-minute window): neither the brief nor an error reply
    can be posted, so the job is never marked failed unheard; it keeps waiting, and when Slack is back it
    ends in one reply — here a 404 page's error, told once."""
    store = Store(tmp_path / "q.db")
    clock = FixedClock(START)
    slack = {"down": True}
    told: list[str] = []

    def handler(job):
        if slack["down"]:
            raise Unavailable("Slack unavailable (service_unavailable)")
        raise FetchError("HTTP 404 from the site")

    def on_failed(job, reason):
        if slack["down"]:
            raise Unavailable("Slack unavailable (service_unavailable)")
        told.append(reason)

    pool = WorkerPool(store, handler, on_failed, clock, rng=random.Random(3), retry_window_seconds=1800)
    job_id, _ = store.enqueue_job(_job("https://example.org/gone"), NOW)
    while clock.now() < START + dt.timedelta(hours=2):
        job = store.claim_job(_stamp(clock.now()))
        pool.run_one(job)
        row = job_row(store, job_id)
        assert row["state"] == "queued" and row["attempts"] == 0, row
        clock.set(dt.datetime.fromisoformat(row["not_before"]))
    assert row["error"].startswith("gave up after 30 minutes") and told == []
    slack["down"] = False
    pool.run_one(store.claim_job(_stamp(clock.now())))
    assert job_row(store, job_id)["state"] == "failed" and told == ["HTTP 404 from the site"]
    store.close()


def test_jobs_that_fail_together_do_not_come_back_together():
    rng = random.Random(1)
    first_waits = [backoff_seconds(0, rng) for _ in range(100)]
    assert all(2.5 <= w <= 5 for w in first_waits)
    assert len({round(w, 1) for w in first_waits}) > 15  # spread over the interval, not one instant
    assert all(150 <= backoff_seconds(n, rng) <= 300 for n in (6, 10, 40, 1000))  # capped at 5 minutes


def test_what_counts_as_an_outage():
    from urllib.error import URLError

    from slack_sdk.errors import SlackApiError
    from slack_sdk.web import SlackResponse

    def api_error(status: int, error: str) -> SlackApiError:
        response = SlackResponse(client=None, http_verb="POST", api_url="http://127.0.0.1/x", req_args={},
                                 data={"ok": False, "error": error}, headers={}, status_code=status)
        return SlackApiError("refused", response)

    assert is_transient(URLError("connection refused"))
    assert is_transient(TimeoutError("timed out")) and is_transient(ConnectionResetError())
    assert is_transient(api_error(503, "service_unavailable")) and is_transient(api_error(429, "ratelimited"))
    assert is_transient(api_error(200, "ratelimited")) and is_transient(Unavailable("Slack unavailable"))
    assert not is_transient(api_error(200, "channel_not_found"))
    assert not is_transient(FetchError("timed out fetching the page"))  # a final answer about the input
    assert not is_transient(KeyError("bug"))


def test_an_input_error_fails_at_once_and_a_bug_uses_attempts(tmp_path):
    store = Store(tmp_path / "q.db")
    clock = FixedClock(START)
    failed: list = []

    def handler(job):
        if job["source"].endswith("404"):
            raise FetchError("HTTP 404 from the site")
        raise KeyError("a bug")

    pool = _pool(store, clock, handler, failed, max_attempts=2)
    bad, _ = store.enqueue_job(_job("https://example.org/404", ts="1.1"), NOW)
    bug, _ = store.enqueue_job(_job("https://example.org/bug", ts="1.2", channel="C2"), NOW)
    pool.run_one(store.claim_job(NOW))
    assert (job_row(store, bad)["state"], failed) == ("failed", [(bad, "HTTP 404 from the site")])
    pool.run_one(store.claim_job(NOW))
    row = job_row(store, bug)
    assert (row["state"], row["attempts"]) == ("queued", 1) and row["not_before"] > NOW  # waits, counted
    clock.set(dt.datetime.fromisoformat(row["not_before"]))
    pool.run_one(store.claim_job(_stamp(clock.now())))
    assert job_row(store, bug)["state"] == "failed"
    assert failed[1] == (bug, "gave up after 2 attempts: unexpected error (KeyError)")
    store.close()


def test_a_waiting_job_holds_later_jobs_of_its_conversation_back(tmp_path):
    """Replies keep their order: while a channel's job waits out a backoff, that channel's later jobs wait
    behind it; other channels go on."""
    store = Store(tmp_path / "q.db")
    first, _ = store.enqueue_job(_job("https://example.org/1", ts="1.1"), NOW)
    later, _ = store.enqueue_job(_job("https://example.org/2", ts="1.2"), NOW)
    other, _ = store.enqueue_job(_job("https://example.org/3", ts="1.3", channel="C2"), NOW)
    store.claim_job(NOW)
    retry_at = _stamp(START + dt.timedelta(seconds=5))
    store.requeue_job(first, error="Slack unavailable", now=NOW, not_before=retry_at, counts=False)
    assert store.claim_job(NOW)["id"] == other
    assert store.claim_job(NOW) is None
    assert store.claim_job(retry_at)["id"] == first
    assert store.claim_job(retry_at)["id"] == later
    store.close()


class DownSlack(FakeSlack):
    """A fake Slack whose chat.postMessage answers HTTP 503 while `down` is set."""

    down = False

    def _answer(self, call):
        if self.down and call.method == "chat.postMessage":
            return 503, {"ok": False, "error": "service_unavailable"}, {}
        return super()._answer(call)


def test_a_link_posted_while_slack_is_down_waits_and_is_briefed_once_when_it_is_back(settings, clock,
                                                                                   article_server):  # noqa: F811
    """Slack answers 503 to every post for 20 minutes (on the clock): the job waits, is never failed and
    no error is posted; when Slack is back the brief is posted once."""
    article_server.html("/rates", RATES_HTML)
    fake = DownSlack().start()
    fake.down = True
    bot = start_bot(settings, clock, fake, workers=1)
    try:
        event = bot.events.message(f"<{article_server.url('/rates')}>")
        assert bot.events.event(event).status == 200
        job = poll(lambda: bot.store.jobs_for_message("T0TEST", "C0NEWS", event["ts"]))[0]
        row = poll(lambda: (r := job_row(bot.store, job["id"]))["retries"] == 1 and r)  # the first refusal
        outage_ends = clock.now() + dt.timedelta(minutes=20)
        while clock.now() < outage_ends:  # twenty minutes of outage, a minute at a time
            clock.advance(minutes=1)
            if row["not_before"] <= _stamp(clock.now()):  # due: the worker tries again, and waits again
                retries = row["retries"]
                row = poll(lambda n=retries: (r := job_row(bot.store, job["id"]))["retries"] > n and r)
            assert row["state"] == "queued" and row["attempts"] == 0, row["error"]
        refused = fake.calls_to("chat.postMessage")
        assert row["retries"] >= 6 and len(refused) >= 6 and all(c.status == 503 for c in refused)
        assert fake.posts() == []  # nothing went out, not even an error reply
        fake.down = False
        clock.advance(minutes=5)  # past any wait (backoff is capped at 5 minutes)
        fake.wait_for(lambda: job_row(bot.store, job["id"])["state"] == "done")
        assert len(_brief_posts(fake, "C0NEWS", event["ts"])) == 1
        assert fake.posts() == _brief_posts(fake, "C0NEWS", event["ts"])  # the brief, and no error reply
    finally:
        stop_bot(bot)
        fake.stop()


# ------------------------------------------------------------------------------------------- fairness


def _claim_order(store: Store) -> list[str]:
    order = []
    while (job := store.claim_job(NOW)) is not None:
        order.append(job["team"])
    return order


def test_one_teams_burst_does_not_delay_another_teams_link(tmp_path):
    """Team A queues 100 links, then team B one: B's is claimed second, not 101st."""
    store = Store(tmp_path / "q.db")
    for i in range(100):
        store.enqueue_job(_job(f"https://a.example/{i}", team="TA", ts=f"1.{i}"), NOW)
    store.enqueue_job(_job("https://b.example/1", team="TB", channel="CB"), NOW)
    order = _claim_order(store)
    assert len(order) == 101 and order.index("TB") == 1
    store.close()


def test_claims_go_round_the_teams_oldest_first_within_each(tmp_path):
    store = Store(tmp_path / "q.db")
    for team, n in (("TA", 5), ("TB", 2), ("TC", 3)):
        for i in range(n):
            store.enqueue_job(_job(f"https://{team}.example/{i}", team=team, ts=f"2.{i}"), NOW)
    order = []
    while (job := store.claim_job(NOW)) is not None:
        order.append((job["team"], job["source"].rsplit("/", 1)[1]))
    assert [t for t, _ in order] == ["TA", "TB", "TC", "TA", "TB", "TC", "TA", "TC", "TA", "TA"]
    assert [i for t, i in order if t == "TA"] == ["0", "1", "2", "3", "4"]
    store.close()


def test_a_pool_briefs_another_teams_link_while_a_burst_is_queued(tmp_path):
    """End to end through the worker pool (one worker): B's single job runs second of 31."""
    store = Store(tmp_path / "q.db")
    clock = FixedClock(START)
    ran: list[str] = []
    for i in range(30):
        store.enqueue_job(_job(f"https://a.example/{i}", team="TA", ts=f"1.{i}"), NOW)
    store.enqueue_job(_job("https://b.example/1", team="TB", channel="CB"), NOW)
    pool = _pool(store, clock, lambda job: ran.append(job["team"]), workers=1).start()
    try:
        poll(lambda: len(ran) == 31)
    finally:
        pool.stop()
    assert ran.index("TB") == 1
    store.close()


# -------------------------------------------------------------------------------------------- pruning


def test_pruning_keeps_what_exactly_once_still_needs(tmp_path):
    store = Store(tmp_path / "q.db")
    old, recent = "2025-08-01T08:00:00+00:00", "2025-10-20T08:00:00+00:00"
    cutoff = _stamp(START - dt.timedelta(days=30))

    def job(name: str, state: str, at: str, ts: str) -> int:
        job_id, _ = store.enqueue_job(_job(f"https://example.org/{name}", ts=ts), at)
        if state != "queued":
            store.claim_job(at)
        if state == "done":
            store.finish_job(job_id, brief_id=None, now=at)
        elif state == "failed":
            store.fail_job(job_id, error="no", now=at)
        return job_id

    old_done, old_failed = job("d", "done", old, "1.1"), job("f", "failed", old, "1.2")
    old_queued, old_running = job("q", "queued", old, "1.3"), job("r", "running", old, "1.4")
    new_done = job("n", "done", recent, "1.5")

    def reply(ts: str, key: str, at: str, *, reply_ts: str | None = "9.9", brief: str | None = None) -> None:
        store.record_reply(team="T1", channel="C1", message_ts=ts, key=key, reply_ts=reply_ts, brief_id=brief, now=at)

    reply("1.1", "ask", old)  # old, nothing needs it: pruned
    reply("1.3", "https://example.org/q", old)  # its message still has a queued job: kept
    reply("1.6", "pending", old, reply_ts=None)  # a post in progress: kept
    reply("1.7", "https://example.org/b", old, brief="B1")  # B1's first reply (its permalink): kept
    reply("1.8", "https://example.org/b", old, brief="B1")  # a later reply of B1: pruned
    reply("1.9", "cmd:help", recent)  # recent: kept
    assert store.prune_jobs(cutoff) == 2
    assert store.prune_replies(cutoff) == 2
    assert {j["id"] for j in job_rows(store)} == {old_queued, old_running, new_done}
    assert {old_done, old_failed}.isdisjoint(j["id"] for j in job_rows(store))
    kept = {(r["message_ts"], r["key"]) for r in store._query("select * from replies")}
    assert kept == {("1.3", "https://example.org/q"), ("1.6", "pending"), ("1.7", "https://example.org/b"),
                    ("1.9", "cmd:help")}
    assert store.brief_reply("B1")["message_ts"] == "1.7"
    store.close()


def test_the_running_pool_prunes_on_start_and_then_daily(tmp_path):
    store = Store(tmp_path / "q.db")
    clock = FixedClock(START)
    done_at = [START - dt.timedelta(days=31), START - dt.timedelta(days=29, hours=12)]
    ids = []
    for i, at in enumerate(done_at):
        job_id, _ = store.enqueue_job(_job(f"https://example.org/{i}", ts=f"1.{i}"), _stamp(at))
        store.claim_job(_stamp(at))
        store.finish_job(job_id, brief_id=None, now=_stamp(at))
        ids.append(job_id)
    pool = _pool(store, clock, lambda job: None, retention_days=30).start()
    try:
        assert [j["id"] for j in job_rows(store)] == [ids[1]]  # on start: the 31-day-old job
        clock.advance(hours=23)
        pool.maintain()
        # 30.5 days old now, but not yet a day since the last pruning
        assert [j["id"] for j in job_rows(store)] == [ids[1]]
        clock.advance(hours=1)
        pool.maintain()
        assert job_rows(store) == []
    finally:
        pool.stop()
        store.close()


# ------------------------------------------------------------------------------------------- settings


def test_retry_window_and_retention_settings():
    settings = load_settings({"BRIEFBOT_RETRY_WINDOW": "45m", "BRIEFBOT_RETENTION_DAYS": "7"}, dotenv=False)
    assert (settings.retry_window_seconds, settings.retention_days) == (2700, 7)
    defaults = load_settings({}, dotenv=False)
    assert (defaults.retry_window_seconds, defaults.retention_days) == (1800, 30)
    with pytest.raises(ConfigError, match="BRIEFBOT_RETENTION_DAYS"):
        load_settings({"BRIEFBOT_RETENTION_DAYS": "0"}, dotenv=False)
    with pytest.raises(ConfigError, match="BRIEFBOT_RETRY_WINDOW"):
        load_settings({"BRIEFBOT_RETRY_WINDOW": "soon"}, dotenv=False)
