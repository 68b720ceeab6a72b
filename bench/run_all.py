"""`make bench`: run every benchmark and print one table.

Each bench script runs in its own process (so memory figures are its own) with `--json` and prints one
JSON object on its last line; a bench whose data is absent prints {"skipped": "why"}. The table shows each
figure next to its target or baseline.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _fmt(value, spec: str = "") -> str:
    if value is None:
        return "—"
    return format(value, spec) if spec else str(value)


# (script, extra args, rows(data) -> [(figure, value, target)])
BENCHES = [
    ("extract_eval.py", [], lambda d: [
        ("extraction word-4-gram F1 (dev)", _fmt(d.get("f1"), ".3f"),
         f"≥ 0.958 public; trafilatura alone here {_fmt(d.get('baseline_f1'), '.3f')}"),
    ]),
    ("summary_eval.py", [], lambda d: [
        ("TL;DR + key points ROUGE-1 / ROUGE-2 (dev)",
         f"{_fmt(d.get('rouge1'), '.1f')} / {_fmt(d.get('rouge2'), '.1f')}",
         f"Lead-3 {_fmt(d.get('lead3_rouge1'), '.1f')} / {_fmt(d.get('lead3_rouge2'), '.1f')}"),
        *[(f"  held-out: {f['fold']}", f"{_fmt(f.get('rouge1'), '.1f')} / {_fmt(f.get('rouge2'), '.1f')}",
           f"Lead-3 {_fmt(f.get('lead3_rouge1'), '.1f')} / {_fmt(f.get('lead3_rouge2'), '.1f')}")
          for f in d.get("held_out", []) if f.get("fold", "").startswith("tune")],
    ]),
    ("brief_eval.py", [], lambda d: [
        ("publication date accuracy (brief-dev)", _fmt(d.get("published_acc"), ".3f"), "≥ 0.98; was 0.923"),
        ("events P (date + title) / date alone", f"{_fmt(d.get('events_P'), '.3f')} / {_fmt(d.get('events_P_date'), '.3f')}",
         "≥ 0.85; was 0.269 / 0.923"),
        ("events R (date + title) / date alone", f"{_fmt(d.get('events_R'), '.3f')} / {_fmt(d.get('events_R_date'), '.3f')}",
         "≥ 0.80; was 0.333 / 0.889"),
        ("answers right (lexical / paraphrase)",
         f"{_fmt(d.get('qa_acc'), '.3f')} ({_fmt(d.get('qa_acc_lexical'), '.3f')} / "
         f"{_fmt(d.get('qa_acc_paraphrase'), '.3f')})", ""),
        ("off-topic questions left uncited", _fmt(d.get("noanswer_acc"), ".3f"), ""),
    ]),
    ("timex_eval.py", [], lambda d: [
        ("time expressions span F1 (relaxed)", _fmt(d.get("span_f1"), ".1f"), "HeidelTime 90.3"),
        ("time expressions value accuracy", _fmt(d.get("value_acc"), ".1f"), "HeidelTime ≈ 86"),
        ("weekday value accuracy", _fmt(d.get("weekday_value_acc"), ".1f"), ""),
    ]),
    ("storyline_eval.py", [], lambda d: [
        ("storyline assignment P / R (held-out folds)",
         f"{_fmt(d.get('held_out', {}).get('precision'), '.2f')} / {_fmt(d.get('held_out', {}).get('recall'), '.2f')}",
         f"shipped settings on all {d.get('articles')}: {_fmt(d.get('shipped', {}).get('precision'), '.2f')}"
         f" / {_fmt(d.get('shipped', {}).get('recall'), '.2f')}"),
    ]),
    ("retrieval_bench.py", [], lambda d: [
        (f"retrieval p50 / p95 at {d.get('briefs')} briefs",
         f"{_fmt(d.get('p50_ms'), '.1f')} / {_fmt(d.get('p95_ms'), '.1f')} ms",
         f"p95 < 30 ms; db {d.get('db_mb')} MB; CPU p95 {_fmt(d.get('cpu_p95_ms'), '.1f')} ms"),
        (f"…hybrid, {d.get('hybrid', {}).get('dim')}-float vector per chunk",
         f"{_fmt(d.get('hybrid', {}).get('p50_ms'), '.1f')} / {_fmt(d.get('hybrid', {}).get('p95_ms'), '.1f')} ms",
         f"p95 < 30 ms; db {d.get('hybrid', {}).get('db_mb')} MB;"
         f" CPU p95 {_fmt(d.get('hybrid', {}).get('cpu_p95_ms'), '.1f')} ms"),
    ]),
    ("answer_eval.py", [], lambda d: [
        ("answers: recall@5 of the supporting passage (dev)", _fmt(d.get("recall_at_5"), ".3f"), "≥ 0.95"),
        ("answers: lexical / paraphrase / off-topic (dev)",
         f"{_fmt(d.get('qa_acc_lexical'), '.3f')} / {_fmt(d.get('qa_acc_paraphrase'), '.3f')} / "
         f"{_fmt(d.get('noanswer_acc'), '.2f')}", "≥ 0.90 / ≥ 0.75 / 1.0"),
    ]),
    ("answer_eval.py", ["--set", "heldout"], lambda d: [
        ("…held-out questions (own, cnndm-dev): recall@5", _fmt(d.get("recall_at_5"), ".3f"), "not tuned for dev"),
        ("…held-out lexical / paraphrase / off-topic",
         f"{_fmt(d.get('qa_acc_lexical'), '.3f')} / {_fmt(d.get('qa_acc_paraphrase'), '.3f')} / "
         f"{_fmt(d.get('noanswer_acc'), '.2f')}", ""),
    ]),
    ("digest_bench.py", [], lambda d: [
        (f"digest composition, {d.get('events')} events", f"{_fmt(d.get('ms'), '.1f')} ms", ""),
    ]),
    ("ack_bench.py", [], lambda d: [
        ("Slack ack p50 / p99 (bot)", f"{_fmt(d.get('bot_p50_ms'), '.1f')} / {_fmt(d.get('bot_p99_ms'), '.1f')} ms",
         "p99 < 100 ms; Slack limit 3 s"),
        ("Slack ack p50 / p99 (bare bolt app)",
         f"{_fmt(d.get('bare_p50_ms'), '.1f')} / {_fmt(d.get('bare_p99_ms'), '.1f')} ms", ""),
        ("ack p99 ratio bot / bare", _fmt(d.get("ratio_p99"), ".2f"), "< 1.5"),
    ]),
    ("ack_bench.py", ["--preload", "50"], lambda d: [
        ("…same, 50 links already being briefed",
         f"{_fmt(d.get('bot_p50_ms'), '.1f')} / {_fmt(d.get('bot_p99_ms'), '.1f')} ms",
         f"ratio {_fmt(d.get('ratio_p99'), '.2f')}"),
    ]),
    ("big_page_bench.py", [], lambda d: [
        ("5 MB page: time / peak RSS",
         f"{_fmt(d.get('one_s'))} s ({_fmt(d.get('one_cpu_s'))} s CPU) / {_fmt(d.get('one_peak_mb'))} MB",
         "≤ 5 s / ≤ 150 MB"),
        ("four 5 MB pages at once: time / peak RSS",
         f"{_fmt(d.get('four_s'))} s ({_fmt(d.get('four_cpu_s'))} s CPU) / {_fmt(d.get('four_peak_mb'))} MB",
         "peak ≤ 300 MB"),
    ]),
    ("attack_bench.py", [], lambda d: [
        (f"attack: {d.get('requests')} malformed / slow / greedy requests",
         f"{d.get('requests', 0) - len(d.get('unexpected') or [])} answered as expected",
         "a 4xx (or 200-ignored) each; never a 500 or a dropped connection"),
        ("attack: server RSS before / after three 100 MB uploads",
         f"{_fmt(d.get('upload_rss_before_mb'))} / {_fmt(d.get('upload_rss_after_mb'))} MB", "flat (was 56 -> 202 MB)"),
        ("/healthz p50 / max while 4 big pages are briefed",
         f"{_fmt(d.get('health_p50_ms'), '.0f')} / {_fmt(d.get('health_max_ms'), '.0f')} ms",
         "< 100 ms; Docker's check allows 4 s"),
    ]),
    ("queue_bench.py", [], lambda d: [
        (f"queue: team B's 1 job after team A's {d.get('burst')}", f"claimed #{_fmt(d.get('b_position'))}",
         "round-robin: #2 (oldest-first: #101)"),
        ("queue: Slack down, runs until the job fails", f"{_fmt(d.get('outage', {}).get('runs'))} over "
         f"{_fmt(d.get('outage', {}).get('seconds'), '.0f')} s", "backoff to the 30 min window (was 3 in 0 ms)"),
        (f"queue: claim p50 / p95, {d.get('queued')} queued", f"{_fmt(d.get('p50_ms'))} / {_fmt(d.get('p95_ms'))} ms",
         f"{d.get('finished')} done rows in the table"),
    ]),
    ("ingest_bench.py", [], lambda d: [
        ("ingest throughput (local server)",
         f"{_fmt(d.get('pipeline_pages_per_s'))} pages/s", f"trafilatura alone {_fmt(d.get('extract_pages_per_s'))}"),
        ("ingest / extract-alone time ratio", _fmt(d.get("ratio"), ".2f"), "< 1.5"),
        ("RSS idle / peak (200-article batch)",
         f"{_fmt(d.get('idle_rss_mb'))} / {_fmt(d.get('peak_rss_mb'))} MB", "< 150 / < 400 MB"),
    ]),
]


def run_one(script: str, args: list[str]) -> tuple[dict, float]:
    path = HERE / script
    if not path.exists():
        return {"skipped": "not written yet"}, 0.0
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(path), "--json", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    lines = [line for line in proc.stdout.strip().splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"skipped": f"failed: {tail[:120]}"}, elapsed
    for candidate in (lines[-1], proc.stdout):  # one JSON line last, or the whole output as (indented) JSON
        try:
            return json.loads(candidate), elapsed
        except json.JSONDecodeError:
            continue
    return {"skipped": f"no JSON: {lines[-1][:120]}"}, elapsed


def main() -> int:
    rows: list[tuple[str, str, str]] = []
    tables: list[str] = []  # a bench's own table (e.g. the attack's, request by request), printed after
    failed = False
    for script, args, describe in BENCHES:
        print(f"running {script} …", file=sys.stderr, flush=True)
        data, elapsed = run_one(script, args)
        if "skipped" in data:
            rows.append((script, "skipped", data["skipped"]))
            failed = failed or data["skipped"].startswith("failed")
            continue
        rows.extend(describe(data))
        if data.get("table"):
            tables.append(f"{script}:\n{data['table']}")
        print(f"  done in {elapsed:.1f} s", file=sys.stderr, flush=True)
    width = [max(len(r[i]) for r in rows + [("figure", "value", "target / baseline")]) for i in range(3)]
    line = "+".join("-" * (w + 2) for w in width)
    print(f"| {'figure':<{width[0]}} | {'value':<{width[1]}} | {'target / baseline':<{width[2]}} |")
    print(f"|{line}|")
    for figure, value, target in rows:
        print(f"| {figure:<{width[0]}} | {value:<{width[1]}} | {target:<{width[2]}} |")
    for table in tables:
        print(f"\n{table}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
