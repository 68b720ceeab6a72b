"""`probe_database(path)`: can the bot still write its database, and how old is the oldest queued job?

`/healthz` asks this on every call, so it answers from a connection of its own, opened for the probe and
closed after it: it never waits behind the shared connection's lock (a worker in a long transaction), and
a fresh connection sees a file that was replaced, made read-only or damaged since the bot opened it.

The write is real but rolled back: `BEGIN IMMEDIATE` takes SQLite's write lock and a `CREATE TABLE` dirties
a page, which fails on a read-only file or file system ("attempt to write a readonly database") and on a
damaged one ("database disk image is malformed"); `ROLLBACK` leaves nothing behind. A write lock held by
another writer past the short busy timeout is not a fault: someone is writing, so the file is writable.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

PROBE_BUSY_MS = 50


@dataclass(frozen=True)
class DatabaseHealth:
    writable: bool
    error: str | None = None  # SQLite's own one-line reason when not writable
    oldest_queued_at: str | None = None  # since when the longest-waiting due job has waited for a worker
    queued: int = 0
    running: int = 0


def probe_database(path: str, now: str) -> DatabaseHealth:
    """`now` (a store timestamp) decides which queued jobs are due: one held back by its retry backoff
    (`not_before` still ahead) is waiting on purpose, and its wait counts from `not_before`."""
    if path in ("", ":memory:") or path.startswith("file:"):
        return DatabaseHealth(writable=True)  # nothing on disk to probe
    conn = None
    try:
        conn = sqlite3.connect(path, timeout=PROBE_BUSY_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {PROBE_BUSY_MS}")
        busy = False
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) and "busy" not in str(err):
                raise
            busy = True
        if not busy:
            try:
                conn.execute("CREATE TABLE briefbot_health_probe (x)")
            finally:
                conn.execute("ROLLBACK")
        queued, running, oldest = conn.execute(
            "SELECT coalesce(sum(state = 'queued'), 0), coalesce(sum(state = 'running'), 0),"
            " min(CASE WHEN state = 'queued' AND (not_before IS NULL OR not_before <= ?)"
            " THEN max(created_at, coalesce(not_before, created_at)) END)"
            " FROM jobs WHERE state IN ('queued', 'running')", [now]
        ).fetchone()
        return DatabaseHealth(writable=True, oldest_queued_at=oldest, queued=int(queued), running=int(running))
    except sqlite3.Error as err:
        return DatabaseHealth(writable=False, error=str(err).splitlines()[0] if str(err) else type(err).__name__)
    finally:
        if conn is not None:
            conn.close()
