"""One thread that adds the `:eyes:` reactions, in order, after the acks.

A burst of link messages would otherwise make a Web API call per listener thread while Slack is still
waiting for the other acks. The reactor holds each reaction until the HTTP server has been quiet briefly
(`InFlight.wait_idle`), but never longer than `max_delay` after the message arrived, so the eyes still
appear within about a second even under steady traffic.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from bot.logs import log_context
from bot.slack.intake import EyesGate
from bot.slack.poster import Poster

log = logging.getLogger(__name__)


class Reactor:
    def __init__(self, poster: Poster, gate: EyesGate, name: str = "eyes",
                 yield_to: Callable[[float], object] | None = None, max_delay: float = 1.0):
        self.poster = poster
        self.gate = gate
        self.name = name
        self.yield_to = yield_to
        self.max_delay = max_delay
        self._queue: queue.Queue[tuple[str, str, str | None, float] | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> Reactor:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="briefbot-reactor", daemon=True)
            self._thread.start()
        return self

    def add(self, channel: str, ts: str, team: str | None = None) -> None:
        """Queue `:eyes:` on a message (with `team`'s token); without a running thread, react at once."""
        if self._thread is None:
            self._react(channel, ts, team)
        else:
            self._queue.put((channel, ts, team, time.monotonic()))

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            channel, ts, team, queued_at = item
            left = self.max_delay - (time.monotonic() - queued_at)
            if self.yield_to is not None and left > 0:
                self.yield_to(left)
            self._react(channel, ts, team)

    def _react(self, channel: str, ts: str, team: str | None) -> None:
        try:
            with log_context(team=team, channel=channel):
                self.poster.for_team(team).react(channel, ts, self.name)
        finally:
            self.gate.done(channel, ts)  # the worker may now swap the reaction, whatever happened
