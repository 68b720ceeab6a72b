"""Big pages: time and peak memory to fetch, extract, brief and store a 5 MB article page.

Generates a realistic heavy news page (an inline JSON state blob and scripts, inline CSS and an SVG
sprite, navigation, a long live-blog style article of dated, named-entity-rich paragraphs, a related-links
footer) and serves it from a loopback HTTP server. Each scenario runs in a fresh child process that builds
the real services (safe fetcher, trafilatura, embedded backend, SQLite) and ingests one page, or four
distinct pages on four threads at once (as the worker pool does); the child reports wall time and its own
peak RSS (`ru_maxrss`, which also counts the interpreter and imports, so the figure is honest).
Targets (issue 14): one page within 5 s and 150 MB; four at once under 300 MB peak.

The child only uses `build_services`, `Source` and `Placement`, so the same script measures an older
checkout too (before/after figures).

    python bench/big_page_bench.py [--mb 5] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"one_s": 5.0, "one_mb": 150.0, "four_mb": 300.0}

ACTORS = ["The city council", "The regional water board", "Harbour officials", "The transport minister",
          "Union leaders", "The national grid operator", "The mayor", "The harbour master", "The port authority",
          "Engineers at the Delft site", "The European Commission", "Shipping firms in Rotterdam"]
VERBS = ["said on Monday that", "told reporters on Wednesday that", "will decide on Thursday, November 13, whether",
         "warned last week that", "confirmed in a statement that", "is expected to announce next month that",
         "said in an interview on Friday that"]
CLAUSES = ["the flood barrier would be raised for the third time this year",
           "repairs to the northern lock could cost about 40 million euros",
           "ferry services would resume on December 2 if inspections go well",
           "the tender for the new pumping station had drawn five bids",
           "it remains unclear whether the storm damage is covered by insurance",
           "a public hearing on the dike plan is scheduled for January 14",
           "traffic on the ring road would be diverted until the end of the month",
           "the budget vote had been postponed to next Tuesday",
           "water levels peaked at 3.2 metres above normal overnight",
           "emergency crews had evacuated two hundred homes near the river"]


def _paragraph(rng: random.Random) -> str:
    sentences = [f"{rng.choice(ACTORS)} {rng.choice(VERBS)} {rng.choice(CLAUSES)}." for _ in range(rng.randint(2, 5))]
    if rng.random() < 0.3:
        sentences[0] = f'<strong>{sentences[0]}</strong> <a href="/live/{rng.randint(1, 99999)}">More</a>'
    return " ".join(sentences)


def make_page(seed: int, size: int) -> bytes:
    """A page of about `size` bytes: ~25% scripts/JSON, ~8% CSS/SVG, ~5% chrome, the rest article text."""
    rng = random.Random(seed)
    title = f"Live: storm surge closes the harbour, day {seed + 1} of the flood emergency"
    state = json.dumps({"props": {"page": {"items": [
        {"id": i, "headline": f"Related story {i}", "summary": _paragraph(rng), "tags": ["flood", "harbour"],
         "image": {"src": f"/img/{i}.jpg", "w": 1200, "h": 800}} for i in range(int(size * 0.25) // 400)]}}})
    css = "".join(f".c{i}{{margin:{i % 9}px;padding:{i % 7}px;color:#{i % 4096:03x}}}\n"
                  for i in range(int(size * 0.05) // 40))
    svg = "".join(f'<symbol id="i{i}" viewBox="0 0 24 24"><path d="M{i % 24} 0L24 {i % 24}Z"/></symbol>'
                  for i in range(int(size * 0.03) // 70))
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(400))
    related = "".join(f'<li><a href="/story/{rng.randint(1, 10**6)}">{rng.choice(CLAUSES).capitalize()}</a></li>'
                      for i in range(600))
    head = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            '<meta name="author" content="City desk">'
            '<meta property="article:published_time" content="2025-10-27T06:00:00Z">'
            f"<style>{css}</style><script>window.__STATE__={state};</script>"
            f'<script src="/app.js"></script></head><body><svg style="display:none">{svg}</svg>'
            f'<nav><ul>{nav}</ul></nav><main><article><h1>{title}</h1>')
    tail = f"</article></main><aside><ul>{related}</ul></aside><footer>All rights reserved.</footer></body></html>"
    parts, used = [head], len(head) + len(tail)
    n = 0
    while used < size - 400:
        n += 1
        stamp = f"<h2>{8 + n // 60:02d}:{n % 60:02d} update</h2>" if n % 12 == 1 else ""
        para = f"{stamp}<p>{_paragraph(rng)}</p>\n"
        parts.append(para)
        used += len(para.encode())
    parts.append(tail)
    page = "".join(parts).encode()
    return page[:size] if len(page) > size else page + b" " * (size - len(page))


# ------------------------------------------------------------------------------------------- child


def child(urls: list[str], db: str) -> dict:
    from bot.clock import FixedClock
    from bot.config import load_settings
    from bot.pipeline.ingest import Placement, Source
    from bot.services import build_services

    settings = dataclasses.replace(load_settings({"BRIEFBOT_DB": db}, dotenv=False), fetch_allow=("127.0.0.1",),
                                   fetch_total_timeout=120.0)
    services = build_services(settings, clock=FixedClock(dt.datetime(2025, 10, 27, 8, tzinfo=dt.UTC)))
    start_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results: list[object] = [None] * len(urls)

    def one(i: int) -> None:
        try:
            r = services.ingestor.ingest(Source.parse(urls[i]), Placement(team="T1", channel=f"C{i}"))
            results[i] = r.brief_id
        except Exception as exc:  # noqa: BLE001 - reported in the figures
            results[i] = f"error: {exc}"

    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage0.ru_utime + usage0.ru_stime
    t0 = time.perf_counter()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(urls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    text_chars = [len((services.store.article_text_of_brief(b) or {}).get("text") or "")
                  if isinstance(b, str) and not b.startswith("error") else 0 for b in results]
    services.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"seconds": round(seconds, 2), "start_mb": round(start_mb, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime - cpu0, 2),
            "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "results": results, "stored_text_chars": text_chars}


# ------------------------------------------------------------------------------------------ parent


class _Handler(BaseHTTPRequestHandler):
    pages: dict[str, bytes] = {}
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        body = self.pages.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


def _run_child(urls: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="briefbot-bigpage-") as tmp:
        proc = subprocess.run([sys.executable, __file__, "--child", f"{tmp}/bench.db", *urls],
                              capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(size: int, four_too: bool = True) -> dict:
    _Handler.pages = {f"/live/{i}": make_page(i, size) for i in range(5)}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    skipped = {"seconds": None, "cpu_s": None, "peak_mb": None, "results": []}
    try:
        one = _run_child([f"{base}/live/0"])
        four = _run_child([f"{base}/live/{i}" for i in range(1, 5)]) if four_too else skipped
    finally:
        server.shutdown()
    return {
        "page_bytes": size,
        "one_s": one["seconds"], "one_cpu_s": one["cpu_s"], "one_peak_mb": one["peak_mb"],
        "one_start_mb": one["start_mb"],
        "four_s": four["seconds"], "four_cpu_s": four["cpu_s"], "four_peak_mb": four["peak_mb"],
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "stored_text_chars": one["stored_text_chars"][0],
        "errors": [r for r in one["results"] + four["results"] if str(r).startswith("error")],
        "targets": TARGETS,
    }


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[3:], sys.argv[2])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="page size in MB (10^6 bytes)")
    parser.add_argument("--one-only", action="store_true", help="skip the four-at-once run (slow on old code)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = run(int(args.mb * 1_000_000), four_too=not args.one_only)
    if args.json:
        print(json.dumps(data))
    else:
        print(f"page: {data['page_bytes'] / 1e6:.1f} MB, stored text {data['stored_text_chars']:,} characters")
        print(f"one page:      {data['one_s']:6.2f} s wall ({data['one_cpu_s']:.2f} s CPU), peak RSS "
              f"{data['one_peak_mb']:6.1f} MB (services built: {data['one_start_mb']:.1f} MB)   target ≤ 5 s, ≤ 150 MB")
        if data["four_s"] is not None:
            print(f"four at once:  {data['four_s']:6.2f} s wall ({data['four_cpu_s']:.2f} s CPU), peak RSS "
                  f"{data['four_peak_mb']:6.1f} MB   target ≤ 300 MB")
        print(f"machine load average (1 min) at the end: {data['load_avg_1m']}")
        for err in data["errors"]:
            print(err)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
