"""Pages are read in child processes in the Slack bot: a page that spins or crashes costs its own link an
error reply, never the bot its acks, its health check or the other links."""

from __future__ import annotations

import os
import threading
import time

import pytest

from bot.errors import ExtractionError
from bot.page_reader import ProcessPageReader
from bot.pipeline.ingest import read_page
from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.fake_slack import fake_slack, slack_bot  # noqa: F401 - fixtures
from tests.helpers.page_targets import CRASH, SPIN, pid_of_reader, spin_or_crash
from tests.helpers.store_peek import job_rows
from tests.test_slack_e2e import RATES_HTML, _brief_posts

URL = "http://127.0.0.1:9/rates"


@pytest.fixture
def reader():
    made: list[ProcessPageReader] = []

    def make(**kwargs) -> ProcessPageReader:
        made.append(ProcessPageReader(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_a_page_read_in_a_child_is_the_page_read_here(reader):
    here = read_page(RATES_HTML, URL, "text/html")
    there = reader(workers=1)(RATES_HTML, URL, "text/html")
    assert there == here
    assert "Central bank signals a pause" in there.article.title
    assert reader(workers=1, target=pid_of_reader)(RATES_HTML, URL, "text/html") != os.getpid()


def test_a_spinning_page_is_stopped_and_the_next_page_is_read(reader):
    pages = reader(workers=1, timeout=1.0, target=spin_or_crash)
    started = time.monotonic()
    with pytest.raises(ExtractionError, match=r"^the page took longer than 1 s to read$"):
        pages(RATES_HTML + SPIN, URL, "text/html")
    assert time.monotonic() - started < 10
    assert "Central bank" in pages(RATES_HTML, URL, "text/html").article.title  # a new child reads it


def test_a_crashing_page_is_an_error_and_a_page_read_beside_it_survives(reader):
    pages = reader(workers=2, timeout=30.0, target=spin_or_crash)
    results: dict[str, object] = {}

    def read(name: str, text: str) -> None:
        try:
            results[name] = pages(text, URL, "text/html").article.title
        except ExtractionError as err:
            results[name] = err

    threads = [threading.Thread(target=read, args=("crash", RATES_HTML + CRASH)),
               threading.Thread(target=read, args=("fine", RATES_HTML))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert isinstance(results["crash"], ExtractionError)
    assert str(results["crash"]) == "the page crashed the article reader"
    assert "Central bank" in results["fine"]


def test_a_closed_reader_reads_nothing(reader):
    pages = reader(workers=1)
    pages.close()
    with pytest.raises(ExtractionError, match="shutting down"):
        pages(RATES_HTML, URL, "text/html")


def test_slack_gets_one_error_reply_for_a_spinning_page_and_keeps_acking(slack_bot, article_server):  # noqa: F811
    """Through the whole bot: the link that spins gets one error reply; meanwhile events are acked, the
    health check answers and another link gets its brief."""
    fake, events = slack_bot.fake, slack_bot.events
    slack_bot.runtime.page_reader.target = spin_or_crash
    slack_bot.runtime.page_reader.timeout = 5.0
    article_server.html("/spin", RATES_HTML + SPIN)
    article_server.html("/rates", RATES_HTML)
    stuck = events.message(f"<{article_server.url('/spin')}>")
    assert events.event(stuck).status == 200
    fine = events.message(f"<{article_server.url('/rates')}>")
    acked = time.monotonic()
    assert events.event(fine).status == 200
    assert time.monotonic() - acked < 3.0  # Slack's limit, however loaded the machine running the test
    fake.wait_for(lambda: _brief_posts(fake, "C0NEWS", fine["ts"]))
    note = fake.wait_for(lambda: fake.posts("C0NEWS", stuck["ts"]))
    assert len(note) == 1 and "took longer than 5 s to read" in note[0].args["text"]
    def states() -> dict:
        return {j["source"].rsplit("/", 1)[1]: j["state"] for j in job_rows(slack_bot.store)}

    fake.wait_for(lambda: states() == {"spin": "failed", "rates": "done"})  # recorded after the reply
