"""Briefs on real pages against hand-made gold: runs the shared scorer `tools/eval_briefs.py` on `brief-dev`.

The scorer drives the `briefbot` CLI as a user would (ingest each page twice: once for the page's own
publication date, once with the gold date for the events, then asks the gold questions) and prints one
JSON line: published_acc, events_P / events_P_date, events_R / events_R_date, qa_acc (lexical,
paraphrase) and noanswer_acc. This script finds the shared folder as `../shared` next to the checkout
(or one level further up, for a worktree under `wt/`), uses this environment's `briefbot`, and prints
the scorer's JSON as its last line; without the shared data it prints {"skipped": ...}.

    .venv/bin/python bench/brief_eval.py [--json] [--skip-qa] [--detail FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_folder() -> Path | None:
    for base in (ROOT.parent, ROOT.parent.parent):
        candidate = base / "shared"
        if (candidate / "tools" / "eval_briefs.py").is_file():
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print only the JSON line")
    ap.add_argument("--skip-qa", action="store_true", help="dates and events only (faster)")
    ap.add_argument("--detail", help="write the scorer's per-page verdicts here")
    a = ap.parse_args(argv)
    shared = shared_folder()
    gold = shared / "data" / "brief-dev" / "gold.json" if shared else None
    html = shared / "data" / "extraction-dev" / "html" if shared else None
    if shared is None or not gold.is_file() or not html.is_dir():
        print(json.dumps({"skipped": "../shared/tools/eval_briefs.py or brief-dev data absent"}))
        return 0
    briefbot = Path(sys.executable).with_name("briefbot")
    if not briefbot.exists():
        print(json.dumps({"skipped": f"no briefbot next to {sys.executable}; run make test first"}))
        return 0
    cmd = [sys.executable, str(shared / "tools" / "eval_briefs.py"), "--gold", str(gold), "--html", str(html),
           "--briefbot", str(briefbot)]
    if a.skip_qa:
        cmd.append("--skip-qa")
    if a.detail:
        cmd += ["--detail", a.detail]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"eval_briefs failed: {tail}", file=sys.stderr)
        return 1
    figures = json.loads(lines[-1])
    if not a.json:
        for key in ("published_acc", "events_P", "events_P_date", "events_R", "events_R_date", "qa_acc",
                    "qa_acc_lexical", "qa_acc_paraphrase", "noanswer_acc"):
            print(f"{key:18} {figures.get(key)}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
