"""ROUGE of the embedded summarizer's key points against CNN/DailyMail highlights, next to Lead-3.

Usage: .venv/bin/python bench/summary_eval.py [--json] [--data DIR]

What is scored is the summary a reader gets: the TL;DR followed by the key points (which never repeat
it). Held-out figures: the articles are split into two halves by a hash of their text (deterministic,
independent of file order); a small grid of the summarizer's parameters (`SummaryParams`) is tuned on
one half and scored on the other, both ways, with Lead-3 on the same half beside it. The shipped
parameters are scored on each half too. Only the held-out rows say how the summarizer does on new text.

Scoring follows the data set's README so the Lead-3 figure here reproduces its table: rouge-score
F-measure with the stemmer, `<t>`/`</t>` tags stripped, sentences split after " . ", " ? ", " ! " and
joined by newlines. Our summarizer gets the article text as it is in src.txt (lower-cased, tokenised)
and its key points are joined as the summary. Both are scored in the same run so the ratio is fair.
Exits 0 with a message when the data is absent (it lives outside the repository).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.pipeline.summarize import SummaryParams, summarize  # noqa: E402

DEFAULT_DATA = Path("/work/shared/data/cnndm-dev")
_TAGS = re.compile(r"</?t>")
_SPLIT = re.compile(r"(?<= [.?!]) ")


def strip_tags(line: str) -> str:
    return " ".join(_TAGS.sub(" ", line).split())


def sentences(text: str) -> list[str]:
    """The README's rule: a sentence ends after " . ", " ? " or " ! "."""
    return [s.strip() for s in _SPLIT.split(text) if s.strip()]


def load(data: Path) -> list[tuple[str, str]] | None:
    src, ref = data / "src.txt", data / "ref.txt"
    if not (src.is_file() and ref.is_file()):
        return None
    articles = src.read_text(encoding="utf-8").splitlines()
    highlights = ref.read_text(encoding="utf-8").splitlines()
    if len(articles) != len(highlights):
        raise SystemExit(f"{src} and {ref} have different line counts")
    return [(strip_tags(a), strip_tags(r)) for a, r in zip(articles, highlights, strict=True) if a.strip()]


def summary_of(article: str, params: SummaryParams | None = None) -> list[str]:
    """The sentences a reader sees: the TL;DR, then the key points."""
    result = summarize(article, params=params)
    return [result.tldr, *result.key_points]


def evaluate(pairs: list[tuple[str, str]], params: SummaryParams | None = None) -> dict:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    totals = {"rouge1": 0.0, "rouge2": 0.0, "lead3_rouge1": 0.0, "lead3_rouge2": 0.0}
    started = time.perf_counter()
    summaries = [summary_of(article, params) for article, _ in pairs]
    elapsed = time.perf_counter() - started
    for (article, reference), points in zip(pairs, summaries, strict=True):
        target = "\n".join(sentences(reference))
        ours = scorer.score(target, "\n".join(points))
        lead = scorer.score(target, "\n".join(sentences(article)[:3]))
        for name in ("rouge1", "rouge2"):
            totals[name] += ours[name].fmeasure
            totals[f"lead3_{name}"] += lead[name].fmeasure
    n = len(pairs)
    result = {key: round(100 * value / n, 2) for key, value in totals.items()}
    result["docs"] = n
    result["sentences_mean"] = round(sum(len(p) for p in summaries) / n, 2)
    result["summarize_seconds"] = round(elapsed, 3)
    return result


GRID = [
    SummaryParams(position_scale=scale, mmr_redundancy=mmr, max_key_points=most)
    for scale in (1.5, 3.0, 6.0)
    for mmr in (0.3, 0.5, 0.8)
    for most in (2, 3, 4)
]


def halves(pairs: list[tuple[str, str]]) -> tuple[list, list]:
    """Split by a hash of the article text: the same article always lands in the same half."""
    first, second = [], []
    for pair in pairs:
        digest = hashlib.sha1(pair[0].encode("utf-8")).digest()
        (first if digest[0] % 2 == 0 else second).append(pair)
    return first, second


def tune(pairs: list[tuple[str, str]]) -> SummaryParams:
    """The grid point with the best mean of ROUGE-1 and ROUGE-2 on `pairs`."""
    def mean(p: SummaryParams) -> float:
        r = evaluate(pairs, p)
        return (r["rouge1"] + r["rouge2"]) / 2

    return max(GRID, key=mean)


def held_out(pairs: list[tuple[str, str]]) -> list[dict]:
    a, b = halves(pairs)
    rows = []
    for name, train, test in (("tune A → test B", a, b), ("tune B → test A", b, a)):
        params = tune(train)
        rows.append({"fold": name, "params": asdict(params), **evaluate(test, params)})
    for name, test in (("shipped on A", a), ("shipped on B", b)):
        rows.append({"fold": name, "params": asdict(SummaryParams()), **evaluate(test)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory with src.txt and ref.txt")
    args = parser.parse_args(argv)
    pairs = load(args.data)
    if not pairs:
        print(f"summary_eval: no data at {args.data} (src.txt/ref.txt); skipping")
        return 0
    result = evaluate(pairs)
    folds = held_out(pairs)
    if args.json:
        print(json.dumps({**result, "held_out": folds}))
        return 0
    print(
        f"documents: {result['docs']}  (mean sentences: TL;DR + key points {result['sentences_mean']}, "
        f"summarize time {result['summarize_seconds']} s)"
    )
    print(f"{'summary (all, shipped)':<26} {'ROUGE-1':>8} {'ROUGE-2':>8}")
    print(f"{'TL;DR + key points':<26} {result['rouge1']:>8.2f} {result['rouge2']:>8.2f}")
    print(f"{'Lead-3':<26} {result['lead3_rouge1']:>8.2f} {result['lead3_rouge2']:>8.2f}")
    print("held-out halves (split by text hash):")
    print(f"{'fold':<18} {'docs':>4} {'R-1':>6} {'R-2':>6} {'L3 R-1':>7} {'L3 R-2':>7}  params")
    for f in folds:
        p = f["params"]
        print(f"{f['fold']:<18} {f['docs']:>4} {f['rouge1']:>6.2f} {f['rouge2']:>6.2f} {f['lead3_rouge1']:>7.2f} "
              f"{f['lead3_rouge2']:>7.2f}  scale={p['position_scale']} mmr={p['mmr_redundancy']} "
              f"max_points={p['max_key_points']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
