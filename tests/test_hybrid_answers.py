"""Hybrid retrieval and answers that lead with the fact: RRF, the embeddings path against the OpenAI stub,
relative days dated, `ask --date`, off-topic refusals, citations with their passage."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.pipeline.ask import ask
from bot.pipeline.ingest import Placement, Source
from bot.pipeline.lexicon import answer_type, concepts, number_concepts
from bot.pipeline.models import NO_ANSWER
from bot.pipeline.retrieve import retrieve
from bot.pipeline.rrf import fuse
from bot.services import build_services
from tests.helpers.openai_stub import OpenAIStub

TEAM, CHANNEL = "T1", "C1"

COUCH = """# Nordic couch maker expands

Lindqvist Mobler, the family couch maker based in Vaxjo, said its workshop now employs 140 carpenters. The
firm plans to open a second workshop in the spring. Orders from hotels doubled over the past year.

Its oak frames are sourced from certified forests, the company said, and each couch is upholstered by
hand."""

MATCH_REPORT = """# Rovers beat United in the cup

Rovers beat United 2-1 on Sunday in front of 18,000 fans. The club said on Monday that its new stadium
will open on Tuesday, November 11. The striker who scored both goals, Ana Ruiz, signed last summer."""


def ingest_text(services, text: str, published: dt.date, channel: str = CHANNEL) -> str:
    source = Source("text", text, "sample")
    return services.ingestor.ingest(source, Placement(team=TEAM, channel=channel), published=published).brief_id


# -- reciprocal-rank fusion ---------------------------------------------------------------------------


def test_rrf_puts_agreement_first_then_either_lists_top():
    lexical = ["a", "b", "c", "d"]
    dense = ["c", "e", "a", "f"]
    fused = fuse([lexical, dense])
    assert fused[:2] == ["a", "c"]  # in both lists, high in both
    assert set(fused) == {"a", "b", "c", "d", "e", "f"}
    assert fused.index("b") < fused.index("d") and fused.index("e") < fused.index("f")
    assert fuse([["x", "y"], []]) == ["x", "y"]  # one side empty: that side's order
    assert fuse([[], []]) == []


# -- lexicon ------------------------------------------------------------------------------------------


def test_number_forms_and_aliases_compare_equal():
    assert number_concepts("$8.8 billion") == number_concepts("8.8bn") == number_concepts("8,800 million")
    assert number_concepts("two hours") == number_concepts("2 hours")
    assert "@boj" in concepts("The BoJ held") and "@boj" in concepts("The Bank of Japan held")
    assert "@us" in concepts("American buyers") and "@us" in concepts("the United States")
    assert "@us" not in concepts("let us know")  # the pronoun is not the country
    assert concepts("a new levy") & concepts("tariffs on steel")
    assert answer_type("How many people did it employ?") == "number"
    assert answer_type("When will the plant open?") == "date"
    assert answer_type("Who founded the company?") == "name"
    assert answer_type("Why did rates fall?") is None


# -- the embeddings path against the OpenAI stub --------------------------------------------------------


@pytest.fixture
def embedding_stub():
    stub = OpenAIStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def oa_embed(settings, clock, embedding_stub, tmp_path):
    svc = build_services(dataclasses.replace(
        settings, db_path=str(tmp_path / "openai.db"), backend="openai", openai_api_key="sk-test", openai_base_url=embedding_stub.base_url,
        openai_timeout=5.0, embedding_model="text-embedding-3-small", embedding_dimensions=64), clock=clock)
    yield svc
    svc.close()


def test_paraphrase_is_found_through_embeddings_only(oa_embed, embedding_stub, services):
    question = "Which settee outfit uses craftsmen?"  # no word of the article's, no lexicon synonym
    brief = ingest_text(oa_embed, COUCH, dt.date(2025, 10, 20))
    assert len(embedding_stub.embedding_requests) == 1  # one batched call for the new article
    sent = embedding_stub.embedding_requests[0].body
    assert sent["model"] == "text-embedding-3-small" and sent["dimensions"] == 64 and len(sent["input"]) >= 1
    assert oa_embed.store.count_chunk_vectors("text-embedding-3-small") == len(sent["input"])

    passages = retrieve(oa_embed.store, question, TEAM, CHANNEL)
    assert passages == []  # the lexical side alone finds nothing
    embedding_stub.default = "ok"
    answer = ask(oa_embed.store, oa_embed.backend, question, TEAM, CHANNEL, dt.date(2025, 10, 27))
    assert len(embedding_stub.embedding_requests) == 2  # one query embedding per question
    assert brief in {c.brief for c in answer.citations}


    # without an embedder (the embedded backend over another store) the paraphrase stays unanswered
    ingest_text(services, COUCH, dt.date(2025, 10, 20))
    assert ask(services.store, services.backend, question, TEAM, CHANNEL, dt.date(2025, 10, 27)).citations == []


COUCH_HTML = ("<html><head><title>Nordic couch maker expands</title></head><body><article><h1>Nordic couch maker "
              "expands</h1>" + "".join(f"<p>{p}</p>" for p in COUCH.split("\n\n")[1:]) + "</article></body></html>")


def test_a_repeated_article_is_never_embedded_again(oa_embed, embedding_stub, article_server):
    article_server.html("/couch", COUCH_HTML)
    article_server.html("/mirror/couch", COUCH_HTML)  # the same text under another URL
    first = oa_embed.ingestor.ingest(Source.parse(article_server.url("/couch")), Placement(TEAM, CHANNEL))
    calls, vectors = len(embedding_stub.embedding_requests), oa_embed.store.count_chunk_vectors()
    assert calls == 1 and vectors >= 1
    again = oa_embed.ingestor.ingest(Source.parse(article_server.url("/couch")), Placement(TEAM, "C2"))
    mirror = oa_embed.ingestor.ingest(Source.parse(article_server.url("/mirror/couch")), Placement(TEAM, "C3"))
    assert again.reused and mirror.reused and first.brief_id != mirror.brief_id
    assert len(embedding_stub.embedding_requests) == calls  # no new embedding call for either
    assert oa_embed.store.count_chunk_vectors() == 2 * vectors  # the mirror's chunks got the same vectors


def test_embedding_calls_are_counted_in_usage(oa_embed):
    ingest_text(oa_embed, COUCH, dt.date(2025, 10, 20))
    assert oa_embed.store.tokens_used(TEAM, "2025-10-27") > 0  # the clock's day: counted in the budget
    assert any(r["model"] == "text-embedding-3-small" for r in oa_embed.store.usage_by_model())


def test_an_embedding_outage_never_loses_the_brief(oa_embed, embedding_stub):
    embedding_stub.embeddings_fail = True
    brief = ingest_text(oa_embed, COUCH, dt.date(2025, 10, 20))
    assert oa_embed.store.get_brief(brief) is not None
    assert oa_embed.store.count_chunk_vectors() == 0
    answer = ask(oa_embed.store, oa_embed.backend, "How many carpenters does Lindqvist employ?", TEAM, CHANNEL,
                 dt.date(2025, 10, 27))
    assert "140" in answer.answer  # lexical retrieval still answers


# -- answers ------------------------------------------------------------------------------------------


def test_answer_leads_with_the_fact_and_dates_relative_days(services):
    ingest_text(services, MATCH_REPORT, dt.date(2025, 11, 3))  # a Monday
    answer = ask(services.store, services.backend, "How many fans watched Rovers beat United?", TEAM, CHANNEL,
                 dt.date(2025, 12, 1))
    first = answer.answer.split(" [")[0]
    assert "18,000" in first
    assert "on Sunday (2 Nov 2025)" in first  # the relative day, resolved from the publication date
    assert answer.citations[0].passage == first  # the citation carries the sentence quoted


def test_when_question_reads_the_events_table(services):
    ingest_text(services, MATCH_REPORT, dt.date(2025, 11, 3))
    answer = ask(services.store, services.backend, "When will the new Rovers stadium open?", TEAM, CHANNEL,
                 dt.date(2025, 11, 3))
    assert "11 Nov" in answer.answer and answer.citations


@pytest.mark.parametrize("question", [
    "What is the boiling point of liquid nitrogen?", "Who composed the opera Rusalka?",
    "When did the Hubble Space Telescope launch?", "What is the capital of Sweden?",
    "How tall is the tallest tower in the world?",
])
def test_off_topic_questions_get_no_citation(services, question):
    ingest_text(services, COUCH, dt.date(2025, 10, 20))
    ingest_text(services, MATCH_REPORT, dt.date(2025, 11, 3))
    answer = ask(services.store, services.backend, question, TEAM, CHANNEL, dt.date(2025, 11, 5))
    assert answer.citations == [] and answer.answer == NO_ANSWER


def test_cli_ask_date_and_passage_in_json(settings, tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "cli.db")
    page = tmp_path / "match.md"
    page.write_text(MATCH_REPORT, encoding="utf-8")
    assert runner.invoke(cli, ["--db", db, "ingest", str(page), "--published", "2025-11-03"]).exit_code == 0
    on_day = runner.invoke(cli, ["--db", db, "ask", "what's on this week?", "--date", "2025-11-10", "--json"])
    assert on_day.exit_code == 0, on_day.output
    data = json.loads(on_day.output)
    assert "11 Nov" in data["answer"] and data["citations"]
    later = runner.invoke(cli, ["--db", db, "ask", "what's on this week?", "--date", "2025-12-01", "--json"])
    assert json.loads(later.output)["citations"] == []  # as of another week: nothing on
    fact = json.loads(runner.invoke(cli, ["--db", db, "ask", "How many fans watched Rovers beat United?",
                                          "--json"]).output)
    assert "18,000" in fact["citations"][0]["passage"]
    bad = runner.invoke(cli, ["--db", db, "ask", "anything?", "--date", "11/10/2025"])
    assert bad.exit_code != 0 and "Error: --date '11/10/2025'" in bad.output


def test_dense_search_through_the_shortlist_finds_the_nearest_chunk(oa_embed, monkeypatch):
    import storage.vectors as vectors
    from tests.helpers.openai_stub import embed_text

    monkeypatch.setattr(vectors, "SHORTLIST", 2)
    monkeypatch.setattr(vectors, "HEAD_DIMS", 8)  # 64-float stub vectors: the two-step scan is used
    ingest_text(oa_embed, COUCH, dt.date(2025, 10, 20))
    match = ingest_text(oa_embed, MATCH_REPORT, dt.date(2025, 11, 3))
    ingest_text(oa_embed, "# Rain\n\nHeavy rain flooded the valley roads on Friday and closed two schools.",
                dt.date(2025, 11, 4))
    hits = oa_embed.store.nearest_chunks(embed_text(MATCH_REPORT.split("\n\n", 1)[1]), TEAM, CHANNEL, 1,
                                         model="text-embedding-3-small")
    assert [h["brief_id"] for h in hits] == [match]
    assert oa_embed.store.nearest_chunks(embed_text("rain"), "T2", CHANNEL, 3, model="text-embedding-3-small") == []


def test_embedding_settings():
    from bot.config import load_settings

    keyed = load_settings({"OPENAI_API_KEY": "sk-test"}, dotenv=False)
    assert keyed.embedding_model == "text-embedding-3-small" and keyed.embedding_dimensions == 256
    off = load_settings({"OPENAI_API_KEY": "sk-test", "BRIEFBOT_EMBEDDING_MODEL": "off"}, dotenv=False)
    assert off.embedding_model is None
    other = load_settings({"OPENAI_API_KEY": "sk-test", "BRIEFBOT_EMBEDDING_MODEL": "nomic-embed-text"},
                          dotenv=False)
    assert other.embedding_model == "nomic-embed-text" and other.embedding_dimensions is None
    assert load_settings({}, dotenv=False).embedding_model is None  # no key: no remote embeddings


def test_model_answers_cite_their_supporting_sentence_and_see_dated_days(oa_embed, embedding_stub):
    ingest_text(oa_embed, COUCH, dt.date(2025, 10, 20))
    ingest_text(oa_embed, MATCH_REPORT, dt.date(2025, 11, 3))
    embedding_stub.push({"answer": "Rovers won in front of 18,000 fans [1]. It was a cup tie [9]."})
    answer = ask(oa_embed.store, oa_embed.backend, "How many fans watched Rovers beat United?", TEAM, CHANNEL,
                 dt.date(2025, 12, 1))
    assert "[9]" not in answer.answer and [c.n for c in answer.citations] == [1]  # invalid citation dropped
    assert "18,000" in answer.citations[0].passage and "Rovers" in answer.citations[0].passage
    prompt = embedding_stub.requests[-1].messages[-1]["content"]
    assert "on Sunday (2 Nov 2025)" in prompt  # the passages the model reads carry the resolved date


def test_slack_answer_quotes_the_passage_under_the_answer_escaped_and_links_the_thread():
    from bot.pipeline.models import Answer, Citation
    from bot.slack.blocks import answer_message

    quote = "Rates held at 0.5% <!channel> & more"
    answer = Answer(f"{quote} [1]", [Citation(1, "B7", "Rate decision", "https://news.test/a", passage=quote)])
    msg = answer_message(answer, {"B7": "https://team.slack.test/archives/C1/p1"})
    context = json.dumps(msg.blocks[-1])
    assert "Rates held at 0.5% &lt;!channel&gt; &amp; more" in context  # the quoted sentence, escaped
    assert "<!channel>" not in context
    assert "https://team.slack.test/archives/C1/p1|B7" in context  # the brief's thread
