"""Pure parts of the Slack adapter: escaping, safe links, link extraction, Block Kit limits."""

from __future__ import annotations

import json

from bot.pipeline.models import Answer, Citation
from bot.slack import blocks
from bot.slack.intake import message_jobs, question_job
from bot.slack.job import JobKind
from bot.slack.links import extract_links, strip_markup
from bot.slack.mrkdwn import escape, link, safe_url, truncate


def test_escape_neutralises_every_mention_form():
    text = "Hi <!channel> and <!here> and <@U123> & <#C1|general>"
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert out.startswith("Hi &lt;!channel&gt;") and "&amp; " in out


def test_link_refuses_unsafe_schemes_and_escapes_labels():
    assert link("javascript:alert(1)", "click") == "click"
    assert safe_url("mailto:a@b.c") is None
    assert link("https://news.test/a|b>c", "<!here> story") == "<https://news.test/a%7Cb%3Ec|&lt;!here&gt; story>"


def test_truncate_keeps_limit_and_never_splits_an_escape():
    text = escape("<" * 50)
    cut = truncate(text, 30)
    assert len(cut) <= 30 and cut.endswith("…")
    assert cut[:-1].endswith("&lt;")


def test_links_from_text_markup_and_rich_text():
    text = "see <https://a.test/x?y=1&amp;z=2|this> and <@U1> <mailto:x@y.z> <#C1> <https://a.test/x?y=1&z=2>"
    rich = [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "text", "text": "also "}, {"type": "link", "url": "https://b.test/story"}]}]}]
    assert extract_links(text, rich) == ["https://a.test/x?y=1&z=2", "https://b.test/story"]
    assert extract_links("a bare https://c.test/ in text is not markup") == []
    assert strip_markup("<@U1> what about <https://a.test|the Fed>?") == "what about the Fed?"


def test_message_jobs_skip_edits_bots_and_cap_links():
    base = {"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1", "ts": "1.000001"}
    many = " ".join(f"<https://n.test/{i}>" for i in range(7))
    jobs = message_jobs({**base, "text": many}, "T1", "UBOT", 5)
    assert [j.kind for j in jobs] == [JobKind.POSTED_LINK] * 5 + [JobKind.SKIPPED_LINKS]
    assert jobs[-1].skipped == ("https://n.test/5", "https://n.test/6")
    assert jobs[0].origin.visibility == "public" and jobs[0].origin.thread_ts == "1.000001"
    assert message_jobs({**base, "subtype": "message_changed", "text": many}, "T1", "UBOT", 5) == []
    assert message_jobs({**base, "bot_id": "B9", "text": many}, "T1", "UBOT", 5) == []
    assert message_jobs({**base, "text": "no links, no mention"}, "T1", "UBOT", 5) == []
    dm = message_jobs({**base, "channel_type": "im", "text": "what is new?"}, "T1", "UBOT", 5)
    assert dm[0].kind is JobKind.QUESTION and dm[0].origin.visibility == "dm"


def test_mention_and_message_give_the_same_job_key():
    base = {"channel": "C1", "user": "U1", "ts": "1.000002", "text": "<@UBOT> week"}
    as_message = message_jobs({**base, "type": "message", "channel_type": "channel"}, "T1", "UBOT", 5)[0]
    as_mention = message_jobs({**base, "type": "app_mention"}, "T1", "UBOT", 5)[0]
    key = ("team", "channel", "message_ts", "source")
    assert [as_message.to_row()[k] for k in key] == [as_mention.to_row()[k] for k in key]
    assert as_message.kind is JobKind.COMMAND and as_message.command == "week"
    assert question_job(as_message.origin, "<@UBOT>   ", "UBOT").command == "help"


def _record(**over):
    record = {
        "id": "B7", "url": "https://news.test/a", "title": "<!channel> Rate decision", "site": "news.test",
        "author": "Staff <@U1>", "published": "2025-10-27", "created_at": "2025-10-27T08:00:00+00:00",
        "tldr": "The Federal Reserve holds. <!here>", "key_points": ["Point & counterpoint"],
        "events": [{"title": "Rate decision", "date": "2025-10-29", "precision": "day", "time": "14:00",
                    "timezone": "ET"}],
        "storylines": [{"id": "S2", "title": "Fed policy", "status": "open"}], "backend": "embedded",
    }
    record.update(over)
    return record


def test_brief_message_layout_escaping_and_buttons():
    msg = blocks.brief_message(_record(), offer_ai_retry=True)
    kinds = [b["type"] for b in msg.blocks]
    assert kinds == ["header", "section", "section", "section", "section", "context", "actions"]
    dumped = json.dumps(msg.blocks)
    assert "<!channel>" not in dumped and "<!here>" not in dumped and "<@U1>" not in dumped
    assert "Wed 29 Oct 14:00 EDT" in dumped
    actions = [e["action_id"] for e in msg.blocks[-1]["elements"]]
    assert actions == [blocks.WRONG_STORYLINE, blocks.RESOLVE_STORYLINE, blocks.RETRY_WITH_AI]
    assert msg.text.startswith("B7:")
    assert "Retry with AI" not in json.dumps(blocks.brief_message(_record()).blocks)


def test_oversize_brief_is_cut_not_rejected():
    huge = _record(key_points=["word " * 400 for _ in range(20)],
                   events=[{"title": f"event {i}", "date": "2025-10-29", "precision": "day"} for i in range(400)],
                   tldr="x" * 5000)
    msg = blocks.brief_message(huge)
    assert len(msg.blocks) <= blocks.MAX_BLOCKS
    for block in msg.blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= blocks.MAX_SECTION
    assert any(b["type"] == "section" and b["text"]["text"].endswith("…") for b in msg.blocks)
    assert len(msg.text) <= blocks.MAX_TEXT
    assert len(blocks.fit([blocks.divider()] * 80)) == blocks.MAX_BLOCKS
    assert sum(map(blocks.block_chars, msg.blocks)) <= blocks.MAX_MESSAGE_CHARS


def test_fit_caps_the_text_of_the_whole_message():
    many = [blocks.section("x" * 2900) for _ in range(10)]  # each block fine, 29k in all
    kept = blocks.fit(many)
    assert sum(map(blocks.block_chars, kept)) <= blocks.MAX_MESSAGE_CHARS
    assert kept[-1]["type"] == "context" and "more not shown" in kept[-1]["elements"][0]["text"]
    assert len(kept) == 5  # four whole sections and the note


def test_answer_message_links_source_and_permalink():
    answer = Answer("Rates held [1]. <!channel>", [Citation(1, "B7", "Rate decision", "https://news.test/a")])
    msg = blocks.answer_message(answer, {"B7": "https://team.test/archives/C1/p1"})
    dumped = json.dumps(msg.blocks)
    assert "<https://news.test/a|Rate decision>" in dumped
    assert "<https://team.test/archives/C1/p1|B7>" in dumped
    assert "<!channel>" not in dumped


def test_an_answer_lists_its_sources_once_as_links():
    """The text's own "Sources:" list (for the CLI) is left out in Slack: the context block lists them as links."""
    text = "Rates held on Wednesday. [1]\n\nSources:\n[1] Rate decision — https://news.test/a (B7)"
    answer = Answer(text, [Citation(1, "B7", "Rate decision", "https://news.test/a", "Rates held on Wednesday.")])
    msg = blocks.answer_message(answer, {})
    assert msg.blocks[0]["text"]["text"] == "Rates held on Wednesday. [1]"
    assert json.dumps(msg.blocks).count("Rate decision") == 1 and "Sources:" not in json.dumps(msg.blocks)
    assert msg.text == "Rates held on Wednesday. [1] (Sources: [1] Rate decision)"
