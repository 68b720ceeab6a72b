"""Retrieval latency at scale: 100,000 synthetic briefs, p50/p95 of `retrieve()` against p95 < 30 ms.

A bench, not a test. It builds a fresh SQLite file (bulk inserts in one transaction; the FTS triggers
index as rows go in), then times the full retrieval path — tokenising the question, building the MATCH
expression, BM25 over briefs_fts and chunks_fts with the visibility scope, merging — for a fixed set of
questions from random conversations. Text is generated from a Zipf-distributed vocabulary plus topic
words, so common words match tens of thousands of rows, as "rates" or "market" would in real briefs.

Then a random 256-float vector is stored per chunk (`--vectors`, as text-embedding-3-small at its
default 256 dimensions here) and the same questions are timed with a question vector: hybrid retrieval,
BM25 and the dense side fused. The database size is printed for both.

Each figure is wall-clock time; the CPU time of the same calls (`time.process_time`, this process's
threads) is printed beside it. On a shared machine the wall figure also holds the time other processes
had the core, the CPU one only the work done, so the two together tell retrieval's cost from the load.

    .venv/bin/python bench/retrieval_bench.py [--briefs 100000] [--queries 300] [--vectors 256] [--json] [--keep PATH]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.pipeline.retrieve import retrieve  # noqa: E402
from storage import Store  # noqa: E402
from tests.helpers.store_peek import bulk_load, forget_term_frequencies  # noqa: E402

TARGET_P95_MS = 30.0
TEAMS = 20
CHANNELS_PER_TEAM = 12
TOPICS = [
    "fed rates inflation cut hike policy", "boj yen bonds japan yields", "china tariffs trade talks soybeans",
    "oil opec output brent barrels", "chips nvidia export controls semiconductors", "ecb euro lagarde rates",
    "earnings revenue guidance margins", "jobs payrolls unemployment wages", "housing mortgages prices",
    "election parliament coalition budget", "bitcoin crypto etf flows", "gold bullion safe haven",
]
SYLLABLES = "ka ri to ne mo sa lu vi de pa no gu fe zi ta me ro bi ku lo ha ni su".split()


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def sentence(rng: random.Random, vocab: list[str], cum: list[float], topic: list[str], n: int) -> str:
    picked = rng.choices(vocab, cum_weights=cum, k=n)
    for _ in range(rng.randint(1, 3)):
        picked[rng.randrange(n)] = rng.choice(topic)
    return " ".join(picked).capitalize() + "."


def build(path: Path, briefs: int, seed: int = 7) -> Store:
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = list(itertools.accumulate(1 / (i + 1) for i in range(len(vocab))))
    topics = [t.split() for t in TOPICS]
    articles_rows, brief_rows, chunk_rows = [], [], []
    for n in range(1, briefs + 1):
        topic = topics[n % len(topics)]
        team = f"T{rng.randrange(TEAMS)}"
        channel = f"C{rng.randrange(CHANNELS_PER_TEAM)}"
        visibility = rng.choices(["public", "private", "dm"], weights=[80, 15, 5])[0]
        day = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
        title = sentence(rng, vocab, weights, topic, 8).rstrip(".")
        paragraphs = [" ".join(sentence(rng, vocab, weights, topic, 16) for _ in range(4)) for _ in range(2)]
        articles_rows.append({"id": n, "url": f"https://news.example/{n}", "content_hash": f"h{n}",
                              "title": title, "published": day, "text": "\n\n".join(paragraphs)})
        key_points = [sentence(rng, vocab, weights, topic, 14) for _ in range(3)]
        brief_rows.append({"n": n, "id": f"B{n}", "article_id": n, "team": team, "channel": channel,
                           "visibility": visibility, "tldr": sentence(rng, vocab, weights, topic, 18),
                           "key_points": json.dumps(key_points), "open_questions": "[]", "entities": "[]",
                           "notes": "[]", "backend": "embedded", "created_at": f"{day}T08:00:00+00:00"})
        for i, text in enumerate(paragraphs):
            chunk_rows.append({"article_id": n, "n": i, "text": text})
    store = Store(path)
    bulk_load(store, articles=articles_rows, briefs=brief_rows, chunks=chunk_rows)
    store.db.execute("analyze")
    return store


def questions(count: int, seed: int = 11) -> list[tuple[str, str, str]]:
    """(question, team, channel): topic words, vocabulary words (common and rare) and question words."""
    rng = random.Random(seed)
    vocab = vocabulary(random.Random(7))
    out = []
    starters = ["what did", "why is", "how will", "when is", "tell me about", "what's new on"]
    for _ in range(count):
        topic = rng.choice(TOPICS).split()
        words = rng.sample(topic, rng.randint(1, 3)) + [vocab[int(rng.paretovariate(0.8)) % len(vocab)]
                                                        for _ in range(rng.randint(0, 3))]
        rng.shuffle(words)
        question = f"{rng.choice(starters)} {' '.join(words)}?"
        team = f"T{rng.randrange(TEAMS)}"
        out.append((question, team, f"C{rng.randrange(CHANNELS_PER_TEAM)}"))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> None:
    parser = argparse.ArgumentParser(description="FTS5 retrieval latency bench")
    parser.add_argument("--briefs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", help="Keep the generated database at this path.")
    parser.add_argument("--vectors", type=int, default=256, metavar="DIM",
                        help="Also store a DIM-float vector per chunk and time hybrid retrieval (0: skip).")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="briefbot-bench-")
    path = Path(args.keep) if args.keep else Path(workdir) / "bench.db"
    if path.exists():
        path.unlink()
    t0 = time.perf_counter()
    store = build(path, args.briefs)
    build_s = time.perf_counter() - t0
    qs = questions(args.queries)
    for question, team, channel in qs[:20]:  # warm the page cache
        retrieve(store, question, team, channel)
    times, cpu, warm, found = [], [], [], 0
    for question, team, channel in qs:
        forget_term_frequencies(store)  # the reported figure is the cold path: word stems looked up again
        start, start_cpu = time.perf_counter(), time.process_time()
        passages = retrieve(store, question, team, channel)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        found += bool(passages)
        start = time.perf_counter()
        retrieve(store, question, team, channel)
        warm.append((time.perf_counter() - start) * 1000)
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    lexical_size = path.stat().st_size
    hybrid = {}
    if args.vectors:
        add_vectors(store, args.vectors)
        rng = random.Random(5)
        dense_times, dense_cpu = [], []
        for i, (question, team, channel) in enumerate(qs):
            vector = [rng.gauss(0, 1) for _ in range(args.vectors)]
            if i == 0:  # the first call loads the matrix once per process; the bot keeps it
                t = time.perf_counter()
                retrieve(store, question, team, channel, dense=("bench", vector))
                hybrid["load_s"] = round(time.perf_counter() - t, 2)
            forget_term_frequencies(store)
            start, start_cpu = time.perf_counter(), time.process_time()
            retrieve(store, question, team, channel, dense=("bench", vector))
            dense_times.append((time.perf_counter() - start) * 1000)
            dense_cpu.append((time.process_time() - start_cpu) * 1000)
        store.db.execute("pragma wal_checkpoint(truncate)")
        hybrid.update(p50_ms=round(percentile(dense_times, 0.5), 2), p95_ms=round(percentile(dense_times, 0.95), 2),
                      cpu_p50_ms=round(percentile(dense_cpu, 0.5), 2), cpu_p95_ms=round(percentile(dense_cpu, 0.95), 2),
                      db_mb=round(path.stat().st_size / 1e6, 1), dim=args.vectors)
    store.close()
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps({"briefs": args.briefs, "p50_ms": round(p50, 2), "p95_ms": round(p95, 2),
                          "cpu_p50_ms": round(percentile(cpu, 0.5), 2), "cpu_p95_ms": round(percentile(cpu, 0.95), 2),
                          "queries": len(qs), "db_mb": round(lexical_size / 1e6, 1), "hybrid": hybrid}))
        return
    print(f"built {args.briefs} briefs ({2 * args.briefs} chunks) in {build_s:.1f} s at {path}")
    print(f"{len(qs)} queries, {found} with passages: p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {max(times):.2f} ms "
          f"(target p95 < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'}), "
          f"database {lexical_size / 1e6:.0f} MB; CPU p50 {percentile(cpu, 0.5):.2f} ms, p95 {percentile(cpu, 0.95):.2f} ms")
    print(f"the same question again (stems cached): p50 {percentile(warm, 0.5):.2f} ms, p95 {percentile(warm, 0.95):.2f} ms")
    if hybrid:
        print(f"hybrid, {hybrid['dim']}-float vector per chunk: p50 {hybrid['p50_ms']:.2f} ms, p95 {hybrid['p95_ms']:.2f}"
              f" ms (target {'met' if hybrid['p95_ms'] < TARGET_P95_MS else 'NOT met'}), database {hybrid['db_mb']:.0f} MB,"
              f" vectors loaded once in {hybrid['load_s']} s; CPU p50 {hybrid['cpu_p50_ms']:.2f} ms,"
              f" p95 {hybrid['cpu_p95_ms']:.2f} ms")


def add_vectors(store: Store, dim: int, seed: int = 3) -> None:
    """A random float32 vector per chunk (model "bench"), in one transaction."""
    import numpy as np

    ids = [r["id"] for r in store._query("select id from chunks order by id")]
    rng = np.random.default_rng(seed)
    with store.write() as db:
        for start in range(0, len(ids), 20_000):
            block = rng.standard_normal((len(ids[start:start + 20_000]), dim)).astype("<f4")
            db.conn.executemany("insert into chunk_vectors (chunk_id, model, dim, vector) values (?, 'bench', ?, ?)",
                                [(cid, dim, row.tobytes()) for cid, row in zip(ids[start:start + 20_000], block, strict=True)])


if __name__ == "__main__":
    main()
