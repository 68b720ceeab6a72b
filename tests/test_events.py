"""Event extraction from a week-ahead article, precision rules, times and cross-article dedup."""

import datetime as dt
from pathlib import Path

from bot.pipeline.events import dedup_events, event_key, extract_events, merge_events
from bot.pipeline.models import Event

MON = dt.date(2025, 10, 27)
FIXTURE = Path(__file__).parent / "fixtures" / "week_ahead_monday.txt"
SAMPLE = Path(__file__).resolve().parent.parent / "bot" / "samples" / "markets-week-ahead.md"

EXPECTED_DAY_EVENTS = {
    (dt.date(2025, 10, 28), "Takaichi meets Trump"),
    (dt.date(2025, 10, 29), "Fed rate decision"),
    (dt.date(2025, 10, 30), "Trump–Xi summit"),
    (dt.date(2025, 10, 30), "BoJ policy decision"),
}


def _day_events(events):
    return {(e.date, e.title) for e in events if e.precision == "day"}


def test_week_ahead_article_gives_exactly_the_four_events():
    events = extract_events(FIXTURE.read_text(encoding="utf-8"), MON)
    assert _day_events(events) == EXPECTED_DAY_EVENTS
    # Month rule: "A December move remains possible" is not future-tense, so it makes no event at all.
    assert len(events) == 4
    fed = next(e for e in events if e.title == "Fed rate decision")
    assert (fed.time, fed.timezone) == ("14:00", "America/New_York")
    assert "Wednesday" in fed.evidence
    for e in events:
        assert len(e.title.split()) <= 8
        assert e.evidence


def test_demo_sample_gives_the_same_four_events():
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert 450 <= len(text.split()) <= 750
    events = extract_events(text, MON)
    assert _day_events(events) == EXPECTED_DAY_EVENTS
    assert len(events) == 4


def test_past_mentions_make_no_event():
    text = "Stocks rallied Monday. The minister said on Friday that talks had stalled. Exports fell last month."
    assert extract_events(text, MON) == []


def test_same_day_needs_future_tense():
    assert extract_events("Shares of the bank rose today.", MON) == []
    events = extract_events("The Bank of England will announce its rate decision today.", MON)
    assert [(e.date, e.title) for e in events] == [(MON, "BoE rate decision")]


def test_no_dates_no_events():
    assert extract_events("Inflation remains sticky and policymakers are divided.", MON) == []
    assert extract_events("", MON) == []


def test_numbers_are_not_dates():
    text = "Shares gained 40% and yields fell 2%, after a 25 basis points cut and a $350 billion deal, two years early."
    assert extract_events(text, MON) == []


def test_time_and_timezone():
    (e,) = extract_events("The Federal Reserve will release its statement at 2 p.m. ET on Wednesday.", MON)
    assert (e.date, e.time, e.timezone, e.precision) == (dt.date(2025, 10, 29), "14:00", "America/New_York", "day")
    (e,) = extract_events("The European Central Bank will announce its rate decision Thursday at 13:15 CET.", MON)
    assert (e.title, e.time, e.timezone) == ("ECB rate decision", "13:15", "Europe/Berlin")


def test_week_and_month_precision():
    events = extract_events(
        "The U.S. jobs report is due next week. The Bank of Japan will decide later this month. "
        "Brazil will hold an election in October next year. A December cut remains possible.",
        MON,
    )
    got = {(e.title, e.date, e.precision) for e in events}
    assert got == {
        ("US jobs report", dt.date(2025, 11, 3), "week"),
        ("BoJ rate decision", dt.date(2025, 10, 1), "month"),
        ("Brazil holds an election", dt.date(2026, 10, 1), "month"),
    }


def test_future_tense_month_gives_month_event_and_horizon_is_one_year():
    (e,) = extract_events("The G20 summit will take place in December.", MON)
    assert (e.title, e.date, e.precision) == ("G20 summit", dt.date(2025, 12, 1), "month")
    assert extract_events("The treaty will be reviewed on Oct. 30, 2027.", MON) == []


def test_dedup_across_two_articles():
    a = extract_events("Japan's prime minister, Sanae Takaichi, will meet President Donald Trump on Tuesday.", MON)
    b = extract_events(
        "President Donald Trump and Prime Minister Sanae Takaichi are expected to hold talks on Tuesday "
        "at 10 a.m. JST. The Federal Reserve will announce its rate decision on Wednesday.",
        MON,
    )
    merged = dedup_events([("B1", a), ("B2", b)])
    assert len(merged) == 2
    meeting, sources = merged[0]
    assert meeting.date == dt.date(2025, 10, 28)
    assert sources == ["B1", "B2"]
    assert meeting.time == "10:00"  # the better-evidenced report (with a clock time) wins
    fed, fed_sources = merged[1]
    assert (fed.title, fed_sources) == ("Fed rate decision", ["B2"])


def test_merge_events_rules():
    fed1 = Event("Fed rate decision", dt.date(2025, 10, 29), "day", evidence="x")
    fed2 = Event("Fed rate decision", dt.date(2025, 10, 30), "day", time="14:00", evidence="y")
    boj = Event("BoJ policy decision", dt.date(2025, 10, 30), "day")
    far = Event("Fed rate decision", dt.date(2025, 12, 10), "day")
    out = merge_events([(fed1, "A"), (boj, "B"), (fed2, "C"), (far, "D")])
    assert [(e.title, e.date, s) for e, s in out] == [
        ("Fed rate decision", dt.date(2025, 10, 29), ["A", "C"]),
        ("BoJ policy decision", dt.date(2025, 10, 30), ["B"]),
        ("Fed rate decision", dt.date(2025, 12, 10), ["D"]),
    ]
    assert out[0][0].time == "14:00"
    assert event_key(fed1) == event_key(Event("Fed rate decision", dt.date(2025, 10, 29), "day"))
    assert event_key(fed1) != event_key(boj)


def test_references_to_an_earlier_named_actor_give_the_title():
    text = (
        "The Bank of Japan is under pressure from the new government. "
        "Japan's new prime minister, Sanae Takaichi, favours easy money.\n\n"
        "The central bank ends its two-day policy meeting on Thursday. "
        "The prime minister is due to meet visiting US President Donald Trump on Tuesday."
    )
    events = extract_events(text, dt.date(2025, 10, 27))
    assert [(e.title, e.date.isoformat()) for e in events] == [
        ("Takaichi meets Trump", "2025-10-28"),
        ("BoJ policy decision", "2025-10-30"),
    ]


def test_hedged_mentions_make_no_event():
    text = "It remains unclear whether the Fed will signal a further cut in December. The Fed meets on Wednesday."
    events = extract_events(text, dt.date(2025, 10, 27))
    assert [(e.precision, e.date.isoformat()) for e in events] == [("day", "2025-10-29")]


# ------------------------------------------------------------------------------------------------ titles
# An article of our own words with the constructions real week-ahead pages use (see issue 12).
OWN_WEEK_AHEAD = """Europe's leaders gather as markets wait on the central banks

European shares edged higher on Monday as investors weighed a busy calendar of diplomacy and policy.

The Week Ahead

Prime Minister Keir Starmer, who meets with President Emmanuel Macron Tuesday, has promised closer defence ties.
The European Central Bank's rate decision on Thursday will set the tone for bond markets.
Investors are also watching Friday's expected meeting between Chancellor Friedrich Merz and Prime Minister Giorgia Meloni in Rome.
Analysts expect a calm session once Merz and Meloni meet Friday.
Exporters' hopes will rise or fall regardless of this week's negotiations.
I think this will be the cheapest week for flights on Wednesday.
"""


def test_own_week_ahead_gives_only_the_real_events():
    events = extract_events(OWN_WEEK_AHEAD, MON)
    assert [(e.date, e.title, e.precision) for e in events] == [
        (dt.date(2025, 10, 28), "Starmer meets Macron", "day"),  # relative clause "who meets ... Tuesday"
        (dt.date(2025, 10, 30), "ECB rate decision", "day"),
        (dt.date(2025, 10, 31), "Merz–Meloni meeting", "day"),  # the same meeting twice, merged
    ]
    titles = " ".join(e.title for e in events)
    assert "Week Ahead" not in titles  # a subheading is not a sentence
    assert "negotiations" not in titles  # "this week's negotiations": no action
    assert "flights" not in titles  # first-person chatter


def test_titles_take_actor_and_action_from_the_clause():
    text = (
        "Carmakers crowd into the Los Angeles Auto Show this week. The show opens to the public on Friday.\n\n"
        "Toyota brought a new RAV4. The 2026 RAV4, which goes on sale in late January, gets a larger screen.\n\n"
        "Alibaba's listing ceremony is due to be held at the Hong Kong Stock Exchange next Tuesday."
    )
    got = {(e.date, e.title) for e in extract_events(text, dt.date(2025, 11, 19))}
    assert got == {
        (dt.date(2025, 11, 21), "Los Angeles Auto Show opens to the public"),  # "the show" named earlier
        (dt.date(2026, 1, 1), "2026 RAV4 goes on sale"),
        (dt.date(2025, 11, 25), "Alibaba holds its listing ceremony"),
    }


def test_descriptions_and_nameless_subjects_get_the_article_actor():
    text = (
        "Alibaba is raising up to $12.9 billion in Hong Kong. Alibaba said demand was strong. "
        "The Chinese e-commerce giant is set to announce the terms of the deal later on Wednesday, "
        "but investors expect a discount. Alibaba shares rose. Job cuts at Alibaba will be announced later this "
        "week in divisions that do not support its core business."
    )
    got = {(e.date, e.title, e.precision) for e in extract_events(text, dt.date(2025, 11, 19))}
    assert got == {
        (dt.date(2025, 11, 19), "Alibaba announces the terms of the deal", "day"),  # same day: "later on"
        (dt.date(2025, 11, 17), "Job cuts at Alibaba to be announced", "week"),
    }


def test_a_date_attached_to_an_event_noun_titles_the_noun():
    text = ("Officials said the White House is weighing a delay to a scheduled Dec. 15 imposition of tariffs on "
            "imported steel. Separately, OPEC is unlikely to agree to deeper cuts at a meeting with Russia next month.")
    got = {(e.date, e.title, e.precision) for e in extract_events(text, dt.date(2025, 11, 20))}
    assert got == {
        (dt.date(2025, 12, 15), "White House: imposition of tariffs on imported steel", "day"),
        (dt.date(2025, 12, 1), "OPEC meeting with Russia", "month"),
    }


def test_fallback_title_is_a_trimmed_clause_of_whole_words():
    (e,) = extract_events("Whatever the weather, crowds of visitors and traders arriving by boat will fill the "
                          "old harbour of Valletta to the brim on Saturday.", MON)
    words = e.title.split()
    assert 2 <= len(words) <= 8
    assert words[-1].lower() not in ("to", "the", "a", "of", "on")
    assert "event" not in e.title.lower() and '"' not in e.title
    assert all(w.strip(":,").lower() in e.evidence.lower() for w in words)  # the sentence's own words


def test_publication_day_needs_future_tense():
    ref = dt.date(2025, 11, 19)
    assert extract_events("Chelsea signed the goalkeeper today after a medical.", ref) == []
    (e,) = extract_events("Chelsea will announce the signing later today.", ref)
    assert (e.date, e.title) == (ref, "Chelsea announces the signing")


def test_questions_and_negations_make_no_event():
    text = ("Can you give me until tomorrow? The minister won't travel to Paris on Friday. "
            "No rate hike is expected on Thursday.")
    assert extract_events(text, MON) == []


def test_calendar_lines_are_events_but_headings_are_not():
    text = ("What to watch\n\nThe Week Ahead\n\nWednesday: Fed Rate Decision\n\n"
            "29 November 2025 | 20 January 2026\n\nThe festival's artworks will light up the harbour on Friday.")
    got = [(e.date, e.title) for e in extract_events(text, MON)]
    assert got == [(dt.date(2025, 10, 29), "Fed rate decision"),
                   (dt.date(2025, 10, 31), "Festival's artworks light up the harbour")]
