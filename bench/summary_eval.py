"""ROUGE of the embedded summarizer's key points against CNN/DailyMail highlights, next to Lead-3.

Usage: .venv/bin/python bench/summary_eval.py [--json] [--data DIR]

Scoring follows the data set's README so the Lead-3 figure here reproduces its table: rouge-score
F-measure with the stemmer, `<t>`/`</t>` tags stripped, sentences split after " . ", " ? ", " ! " and
joined by newlines. Our summarizer gets the article text as it is in src.txt (lower-cased, tokenised)
and its key points are joined as the summary. Both are scored in the same run so the ratio is fair.
Exits 0 with a message when the data is absent (it lives outside the repository).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.pipeline.summarize import summarize  # noqa: E402

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


def evaluate(pairs: list[tuple[str, str]]) -> dict:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    totals = {"rouge1": 0.0, "rouge2": 0.0, "lead3_rouge1": 0.0, "lead3_rouge2": 0.0}
    started = time.perf_counter()
    summaries = [summarize(article).key_points for article, _ in pairs]
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
    result["key_points_mean"] = round(sum(len(p) for p in summaries) / n, 2)
    result["summarize_seconds"] = round(elapsed, 3)
    return result


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
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"documents: {result['docs']}  (mean key points {result['key_points_mean']}, "
        f"summarize time {result['summarize_seconds']} s)"
    )
    print(f"{'summary':<12} {'ROUGE-1':>8} {'ROUGE-2':>8}")
    print(f"{'key points':<12} {result['rouge1']:>8.2f} {result['rouge2']:>8.2f}")
    print(f"{'Lead-3':<12} {result['lead3_rouge1']:>8.2f} {result['lead3_rouge2']:>8.2f}")
    r1 = result["rouge1"] / result["lead3_rouge1"] if result["lead3_rouge1"] else 0.0
    r2 = result["rouge2"] / result["lead3_rouge2"] if result["lead3_rouge2"] else 0.0
    print(f"{'ratio':<12} {r1:>8.3f} {r2:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
