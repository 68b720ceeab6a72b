"""iCalendar export: all-day vs timed events, real zones, spanning week/month events, stable UIDs."""

from __future__ import annotations

import datetime as dt

import icalendar
from click.testing import CliRunner

from bot.pipeline.digest import build_digest, compose_digest
from bot.pipeline.ics import digest_to_ics
from storage import Store

MONDAY = dt.date(2025, 10, 27)
STAMP = dt.datetime(2025, 10, 27, 8, 0, tzinfo=dt.UTC)


def row(title, date, brief, precision="day", time=None, tz=None, url=None):
    return {
        "title": title,
        "date": date,
        "precision": precision,
        "time": time,
        "timezone": tz,
        "evidence": f"{title} sentence.",
        "brief": brief,
        "url": url,
    }


def events_of(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_day_events_are_all_day_and_timed_ones_carry_a_real_zone():
    rows = [
        row("Fed rate decision", "2025-10-29", "B1", time="14:00", tz="ET", url="https://example.org/fed"),
        row("Fed rate decision", "2025-10-29", "B2"),
        row("Trump–Xi summit", "2025-10-30", "B2"),
        row("BoJ policy decision", "2025-10-30", "B3", time="12:00", tz="Asia/Tokyo"),
    ]
    data = digest_to_ics(build_digest(MONDAY, 7, rows, [], [], "UTC"), stamp=STAMP)
    events = events_of(data)
    assert set(events) == {"Fed rate decision", "Trump–Xi summit", "BoJ policy decision"}
    fed = events["Fed rate decision"].decoded("dtstart")
    assert fed == dt.datetime(2025, 10, 29, 14, 0, tzinfo=fed.tzinfo)
    assert fed.utcoffset() == dt.timedelta(hours=-4)  # New York in October: EDT
    assert b"DTSTART;TZID=America/New_York:20251029T140000" in data
    assert b"BEGIN:VTIMEZONE" in data and b"TZID:Asia/Tokyo" in data
    assert "dtend" not in events["Fed rate decision"]  # no made-up end time
    description = str(events["Fed rate decision"]["description"])
    assert "B1 https://example.org/fed" in description and "B2" in description
    summit = events["Trump–Xi summit"]
    assert summit.decoded("dtstart") == dt.date(2025, 10, 30)
    assert summit.decoded("dtend") == dt.date(2025, 10, 31)
    boj = events["BoJ policy decision"].decoded("dtstart")
    assert boj.utcoffset() == dt.timedelta(hours=9)


def test_a_time_without_a_known_zone_stays_all_day_with_the_time_in_the_summary():
    rows = [
        row("Earnings call", "2025-10-28", "B1", time="09:30"),
        row("Auction", "2025-10-29", "B1", time="10:00", tz="XYZ"),
    ]
    events = events_of(digest_to_ics(build_digest(MONDAY, 7, rows, [], [], "UTC"), stamp=STAMP))
    assert events["Earnings call (09:30, zone not given)"].decoded("dtstart") == dt.date(2025, 10, 28)
    assert events["Auction (10:00 XYZ)"].decoded("dtstart") == dt.date(2025, 10, 29)


def test_week_and_month_events_span_their_period_and_do_not_block_time():
    rows = [
        row("G20 finance ministers meeting", "2025-10-27", "B1", "week"),
        row("OPEC output meeting", "2025-11-01", "B2", "month"),
    ]
    events = events_of(digest_to_ics(build_digest(MONDAY, 7, rows, [], [], "UTC"), stamp=STAMP))
    week = events["G20 finance ministers meeting (day not known)"]
    assert (week.decoded("dtstart"), week.decoded("dtend")) == (dt.date(2025, 10, 27), dt.date(2025, 11, 3))
    assert str(week["transp"]) == "TRANSPARENT"
    month = events["OPEC output meeting (day not known)"]
    assert (month.decoded("dtstart"), month.decoded("dtend")) == (dt.date(2025, 11, 1), dt.date(2025, 12, 1))


def test_uids_are_stable_across_exports_and_as_later_sources_join():
    first = [row("Fed rate decision", "2025-10-29", "B1"), row("Trump–Xi summit", "2025-10-30", "B1")]
    one = events_of(digest_to_ics(build_digest(MONDAY, 7, first, [], [], "UTC"), stamp=STAMP))
    later = first + [row("Fed rate decision", "2025-10-29", "B7", time="14:00", tz="ET")]
    two = events_of(
        digest_to_ics(build_digest(MONDAY, 7, later, [], [], "UTC"), stamp=STAMP + dt.timedelta(days=1))
    )
    assert str(one["Fed rate decision"]["uid"]) == str(two["Fed rate decision"]["uid"])
    assert str(one["Trump–Xi summit"]["uid"]) == str(two["Trump–Xi summit"]["uid"])
    assert str(one["Fed rate decision"]["uid"]) != str(one["Trump–Xi summit"]["uid"])
    assert "B7" in str(two["Fed rate decision"]["description"])


def test_cli_export_writes_an_ics_file(tmp_path, monkeypatch):
    from bot.cli import cli

    store = Store(tmp_path / "cli.db")
    store.save_brief(
        article={"url": "https://example.org/fed", "content_hash": "h", "title": "Fed preview", "text": "x"},
        brief={
            "team": "",
            "channel": "",
            "visibility": "public",
            "tldr": "Fed decides.",
            "backend": "embedded",
        },
        events=[
            {
                "title": "Fed rate decision",
                "date": "2025-10-29",
                "precision": "day",
                "time": "14:00",
                "timezone": "ET",
                "evidence": "The Fed decides at 2 p.m. ET on Wednesday.",
            }
        ],
        storylines=[],
        new_storylines=[],
        chunks=[],
        usage=None,
        now="2025-10-27T08:00:00+00:00",
    )
    expected = compose_digest(store, date=MONDAY, days=3).events()[0].uid
    store.close()
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "week.ics"
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(tmp_path / "cli.db"),
            "export",
            "ics",
            "--date",
            "2025-10-27",
            "--days",
            "3",
            "--out",
            str(out),
        ],
        env={"BRIEFBOT_TIMEZONE": "UTC"},
    )
    assert result.exit_code == 0, result.output
    events = events_of(out.read_bytes())
    assert str(events["Fed rate decision"]["uid"]) == f"{expected}@briefbot"
    bad = CliRunner().invoke(cli, ["--db", str(tmp_path / "cli.db"), "export", "ics", "--days", "0"])
    assert bad.exit_code == 1 and bad.output.startswith("Error: --days")
