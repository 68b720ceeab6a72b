"""Slack jobs as a type: every kind survives its row, and rows queued by an earlier version still run."""

from __future__ import annotations

import json

import pytest

from bot.slack.job import JobKind, Origin, SlackJob
from bot.slack.jobs import HANDLERS
from storage import Store
from storage.migrations import MIGRATIONS, m005_typed_slack_jobs
from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.fake_slack import FakeSlack, start_bot, stop_bot
from tests.helpers.store_peek import job_row, job_rows, migrated_until
from tests.test_slack_e2e import RATES_HTML, _brief_posts

NOW = "2025-10-27T08:00:00+00:00"
HERE = Origin(team="T1", channel="C1", message_ts="1761555600.000100", thread_ts="1761555600.000100", user="U1",
              visibility="public")
EVERY_KIND = [
    SlackJob(JobKind.POSTED_LINK, HERE, url="https://news.test/a"),
    SlackJob(JobKind.COMMAND_LINK, Origin("T1", "C1", "slash:t1", None, "U1"), url="https://news.test/b"),
    SlackJob(JobKind.SHORTCUT_LINK, HERE, url="https://news.test/c"),
    SlackJob(JobKind.SHORTCUT_TEXT, HERE, text="Pasted article text."),
    SlackJob(JobKind.SKIPPED_LINKS, HERE, skipped=("https://news.test/6", "https://news.test/7")),
    SlackJob(JobKind.QUESTION, HERE, question="what's on: Wednesday?"),
    SlackJob(JobKind.COMMAND, HERE, command="week"),
    SlackJob(JobKind.DIGEST_NOW, Origin("T1", "C1", "slash:t2", None, "U1")),
    SlackJob(JobKind.REBRIEF, HERE, brief_id="B4"),
]


def test_every_kind_has_a_handler_and_a_test_job():
    assert set(HANDLERS) == set(JobKind) == {job.kind for job in EVERY_KIND}


@pytest.mark.parametrize("job", EVERY_KIND, ids=lambda j: j.kind.value)
def test_a_job_reads_back_from_its_stored_row(tmp_path, job):
    store = Store(tmp_path / "j.db")
    job_id, created = store.enqueue_job(job.to_row(), NOW)
    row = job_row(store, job_id)
    assert created and SlackJob.from_row(row) == SlackJob(**{**job.__dict__, "id": job_id})
    assert not row["source"].startswith(("ask:", "cmd:", "skipped:", "rebrief:"))
    store.close()


def test_a_question_and_the_same_text_briefed_are_two_jobs(tmp_path):
    """A DM's pasted text is answered as a question; "Brief this" on it must still brief it."""
    store = Store(tmp_path / "j.db")
    text = "The central bank meets on Wednesday."
    _, first = store.enqueue_job(SlackJob(JobKind.QUESTION, HERE, question=text).to_row(), NOW)
    _, second = store.enqueue_job(SlackJob(JobKind.SHORTCUT_TEXT, HERE, text=text).to_row(), NOW)
    assert first and second
    store.close()


def test_an_unknown_kind_fails_when_read_not_later():
    with pytest.raises(ValueError):
        SlackJob.from_row({**EVERY_KIND[0].to_row(), "kind": "lnik"})


def test_reply_keys_keep_their_spelling():
    """Replies already recorded (and posted with these keys in their metadata) must still be found."""
    keys = {job.kind: (job.reply_key, job.error_key) for job in EVERY_KIND}
    assert keys[JobKind.POSTED_LINK] == ("https://news.test/a", "error:https://news.test/a")
    assert keys[JobKind.SHORTCUT_TEXT] == ("text", "error:text")
    assert keys[JobKind.SKIPPED_LINKS] == ("skipped", "error:skipped:https://news.test/6 https://news.test/7")
    assert keys[JobKind.QUESTION] == ("ask", "error:ask:what's on: Wednesday?")
    assert keys[JobKind.COMMAND] == ("cmd:week", "error:cmd:week")
    assert keys[JobKind.DIGEST_NOW] == ("digest", "error:digest")
    assert keys[JobKind.REBRIEF] == ("rebrief:B4", "error:rebrief:B4")


# -- upgrade: rows queued before m005 ---------------------------------------------------------------------

OLD_ROWS = [  # (kind, source, message_ts) as the earlier version wrote them
    ("link", "https://news.test/a", "1761555600.000100"),
    ("url", "https://news.test/b", "slash:t1"),
    ("url", "https://news.test/c", "1761555600.000101"),
    ("text", "Pasted article text.", "1761555600.000102"),
    ("skipped", "skipped:https://news.test/6 https://news.test/7", "1761555600.000100"),
    ("ask", "ask:what's on: Wednesday?", "1761555600.000103"),
    ("cmd", "cmd:week", "1761555600.000104"),
    ("digest", "digest", "slash:t2"),
    ("rebrief", "rebrief:B4", "1761555600.000105"),
]


def old_database(path, rows) -> None:
    """A database as the version before m005 left it, with jobs still queued."""
    db = migrated_until(path, m005_typed_slack_jobs, NOW)
    for kind, source, ts in rows:
        db["jobs"].insert({"source": source, "team": "T1", "channel": "C1", "visibility": "public", "message_ts": ts,
                           "thread_ts": ts, "user": "U1", "kind": kind, "state": "queued", "attempts": 0,
                           "created_at": NOW, "updated_at": NOW})
    db.close()


def test_jobs_queued_before_the_upgrade_read_back_typed(tmp_path):
    assert MIGRATIONS[4].__name__ == "m005_typed_slack_jobs"
    old_database(tmp_path / "old.db", OLD_ROWS)
    store = Store(tmp_path / "old.db")  # opening it applies m005
    jobs = [SlackJob.from_row(row) for row in job_rows(store)]
    assert [job.kind for job in jobs] == [JobKind.POSTED_LINK, JobKind.COMMAND_LINK, JobKind.SHORTCUT_LINK,
                                          JobKind.SHORTCUT_TEXT, JobKind.SKIPPED_LINKS, JobKind.QUESTION,
                                          JobKind.COMMAND, JobKind.DIGEST_NOW, JobKind.REBRIEF]
    assert [job.url for job in jobs[:3]] == ["https://news.test/a", "https://news.test/b", "https://news.test/c"]
    assert jobs[3].text == "Pasted article text."
    assert jobs[4].skipped == ("https://news.test/6", "https://news.test/7")
    assert jobs[5].question == "what's on: Wednesday?"
    assert (jobs[6].command, jobs[8].brief_id) == ("week", "B4")
    assert json.loads(job_rows(store)[5]["source"]) == {"question": "what's on: Wednesday?"}  # readable as stored
    # the same job written by this version has the same key, so a redelivery is still one job
    assert [(j.to_row()["kind"], j.to_row()["source"]) for j in jobs] == [(r["kind"], r["source"])
                                                                           for r in job_rows(store)]
    store.close()


def test_a_link_queued_before_the_upgrade_is_briefed_after_it(settings, clock, article_server):  # noqa: F811
    """The durable queue survives an upgrade: the bot started on the old database posts the brief."""
    article_server.html("/rates", RATES_HTML)
    ts, url = "1761555600.000501", article_server.url("/rates")
    old_database(settings.db_path, [("link", url, ts)])
    fake = FakeSlack().start()
    bot = start_bot(settings, clock, fake)
    try:
        fake.wait_for(lambda: _brief_posts(fake, "C1", ts))
        fake.wait_for(lambda: job_rows(bot.store)[0]["state"] == "done")
        assert len(_brief_posts(fake, "C1", ts)) == 1
    finally:
        stop_bot(bot)
        fake.stop()
