"""Queue semantics in figures: fairness between teams, a Slack outage's retries, and the cost of a claim.

- fairness: team A queues --burst links (default 100), then team B one; the position (1-based) at which
  B's job is claimed.
- outage: a job whose every run finds Slack unavailable, on a fixed clock moved to each retry's
  `not_before`: how many runs before it fails, and over how much (clock) time.
- claim cost: median and p95 of one `claim_job` with --queued jobs waiting across 50 teams and
  --finished done jobs in the table.

Uses only the store's and worker pool's public methods, so the same script measures an older checkout.

    .venv/bin/python bench/queue_bench.py [--burst 100] [--queued 10000] [--finished 50000] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import FixedClock  # noqa: E402
from bot.errors import BriefbotError  # noqa: E402
from bot.worker import WorkerPool  # noqa: E402
from storage import Store  # noqa: E402
from tests.helpers.store_peek import bulk_jobs  # noqa: E402

START = dt.datetime(2025, 10, 27, 8, 0, tzinfo=dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _job(team: str, channel: str, i: int) -> dict:
    return {"source": f"https://{team.lower()}.example/{i}", "team": team, "channel": channel,
            "message_ts": f"1.{i}", "kind": "posted_link"}


def fairness(tmp: Path, burst: int) -> int:
    store = Store(tmp / "fair.db")
    now = _stamp(START)
    for i in range(burst):
        store.enqueue_job(_job("TA", "CA", i), now)
    store.enqueue_job(_job("TB", "CB", 0), now)
    position = 0
    while (job := store.claim_job(now)) is not None:
        position += 1
        if job["team"] == "TB":
            break
    store.close()
    return position


class SlackDown(Exception):
    """Stands for the poster's `SlackUnavailable` (an `Unavailable` where the code has that class)."""


def outage(tmp: Path) -> dict:
    try:
        from bot.errors import Unavailable

        error = type("SlackUnavailable", (Unavailable,), {})
    except ImportError:  # an older checkout: any non-input error was "passing"
        error = SlackDown
    if issubclass(error, BriefbotError):
        raise SystemExit("an outage must not be an input error")
    store = Store(tmp / "outage.db")
    clock = FixedClock(START)
    told: list[str] = []

    def handler(job):
        raise error("Slack unavailable (service_unavailable)")

    pool = WorkerPool(store, handler, lambda job, reason: told.append(reason), clock)
    job_id, _ = store.enqueue_job(_job("TA", "CA", 0), _stamp(START))
    runs = 0
    while True:
        job = store.claim_job(_stamp(clock.now()))
        if job is None:
            row = store._one("select * from jobs where id = ?", [job_id])
            if row["state"] != "queued" or not row.get("not_before"):
                break
            clock.set(dt.datetime.fromisoformat(row["not_before"]))
            continue
        runs += 1
        pool.run_one(job)
    store.close()
    return {"runs": runs, "seconds": (clock.now() - START).total_seconds(), "told": len(told),
            "reason": told[0] if told else None}


def claim_cost(tmp: Path, queued: int, finished: int) -> dict:
    store = Store(tmp / "cost.db")
    now = _stamp(START)
    bulk_jobs(store, [{**_job(f"T{i % 50}", f"C{i % 200}", 10_000_000 + i), "state": "done", "attempts": 1,
                       "created_at": now, "updated_at": now} for i in range(finished)])
    for i in range(queued):
        store.enqueue_job(_job(f"T{i % 50}", f"C{i % 200}", i), now)
    times = []
    for _ in range(300):
        t0 = time.perf_counter()
        store.claim_job(now)
        times.append((time.perf_counter() - t0) * 1000)
    store.close()
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * 0.95)], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--queued", type=int, default=10_000)
    parser.add_argument("--finished", type=int, default=50_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = {"burst": args.burst, "b_position": fairness(Path(tmp), args.burst), "outage": outage(Path(tmp)),
                "queued": args.queued, "finished": args.finished, **claim_cost(Path(tmp), args.queued, args.finished)}
    if args.json:
        print(json.dumps(data))
    else:
        out = data["outage"]
        print(f"team B's one job after team A's {data['burst']}: claimed at position {data['b_position']}")
        print(f"Slack down: {out['runs']} runs over {out['seconds']:.0f} s (clock), then failed, told "
              f"{out['told']}x: {out['reason']}")
        print(f"claim_job with {data['queued']} queued / {data['finished']} done: p50 {data['p50_ms']} ms, "
              f"p95 {data['p95_ms']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
