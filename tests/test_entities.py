"""Entity heuristics on an original market text."""

from __future__ import annotations

from bot.pipeline.entities import entity_key, find_entities

TEXT = """Yen Slides as Bank of Japan Holds Fire

The Bank of Japan left its policy rate unchanged on Tuesday, and the yen fell against the U.S. dollar.
However, investors in Tokyo had expected the move. Investors now expect the BoJ to act in July.
Federal Reserve Chair Jerome Powell said on Wednesday that the U.S. labor market was strong.
Powell added that the Fed would watch trade with China closely.
The European Central Bank meets in March, and the ECB is expected to hold.
Analysts at Goldman Sachs said the BoJ was in no hurry.
Tokyo-based Toyota Motor Corp. said exports to China rose in May."""


def test_ranked_by_mentions_with_aliases_merged() -> None:
    entities = find_entities(TEXT)
    # Bank of Japan 3 (with "BoJ" twice); then the names mentioned twice, earliest first
    assert entities[:5] == ["Bank of Japan", "US", "Tokyo", "Federal Reserve", "China"]
    assert "Jerome Powell" in entities  # "Powell" alone counts towards the full name
    assert "Powell" not in entities


def test_multi_word_names_are_kept_whole_and_roles_split_off() -> None:
    entities = find_entities(TEXT)
    for name in ("Bank of Japan", "European Central Bank", "Goldman Sachs", "Toyota Motor", "Jerome Powell"):
        assert name in entities
    for fragment in ("Bank", "Japan", "Federal Reserve Chair Jerome Powell", "Chair", "Toyota Motor Corp"):
        assert fragment not in entities


def test_stopwords_weekdays_months_headings_and_sentence_starts_are_dropped() -> None:
    entities = find_entities(TEXT)
    for word in (
        "The",
        "However",
        "Tuesday",
        "Wednesday",
        "March",
        "May",
        "Investors",
        "Analysts",
        "Yen Slides",
        "Holds Fire",
    ):
        assert word not in entities


def test_limit_and_empty_text() -> None:
    assert len(find_entities(TEXT, limit=4)) == 4
    assert find_entities(TEXT, limit=4) == find_entities(TEXT)[:4]
    assert find_entities("") == []
    assert find_entities("rates rose and stocks fell.") == []


def test_a_repeated_sentence_initial_name_is_kept() -> None:
    text = "Nvidia reported record sales. Nvidia also raised its forecast. Shares rose."
    assert find_entities(text) == ["Nvidia"]


def test_known_acronyms_count_even_once() -> None:
    assert find_entities("Traders now expect the ECB to cut rates.") == ["ECB"]


def test_entity_key_matches_aliases() -> None:
    assert entity_key("Fed") == entity_key("Federal Reserve")
    assert entity_key("U.S.") == entity_key("United States") == entity_key("US")
    assert entity_key("BoJ") == entity_key("Bank of Japan")
    assert entity_key("Nvidia") != entity_key("Intel")
