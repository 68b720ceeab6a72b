"""A private-channel or DM brief never appears in another conversation's answer, digest or App Home.

End to end through the Slack bot: a link posted in a private channel (channel_type "group"), one in a
DM (channel_type "im") and one in a public channel; then, in the public channel, questions about each
private topic and about the week, `/brief digest`, and app_home_opened. None of what is posted there or
published to the Home tab holds the private briefs' titles, TL;DRs, URLs, brief ids, event titles or
storyline titles. The controls: the public brief does show up on those surfaces, and the same questions
asked in the private channel and in the DM do find their own brief.
"""

from __future__ import annotations

import json
import re

from bot.slack.mrkdwn import escape
from tests.helpers.articles import RATES_HTML
from tests.helpers.fake_slack import BOT_USER, fake_slack, slack_bot  # noqa: F401 - fixtures
from tests.helpers.store_peek import job_rows

GLACIER_HTML = """<html><head><title>Glacier observatory measures the fastest melt on record</title></head>
<body><article><h1>Glacier observatory measures the fastest melt on record</h1>
<p>The mountain glacier observatory measured the fastest summer melt since its records began, losing almost
four metres of ice thickness at its highest station, researchers said on Monday.</p>
<p>The observatory will publish its full glacier survey on Thursday, October 30, with figures for every
station in the northern range.</p>
<p>Researchers said warm nights and a dry spring had left little fresh snow to protect the glacier.</p>
</article></body></html>"""

LIGHTHOUSE_HTML = """<html><head><title>Coastal trust wins approval to restore the old lighthouse</title></head>
<body><article><h1>Coastal trust wins approval to restore the old lighthouse</h1>
<p>The coastal heritage trust won approval on Monday to restore the old lighthouse on the northern headland,
which has been closed to visitors for more than a decade.</p>
<p>The trust will open bids from restoration builders on Tuesday, October 28, and hopes to reopen the
lighthouse lantern room within two years.</p>
<p>Volunteers have raised most of the money through donations from local families and fishing crews.</p>
</article></body></html>"""



def _secrets_of(store, brief_id: str, url: str) -> list[str]:
    """Every string that would betray the brief outside its conversation."""
    record = store.get_brief(brief_id)
    out = [record["title"], record["tldr"], url, url.split(":", 2)[-1].split("/", 1)[-1]]
    out += [e["title"] for e in record["events"]] + [s["title"] for s in record["storylines"]]
    out += record["key_points"]
    return [s for s in dict.fromkeys(out) if s]


def _leaks(payload: dict, secrets: list[str], brief_id: str) -> list[str]:
    text = json.dumps(payload, ensure_ascii=False)
    found = [s for s in secrets if s in text or escape(s) in text or json.dumps(s)[1:-1] in text]
    if re.search(rf"\b{brief_id}\b", text):
        found.append(brief_id)
    return found


def _brief_of(bot, channel: str) -> str:
    done = [j for j in job_rows(bot.store, "done") if j["channel"] == channel and j.get("brief_id")]
    return done[0]["brief_id"]


def test_private_and_dm_briefs_stay_in_their_conversation(slack_bot, article_server):  # noqa: F811
    fake, events, store = slack_bot.fake, slack_bot.events, slack_bot.store
    for path, html in (("/glacier", GLACIER_HTML), ("/lighthouse", LIGHTHOUSE_HTML), ("/rates", RATES_HTML)):
        article_server.html(path, html)
    urls = {p: article_server.url(p) for p in ("/glacier", "/lighthouse", "/rates")}

    for channel, kind, path in (("G0PRIVATE", "group", "/glacier"), ("D0DM", "im", "/lighthouse"),
                                ("C0NEWS", "channel", "/rates")):
        link = events.message(f"<{urls[path]}>", channel=channel, channel_type=kind)
        events.event(link)
        fake.wait_for(lambda c=channel: [j for j in job_rows(store, "done") if j["channel"] == c], timeout=20)
    private_id, dm_id, public_id = (_brief_of(slack_bot, c) for c in ("G0PRIVATE", "D0DM", "C0NEWS"))
    assert store.get_brief(private_id)["visibility"] == "private"
    assert store.get_brief(dm_id)["visibility"] == "dm"
    assert store.get_brief(public_id)["visibility"] == "public"
    private = _secrets_of(store, private_id, urls["/glacier"])
    dm = _secrets_of(store, dm_id, urls["/lighthouse"])
    assert store.get_brief(private_id)["events"] and store.get_brief(dm_id)["events"]  # things a digest would list

    # The public channel: questions about each private topic and about the week, the digest, App Home.
    asked = []
    for text in ("what did the glacier observatory measure?", "what about the lighthouse restoration bids?",
                 "what's coming up this week?"):
        question = events.message(f"<@{BOT_USER}> {text}", channel="C0NEWS")
        events.event({**question, "type": "app_mention"})
        asked.append(question["ts"])
    for ts in asked:
        fake.wait_for(lambda t=ts: fake.posts("C0NEWS", t))
    assert events.command("digest", channel="C0NEWS").status == 200
    digest = fake.wait_for(lambda: [p for p in fake.posts("C0NEWS") if "Week ahead" in p.args["text"]
                                    or "Week ahead" in json.dumps(p.args.get("blocks") or [])])[0]
    events.event({"type": "app_home_opened", "user": "U0READER", "channel": "D0DM", "tab": "home",
                  "event_ts": events.new_ts()})
    home = fake.wait_for(lambda: fake.calls_to("views.publish"))[0]

    public_payloads = [p.args for p in fake.posts("C0NEWS")] + [home.args["view"]]
    assert len(public_payloads) >= 6  # brief, three answers, digest, Home
    for payload in public_payloads:
        assert _leaks(payload, private, private_id) == [], payload.get("text")
        assert _leaks(payload, dm, dm_id) == [], payload.get("text")

    # Controls: the public brief does reach those surfaces, so their silence about the others means something.
    week_answer = json.dumps(fake.posts("C0NEWS", asked[2])[0].args)
    assert "Wed 29 Oct" in week_answer and urls["/rates"] in week_answer
    assert "Wed 29 Oct" in json.dumps(digest.args) and public_id in json.dumps(digest.args)
    assert "Wed 29 Oct" in json.dumps(home.args["view"])

    # ... and each private brief is found from its own conversation.
    in_private = events.message(f"<@{BOT_USER}> what did the glacier observatory measure?", channel="G0PRIVATE",
                                channel_type="group")
    events.event({**in_private, "type": "app_mention"})
    week_private = events.message(f"<@{BOT_USER}> what's coming up this week?", channel="G0PRIVATE",
                                  channel_type="group")
    events.event({**week_private, "type": "app_mention"})
    in_dm = events.message("what about the lighthouse restoration bids?", channel="D0DM", channel_type="im")
    events.event(in_dm)
    for ts, channel, secrets, brief_id in ((in_private["ts"], "G0PRIVATE", private, private_id),
                                           (week_private["ts"], "G0PRIVATE", private, private_id),
                                           (in_dm["ts"], "D0DM", dm, dm_id)):
        reply = fake.wait_for(lambda t=ts, c=channel: fake.posts(c, t))[0]
        assert brief_id in _leaks(reply.args, secrets, brief_id), reply.args["text"]
    private_answer = json.dumps(fake.posts("G0PRIVATE", in_private["ts"])[0].args)
    assert urls["/glacier"] in private_answer


NIGHTJAR_HTML = """<html><head><title>Nightjar survey finds the glacier melting faster</title></head>
<body><article><h1>Nightjar survey finds the glacier melting faster</h1>
<p>The confidential Nightjar survey of the mountain glacier observatory measured the fastest summer melt on
record, losing almost four metres of ice at its highest station, researchers told the team on Monday.</p>
<p>The Nightjar team will brief the glacier observatory board on Thursday, October 30, before any of the
figures are made public.</p>
<p>The survey's authors said the melt at the highest station was twice the rate they had expected from the
last ten summers of measurements.</p>
</article></body></html>"""

PUBLIC_GLACIER_HTML = """<html><head><title>Glacier melt speeds up across the northern range</title></head>
<body><article><h1>Glacier melt speeds up across the northern range</h1>
<p>The glacier observatory in the northern range reported the fastest summer melt on record, researchers
said on Monday, with ice losses at every station of the observatory.</p>
<p>The observatory will publish its glacier survey on Thursday, October 30, with figures for every station
in the range and a comparison with the last ten summers.</p>
<p>Researchers said warm nights and a dry spring had left little fresh snow to protect the ice, and that
the lower stations had lost more than the upper ones for the third year running.</p>
</article></body></html>"""


def test_a_storyline_begun_in_a_private_channel_is_not_joined_or_shown_elsewhere(
        slack_bot, article_server):  # noqa: F811
    """Storyline titles are written from the brief that began them. A public brief on the same story
    must start its own storyline rather than join (and so reveal) the private one."""
    fake, events, store = slack_bot.fake, slack_bot.events, slack_bot.store
    article_server.html("/nightjar", NIGHTJAR_HTML)
    article_server.html("/glacier", PUBLIC_GLACIER_HTML)
    private_link = events.message(f"<{article_server.url('/nightjar')}>", channel="G0PRIVATE", channel_type="group")
    events.event(private_link)
    fake.wait_for(lambda: job_rows(store, "done"), timeout=20)
    public_link = events.message(f"<{article_server.url('/glacier')}>", channel="C0NEWS")
    events.event(public_link)
    fake.wait_for(lambda: [j for j in job_rows(store, "done") if j["channel"] == "C0NEWS"], timeout=20)
    private_id, public_id = _brief_of(slack_bot, "G0PRIVATE"), _brief_of(slack_bot, "C0NEWS")
    private_titles = {s["title"] for s in store.get_brief(private_id)["storylines"]}
    assert any("Nightjar" in t for t in private_titles)  # the private storyline's title names the secret
    public_storylines = store.get_brief(public_id)["storylines"]
    assert public_storylines and not {s["id"] for s in public_storylines} & {
        s["id"] for s in store.get_brief(private_id)["storylines"]}

    assert events.command("digest", channel="C0NEWS").status == 200
    fake.wait_for(lambda: [p for p in fake.posts("C0NEWS") if "Week ahead" in p.args["text"]])
    events.event({"type": "app_home_opened", "user": "U0READER", "tab": "home", "event_ts": events.new_ts()})
    home = fake.wait_for(lambda: fake.calls_to("views.publish"))[0]
    for payload in [p.args for p in fake.posts("C0NEWS")] + [home.args["view"]]:
        assert "Nightjar" not in json.dumps(payload), payload.get("text")
    # the control: in the private channel the storyline is there
    in_private = events.message(f"<@{BOT_USER}> storylines", channel="G0PRIVATE", channel_type="group")
    events.event({**in_private, "type": "app_mention"})
    reply = fake.wait_for(lambda: fake.posts("G0PRIVATE", in_private["ts"]))[0]
    assert "Nightjar" in json.dumps(reply.args)
