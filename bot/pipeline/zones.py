"""Time zones as articles write them ("ET", "JST", "America/New_York"): resolved once, shown as readers
write them ("EDT" on a summer day). Shared by briefs, digests, answers and the calendar export."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from bot.pipeline.timex import TZ_ABBREVIATIONS

# Unambiguous abbreviations besides timex's; ambiguous ones (IST, CST, BST outside the UK...) stay unresolved.
_MORE_ZONES = {
    "MT": "America/Denver",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "SGT": "Asia/Singapore",
    "KST": "Asia/Seoul",
    "Z": "UTC",
}


def resolve_timezone(name: str | None) -> zoneinfo.ZoneInfo | None:
    """A real zone for 'ET', 'America/New_York', 'JST'...; None when unknown or ambiguous."""
    if not name:
        return None
    key = name.strip()
    key = TZ_ABBREVIATIONS.get(key.upper()) or _MORE_ZONES.get(key.upper()) or key
    try:
        return zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def short_zone(date: dt.date, time: str | None, name: str | None) -> str | None:
    """'EDT' for America/New_York on a summer day: how a reader writes it; the name as given otherwise."""
    zone = resolve_timezone(name)
    if zone is None or not time:
        return name
    try:
        hour, minute = (int(x) for x in time.split(":")[:2])
        return dt.datetime.combine(date, dt.time(hour, minute), zone).tzname() or name
    except ValueError:
        return name
