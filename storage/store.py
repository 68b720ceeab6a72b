"""Store: the one object callers use for every read and write, composed of one mixin per table family.

    briefs.py      articles, briefs, events, chunks     jobs.py       jobs (the ingest queue)
    search.py      FTS5 retrieval over briefs, chunks   replies.py    Slack replies, conversation kinds
    storylines.py  storylines, brief_storylines         schedules.py  schedules, the digest ledger
    usage.py       model usage, budget, reports    teams.py      a team's rows across tables (uninstall, purge)
    vectors.py     chunk embeddings, dense search

`storage/` is the only package that writes SQL. It speaks plain Python values (str, int, dict, list) so it
never needs to import `bot`; the pipeline turns rows into its dataclasses. One connection is shared by the
threads of a process and guarded by a lock; writes run in `BEGIN IMMEDIATE` transactions so a second
process waits on the busy timeout instead of failing halfway through.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from storage.briefs import BriefStore
from storage.db import as_storage_error, connect
from storage.errors import classify
from storage.health import DatabaseHealth, probe_database
from storage.jobs import JobStore
from storage.migrations import migrate
from storage.replies import ReplyStore
from storage.schedules import ScheduleStore
from storage.search import SearchStore
from storage.storylines import StorylineStore
from storage.teams import TeamStore
from storage.usage import UsageStore
from storage.vectors import VectorStore


class Store(BriefStore, SearchStore, StorylineStore, JobStore, ReplyStore, ScheduleStore, UsageStore,
            TeamStore, VectorStore):
    """Every read and write, by table family (see above); the connection and transactions live here."""

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

    def health(self, now: str) -> DatabaseHealth:
        """A rolled-back write and the queue's age, on a connection of its own (see storage/health.py)."""
        return probe_database(self.path, now)

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT). Nested use joins the outer transaction.

        Not sqlite-utils' `db.atomic()`: it opens a deferred `BEGIN`, so a transaction that reads before it
        writes (`claim_job`, `enqueue_job`) fails at once with "database is locked" when another process
        wrote meanwhile (SQLite cannot upgrade the read, and skips the busy timeout), where `BEGIN IMMEDIATE`
        waits; and it decides nesting by `conn.in_transaction`, see below.

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
