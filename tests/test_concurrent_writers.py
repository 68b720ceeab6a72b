"""Two processes writing the same SQLite file: no lost writes, no "database is locked" reaching users."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _write_sources(folder: Path, prefix: str, count: int) -> list[str]:
    paths = []
    for i in range(count):
        path = folder / f"{prefix}-{i}.txt"
        path.write_text(
            f"Report {prefix}-{i}: the committee will meet on Thursday to decide on rates.\n\n"
            f"Officials said inflation in region {prefix}{i} eased to {i % 5 + 1}.{i % 10}% last month, "
            "while hiring slowed and wage growth cooled for a third straight quarter.\n\n"
            f"Whether the {prefix} board will cut again in December remains unclear, analysts said."
        )
        paths.append(str(path))
    return paths


def test_two_processes_ingesting_into_one_file_lose_nothing(tmp_path):
    db = tmp_path / "shared.db"
    env = {**os.environ, "BRIEFBOT_DB": str(db), "OPENAI_API_KEY": "", "PYTHONPATH": str(ROOT)}
    batches = [_write_sources(tmp_path, name, 15) for name in ("alpha", "beta")]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "ingest", "--published", "2025-10-27", "--channel", f"C{n}", *batch],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for n, batch in enumerate(batches)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from briefs").fetchone()[0] == 30
    assert conn.execute("select count(*) from articles").fetchone()[0] == 30
    ids = [r[0] for r in conn.execute("select id from briefs")]
    assert len(set(ids)) == 30  # typeable ids stay unique across processes
    assert conn.execute("select count(distinct brief_id) from events").fetchone()[0] == 30
