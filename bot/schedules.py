"""Digest schedules: parsing `[HH:MM] [TZ] [days]`, validating, describing, and applying changes.

Slack (`/brief digest on|off|when`) and the CLI (`briefbot schedule …`) both go through
`digest_command` / `set_schedule` / `disable_schedule` here, so they validate the same way and both call
`on_change(channel)` (the running `DigestScheduler.apply`) so a change takes effect without a restart.
Days are stored and handed to APScheduler as names ("mon,tue,wed"), never as crontab numbers, because
APScheduler counts Monday as 0 while crontab counts Sunday as 0.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import InputError

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS: tuple[str, ...] = DAY_NAMES[:5]
DEFAULT_TIME = "07:30"

_DAY_ALIASES = {
    "monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed", "thursday": "thu",
    "thur": "thu", "thurs": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun",
}
_DAY_WORDS = {
    "daily": DAY_NAMES, "everyday": DAY_NAMES, "every-day": DAY_NAMES, "all": DAY_NAMES,
    "weekdays": WEEKDAYS, "weekday": WEEKDAYS, "workdays": WEEKDAYS, "weekends": ("sat", "sun"),
    "weekend": ("sat", "sun"),
}
_TIME_RE = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
HELP = "Usage: /brief digest on [HH:MM] [Time/Zone] [mon-fri|daily|mon,wed,fri] · /brief digest off · /brief digest when"


@dataclass(frozen=True)
class ScheduleSpec:
    """What a user typed: each part is None when not given (the caller fills in defaults)."""

    time: str | None = None
    timezone: str | None = None
    days: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Schedule:
    """One channel's digest schedule as stored (the `schedules` table)."""

    channel: str
    team: str
    time: str
    timezone: str
    days: tuple[str, ...]
    enabled: bool = True
    updated_at: str | None = None

    @property
    def hour(self) -> int:
        return int(self.time[:2])

    @property
    def minute(self) -> int:
        return int(self.time[3:])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @classmethod
    def from_row(cls, row: dict) -> Schedule:
        return cls(
            channel=row["channel"],
            team=row.get("team") or "",
            time=row["time"],
            timezone=row["timezone"],
            days=tuple(d for d in (row.get("days") or "").split(",") if d),
            enabled=bool(row.get("enabled")),
            updated_at=row.get("updated_at"),
        )

    def to_json(self) -> dict:
        return {
            "channel": self.channel,
            "team": self.team,
            "time": self.time,
            "timezone": self.timezone,
            "days": list(self.days),
            "enabled": self.enabled,
            "description": describe(self),
        }


def parse_time(token: str) -> str:
    """'7:30' / '07:30' / '7.30' -> '07:30'; anything else is an InputError."""
    match = _TIME_RE.match(token.strip())
    if not match or not (0 <= int(match[1]) <= 23 and 0 <= int(match[2]) <= 59):
        raise InputError(f"{token!r} is not a time of day; use HH:MM between 00:00 and 23:59, e.g. 07:30")
    return f"{int(match[1]):02d}:{int(match[2]):02d}"


def parse_timezone(token: str) -> str:
    """An IANA zone name ('Europe/London', 'UTC'); an unknown one is an InputError."""
    name = token.strip()
    if name.lower() in ("utc", "gmt", "z"):
        return "UTC"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r}; use an IANA name like Europe/London or America/New_York") from None
    return name


def parse_days(token: str) -> tuple[str, ...] | None:
    """'mon-fri', 'daily', 'weekends', 'mon,wed,fri', 'fri-mon' -> day names in week order; None if not days."""
    text = token.strip().lower()
    if text in _DAY_WORDS:
        return _DAY_WORDS[text]
    chosen: set[str] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        ends = part.split("-")
        if len(ends) > 2:
            return None
        names = [_DAY_ALIASES.get(e, e) for e in ends]
        if any(n not in DAY_NAMES for n in names):
            if part in _DAY_WORDS:
                chosen.update(_DAY_WORDS[part])
                continue
            return None
        if len(names) == 1:
            chosen.add(names[0])
            continue
        i, j = DAY_NAMES.index(names[0]), DAY_NAMES.index(names[1])
        span = range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)]  # 'fri-mon' wraps
        chosen.update(DAY_NAMES[k] for k in span)
    if not chosen:
        return None
    return tuple(d for d in DAY_NAMES if d in chosen)


def parse_spec(text: str) -> ScheduleSpec:
    """Parse `[HH:MM] [TZ] [days]` in any order; each part at most once. Errors are one-line InputErrors."""
    time = timezone = None
    days: tuple[str, ...] | None = None
    for token in text.split():
        if re.match(r"^\d", token):
            if time is not None:
                raise InputError(f"two times given ({time} and {token}); give one HH:MM")
            time = parse_time(token)
            continue
        parsed_days = parse_days(token)
        if parsed_days is not None:
            if days is not None:
                raise InputError(f"days given twice ({token!r}); combine them like mon,wed,fri")
            days = parsed_days
            continue
        if timezone is not None:
            raise InputError(f"{token!r} is not a time, a time zone or days. {HELP}")
        if "/" not in token and token.lower() not in ("utc", "gmt") and token.isalpha() and token.islower():
            raise InputError(f"{token!r} is not a time, a time zone or days (try mon-fri, daily or mon,wed,fri)")
        timezone = parse_timezone(token)
    return ScheduleSpec(time=time, timezone=timezone, days=days)


def resolve(spec: ScheduleSpec, *, existing: Schedule | None, default_timezone: str) -> tuple[str, str, tuple]:
    """Fill parts not typed from the channel's current schedule, else the defaults (weekdays 07:30)."""
    time = spec.time or (existing.time if existing else DEFAULT_TIME)
    timezone = spec.timezone or (existing.timezone if existing else default_timezone)
    days = spec.days or (existing.days if existing else WEEKDAYS)
    return time, timezone, days


def describe_days(days: tuple[str, ...]) -> str:
    """'weekdays', 'every day', 'weekends', or 'Mon, Wed, Fri' / 'Mon–Thu'."""
    days = tuple(d for d in DAY_NAMES if d in days)
    if days == DAY_NAMES:
        return "every day"
    if days == WEEKDAYS:
        return "weekdays (Mon–Fri)"
    if days == ("sat", "sun"):
        return "weekends"
    idx = [DAY_NAMES.index(d) for d in days]
    if len(idx) > 2 and idx == list(range(idx[0], idx[-1] + 1)):
        return f"{days[0].title()}–{days[-1].title()}"
    return ", ".join(d.title() for d in days)


def describe(schedule: Schedule) -> str:
    """One line a person can read: 'weekdays (Mon–Fri) at 07:30 Europe/London'."""
    text = f"{describe_days(schedule.days)} at {schedule.time} {schedule.timezone}"
    return text if schedule.enabled else f"off (was {text})"


# -- applying changes ---------------------------------------------------------------------------------

OnChange = Callable[[str], object]


def set_schedule(services, *, team: str, channel: str, text: str = "", on_change: OnChange | None = None) -> Schedule:
    """Turn a channel's digest on (or change it) from `[HH:MM] [TZ] [days]`; returns the stored schedule."""
    if not channel:
        raise InputError("a channel id is needed to schedule a digest")
    spec = parse_spec(text)
    store = services.store
    row = store.get_schedule(channel)
    existing = Schedule.from_row(row) if row else None
    time, timezone, days = resolve(spec, existing=existing, default_timezone=services.settings.timezone)
    store.upsert_schedule(
        channel=channel,
        team=team or (existing.team if existing else ""),
        time=time,
        timezone=timezone,
        days=",".join(days),
        now=services.clock.now().isoformat(),
    )
    schedule = Schedule.from_row(store.get_schedule(channel))
    if on_change is not None:
        on_change(channel)
    return schedule


def disable_schedule(services, *, channel: str, on_change: OnChange | None = None) -> Schedule | None:
    """Turn a channel's digest off (the row stays, so `on` alone brings back the same schedule)."""
    changed = services.store.disable_schedule(channel, now=services.clock.now().isoformat())
    if on_change is not None:
        on_change(channel)
    row = services.store.get_schedule(channel)
    return Schedule.from_row(row) if (row and changed) else None


def get_schedule(services, channel: str) -> Schedule | None:
    row = services.store.get_schedule(channel)
    return Schedule.from_row(row) if row else None


def list_schedules(services, *, team: str | None = None, enabled_only: bool = False) -> list[Schedule]:
    rows = services.store.list_schedules(team=team, enabled_only=enabled_only)
    return [Schedule.from_row(r) for r in rows]


def digest_command(services, *, team: str, channel: str, args: str, on_change: OnChange | None = None) -> str:
    """`/brief digest on|off|when …` -> the one-line reply. Bad input raises InputError (one line).

    `/brief digest` with no sub-command (post now) is not handled here: the listener calls
    `bot.slack.digest_post.post_digest(..., kind="manual")` for it.
    """
    words = args.split(maxsplit=1)
    sub = words[0].lower() if words else ""
    rest = words[1] if len(words) > 1 else ""
    if sub == "on":
        schedule = set_schedule(services, team=team, channel=channel, text=rest, on_change=on_change)
        return f"Digest on: {describe(schedule)}. Turn it off with /brief digest off."
    if sub == "off":
        if rest.strip():
            raise InputError("/brief digest off takes nothing after it")
        schedule = disable_schedule(services, channel=channel, on_change=on_change)
        if schedule is None:
            return "There was no digest scheduled for this channel."
        return "Digest off for this channel. /brief digest on brings it back."
    if sub in ("when", "status"):
        schedule = get_schedule(services, channel)
        if schedule is None or not schedule.enabled:
            return "No digest is scheduled here. Start one with /brief digest on [HH:MM] [TZ] [days]."
        return f"This channel's digest: {describe(schedule)}."
    raise InputError(f"unknown digest command {sub!r}. {HELP}")


def schedules_for_home(services, team: str) -> list[dict]:
    """Rows for the App Home "Digest schedules" section (`bot.slack.blocks.home_view(..., schedules=…)`):
    channel, time, timezone, enabled, and `days` already in words ("weekdays (Mon–Fri)")."""
    return [
        {
            "channel": s.channel,
            "time": s.time,
            "timezone": s.timezone,
            "days": describe_days(s.days),
            "enabled": int(s.enabled),
            "description": describe(s),
        }
        for s in list_schedules(services, team=team)
    ]
