"""The store on a real SQLite file: migrations, FTS, transactions, the job queue and the digest ledger."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from storage import Store
from storage.migrations import MIGRATIONS, migrate
from tests.helpers.store_peek import digest_rows, job_row

NOW = "2025-10-27T08:00:00+00:00"


def _save(store: Store, url: str = "https://example.org/a", channel: str = "C1", **brief) -> str:
    return store.save_brief(
        article={"url": url, "content_hash": url, "title": "Fed cuts rates", "text": "The Fed cut rates by 25bp."},
        brief={
            "team": "T1",
            "channel": channel,
            "visibility": "public",
            "tldr": "The Fed cut rates.",
            "key_points": ["It cut by a quarter point."],
            "open_questions": ["Will it cut again?"],
            "backend": "embedded",
            **brief,
        },
        events=[{"title": "Fed rate decision", "date": "2025-10-29", "precision": "day", "evidence": "x"}],
        storylines=[],
        new_storylines=["Fed policy"],
        chunks=["The Fed cut rates by 25bp."],
        usage=None,
        now=NOW,
    )


def test_migrations_apply_once_and_the_file_opens_in_sqlite_utils(tmp_path):
    path = tmp_path / "b.db"
    store = Store(path)
    assert migrate(store.db) == []  # already applied by Store()
    store.close()
    db = sqlite_utils.Database(path)
    names = set(db.table_names())
    assert {"articles", "briefs", "storylines", "brief_storylines", "events", "digests", "jobs"} <= names
    assert {"articles_fts", "briefs_fts", "events_fts", "chunks_fts"} <= names
    assert [r["name"] for r in db["_migrations"].rows] == [m.__name__ for m in MIGRATIONS]
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_save_brief_assigns_typeable_ids_and_fts_finds_it(tmp_path):
    store = Store(tmp_path / "b.db")
    brief_id = _save(store)
    assert brief_id == "B1"
    record = store.get_brief("b1")
    assert record["storylines"] == [{"id": "S1", "title": "Fed policy", "status": "open"}]
    assert record["events"][0]["date"] == "2025-10-29"
    assert record["key_points"] == ["It cut by a quarter point."]
    hits = list(store.db.query("select rowid from briefs_fts where briefs_fts match 'cut'"))
    assert len(hits) == 1
    assert list(store.db.query("select rowid from events_fts where events_fts match 'decision'"))


def test_save_brief_is_one_transaction(tmp_path):
    store = Store(tmp_path / "b.db")
    with pytest.raises(sqlite3.IntegrityError):
        # visibility is NOT NULL: the brief insert fails after the article insert; nothing may remain.
        _save(store, visibility=None)
    assert store.db["articles"].count == 0
    assert store.db["storylines"].count == 0


def test_one_brief_per_article_and_channel(tmp_path):
    store = Store(tmp_path / "b.db")
    _save(store)
    article = store.find_article(url="https://example.org/a")
    assert store.find_brief_for(article["id"], "T1", "C1") == "B1"
    assert store.find_brief_for(article["id"], "T1", "C2") is None


def test_job_queue_claims_atomically_and_requeues_after_a_crash(tmp_path):
    store = Store(tmp_path / "b.db")
    job = {"source": "https://example.org/a", "team": "T1", "channel": "C1", "message_ts": "1.0"}
    first, created = store.enqueue_job(job, NOW)
    again, created_again = store.enqueue_job(job, NOW)
    assert created and not created_again and first == again
    claimed = store.claim_job(NOW)
    assert claimed["id"] == first and claimed["attempts"] == 1
    assert store.claim_job(NOW) is None  # nothing else queued
    requeued, failed = store.requeue_stale_jobs(max_attempts=3, now=NOW)
    assert requeued == [first] and failed == []
    for _ in range(2):
        store.claim_job(NOW)
        store.requeue_stale_jobs(max_attempts=3, now=NOW)
    row = job_row(store, first)
    assert row["state"] == "failed" and row["attempts"] == 3 and "gave up" in row["error"]


def test_digest_claim_is_exclusive_across_connections(tmp_path):
    path = tmp_path / "b.db"
    one, two = Store(path), Store(path)
    args = {"team": "T1", "channel": "C1", "local_date": "2025-10-27", "kind": "scheduled", "now": NOW}
    assert one.claim_digest(**args) is True
    assert two.claim_digest(**args) is False
    one.release_digest(channel="C1", local_date="2025-10-27", kind="scheduled")
    assert two.claim_digest(**args) is True
    two.mark_digest_posted(channel="C1", local_date="2025-10-27", kind="scheduled", ts="123.4", now=NOW)
    one.release_digest(channel="C1", local_date="2025-10-27", kind="scheduled")  # posted: not released
    assert digest_rows(one, "C1")[0]["posted_ts"] == "123.4"


def test_writes_commit_even_after_a_stray_implicit_transaction(tmp_path):
    path = tmp_path / "b.db"
    store = Store(path)
    store.db.execute("create temp table scratch (x)")
    store.db.conn.execute("insert into temp.scratch values (1)")  # Python opens an implicit transaction here
    assert store.db.conn.in_transaction
    _save(store)
    other = Store(path)  # another connection sees the brief only if it was committed
    assert other.db["briefs"].count == 1
