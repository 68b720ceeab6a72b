"""End to end: signed HTTP events → the bot's HTTP server → jobs → workers → the fake Slack Web API.

Everything is real and local: the bot's ThreadingHTTPServer on 127.0.0.1, FakeSlack on 127.0.0.1, the
article server on 127.0.0.1, SQLite under tmp_path. Tests poll the fake's recorded calls with a deadline.
"""

from __future__ import annotations

import json
import time

from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.fake_slack import BOT_TOKEN, BOT_USER, fake_slack, slack_bot  # noqa: F401 - fixtures
from tests.helpers.store_peek import job_rows

RATES_HTML = """<html><head><title>Central bank signals a pause as inflation cools</title>
<meta name="author" content="Economics desk"></head><body><article>
<h1>Central bank signals a pause as inflation cools</h1>
<p>The Federal Reserve kept its benchmark interest rate unchanged on Monday, saying that inflation had cooled
for a third straight month while hiring slowed across most industries.</p>
<p>Policymakers will meet again on Wednesday, October 29, when markets expect a decision on whether to cut
rates for the first time this year.</p>
<p>Several officials said the labour market was cooling gradually, and that wage growth no longer posed a
risk to price stability. Bond yields fell after the statement was published.</p>
<p>The Bank of Japan is due to announce its own policy decision on Thursday, October 30, after a meeting
that investors expect to end with rates on hold.</p>
</article></body></html>"""

PING_HTML = """<html><head><title>&lt;!channel&gt; Harbour authority approves new ferry terminal</title></head>
<body><article><h1>&lt;!channel&gt; Harbour authority approves new ferry terminal</h1>
<p>The harbour authority approved a new ferry terminal on Monday after a year of public consultation, and
construction is expected to begin in the spring. &lt;!channel&gt; &lt;!here&gt; &lt;@U0VICTIM&gt;</p>
<p>The terminal will double the number of daily crossings and replace a pier that has been closed since a
storm damaged it two winters ago, officials said at a press conference.</p>
<p>Local businesses welcomed the decision, saying that visitor numbers had fallen sharply while the old pier
was closed, and that the new terminal would bring tourists back to the waterfront.</p>
</article></body></html>"""

SCRIPT_ONLY_HTML = """<html><head><title>Loading</title><script>window.app = {}</script></head>
<body><div id="root"></div><script>render()</script></body></html>"""


def _brief_posts(fake, channel=None, thread_ts=None):
    return [c for c in fake.posts(channel, thread_ts) if c.args.get("blocks")
            and c.args["blocks"][0]["type"] == "header"]


def test_link_message_gets_a_brief_in_its_thread(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    event = events.message(f"Worth a read <{article_server.url('/rates')}|central bank story>")
    reply = events.event(event)
    assert reply.status == 200
    # The jobs row exists as soon as the ack is back, before any worker could have posted.
    assert [j["source"] for j in job_rows(slack_bot.store)] == [article_server.url("/rates")]

    post = fake.wait_for(lambda: _brief_posts(fake, "C0NEWS", event["ts"]))[0]
    kinds = [b["type"] for b in post.args["blocks"]]
    assert kinds[0] == "header" and "context" in kinds
    dumped = json.dumps(post.args["blocks"])
    assert "Central bank signals a pause" in dumped
    assert "*TL;DR*" in dumped and "*Key points*" in dumped
    assert "Wed 29 Oct" in dumped  # an event with weekday and date
    assert "Economics desk" in dumped  # author in the context block
    assert post.args["unfurl_links"] is False and post.args["unfurl_media"] is False
    assert post.args["text"]  # plain-text fallback
    fake.wait_for(lambda: fake.calls_to("reactions.add", name="white_check_mark", timestamp=event["ts"]))
    methods = [(c.method, c.args.get("name")) for c in fake.calls if c.method.startswith("reactions.")]
    assert methods == [("reactions.add", "eyes"), ("reactions.remove", "eyes"),
                       ("reactions.add", "white_check_mark")]
    assert job_rows(slack_bot.store)[0]["state"] == "done"


def test_redeliveries_give_exactly_one_reply(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    event = events.message(f"<{article_server.url('/rates')}>")
    body_id = "Ev0SAME"
    assert events.event(event, event_id=body_id).status == 200
    for n in (1, 2, 3):  # Slack's retries carry X-Slack-Retry-Num
        assert events.event(event, event_id=body_id, retry=n).status == 200
    # the same message again as a fresh delivery, and as an app_mention
    assert events.event(event).status == 200
    assert events.event({**event, "type": "app_mention"}).status == 200
    fake.wait_for(lambda: fake.calls_to("reactions.add", name="white_check_mark"))
    assert len(_brief_posts(fake)) == 1
    assert len(job_rows(slack_bot.store)) == 1
    assert len(fake.calls_to("reactions.add", name="eyes")) == 1
    assert article_server.count("/rates") == 1


def test_same_link_in_two_channels_is_fetched_once_and_replied_twice(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    url = article_server.url("/rates")
    first = events.message(f"<{url}>", channel="C0NEWS")
    events.event(first)
    fake.wait_for(lambda: _brief_posts(fake, "C0NEWS", first["ts"]))
    second = events.message(f"again <{url}>", channel="C0MARKETS")
    events.event(second)
    fake.wait_for(lambda: _brief_posts(fake, "C0MARKETS", second["ts"]))
    assert article_server.count("/rates") == 1
    assert len(_brief_posts(fake)) == 2
    jobs = fake.wait_for(lambda: len(job_rows(slack_bot.store, "done")) == 2 and job_rows(slack_bot.store, "done"))
    assert jobs[0]["brief_id"] != jobs[1]["brief_id"]


def test_article_text_cannot_ping_anyone(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/ferry", PING_HTML)
    event = events.message(f"<{article_server.url('/ferry')}>")
    events.event(event)
    fake.wait_for(lambda: _brief_posts(fake, "C0NEWS", event["ts"]))
    for call in fake.posts():
        dumped = json.dumps(call.args)
        assert "<!channel>" not in dumped and "<!here>" not in dumped and "<@U0VICTIM>" not in dumped
    assert "&lt;!channel&gt;" in json.dumps(_brief_posts(fake)[0].args["blocks"])


def test_script_only_page_warns_and_suggests_the_shortcut(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/app", SCRIPT_ONLY_HTML)
    event = events.message(f"<{article_server.url('/app')}>")
    events.event(event)
    fake.wait_for(lambda: fake.calls_to("reactions.add", name="warning", timestamp=event["ts"]))
    notes = fake.posts("C0NEWS", event["ts"])
    assert len(notes) == 1
    text = notes[0].args["text"]
    assert "Couldn't brief" in text and "Brief this" in text and "\n" not in text
    assert job_rows(slack_bot.store)[0]["state"] == "failed"


def test_links_over_the_limit_are_named_as_skipped(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    for i in range(7):
        article_server.html(f"/s{i}", RATES_HTML.replace("Central bank", f"Central bank {i}")
                            .replace("Monday", f"Monday ({i} sources)"))
    text = " ".join(f"<{article_server.url(f'/s{i}')}>" for i in range(7))
    event = events.message(text)
    events.event(event)
    fake.wait_for(lambda: fake.calls_to("reactions.add", name="white_check_mark")
                  or fake.calls_to("reactions.add", name="warning"))
    posts = fake.posts("C0NEWS", event["ts"])
    assert len(_brief_posts(fake)) == 5
    skipped = [p for p in posts if "skipped" in p.args["text"]]
    assert len(skipped) == 1
    assert article_server.url("/s5") in skipped[0].args["text"] and article_server.url("/s6") in skipped[0].args["text"]
    assert article_server.count("/s5") == 0 and article_server.count("/s6") == 0


def test_edits_unfurls_and_bot_messages_are_ignored(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    url = article_server.url("/rates")
    changed = {"type": "message", "subtype": "message_changed", "channel": "C0NEWS", "channel_type": "channel",
               "ts": events.new_ts(), "hidden": True,
               "message": {"type": "message", "user": "U0READER", "text": f"<{url}>", "ts": events.new_ts(),
                           "attachments": [{"from_url": url}]}}
    assert events.event(changed).status == 200
    bot_msg = events.message(f"<{url}>", bot_id="B0OTHER", subtype="bot_message")
    assert events.event(bot_msg).status == 200
    plain = events.message("no links here")
    assert events.event(plain).status == 200
    assert job_rows(slack_bot.store) == []  # no job exists, so no worker can ever post for these
    assert fake.posts() == [] and article_server.count("/rates") == 0


def test_a_question_gets_a_cited_answer(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    url = article_server.url("/rates")
    link_msg = events.message(f"<{url}>")
    events.event(link_msg)
    brief_post = fake.wait_for(lambda: _brief_posts(fake, "C0NEWS", link_msg["ts"]))[0]
    fake.wait_for(lambda: job_rows(slack_bot.store, "done"))

    question = events.message(f"<@{BOT_USER}> what did the Federal Reserve say about inflation?")
    events.event({**question, "type": "app_mention"})
    events.event(question)  # the same mention as a message event
    answer = fake.wait_for(lambda: fake.posts("C0NEWS", question["ts"]))
    asks = [j for j in job_rows(slack_bot.store) if j["kind"] == "question"]
    assert len(asks) == 1  # both deliveries became one job, so one answer
    assert len(fake.posts("C0NEWS", question["ts"])) == 1
    dumped = json.dumps(answer[0].args["blocks"])
    assert "inflation" in dumped.lower()
    assert f"<{url}|" in dumped  # the source URL
    assert brief_post.args["channel"] == "C0NEWS"
    assert "briefbot-test.slack.com/archives/C0NEWS/p" in dumped  # the brief's permalink
    assert fake.calls_to("chat.getPermalink")


def test_dm_question_and_help_command(slack_bot):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    dm = events.message("help", channel="D0DM", channel_type="im")
    events.event(dm)
    reply = fake.wait_for(lambda: fake.posts("D0DM", dm["ts"]))[0]
    assert "/brief" in reply.args["text"]
    mention = events.message(f"<@{BOT_USER}> storylines")
    events.event(mention)
    reply = fake.wait_for(lambda: fake.posts("C0NEWS", mention["ts"]))[0]
    assert "storylines" in reply.args["text"].lower()


def test_bad_signature_and_stale_timestamp_are_refused(slack_bot):  # noqa: F811
    events = slack_bot.events
    event = events.message("<https://news.test/a>")
    assert events.event(event, secret="not-the-secret").status == 401
    assert events.event(event, timestamp=int(time.time()) - 60 * 10).status == 401
    assert job_rows(slack_bot.store) == []


def test_rate_limited_post_is_retried_after_retry_after(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    event = events.message(f"<{article_server.url('/rates')}>")
    events.event(event)
    fake.wait_for(lambda: _brief_posts(fake, "C0NEWS", event["ts"]), timeout=15)
    fake.wait_for(lambda: job_rows(slack_bot.store, "done"))
    attempts = fake.calls_to("chat.postMessage")
    assert [c.status for c in attempts] == [429, 200]  # the 429, then the retry after Retry-After
    assert len(_brief_posts(fake)) == 1


def test_not_in_channel_is_logged_and_the_user_is_told(slack_bot, article_server, caplog):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    article_server.html("/ferry", PING_HTML)
    fake.fail("chat.postMessage", "not_in_channel", channel="C0GONE")
    gone = events.message(f"<{article_server.url('/rates')}>", channel="C0GONE")
    events.event(gone)
    dm = fake.wait_for(lambda: fake.posts("U0READER"))[0]
    assert "C0GONE" in dm.args["text"] and "not_in_channel" in dm.args["text"]
    # the worker is still alive and serves the next message
    ok = events.message(f"<{article_server.url('/ferry')}>")
    events.event(ok)
    fake.wait_for(lambda: _brief_posts(fake, "C0NEWS", ok["ts"]))
    assert "C0GONE" in caplog.text and BOT_TOKEN not in caplog.text


def test_slash_commands(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    help_reply = events.command("help")
    assert help_reply.status == 200 and "/brief" in help_reply.json()["text"]
    reply = events.command(article_server.url("/rates"))
    assert reply.status == 200 and "Briefing" in reply.body  # a text-only ack is sent as plain text
    post = fake.wait_for(lambda: _brief_posts(fake, "C0NEWS"))[0]
    assert "thread_ts" not in post.args
    listing = events.command("storylines").json()
    assert "Open storylines" in json.dumps(listing)
    assert events.command("digest").status == 200
    fake.wait_for(lambda: [p for p in fake.posts("C0NEWS") if "week" in p.args["text"].lower()
                           or "quiet" in p.args["text"].lower()])


def test_brief_this_shortcut_briefs_a_message_text(slack_bot):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    text = ("The port authority said on Tuesday that cargo volumes rose for the fourth month in a row, helped by "
            "stronger exports of machinery and farm goods. Officials expect the growth to continue into the "
            "new year as two new shipping routes open. The authority will publish its annual report on "
            "Friday, October 31, with figures for every terminal.")
    payload = {
        "type": "message_action", "callback_id": "brief_this", "trigger_id": "t1",
        "team": {"id": "T0TEST"}, "user": {"id": "U0READER"}, "channel": {"id": "C0NEWS", "name": "news"},
        "message_ts": "1761555600.900001", "response_url": fake.response_url(),
        "message": {"type": "message", "user": "U0OTHER", "ts": "1761555600.900001", "text": text},
    }
    assert events.interactive(payload).status == 200
    post = fake.wait_for(lambda: _brief_posts(fake, "C0NEWS", "1761555600.900001"))[0]
    assert "cargo volumes" in json.dumps(post.args["blocks"])


def test_app_home_lists_storylines_week_and_schedules(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    event = events.message(f"<{article_server.url('/rates')}>")
    events.event(event)
    fake.wait_for(lambda: job_rows(slack_bot.store, "done"))
    events.event({"type": "app_home_opened", "user": "U0READER", "channel": "D0DM", "tab": "home",
                  "event_ts": events.new_ts()})
    publish = fake.wait_for(lambda: fake.calls_to("views.publish"))[0]
    view = json.dumps(publish.args["view"])
    assert publish.args["user_id"] == "U0READER"
    assert "Open storylines" in view and "The week ahead" in view and "Digest schedules" in view
    assert "Wed 29 Oct" in view


def test_msg_too_long_falls_back_to_a_short_notice(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    fake.fail("chat.postMessage", "msg_too_long", times=1)
    event = events.message(f"<{article_server.url('/rates')}>")
    events.event(event)
    note = fake.wait_for(lambda: fake.posts("C0NEWS", event["ts"]))[0]
    assert "too long" in note.args["text"]
    assert [c.ok for c in fake.calls_to("chat.postMessage")] == [False, True]


def test_mention_without_channel_type_uses_conversations_info(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/rates", RATES_HTML)
    fake.channel("G0PRIVATE", is_private=True)
    mention = {"type": "app_mention", "channel": "G0PRIVATE", "user": "U0READER", "ts": events.new_ts(),
               "text": f"<@{BOT_USER}> brief <{article_server.url('/rates')}>"}
    events.event(mention)
    fake.wait_for(lambda: _brief_posts(fake, "G0PRIVATE", mention["ts"]))
    assert fake.calls_to("conversations.info", channel="G0PRIVATE")
    job = fake.wait_for(lambda: [j for j in job_rows(slack_bot.store) if j["state"] == "done"])[0]  # recorded after the post
    brief = slack_bot.store.get_brief(job["brief_id"])
    assert brief["visibility"] == "private" and brief["channel"] == "G0PRIVATE"
    # a public channel's question cannot see the private brief
    question = events.message(f"<@{BOT_USER}> what did the Federal Reserve say about inflation?", channel="C0NEWS")
    events.event(question)
    answer = fake.wait_for(lambda: fake.posts("C0NEWS", question["ts"]))[0]
    assert "G0PRIVATE" not in json.dumps(answer.args) and "/rates" not in json.dumps(answer.args)
