"""Retrieval: FTS5 BM25 over briefs and chunks, visibility scoping, hostile query syntax, recency ties."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.backends.embedded import EmbeddedBackend
from bot.pipeline.ask import ask
from bot.pipeline.ingest import Placement, Source
from bot.pipeline.models import NO_ANSWER
from bot.pipeline.retrieve import MAX_TERMS, content_terms, match_expression, plan_query, retrieve
from storage import Store

TODAY = dt.date(2025, 10, 27)
NOW = "2025-10-27T08:00:00+00:00"

HOSTILE = [
    '"', '""', "*", "fed*", "NEAR", "NEAR(fed rates)", "-", "-fed", ":", "tldr:fed", "(", ")", "((fed",
    "AND", "OR", "NOT", "fed AND", "OR rates", "NOT NOT", "^", "^fed", 'fed" OR "x', "{tldr}: fed", "+",
    "fed NEAR/2 rates", "\u0000", "'; drop table briefs; --", "日本銀行の政策", "Zinsentscheidung der EZB?",
    "¿Qué hará la Reserva Federal?", "ставки ФРС", "🙂🙂", "a" * 5000, "fed " * 2000,
]

FED = (
    "The Federal Reserve cut its benchmark interest rate by a quarter point on Wednesday. "
    "Officials said the labour market had cooled and inflation was easing. "
    "The chair said further cuts would depend on the data."
)
BOJ = (
    "The Bank of Japan kept its short-term interest rate at 0.5% on Thursday. "
    "Two board members proposed a hike, and the yen strengthened after the decision. "
    "The governor said the bank would raise rates if wages kept rising."
)
OIL = (
    "OPEC+ agreed to raise oil output again next month as Saudi Arabia pushed to regain market share. "
    "Brent crude rose after the decision because the increase was smaller than feared."
)


def put(store: Store, text: str, *, team="T1", channel="C1", visibility="public", url=None, tldr=None,
        now=NOW) -> str:
    """Save a brief directly through the store (the retrieval tests do not depend on the summarizer)."""
    url = url or f"https://news.example/{abs(hash((text, team, channel, visibility, now)))}"
    first = text.split(". ")[0] + "."
    return store.save_brief(
        article={"url": url, "content_hash": url, "title": first[:60], "text": text, "published": now[:10]},
        brief={"team": team, "channel": channel, "visibility": visibility, "tldr": tldr or first,
               "key_points": [s for s in text.split(". ")[1:]], "open_questions": [], "backend": "embedded"},
        events=[], storylines=[], new_storylines=[], chunks=[text], usage=None, now=now,
    )


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "r.db")
    yield s
    s.close()


def test_match_expression_is_quoted_terms_or_ed_without_stopwords_and_capped():
    assert match_expression("What did the Fed do about rates?") == '"fed" OR "rates"'
    assert match_expression('NEAR("fed" * -rates: AND OR NOT ^boj)') == '"fed" OR "rates" OR "boj"'
    assert match_expression("the and of what?") is None
    assert len(content_terms(" ".join(f"word{i}" for i in range(100)), MAX_TERMS)) == MAX_TERMS


@pytest.mark.parametrize("question", HOSTILE)
def test_hostile_questions_never_raise(store, question):
    put(store, FED)
    passages = retrieve(store, question, "T1", "C1")
    assert isinstance(passages, list)
    answer = ask(store, EmbeddedBackend(), question, "T1", "C1", TODAY)
    assert answer.answer


@pytest.mark.parametrize("question", ["what did the Fed do?", "what's on this week?", '"(*', "日本"])
def test_an_empty_store_answers_no_answer(store, question):
    assert retrieve(store, question, "T1", "C1") == []
    assert ask(store, EmbeddedBackend(), question, "T1", "C1", TODAY).answer == NO_ANSWER


def test_bm25_finds_the_relevant_brief_first(store):
    b_fed = put(store, FED)
    b_boj = put(store, BOJ)
    put(store, OIL)
    assert retrieve(store, "Bank of Japan yen", "T1", "C1")[0].brief_id == b_boj
    assert retrieve(store, "Federal Reserve labour market", "T1", "C1")[0].brief_id == b_fed
    assert retrieve(store, "bananas", "T1", "C1") == []


def test_recency_breaks_ties(store):
    older = put(store, FED, url="https://news.example/old", now="2025-10-01T08:00:00+00:00")
    newer = put(store, FED, url="https://news.example/new", now="2025-10-20T08:00:00+00:00")
    passages = retrieve(store, "Federal Reserve interest rate", "T1", "C1")
    assert passages[0].brief_id == newer  # same text, same BM25: the newer brief wins
    assert older not in {p.brief_id for p in passages}  # and the identical passage is not repeated


# -- visibility -------------------------------------------------------------------------------------


@pytest.fixture
def scoped(store):
    """One brief per kind of conversation, each about a different central bank, plus another team's."""
    ids = {
        "public_c1": put(store, FED, channel="C1"),
        "public_c2": put(store, OIL, channel="C2"),
        "private_c3": put(store, BOJ, channel="C3", visibility="private"),
        "dm_d1": put(store, BOJ.replace("Bank of Japan", "Bank of Japan board"), channel="D1", visibility="dm"),
        "other_team": put(store, BOJ.replace("Bank of Japan", "Bank of Japan's policy board"), team="T2",
                          channel="C1"),
    }
    return store, ids


def seen(store, team, channel, question) -> set[str]:
    return {p.brief_id for p in retrieve(store, question, team, channel, limit=20)}


def test_a_channel_sees_its_own_and_public_briefs_of_its_team(scoped):
    store, ids = scoped
    everything = "Federal Reserve Bank of Japan OPEC rate oil yen"
    assert seen(store, "T1", "C1", everything) == {ids["public_c1"], ids["public_c2"]}
    assert seen(store, "T1", "C3", everything) == {ids["public_c1"], ids["public_c2"], ids["private_c3"]}
    assert seen(store, "T1", "D1", everything) == {ids["public_c1"], ids["public_c2"], ids["dm_d1"]}
    assert seen(store, "T2", "C1", everything) == {ids["other_team"]}
    assert seen(store, "T3", "C1", everything) == set()


def test_private_and_dm_briefs_never_reach_another_conversation_through_ask(scoped):
    store, ids = scoped
    for channel in ("C1", "C2", "C9"):
        answer = ask(store, EmbeddedBackend(), "What did the Bank of Japan decide about the yen?", "T1", channel,
                     TODAY)
        assert answer.answer == NO_ANSWER
        assert not {c.brief for c in answer.citations} & {ids["private_c3"], ids["dm_d1"], ids["other_team"]}
    private = ask(store, EmbeddedBackend(), "What did the Bank of Japan decide about the yen?", "T1", "C3", TODAY)
    assert {c.brief for c in private.citations} == {ids["private_c3"]}


def test_events_follow_the_same_visibility(store):
    put(store, BOJ, channel="C3", visibility="private")
    with store.write() as db:
        db.execute(
            "insert into events (brief_id, title, date, precision, evidence) values ('B1', 'BoJ policy decision', "
            "'2025-10-30', 'day', 'The central bank ends its meeting on Thursday.')"
        )
    assert ask(store, EmbeddedBackend(), "what's on this week?", "T1", "C1", TODAY).answer == NO_ANSWER
    private = ask(store, EmbeddedBackend(), "what's on this week?", "T1", "C3", TODAY)
    assert "Thu 30 Oct" in private.answer and private.citations[0].brief == "B1"


def test_a_reused_article_is_findable_from_each_channel_that_briefed_it(services, tmp_path):
    page = tmp_path / "story.txt"  # a file: its stored content is reused across channels (pasted text is not)
    page.write_text(FED + " " + BOJ)
    ingestor = services.ingestor
    first = ingestor.ingest(Source.parse(str(page)), Placement(team="T1", channel="C5", visibility="private"))
    second = ingestor.ingest(Source.parse(str(page)), Placement(team="T1", channel="C6", visibility="private"))
    assert second.reused and first.brief_id != second.brief_id
    assert seen(services.store, "T1", "C5", "labour market") == {first.brief_id}
    assert seen(services.store, "T1", "C6", "labour market") == {second.brief_id}
    assert seen(services.store, "T1", "C7", "labour market") == set()


def test_common_words_are_pruned_only_on_a_large_index(store):
    put(store, FED)
    put(store, BOJ)
    match, ranked = plan_query(store, ["rate", "yen"])
    assert match == '"rate" OR "yen"' and ranked  # small index: every word kept


def test_pruning_on_a_large_index_keeps_rare_words_and_visibility(tmp_path, monkeypatch):
    import bot.pipeline.retrieve as retrieve_module

    store = Store(tmp_path / "big.db")
    monkeypatch.setattr(retrieve_module, "PRUNE_FROM", 10)
    for i in range(30):
        put(store, f"Markets moved on rate news number {i}. Traders watched the rate outlook.", channel="C1")
    rare = put(store, "The rate decision surprised soybean farmers. Exports of soybeans rose.", channel="C2",
               visibility="private")
    match, ranked = plan_query(store, ["rate", "soybean"])
    assert match == '"soybean"' and ranked
    assert [p.brief_id for p in retrieve(store, "rate soybean", "T1", "C2")][:1] == [rare]
    assert rare not in {p.brief_id for p in retrieve(store, "rate soybean", "T1", "C1")}
    match, ranked = plan_query(store, ["rate"])
    assert not ranked  # every word common: newest matches, unranked
    assert retrieve(store, "rate", "T1", "C1")
    store.close()
