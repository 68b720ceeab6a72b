"""What every listener and the job runner share: services, the poster, the worker pool, the eyes gate.

The listeners write jobs through the shared store (one connection, one lock). A second connection for
the ack path was tried and measured worse: SQLite's busy handler sleeps in coarse steps while a worker
holds the write lock, which showed up as 100+ ms tails in bench/ack_bench.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.services import Services
from bot.slack.intake import EyesGate
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
