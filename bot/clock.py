"""Time comes from an injected clock so tests never sleep or patch `datetime`.

Every "now" the bot writes is `Clock.utc_stamp()`: UTC, ISO 8601, to the second, the one form the store
keeps timestamps in, so comparing two stamps as strings compares the times.
"""

from __future__ import annotations

import datetime as dt


def utc_stamp(moment: dt.datetime) -> str:
    """A moment as the store writes it ("2025-10-27T06:00:00+00:00"); a naive moment is taken as UTC."""
    return _aware(moment).astimezone(dt.UTC).isoformat(timespec="seconds")


class Clock:
    """What the bot asks for the time; `SystemClock` in production, `FixedClock` in tests and the demo."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""
        raise NotImplementedError

    def utc_stamp(self) -> str:
        """The current time as the store writes timestamps."""
        return utc_stamp(self.now())


class SystemClock(Clock):
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock(Clock):
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
