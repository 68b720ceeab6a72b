"""Open the database the way every process must: WAL, foreign keys, a busy timeout.

WAL lets the Slack workers, the scheduler and a CLI read while one of them writes; the busy timeout makes
a second writer wait instead of failing with "database is locked".
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import sqlite_utils

from storage.errors import READ_ONLY, DatabaseUnusableError, StorageError, StorageFullError, classify

BUSY_TIMEOUT_MS = 30_000
# Reads through a memory map rather than read() calls: FTS5 walks many index pages per question, and on a
# store of 100k briefs this takes about 3 ms off a cold question (bench/retrieval_bench.py). The pages are
# the OS's file cache, shared and reclaimable; writes still go through the WAL as before.
MMAP_BYTES = 1 << 30


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
    """Open (creating it and its folder if missing) and check the database.

    A file that can't serve the bot — a directory, corrupt, not a database, read-only, no room — raises
    `DatabaseUnusableError` / `StorageFullError` with a one-line reason naming the path, never a raw
    sqlite3 error: the CLI prints it as its `Error:` line and `briefbot run` stops before serving.
    """
    path = Path(path)
    if path.is_dir():
        raise DatabaseUnusableError(f"cannot use the database {path}: it is a directory, not a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker else (err.strerror or str(err))
        raise DatabaseUnusableError(f"cannot use the database {path}: cannot create its folder ({why})") from None
    conn = None
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db = sqlite_utils.Database(conn, execute_plugins=False)
        _check(conn)
        _enable_wal(db)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        _probe_write(conn)
    except (sqlite3.Error, DatabaseUnusableError) as err:
        if conn is not None:
            conn.close()
        if isinstance(err, sqlite3.Error) and not _writable(path):
            # A read-only mount or file: SQLite only says it "cannot open" the WAL's shared-memory file.
            raise DatabaseUnusableError(f"cannot use the database {path}: {READ_ONLY}") from None
        raise as_storage_error(err, path) from None
    return db


def _writable(path: Path) -> bool:
    """access(2) answers for read-only mounts even as root (which permissions alone never stop)."""
    folder_ok = os.access(path.parent, os.W_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def _check(conn: sqlite3.Connection) -> None:
    """`PRAGMA quick_check` (the O(N) integrity check without index cross-checks): a corrupt file is
    refused at start rather than failing halfway through someone's brief."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    if problems != ["ok"]:
        first = " ".join(str(problems[0]).split())[:120] if problems else "no answer"
        raise DatabaseUnusableError(f"the database file is corrupt (restore it from a backup): {first}")


def _probe_write(conn: sqlite3.Connection) -> None:
    """A write rolled back at once: a read-only file, folder or mount is found at start, not at the
    first link someone posts."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE _briefbot_write_probe (x)")
    finally:
        conn.execute("ROLLBACK")


def as_storage_error(err: BaseException, path: str | Path | None = None) -> StorageError:
    """`err` as a StorageError whose message names the database; unknown sqlite3 errors keep their text."""
    if isinstance(err, StorageError):
        found: StorageError = err
    else:
        found = classify(err) or DatabaseUnusableError(" ".join(str(err).split())[:200] or type(err).__name__)
    if path is None or isinstance(found, StorageFullError) or str(path) in str(found):
        return found
    return type(found)(f"cannot use the database {path}: {found}")
