"""Answers on real pages: recall@5 of the supporting passage, and answer accuracy, from the dev gold.

Ingests the English pages of `../shared/data/extraction-dev/html` (with the gold publication date) into a
fresh database through the real ingestor, then for every gold question checks
  * recall@5: one of the first five retrieved passages holds the question's `support` sentence;
  * lexical / paraphrase accuracy: the answer holds every answer term and cites the page's brief (the
    same rule as the shared scorer, tools/eval_briefs.py);
  * off-topic: the scorer's off-topic questions get no citation.
With `--embedding-path FOLDER` (a local model2vec-format model, as BRIEFBOT_EMBEDDING_PATH) retrieval is
hybrid, recall@5 included, and the embedding cost is printed too: seconds to load the model, per article
embedded at ingest, per question.
Prints a JSON object on its last line; skips cleanly when the shared data is absent.

    .venv/bin/python bench/answer_eval.py [--shared /work/shared] [--embedding-path FOLDER]
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.pipeline.ask import ask  # noqa: E402
from bot.pipeline.embeddings import embedder_of, question_vector  # noqa: E402
from bot.pipeline.ingest import Placement, Source  # noqa: E402
from bot.pipeline.retrieve import retrieve  # noqa: E402
from bot.services import build_services  # noqa: E402


def default_shared() -> Path:
    for candidate in (ROOT.parent / "shared", Path("/work/shared")):
        if (candidate / "data" / "brief-dev" / "gold.json").is_file():
            return candidate
    return ROOT.parent / "shared"


def norm(text: str) -> str:
    """Letters and digits only: extraction may render quotes, dashes and spaces differently from the gold."""
    return re.sub(r"[\W_]+", "", (text or "").lower())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=default_shared())
    parser.add_argument("--embedding-path", help="a local model2vec-format model folder: hybrid retrieval")
    parser.add_argument("--json", action="store_true", help="accepted for bench/run_all.py; the output is JSON anyway")
    args = parser.parse_args()
    gold_path = args.shared / "data" / "brief-dev" / "gold.json"
    html_dir = args.shared / "data" / "extraction-dev" / "html"
    scorer_path = args.shared / "tools" / "eval_briefs.py"
    if not (gold_path.is_file() and html_dir.is_dir() and scorer_path.is_file()):
        print(json.dumps({"skipped": f"no brief-dev gold under {args.shared}"}))
        return
    spec = importlib.util.spec_from_file_location("eval_briefs", scorer_path)
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    gold = [g for g in json.loads(gold_path.read_text()) if g.get("lang") == "en"]
    work = Path(tempfile.mkdtemp(prefix="answer-eval-"))
    env = {"BRIEFBOT_DB": str(work / "eval.db"), "BRIEFBOT_EMBEDDING_PATH": args.embedding_path or ""}
    started = time.perf_counter()
    services = build_services(load_settings(env, dotenv=False))
    load_s = time.perf_counter() - started
    embedder = embedder_of(services.backend)
    if embedder is not None:
        embedder = services.backend.embedder = _Timed(embedder)
    brief_of = {}
    for g in gold:
        page = work / f"{g['id'][:12]}.html"
        page.write_bytes(gzip.decompress((html_dir / f"{g['id']}.html.gz").read_bytes()))
        published = dt.date.fromisoformat(g["published"]) if g.get("published") else None
        result = services.ingestor.ingest(Source("file", str(page), page.name), Placement(channel="C1"),
                                          published=published)
        brief_of[g["id"]] = result.brief_id
    today = services.today()
    ingest_cost = (embedder.seconds, embedder.texts) if embedder else None
    if embedder:
        embedder.reset()
    found = total = 0
    acc = {"lexical": [0, 0], "paraphrase": [0, 0]}
    for g in gold:
        for q in g.get("questions", []):
            dense = question_vector(embedder, q["q"])
            passages = retrieve(services.store, q["q"], "", "C1", 5, dense=dense)
            found += any(norm(q["support"]) in norm(p.text) for p in passages)
            total += 1
            answer = ask(services.store, services.backend, q["q"], "", "C1", today)
            kind = q.get("kind") if q.get("kind") in acc else "lexical"
            acc[kind][1] += 1
            acc[kind][0] += (scorer.has_terms(answer.answer, q["answer_terms"])
                             and brief_of[g["id"]] in {c.brief for c in answer.citations})
    off = [not ask(services.store, services.backend, q, "", "C1", today).citations for q in scorer.OFF_TOPIC]
    services.close()
    ratio = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
    out = {"questions": total, "recall_at_5": ratio(found, total),
           "qa_acc_lexical": ratio(*acc["lexical"]), "qa_acc_paraphrase": ratio(*acc["paraphrase"]),
           "noanswer_acc": ratio(sum(off), len(off))}
    if embedder is not None:
        out |= {"embedder": embedder.model, "load_s": round(load_s, 2), "chunks_embedded": ingest_cost[1],
                "embed_ms_per_article": round(1000 * ingest_cost[0] / len(gold), 1),
                "embed_ms_per_question": round(1000 * embedder.seconds / max(1, embedder.calls), 2)}
    print(json.dumps(out))


class _Timed:
    """The embedder, timing its calls (`seconds`, `calls`, `texts` since the last `reset`)."""

    def __init__(self, inner):
        self.inner, self.model = inner, inner.model
        self.reset()

    def reset(self) -> None:
        self.seconds, self.calls, self.texts = 0.0, 0, 0

    def embed(self, texts, *, team=""):
        started = time.perf_counter()
        try:
            return self.inner.embed(texts, team=team)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1
            self.texts += len(texts)


if __name__ == "__main__":
    main()
