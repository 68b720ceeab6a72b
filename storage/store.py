"""Store: every read and write the app needs, as small named methods.

This is the only class that writes SQL. It speaks plain Python values (str, int, dict, list) so it never
needs to import `bot`; the pipeline turns rows into its dataclasses. One connection is shared by the
threads of a process and guarded by a lock; writes run in `BEGIN IMMEDIATE` transactions so a second
process waits on the busy timeout instead of failing halfway through.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from storage.db import as_storage_error, connect
from storage.digest_queries import DigestQueries
from storage.errors import classify
from storage.migrations import migrate
from storage.retrieval_queries import RetrievalQueries
from storage.schedule_queries import ScheduleQueries
from storage.scope import visible_scope  # also re-exported for callers
from storage.slack_queries import SlackQueries
from storage.storyline_queries import StorylineQueries
from storage.usage_queries import UsageQueries


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _loads(value: str | None, default: Any) -> Any:
    if not value:
        return default
    return json.loads(value)


class Store(StorylineQueries, RetrievalQueries, DigestQueries, ScheduleQueries, SlackQueries, UsageQueries):
    """All reads and writes. Areas with many queries live in mixins (storage/*_queries.py)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.db: sqlite_utils.Database = connect(path)
        self._lock = threading.RLock()
        self._write_depth = 0
        try:
            migrate(self.db)
        except sqlite3.Error as err:
            self.db.close()
            raise as_storage_error(err, path) from None

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # -- transactions -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT). Nested use joins the outer transaction.

        Nesting is counted here rather than read from `conn.in_transaction`: a statement run outside
        `write()` can leave Python's implicit transaction open, and joining that would leave our writes
        uncommitted. Such a leftover is committed first.
        """
        with self._lock:
            if self._write_depth:
                self._write_depth += 1
                try:
                    yield self.db
                finally:
                    self._write_depth -= 1
                return
            if self.db.conn.in_transaction:
                self.db.conn.commit()
            self._write_depth = 1
            try:
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                except BaseException:
                    self.db.rollback()
                    raise
                else:
                    self.db.execute("COMMIT")
            except sqlite3.Error as err:
                # Disk full, a corrupt page or a file gone read-only: a typed, one-line error callers
                # can act on (the worker keeps a job queued on StorageFullError); anything else as is.
                found = classify(err)
                if found is None:
                    raise
                if self.db.conn.in_transaction:
                    self.db.conn.rollback()
                raise found from err
            finally:
                self._write_depth = 0

    def _query(self, sql: str, params: Any = ()) -> list[dict]:
        with self._lock:
            try:
                return list(self.db.query(sql, params))
            except sqlite3.Error as err:
                found = classify(err)
                if found is None:
                    raise
                raise found from err

    def _one(self, sql: str, params: Any = ()) -> dict | None:
        rows = self._query(sql, params)
        return rows[0] if rows else None

    # -- articles -----------------------------------------------------------------------------------

    def find_article(self, *, url: str) -> dict | None:
        """The article stored under exactly this URL (the URL fetched, or its same-site canonical)."""
        return self._one("select * from articles where url = ?", [url])

    def find_fetched_article(self, *, content_hash: str) -> dict | None:
        """The oldest article fetched from some URL with this text; pasted text is never matched here."""
        return self._one(
            "select * from articles where content_hash = ? and url is not null order by id limit 1", [content_hash]
        )

    def find_brief_by_content(self, content_hash: str, team: str, channel: str) -> str | None:
        """A brief of pasted text with this content in this one conversation (never across conversations)."""
        row = self._one(
            """select b.id from briefs b join articles a on a.id = b.article_id
               where a.content_hash = ? and a.url is null and b.team = ? and b.channel = ?
               order by b.n limit 1""",
            [content_hash, team, channel],
        )
        return row["id"] if row else None

    # -- briefs -------------------------------------------------------------------------------------

    def save_brief(
        self,
        *,
        article: dict,
        brief: dict,
        events: list[dict],
        storylines: list[str],
        new_storylines: list[str],
        chunks: list[str],
        usage: dict | None,
        now: str,
    ) -> str:
        """Store an article (if new), its brief, events, storyline links and usage in one transaction.

        `article` holds the articles columns (an existing `id` reuses that row); `brief` the briefs columns
        without ids; `storylines` existing storyline ids to join; `new_storylines` titles to open.
        Returns the new brief id ("B42").
        """
        with self.write() as db:
            article_id = article.get("id")
            if article_id is None:
                article_id = db["articles"].insert({**article, "fetched_at": now}).last_pk
                for n, text in enumerate(chunks):
                    db["chunks"].insert({"article_id": article_id, "n": n, "text": text})
            row = {**brief, "article_id": article_id, "created_at": now, "id": "pending"}
            row["key_points"] = _dumps(row.get("key_points") or [])
            row["open_questions"] = _dumps(row.get("open_questions") or [])
            row["entities"] = _dumps(row.get("entities") or [])
            row["notes"] = _dumps(row.get("notes") or [])
            n = db["briefs"].insert(row).last_pk
            brief_id = f"B{n}"
            db.execute("update briefs set id = ? where n = ?", [brief_id, n])
            for event in events:
                db["events"].insert({**event, "brief_id": brief_id})
            linked = []
            for sid in storylines:
                if self._storyline_row(sid, brief["team"]) is not None and sid not in linked:
                    linked.append(sid)
            for title in new_storylines:
                linked.append(self._create_storyline(title, brief["team"], now))
            for sid in linked:
                db["brief_storylines"].insert(
                    {"brief_id": brief_id, "storyline_id": sid, "created_at": now}, ignore=True
                )
                db.execute("update storylines set updated_at = ? where id = ?", [now, sid])
            self._insert_brief_usage(db, usage, team=brief["team"], brief_id=brief_id, now=now)
        return brief_id

    def replace_brief_content(
        self, brief_id: str, *, brief: dict, events: list[dict], usage: dict | None, now: str
    ) -> None:
        """Rewrite a brief's text, events and backend (used by `rebrief`), keeping its id and links."""
        fields = dict(brief)
        for key in ("key_points", "open_questions", "entities", "notes"):
            if key in fields:
                fields[key] = _dumps(fields[key] or [])
        with self.write() as db:
            db["briefs"].update(self._brief_pk(brief_id), fields)
            db.execute("delete from events where brief_id = ?", [brief_id])
            for event in events:
                db["events"].insert({**event, "brief_id": brief_id})
            team = self._one("select team from briefs where id = ?", [brief_id])["team"]
            self._insert_brief_usage(db, usage, team=team, brief_id=brief_id, now=now)

    @staticmethod
    def _insert_brief_usage(db, usage: dict | None, *, team: str, brief_id: str, now: str) -> None:
        """One `usage` row for a brief's model call(s); nothing for the embedded backend (no calls)."""
        if not usage or not usage.get("calls"):
            return
        db["usage"].insert(
            {
                "team": team,
                "brief_id": brief_id,
                "kind": "brief",
                "model": usage.get("model"),
                "prompt_tokens": usage.get("prompt_tokens", 0),
                "completion_tokens": usage.get("completion_tokens", 0),
                "cached_tokens": usage.get("cached_tokens", 0),
                "day": now[:10],
                "created_at": now,
            }
        )

    def _brief_pk(self, brief_id: str) -> int:
        row = self._one("select n from briefs where id = ?", [brief_id])
        if row is None:
            raise KeyError(brief_id)
        return row["n"]

    def find_brief_for(self, article_id: int, team: str, channel: str) -> str | None:
        row = self._one(
            "select id from briefs where article_id = ? and team = ? and channel = ?", [article_id, team, channel]
        )
        return row["id"] if row else None

    def any_brief_of_article(self, article_id: int) -> dict | None:
        """The newest brief of an article, in any channel: its content is reused, never re-paid for."""
        row = self._one("select id from briefs where article_id = ? order by n desc limit 1", [article_id])
        return self.get_brief(row["id"]) if row else None

    def get_brief(self, brief_id: str) -> dict | None:
        """A brief joined with its article, events and storylines, lists decoded."""
        row = self._one(
            """
            select b.*, a.url, a.title, a.site, a.author, a.published, a.language, a.content_hash
            from briefs b join articles a on a.id = b.article_id
            where b.id = ?
            """,
            [brief_id.strip().upper()],
        )
        if row is None:
            return None
        for key in ("key_points", "open_questions", "entities", "notes"):
            row[key] = _loads(row[key], [])
        row["events"] = self._query(
            "select title, date, precision, time, timezone, evidence from events where brief_id = ? order by date, id",
            [row["id"]],
        )
        row["storylines"] = self._query(
            """
            select s.id, s.title, s.status from brief_storylines bs join storylines s on s.id = bs.storyline_id
            where bs.brief_id = ? order by s.n
            """,
            [row["id"]],
        )
        return row

    def list_briefs(self, *, team: str | None = None, limit: int = 50) -> list[dict]:
        sql = (
            "select b.id, b.created_at, b.channel, b.tldr, b.backend, a.title, a.url, a.published "
            "from briefs b join articles a on a.id = b.article_id"
        )
        params: list[Any] = []
        if team is not None:
            sql += " where b.team = ?"
            params.append(team)
        sql += " order by b.n desc limit ?"
        params.append(limit)
        return self._query(sql, params)

    def article_text_of_brief(self, brief_id: str) -> dict | None:
        return self._one(
            "select a.* from briefs b join articles a on a.id = b.article_id where b.id = ?", [brief_id]
        )

    # -- storylines ---------------------------------------------------------------------------------

    def _create_storyline(self, title: str, team: str, now: str) -> str:
        with self.write() as db:
            n = db["storylines"].insert(
                {
                    "id": "pending",
                    "team": team,
                    "title": title,
                    "status": "open",
                    "created_at": now,
                    "updated_at": now,
                }
            ).last_pk
            sid = f"S{n}"
            db.execute("update storylines set id = ? where n = ?", [sid, n])
        return sid

    def _storyline_row(self, storyline_id: str, team: str | None = None) -> dict | None:
        sql = "select * from storylines where id = ?"
        params: list[Any] = [storyline_id.strip().upper()]
        if team is not None:
            sql += " and team = ?"
            params.append(team)
        return self._one(sql, params)

    def open_storylines(self, team: str, channel: str | None = None, *, recent: int = 5,
                        limit: int = 200) -> list[dict]:
        """Open storylines the conversation (team, channel) may see, newest activity first, with the text
        of their recent visible briefs.

        A storyline is offered only when one of its briefs is visible there (`visible_scope`): its title
        was written from that brief, so a storyline begun in a private channel or a DM is never offered
        to (and never shown through) a brief elsewhere. `channel=None` sees public briefs only.
        Two queries whatever the number of storylines: this runs for every new brief.
        """
        scope, params = visible_scope(team, channel, "b")
        rows = self._query(
            f"""
            select s.id, s.title, s.updated_at from storylines s
            where s.team = ? and s.status = 'open' and exists (
                select 1 from brief_storylines bs join briefs b on b.id = bs.brief_id
                where bs.storyline_id = s.id and {scope})
            order by s.updated_at desc limit ?
            """,
            [team, *params, limit],
        )
        by_id = {row["id"]: row for row in rows}
        for row in rows:
            row["briefs"] = []
        if not rows:
            return rows
        recent_rows = self._query(
            f"""
            select storyline_id, tldr, key_points, entities, title from (
                select bs.storyline_id, b.tldr, b.key_points, b.entities, a.title,
                       row_number() over (partition by bs.storyline_id order by b.n desc) as rank
                from brief_storylines bs
                join briefs b on b.id = bs.brief_id join articles a on a.id = b.article_id
                where bs.storyline_id in ({",".join("?" * len(by_id))}) and {scope}
            ) where rank <= ? order by storyline_id, rank
            """,
            [*by_id, *params, recent],
        )
        for b in recent_rows:
            by_id[b["storyline_id"]]["briefs"].append(
                {
                    "title": b["title"],
                    "tldr": b["tldr"],
                    "key_points": _loads(b["key_points"], []),
                    "entities": _loads(b["entities"], []),
                }
            )
        return rows

    # -- jobs ---------------------------------------------------------------------------------------

    def enqueue_job(self, job: dict, now: str) -> tuple[int, bool]:
        """Queue a job unless the same (team, channel, message ts, source) exists. Returns (id, created)."""
        with self.write() as db:
            existing = self._one(
                "select id from jobs where team is ? and channel is ? and message_ts is ? and source = ?",
                [job.get("team"), job.get("channel"), job.get("message_ts"), job["source"]],
            )
            if existing:
                return existing["id"], False
            job_id = db["jobs"].insert(
                {**job, "state": "queued", "attempts": 0, "created_at": now, "updated_at": now}
            ).last_pk
        return job_id, True

    def claim_job(self, now: str) -> dict | None:
        """Atomically take the oldest queued job and mark it running (attempts + 1)."""
        with self.write() as db:
            row = self._one("select * from jobs where state = 'queued' order by id limit 1")
            if row is None:
                return None
            db.execute(
                "update jobs set state = 'running', attempts = attempts + 1, updated_at = ? where id = ?",
                [now, row["id"]],
            )
        row["state"] = "running"
        row["attempts"] += 1
        return row

    def finish_job(self, job_id: int, *, brief_id: str | None, now: str) -> None:
        with self.write() as db:
            db.execute(
                "update jobs set state = 'done', brief_id = ?, error = null, updated_at = ? where id = ?",
                [brief_id, now, job_id],
            )

    def fail_job(self, job_id: int, *, error: str, now: str) -> None:
        with self.write() as db:
            db.execute(
                "update jobs set state = 'failed', error = ?, updated_at = ? where id = ?", [error, now, job_id]
            )

    def requeue_stale_jobs(self, *, max_attempts: int, now: str) -> tuple[list[int], list[dict]]:
        """Jobs left `running` by a crash go back to the queue, or fail once they used every attempt."""
        requeued: list[int] = []
        failed: list[dict] = []
        with self.write() as db:
            for row in self._query("select * from jobs where state = 'running' order by id"):
                if row["attempts"] >= max_attempts:
                    error = f"gave up after {row['attempts']} attempts (the bot stopped while working on it)"
                    db.execute(
                        "update jobs set state = 'failed', error = ?, updated_at = ? where id = ?",
                        [error, now, row["id"]],
                    )
                    failed.append({**row, "state": "failed", "error": error})
                else:
                    db.execute("update jobs set state = 'queued', updated_at = ? where id = ?", [now, row["id"]])
                    requeued.append(row["id"])
        return requeued, failed

    def get_job(self, job_id: int) -> dict | None:
        return self._one("select * from jobs where id = ?", [job_id])

    def jobs(self, state: str | None = None) -> list[dict]:
        if state:
            return self._query("select * from jobs where state = ? order by id", [state])
        return self._query("select * from jobs order by id")

    # -- digests ledger -----------------------------------------------------------------------------

    def claim_digest(self, *, team: str, channel: str, local_date: str, kind: str, now: str) -> bool:
        """Claim (channel, local date, kind) before posting. False if it is already claimed or posted."""
        with self.write() as db:
            cursor = db.execute(
                "insert or ignore into digests (team, channel, local_date, kind, state, claimed_at) "
                "values (?, ?, ?, ?, 'claimed', ?)",
                [team, channel, local_date, kind, now],
            )
            return cursor.rowcount == 1

    def mark_digest_posted(self, *, channel: str, local_date: str, kind: str, ts: str, now: str) -> None:
        with self.write() as db:
            db.execute(
                "update digests set state = 'posted', posted_ts = ?, posted_at = ? "
                "where channel = ? and local_date = ? and kind = ?",
                [ts, now, channel, local_date, kind],
            )

    def release_digest(self, *, channel: str, local_date: str, kind: str) -> None:
        """A failed post gives the claim back so a retry can post."""
        with self.write() as db:
            db.execute(
                "delete from digests where channel = ? and local_date = ? and kind = ? and state = 'claimed'",
                [channel, local_date, kind],
            )

    def digests(self, channel: str | None = None) -> list[dict]:
        if channel:
            return self._query("select * from digests where channel = ? order by id", [channel])
        return self._query("select * from digests order by id")

    def last_posted_digest(self, channel: str, before_date: str | None = None) -> dict | None:
        sql = "select * from digests where channel = ? and state = 'posted'"
        params: list[Any] = [channel]
        if before_date:
            sql += " and local_date < ?"
            params.append(before_date)
        return self._one(sql + " order by posted_at desc limit 1", params)

    # -- usage --------------------------------------------------------------------------------------

    def record_usage(self, row: dict) -> None:
        with self.write() as db:
            db["usage"].insert(row)

    def tokens_used(self, team: str, day: str) -> int:
        row = self._one(
            "select coalesce(sum(prompt_tokens + completion_tokens), 0) as t from usage where team = ? and day = ?",
            [team, day],
        )
        return int(row["t"]) if row else 0

    def usage_rows(self, since: str | None = None) -> list[dict]:
        if since:
            return self._query("select * from usage where day >= ? order by id", [since])
        return self._query("select * from usage order by id")
