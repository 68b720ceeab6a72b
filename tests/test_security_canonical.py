"""Canonical-link poisoning: a page may only name a canonical URL on its own site.

The attack: a page at `/evil` carries `<link rel=canonical href=".../real">`. Before the fix its text was
stored under `/real`, and anyone in any team who later posted `/real` got the attacker's text without
`/real` ever being fetched. Every test here fetches over HTTP from the real loopback article server and
writes a real SQLite file; host names go through the fetcher's resolver to 127.0.0.1.
"""

from __future__ import annotations

import pytest

from bot.backends.embedded import EmbeddedBackend
from bot.pipeline.fetch import FetchPolicy
from bot.pipeline.ingest import Ingestor, Placement, Source
from bot.pipeline.sites import registrable_domain, same_site
from storage import Store
from tests.helpers.article_server import ArticleServer
from tests.helpers.articles import article_html
from tests.helpers.fake_slack import fake_slack  # noqa: F401 - fixture

TEAM_A = Placement(team="TATTACK", channel="C1")
TEAM_B = Placement(team="TVICTIM", channel="C2")

EVIL_TEXT = ("The harbour authority was dissolved overnight and every ferry ticket sold this year will be "
             "refunded in cash at the old pier office, officials told reporters on Sunday. ") * 4


def _evil_page(canonical: str) -> bytes:
    return (f'<html><head><title>Harbour authority dissolved</title><link rel="canonical" href="{canonical}">'
            f"</head><body><article><h1>Harbour authority dissolved</h1><p>{EVIL_TEXT}</p>"
            "</article></body></html>").encode()


@pytest.fixture
def ingestor(tmp_path, clock):
    store = Store(tmp_path / "briefbot.db")
    policy = FetchPolicy(allow=("127.0.0.1",), total_timeout=5, resolver=lambda host, port: ["127.0.0.1"])
    yield Ingestor(store, EmbeddedBackend(), policy, clock)
    store.close()


def _text_of(ingestor: Ingestor, brief_id: str) -> str:
    return ingestor.store.article_text_of_brief(brief_id)["text"]


def test_canonical_to_another_site_is_ignored_and_the_victim_page_is_fetched(article_server, ingestor):
    real_url = article_server.url("/real", host="www.paper.co.uk")
    evil_url = article_server.url("/evil", host="attacker.co.uk")
    article_server.route("/real", article_html(0).encode())
    article_server.route("/evil", _evil_page(real_url))

    planted = ingestor.ingest(Source.parse(evil_url), TEAM_A)
    assert ingestor.store.get_brief(planted.brief_id)["url"] == evil_url  # stored under what was fetched

    victim = ingestor.ingest(Source.parse(real_url), TEAM_B)
    assert not victim.reused
    assert article_server.count("/real") == 1
    text = _text_of(ingestor, victim.brief_id)
    assert "harbour authority" in text.lower() and "dissolved" not in text
    assert ingestor.store.get_brief(victim.brief_id)["url"] == real_url


def test_canonical_on_the_same_registrable_domain_is_honoured(article_server, ingestor):
    """`amp.paper.co.uk` may name `www.paper.co.uk` (one site); posting that URL then reuses the brief."""
    real_url = article_server.url("/real", host="www.paper.co.uk")
    article_server.route("/amp/story", _evil_page(real_url))

    first = ingestor.ingest(Source.parse(article_server.url("/amp/story", host="amp.paper.co.uk")), TEAM_A)
    assert ingestor.store.get_brief(first.brief_id)["url"] == real_url
    again = ingestor.ingest(Source.parse(real_url), TEAM_B)
    assert again.reused and article_server.count("/real") == 0


def test_ip_literal_hosts_are_one_site_only_with_the_same_host_and_port(article_server, ingestor):
    with ArticleServer() as other:
        other.route("/real", article_html(1).encode())
        article_server.route("/real", article_html(2).encode())
        article_server.route("/evil-port", _evil_page(other.url("/real")))
        article_server.route("/evil-name", _evil_page(article_server.url("/real", host="localhost")))

        for path in ("/evil-port", "/evil-name"):
            planted = ingestor.ingest(Source.parse(article_server.url(path)), TEAM_A)
            assert ingestor.store.get_brief(planted.brief_id)["url"] == article_server.url(path)

        victim = ingestor.ingest(Source.parse(other.url("/real")), TEAM_B)
        assert not victim.reused and other.count("/real") == 1
        assert "dissolved" not in _text_of(ingestor, victim.brief_id)

    # The same address and port is the same site: the page may name its own canonical URL.
    article_server.route("/amp", _evil_page(article_server.url("/real")))
    own = ingestor.ingest(Source.parse(article_server.url("/amp")), TEAM_A)
    assert ingestor.store.get_brief(own.brief_id)["url"] == article_server.url("/real")


def test_identical_text_from_another_url_keeps_its_own_url(article_server, ingestor):
    """A copy of a stored page reuses the brief's content (no model call) but under the copy's own URL."""
    article_server.route("/original", article_html(3).encode())
    article_server.route("/copy", article_html(3).encode())
    original = ingestor.ingest(Source.parse(article_server.url("/original", host="www.paper.co.uk")), TEAM_A)
    copy_url = article_server.url("/copy", host="mirror.example.com")
    copy = ingestor.ingest(Source.parse(copy_url), TEAM_A)
    assert copy.reused and copy.brief_id != original.brief_id
    brief = ingestor.store.get_brief(copy.brief_id)
    assert brief["url"] == copy_url
    assert brief["tldr"] == ingestor.store.get_brief(original.brief_id)["tldr"]


def test_pasted_text_is_never_reused_across_conversations(article_server, ingestor):
    text = "Port commission backs a new ferry pier\n\n" + EVIL_TEXT
    first = ingestor.ingest(Source("text", text, "pasted"), TEAM_A)
    same_place = ingestor.ingest(Source("text", text, "pasted"), TEAM_A)
    elsewhere = ingestor.ingest(Source("text", text, "pasted"), TEAM_B)
    other_channel = ingestor.ingest(Source("text", text, "pasted"), Placement(team=TEAM_A.team, channel="C9"))
    assert same_place.reused and same_place.brief_id == first.brief_id
    assert not elsewhere.reused and elsewhere.brief_id != first.brief_id
    assert not other_channel.reused

    # Nor does a fetched page with the same words pick up the pasted brief.
    article_server.route("/same-words", _evil_page("/same-words"))
    fetched = ingestor.ingest(Source.parse(article_server.url("/same-words")), TEAM_A)
    assert not fetched.reused


def test_a_saved_page_file_claims_no_url(tmp_path, ingestor):
    """A file names a canonical URL in its head, but nothing was fetched from there."""
    page = tmp_path / "saved.html"
    page.write_bytes(_evil_page("https://www.paper.co.uk/real"))
    result = ingestor.ingest(Source.parse(str(page)), TEAM_A)
    assert ingestor.store.get_brief(result.brief_id)["url"] is None
    assert ingestor.store.find_article(url="https://www.paper.co.uk/real") is None


@pytest.mark.parametrize("a, b, same", [
    ("https://www.paper.co.uk/a", "https://paper.co.uk/b", True),
    ("https://news.paper.co.uk/a", "http://www.paper.co.uk:8443/b", True),  # one site, any scheme or port
    ("https://paper.co.uk/a", "https://other.co.uk/b", False),
    ("https://a.github.io/x", "https://b.github.io/x", False),  # private suffix: two tenants
    ("https://www.example.com.au/a", "https://example.com.au/b", True),
    ("https://shop.example.co.jp/a", "https://example.jp/b", False),
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b", True),
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/b", False),
    ("http://127.0.0.1:8000/a", "http://localhost:8000/b", False),
    ("http://[::1]/a", "http://[::1]:80/b", True),
    ("http://intranet/a", "http://intranet/b", True),
    ("https://co.uk/a", "https://evil.co.uk/b", False),  # a bare public suffix is its own host only
])
def test_same_site(a, b, same):
    assert same_site(a, b) is same


def test_registrable_domain_reads_the_bundled_list_offline():
    # conftest refuses every non-loopback connect, so this passing means the list came from disk
    assert registrable_domain("news.bbc.co.uk") == "bbc.co.uk"
    assert registrable_domain("192.0.2.1") is None


def test_the_attack_through_slack_across_two_workspaces(settings, clock, fake_slack, article_server):  # noqa: F811
    """End to end: team A posts a page that names team B's article as its canonical URL (another site: a
    different port); team B then posts that article and gets a brief of its own text, fetched for it."""
    from tests.helpers.fake_slack import SlackEvents, start_bot, stop_bot

    with ArticleServer() as victim_site:
        victim_site.route("/real", article_html(5).encode())
        real_url = victim_site.url("/real")
        article_server.route("/evil", _evil_page(real_url))
        bot = start_bot(settings, clock, fake_slack, workers=1)
        try:
            team_b = SlackEvents(bot.server.url, team="T0VICTIM")
            planted = bot.events.message(f"<{article_server.url('/evil')}>")
            assert bot.events.event(planted).status == 200
            bot.fake.wait_for(lambda: bot.fake.posts("C0NEWS", planted["ts"]), timeout=20)
            asked = team_b.message(f"<{real_url}>", channel="C0OTHER")
            assert team_b.event(asked).status == 200
            (reply,) = bot.fake.wait_for(lambda: bot.fake.posts("C0OTHER", asked["ts"]), timeout=20)
        finally:
            stop_bot(bot)
        assert victim_site.count("/real") == 1
        text = str(reply.args.get("blocks")) + reply.args["text"]
        assert "dissolved" not in text and "Harbour authority" not in text
        assert "plan number 6" in text  # the victim page's own title
