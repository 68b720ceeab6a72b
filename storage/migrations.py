"""Numbered migrations, each applied once, in order, recorded in `_migrations`.

Add a new function `mNNN_name(db)` at the end and list it in MIGRATIONS; never edit one that has shipped.
The schema uses plain tables, indexes and sqlite-utils FTS5 tables with triggers, so the file opens
unchanged in the `sqlite-utils` CLI and in Datasette.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlite_utils


def m001_initial(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "id": int,
            "url": str,  # canonical URL; NULL for pasted text
            "content_hash": str,
            "title": str,
            "site": str,
            "author": str,
            "published": str,  # YYYY-MM-DD
            "language": str,
            "text": str,
            "fetched_at": str,
        },
        pk="id",
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["content_hash"])

    db["briefs"].create(
        {
            "n": int,  # rowid; the typeable id is "B" + n
            "id": str,
            "article_id": int,
            "team": str,
            "channel": str,
            "visibility": str,  # public | private | dm
            "message_ts": str,
            "thread_ts": str,
            "tldr": str,
            "key_points": str,  # JSON list
            "open_questions": str,  # JSON list
            "entities": str,  # JSON list
            "backend": str,
            "model": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "cached_tokens": int,
            "notes": str,  # JSON list of validation notes
            "created_at": str,
        },
        pk="n",
        foreign_keys=[("article_id", "articles", "id")],
        not_null={"id", "article_id", "team", "channel", "visibility", "tldr", "backend", "created_at"},
    )
    db["briefs"].create_index(["id"], unique=True)
    db["briefs"].create_index(["article_id", "team", "channel"], unique=True)
    db["briefs"].create_index(["team", "created_at"])

    db["storylines"].create(
        {
            "n": int,
            "id": str,
            "team": str,
            "title": str,
            "status": str,  # open | resolved | merged
            "merged_into": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="n",
        not_null={"id", "team", "title", "status", "created_at", "updated_at"},
    )
    db["storylines"].create_index(["id"], unique=True)
    db["storylines"].create_index(["team", "status"])

    db["brief_storylines"].create(
        {"brief_id": str, "storyline_id": str, "score": float, "created_at": str},
        pk=("brief_id", "storyline_id"),
        foreign_keys=[("brief_id", "briefs", "id"), ("storyline_id", "storylines", "id")],
    )
    db["brief_storylines"].create_index(["storyline_id"])

    db["events"].create(
        {
            "id": int,
            "brief_id": str,
            "title": str,
            "date": str,  # YYYY-MM-DD: the day, the week's Monday, or the month's first
            "precision": str,  # day | week | month
            "time": str,  # HH:MM
            "timezone": str,
            "evidence": str,
        },
        pk="id",
        foreign_keys=[("brief_id", "briefs", "id")],
    )
    db["events"].create_index(["date"])
    db["events"].create_index(["brief_id"])

    db["chunks"].create(
        {"id": int, "article_id": int, "n": int, "text": str},
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["chunks"].create_index(["article_id", "n"], unique=True)

    db["digests"].create(
        {
            "id": int,
            "team": str,
            "channel": str,
            "local_date": str,
            "kind": str,  # scheduled | manual
            "state": str,  # claimed | posted
            "claimed_at": str,
            "posted_ts": str,
            "posted_at": str,
        },
        pk="id",
    )
    db["digests"].create_index(["channel", "local_date", "kind"], unique=True)

    db["jobs"].create(
        {
            "id": int,
            "source": str,
            "team": str,
            "channel": str,
            "visibility": str,
            "message_ts": str,
            "thread_ts": str,
            "user": str,
            "kind": str,  # link | text | rebrief
            "state": str,  # queued | running | done | failed
            "attempts": int,
            "error": str,
            "brief_id": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"source", "state", "attempts"},
        defaults={"attempts": 0, "state": "queued"},
    )
    db["jobs"].create_index(["team", "channel", "message_ts", "source"], unique=True)
    db["jobs"].create_index(["state"])

    db["schedules"].create(
        {
            "channel": str,
            "team": str,
            "time": str,  # HH:MM local
            "timezone": str,
            "days": str,  # mon,tue,wed,thu,fri
            "enabled": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="channel",
    )

    db["usage"].create(
        {
            "id": int,
            "team": str,
            "brief_id": str,
            "kind": str,  # brief | answer | digest_intro
            "model": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "cached_tokens": int,
            "day": str,  # UTC date, for the daily budget
            "created_at": str,
        },
        pk="id",
    )
    db["usage"].create_index(["team", "day"])

    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
    db["briefs"].enable_fts(["tldr", "key_points", "open_questions"], create_triggers=True, tokenize="porter")
    db["events"].enable_fts(["title"], create_triggers=True, tokenize="porter")
    db["chunks"].enable_fts(["text"], create_triggers=True, tokenize="porter")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [m001_initial]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations in order; each inside one transaction. Returns the names applied."""
    applied: list[str] = []
    # BEGIN IMMEDIATE takes the write lock first, so two processes starting at once cannot both apply one.
    db.execute("BEGIN IMMEDIATE")
    try:
        if "_migrations" not in db.table_names():
            db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
        done = {row["name"] for row in db["_migrations"].rows}
        for migration in MIGRATIONS:
            name = migration.__name__
            if name in done:
                continue
            migration(db)
            db["_migrations"].insert({"name": name, "applied_at": dt.datetime.now(dt.UTC).isoformat()})
            applied.append(name)
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
    return applied
