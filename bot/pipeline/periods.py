"""What an event's date means at each precision, written once for the extractor, the model checks and
the digest.

An event is dated at day, week or month precision; its stored date is the anchor of its period (the day,
the week's Monday, the month's first), so a week- or month-precision event is never shown on a made-up
day. Nothing more than `HORIZON_DAYS` ahead becomes an event, whoever wrote it.
"""

from __future__ import annotations

import datetime as dt
import re

PRECISIONS = ("day", "week", "month")  # finest first: the digest sorts coarse events in this order
HORIZON_DAYS = 366  # nothing more than a year ahead

_DAY = re.compile(r"\d{4}-\d\d-\d\d(T.*)?")
_DAY_AND_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
_WEEK = re.compile(r"(\d{4})-W(\d\d)")
_MONTH = re.compile(r"(\d{4})-(\d\d)")


def anchor(date: dt.date, precision: str) -> dt.date:
    """The stored date: the day, the week's Monday or the month's first."""
    if precision == "week":
        return date - dt.timedelta(days=date.weekday())
    if precision == "month":
        return date.replace(day=1)
    return date


def period_of(date: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """First and last day an event of this precision may fall on (its week Mon-Sun, its month)."""
    start = anchor(date, precision)
    if precision == "week":
        return start, start + dt.timedelta(days=6)
    if precision == "month":
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    return date, date


def mention_period(value: str) -> tuple[str, dt.date, str | None] | None:
    """(precision, anchor date, "HH:MM" or None) of a tagged time value ("2025-10-29T14:00", "2025-W45",
    "2025-11"), or None for values that are no calendar unit (durations, seasons) or no real date."""
    try:
        if _DAY.fullmatch(value):
            time = value[11:16] if _DAY_AND_TIME.fullmatch(value) else None
            return "day", dt.date.fromisoformat(value[:10]), time
        if m := _WEEK.fullmatch(value):
            return "week", dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1), None
        if m := _MONTH.fullmatch(value):
            return "month", dt.date(int(m.group(1)), int(m.group(2)), 1), None
    except ValueError:
        return None
    return None
