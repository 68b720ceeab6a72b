"""Digest composition time with many stored events.

Generates N events (default 10,000) across briefs in a temporary SQLite database, written through
`Store.save_brief` like the app does, then times `compose_digest` for one channel's week ahead
(median of --repeat runs). Events are spread over --spread days starting at the digest date, so the
default (60 days) puts about an eighth of them in the 7-day window; --spread 7 puts all of them in it,
the worst case for cross-brief dedup. Titles repeat across briefs so dedup has real work to do.

    .venv/bin/python bench/digest_bench.py [--events 10000] [--spread 60] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.pipeline.digest import compose_digest  # noqa: E402
from storage import Store  # noqa: E402

DATE = dt.date(2025, 10, 27)
ACTORS = ["Fed", "ECB", "BoJ", "BoE", "OPEC", "G20", "IMF", "US", "China", "Japan", "EU", "Treasury"]
ACTIONS = [
    "rate decision",
    "policy meeting",
    "jobs report",
    "summit",
    "budget vote",
    "auction",
    "inflation data",
]
EVENTS_PER_BRIEF = 5


def populate(store: Store, n_events: int, spread: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = "2025-10-26T08:00:00+00:00"
    n_briefs = (n_events + EVENTS_PER_BRIEF - 1) // EVENTS_PER_BRIEF
    made = 0
    with store.write():
        for b in range(n_briefs):
            events = []
            for _ in range(min(EVENTS_PER_BRIEF, n_events - made)):
                precision = rng.choices(["day", "week", "month"], weights=[8, 1, 1])[0]
                day = DATE + dt.timedelta(days=rng.randrange(spread))
                if precision == "week":
                    day -= dt.timedelta(days=day.weekday())
                elif precision == "month":
                    day = day.replace(day=1)
                timed = precision == "day" and rng.random() < 0.3
                events.append(
                    {
                        "title": f"{rng.choice(ACTORS)} {rng.choice(ACTIONS)}",
                        "date": day.isoformat(),
                        "precision": precision,
                        "time": f"{rng.randrange(7, 19):02d}:{rng.choice(['00', '30'])}" if timed else None,
                        "timezone": rng.choice(["ET", "JST", "Europe/London"]) if timed else None,
                        "evidence": "Generated for the digest bench.",
                    }
                )
            made += len(events)
            store.save_brief(
                article={
                    "url": f"https://example.org/bench/{b}",
                    "content_hash": f"bench{b}",
                    "title": f"A{b}",
                },
                brief={
                    "team": "T1",
                    "channel": f"C{b % 3}",
                    "visibility": "public" if b % 4 else "private",
                    "tldr": f"Brief {b}.",
                    "open_questions": [f"Question {b}?"],
                    "backend": "embedded",
                },
                events=events,
                storylines=[],
                new_storylines=[f"Storyline {b}"] if b % 50 == 0 else [],
                chunks=[],
                usage=None,
                now=now,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--spread", type=int, default=60, help="days the event dates are spread over")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
        store = Store(Path(tmp) / "bench.db")
        populate(store, args.events, args.spread)
        times = []
        digest = None
        for _ in range(args.repeat):
            start = time.perf_counter()
            digest = compose_digest(store, date=DATE, days=7, team="T1", channel="C1")
            times.append((time.perf_counter() - start) * 1000)
        stored = store.db["events"].count
        store.close()
    ms = round(statistics.median(times), 1)
    if args.json:
        print(json.dumps({"events": stored, "ms": ms}))
        return
    shown = len(digest.events())
    print(
        f"{stored} events stored; digest for {DATE} (7 days, channel C1): {shown} merged events, "
        f"{len(digest.storylines)} storylines — median {ms} ms over {args.repeat} runs"
    )


if __name__ == "__main__":
    main()
