"""Sentence splitting: abbreviations, decimals, quotes, tokenised and non-Latin text, offsets."""

from __future__ import annotations

import time

from bot.pipeline.sentences import paragraphs, split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_titles_abbreviations_and_decimals_stay_inside_sentences() -> None:
    text = (
        "Sen. John McCain was the Republican nominee in 2008. The U.S. economy grew 3.5% that year. "
        "Dr. Martin Luther King Jr. spoke in Washington in 1963. The St. Louis Fed publishes data at 8 a.m. "
        "every weekday."
    )
    assert texts(text) == [
        "Sen. John McCain was the Republican nominee in 2008.",
        "The U.S. economy grew 3.5% that year.",
        "Dr. Martin Luther King Jr. spoke in Washington in 1963.",
        "The St. Louis Fed publishes data at 8 a.m. every weekday.",
    ]


def test_an_abbreviation_can_still_end_a_sentence() -> None:
    assert texts("The company is based in the U.S. The shares fell 2%.") == [
        "The company is based in the U.S.",
        "The shares fell 2%.",
    ]


def test_quotes_stay_with_their_sentence() -> None:
    text = '"It is strong," the minister said. "Why now?" she asked. He said: "Rates will rise." Stocks fell.'
    assert texts(text) == [
        '"It is strong," the minister said.',
        '"Why now?" she asked.',
        'He said: "Rates will rise."',
        "Stocks fell.",
    ]


def test_initials_numbers_and_list_markers() -> None:
    assert texts("J. P. Morgan founded the bank. See No. 5 on the list. He said no. Then he left.") == [
        "J. P. Morgan founded the bank.",
        "See No. 5 on the list.",
        "He said no.",
        "Then he left.",
    ]
    assert texts("1. Rates rose.\n2. Stocks fell.") == ["1. Rates rose.", "2. Stocks fell."]


def test_lines_and_paragraphs_never_merge_and_offsets_point_back() -> None:
    text = "Markets wrap\n\nShares rose on Monday. Bonds fell.\nOil was flat"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Markets wrap",
        "Shares rose on Monday.",
        "Bonds fell.",
        "Oil was flat",
    ]
    assert [s.paragraph for s in sentences] == [0, 1, 1, 2]
    for s in sentences:
        assert text[s.start : s.end] == s.text
    assert [start for start, _ in paragraphs(text)] == [0, 14, 49]


def test_lower_cased_tokenised_text_splits_at_spaced_stops() -> None:
    text = "( cnn ) the u.s. bank said profits rose . `` we are pleased , '' it said . shares fell ! why ? no one knows"
    assert texts(text) == [
        "( cnn ) the u.s. bank said profits rose .",
        "`` we are pleased , '' it said .",
        "shares fell !",
        "why ?",
        "no one knows",
    ]


def test_ellipses_and_cjk_stops() -> None:
    assert texts("She paused... and then went on. Wait... The vote passed.") == [
        "She paused... and then went on.",
        "Wait...",
        "The vote passed.",
    ]
    assert texts("日本銀行は金利を据え置いた。円は下落した！本当か？") == [
        "日本銀行は金利を据え置いた。",
        "円は下落した！",
        "本当か？",
    ]


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n ") == []


def test_one_huge_paragraph_is_split_in_linear_time() -> None:
    unit = 'The U.S. economy grew 3.5% in the quarter. "It is strong," the minister said. Markets rose. '
    text = unit * 5000  # 70k words, one paragraph
    started = time.perf_counter()
    sentences = split_sentences(text)
    assert len(sentences) == 15000
    assert time.perf_counter() - started < 2.0


def test_hard_wrapped_sentence_continues_on_a_lower_case_line() -> None:
    text = "Rates outlook\nThe bank is expected to\nraise rates in July. Shares rose.\nBonds fell."
    assert [" ".join(t.split()) for t in texts(text)] == [
        "Rates outlook",
        "The bank is expected to raise rates in July.",
        "Shares rose.",
        "Bonds fell.",
    ]
