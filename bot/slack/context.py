"""What every listener shares: services, the poster, the eyes gate and reactor, the job writer, and the
two calls into the running bot (wake a worker, apply a schedule change). `SlackRuntime` builds it whole.

The listeners write jobs through `ctx.enqueue`: one `JobWriter` (group commit, so listeners acking at the
same moment share one transaction) on a connection of its own (`Store.ack_path_store`). Sharing the
workers' connection meant queueing behind their reads and writes on its lock, each stretched by the
interpreter being busy with the burst (ack p99 +35 ms under load in bench/ack_bench.py). An earlier
second connection measured worse because SQLite's busy handler sleeps in coarse steps (1, 2, 5, 10… ms)
while a worker holds the write lock; this one fails fast and retries every 0.5 ms instead, and leaves WAL
checkpoints (tens of ms inside a COMMIT) to the shared connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.services import Services
from bot.slack.intake import EyesGate, JobWriter
from bot.slack.job import SlackJob
from bot.slack.poster import Poster
from bot.slack.reactor import Reactor
from bot.slack.teams import TeamLeaving


@dataclass(frozen=True)
class SlackContext:
    services: Services
    poster: Poster
    gate: EyesGate
    reactor: Reactor  # adds :eyes: off the listener threads
    writer: JobWriter  # the ack path's group commit
    wake: Callable[[], None]  # a job was queued: let an idle worker look now
    schedule_changed: Callable[[str], None]  # a channel's digest schedule changed in Slack
    team_leaving: TeamLeaving  # app_uninstalled / tokens_revoked: stop the team's work
    bot_user_id: str | None = None

    def enqueue(self, jobs: list[SlackJob]) -> list[tuple[SlackJob, int, bool]]:
        """Write jobs rows before the ack (committed on return): (job, id, created) for each."""
        return self.writer.enqueue(jobs, self.now())

    @property
    def store(self):
        return self.services.store

    @property
    def settings(self):
        return self.services.settings

    def now(self) -> str:
        return self.services.clock.utc_stamp()
