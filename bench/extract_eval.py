"""Score `extract_html` on the article-extraction dev set, next to plain trafilatura in the same run.

Data: /work/shared/data/extraction-dev/ (html/<id>.html.gz + ground-truth.json), or --data DIR, or
$BRIEFBOT_EXTRACTION_DEV. Metric (the benchmark's own): `\\w+` tokens, word 4-gram shingles with counts,
per-document precision = shared / extracted and recall = shared / truth, both averaged over documents,
F1 = harmonic mean of the two averages. An empty extraction scores P=0 and R=0 for that page.

    .venv/bin/python bench/extract_eval.py            # table
    .venv/bin/python bench/extract_eval.py --json     # {"f1", "precision", "recall", "baseline_f1", "docs", "seconds"}

Exits 0 with a message when the data set is absent (it lives outside the repository).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_DIR = Path("/work/shared/data/extraction-dev")
_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _WORD.findall(text or "")
    return Counter(tuple(tokens[i: i + n]) for i in range(max(0, len(tokens) - n + 1)))


def doc_scores(extracted: str, truth: str) -> tuple[float, float]:
    """Per-document (precision, recall) over 4-gram shingles with multiplicity."""
    ex, gt = shingles(extracted), shingles(truth)
    shared = sum((ex & gt).values())
    precision = shared / sum(ex.values()) if ex else 0.0
    recall = shared / sum(gt.values()) if gt else 0.0
    return precision, recall


def aggregate(pairs: list[tuple[float, float]]) -> dict:
    p = sum(x for x, _ in pairs) / len(pairs)
    r = sum(y for _, y in pairs) / len(pairs)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1}


def load(data_dir: Path) -> list[tuple[str, str, str, str]]:
    """[(id, url, html, truth)] in id order."""
    truth = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    docs = []
    for doc_id in sorted(truth):
        path = data_dir / "html" / f"{doc_id}.html.gz"
        if not path.exists():
            continue
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        docs.append((doc_id, truth[doc_id].get("url") or "", html, truth[doc_id].get("articleBody") or ""))
    return docs


def evaluate(docs, extractor: Callable[[str, str], str]) -> tuple[dict, list[tuple[str, float, float]]]:
    per_doc = []
    for doc_id, url, html, truth in docs:
        try:
            text = extractor(html, url)
        except Exception:  # noqa: BLE001 - an extraction failure scores zero, like an empty answer
            text = ""
        p, r = doc_scores(text, truth)
        per_doc.append((doc_id, p, r))
    return aggregate([(p, r) for _, p, r in per_doc]), per_doc


def ours(html: str, url: str) -> str:
    from bot.pipeline.extract import extract_html

    return extract_html(html, url=url or None).text


def baseline(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("BRIEFBOT_EXTRACTION_DEV", DEFAULT_DIR)))
    ap.add_argument("--worst", type=int, default=0, help="list the N pages with the lowest F1 (ours)")
    args = ap.parse_args(argv)

    if not (args.data / "ground-truth.json").exists():
        print(f"extract_eval: data set not found at {args.data}; skipping.")
        return 0
    docs = load(args.data)
    if not docs:
        print(f"extract_eval: no pages under {args.data / 'html'}; skipping.")
        return 0

    start = time.monotonic()
    mine, per_doc = evaluate(docs, ours)
    seconds = time.monotonic() - start
    base, _ = evaluate(docs, baseline)

    if args.json:
        print(json.dumps({"f1": round(mine["f1"], 4), "precision": round(mine["precision"], 4),
                          "recall": round(mine["recall"], 4), "baseline_f1": round(base["f1"], 4),
                          "docs": len(docs), "seconds": round(seconds, 2)}))
        return 0
    print(f"pages: {len(docs)}  (ours took {seconds:.1f} s)")
    print(f"{'':22}{'P':>7}{'R':>7}{'F1':>7}")
    print(f"{'extract_html':22}{mine['precision']:7.3f}{mine['recall']:7.3f}{mine['f1']:7.3f}")
    print(f"{'trafilatura.extract':22}{base['precision']:7.3f}{base['recall']:7.3f}{base['f1']:7.3f}")
    print(f"ratio F1 ours/baseline: {mine['f1'] / base['f1']:.3f}" if base["f1"] else "baseline F1 is 0")
    if args.worst:
        print("worst pages (ours):")
        for doc_id, p, r in sorted(per_doc, key=lambda d: (2 * d[1] * d[2] / (d[1] + d[2]) if d[1] + d[2] else 0))[
                : args.worst]:
            print(f"  {doc_id[:12]}  P {p:.3f}  R {r:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
