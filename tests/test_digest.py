"""The week-ahead digest on a real SQLite file: window, grouping, dedup across briefs, visibility, ledger."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from bot.pipeline.digest import build_digest, compose_digest, format_digest_text
from bot.pipeline.ingest import Placement, Source
from storage import Store

MONDAY = dt.date(2025, 10, 27)
NOW = "2025-10-27T08:00:00+00:00"
_counter = iter(range(1, 10_000))


def ev(title: str, date: str, precision: str = "day", time: str | None = None, tz: str | None = None) -> dict:
    return {
        "title": title,
        "date": date,
        "precision": precision,
        "time": time,
        "timezone": tz,
        "evidence": title,
    }


def save(
    store: Store,
    events: list[dict],
    *,
    team: str = "T1",
    channel: str = "C1",
    visibility: str = "public",
    tldr: str = "A brief.",
    questions: list[str] | None = None,
    storylines: list[str] | None = None,
    new_storylines: list[str] | None = None,
    now: str = NOW,
    published: str | None = None,
) -> str:
    n = next(_counter)
    return store.save_brief(
        article={
            "url": f"https://example.org/{n}",
            "content_hash": f"h{n}",
            "title": f"Article {n}",
            "text": "x",
            "published": published,
        },
        brief={
            "team": team,
            "channel": channel,
            "visibility": visibility,
            "tldr": tldr,
            "key_points": [],
            "open_questions": questions or [],
            "backend": "embedded",
        },
        events=events,
        storylines=storylines or [],
        new_storylines=new_storylines or [],
        chunks=[],
        usage=None,
        now=now,
    )


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "digest.db")
    yield s
    s.close()


def digest_of(store: Store, **kw):
    return compose_digest(
        store, date=kw.pop("date", MONDAY), team=kw.pop("team", "T1"), channel=kw.pop("channel", "C1"), **kw
    )


def test_events_grouped_by_day_in_order_and_timed_first_within_a_day(store):
    save(
        store,
        [
            ev("ECB rate decision", "2025-10-30"),
            ev("BoJ policy decision", "2025-10-30", time="12:00", tz="JST"),
        ],
    )
    save(store, [ev("Takaichi meets Trump", "2025-10-28"), ev("US jobs report", "2025-11-02")])
    digest = digest_of(store)
    assert [d.date.isoformat() for d in digest.week_ahead] == ["2025-10-28", "2025-10-30", "2025-11-02"]
    thursday = digest.week_ahead[1]
    assert [e.title for e in thursday.events] == ["BoJ policy decision", "ECB rate decision"]
    assert thursday.events[0].time == "12:00" and thursday.events[0].sources == ["B1"]
    assert digest.week_ahead[0].events[0].sources == ["B2"]
    text = format_digest_text(digest)
    headings = [line for line in text.splitlines()[1:] if line and not line.startswith(" ")]
    assert headings == ["Tue 28 Oct", "Thu 30 Oct", "Sun 2 Nov"]
    assert "12:00 JST — BoJ policy decision  [B1]" in text


def test_two_briefs_announcing_the_wednesday_fed_decision_make_one_event_with_both_sources(store):
    save(store, [ev("Fed rate decision", "2025-10-29", time="14:00", tz="ET")])
    save(store, [ev("Fed rate decision", "2025-10-29"), ev("BoJ policy decision", "2025-10-30")])
    digest = digest_of(store)
    wednesday = digest.week_ahead[0]
    assert wednesday.date == dt.date(2025, 10, 29)
    assert len(wednesday.events) == 1
    fed = wednesday.events[0]
    assert fed.sources == ["B1", "B2"]
    assert fed.urls == [store.get_brief("B1")["url"], store.get_brief("B2")["url"]]
    assert all(fed.urls)
    assert fed.time == "14:00"  # the better-evidenced report (with a clock time) wins
    data = digest.to_json()
    assert data["week_ahead"][0]["events"][0] == {
        "title": "Fed rate decision",
        "date": "2025-10-29",
        "precision": "day",
        "time": "14:00",
        "timezone": "ET",
        "sources": ["B1", "B2"],
    }
    assert [e["title"] for e in data["week_ahead"][1]["events"]] == ["BoJ policy decision"]


def test_reports_a_day_apart_merge_and_the_merged_event_is_kept_once(store):
    save(store, [ev("Fed rate decision", "2025-10-29")])
    save(store, [ev("Fed rate decision", "2025-10-30")])
    save(store, [ev("Fed rate decision", "2025-10-29")])
    events = digest_of(store).events()
    assert [(e.date.isoformat(), e.sources) for e in events] == [("2025-10-29", ["B1", "B2", "B3"])]


def test_empty_store_gives_an_empty_digest_and_a_one_line_quiet_week(store):
    digest = digest_of(store)
    assert digest.is_empty
    assert digest.to_json() == {
        "date": "2025-10-27",
        "timezone": "UTC",
        "week_ahead": [],
        "later": [],
        "storylines": [],
        "open_questions": [],
    }
    text = format_digest_text(digest)
    assert "\n" not in text and "Quiet week" in text


def test_a_private_channel_s_events_stay_in_that_channel(store):
    save(store, [ev("Fed rate decision", "2025-10-29")], channel="C1")
    save(
        store,
        [ev("Board offsite", "2025-10-28")],
        channel="C2",
        visibility="private",
        questions=["Who attends the offsite?"],
        new_storylines=["Offsite"],
    )
    save(store, [ev("Other team launch", "2025-10-28")], team="T2", channel="C9")
    c1 = digest_of(store, channel="C1")
    assert [e.title for e in c1.events()] == ["Fed rate decision"]
    assert c1.storylines == [] and c1.open_questions == []
    c2 = digest_of(store, channel="C2")
    assert [e.title for e in c2.events()] == ["Board offsite", "Fed rate decision"]
    assert [s.title for s in c2.storylines] == ["Offsite"]
    assert [q.text for q in c2.open_questions] == ["Who attends the offsite?"]
    other_team = digest_of(store, team="T2", channel="C9")
    assert [e.title for e in other_team.events()] == ["Other team launch"]


def test_week_and_month_precision_go_under_later_and_never_get_a_day(store):
    save(
        store,
        [
            ev("G20 finance ministers meeting", "2025-10-27", "week"),  # this week
            ev("Fed balance sheet announcement", "2025-10-01", "month"),  # later this month
            ev("OPEC output meeting", "2025-11-01", "month"),  # November overlaps the window's last days
            ev("ECB summit", "2025-11-10", "week"),  # a week after the window
            ev("BoE decision", "2025-12-01", "month"),  # a month after the window
        ],
    )
    digest = digest_of(store)
    assert digest.week_ahead == []
    assert [(e.title, e.precision, e.date.isoformat()) for e in digest.later] == [
        ("G20 finance ministers meeting", "week", "2025-10-27"),
        ("Fed balance sheet announcement", "month", "2025-10-01"),
        ("OPEC output meeting", "month", "2025-11-01"),
    ]
    text = format_digest_text(digest)
    assert (
        text.index("Later this week")
        < text.index("G20")
        < text.index("Later this month")
        < text.index("Fed bal")
    )
    assert "Later in November 2025" in text
    assert digest.to_json()["later"][0]["precision"] == "week"


def test_a_week_event_whose_day_another_brief_names_is_folded_into_that_day(store):
    save(store, [ev("Fed rate decision", "2025-10-27", "week")])
    save(store, [ev("Fed rate decision", "2025-10-29")])
    digest = digest_of(store)
    assert digest.later == []
    assert [(e.date.isoformat(), e.sources) for e in digest.events()] == [("2025-10-29", ["B2", "B1"])]


def test_events_outside_the_window_are_excluded(store):
    save(
        store,
        [
            ev("Past meeting", "2025-10-26"),
            ev("First day", "2025-10-27"),
            ev("Last day", "2025-11-02"),
            ev("Day after the window", "2025-11-03"),
            ev("Next year", "2026-10-28"),
            ev("Last month", "2025-09-01", "month"),
            ev("Last week", "2025-10-20", "week"),
        ],
    )
    digest = digest_of(store)
    assert [e.title for e in digest.events()] == ["First day", "Last day"]
    assert [e.title for e in digest_of(store, days=1).events()] == ["First day"]


def test_storylines_since_the_previous_posted_digest_with_their_newest_tldr(store):
    save(store, [], tldr="Old Fed news.", new_storylines=["Fed policy"], now="2025-10-19T06:00:00+00:00")
    store.claim_digest(
        team="T1", channel="C1", local_date="2025-10-20", kind="scheduled", now="2025-10-20T08:00:00+00:00"
    )
    store.mark_digest_posted(
        channel="C1", local_date="2025-10-20", kind="scheduled", ts="1.0", now="2025-10-20T08:00:00+00:00"
    )
    save(store, [], tldr="Quiet storyline.", new_storylines=["Japan budget"], now="2025-10-19T07:00:00+00:00")
    save(store, [], tldr="Fed cut expected.", storylines=["S1"], now="2025-10-23T07:00:00+00:00")
    save(store, [], tldr="Fed decision Wednesday.", storylines=["S1"], now="2025-10-24T07:00:00+00:00")
    digest = digest_of(store)
    assert [s.to_json() for s in digest.storylines] == [
        {"id": "S1", "title": "Fed policy", "tldr": "Fed decision Wednesday.", "briefs": ["B4", "B3"]}
    ]
    # Without a ledger entry (another channel), the digest looks back `days` days instead.
    save(store, [], tldr="Seen in C5.", channel="C5", storylines=["S2"], now="2025-10-25T07:00:00+00:00")
    c5 = digest_of(store, channel="C5")
    assert [s.id for s in c5.storylines] == ["S2", "S1"]
    assert c5.storylines[1].briefs == ["B4", "B3"]  # B1 (19 Oct) is more than 7 days before the date


def test_open_questions_are_the_newest_without_repeats(store):
    save(store, [], questions=["Will the Fed cut again in December?"])
    save(store, [], questions=["Will the BoJ raise rates?", "will the fed cut again in december?"])
    digest = digest_of(store)
    assert [q.to_json() for q in digest.open_questions] == [
        {"text": "Will the BoJ raise rates?", "brief": "B2"},
        {"text": "will the fed cut again in december?", "brief": "B2"},
    ]
    assert "? Will the BoJ raise rates?  [B2]" in format_digest_text(digest)


def test_a_2019_brief_never_reaches_a_2025_digest_though_it_was_stored_this_week(store):
    # Stored the day before the digest, but the article is from 2019: old news, not this week's.
    save(store, [], tldr="2019 trade war.", questions=["Will the 2019 tariffs stay?"],
         new_storylines=["US–China trade"], published="2019-05-10", now="2025-10-26T09:00:00+00:00")
    save(store, [], tldr="This week's talks.", questions=["Whether a deal holds is unclear."],
         new_storylines=["OPEC+ output"], published="2025-10-24", now="2025-10-26T10:00:00+00:00")
    digest = digest_of(store)
    assert [s.title for s in digest.storylines] == ["OPEC+ output"]
    assert [q.text for q in digest.open_questions] == ["Whether a deal holds is unclear."]
    text = format_digest_text(digest)
    assert "2019" not in text


def test_digest_looks_back_at_most_seven_days_and_not_past_the_digest_date(store):
    # Published 8 days before the digest: out, even though the channel never had a digest.
    save(store, [], questions=["Is the old question still open?"], new_storylines=["Old story"],
         published="2025-10-19", now="2025-10-20T09:00:00+00:00")
    # Published 7 days before (the window's first day): in.
    save(store, [], questions=["Will the window's first day count?"], new_storylines=["Edge story"],
         published="2025-10-20", now="2025-10-20T10:00:00+00:00")
    # Published after the digest date (a replayed later article): out.
    save(store, [], questions=["Will next month's brief leak in?"], new_storylines=["Future story"],
         published="2025-11-03", now="2025-10-21T10:00:00+00:00")
    # No publication date: its storage day stands in (23 Oct, inside the window).
    save(store, [], questions=["Could an undated paste count?"], new_storylines=["Pasted story"],
         now="2025-10-23T10:00:00+00:00")
    digest = digest_of(store)
    assert sorted(s.title for s in digest.storylines) == ["Edge story", "Pasted story"]
    assert sorted(q.text for q in digest.open_questions) == [
        "Could an undated paste count?", "Will the window's first day count?"]


def test_a_long_gap_since_the_last_digest_still_looks_back_only_seven_days(store):
    store.claim_digest(team="T1", channel="C1", local_date="2025-09-01", kind="scheduled",
                       now="2025-09-01T08:00:00+00:00")
    store.mark_digest_posted(channel="C1", local_date="2025-09-01", kind="scheduled", ts="1.0",
                             now="2025-09-01T08:00:00+00:00")
    save(store, [], new_storylines=["September story"], now="2025-09-10T08:00:00+00:00")
    save(store, [], new_storylines=["This week's story"], now="2025-10-25T08:00:00+00:00")
    assert [s.title for s in digest_of(store).storylines] == ["This week's story"]


def test_build_digest_is_pure_and_skips_unreadable_rows():
    rows = [
        {**ev("Fed rate decision", "2025-10-29"), "brief": "B1", "url": None},
        {**ev("Broken", "not a date"), "brief": "B2", "url": None},
        {**ev("Odd precision", "2025-10-29", "quarter"), "brief": "B3", "url": None},
    ]
    digest = build_digest(MONDAY, 7, rows, [], [], "Europe/London")
    assert [e.title for e in digest.events()] == ["Fed rate decision"]
    assert digest.timezone == "Europe/London"
    with pytest.raises(ValueError):
        build_digest(MONDAY, 0, rows, [], [], "UTC")


def test_a_text_with_no_dates_gives_no_events_and_no_error(services):
    text = "Central banks publish research on many topics. Readers find the papers useful and detailed."
    result = services.ingestor.ingest(Source("text", text, "pasted"), Placement(team="T1", channel="C1"))
    assert services.store.get_brief(result.brief_id)["events"] == []
    digest = compose_digest(services.store, date=MONDAY, team="T1", channel="C1")
    assert digest.events() == []


def _cli(tmp_path, monkeypatch, *args):
    from bot.cli import cli

    monkeypatch.chdir(tmp_path)  # no stray .env
    return CliRunner().invoke(
        cli,
        ["--db", str(tmp_path / "cli.db"), *args],
        env={"BRIEFBOT_TIMEZONE": "UTC", "BRIEFBOT_BACKEND": "embedded"},
    )


def test_cli_digest_json_and_one_line_errors(tmp_path, monkeypatch):
    store = Store(tmp_path / "cli.db")
    save(store, [ev("Fed rate decision", "2025-10-29", time="14:00", tz="ET")], team="", channel="")
    save(store, [ev("Fed rate decision", "2025-10-29")], team="", channel="")
    store.close()
    result = _cli(tmp_path, monkeypatch, "digest", "--date", "2025-10-27", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["date"] == "2025-10-27" and data["timezone"] == "UTC"
    assert data["week_ahead"][0]["events"][0]["sources"] == ["B1", "B2"]
    text = _cli(tmp_path, monkeypatch, "digest", "--date", "2025-10-27")
    assert "Wed 29 Oct" in text.output and "[B1, B2]" in text.output
    bad = _cli(tmp_path, monkeypatch, "digest", "--date", "27/10/2025")
    assert bad.exit_code == 1
    assert bad.output.strip().count("\n") == 0 and bad.output.startswith("Error: --date")
    quiet = _cli(tmp_path, monkeypatch, "digest", "--date", "2030-01-07")
    assert quiet.exit_code == 0 and quiet.output.strip().startswith("Quiet week")


def test_partitioned_merging_gives_the_same_groups_as_one_merge_events_call():
    import random

    from bot.pipeline.digest import _merged
    from bot.pipeline.events import merge_events

    rng = random.Random(3)
    actors = ["Fed", "ECB", "BoJ", "US", "China", "OPEC"]
    actions = ["rate decision", "meeting", "summit", "talks", "jobs report", "Rate Decision"]
    rows = []
    for _ in range(300):
        precision = rng.choice(["day", "day", "day", "week", "month"])
        day = MONDAY + dt.timedelta(days=rng.randrange(10))
        if precision == "month":
            day = day.replace(day=1)
        elif precision == "week":
            day -= dt.timedelta(days=day.weekday())
        title = " ".join(rng.sample(actors, rng.randint(1, 2))) + " " + rng.choice(actions)
        rows.append({**ev(title, day.isoformat(), precision), "brief": f"B{len(rows)}"})
    fast = _merged(rows, lambda e: True)
    slow = merge_events([(event, str(i)) for i, event in enumerate(_events(rows))])
    assert fast == [(event, [int(s) for s in sources]) for event, sources in slow]  # same groups, same order
    assert len(fast) < len(rows)  # merging really happened


def _events(rows):
    from bot.pipeline.models import Event

    return [
        Event(
            r["title"],
            dt.date.fromisoformat(r["date"]),
            r["precision"],
            r["time"],
            r["timezone"],
            r["evidence"],
        )
        for r in rows
    ]
