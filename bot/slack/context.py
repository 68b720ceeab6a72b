"""What every listener and the job runner share: services, the poster, the worker pool, the eyes gate.

The listeners write jobs through `ctx.enqueue`: one `JobWriter` (group commit, so listeners acking at the
same moment share one transaction) on a connection of its own (`Store.ack_path_store`). Sharing the
workers' connection meant queueing behind their reads and writes on its lock, each stretched by the
interpreter being busy with the burst (ack p99 +35 ms under load in bench/ack_bench.py). An earlier
second connection measured worse because SQLite's busy handler sleeps in coarse steps (1, 2, 5, 10… ms)
while a worker holds the write lock; this one fails fast and retries every 0.5 ms instead, and leaves WAL
checkpoints (tens of ms inside a COMMIT) to the shared connection.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.services import Services
from bot.slack.intake import EyesGate, JobWriter
from bot.slack.poster import Poster


@dataclass
class SlackContext:
    services: Services
    poster: Poster
    pool: object | None = None  # bot.worker.WorkerPool, set once built
    gate: EyesGate = field(default_factory=EyesGate)
    bot_user_id: str | None = None
    in_flight: object | None = None  # bot.server.InFlight: Slack requests being dispatched now
    reactor: object | None = None  # bot.slack.reactor.Reactor: adds :eyes: off the listener threads
    digests: object | None = None  # bot.scheduler.DigestScheduler, when `briefbot run` started one
    writer: JobWriter | None = None  # the ack path's group commit; made from the store when not given

    def __post_init__(self) -> None:
        if self.writer is None:
            self.writer = JobWriter(self.services.store, self.services.store.ack_path_store())

    def enqueue(self, jobs: list[dict]) -> list[tuple[dict, int, bool]]:
        """Write jobs rows before the ack (committed on return): (job, id, created) for each."""
        return self.writer.enqueue(jobs, self.now())

    def schedule_changed(self, channel: str) -> None:
        """A schedule changed in Slack: the running scheduler applies it now, without a restart."""
        if self.digests is not None:
            self.digests.apply(channel)

    @property
    def store(self):
        return self.services.store

    @property
    def settings(self):
        return self.services.settings

    def now(self) -> str:
        return self.services.clock.now().astimezone(dt.UTC).isoformat(timespec="seconds")

    def wake(self) -> None:
        if self.pool is not None:
            self.pool.wake()
