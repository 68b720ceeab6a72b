"""Ingest throughput over a local HTTP server, against trafilatura's `extract` alone, and memory use.

Serves N generated article pages on 127.0.0.1, ingests them through the real pipeline (safe fetcher,
extraction, embedded brief, SQLite), and in the same process times `trafilatura.extract` on the same HTML.
Prints pages/s for both, the ratio (aim: under 1.5), and RSS idle (services built, nothing ingested) and
peak (sampled during the batch; aim: idle < 150 MB, peak < 400 MB).

    python bench/ingest_bench.py [--pages 200] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import re
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import FixedClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.pipeline.ingest import Placement, Source  # noqa: E402
from bot.services import build_services  # noqa: E402

SUBJECTS = ["The Federal Reserve", "The Bank of Japan", "The European Central Bank", "China's commerce ministry",
            "The Treasury", "Japan's finance ministry", "The Bank of England", "Oil producers", "Chip makers",
            "Soybean exporters", "Shipping companies", "Regional lenders"]
VERBS = ["said on Monday that", "is expected to announce on Wednesday that", "warned last week that",
         "will decide on Thursday whether", "signalled in a statement that", "told reporters on Friday that"]
CLAUSES = ["inflation remained above its 2% target", "tariffs on steel could be reduced next month",
           "growth slowed to 1.1% in the third quarter", "it would keep buying government bonds",
           "negotiations would resume in December", "demand for exports had weakened",
           "the rate decision was finely balanced", "supply chains were shifting to Southeast Asia",
           "it remains unclear whether the deal will hold", "bond yields rose to their highest since 2008"]


DEV_PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "extraction-dev" / "html"


def real_pages(count: int) -> list[bytes] | None:
    """Real news pages from the extraction dev set (when present), each copy made distinct by one added
    paragraph so every page is a new article (no reuse by content hash)."""
    import gzip

    files = sorted(DEV_PAGES.glob("*.html.gz")) if DEV_PAGES.is_dir() else []
    if not files:
        return None
    originals = [gzip.decompress(f.read_bytes()).decode("utf-8", "replace") for f in files]
    pages = []
    for i in range(count):
        html = originals[i % len(originals)].replace("canonical", "x-bench")  # copies are new articles
        marker = f" Benchmark copy {i} makes this article text unique for the batch. "
        paragraphs = [m.end() for m in re.finditer(r"<p[ >][^>]*>?", html)]
        if paragraphs:  # inside the middle paragraph, where the article body is
            at = paragraphs[len(paragraphs) // 2]
            html = html[:at] + marker + html[at:]
        pages.append(html.encode("utf-8"))
    return pages


def make_page(i: int) -> bytes:
    rng = random.Random(i)
    paragraphs = []
    for _ in range(rng.randint(8, 14)):
        sentences = [f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(CLAUSES)}." for _ in range(3)]
        paragraphs.append(" ".join(sentences))
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    title = f"Markets brief number {i}: {rng.choice(SUBJECTS)} in focus"
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="author" content="Markets desk"><meta property="article:published_time" content="2025-10-27T06:00:00Z">
</head><body><nav><a href="/">Home</a> <a href="/markets">Markets</a></nav>
<article><h1>{title}</h1><p>Story {i} of the benchmark batch.</p>{body}</article>
<footer>Copyright. All rights reserved. <a href="/privacy">Privacy</a></footer></body></html>"""
    return html.encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802
        body = self.pages.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class StageTimer:
    """Per-stage wall time, by wrapping the functions the pipeline calls by name (timing only: each
    wrapper calls the original with the same arguments). Nested stages (find_times inside
    extract_events) are reported both on their own and inside their parent."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, owner, attr: str, stage: str) -> None:
        original = getattr(owner, attr)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - t0

        self._undo.append((owner, attr, original))
        setattr(owner, attr, timed)

    def install(self, services) -> None:
        from bot.backends import embedded
        from bot.pipeline import events, ingest

        self.wrap(ingest, "fetch", "fetch (HTTP over loopback)")
        self.wrap(ingest, "extract_html", "extract_html (trafilatura + metadata)")
        self.wrap(ingest, "find_canonical_link", "find_canonical_link")
        self.wrap(ingest, "content_hash", "content_hash")
        self.wrap(services.store, "find_article", "store.find_article")
        self.wrap(services.store, "open_storylines", "store.open_storylines")
        self.wrap(services.backend, "brief", "backend.brief (total)")
        self.wrap(embedded, "summarize", "  summarize")
        self.wrap(embedded, "find_entities", "  find_entities")
        self.wrap(embedded, "extract_events", "  extract_events")
        self.wrap(events, "find_times", "    find_times (in extract_events)")
        self.wrap(embedded, "assign_storylines", "  assign_storylines")
        self.wrap(ingest, "chunk_text", "chunk_text")
        self.wrap(services.store, "save_brief", "store.save_brief")

    def uninstall(self) -> None:
        for owner, attr, original in reversed(self._undo):
            if isinstance(owner, type(dt)):  # a module: put the original function back
                setattr(owner, attr, original)
            else:  # an instance: drop the shadowing attribute
                delattr(owner, attr)
        self._undo.clear()

    def per_page_ms(self, pages: int, total_s: float) -> dict[str, float]:
        top = [k for k in self.seconds if not k.startswith(" ")]
        out = {k: round(1000 * v / pages, 2) for k, v in self.seconds.items()}
        out["other (ingest glue)"] = round(1000 * (total_s - sum(self.seconds[k] for k in top)) / pages, 2)
        out["total"] = round(1000 * total_s / pages, 2)
        return out


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def run(pages: int, synthetic: bool = False) -> dict:
    bodies = None if synthetic else real_pages(pages)
    kind = "real news pages (extraction-dev, made distinct)" if bodies else "generated pages"
    bodies = bodies or [make_page(i) for i in range(pages)]
    html = {f"/article/{i}": body for i, body in enumerate(bodies)}
    _Handler.pages = html
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    tmp = tempfile.mkdtemp(prefix="briefbot-bench-")
    settings = dataclasses.replace(
        load_settings({"BRIEFBOT_DB": f"{tmp}/bench.db"}, dotenv=False), fetch_allow=("127.0.0.1",)
    )
    services = build_services(settings, clock=FixedClock(dt.datetime(2025, 10, 27, 8, tzinfo=dt.UTC)))
    # warm up imports and caches on one page outside the measurement
    import trafilatura

    trafilatura.extract(make_page(-1).decode())
    idle = rss_mb()

    peak = [idle]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stages = StageTimer()
    stages.install(services)
    t0 = time.perf_counter()
    failures = reused = 0
    for path in html:
        try:
            result = services.ingestor.ingest(Source("url", base + path, path), Placement(channel="CBENCH"))
            reused += result.reused
        except Exception:  # noqa: BLE001 - counted, reported
            failures += 1
    pipeline_s = time.perf_counter() - t0
    stages.uninstall()
    stop.set()
    sampler.join()
    peak[0] = max(peak[0], rss_mb())

    t0 = time.perf_counter()
    for body in html.values():
        trafilatura.extract(body.decode("utf-8"))
    extract_s = time.perf_counter() - t0
    server.shutdown()
    services.close()
    return {
        "pages": pages,
        "kind": kind,
        "failures": failures,
        "reused": reused,
        "pipeline_pages_per_s": round(pages / pipeline_s, 1),
        "extract_pages_per_s": round(pages / extract_s, 1),
        "ratio": round(pipeline_s / extract_s, 2),
        "idle_rss_mb": round(idle, 1),
        "peak_rss_mb": round(peak[0], 1),
        "stage_ms_per_page": stages.per_page_ms(pages, pipeline_s),
        "extract_alone_ms_per_page": round(1000 * extract_s / pages, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--synthetic", action="store_true", help="generated pages even when the dev set exists")
    args = parser.parse_args()
    result = run(args.pages, synthetic=args.synthetic)
    if args.json:
        print(json.dumps(result))
        return
    print(f"pages: {result['pages']} {result['kind']}")
    print(f"ingest: {result['pipeline_pages_per_s']} pages/s through the pipeline "
          f"({result['failures']} failures, {result['reused']} reused by content hash) vs {result['extract_pages_per_s']} pages/s trafilatura.extract alone"
          f" → ratio {result['ratio']} (aim < 1.5)")
    print("per page, ms (pipeline stages; indented ones are inside the line above):")
    for stage, ms in result["stage_ms_per_page"].items():
        print(f"  {stage:<44} {ms:7.2f}")
    print(f"  {'trafilatura.extract alone (for comparison)':<44} {result['extract_alone_ms_per_page']:7.2f}")
    print(f"memory: idle {result['idle_rss_mb']} MB (aim < 150), peak {result['peak_rss_mb']} MB (aim < 400)")


if __name__ == "__main__":
    main()
