"""Article extraction from original HTML fixtures, and the text/Markdown path for pasted input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.errors import ExtractionError, InputError
from bot.pipeline.extract import article_from_text, extract_html, strip_markdown
from bot.pipeline.fetch import FetchPolicy, fetch, find_canonical_link
from tests.helpers import article_server as _server_helpers

article_server = _server_helpers.article_server  # the fixture, usable without a conftest

FIXTURES = Path(__file__).parent / "fixtures" / "html"
NEWS_URL = "https://news.example.com/markets/boj-holds-rates"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def news():
    return extract_html(fixture("news_article.html"), url=NEWS_URL)


def test_news_article_body_is_kept(news):
    assert news.text.startswith("The Bank of Japan left its short-term policy rate unchanged on Thursday")
    assert "Large companies have signalled another round of sizeable pay rises" in news.text
    assert news.text.rstrip().endswith("side effects of its past bond purchases.")
    assert len(news.text.split()) > 150


@pytest.mark.parametrize("junk", [
    "Subscribe for full access",  # navigation
    "CloudTerminal Pro",  # banner ad
    "smartest savings account",  # inline sponsored block
    "Five charts that explain the yen",  # related links
    "nobody listens",  # comments
    "Wake me up when they actually hike",
    "morning newsletter",  # newsletter box
    "All rights reserved",  # footer
    "Cookie settings",
    "dataLayer",  # scripts
    "Read more:",  # in-article promotion line
])
def test_news_article_boilerplate_removed(news, junk):
    assert junk not in news.text


def test_title_not_repeated_in_body(news):
    assert news.title == "Bank of Japan keeps rates steady as yen weakens"
    assert not news.text.startswith(news.title)


def test_news_article_metadata(news):
    assert news.author == "Economics Desk"
    assert news.published == dt.date(2025, 10, 30)
    assert news.site == "Example Daily"
    assert news.url == NEWS_URL
    assert news.language == "en"


def test_paragraphs_are_separated(news):
    paragraphs = news.text.split("\n\n")
    assert len(paragraphs) >= 6
    assert all(p.strip() == p and p for p in paragraphs)


@pytest.mark.parametrize("name", ["script_only.html", "paywall_teaser.html"])
def test_pages_without_article_text_raise(name):
    with pytest.raises(ExtractionError) as info:
        extract_html(fixture(name), url="https://news.example.com/story/12345")
    assert str(info.value) == "no article text found — paywall or script-only page?"


@pytest.mark.parametrize("html", ["", "   \n ", "<html><body></body></html>", "not html at all"])
def test_empty_or_tiny_input_raises(html):
    with pytest.raises(ExtractionError):
        extract_html(html)


def test_extract_without_url_uses_page_metadata():
    article = extract_html(fixture("news_article.html"))
    assert article.url == "https://news.example.com/markets/boj-holds-rates"
    assert article.title == "Bank of Japan keeps rates steady as yen weakens"


def test_fetch_then_extract_end_to_end(article_server):
    """The real path: bytes over HTTP in a legacy charset, decoded by the fetcher, extracted here."""
    html = fixture("news_article.html").replace('<meta charset="utf-8">', "").replace("yen's", "yen’s")
    article_server.route("/markets/boj", html.encode("cp1252"), headers={"Content-Type": "text/html"})
    page = fetch(article_server.url("/markets/boj?utm_source=slack"), FetchPolicy(allow=("127.0.0.1",),
                                                                                   total_timeout=5))
    article = extract_html(page.text, url=page.url)
    assert "the yen’s slide became disorderly" in article.text
    assert article.url == article_server.url("/markets/boj")
    assert find_canonical_link(page.text, page.url) == NEWS_URL


# ------------------------------------------------------------------------------------ text and Markdown

MARKDOWN = """# Fed holds rates, signals patience

The **Federal Reserve** kept its benchmark rate unchanged on Wednesday, and the *statement* noted that
[inflation data](https://example.com/cpi "CPI") had cooled.

## What comes next

- Officials see __two__ cuts next year.
* The balance-sheet runoff continues.

> Markets had priced in a pause.

![chart of rates](https://example.com/chart.png)
"""


def test_markdown_heading_becomes_title_and_markup_is_stripped():
    article = article_from_text(MARKDOWN, url="https://example.com/notes/fed")
    assert article.title == "Fed holds rates, signals patience"
    assert article.text.startswith("The Federal Reserve kept its benchmark rate unchanged on Wednesday")
    assert "inflation data had cooled" in article.text.replace("\n", " ")
    assert "What comes next" in article.text
    assert "- Officials see two cuts next year." in article.text
    assert "- The balance-sheet runoff continues." in article.text
    assert "Markets had priced in a pause." in article.text
    for markup in ("#", "**", "__", "*statement*", "](", "> ", "!["):
        assert markup not in article.text
    assert article.site == "example.com"


def test_plain_text_short_first_line_is_title():
    text = "Oil prices climb\n\nCrude futures rose for a third day as producers signalled supply discipline.\n"
    article = article_from_text(text)
    assert article.title == "Oil prices climb"
    assert article.text == "Crude futures rose for a third day as producers signalled supply discipline."


def test_plain_text_without_short_first_line_keeps_everything():
    text = ("The European Central Bank held its deposit rate on Thursday and said risks to growth had become more "
            "balanced. Policy makers saw no urgency to move again.\n\nA second paragraph follows here.")
    article = article_from_text(text)
    assert article.text == text
    assert article.title == "The European Central Bank held its deposit rate on Thursday…"


def test_explicit_title_and_published_win():
    article = article_from_text("# Heading in the text\n\nBody words here.", title="  Given  title ",
                                published="2025-10-27")
    assert article.title == "Given title"
    assert article.published == dt.date(2025, 10, 27)
    assert article.text.startswith("Heading in the text")


@pytest.mark.parametrize("published, expected", [
    (dt.date(2025, 1, 2), dt.date(2025, 1, 2)),
    (dt.datetime(2025, 1, 2, 23, 0), dt.date(2025, 1, 2)),
    ("2025-01-02T10:00:00Z", dt.date(2025, 1, 2)),
    ("not a date", None),
    (None, None),
])
def test_published_parsing(published, expected):
    assert article_from_text("Some body text.", title="t", published=published).published == expected


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t", None])
def test_empty_text_raises(text):
    with pytest.raises((InputError, ExtractionError)):
        article_from_text(text)


def test_heading_only_text_keeps_its_words():
    article = article_from_text("# Just a headline")
    assert article.title == "Just a headline"
    assert article.text == "Just a headline"


def test_strip_markdown_leaves_plain_text_alone():
    text = "Rates: 4.25% to 4.50%.\nA snake_case_word and 2*3=6 stay as they are."
    assert strip_markdown(text) == text


def test_fenced_code_kept_verbatim():
    assert strip_markdown("Intro\n```\n# not a heading\n```\nEnd") == "Intro\n# not a heading\nEnd"
