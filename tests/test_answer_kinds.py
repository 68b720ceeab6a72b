"""Answers of the precise kind asked for: ages, clock times, durations, measures, amounts, counts next to
what is counted, punishments, founders, names given, signings; pointing-back sentences; the article the
question names; passages ranked with their article. Sample articles are written for these tests."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.pipeline.answer_kinds import FOCUSED, KIND, NONE, holds_specific, specific_kind
from bot.pipeline.ask import ask
from bot.pipeline.ingest import Placement, Source
from bot.pipeline.retrieve import retrieve

TEAM, CHANNEL = "T1", "C1"
DAY = dt.date(2025, 6, 2)


@pytest.mark.parametrize("question, kind", [
    ("How old is the new harbour master?", "age"),
    ("At what age did she retire?", "age"),
    ("What time does the ferry leave?", "clock"),
    ("How long is the new documentary?", "duration"),
    ("What is the running time of the play?", "duration"),
    ("How much did the council pay for the site?", "money"),
    ("What is the starting price of the scooter?", "money"),
    ("How large is the engine in the new pickup?", "measure"),
    ("How many spectators saw the final?", "count"),
    ("What punishment did the smuggler receive?", "punishment"),
    ("How many years in prison did the judge give him?", "punishment"),
    ("Who founded the bakery chain?", "founder"),
    ("What is the name of the new vaccine?", "called"),
    ("Which record label did the band join?", "signing"),
    ("Which club gave the striker a contract?", "signing"),
    ("How many people did the mill employ?", None),  # too general to look for next to the number
    ("Why did the bridge close?", None),
])
def test_questions_map_to_precise_kinds(question, kind):
    assert specific_kind(question) == kind


@pytest.mark.parametrize("sentence, question, strength", [
    ("The 58-year-old took over in March.", "How old is the harbour master?", KIND),
    ("The mayor, 41, said the quay would reopen.", "How old is the mayor?", KIND),
    ("He died aged 87 at his home.", "How old was he?", KIND),
    ("She said the quay would reopen soon.", "How old is the mayor?", NONE),
    ("Boats leave at 7:30 p.m. every Friday.", "What time do boats leave?", KIND),
    ("The last crossing is at 20:15.", "What time is the last crossing?", KIND),
    ("It is a 95-minute film about salt.", "How long is the film?", KIND),
    ("The film was shot over two years in the north.", "How long did the shoot take?", KIND),
    ("The film is about salt and the people who harvest it.", "How long is the film?", NONE),
    ("The pickup gets a 3.5-liter V6 engine.", "How large is the engine in the pickup?", FOCUSED),
    ("The pickup is 5.8 metres long and its engine is new.", "How large is the engine in the pickup?", NONE),
    ("Tickets cost £12 for adults.", "How much do tickets cost?", KIND),
    ("The shares will sell at 88 Hong Kong dollars each.", "At what price per share will they sell?", KIND),
    ("More than 30,000 fans packed the stadium.", "How many spectators saw the final?", FOCUSED),
    ("The club said 30,000 tickets were printed and two stewards were hurt.", "How many spectators saw it?", NONE),
    ("He was sentenced to six years in prison.", "What punishment did he receive?", KIND),
    ("The brains behind the bakery are two former nurses.", "Who founded the bakery?", KIND),
    ("The bakery launched a rye loaf last year.", "Who founded the bakery?", NONE),  # a product launch
    ("The new vaccine, dubbed Orvex, is given in two doses.", "What is the name of the new vaccine?", KIND),
    ("The band signed with Northlight Records in May.", "Which record label did the band join?", KIND),
])
def test_sentences_hold_the_kind_written_as_news_writes_it(sentence, question, strength):
    assert holds_specific(sentence, specific_kind(question), question) == strength


def test_a_number_the_question_states_is_not_its_answer():
    question = "How old is the 58-year-old harbour master's deputy?"
    assert holds_specific("The 58-year-old harbour master named a deputy.", "age", question) == NONE
    assert holds_specific("The deputy, 36, starts on Monday.", "age", question) == KIND


HARBOUR = """# Harbour gets a new master

The port authority of Lindvik named a fjord pilot its new harbour master on Monday, ending a search that
lasted most of the winter. The new harbour master replaces a predecessor who left for a post in the capital.
The 58-year-old spent two decades piloting cargo ships through the fjord before moving ashore.
The harbour master will oversee the dredging of the inner basin, which the port authority says will let larger
ferries dock. The dredging is due to finish before the summer season, the authority said.

Local fishermen welcomed the appointment. The harbour handled more cargo last year than in any year
since the canal opened, and the authority expects the dredging to add ferry routes."""

BAKERY = """# Rye bakery opens a tenth shop

Kornhus, the rye bakery chain, opened its tenth shop on Saturday in the old market hall. The chain sells
sourdough loaves and cardamom buns and says queues formed before the doors opened. Kornhus launched a
seeded rye loaf last year and now bakes it in every shop. The brains behind Kornhus are two
former nurses from Lindvik, who baked bread at night while working hospital shifts. The chain plans
two more shops in the autumn, and each shop employs about a dozen bakers."""

CUP_FINAL = """# Harbour Rovers lift the cup

Harbour Rovers beat Millbrook 3-1 in the regional cup final on Sunday. Their captain scored twice for the
Rovers and the goalkeeper saved a penalty in the second half. Millbrook's coach said the result was fair.
More than 14,000 fans packed the old stadium for the final, the largest crowd in its history. The Rovers
will parade the trophy through the town on Tuesday."""

SMUGGLING = """# Smuggler jailed over tobacco haul

A court in Lindvik convicted the owner of the haulage firm Nordfrakt of smuggling two tonnes of tobacco through the port in a
refrigerated lorry. Customs officers found the tobacco hidden behind crates of frozen fish in March.
The Nordfrakt owner was sentenced to four years in prison on Friday. The judge said the scheme had cost the
treasury millions in lost duty. Two drivers who worked for him were cleared."""

WEDDING_A = """# Couple marry at the lighthouse

Two sailing instructors will marry at the old Lindvik lighthouse on Saturday after meeting on a sailing course.
Around 60 guests are expected at the wedding, and the couple will leave the party by rowing boat.
The lighthouse keeper said it was the first wedding held at the site in forty years."""

WEDDING_B = """# Champion skier to wed at home

The champion skier will marry her long-time partner in her home village of Tindfjell this weekend. She
has said the day will be small, with family and a few friends from the ski circuit. About 40 guests
will attend the wedding in the Tindfjell church. She returns to training next month."""


def ingest_text(services, text: str) -> str:
    return services.ingestor.ingest(Source("text", text, "sample"), Placement(team=TEAM, channel=CHANNEL),
                                    published=DAY).brief_id


def first_sentence(answer) -> str:
    return answer.answer.split(" [")[0]


def test_age_comes_from_the_sentence_that_points_back_at_the_person(services):
    brief = ingest_text(services, HARBOUR)
    for other in (BAKERY, CUP_FINAL):
        ingest_text(services, other)
    answer = ask(services.store, services.backend, "How old is Lindvik's new harbour master?", TEAM, CHANNEL, DAY)
    assert "58-year-old" in first_sentence(answer)
    assert [c.brief for c in answer.citations] == [brief]


def test_founder_count_and_punishment_lead_with_the_answering_sentence(services):
    bakery, final, smuggling = (ingest_text(services, t) for t in (BAKERY, CUP_FINAL, SMUGGLING))
    ingest_text(services, HARBOUR)
    cases = [
        ("Who started the Kornhus bakery chain?", "two former nurses", bakery),
        ("How many spectators watched the regional cup final between the Rovers and Millbrook?", "14,000", final),
        ("What punishment did the Nordfrakt owner get for the tobacco smuggling?", "four years in prison", smuggling),
    ]
    for question, expected, brief in cases:
        answer = ask(services.store, services.backend, question, TEAM, CHANNEL, DAY)
        assert expected in first_sentence(answer), (question, answer.answer)
        assert [c.brief for c in answer.citations] == [brief]  # one sentence, from one source


def test_the_article_the_question_names_answers_not_a_similar_one(services):
    ingest_text(services, WEDDING_A)
    skier = ingest_text(services, WEDDING_B)
    answer = ask(services.store, services.backend, "How many guests are expected at the Tindfjell wedding?",
                 TEAM, CHANNEL, DAY)
    assert "40 guests" in first_sentence(answer)
    assert [c.brief for c in answer.citations] == [skier]


def test_off_topic_questions_of_every_kind_stay_unanswered(services):
    for text in (HARBOUR, BAKERY, CUP_FINAL, SMUGGLING, WEDDING_A, WEDDING_B):
        ingest_text(services, text)
    for question in ("How old is the Dalai Lama?", "What time does the Louvre open?",
                     "Who founded the Ottoman Empire?", "How large is the engine of a Boeing 747?",
                     "What punishment did Al Capone receive?", "How many moons does Saturn have?"):
        answer = ask(services.store, services.backend, question, TEAM, CHANNEL, DAY)
        assert answer.citations == [], (question, answer.answer)


SCHOOL = """# School board reviews phone rules

The Lindvik school board met on Thursday to review its rules on phones in class. Teachers said pupils
who smuggle phones into exams should face a tougher punishment than a warning. Parents asked for
clearer rules. The board will vote in June."""


def test_the_passage_holding_the_answer_ranks_first(services):
    """A long article whose answer sits in one of many chunks, and a short one that shares the question's
    "punishment" and "smuggle": the sentence that holds a punishment comes first."""
    searches = "\n\n".join(
        f"Customs officers described search number {n} of lorries at the ferry terminal in the weeks before the "
        f"tobacco was found; the lorries carried timber, paper and fish, and each search took about an hour."
        for n in range(1, 25))
    smuggling = ingest_text(services, SMUGGLING.replace("The Nordfrakt owner was sentenced",
                                                         searches + "\n\nThe Nordfrakt owner was sentenced"))
    ingest_text(services, SCHOOL)
    ingest_text(services, HARBOUR)
    question = "What punishment did the smuggler from Nordfrakt get for hiding tobacco in a lorry?"
    passages = retrieve(services.store, question, TEAM, CHANNEL, limit=5)
    assert passages[0].brief_id == smuggling
    assert "sentenced to four years" in passages[0].text


FISHERIES = """# Ministers agree new fishing quotas

Fisheries ministers agreed on Tuesday on a package of quotas for next year after two days of talks in
Lindvik, easing fears of a dispute between the coastal states. The package covers cod, herring and
mackerel, and sets aside money for harbours that lose catches.

The herring quota falls by a tenth, to protect spawning grounds in the northern fjords. Cod catches may
rise slightly, and mackerel stays at this year's level, the ministers said."""


def test_a_closing_about_phrase_names_what_the_answer_is_about(services):
    """The question's frame ("what did ministers agree") fits the lead; its topic ("on herring") the answer."""
    brief = ingest_text(services, FISHERIES)
    for question in ("What did the ministers agree on herring?", "What did the ministers say about herring?"):
        answer = ask(services.store, services.backend, question, TEAM, CHANNEL, DAY)
        assert "herring" in first_sentence(answer), (question, answer.answer)
        assert [c.brief for c in answer.citations] == [brief]


FERRY_PASS = """# Ferry pass goes on sale

The harbour ferry company put its winter season pass on sale on Monday, and said queues formed at the
terminal before the ticket office opened. Regular riders can try the service free for 14 days before
they buy a pass, the company said.

To switch an existing ticket to the season pass:
- Sign up for a rider account on the company website
- If you already hold a monthly ticket, visit the ticket office to upgrade
- Buy the pass with the same email as your rider account
The company said the pass would be sold until the end of March."""


def test_a_list_is_not_glued_into_one_answer(services):
    brief = ingest_text(services, FERRY_PASS)
    answer = ask(services.store, services.backend, "How do I switch my monthly ticket to the season pass?",
                 TEAM, CHANNEL, DAY)
    first = first_sentence(answer)
    assert [c.brief for c in answer.citations] == [brief]
    assert "\n" not in first and first.count("- ") <= 1, answer.answer  # one item, not the list
