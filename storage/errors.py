"""Database faults as exceptions whose one-line messages are safe to show (CLI `Error:` line, Slack).

`storage` never imports `bot`, so these live here; `bot.errors` re-exports them next to its own types.
sqlite3 only says what went wrong in its message text (`sqlite_errorname` exists only from 3.11 on), so
`classify` reads both.
"""

from __future__ import annotations

import sqlite3


class StorageError(Exception):
    """The database cannot be used. `str(err)` is one line fit for a user."""


class DatabaseUnusableError(StorageError):
    """Opening or checking the database failed: corrupt, not a database, not a file, read-only, no access."""


class StorageFullError(StorageError):
    """A write failed because the disk (or the database's size limit) is full; retrying later can work."""


FULL_MESSAGE = "briefbot can't save right now: the disk holding the database is full"
READ_ONLY = "the database is read-only (check the file's and its folder's permissions and the mount)"


def _name(err: BaseException) -> str:
    return str(getattr(err, "sqlite_errorname", "") or "")


def is_full(err: BaseException) -> bool:
    return isinstance(err, sqlite3.Error) and (
        _name(err) == "SQLITE_FULL" or "database or disk is full" in str(err)
    )


def unusable_reason(err: BaseException) -> str | None:
    """A short reason when `err` means the database file itself can't be used, else None."""
    if not isinstance(err, sqlite3.Error):
        return None
    text, name = str(err).lower(), _name(err)
    if "malformed" in text or name.startswith("SQLITE_CORRUPT"):
        return "the database file is corrupt (restore it from a backup)"
    if "file is not a database" in text or name == "SQLITE_NOTADB":
        return "the file is not a briefbot database"
    if "readonly" in text or "read-only" in text or name.startswith("SQLITE_READONLY"):
        return READ_ONLY
    if "unable to open" in text or name.startswith("SQLITE_CANTOPEN"):
        return "the database file cannot be opened (check the path and permissions)"
    if "disk i/o error" in text or name.startswith("SQLITE_IOERR"):
        return "reading or writing the database failed (disk I/O error)"
    return None


def classify(err: BaseException) -> StorageError | None:
    """The storage error `err` stands for, or None for anything else (a bug, a lock timeout...)."""
    if is_full(err):
        return StorageFullError(FULL_MESSAGE)
    reason = unusable_reason(err)
    return DatabaseUnusableError(reason) if reason else None
