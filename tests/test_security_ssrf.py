"""SSRF: what tests/test_fetch.py's matrix leaves out, each refused before the recording server is reached.

tests/test_fetch.py already covers the loopback spellings, IPv4-mapped IPv6, link-local and metadata,
private, CGNAT, a name resolving to a private address and a redirect to the metadata address. Here:
more spellings of the loopback address aimed at a recording server that would answer if reached; a
name that a test resolver points at that server; a redirect whose second hop that server would serve;
and the whole path through the Slack bot, where a link to a refused address ends in a notice in the
link's thread and not one connection.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.errors import BlockedAddressError
from bot.pipeline.fetch import FetchPolicy, fetch
from tests.helpers.fake_slack import fake_slack, start_bot, stop_bot  # noqa: F401 - fixture
from tests.helpers.store_peek import job_rows

PAGE = ("<html><head><title>Internal page</title></head><body><article><h1>Internal page</h1>"
        "<p>The internal service answered a request it should never have received from the bot.</p>"
        "</article></body></html>")

MORE_LOOPBACK_SPELLINGS = [
    "127.000.000.001",  # zero-padded octets
    "0x7F.0.0.1",  # upper-case hex
    "0x7f.0x0.0x0.0x1",  # hex in every octet
    "0177.1",  # octal, two parts
    "017700000001",  # octal, one part
    "127.255.255.254",  # the top of 127.0.0.0/8
    "LocalHost",
    "localhost.",  # trailing dot
    "[::7f00:1]",  # IPv4-compatible IPv6
    "[::127.0.0.1]",
    "[0::1]",
    "[::ffff:0:7f00:1]",  # IPv4-translated
    "[::ffff:127.1.2.3]",
    "[::]",
    "0.0.0.0",  # reaches local listeners on Linux
    "0.0.0.0.",
]


@pytest.mark.parametrize("host", MORE_LOOPBACK_SPELLINGS)
def test_more_loopback_spellings_never_reach_the_server(article_server, host):
    article_server.html("/secret", PAGE)
    # Names get the answer /etc/hosts gives, from a test resolver: no DNS query leaves the machine.
    policy = FetchPolicy(total_timeout=2, resolver=lambda name, port: ["127.0.0.1"])
    with pytest.raises(BlockedAddressError, match="refused"):
        fetch(article_server.url("/secret", host=host), policy)
    assert article_server.connections == 0 and article_server.requests == []


def test_the_recording_server_does_answer_when_allowed(article_server):
    """The control for the tests above: with its address allow-listed, the same server is reached."""
    article_server.html("/secret", PAGE)
    page = fetch(article_server.url("/secret"), FetchPolicy(total_timeout=2, allow=("127.0.0.1",)))
    assert "should never have received" in page.text
    assert article_server.count("/secret") == 1


@pytest.mark.parametrize("answer", ["127.0.0.1", "::ffff:127.0.0.1", "::1"])
def test_a_name_resolving_to_the_server_is_refused_before_connecting(article_server, answer):
    asked = []

    def resolver(host, port):
        asked.append((host, port))
        return [answer]

    article_server.html("/secret", PAGE)
    with pytest.raises(BlockedAddressError, match="loopback"):
        fetch(article_server.url("/secret", host="intranet.example.test"), FetchPolicy(resolver=resolver))
    assert asked == [("intranet.example.test", article_server.port)]  # the test resolver was used
    assert article_server.connections == 0


def test_redirect_to_a_name_for_the_same_server_is_refused_at_the_second_hop(article_server):
    """The first hop is allowed by name; the second names a host that resolves to the very server that
    would serve the secret page. The guard refuses it: the server sees /story and never /secret."""

    def resolver(host, port):
        return {"news.example.test": ["127.0.0.1"], "admin.example.test": ["127.0.0.1"]}[host]

    article_server.html("/secret", PAGE)
    article_server.redirect("/story", f"http://admin.example.test:{article_server.port}/secret")
    policy = FetchPolicy(resolver=resolver, allow=("news.example.test",), total_timeout=3)
    with pytest.raises(BlockedAddressError, match="loopback"):
        fetch(f"http://news.example.test:{article_server.port}/story", policy)
    assert article_server.count("/story") == 1
    assert article_server.count("/secret") == 0
    assert article_server.connections == 1


def test_a_link_to_a_refused_address_in_slack_ends_in_a_notice_and_no_connection(
        settings, clock, fake_slack, article_server):  # noqa: F811
    """End to end with the production policy (nothing allow-listed): the bot refuses the loopback link,
    says so in the link's thread, and the recording server is never connected to."""
    article_server.html("/secret", PAGE)
    bot = start_bot(dataclasses.replace(settings, fetch_allow=()), clock, fake_slack)
    try:
        url = article_server.url("/secret")
        event = bot.events.message(f"have a look <{url}>")
        assert bot.events.event(event).status == 200
        fake_slack.wait_for(lambda: fake_slack.calls_to("reactions.add", name="warning", timestamp=event["ts"]))
        (note,) = fake_slack.posts("C0NEWS", event["ts"])
        assert "Couldn't brief" in note.args["text"] and "loopback" in note.args["text"]
        assert "<!" not in json.dumps(note.args)
        assert job_rows(bot.store)[0]["state"] == "failed"
    finally:
        stop_bot(bot)
    assert article_server.connections == 0 and article_server.requests == []
