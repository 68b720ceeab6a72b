"""Story text in markup trafilatura distrusts survives extraction; menus and link lists still do not.

The page (tests/fixtures/html/loose_prose.html, written for this test) is laid out like an older CMS: the
story's paragraphs are loose text in a <div> separated by <br>s and headings, a link sits mid-sentence in
a <span class="link">, a deal heading carries an empty anchor, a list holds figures in link text, and the
page around it has a topic menu, a promo box of links, share links, a related-stories list, comments and
a footer. Served over HTTP on 127.0.0.1 and fetched by the real fetcher, as a pasted link would be.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from bot.pipeline.extract import extract_html
from bot.pipeline.fetch import FetchPolicy, fetch
from bot.pipeline.prose_html import drop_empty_links, unwrap_sentence_links, wrap_loose_text
from tests.helpers.article_server import ArticleServer

PAGE = (Path(__file__).parent / "fixtures" / "html" / "loose_prose.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def budget_article():
    with ArticleServer() as server:
        server.route("/2025/11/budget", PAGE.encode("utf-8"))
        page = fetch(server.url("/2025/11/budget"), FetchPolicy(allow=("127.0.0.1",), total_timeout=5))
    return extract_html(page.text, url=page.url)


@pytest.mark.parametrize("sentence", [
    # the story's opening: the container's own text before the first <br>, ending in link text
    "The Harbour City council approved a 412 million dollar budget on Monday night after a four-hour debate, "
    "according to the figures first reported by the weekly Harbour Ledger.",
    # a link wrapped in <span class="link"> in the middle of the sentence
    "Councillors also agreed to raise on-street parking fees by 15 percent in the old town from January",
    # loose text after a heading, and the heading with an empty anchor
    "The monthly ferry season pass will cost $39.99 instead of $52 from 1 December",
    "Ferry season pass cut to $39.99",
    # a list item whose figure is link text
    "- The central library will open until 9 p.m. on weekdays, at a cost of 1.2 million dollars a year.",
    # the paragraphs that were extracted before keep coming through
    "The plan keeps the property tax rate flat for a third year",
    "The mayor said the council would review ferry ridership in June",
])
def test_story_text_in_loose_markup_survives(budget_article, sentence):
    assert sentence in " ".join(budget_article.text.split())


def test_the_deal_heading_is_its_own_paragraph(budget_article):
    assert "Ferry season pass cut to $39.99" in budget_article.text.split("\n\n")


@pytest.mark.parametrize("junk", [
    "Weather",  # topic menu
    "Winter roadworks map", "Closures on the northern ring road",  # promo box of links
    "Share on Social", "Email this story",  # share links
    "More from City Hall", "Council sets the dates", "Harbour dredging contract",  # related stories
    "Nobody asked the people", "my kids will finally",  # comments
    "All rights reserved", "Privacy",  # footer
])
def test_menus_related_links_and_footer_stay_out(budget_article, junk):
    assert junk not in budget_article.text


def _tree(body: str):
    return lxml_html.fromstring(f"<html><body>{body}</body></html>")


def test_a_lone_caption_or_credit_block_is_not_turned_into_a_paragraph():
    tree = _tree('<div class="photo"><div class="Caption">The mayor, centre, walks past the ferry terminal '
                 'during the opening of the new pier on Monday morning.</div></div>')
    assert wrap_loose_text(tree) == 0
    assert tree.find(".//p") is None


def test_link_only_runs_and_bylines_are_not_wrapped():
    tree = _tree('<div class="body">Story by <a href="/a">A Writer</a> and <a href="/b">B Writer</a>'
                 '<br><a href="/c">A related headline that is only link text and nothing else</a>'
                 '<p>A paragraph that is already a paragraph and holds more than eight words.</p></div>')
    assert wrap_loose_text(tree) == 0


def test_only_link_wrappers_inside_a_running_sentence_are_unwrapped():
    tree = _tree('<p>The council agreed <span class="link"><a href="/x">to raise fees</a></span> in January.</p>'
                 '<p>Related: <span class="link"><a href="/y">Another story</a></span></p>'
                 '<p>Text then <span class="badge">Sponsored <a href="/z">offer</a></span> more text.</p>')
    assert unwrap_sentence_links(tree) == 1
    assert [s.text_content() for s in tree.iter("span")] == ["Another story", "Sponsored offer"]


def test_empty_links_go_from_headings_but_not_from_menus():
    tree = _tree('<h2>Ferry season pass cut to $39.99<a href="#pass"></a></h2>'
                 '<ul><li><a href="/fb"></a></li><li><a href="/x"><img src="x.png"></a></li></ul>')
    assert drop_empty_links(tree) == 1
    assert len(tree.findall(".//a")) == 2


# A page without <p>s at all: trafilatura keeps one-paragraph <div>s there ("div mode"), but never the
# own text of a <section>. The section's runs must survive without costing the intro and closing <div>s.
NO_PARAGRAPHS_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Night ferry timetable changes from December</title></head><body>
<ul class="menu"><li><a href="/">Home</a></li><li><a href="/ferries">Ferries</a></li><li><a href="/buses">Buses</a></li></ul>
<article>
<h1>Night ferry timetable changes from December</h1>
<div class="intro"><strong>The night ferry across the harbour will run every forty minutes instead of every
hour from the first of December, the transport office said on Friday.</strong></div>
<section class="text">The change follows a survey of late-shift workers at the port, two thirds of whom said
they had missed the last boat at least once a month during the summer season.
<h2>New departure times</h2>
The first night departure leaves the north pier at 23:10 and the last one at 04:30, seven sailings in all,
with the fare unchanged at 2.40 for a single trip.
<br><br>Bicycles remain free on every sailing, but the office asks riders to board through the rear ramp.</section>
<div class="outro">Questions about the new timetable can be sent to the harbour transport office by post.</div>
</article>
<div class="site-links"><a href="/about">About</a> <a href="/contact">Contact</a> <a href="/privacy">Privacy</a></div>
</body></html>"""


def test_a_page_without_paragraphs_keeps_section_text_and_its_one_paragraph_divs():
    text = " ".join(extract_html(NO_PARAGRAPHS_PAGE, url="https://ferries.example.com/night").text.split())
    for sentence in (
        "The night ferry across the harbour will run every forty minutes instead of every hour",
        "The change follows a survey of late-shift workers at the port",
        "The first night departure leaves the north pier at 23:10 and the last one at 04:30",
        "Bicycles remain free on every sailing",
        "Questions about the new timetable can be sent to the harbour transport office by post.",
    ):
        assert sentence in text
    for junk in ("Home", "Buses", "Privacy"):
        assert junk not in text
