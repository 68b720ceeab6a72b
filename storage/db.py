"""Open the database the way every process must: WAL, foreign keys, a busy timeout.

WAL lets the Slack workers, the scheduler and a CLI read while one of them writes; the busy timeout makes
a second writer wait instead of failing with "database is locked".
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 30_000


def _enable_wal(db: sqlite_utils.Database) -> None:
    """Switch a new file to WAL. Two processes opening a brand-new file at once can see "database is
    locked" here without the busy handler being consulted, so the switch is retried like a busy wait."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if db.journal_mode != "wal":
                db.enable_wal()
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) and "busy" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def connect(path: str | Path) -> sqlite_utils.Database:
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db = sqlite_utils.Database(conn, execute_plugins=False)
    _enable_wal(db)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return db
