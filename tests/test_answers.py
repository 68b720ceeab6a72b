"""Cited answers: every citation points at the passage its sentence came from; honest "no" otherwise;
questions about what is coming are answered from the events table with dates."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.backends.embedded import EmbeddedBackend
from bot.backends.embedded_answer import extractive_answer
from bot.cli import cli
from bot.pipeline.ask import ask, ask_services, format_answer_text, is_event_question, window_for
from bot.pipeline.ingest import Placement, Source
from bot.pipeline.models import NO_ANSWER, Passage
from bot.pipeline.retrieve import retrieve

FIXTURES = Path(__file__).parent / "fixtures" / "storylines"
TEAM, CHANNEL = "T1", "C1"


def sample(name: str) -> Path:
    return Path(str(resources.files("bot") / "samples" / name))


def ingest_fixture(services, name: str, channel: str = CHANNEL) -> str:
    raw = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    _, head, body = raw.split("---", 2)
    meta = dict(line.split(":", 1) for line in head.strip().splitlines())
    source = Source("text", f"# {meta['title'].strip()}\n\n{body.strip()}", name)
    published = dt.date.fromisoformat(meta["date"].strip())
    return services.ingestor.ingest(source, Placement(team=TEAM, channel=channel), published=published).brief_id


@pytest.fixture
def loaded(services):
    names = ["01-fed-september-cut", "04-boj-holds-september", "03-opec-output", "12-fed-preview-october",
             "13-trade-talks-kuala-lumpur", "11-takaichi-stimulus-bonds"]
    return services, {name: ingest_fixture(services, name) for name in names}


def cited_sentences(answer_text: str) -> list[tuple[str, int]]:
    """(sentence, n) for each 'sentence [n]' in the answer body (before the Sources block)."""
    body = answer_text.split("\n\nSources:")[0]
    return [(m.group(1).strip(), int(m.group(2))) for m in re.finditer(r"(.+?)\s\[(\d+)\](?=\s|$)", body)]


def assert_citations_honest(answer, passages: list[Passage]) -> None:
    pairs = cited_sentences(answer.answer)
    assert 1 <= len(pairs) <= 3
    for sentence, n in pairs:
        assert 1 <= n <= len(passages)
        quoted = re.sub(r" \(\d{1,2} [A-Z][a-z]{2} \d{4}\)", "", sentence)  # dates added to relative days
        assert quoted in passages[n - 1].text, (sentence, n)
        assert any(c.n == n and c.passage == sentence for c in answer.citations) or any(
            c.n == n and c.passage for c in answer.citations)
    assert sorted(c.n for c in answer.citations) == sorted({n for _, n in pairs})
    for c in answer.citations:
        assert c.brief == passages[c.n - 1].brief_id
        assert c.title == passages[c.n - 1].title
        assert f"[{c.n}] " in answer.answer.split("Sources:")[1] and f"({c.brief})" in answer.answer


@pytest.mark.parametrize(
    "question",
    ["What did the Federal Reserve do with interest rates?", "Why did the Bank of Japan start selling ETFs?",
     "What did OPEC+ agree about oil output?", "What framework did the US and China agree in Kuala Lumpur?",
     "How will Takaichi fund the stimulus package?"],
)
def test_every_citation_points_at_a_passage_actually_used(loaded, question):
    services, _ = loaded
    passages = retrieve(services.store, question, TEAM, CHANNEL)
    assert passages
    answer = EmbeddedBackend().answer(question, passages)
    assert answer.answer != NO_ANSWER
    assert_citations_honest(answer, passages)


def test_the_answer_comes_from_the_right_article(loaded):
    services, ids = loaded
    answer = ask_services(services, "Why did the Bank of Japan start selling ETFs?", TEAM, CHANNEL)
    assert ids["04-boj-holds-september"] in {c.brief for c in answer.citations}
    assert "ETF" in answer.answer or "exchange-traded" in answer.answer


@pytest.mark.parametrize(
    "question",
    ["What is the price of bananas in Peru?", "Who won the football match?", "Tell me about Japan's banana imports",
     "quantum gravity", "?", "日本銀行の政策は？"],
)
def test_no_unrelated_passage_is_ever_offered(loaded, question):
    services, _ = loaded
    answer = ask_services(services, question, TEAM, CHANNEL)
    assert answer.answer == NO_ANSWER
    assert answer.citations == []


def test_extractive_answer_handles_no_passages_and_empty_questions():
    p = Passage("The Fed cut rates by a quarter point on Wednesday.", "B1", "Fed cuts", None)
    assert extractive_answer("", [p]).answer == NO_ANSWER
    assert extractive_answer("Fed rates", []).answer == NO_ANSWER
    ok = extractive_answer("Fed rates", [p])
    assert ok.answer.startswith("The Fed cut rates by a quarter point on Wednesday. [1]")
    assert ok.to_json()["citations"] == [{"n": 1, "brief": "B1", "title": "Fed cuts", "url": None,
                                          "passage": "The Fed cut rates by a quarter point on Wednesday."}]


def test_citations_use_the_passage_numbers_given(loaded):
    """A model backend sees the same numbering; the cited number is the passage's position."""
    passages = [
        Passage("Oil prices were steady on Monday as traders waited for news.", "B7", "Oil", "https://x.example/o"),
        Passage("The Bank of Japan kept its rate at 0.5% and said wages were rising.", "B8", "BoJ", None),
    ]
    answer = extractive_answer("What did the Bank of Japan do with its rate?", passages)
    assert_citations_honest(answer, passages)
    assert [c.n for c in answer.citations] == [2]


def test_readers_see_sources_numbered_from_one_in_the_order_cited():
    """Backends cite passage numbers; `ask` shows the reader [1], [2]… in the order the text cites them."""
    from bot.pipeline.citations import cite, renumbered, with_sources
    from bot.pipeline.models import Answer

    passages = [Passage(f"Passage {i} says something.", f"B{i}", f"Title {i}", None) for i in range(1, 6)]
    citations = cite(passages, [2, 4], quotes={2: "Passage 2 says something.", 4: "Passage 4 says something."})
    body = "Passage 4 says something. [4] Passage 2 says something. [2] Both agree [2, 4]."
    shown = renumbered(Answer(with_sources(body, citations), citations))
    assert shown.answer.split("\n\nSources:")[0] == (
        "Passage 4 says something. [1] Passage 2 says something. [2] Both agree [2, 1].")
    assert [(c.n, c.brief, c.passage) for c in shown.citations] == [
        (1, "B4", "Passage 4 says something."), (2, "B2", "Passage 2 says something.")]
    assert shown.answer.endswith("Sources:\n[1] Title 4 (B4)\n[2] Title 2 (B2)")
    plain = renumbered(Answer("A model's answer [3].", cite(passages, [3])))
    assert plain.answer == "A model's answer [1]." and plain.citations[0].brief == "B3"


def test_asked_answers_number_their_sources_from_one(loaded):
    services, _ = loaded
    for question in ["What did OPEC+ agree about oil output?", "What framework did the US and China agree?",
                     "What did the Federal Reserve do with interest rates?"]:
        answer = ask_services(services, question, TEAM, CHANNEL)
        numbers = [c.n for c in answer.citations]
        assert numbers == list(range(1, len(numbers) + 1)), question
        cited = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer.split("\n\nSources:")[0])]
        assert sorted(set(cited)) == numbers and cited[0] == 1, question


# -- events -----------------------------------------------------------------------------------------


@pytest.fixture
def week(services):
    placement = Placement(team=TEAM, channel=CHANNEL)
    ids = {}
    for name, published in [("fed-decision-preview.md", dt.date(2025, 10, 24)),
                            ("japan-fiscal-plans.md", dt.date(2025, 10, 28))]:
        ids[name] = services.ingestor.ingest(Source("file", str(sample(name)), name), placement,
                                             published=published).brief_id
    return services, ids


def test_whats_on_this_week_lists_events_with_dates_and_sources(week):
    services, ids = week
    answer = ask_services(services, "what's on this week?", TEAM, CHANNEL)  # clock: Mon 27 Oct 2025
    assert answer.answer.startswith("Coming up this week:")
    assert "Wed 29 Oct" in answer.answer and "Thu 30 Oct" in answer.answer
    cited = {c.brief for c in answer.citations}
    assert cited == set(ids.values())
    for c in answer.citations:
        record = services.store.get_brief(c.brief)
        line = next(line for line in answer.answer.splitlines() if f"[{c.n}]" in line and line.startswith("•"))
        assert any(e["title"] in line for e in record["events"])  # each event cites the brief it came from


def test_when_is_the_boj_decision(week):
    services, ids = week
    answer = ask_services(services, "When is the BoJ decision?", TEAM, CHANNEL)
    lines = [line for line in answer.answer.splitlines() if line.startswith("•")]
    assert lines and all("BoJ" in line for line in lines)
    assert "Thu 30 Oct" in lines[0]
    assert [c.brief for c in answer.citations] == [ids["japan-fiscal-plans.md"]]


def test_an_event_question_about_an_unknown_topic_is_not_answered_with_other_events(week):
    services, _ = week
    answer = ask_services(services, "When is the ECB decision?", TEAM, CHANNEL)
    assert "BoJ" not in answer.answer and "Fed rate" not in answer.answer


def test_event_windows():
    monday = dt.date(2025, 10, 27)
    assert window_for("what's on this week?", monday).end == dt.date(2025, 11, 2)
    nxt = window_for("anything next week?", monday)
    assert (nxt.start, nxt.end) == (dt.date(2025, 11, 3), dt.date(2025, 11, 9))
    assert is_event_question("When is the BoJ decision?")
    assert not is_event_question("What did the Fed decide?")


def test_format_answer_text_names_the_backend(week):
    services, _ = week
    text = format_answer_text(ask_services(services, "what's on this week?", TEAM, CHANNEL))
    assert text.endswith("[embedded]") and "Sources:" in text


# -- CLI --------------------------------------------------------------------------------------------


@pytest.fixture
def run(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str):
        env = {"OPENAI_API_KEY": "", "BRIEFBOT_BACKEND": "embedded"}
        return runner.invoke(cli, ["--db", str(settings.db_path), *args], env=env)

    return invoke


def test_cli_ask_json_contract(loaded, run):
    result = run("ask", "What did the Federal Reserve do with interest rates?", "--team", TEAM, "--channel", CHANNEL,
                 "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"answer", "citations", "backend"}
    assert data["backend"] == "embedded" and data["citations"]
    assert set(data["citations"][0]) == {"n", "brief", "title", "url", "passage"}
    assert data["citations"][0]["passage"] in data["answer"]


@pytest.mark.parametrize("args", [("ask", ""), ("ask", "   "), ("ask",)])
def test_cli_empty_question_is_a_one_line_error(loaded, run, args):
    result = run(*args)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ")


def test_cli_ask_on_an_empty_store_and_with_hostile_syntax(run):
    for question in ['NEAR("fed" * -rates: AND OR NOT ^boj)', "x" * 5000]:
        result = run("ask", question, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["answer"] == NO_ANSWER


def test_ask_refuses_an_empty_question(services):
    from bot.errors import InputError

    with pytest.raises(InputError):
        ask(services.store, services.backend, "  ", TEAM, CHANNEL, dt.date(2025, 10, 27))


def test_an_institution_asked_by_its_short_name_is_found_by_its_long_name(services):
    from bot.pipeline.ask import ask_services
    from bot.pipeline.ingest import Placement, Source

    text = (
        "# Markets brace for a busy week\n\n## Bank of Japan\n\n"
        "The Bank of Japan will announce its policy decision on Thursday after a two-day meeting. "
        "Most economists expect the central bank to keep its short-term rate unchanged.\n\n"
        "## Oil\n\nOil prices slipped as traders weighed rising supply from producers outside the cartel."
    )
    services.ingestor.ingest(Source("text", text, "t"), Placement(), published=dt.date(2025, 10, 27))
    services.clock.set(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))  # the event is past: answered from the text
    answer = ask_services(services, "When is the BoJ decision?")
    first = answer.answer.split("\n")[0]
    assert first.startswith("The Bank of Japan will announce its policy decision on Thursday") and "[1]" in first
