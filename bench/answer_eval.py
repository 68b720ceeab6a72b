"""Answers on real pages: recall@5 of the supporting passage, and answer accuracy, from the dev gold.

Ingests the English pages of `../shared/data/extraction-dev/html` (with the gold publication date) into a
fresh database through the real ingestor, then for every gold question checks
  * recall@5: one of the first five retrieved passages holds the question's `support` sentence;
  * lexical / paraphrase accuracy: the answer holds every answer term and cites the page's brief (the
    same rule as the shared scorer, tools/eval_briefs.py);
  * off-topic: the scorer's off-topic questions get no citation.
Prints a JSON object on its last line; skips cleanly when the shared data is absent.

`--set heldout` scores questions written before the answer code was tuned: `bench/heldout_questions.json`
(same shape as the dev gold, written over news articles of `../shared/data/cnndm-dev`, each rendered as a
plain HTML page and ingested the same way) and `bench/heldout_offtopic.txt`. `--set heldout2`
(`bench/heldout2_questions.json`, other articles of the same set) was written after the first held-out set
had been looked at, and is only measured, never tuned on. `--failures FILE` writes every
missed question with the answer given and the first retrieved passages.

    .venv/bin/python bench/answer_eval.py [--shared /work/shared] [--set dev|heldout] [--failures out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import importlib.util
import json
import re
import sys
import tempfile
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.pipeline.ask import ask  # noqa: E402
from bot.pipeline.ingest import Placement, Source  # noqa: E402
from bot.pipeline.retrieve import retrieve  # noqa: E402
from bot.services import build_services  # noqa: E402


def default_shared() -> Path:
    for candidate in (ROOT.parent / "shared", Path("/work/shared")):
        if (candidate / "data" / "brief-dev" / "gold.json").is_file():
            return candidate
    return ROOT.parent / "shared"


HELDOUT = ROOT / "bench" / "heldout_questions.json"
HELDOUT2 = ROOT / "bench" / "heldout2_questions.json"  # written later, scored only to check the first held-out set
HELDOUT_OFFTOPIC = ROOT / "bench" / "heldout_offtopic.txt"


def cnndm_sentences(line: str) -> list[str]:
    """One `src.txt` line (lower-cased, tokenised, `<t>` tags) as readable sentences: tokens rejoined,
    each sentence capitalised. The case of names is lost in the source and stays lost."""
    body = " ".join(re.sub(r"</?t>", " ", line).split())
    out = []
    for part in re.split(r"(?<= [.?!]) ", body):
        s = re.sub(r" ([.,;:?!%)])", r"\1", part.strip())
        s = re.sub(r"([($£]) ", r"\1", s)
        s = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", s)
        if s:
            out.append(s[:1].upper() + s[1:])
    return out


def cnndm_page(article: str, highlights: str) -> str:
    """A plain news page: the first reference highlight as headline, the article in paragraphs of three."""
    title = (cnndm_sentences(highlights) or ["Untitled"])[0].rstrip(" .")
    sents = cnndm_sentences(article)
    paras = "".join(f"<p>{escape(' '.join(sents[i:i + 3]))}</p>\n" for i in range(0, len(sents), 3))
    return (f"<html><head><title>{escape(title)}</title></head><body><article><h1>{escape(title)}</h1>\n"
            f"{paras}</article></body></html>")


def load_set(name: str, shared: Path, scorer) -> tuple[list[dict], dict[str, bytes], list[str]] | None:
    """(gold pages, HTML of each page id, off-topic questions) of the named set, or None when absent."""
    if name == "dev":
        gold_path = shared / "data" / "brief-dev" / "gold.json"
        html_dir = shared / "data" / "extraction-dev" / "html"
        if not (gold_path.is_file() and html_dir.is_dir()):
            return None
        gold = [g for g in json.loads(gold_path.read_text()) if g.get("lang") == "en"]
        pages = {g["id"]: gzip.decompress((html_dir / f"{g['id']}.html.gz").read_bytes()) for g in gold}
        return gold, pages, list(scorer.OFF_TOPIC)
    src = shared / "data" / "cnndm-dev" / "src.txt"
    ref = shared / "data" / "cnndm-dev" / "ref.txt"
    if not (src.is_file() and ref.is_file()):
        return None
    articles, highlights = src.read_text().splitlines(), ref.read_text().splitlines()
    gold = json.loads(HELDOUT.read_text())
    if name == "heldout2":  # its own questions, over its pages and the first set's (as distractors)
        asked = json.loads(HELDOUT2.read_text())
        lines = {g["source"]["line"] for g in asked}
        gold = asked + [{**g, "questions": []} for g in gold if g["source"]["line"] not in lines]
    pages = {g["id"]: cnndm_page(articles[g["source"]["line"] - 1], highlights[g["source"]["line"] - 1]).encode()
             for g in gold}
    off = [q.strip() for q in HELDOUT_OFFTOPIC.read_text().splitlines() if q.strip()]
    return gold, pages, off


def norm(text: str) -> str:
    """Letters and digits only: extraction may render quotes, dashes and spaces differently from the gold."""
    return re.sub(r"[\W_]+", "", (text or "").lower())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=default_shared())
    parser.add_argument("--set", choices=("dev", "heldout", "heldout2"), default="dev")
    parser.add_argument("--failures", type=Path, help="write the missed questions here (JSON)")
    parser.add_argument("--json", action="store_true", help="accepted for bench/run_all.py; the output is JSON anyway")
    args = parser.parse_args()
    scorer_path = args.shared / "tools" / "eval_briefs.py"
    if not scorer_path.is_file():
        print(json.dumps({"skipped": f"no scorer under {args.shared}"}))
        return
    spec = importlib.util.spec_from_file_location("eval_briefs", scorer_path)
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    loaded = load_set(args.set, args.shared, scorer)
    if loaded is None:
        print(json.dumps({"skipped": f"no {args.set} data under {args.shared}"}))
        return
    gold, pages, off_topic = loaded
    work = Path(tempfile.mkdtemp(prefix="answer-eval-"))
    services = build_services(load_settings({"BRIEFBOT_DB": str(work / "eval.db")}, dotenv=False))
    brief_of = {}
    for g in gold:
        page = work / f"{g['id'][:12]}.html"
        page.write_bytes(pages[g["id"]])
        published = dt.date.fromisoformat(g["published"]) if g.get("published") else None
        result = services.ingestor.ingest(Source("file", str(page), page.name), Placement(channel="C1"),
                                          published=published)
        brief_of[g["id"]] = result.brief_id
    today = services.today()
    found = total = 0
    acc = {"lexical": [0, 0], "paraphrase": [0, 0]}
    missed = []
    for g in gold:
        for q in g.get("questions", []):
            passages = retrieve(services.store, q["q"], "", "C1", 5)
            hit = any(norm(q["support"]) in norm(p.text) for p in passages)
            found += hit
            total += 1
            answer = ask(services.store, services.backend, q["q"], "", "C1", today)
            kind = q.get("kind") if q.get("kind") in acc else "lexical"
            acc[kind][1] += 1
            right = (scorer.has_terms(answer.answer, q["answer_terms"])
                     and brief_of[g["id"]] in {c.brief for c in answer.citations})
            acc[kind][0] += right
            if not (hit and right):
                missed.append({"page": g["id"], "q": q["q"], "kind": kind, "support": q["support"],
                               "recalled": hit, "answered": right, "answer": answer.answer,
                               "top5": [p.text[:300] for p in passages]})
    off = [not ask(services.store, services.backend, q, "", "C1", today).citations for q in off_topic]
    services.close()
    if args.failures:
        args.failures.write_text(json.dumps(missed, indent=1, ensure_ascii=False))
    ratio = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
    out = {"set": args.set, "questions": total, "recall_at_5": ratio(found, total),
           "qa_acc_lexical": ratio(*acc["lexical"]), "qa_acc_paraphrase": ratio(*acc["paraphrase"]),
           "noanswer_acc": ratio(sum(off), len(off))}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
