"""Database faults: a corrupt, non-database, directory or unwritable database is one `Error:` line and a
non-zero exit — for every CLI command that opens the store and for `briefbot run` — never a sqlite3
traceback; a full disk during a write is a typed `StorageFullError`.

Tests run as root, which ignores file permissions, so "unwritable" is made the ways root still meets:
a path that is a directory, a parent that is a file, a file that is not a database, a corrupt file, and
a full database (SQLite's `max_page_count`, which fails writes exactly like a full disk:
"database or disk is full").
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from storage import Store
from storage.errors import DatabaseUnusableError, StorageFullError

ROOT = Path(__file__).resolve().parent.parent


def corrupt_database(path: Path) -> None:
    """A real briefbot database with its table pages overwritten (header intact, so it still opens)."""
    store = Store(path)
    with store.write() as db:
        db["jobs"].insert_all([{"kind": "link", "channel": "C1", "source": f"https://x.test/{i}", "state": "done",
                                "attempts": 1, "created_at": "t", "updated_at": "t"} for i in range(200)])
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(page * 2, len(data), page * 3):
        data[start:start + 512] = b"\xa5" * 512
    path.write_bytes(bytes(data))


def faulty_paths(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (database path, words the error line must contain)."""
    corrupt = tmp_path / "corrupt.db"
    corrupt_database(corrupt)
    not_db = tmp_path / "notes.db"
    not_db.write_text("these are my notes, not a database\n" * 200)
    folder = tmp_path / "folder.db"
    folder.mkdir()
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    return {
        "corrupt": (corrupt, "corrupt"),
        "not a database": (not_db, "not a briefbot database"),
        "a directory": (folder, "is a directory"),
        "parent is a file": (blocker / "briefbot.db", "cannot create its folder"),
    }


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr and "sqlite3." not in stderr
    return lines[0]


@pytest.mark.parametrize("command", [["briefs"], ["ingest", "-"], ["storylines"], ["usage"]])
def test_cli_commands_refuse_a_broken_database_with_one_line(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    for name, (path, words) in faulty_paths(tmp_path).items():
        # through $BRIEFBOT_DB: `--db` already refuses a directory itself (click's usage error)
        result = CliRunner().invoke(cli, command, input="Some pasted words.\n",
                                    env={"OPENAI_API_KEY": "", "BRIEFBOT_DB": str(path)})
        assert result.exit_code == 1, (name, result.output)
        line = _error_line(result.stderr)
        assert words in line and str(path) in line, (name, line)


def test_briefbot_run_refuses_a_corrupt_database_before_serving(tmp_path):
    path, _ = faulty_paths(tmp_path)["corrupt"]
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env = {**keep, "PYTHONPATH": str(ROOT), "BRIEFBOT_DB": str(path), "SLACK_BOT_TOKEN": "xoxb-test",
           "SLACK_SIGNING_SECRET": "s" * 32, "SLACK_API_URL": "http://127.0.0.1:9/api/", "PORT": "0",
           "BRIEFBOT_HOST": "127.0.0.1"}
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert "corrupt" in _error_line(proc.stderr)


def test_a_missing_parent_folder_is_created(tmp_path):
    path = tmp_path / "new" / "deeper" / "briefbot.db"
    result = CliRunner().invoke(cli, ["--db", str(path), "briefs"], env={"OPENAI_API_KEY": ""})
    assert result.exit_code == 0, result.output
    assert path.is_file()


def test_read_only_database_is_refused_at_open(tmp_path):
    """Root can't be denied by permissions; a read-only open (what a read-only mount gives) is the same
    SQLite error, so the check is exercised through a connection opened with mode=ro."""
    from storage import db as dbmodule

    path = tmp_path / "ro.db"
    Store(path).close()
    real_connect = sqlite3.connect

    def read_only(target, *args, **kwargs):
        return real_connect(f"file:{target}?mode=ro", *args, uri=True, **kwargs)

    dbmodule.sqlite3.connect = read_only
    try:
        with pytest.raises(DatabaseUnusableError, match="read-only"):
            Store(path)
    finally:
        dbmodule.sqlite3.connect = real_connect


def test_a_full_disk_is_a_storage_full_error_and_the_store_stays_usable(tmp_path):
    store = Store(tmp_path / "full.db")
    pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    store.db.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageFullError, match="can't save right now"):
        with store.write() as db:
            db["jobs"].insert_all([{"kind": "link", "channel": "C1", "source": "x" * 3000 + str(i), "state": "queued",
                                    "attempts": 0, "created_at": "t", "updated_at": "t"} for i in range(50)])
    assert store.jobs() == []  # rolled back whole
    store.db.conn.execute("PRAGMA max_page_count = 1073741823")
    store.enqueue_job({"kind": "link", "channel": "C1", "source": "https://x.test/a"}, now="t")
    assert len(store.jobs()) == 1
    store.close()
