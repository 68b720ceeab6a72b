"""Mention injection through model output: the OpenAI stub answers with `<!channel>`, `<!here>`, `<@U123>`,
`<#C123>`, `<https://evil|click>` and `&` in every field that reaches Slack (TL;DR, key points, open
questions, storyline title, event title, answer, digest intro). End to end through the Slack bot, nothing
posted or published contains any of it unescaped, and each escaped form is there (so the model's text
really went through). Article text and titles are covered by tests/test_slack_e2e.py.
"""

from __future__ import annotations

import json

from tests.helpers.fake_slack import BOT_USER, fake_slack, stop_bot  # noqa: F401 - fixture
from tests.helpers.openai_stub import openai_stub  # noqa: F401 - fixture
from tests.helpers.store_peek import job_rows
from tests.test_security_support import (
    HOSTILE,
    MARKUP,
    escaped_markup_in,
    markup_problems,
    start_openai_bot,
)

EVIDENCE = "The harbour board will vote on the ferry terminal budget on Wednesday, October 29."
HARBOUR_HTML = f"""<html><head><title>Harbour board backs new ferry terminal</title></head><body><article>
<h1>Harbour board backs new ferry terminal</h1>
<p>The harbour board approved plans for a new ferry terminal on Monday after a year of public consultation,
and construction is expected to begin in the spring if the budget is confirmed.</p>
<p>{EVIDENCE}</p>
<p>The terminal would double the number of daily crossings and replace a pier that has been closed since a
storm damaged it two winters ago, officials said at a press conference on the waterfront.</p>
</article></body></html>"""


def hostile_model(body: dict) -> dict:
    """The stub's reply to every request: valid for its schema, with the markup in every text field."""
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    if schema == "BriefOut":
        return {
            "tldr": f"The harbour board approved a new ferry terminal {HOSTILE}",
            "key_points": [f"Construction starts in spring {HOSTILE}", "Daily crossings would double."],
            "open_questions": [f"Will the budget hold {HOSTILE}?"],
            "entities": ["harbour board"],
            "storylines": {"existing_ids": [], "new_titles": [f"Ferry {HOSTILE}"]},
            "events": [{"title": f"Harbour vote {HOSTILE}", "date": "2025-10-29", "precision": "day",
                        "time": None, "timezone": None, "evidence": EVIDENCE}],
        }
    if schema == "AnswerOut":
        return {"answer": f"The harbour board approved a new ferry terminal {HOSTILE} [1]."}
    if schema == "IntroOut":
        return {"intro": f"The harbour vote on Wednesday leads the week {HOSTILE}."}
    raise AssertionError(f"unexpected request for {schema}")


def test_model_output_cannot_ping_or_link_in_brief_answer_digest_or_home(
        settings, clock, fake_slack, openai_stub, article_server):  # noqa: F811
    openai_stub.default = hostile_model
    article_server.html("/harbour", HARBOUR_HTML)
    bot = start_openai_bot(settings, clock, fake_slack, openai_stub)
    fake, events = fake_slack, bot.events
    try:
        link = events.message(f"<{article_server.url('/harbour')}>")
        events.event(link)
        brief_post = fake.wait_for(lambda: [p for p in fake.posts("C0NEWS", link["ts"]) if p.args.get("blocks")])[0]
        fake.wait_for(lambda: job_rows(bot.store, "done"))
        record = bot.store.get_brief(job_rows(bot.store)[0]["brief_id"])
        # The model's text was stored as the model wrote it: the escaping below is the bot's, at posting.
        assert record["backend"] == "openai" and "<!channel>" in record["tldr"]
        assert "<@U123>" in record["events"][0]["title"]
        assert any("<!here>" in s["title"] for s in record["storylines"])

        question = events.message(f"<@{BOT_USER}> what did the harbour board approve?")
        events.event({**question, "type": "app_mention"})
        answer_post = fake.wait_for(lambda: fake.posts("C0NEWS", question["ts"]))[0]

        assert events.command("digest").status == 200
        digest_post = fake.wait_for(lambda: [p for p in fake.posts("C0NEWS") if "What to watch" in
                                             json.dumps(p.args.get("blocks") or [])])[0]

        events.event({"type": "app_home_opened", "user": "U0READER", "channel": "D0DM", "tab": "home",
                      "event_ts": events.new_ts()})
        home = fake.wait_for(lambda: fake.calls_to("views.publish"))[0]
    finally:
        stop_bot(bot)

    schemas = [r.schema_name for r in openai_stub.requests]
    assert {"BriefOut", "AnswerOut", "IntroOut"} <= set(schemas)
    for request in openai_stub.requests:  # what the stub sent back held every piece of the markup
        reply = json.dumps(hostile_model(request.body))
        assert all(json.dumps(m)[1:-1] in reply for m in MARKUP) and "&" in reply

    for name, payload in [("brief", brief_post.args), ("answer", answer_post.args),
                          ("digest", digest_post.args), ("home", home.args["view"])]:
        assert markup_problems(payload) == [], name
        assert escaped_markup_in(payload), f"the model's markup is missing (escaped) from the {name}"
    assert "&amp; co" in json.dumps(brief_post.args)
    for call in [*fake.calls_to("chat.postMessage"), *fake.calls_to("views.publish")]:
        assert markup_problems(call.args) == [], call.method
