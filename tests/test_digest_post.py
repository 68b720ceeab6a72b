"""`post_digest` against the fake Slack Web API on 127.0.0.1: the ledger, the message, the escaping.

Real SQLite file, real slack_sdk WebClient, real HTTP: nothing of ours is replaced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.backends.embedded import EmbeddedBackend
from bot.pipeline.digest import build_digest, compose_digest, later_heading
from bot.pipeline.ingest import Placement, Source
from bot.schedules import set_schedule
from bot.slack.blocks import MAX_MESSAGE_CHARS, Message, block_chars
from bot.slack.digest_blocks import day_label, digest_message
from bot.slack.digest_post import post_digest, post_manual_digest
from bot.slack.mrkdwn import escape
from bot.slack.poster import Poster, build_client, is_permanent, is_too_big
from tests.helpers.fake_slack import BOT_TOKEN, fake_slack  # noqa: F401
from tests.helpers.store_peek import digest_rows

DAY = dt.date(2025, 10, 27)
NOTE = """Central bank watchers <!channel> brace for a busy week & more <@U0BOSS>.

The Federal Reserve will announce its interest rate decision on Wednesday, October 29 at 2 p.m. ET. Markets \
expect a quarter-point cut.

The Bank of Japan will announce its policy decision on Thursday, October 30. Most economists expect no change.

The European Central Bank will publish its financial stability review in November. It is unclear whether \
the Bank of England will follow."""


@pytest.fixture
def client(fake_slack):  # noqa: F811
    return Poster(WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))


def add_brief(services, text: str = NOTE, *, channel: str = "C1", message_ts: str | None = "1761550000.000100"):
    placement = Placement(team="T1", channel=channel, message_ts=message_ts)
    result = services.ingestor.ingest(Source("text", text, "note"), placement, published=DAY)
    return result.brief_id


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_scheduled_digest_posts_once_and_records_the_ts(services, client, fake_slack):  # noqa: F811
    brief = add_brief(services)
    ts = post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="scheduled")
    assert ts is not None
    again = post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="scheduled")
    assert again is None
    assert len(fake_slack.posts("C1")) == 1
    [row] = digest_rows(services.store, "C1")
    assert (row["kind"], row["state"], row["posted_ts"], row["local_date"]) == ("scheduled", "posted", ts, "2025-10-27")

    post = fake_slack.posts("C1")[0].args
    blocks = post["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Week ahead — Mon 27 Oct 2025"}}
    body = all_text(blocks)
    assert "*Wed 29 Oct*" in body and "Fed rate decision" in body and "*Thu 30 Oct*" in body
    assert "*Storylines that moved*" in body and "*Open questions*" in body
    expected = compose_digest(services.store, date=DAY, team="T1", channel="C1")
    assert expected.week_ahead and expected.open_questions
    for event in expected.events():
        assert escape(event.title) in body
    for event in expected.later:
        assert f"*{later_heading(event, DAY)}*" in body
    # the brief's thread link, built by chat.getPermalink from the stored channel + message ts
    assert f"<https://briefbot-test.slack.com/archives/C1/p1761550000000100|{brief}>" in body
    assert fake_slack.calls_to("chat.getPermalink", channel="C1", message_ts="1761550000.000100")
    assert post["text"].startswith("Week ahead — Mon 27 Oct 2025")
    assert post["unfurl_links"] in (False, "0", "false", 0)


def test_article_text_is_escaped_so_the_digest_can_mention_no_one(services, client, fake_slack):  # noqa: F811
    add_brief(services)
    post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="manual")
    post = fake_slack.posts("C1")[0].args
    texts = [post["text"], all_text(post["blocks"])]
    for text in texts:
        assert "<!channel>" not in text and "<@U0BOSS>" not in text
    assert "&lt;!channel&gt;" in texts[1] and "&amp; more" in texts[1]
    assert "&lt;!channel&gt;" in texts[0]


def test_manual_posts_repeat_and_never_block_the_scheduled_one(services, client, fake_slack):  # noqa: F811
    add_brief(services)
    first = post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="manual")
    second = post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="manual")
    scheduled = post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="scheduled")
    assert None not in (first, second, scheduled) and len({first, second, scheduled}) == 3
    rows = digest_rows(services.store, "C1")
    assert [(r["kind"], r["state"], r["posted_ts"]) for r in rows] == [
        ("manual", "posted", first), ("manual", "posted", second), ("scheduled", "posted", scheduled)
    ]
    assert post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="scheduled") is None
    assert len(fake_slack.posts("C1")) == 3


def test_a_failed_post_releases_the_claim_and_a_retry_posts(services, client, fake_slack):  # noqa: F811
    add_brief(services)
    fake_slack.fail("chat.postMessage", "internal_error")
    with pytest.raises(SlackApiError):
        post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="scheduled")
    assert digest_rows(services.store, "C1") == []
    ts = post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="scheduled")
    assert ts is not None
    assert [(r["state"], r["posted_ts"]) for r in digest_rows(services.store, "C1")] == [("posted", ts)]
    # a failed manual post leaves no row either
    fake_slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError):
        post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="manual")
    assert len(digest_rows(services.store, "C1")) == 1


def test_a_quiet_channel_gets_one_line_or_nothing_when_told_to_skip(services, client, fake_slack):  # noqa: F811
    ts = post_digest(services, client, team="T1", channel="C0QUIET", local_date=DAY, kind="scheduled")
    assert ts is not None
    post = fake_slack.posts("C0QUIET")[0].args
    assert len(post["blocks"]) == 1
    assert post["text"] == (
        "Quiet week: nothing on the calendar and no storyline news for the week of Mon 27 Oct."
    )

    services.settings = dataclasses.replace(services.settings, skip_empty_digest=True)
    assert post_digest(services, client, team="T1", channel="C0QUIET2", local_date=DAY, kind="scheduled") is None
    assert fake_slack.posts("C0QUIET2") == []
    assert digest_rows(services.store, "C0QUIET2") == []


class WatchBackend(EmbeddedBackend):
    """Stands in for the OpenAI backend's optional intro (the only model call a digest makes)."""

    name = "openai"

    def __init__(self):
        self.seen: list = []

    def digest_intro(self, events):
        self.seen = list(events)
        return "Watch the Fed on Wednesday <!here> & the BoJ."


def test_the_what_to_watch_intro_is_shown_escaped_when_the_backend_gives_one(services, client, fake_slack):  # noqa: F811
    add_brief(services)
    services.backend = WatchBackend()
    post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="manual")
    blocks = fake_slack.posts("C1")[0].args["blocks"]
    intro = [b for b in blocks if "What to watch" in all_text([b])]
    assert intro and "Watch the Fed on Wednesday &lt;!here&gt; &amp; the BoJ." in intro[0]["text"]["text"]
    assert {e.title for e in services.backend.seen} >= {"Fed rate decision", "BoJ policy decision"}


def test_a_crowded_week_stays_within_slack_limits_and_says_how_many_more():
    words = "treasury auction payrolls earnings summit tariff inflation housing retail output vote budget".split()
    rng = random.Random(7)
    rows = [
        {
            "brief": f"B{d * 100 + i}", "url": f"https://news.example.org/a/{d}/{i}", "precision": "day",
            "title": f"{' '.join(rng.sample(words, 4))} {d}-{i}", "date": (DAY + dt.timedelta(days=d)).isoformat(),
        }
        for d in range(7) for i in range(60)
    ]
    questions = [{"text": f"Will measure {i} pass the vote?", "brief": f"B{i}"} for i in range(300)]
    digest = build_digest(DAY, 7, rows, [], questions, "UTC")
    message = digest_message(digest)
    assert len(message.blocks) <= 50
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    crowded = [s for s in sections if s.startswith("*Mon 27 Oct*")][0]
    shown, total = crowded.count("\n• "), len(digest.week_ahead[0].events)
    assert total > 40 and shown > 5
    assert crowded.endswith(f"…and {total - shown} more")
    assert sections[-1].startswith("*Open questions*") and sections[-1].endswith("more")
    assert len(message.text) <= 3000
    # Slack's whole-message limit (msg_blocks_too_long from about 13k): the budget is shared, every day stays.
    assert sum(block_chars(b) for b in message.blocks) <= MAX_MESSAGE_CHARS
    days = [f"*{day_label(DAY + dt.timedelta(days=d))}*" for d in range(7)]
    assert [s.split("\n")[0] for s in sections if s.split("\n")[0] in days] == days


def test_a_busy_digest_with_long_lines_stays_under_the_message_budget():
    """The shape that used to render 24.7k characters in 14 blocks: a week of long titles, storylines and
    questions, all of them near the per-line limit."""
    words = "treasury auction payrolls earnings summit tariff inflation housing retail output vote budget".split()
    filler = " with figures from the statistics office and the revised estimates for the prior quarter" * 4
    rng = random.Random(11)
    rows = [{"brief": f"B{d}{i}", "url": f"https://news.example.org/{d}/{i}", "precision": "day",
             "title": f"{' '.join(rng.sample(words, 4))} {d}-{i}{filler}", "date": (DAY + dt.timedelta(days=d)).isoformat()}
            for d in range(7) for i in range(8)]
    questions = [{"text": f"Will measure {i} pass{filler}?", "brief": f"B{i}"} for i in range(30)]
    digest = build_digest(DAY, 7, rows, [], questions, "UTC")
    before = sum(len(line) for day in digest.week_ahead for line in (e.title for e in day.events))
    assert before > 13_000  # the week's titles alone are more than Slack takes in one message
    message = digest_message(digest)
    assert sum(block_chars(b) for b in message.blocks) <= MAX_MESSAGE_CHARS
    assert len(message.blocks) <= 50
    smaller = digest_message(digest, max_chars=MAX_MESSAGE_CHARS // 2)
    assert sum(block_chars(b) for b in smaller.blocks) <= MAX_MESSAGE_CHARS // 2


def test_msg_blocks_too_long_is_too_big_not_retried_and_a_shorter_digest_goes_out(services, client, fake_slack):  # noqa: F811
    add_brief(services)
    fake_slack.fail("chat.postMessage", "msg_blocks_too_long")
    ts = post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="scheduled")
    assert ts is not None
    first, second = fake_slack.calls_to("chat.postMessage")
    assert not first.ok and second.ok
    assert [(r["state"], r["posted_ts"]) for r in digest_rows(services.store, "C1")] == [("posted", ts)]
    # Had the shorter one been refused too, the scheduler would not retry it every few minutes.
    fake_slack.fail("chat.postMessage", "msg_blocks_too_long", times=2)
    with pytest.raises(SlackApiError) as refused:
        post_digest(services, client, team="T1", channel="C1", local_date=DAY, kind="manual")
    assert is_too_big(refused.value) and is_permanent(refused.value)


def test_slack_5xx_answers_are_retried_by_the_client(fake_slack):  # noqa: F811
    poster = Poster(build_client(BOT_TOKEN, fake_slack.api_url))
    fake_slack.server_error("chat.postMessage", times=2, status=503)
    assert poster.post("C1", Message("hello")) is not None
    statuses = [c.status for c in fake_slack.calls_to("chat.postMessage")]
    assert statuses == [503, 503, 200]


def test_manual_digest_from_slack_uses_today_in_the_channels_zone(services, clock, client, fake_slack):  # noqa: F811
    set_schedule(services, team="T1", channel="C1", text="07:00 Asia/Tokyo")
    clock.set(dt.datetime(2025, 10, 27, 20, 0, tzinfo=dt.UTC))  # already Tuesday 28 Oct in Tokyo
    ts = post_manual_digest(services, client, team="T1", channel="C1")
    assert ts is not None
    [row] = digest_rows(services.store, "C1")
    assert (row["kind"], row["local_date"], row["posted_ts"]) == ("manual", "2025-10-28", ts)
