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
from tests.helpers.fake_slack import fake_slack  # noqa: F401 - fixture
from tests.helpers.store_peek import job_rows

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


def _can_mount_read_only(folder: Path) -> bool:
    try:
        probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -o bind,ro '{folder}' '{folder}'"],
                               capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.mark.parametrize("command", [["briefs"], ["run"]])
def test_a_database_on_a_read_only_mount_is_one_error_line(tmp_path, command):
    """What an operator meets with a read-only volume: a private mount namespace binds the folder read-only
    (root ignores permissions, not a read-only mount)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    Store(folder / "briefbot.db").close()
    if not _can_mount_read_only(folder):
        pytest.skip("this machine cannot make a private read-only mount (unshare/mount not permitted)")
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env = {**keep, "PYTHONPATH": str(ROOT), "BRIEFBOT_DB": str(folder / "briefbot.db"),
           "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s" * 32,
           "SLACK_API_URL": "http://127.0.0.1:9/api/", "PORT": "0", "BRIEFBOT_HOST": "127.0.0.1"}
    script = f"mount -o bind,ro '{folder}' '{folder}' && exec '{sys.executable}' -m bot {' '.join(command)}"
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "read-only" in _error_line(proc.stderr)


def test_a_full_disk_is_a_storage_full_error_and_the_store_stays_usable(tmp_path):
    store = Store(tmp_path / "full.db")
    pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    store.db.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageFullError, match="can't save right now"):
        with store.write() as db:
            db["jobs"].insert_all([{"kind": "link", "channel": "C1", "source": "x" * 3000 + str(i), "state": "queued",
                                    "attempts": 0, "created_at": "t", "updated_at": "t"} for i in range(50)])
    assert job_rows(store) == []  # rolled back whole
    store.db.conn.execute("PRAGMA max_page_count = 1073741823")
    store.enqueue_job({"kind": "link", "channel": "C1", "source": "https://x.test/a"}, now="t")
    assert len(job_rows(store)) == 1
    store.close()


# ------------------------------------------------------------------------------- disk full during a job


def test_disk_full_during_a_job_keeps_it_queued_and_tells_the_user_once(settings, clock, fake_slack,  # noqa: F811
                                                                        article_server):
    """The worker's writes hit "database or disk is full": the link is not lost, the thread says so once,
    the job waits (no attempt used) and is briefed once space is back — one notice, then one brief."""
    from tests.helpers.articles import article_html
    from tests.helpers.fake_slack import start_bot, stop_bot

    # long enough that saving it needs new pages (short rows fit in the tables' existing pages)
    extra = "".join(f"<p>Paragraph {i}: the county housing office said repairs on block {i} would start in "
                    f"spring and cost about {i * 7} thousand euros, according to the published plan.</p>"
                    for i in range(120))
    article_server.html("/story", article_html(4).replace("</article>", extra + "</article>"))
    bot = start_bot(settings, clock, fake_slack, workers=1, start=False)
    store = bot.services.store
    try:
        event = bot.events.message(f"<{article_server.url('/story')}>")
        assert bot.events.event(event).status == 200  # queued by the ack path's own connection
        with store._lock:  # noqa: SLF001 - the workers' connection gets a size limit: a "full disk"
            pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
            store.db.conn.execute(f"PRAGMA max_page_count = {pages}")
        bot.runtime.start(digests=False)

        def thread():
            return bot.fake.posts("C0NEWS", event["ts"])

        (notice,) = bot.fake.wait_for(thread, timeout=20)
        assert "can't save right now" in notice.args["text"]
        job = bot.fake.wait_for(lambda: [j for j in job_rows(store) if j["state"] == "queued"], timeout=10)[0]
        assert job["attempts"] == 0 and "can't save right now" in job["error"]

        # Still full when the pause ends: tried again, kept queued, nobody is told twice.
        clock.advance(seconds=31)
        bot.fake.wait_for(lambda: article_server.count("/story") == 2, timeout=20)
        bot.fake.wait_for(lambda: job_rows(store)[0]["state"] == "queued", timeout=10)
        assert len(thread()) == 1

        with store._lock:  # noqa: SLF001 - space is back
            store.db.conn.execute("PRAGMA max_page_count = 1073741823")
        clock.advance(minutes=2)
        bot.fake.wait_for(lambda: len(thread()) == 2, timeout=30)
        assert thread()[1].args.get("blocks")[0]["type"] == "header"  # the brief
        bot.fake.wait_for(lambda: job_rows(store)[0]["state"] == "done", timeout=10)
    finally:
        stop_bot(bot)
