"""Multi-workspace install (OAuth v2), end to end on loopback.

Two workspaces install the bot through the real redirect flow: `GET /slack/install` on the bot's HTTP
server (bolt's page and state cookie), then `GET /slack/oauth_redirect` with the code and state, where bolt
calls `oauth.v2.access` and `auth.test` on the fake Slack. Links posted in each workspace are briefed and
replied to with that workspace's own token. After `app_uninstalled` the workspace's installation,
schedule and digest job are gone and nothing more reaches it. A forged or replayed `state` is refused.
"""

from __future__ import annotations

import dataclasses
import http.client
import logging
import re
import urllib.parse

import pytest

from storage.installations import open_install_stores
from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.fake_slack import CLIENT_ID, CLIENT_SECRET, SIGNING_SECRET, FakeSlack, SlackEvents
from tests.helpers.store_peek import job_rows

ALPHA, BETA = "T0ALPHA", "T0BETA"
ARTICLE = """<html><head><title>Port authority approves a second container terminal</title></head><body><article>
<h1>Port authority approves a second container terminal</h1>
<p>The port authority approved a second container terminal on Tuesday after two years of planning, and
dredging of the new berth is expected to start in March.</p>
<p>The board will vote on the construction contract on Thursday, November 6, officials said, and the first
ships could dock there within three years if the work stays on schedule.</p>
<p>Shipping lines welcomed the plan, saying that the existing quays were running close to capacity during
the busiest months of the year and that delays had grown.</p>
</article></body></html>"""


def _get(url: str, path: str, headers: dict | None = None) -> tuple[int, str, dict]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode(), {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def start_install(url: str) -> tuple[str, str]:
    """Open the "Add to Slack" page: (state in the authorize link, the cookie bolt set with it)."""
    status, body, headers = _get(url, "/slack/install")
    assert status == 200 and "Add to Slack" in body
    state = re.search(r"state=([^&\"]+)", body).group(1)
    cookie = headers["set-cookie"].split(";")[0]
    assert cookie.endswith("=" + state)
    return state, cookie


def finish_install(url: str, code: str, state: str, cookie: str) -> tuple[int, str]:
    query = urllib.parse.urlencode({"code": code, "state": state})
    status, body, _ = _get(url, f"/slack/oauth_redirect?{query}", {"Cookie": cookie})
    return status, body


@pytest.fixture
def oauth_bot(settings, clock):
    from bot.services import build_services
    from bot.slack.runtime import SlackRuntime

    fake = FakeSlack().start()
    services = build_services(dataclasses.replace(
        settings, slack_bot_token=None, slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.api_url,
        slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET, workers=2), clock=clock)
    runtime = SlackRuntime(services, poll_seconds=0.1)
    server = runtime.serve_http("127.0.0.1", 0)
    runtime.start(digests=False)
    runtime.digests.start(paused=True, catch_up=False)  # real APScheduler jobs, never fired by the wall clock
    try:
        yield fake, services, runtime, server
    finally:
        runtime.stop(timeout=5)
        services.close()
        fake.stop()


def _briefs_in(fake, channel):
    return [c for c in fake.posts(channel) if c.args.get("blocks") and c.args["blocks"][0]["type"] == "header"]


def test_two_workspaces_install_are_briefed_with_their_own_tokens_and_one_uninstalls(oauth_bot, article_server,  # noqa: F811
                                                                                     caplog):
    caplog.set_level(logging.DEBUG)
    fake, services, runtime, server = oauth_bot
    token_a, token_b = fake.workspace(ALPHA, "code-alpha"), fake.workspace(BETA, "code-beta")
    article_server.html("/port", ARTICLE)
    link = article_server.url("/port")

    for code in ("code-alpha", "code-beta"):
        status, body = finish_install(server.url, code, *start_install(server.url))
        assert status == 200, body
    assert len(fake.calls_to("oauth.v2.access")) == 2
    installations, _ = open_install_stores(services.store.path, CLIENT_ID)
    assert installations.find_bot(enterprise_id=None, team_id=ALPHA).bot_token == token_a
    assert installations.find_bot(enterprise_id=None, team_id=BETA).bot_token == token_b

    alpha, beta = SlackEvents(server.url, team=ALPHA), SlackEvents(server.url, team=BETA)
    assert alpha.event(alpha.message(f"<{link}>", channel="C0ALPHA")).status == 200
    assert beta.event(beta.message(f"<{link}>", channel="C0BETA")).status == 200
    fake.wait_for(lambda: _briefs_in(fake, "C0ALPHA") and _briefs_in(fake, "C0BETA"))
    fake.wait_for(lambda: len(fake.calls_to("reactions.add", name="white_check_mark")) == 2)
    for call in fake.calls:
        channel = call.args.get("channel")
        if channel in ("C0ALPHA", "C0BETA"):
            assert fake.team_of(call) == {"C0ALPHA": ALPHA, "C0BETA": BETA}[channel], call.method
    # App Home, opened in BETA: published with BETA's token.
    assert beta.event({"type": "app_home_opened", "user": "U0READER", "tab": "home"}).status == 200
    home = fake.wait_for(lambda: fake.calls_to("views.publish", user_id="U0READER"))[0]
    assert fake.team_of(home) == BETA

    services.store.upsert_schedule(channel="C0ALPHA", team=ALPHA, time="08:00", timezone="UTC",
                                   days="mon,tue,wed,thu,fri", now=services.clock.utc_stamp())
    services.store.upsert_schedule(channel="C0BETA", team=BETA, time="08:00", timezone="UTC",
                                   days="mon,tue,wed,thu,fri", now=services.clock.utc_stamp())
    runtime.digests.sync()
    assert set(runtime.digests.digest_jobs()) == {"C0ALPHA", "C0BETA"}

    fake.revoke(token_a)  # Slack stops honouring the token, then tells the app
    assert alpha.event({"type": "app_uninstalled"}).status == 200
    fake.wait_for(lambda: installations.find_bot(enterprise_id=None, team_id=ALPHA) is None)
    fake.wait_for(lambda: set(runtime.digests.digest_jobs()) == {"C0BETA"})
    assert not services.store.get_schedule("C0ALPHA")["enabled"]
    assert services.store.get_schedule("C0BETA")["enabled"]
    # The 08:00 digests are due now (the clock says Monday 08:00 UTC): BETA's goes out with BETA's token.
    assert runtime.digests.run_scheduled("C0ALPHA") is None
    ts = runtime.digests.run_scheduled("C0BETA")
    digest = [c for c in fake.posts("C0BETA") if c.args.get("thread_ts") is None]  # briefs are in threads
    assert ts and digest and fake.team_of(digest[-1]) == BETA

    calls_before = len(fake.calls)
    reply = alpha.event(alpha.message(f"<{link}>?again", channel="C0ALPHA"))
    assert reply.status == 200  # bolt answers, but finds no installation: nothing is queued for the team
    assert not [j for j in job_rows(services.store) if j["team"] == ALPHA and j["state"] == "queued"]
    assert beta.event(beta.message(f"<{link}>?again", channel="C0BETA")).status == 200
    fake.wait_for(lambda: len(_briefs_in(fake, "C0BETA")) == 2)
    assert not [c for c in fake.calls[calls_before:] if c.args.get("channel") == "C0ALPHA"]
    assert len(_briefs_in(fake, "C0ALPHA")) == 1

    # The workspace installs again: its new token is used from the next job on.
    token_a2 = fake.workspace(ALPHA, "code-alpha-2")
    assert finish_install(server.url, "code-alpha-2", *start_install(server.url))[0] == 200
    assert alpha.event(alpha.message(f"<{link}>?third", channel="C0ALPHA")).status == 200
    fake.wait_for(lambda: len(_briefs_in(fake, "C0ALPHA")) == 2)
    newest = _briefs_in(fake, "C0ALPHA")[-1]
    assert newest.headers.get("Authorization") == f"Bearer {token_a2}" != f"Bearer {token_a}"
    logged = caplog.text
    # Captured at DEBUG (the bot's own loggers say everything), whatever quiet_slack_loggers keeps out.
    assert logging.getLogger().getEffectiveLevel() == logging.DEBUG and caplog.handler.level <= logging.DEBUG
    assert not [s for s in (token_a, token_b, token_a2, CLIENT_SECRET, SIGNING_SECRET) if s in logged]


def test_a_forged_or_replayed_state_is_refused(oauth_bot):
    fake, services, runtime, server = oauth_bot
    fake.workspace(ALPHA, "code-alpha")
    state, cookie = start_install(server.url)

    status, _ = finish_install(server.url, "code-alpha", "forged-state", "slack-app-oauth-state=forged-state")
    assert status >= 400
    status, _ = finish_install(server.url, "code-alpha", state, "slack-app-oauth-state=someone-else")
    assert status >= 400  # the right state from another browser
    assert fake.calls_to("oauth.v2.access") == []

    assert finish_install(server.url, "code-alpha", state, cookie)[0] == 200
    assert finish_install(server.url, "code-alpha", state, cookie)[0] >= 400  # a state is used once
    assert len(fake.calls_to("oauth.v2.access")) == 1


def test_install_asks_for_the_manifest_bot_scopes(oauth_bot):
    import json
    from pathlib import Path

    manifest = json.loads((Path(__file__).resolve().parents[1] / "manifest.json").read_text())
    _, body, _ = _get(oauth_bot[3].url, "/slack/install")
    scope = urllib.parse.unquote(re.search(r"scope=([^&\"]+)", body).group(1))
    assert scope.split(",") == manifest["oauth_config"]["scopes"]["bot"]


def test_tokens_revoked_for_the_bot_removes_the_install_but_user_tokens_alone_do_not(oauth_bot):
    fake, services, runtime, server = oauth_bot
    fake.workspace(BETA, "code-beta")
    assert finish_install(server.url, "code-beta", *start_install(server.url))[0] == 200
    installations, _ = open_install_stores(services.store.path, CLIENT_ID)
    beta = SlackEvents(server.url, team=BETA)

    # A user token revoked (we ask for none, but an admin may hold one): the bot stays.
    assert runtime.ctx.team_leaving.tokens_revoked(BETA, {"tokens": {"oauth": ["U0SOMEONE"], "bot": []}}) is None
    assert installations.find_bot(enterprise_id=None, team_id=BETA) is not None
    # The bot token revoked, as Slack sends it: the install goes.
    assert beta.event({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBETABOT"]}}).status == 200
    fake.wait_for(lambda: installations.find_bot(enterprise_id=None, team_id=BETA) is None
                  and installations.find_installation(enterprise_id=None, team_id=BETA) is None)
