"""Time comes from an injected clock so tests never sleep or patch `datetime`."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that only moves when told to: `advance(minutes=5)` or `set(datetime)`."""

    def __init__(self, now: dt.datetime):
        self._now = _aware(now)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, now: dt.datetime) -> None:
        self._now = _aware(now)

    def advance(self, **delta) -> None:
        self._now = self._now + dt.timedelta(**delta)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
