"""Behaviour of the embedded summarizer on original sample texts."""

from __future__ import annotations

import time

import pytest

from bot.errors import InputError
from bot.pipeline.models import Summary
from bot.pipeline.summarize import KEY_POINT_MAX_CHARS, TLDR_MAX_CHARS, summarize, trim, uncertainty

BODY = [
    "Tokyo stocks climbed to a record on Tuesday after the Bank of Japan left its policy rate at 0.5% and "
    "signalled no hurry to tighten further.",
    "The yen weakened 1.2% against the U.S. dollar within minutes of the decision, trading near its lowest "
    "level in three months.",
    "The bank's governor told reporters that wage growth was broad-based but that policymakers wanted more "
    "evidence before moving again.",
    "Exporters led the gains, with carmakers and electronics makers rising more than 3%.",
    "Government bond yields fell, and the 10-year yield dropped to 1.4% from 1.5% a week earlier.",
    "It remains unclear whether the central bank will raise rates at its next meeting in July.",
    "Some economists said a weaker yen could push import prices higher and force the bank's hand.",
    "A U.S. Treasury official said Washington was watching currency markets closely.",
    "Trading volume was about 20% above its monthly average.",
    "Whether the rally can last depends on corporate earnings due later this month.",
]

ARTICLE = "\n\n".join(
    [
        "Yen Slides as Bank of Japan Holds Fire",
        "By the Markets Desk",
        f"{BODY[0]} {BODY[1]}",
        BODY[2],
        "Advertisement",
        f"{BODY[3]} {BODY[4]}",
        "What comes next",
        f"{BODY[5]} {BODY[6]}",
        f"{BODY[7]} {BODY[8]}",
        BODY[9],
        "Read more: Asian markets on the week ahead",
        "Leave a Comment",
    ]
)


@pytest.fixture(scope="module")
def market() -> Summary:
    return summarize(ARTICLE)


def test_key_points_are_two_or_three_whole_sentences_in_article_order_never_the_tldr(market: Summary) -> None:
    assert 2 <= len(market.key_points) <= 3
    assert market.tldr not in market.key_points
    positions = [BODY.index(point) for point in market.key_points]  # ValueError if not a whole sentence
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)


def test_key_points_lean_on_the_lead_but_not_only_the_lead(market: Summary) -> None:
    positions = [BODY.index(point) for point in market.key_points]
    assert BODY.index(market.tldr) == 0  # the lead states the news
    assert positions[0] <= 3
    assert positions[-1] < 9  # the closing uncertainty is an open question, not a key point


def test_headings_bylines_and_boilerplate_never_appear(market: Summary) -> None:
    shown = [market.tldr, *market.key_points, *market.open_questions]
    for furniture in (
        "Yen Slides",
        "By the Markets Desk",
        "Advertisement",
        "What comes next",
        "Read more",
        "Leave a Comment",
    ):
        assert not any(furniture in text for text in shown), furniture


def test_tldr_is_one_sentence_from_the_lead(market: Summary) -> None:
    assert market.tldr in BODY[:3]
    assert len(market.tldr) <= TLDR_MAX_CHARS


def test_open_questions_come_from_uncertain_sentences_strongest_first(market: Summary) -> None:
    assert 1 <= len(market.open_questions) <= 3
    assert market.tldr not in market.open_questions
    assert market.open_questions[0] in (BODY[5], BODY[9])
    assert set(market.open_questions) <= {BODY[5], BODY[6], BODY[9]}
    if BODY[6] in market.open_questions:  # "could" is a weaker cue than "remains unclear whether"
        assert market.open_questions.index(BODY[6]) > market.open_questions.index(BODY[5])


def test_uncertainty_cues() -> None:
    assert uncertainty("It is not clear when the talks will resume.") > uncertainty("Prices could rise.")
    assert uncertainty("Prices could rise.") > 0
    assert uncertainty("The bank raised rates by a quarter point on May 5.") == 0


def test_abbreviations_and_decimals_do_not_split_sentences() -> None:
    text = (
        "Sen. John McCain was the Republican nominee for president in 2008. "
        'The U.S. economy grew 3.5% that year, officials said. "Markets were calm," one trader said.'
    )
    summary = summarize(text)
    assert summary.tldr.startswith("Sen. John McCain")
    assert "The U.S. economy grew 3.5% that year, officials said." in summary.key_points
    assert '"Markets were calm," one trader said.' in summary.key_points


def test_empty_or_blank_text_is_an_input_error() -> None:
    for text in ("", "   \n\t  ", "Advertisement\n\nRead more\n"):
        with pytest.raises(InputError, match="no text to summarize"):
            summarize(text)


def test_short_texts_give_fewer_key_points() -> None:
    one = summarize("The Federal Reserve held interest rates steady on Wednesday.")
    assert one.tldr == "The Federal Reserve held interest rates steady on Wednesday."
    assert one.key_points == [one.tldr]
    assert one.open_questions == []
    two = summarize("The Federal Reserve held rates steady. It is unclear whether it will cut in June.")
    assert two.key_points == ["It is unclear whether it will cut in June."]
    assert two.open_questions == ["It is unclear whether it will cut in June."]


def test_a_pasted_headline_alone_is_summarized_not_rejected() -> None:
    summary = summarize("Bank of Japan holds rates steady")
    assert summary.tldr == "Bank of Japan holds rates steady"


def test_repeated_sentence_is_not_picked_twice() -> None:
    text = " ".join(BODY[:5] + [BODY[0]] + BODY[5:])
    summary = summarize(text)
    assert summary.key_points.count(BODY[0]) <= 1


def test_long_first_sentence_is_trimmed_at_a_word_boundary() -> None:
    lead = "The central bank said " + ", ".join(f"sector number {i} expanded" for i in range(40)) + "."
    summary = summarize(lead)
    assert len(summary.tldr) <= TLDR_MAX_CHARS
    assert summary.tldr.endswith("…")
    assert lead.startswith(summary.tldr[:-1])
    assert lead[len(summary.tldr) - 1] in " ,"  # cut between words
    assert len(summary.key_points[0]) <= KEY_POINT_MAX_CHARS


def test_trim_keeps_short_text_and_collapses_whitespace() -> None:
    assert trim("Rates  were\nheld.", 220) == "Rates were held."
    assert trim("alpha beta gamma delta", 12) == "alpha beta…"


def test_lower_cased_text_gives_the_same_choice() -> None:
    cased = summarize(" ".join(BODY))
    lowered = summarize(" ".join(BODY).lower())
    assert [p.lower() for p in cased.key_points] == lowered.key_points
    assert cased.tldr.lower() == lowered.tldr


def test_longer_articles_get_more_key_points() -> None:
    paragraphs = [
        f"In region {i}, factory orders rose {i % 7 + 1}% as exporters shipped more machinery and "
        f"chemicals to buyers in Asia and Europe, the survey of {100 + i} firms showed."
        for i in range(80)
    ]
    summary = summarize("\n\n".join(paragraphs))
    assert len(summary.key_points) == 3


def test_non_english_text_does_not_crash() -> None:
    samples = [
        "日本銀行は政策金利を据え置いた。円相場は下落した。次の会合で利上げするかどうかは不透明だ。",
        "Die Europäische Zentralbank hat die Zinsen gesenkt. Ob weitere Schritte folgen, ist unklar.",
        "Центральный банк сохранил ставку. Рынки выросли на 2,5%.",
        "البنك المركزي أبقى أسعار الفائدة دون تغيير",
    ]
    for text in samples:
        summary = summarize(text)
        assert summary.tldr
        assert 1 <= len(summary.key_points) <= 5
    assert summarize(samples[0]).tldr == "日本銀行は政策金利を据え置いた。"


def test_fifty_thousand_words_are_fast() -> None:
    text = "\n\n".join(BODY) + "\n\n"
    words = len(text.split())
    text = text * (50_000 // words + 1)
    started = time.perf_counter()
    summary = summarize(text)
    elapsed = time.perf_counter() - started
    assert len(summary.key_points) == 3
    assert elapsed < 2.0, elapsed  # about 0.2 s on a laptop; generous for a loaded CI box
    one_paragraph = " ".join(text.split())
    started = time.perf_counter()
    summarize(one_paragraph)
    assert time.perf_counter() - started < 2.0


def test_a_long_tldr_is_cut_at_a_clause_boundary():
    from bot.pipeline.summarize import trim

    sentence = ("Federal Reserve officials are widely expected to lower their benchmark interest rate by a quarter "
                "of a percentage point next Wednesday, the second cut in as many meetings, even though the "
                "federal government shutdown has cut off most of the official data they normally rely on.")
    assert trim(sentence, 220) == ("Federal Reserve officials are widely expected to lower their benchmark "
                                   "interest rate by a quarter of a percentage point next Wednesday, the second "
                                   "cut in as many meetings…")
    assert trim("Short and sweet.", 220) == "Short and sweet."


# -- TL;DR: the main news in one whole sentence ---------------------------------------------------------

NEWS = "The city council approved a new light-rail line linking the airport to downtown on Monday night."
DETAIL = "The line will cost about $2.1 billion and carry an expected 40,000 riders a day once it opens in 2029."
MORE = "Construction is set to begin next spring, the transport department said in a statement."


def test_tldr_drops_a_dateline_in_either_form():
    for dateline in ("PORTLAND, Ore. — ", "PORTLAND — ", "Portland (Reuters) - ", "Portland (CNN)"):
        summary = summarize(f"{dateline}{NEWS} {DETAIL} {MORE}")
        assert summary.tldr == NEWS, dateline


def test_tldr_skips_an_anecdote_lede_a_byline_and_a_connective_opening():
    text = "\n\n".join([
        "By Staff Reporter, Transport Correspondent",
        "“I have waited twenty years for a train to the airport,” said a commuter waiting at a bus stop.",
        "But not everyone on the council was convinced the money would be well spent this time around.",
        NEWS,
        DETAIL,
        MORE,
    ])
    assert summarize(text).tldr == NEWS


def test_tldr_skips_label_lines_blog_chatter_and_fragments_but_keeps_a_company_speaking():
    text = "\n\n".join([
        "Reviewed by: Staff Tester RRP: 40 euros More info: www.example.org",
        "We moved to the coast two years ago and we still walk the harbour every single morning.",
        "to the council chamber to hear the vote on the new line.",
        NEWS,
        DETAIL,
    ])
    assert summarize(text).tldr == NEWS
    release = "The Harbour Transit Company is thrilled to welcome our new chief executive to the harbour this week."
    assert summarize(f"{release} {DETAIL} {MORE}").tldr == release
    assert summarize(f"Lisbon, Portugal: {NEWS} {DETAIL}").tldr == NEWS


def test_key_point_one_never_repeats_the_tldr():
    summary = summarize(" ".join([NEWS, DETAIL, MORE, "Opponents said bus routes would be cut to pay for it."]))
    assert summary.tldr == NEWS
    assert summary.key_points[0] != summary.tldr
    assert all(not p.startswith(summary.tldr[:40]) for p in summary.key_points)


# -- open questions: unresolved, about what comes next ---------------------------------------------------


def test_open_questions_are_never_past_facts_announcements_or_chatter():
    text = " ".join([
        NEWS,
        DETAIL,
        "Council members will meet with the mayor on Thursday to sign the contract.",  # an announcement
        "Last year the council asked whether a bus lane would do instead.",  # a past fact with "whether"
        "Do you remember the last time a train line was promised here?",  # chatter
        "The project could create 3,000 jobs.",  # a plain forecast, no doubt stated
        "Why did the previous plan fail?",  # a question about the past
    ])
    assert summarize(text).open_questions == []


def test_open_questions_state_what_is_unresolved():
    text = " ".join([
        NEWS,
        DETAIL,
        "It remains unclear whether the federal government will pay its promised share.",
        "The vote could be challenged in court, but opponents have not said whether they will sue.",
        "Will the line open on time?",
    ])
    questions = summarize(text).open_questions
    assert "It remains unclear whether the federal government will pay its promised share." in questions
    assert "The vote could be challenged in court, but opponents have not said whether they will sue." in questions
    assert "Will the line open on time?" in questions
    assert NEWS not in questions


def test_text_not_in_english_is_summarized_by_its_lead_sentences():
    german = ("Die Stadt hat am Montag eine neue Straßenbahnlinie zum Flughafen beschlossen. "
              "Die Linie soll rund zwei Milliarden Euro kosten. Der Bau beginnt im nächsten Frühjahr. "
              "Ob der Bund seinen Anteil zahlt, ist unklar.")
    summary = summarize(german, language="de")
    assert summary.tldr == "Die Stadt hat am Montag eine neue Straßenbahnlinie zum Flughafen beschlossen."
    assert summary.key_points[:2] == ["Die Linie soll rund zwei Milliarden Euro kosten.",
                                      "Der Bau beginnt im nächsten Frühjahr."]
    assert summary.open_questions == []
