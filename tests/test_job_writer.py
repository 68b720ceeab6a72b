"""The ack path's group commit: concurrent listeners, redelivered keys, a busy database, a closed writer."""

from __future__ import annotations

import threading

from bot.slack.intake import JobWriter
from bot.slack.job import JobKind, Origin, SlackJob
from storage import Store
from tests.helpers.store_peek import job_rows

NOW = "2025-10-27T08:00:00+00:00"


def _job(n: int) -> SlackJob:
    origin = Origin(team="T1", channel="C1", visibility="public", message_ts=f"1761555600.{n:06d}", thread_ts=None,
                    user="U1")
    return SlackJob(JobKind.POSTED_LINK, origin, url=f"https://example.org/{n}")


def test_concurrent_listeners_with_overlapping_keys_make_one_row_each(tmp_path):
    store = Store(tmp_path / "b.db")
    writer = JobWriter(store, store.ack_path_store())
    results: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def listener(offset: int) -> None:
        for n in range(40):
            made = writer.enqueue([_job((n + offset) % 50)], NOW)
            with lock:
                results.extend((job_id, created) for _, job_id, created in made)

    # one thread holds SQLite's write lock for a while through the main connection: writers must wait, not fail
    with store.write():
        threads = [threading.Thread(target=listener, args=(i * 7,)) for i in range(8)]
        for t in threads:
            t.start()
        threading.Event().wait(0.2)
    for t in threads:
        t.join(timeout=30)
    rows = job_rows(store)
    assert len(rows) == 50  # the listeners together cover 50 distinct links
    keys_seen = {r["message_ts"] for r in rows}
    assert len(rows) == len(keys_seen)  # never two rows for one key
    assert sum(created for _, created in results) == len(rows)  # "created" exactly once per row
    ids = {job_id for job_id, _ in results}
    assert ids == {r["id"] for r in rows}
    writer.close()


def test_after_close_writes_go_through_the_shared_store(tmp_path):
    store = Store(tmp_path / "b.db")
    writer = JobWriter(store, store.ack_path_store())
    writer.close()
    (_, job_id, created), = writer.enqueue([_job(1)], NOW)
    (_, again, created_again), = writer.enqueue([_job(1)], NOW)
    assert created and not created_again and job_id == again
    assert [r["id"] for r in job_rows(store)] == [job_id]
