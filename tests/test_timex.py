"""Behaviour of the rule-based temporal tagger: tense-driven weekdays, relative units, non-dates, TIME values."""

import datetime as dt

import pytest

from bot.pipeline.timex import find_times

MON = dt.date(2025, 10, 27)  # a Monday


def values(text: str, ref: dt.date = MON) -> dict[str, str]:
    return {m.text: m.value for m in find_times(text, ref)}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Stocks rallied Monday as investors cheered.", "2025-10-27"),
        ("The minister said on Friday that talks went well.", "2025-10-24"),
        ("The central bank will announce its decision on Wednesday.", "2025-10-29"),
        ("The leaders are expected to meet Thursday.", "2025-10-30"),
        ("The prime minister meets the president on Tuesday.", "2025-10-28"),
        ("The vote is scheduled for Friday.", "2025-10-31"),
        ("Officials met last Wednesday.", "2025-10-22"),
        ("The report comes out next Monday.", "2025-11-03"),
        # The tense of a reporting tail, a relative clause or an earlier verb does not govern the date.
        ("Details will be shared at a staff meeting on Friday, the chair said in a memo.", "2025-10-31"),
        ("The paper reported details of the tour that stops in Leeds on Friday.", "2025-10-31"),
        ("The prime minister, who meets the king Tuesday, has promised reforms.", "2025-10-28"),
        ("Markets are pricing in optimism about Thursday's expected meeting.", "2025-10-30"),
    ],
)
def test_weekday_follows_tense(sentence, expected):
    found = [m for m in find_times(sentence, MON) if m.type in ("DATE", "TIME")]
    assert len(found) == 1
    assert found[0].value == expected


def test_same_weekday_as_ref_past_and_future():
    assert values("Shares fell Monday.")["Monday"] == "2025-10-27"
    assert values("The board will meet Monday.")["Monday"] == "2025-10-27"


def test_relative_expressions():
    v = values(
        "Next week, later this month, last year, the week ahead, this week, today, tomorrow, yesterday, "
        "last month, earlier this year."
    )
    assert v["Next week"] == "2025-W45"
    assert v["later this month"] == "2025-10"
    assert v["last year"] == "2024"
    assert v["the week ahead"] == "2025-W44"
    assert v["this week"] == "2025-W44"
    assert v["today"] == "2025-10-27"
    assert v["tomorrow"] == "2025-10-28"
    assert v["yesterday"] == "2025-10-26"
    assert v["last month"] == "2025-09"
    assert v["earlier this year"] == "2025"


def test_reference_words():
    v = values("Rates are now high; prices currently rise, as they did recently, unlike the past. The future is open.")
    assert v["now"] == "PRESENT_REF"
    assert v["currently"] == "PRESENT_REF"
    assert v["recently"] == "PAST_REF"
    assert v["the past"] == "PAST_REF"
    assert v["The future"] == "FUTURE_REF"


def test_explicit_dates_and_quarters():
    v = values("Dates: Oct. 29, October 29, 2025, 29 October, 10/29/2025, 1998-02-06, mid-December and the fourth quarter.")
    assert v["Oct. 29"] == "2025-10-29"
    assert v["October 29, 2025"] == "2025-10-29"
    assert v["29 October"] == "2025-10-29"
    assert v["10/29/2025"] == "2025-10-29"
    assert v["1998-02-06"] == "1998-02-06"
    assert v["mid-December"] == "2025-12"
    assert v["the fourth quarter"] == "2025-Q4"


def test_future_month_rolls_to_next_year_and_past_month_back():
    ref = dt.date(2025, 11, 20)
    assert values("The treaty will be signed in March.", ref)["March"] == "2026-03"
    assert values("The treaty was signed in September.", ref)["September"] == "2025-09"
    assert values("Exports fell in December.", dt.date(2025, 3, 1))["December"] == "2024-12"


def test_time_values_attach_to_day():
    v = values("The Fed will announce its decision on Wednesday at 2 p.m. ET.")
    assert v["Wednesday at 2 p.m. ET"] == "2025-10-29T14:00"
    v = values("Trading resumes at 14:00 GMT on Thursday.")
    assert v["14:00 GMT on Thursday"] == "2025-10-30T14:00"
    m = find_times("The statement is due at 2 p.m. ET on Wednesday.", MON)[0]
    assert m.type == "TIME"


@pytest.mark.parametrize(
    "text",
    [
        "Shares jumped 40% and yields rose 2%.",
        "The bank cut rates by 25 basis points.",
        "A $350 billion package was agreed.",
        "Japan hit its target two years early.",
        "Officials may decide to wait.",
        "Protesters plan to march on the capital.",
        "The company sold 2000 shares and hired 1999 workers.",
        "We expect more.",
    ],
)
def test_numbers_and_words_that_are_not_dates(text):
    assert find_times(text, MON) == []


def test_years_are_plausible_four_digit_numbers():
    v = values("Growth slowed in 2019 and the plan runs to 2030.")
    assert v == {"2019": "2019", "2030": "2030"}
    assert find_times("Revenue was 1850 million yen.", MON) == []


def test_offsets_match_text_and_are_sorted():
    text = "On Tuesday, the minister said prices rose 3% last month; the Fed meets next Wednesday at 2 p.m. ET."
    found = find_times(text, MON)
    assert found, "expected mentions"
    for m in found:
        assert text[m.start:m.end] == m.text
        assert m.type in ("DATE", "TIME")
    starts = [m.start for m in found]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


def test_empty_text():
    assert find_times("", MON) == []
