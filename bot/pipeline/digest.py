"""The week-ahead digest: data in, `Digest` out, plus a plain-text rendering for the CLI.

`build_digest` is pure (rows in, Digest out) so grouping, dedup and window rules are testable without a
database; `compose_digest` is the thin wrapper that reads the rows from the store. Rules:
  * "Week ahead" holds day-precision events from `date` to `date + days - 1`, grouped by day in order.
    Anything in the past or after the window is left out, so nothing more than a year away can appear.
  * Week- and month-precision events whose week/month overlaps the window go under "later" and are never
    given a made-up day. A coarse event whose day another brief has since named (same event by the
    `merge_events` rule, on a day inside its week/month) is folded into that day's event.
  * The same event from several briefs is one event with all its sources (`merge_events`).
  * "Storylines": storylines with briefs new since the channel's previous posted digest (the ledger) and
    published in the 7 days before the digest date, each with its newest TL;DR; "Open questions": the
    newest open questions of visible briefs published in those 7 days.
Renderers (this text one, Slack Block Kit elsewhere) read the dataclasses; `to_json` is the JSON contract.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from bot.clock import utc_stamp
from bot.pipeline.briefs import when_label
from bot.pipeline.events import event_key, merge_events
from bot.pipeline.models import Event
from bot.pipeline.periods import PRECISIONS, period_of
from bot.pipeline.zones import resolve_timezone, short_zone

LOOKBACK_DAYS = 7  # "Storylines" and "Open questions" cover the briefs of the week before the digest

@dataclass(frozen=True)
class DigestEvent:
    title: str
    date: dt.date
    precision: str
    time: str | None
    timezone: str | None
    sources: list[str]
    urls: list[str | None]  # parallel to `sources`: each brief's article URL (None for pasted text)
    evidence: str = ""
    uid: str = ""  # stable across runs and as later sources join: derived from the first source's event

    @property
    def label(self) -> str:
        """'Wed 29 Oct 14:00 ET', 'week of 3 Nov', 'November 2025'."""
        return when_label(self.date.isoformat(), self.precision, self.time, self.timezone)

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "date": self.date.isoformat(),
            "precision": self.precision,
            "time": self.time,
            "timezone": self.timezone,
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class DigestDay:
    date: dt.date
    events: list[DigestEvent]

    def to_json(self) -> dict:
        return {"date": self.date.isoformat(), "events": [e.to_json() for e in self.events]}


@dataclass(frozen=True)
class DigestStoryline:
    id: str
    title: str
    tldr: str
    briefs: list[str]  # the briefs new since the previous digest, newest first

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "tldr": self.tldr, "briefs": list(self.briefs)}


@dataclass(frozen=True)
class DigestQuestion:
    text: str
    brief: str

    def to_json(self) -> dict:
        return {"text": self.text, "brief": self.brief}


@dataclass(frozen=True)
class Digest:
    date: dt.date
    timezone: str
    week_ahead: list[DigestDay] = field(default_factory=list)
    later: list[DigestEvent] = field(default_factory=list)
    storylines: list[DigestStoryline] = field(default_factory=list)
    open_questions: list[DigestQuestion] = field(default_factory=list)
    days: int = 7

    @property
    def is_empty(self) -> bool:
        return not (self.week_ahead or self.later or self.storylines or self.open_questions)

    @property
    def end(self) -> dt.date:
        """The last day of the window."""
        return self.date + dt.timedelta(days=self.days - 1)

    def events(self) -> list[DigestEvent]:
        """Every event of the digest: the days in order, then the later ones."""
        return [e for day in self.week_ahead for e in day.events] + list(self.later)

    def to_json(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "timezone": self.timezone,
            "week_ahead": [d.to_json() for d in self.week_ahead],
            "later": [e.to_json() for e in self.later],
            "storylines": [s.to_json() for s in self.storylines],
            "open_questions": [q.to_json() for q in self.open_questions],
        }


# ---------------------------------------------------------------------------------------------- pure core


def query_window(date: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """The stored-date range to read: wide enough for coarse events overlapping the window and for
    day-precision duplicates one day either side (merge first, then keep what falls inside)."""
    end = date + dt.timedelta(days=days - 1)
    return min(date - dt.timedelta(days=6), date.replace(day=1)) - dt.timedelta(days=1), end + dt.timedelta(
        days=1
    )


def _event_of(row: dict) -> Event | None:
    """A row as an Event, or None when it cannot be read (a bad date or precision is skipped, not fatal)."""
    try:
        return Event.from_row(row)
    except ValueError:
        return None


def _norm_title(title: str) -> str:
    return " ".join(re.findall(r"\w+", title.lower()))


def _uid(row: dict, event: Event) -> str:
    basis = f"{row.get('brief', '')}|{event.date.isoformat()}|{event.precision}|{_norm_title(event.title)}"
    return hashlib.sha1(basis.encode()).hexdigest()[:20]


def _same(a: Event, b: Event) -> bool:
    """The `merge_events` rule, asked about one pair."""
    return len(merge_events([(a, "a"), (b, "b")])) == 1


def _action(event: Event) -> str:
    return event_key(event)[3]


def _partitions(items: list[tuple[Event, int]]) -> list[list[tuple[Event, int]]]:
    """Split events into parts that can never merge with each other, in input order within each part.

    `merge_events` compares each event with every member of every group so far (quadratic). Two events
    can only merge when they share precision, a title or an actor and the action family, and lie within
    a day (day precision) or on the same date; chains of merges stay inside one part. So merging each part
    separately gives exactly the groups one big call would, at a fraction of the cost.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    keys = []
    for event, _ in items:
        _, _, actors, action = event_key(event)
        # Equal titles always merge; otherwise an actor is shared only within one action family.
        nodes = [f"t:{event.title.lower()}", *(f"a:{action}:{a}" for a in actors)]
        for node in nodes[1:]:
            parent[find(node)] = find(nodes[0])
        keys.append(nodes[0])
    buckets: dict[tuple, list[tuple[Event, int]]] = {}
    for (event, i), node in zip(items, keys, strict=True):
        buckets.setdefault((event.precision, find(node)), []).append((event, i))
    parts: list[list[tuple[Event, int]]] = []
    for (precision, _), bucket in buckets.items():
        gap = 1 if precision == "day" else 0
        dates = sorted({e.date for e, _ in bucket})
        runs: dict[dt.date, int] = {}
        run = 0
        for k, day in enumerate(dates):
            if k and (day - dates[k - 1]).days > gap:
                run += 1
            runs[day] = run
        split: dict[int, list[tuple[Event, int]]] = {}
        for event, i in bucket:
            split.setdefault(runs[event.date], []).append((event, i))
        parts.extend(split.values())
    return parts


def _merged(rows: list[dict], keep) -> list[tuple[Event, list[int]]]:
    """Merge the rows `keep(event)` accepts with `merge_events`, remembering which rows (by index) each
    merged event came from; groups come out by date, then time, then first appearance."""
    items = [(e, i) for i, e in enumerate(map(_event_of, rows)) if e is not None and keep(e)]
    out: list[tuple[Event, list[int], int]] = []
    for part in _partitions(items):
        for event, sources in merge_events([(e, str(i)) for e, i in part]):
            members = [int(s) for s in sources]
            out.append((event, members, members[0]))
    out.sort(key=lambda x: (x[0].date, x[0].time or "", x[2]))
    return [(event, members) for event, members, _ in out]


def _digest_event(event: Event, members: list[int], rows: list[dict]) -> DigestEvent:
    sources: list[str] = []
    urls: list[str | None] = []
    for i in members:
        brief = rows[i].get("brief") or ""
        if brief and brief not in sources:
            sources.append(brief)
            urls.append(rows[i].get("url"))
    first = rows[members[0]]
    return DigestEvent(
        title=event.title,
        date=event.date,
        precision=event.precision,
        time=event.time,
        timezone=event.timezone,
        sources=sources,
        urls=urls,
        evidence=event.evidence,
        uid=_uid(first, _event_of(first) or event),
    )


def _time_key(event: Event) -> tuple:
    """Within a day: timed events by clock time, then untimed ones; then by title for a stable order."""
    return (event.time is None, event.time or "", event.title.lower())


def build_digest(
    date: dt.date,
    days: int,
    events_rows: list[dict],
    storyline_rows: list[dict],
    question_rows: list[dict],
    timezone: str = "UTC",
) -> Digest:
    """Compose a digest from plain rows (shaped by `Store.digest_events`, `digest_storylines`, …)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    end = date + dt.timedelta(days=days - 1)
    near = (date - dt.timedelta(days=1), end + dt.timedelta(days=1))  # day reports one day off still merge

    def keep(event: Event) -> bool:
        first, last = period_of(event.date, event.precision)
        if event.precision == "day":
            return near[0] <= event.date <= near[1]
        return last >= date and first <= end

    merged = _merged(events_rows, keep)
    day_events = [(e, m) for e, m in merged if e.precision == "day" and date <= e.date <= end]
    coarse: list[tuple[Event, list[int]]] = []
    for event, members in merged:
        if event.precision == "day":
            continue
        first, last = period_of(event.date, event.precision)
        # A brief that names the day of this week/month event: fold the coarse one into that day's event.
        action = _action(event)
        for i, (day_event, day_members) in enumerate(day_events):
            similar = _action(day_event) == action or day_event.title.lower() == event.title.lower()
            if (
                first <= day_event.date <= last
                and similar
                and _same(
                    Event(event.title, day_event.date, "day", event.time, event.timezone, event.evidence),
                    day_event,
                )
            ):
                day_events[i] = (day_event, day_members + [m for m in members if m not in day_members])
                break
        else:
            coarse.append((event, members))

    by_day: dict[dt.date, list[tuple[Event, list[int]]]] = {}
    for event, members in day_events:
        by_day.setdefault(event.date, []).append((event, members))
    week_ahead = [
        DigestDay(
            day,
            [_digest_event(e, m, events_rows) for e, m in sorted(by_day[day], key=lambda x: _time_key(x[0]))],
        )
        for day in sorted(by_day)
    ]
    coarse.sort(key=lambda x: (PRECISIONS.index(x[0].precision), x[0].date, x[0].title.lower()))
    later = [_digest_event(e, m, events_rows) for e, m in coarse]

    storylines = [
        DigestStoryline(
            id=r["id"],
            title=r.get("title") or "",
            tldr=r.get("tldr") or "",
            briefs=list(r.get("briefs") or []),
        )
        for r in storyline_rows
    ]
    questions = [
        DigestQuestion(text=r["text"], brief=r.get("brief") or "") for r in question_rows if r.get("text")
    ]
    return Digest(date, timezone, week_ahead, later, storylines, questions, days)


# ---------------------------------------------------------------------------------------------- store wrapper


def _since_iso(value: Any) -> str | None:
    """A timestamp as the store writes them (UTC ISO 8601, seconds), so string comparison is correct."""
    if value is None or value == "":
        return None
    return utc_stamp(dt.datetime.fromisoformat(value) if isinstance(value, str) else value)


def compose_digest(
    store: Any,
    *,
    date: dt.date,
    days: int = 7,
    team: str = "",
    channel: str = "",
    timezone: str = "UTC",
    since: dt.datetime | str | None = None,
    question_limit: int = 5,
) -> Digest:
    """Read what the digest of `channel` for the morning of `date` needs and compose it.

    "Storylines" and "Open questions" look back, not ahead: only briefs published in the `LOOKBACK_DAYS`
    before `date` (through `date` itself) count, so a 2019 article briefed today never reaches a 2025
    digest. Storylines also need a brief stored after `since`, which defaults to the channel's previous
    posted digest in the ledger and is never earlier than midnight `LOOKBACK_DAYS` before `date` in
    `timezone`.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    zone = resolve_timezone(timezone) or zoneinfo.ZoneInfo("UTC")  # a bad zone must not break it
    earliest = dt.datetime.combine(date - dt.timedelta(days=LOOKBACK_DAYS), dt.time(), zone)
    if since is None and channel:
        previous = store.last_posted_digest(channel, before_date=date.isoformat())
        if previous:
            since = previous.get("posted_at") or previous.get("claimed_at")
    since_iso = max(filter(None, [_since_iso(since), _since_iso(earliest)]))
    window = {"published_from": (date - dt.timedelta(days=LOOKBACK_DAYS)).isoformat(),
              "published_to": date.isoformat()}
    lo, hi = query_window(date, days)
    events = store.digest_events(team=team, channel=channel, start=lo.isoformat(), end=hi.isoformat())
    storylines = store.digest_storylines(team=team, channel=channel, since=since_iso, **window)
    questions = store.digest_open_questions(team=team, channel=channel, limit=question_limit, **window)
    return build_digest(date, days, events, storylines, questions, timezone)


# ---------------------------------------------------------------------------------------------- text


def _event_line(event: DigestEvent) -> str:
    """The day or period is the heading above; the line adds the clock time when there is one."""
    when = ""
    if event.time:
        zone = short_zone(event.date, event.time, event.timezone)
        when = f"{event.time}" + (f" {zone}" if zone else "") + " — "
    return f"  • {when}{event.title}  [{', '.join(event.sources)}]"


def later_heading(event: DigestEvent, digest_date: dt.date) -> str:
    """'Later this week' / 'Later this month' for the digest's own week or month, else the period itself."""
    first, last = period_of(event.date, event.precision)
    if event.precision == "week":
        return "Later this week" if first <= digest_date <= last else f"Week of {first.day} {first:%b}"
    return "Later this month" if first <= digest_date <= last else f"Later in {first:%B %Y}"


def format_digest_text(digest: Digest) -> str:
    """Readable plain text for the CLI; one 'quiet week' line when there is nothing to say."""
    when = f"{digest.date:%a} {digest.date.day} {digest.date:%b %Y}"
    if digest.is_empty:
        return f"Quiet week: nothing on the calendar and no storyline news for the week of {when}."
    end = digest.end
    lines = [f"Week ahead — {when} to {end:%a} {end.day} {end:%b} ({digest.timezone})", ""]
    if not digest.week_ahead and not digest.later:
        lines += ["Nothing on the calendar.", ""]
    for day in digest.week_ahead:
        lines.append(f"{day.date:%a} {day.date.day} {day.date:%b}")
        lines += [_event_line(e) for e in day.events]
    if digest.week_ahead:
        lines.append("")
    heading = None
    for event in digest.later:
        h = later_heading(event, digest.date)
        if h != heading:
            lines.append(h)
            heading = h
        lines.append(_event_line(event))
    if digest.later:
        lines.append("")
    if digest.storylines:
        lines.append("Storylines")
        for s in digest.storylines:
            lines.append(f"  {s.id} {s.title}  [{', '.join(s.briefs)}]")
            if s.tldr:
                lines.append(f"      {s.tldr}")
        lines.append("")
    if digest.open_questions:
        lines.append("Open questions")
        lines += [f"  ? {q.text}  [{q.brief}]" for q in digest.open_questions]
        lines.append("")
    return "\n".join(lines).rstrip()
