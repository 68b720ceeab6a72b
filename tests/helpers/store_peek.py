"""Reads and bulk writes that only tests and benches need, kept out of the production `Store` API.

Plain functions taking a store. They read the tables directly (`store._query`) so a test can check
what the bot wrote without the production API growing a method for it.
"""

from __future__ import annotations

from storage import Store


def job_row(store: Store, job_id: int) -> dict | None:
    """One `jobs` row by id."""
    return store._one("select * from jobs where id = ?", [job_id])


def job_rows(store: Store, state: str | None = None) -> list[dict]:
    """Every `jobs` row (in one state when given), oldest first."""
    if state:
        return store._query("select * from jobs where state = ? order by id", [state])
    return store._query("select * from jobs order by id")


def digest_rows(store: Store, channel: str | None = None) -> list[dict]:
    """The digest ledger (of one channel when given), oldest first."""
    if channel:
        return store._query("select * from digests where channel = ? order by id", [channel])
    return store._query("select * from digests order by id")


def usage_rows(store: Store, since: str | None = None) -> list[dict]:
    """Every `usage` row (from a UTC day on when given), oldest first."""
    if since:
        return store._query("select * from usage where day >= ? order by id", [since])
    return store._query("select * from usage order by id")


def bulk_load(store: Store, *, articles: list[dict], briefs: list[dict], chunks: list[dict]) -> None:
    """Insert many rows in one transaction (benches). Rows carry their own ids: articles `id`, briefs `n`
    with `id` = "B<n>", chunks `article_id`/`n`; the FTS triggers index them."""
    with store.write() as db:
        db["articles"].insert_all(articles, batch_size=2000)
        db["chunks"].insert_all(chunks, batch_size=2000)  # before briefs: their trigger indexes chunks
        db["briefs"].insert_all(briefs, batch_size=2000)


def forget_term_frequencies(store: Store) -> None:
    """Drop the store's cached word stems (the counts themselves are read from `chunk_terms` each time),
    so a bench measures retrieval's cold path."""
    store.__dict__.pop("_stem_cache", None)


def bulk_jobs(store: Store, jobs: list[dict]) -> None:
    """Insert many finished or queued `jobs` rows in one transaction (benches)."""
    with store.write() as db:
        db["jobs"].insert_all(jobs, batch_size=2000)


def migrated_until(path, migration, applied_at: str = "2025-10-27T08:00:00+00:00"):
    """A sqlite-utils database at `path` as the version before `migration` left it: every earlier step
    applied and recorded, none from `migration` on (for upgrade tests)."""
    from storage.db import connect
    from storage.migrations import MIGRATIONS

    db = connect(path)
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
    for step in MIGRATIONS[: MIGRATIONS.index(migration)]:
        step(db)
        db["_migrations"].insert({"name": step.__name__, "applied_at": applied_at})
    return db
