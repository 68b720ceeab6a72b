"""Score bot.pipeline.timex against TimeML gold (TimeBank / AQUAINT, TempEval-3 cleaned).

Usage: bench/timex_eval.py [FOLDER ...] [--json] [--errors N]

Only gold DATE and TIME timexes count (DURATION/SET gold and the DCT timex are ignored). Scoring:
  * span precision/recall/F1, relaxed (any character overlap). A predicted mention that overlaps only
    DURATION/SET gold is neither right nor wrong: those types are out of the tagger's scope;
  * value accuracy over matched gold spans (best-overlapping prediction);
  * the same accuracy over gold spans containing a weekday name (the hard, tense-dependent case).
Without folders it reads both folders under ../shared/data/timebank (relative to the repo) and skips
cleanly (exit 0) when they are absent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.pipeline.timex import find_times  # noqa: E402

DEFAULT_ROOT = REPO.parent / "shared" / "data" / "timebank"
_WEEKDAY = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)
_TAG = re.compile(r"<(/?)(\w+)([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class Gold:
    start: int
    end: int
    text: str
    type: str
    value: str


def _norm_value(value: str) -> str:
    """Pad gold ISO week numbers ("2000-W6" -> "2000-W06") as TIMEX3 writes them; nothing else changes."""
    return re.sub(r"-W(\d)\b", r"-W0\1", value)


def parse_tml(raw: str) -> tuple[str, dt.date, list[Gold]]:
    """Plain text of <TEXT>, the DCT and the gold timexes with offsets into that text."""
    dct_m = re.search(r"<DCT>\s*<TIMEX3[^>]*value=\"(\d{4}-\d\d-\d\d)", raw)
    if not dct_m:
        raise ValueError("no DCT")
    dct = dt.date.fromisoformat(dct_m.group(1))
    body = raw[raw.index("<TEXT>") + len("<TEXT>"):raw.index("</TEXT>")]
    out: list[str] = []
    length = 0
    golds: list[Gold] = []
    open_timex: tuple[int, dict] | None = None
    pos = 0
    for m in _TAG.finditer(body):
        chunk = html.unescape(body[pos:m.start()])
        out.append(chunk)
        length += len(chunk)
        pos = m.end()
        closing, name = m.group(1), m.group(2)
        if name != "TIMEX3":
            continue
        if not closing:
            open_timex = (length, dict(_ATTR.findall(m.group(3))))
        elif open_timex:
            start, attrs = open_timex
            open_timex = None
            golds.append(Gold(start, length, "", attrs.get("type", ""), _norm_value(attrs.get("value", ""))))
    chunk = html.unescape(body[pos:])
    out.append(chunk)
    text = "".join(out)
    for g in golds:
        g.text = text[g.start:g.end]
    return text, dct, golds


def evaluate(files: list[Path], errors: int = 0) -> dict:
    tp_pred = n_pred = 0
    n_gold = found = 0
    val_ok = val_n = wd_ok = wd_n = 0
    err_lines: list[str] = []
    t0 = time.perf_counter()
    for f in files:
        text, dct, golds = parse_tml(f.read_text(encoding="utf-8"))
        preds = find_times(text, dct)
        scored = [g for g in golds if g.type in ("DATE", "TIME")]
        other = [g for g in golds if g.type not in ("DATE", "TIME")]
        for p in preds:
            if any(p.start < g.end and g.start < p.end for g in scored):
                tp_pred += 1
                n_pred += 1
            elif not any(p.start < g.end and g.start < p.end for g in other):
                n_pred += 1
                if errors:
                    err_lines.append(f"FP  {f.name}: {p.text!r} -> {p.value}  | {_ctx(text, p.start, p.end)}")
        for g in scored:
            n_gold += 1
            over = [p for p in preds if p.start < g.end and g.start < p.end]
            if not over:
                if errors:
                    err_lines.append(f"FN  {f.name}: {g.text!r} = {g.value}  | {_ctx(text, g.start, g.end)}")
                continue
            found += 1
            best = max(over, key=lambda p: min(p.end, g.end) - max(p.start, g.start))
            ok = best.value == g.value
            val_n += 1
            val_ok += ok
            if _WEEKDAY.search(g.text):
                wd_n += 1
                wd_ok += ok
            if not ok and errors:
                err_lines.append(
                    f"VAL {f.name} dct={dct}: {best.text!r} -> {best.value} gold {g.text!r}={g.value}"
                    f"  | {_ctx(text, g.start, g.end)}"
                )
    seconds = time.perf_counter() - t0
    p = tp_pred / n_pred if n_pred else 0.0
    r = found / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    res = {
        "span_p": round(100 * p, 1),
        "span_r": round(100 * r, 1),
        "span_f1": round(100 * f1, 1),
        "value_acc": round(100 * val_ok / val_n, 1) if val_n else 0.0,
        "weekday_value_acc": round(100 * wd_ok / wd_n, 1) if wd_n else 0.0,
        "weekday_n": wd_n,
        "gold": n_gold,
        "docs": len(files),
        "seconds": round(seconds, 2),
    }
    if errors:
        res["_errors"] = err_lines
    return res


def _ctx(text: str, s: int, e: int, width: int = 70) -> str:
    return (text[max(0, s - width):s] + "[[" + text[s:e] + "]]" + text[e:e + width]).replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--json", action="store_true", help="print one JSON object (for make bench)")
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="print up to N error lines")
    args = ap.parse_args(argv)
    folders = args.folders or [DEFAULT_ROOT / "TimeBank", DEFAULT_ROOT / "AQUAINT"]
    folders = [f for f in folders if f.is_dir()]
    if not folders:
        print(f"timex_eval: no TimeML folders found (looked under {DEFAULT_ROOT}); skipping.")
        return 0
    rows = {f.name: evaluate(sorted(f.glob("*.tml")), args.errors) for f in folders}
    if len(folders) > 1:
        rows["all"] = evaluate(sorted(p for f in folders for p in f.glob("*.tml")))
    if args.json:
        total = rows.get("all") or next(iter(rows.values()))
        keys = ("span_p", "span_r", "span_f1", "value_acc", "weekday_value_acc", "docs", "seconds")
        obj = {k: total[k] for k in keys}
        obj["by_folder"] = {name: {k: r[k] for k in keys} for name, r in rows.items() if name != "all"}
        print(json.dumps(obj))
        return 0
    print(f"{'set':<10} {'docs':>5} {'gold':>5} {'span P':>7} {'span R':>7} {'span F1':>8} {'value':>7}"
          f" {'weekday':>8} {'secs':>6}")
    for name, r in rows.items():
        print(f"{name:<10} {r['docs']:>5} {r['gold']:>5} {r['span_p']:>7} {r['span_r']:>7} {r['span_f1']:>8}"
              f" {r['value_acc']:>7} {r['weekday_value_acc']:>5}/{r['weekday_n']:<3} {r['seconds']:>5}")
    if args.errors:
        for r in rows.values():
            for line in r.get("_errors", [])[: args.errors]:
                print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
