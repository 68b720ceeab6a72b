"""The digest's events as an iCalendar file, so a team can subscribe to its week ahead.

Choices (documented because calendars make them visible):
  * Day precision without a clock time: an all-day event (DTEND the next day).
  * Day precision with a clock time and a zone we can resolve ('ET', 'America/New_York', 'JST'...): a timed
    event in that zone, with its VTIMEZONE. No end is invented: DTSTART only, which RFC 5545 reads as an
    event that ends when it starts. A time whose zone is missing or unknown is not guessed: the event
    stays all-day and the time goes into the summary ("14:00 (zone not given)").
  * Week and month precision: an all-day event spanning the whole week (Mon–Sun) or month, marked
    TRANSPARENT (it does not block time) and titled "… (day not known)", so the day is never made up.
  * UID: the digest event's uid (derived from its first source's event), so re-exports and a feed
    refresh update events instead of duplicating them, even as more sources join.
  * DESCRIPTION: when, the sources (brief id and URL) and the sentence the event came from.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import icalendar

from bot.pipeline.digest import Digest, DigestEvent
from bot.pipeline.periods import period_of
from bot.pipeline.zones import resolve_timezone

PRODID = "-//briefbot//week ahead//EN"
UID_DOMAIN = "briefbot"


def _timed_start(event: DigestEvent) -> dt.datetime | None:
    zone = resolve_timezone(event.timezone)
    if zone is None or not event.time:
        return None
    try:
        hour, minute = (int(x) for x in event.time.split(":")[:2])
        return dt.datetime.combine(event.date, dt.time(hour, minute), zone)
    except ValueError:
        return None


def _description(event: DigestEvent) -> str:
    lines = [f"When: {event.label}"]
    if event.precision != "day":
        lines.append(f"The articles give only the {event.precision}, not the day.")
    lines.append("Sources:")
    for brief, url in zip(event.sources, event.urls, strict=False):
        lines.append(f"  {brief}" + (f" {url}" if url else ""))
    if event.evidence:
        lines.append(f"From the article: {event.evidence}")
    return "\n".join(lines)


def vevent(event: DigestEvent, stamp: dt.datetime) -> icalendar.Event:
    item = icalendar.Event()
    uid = event.uid or hashlib.sha1(f"{event.date}|{event.precision}|{event.title}".encode()).hexdigest()[:20]
    item.add("uid", f"{uid}@{UID_DOMAIN}")
    item.add("dtstamp", stamp.astimezone(dt.UTC))
    start = _timed_start(event) if event.precision == "day" else None
    if start is not None:
        item.add("summary", event.title)
        item.add("dtstart", start)
    elif event.precision == "day":
        note = ""
        if event.time:
            note = (
                f" ({event.time} {event.timezone})" if event.timezone else f" ({event.time}, zone not given)"
            )
        item.add("summary", event.title + note)
        item.add("dtstart", event.date)
        item.add("dtend", event.date + dt.timedelta(days=1))
    else:
        first, last = period_of(event.date, event.precision)
        item.add("summary", f"{event.title} (day not known)")
        item.add("dtstart", first)
        item.add("dtend", last + dt.timedelta(days=1))
        item.add("transp", "TRANSPARENT")
    item.add("description", _description(event))
    first_url = next((u for u in event.urls if u), None)
    if first_url:
        item.add("url", first_url)
    return item


def digest_to_ics(digest: Digest, *, stamp: dt.datetime, name: str = "briefbot week ahead") -> bytes:
    """Every event of the digest (week ahead, then later) as one VCALENDAR; `stamp` is DTSTAMP (now)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", digest.timezone)
    for event in digest.events():
        cal.add_component(vevent(event, stamp))
    cal.add_missing_timezones(
        first_date=digest.date - dt.timedelta(days=366), last_date=digest.end + dt.timedelta(days=366)
    )
    return cal.to_ical()
