"""Request signing, beyond tests/test_slack_e2e.py's wrong secret and ten-minute-old timestamp: a body
changed after signing, a timestamp from the future, missing or malformed headers, and signed slash
commands and interactive payloads with a bad signature. Each is refused with 401 and leaves no job and
no call to Slack; the control is the same request correctly signed, which is accepted.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse

import pytest

from tests.helpers.fake_slack import SIGNING_SECRET, fake_slack, sign, slack_bot  # noqa: F401 - fixtures
from tests.helpers.store_peek import job_rows


def _post(bot, body: str, headers: dict, content_type: str = "application/json") -> int:
    conn = http.client.HTTPConnection(bot.events.host, bot.events.port, timeout=10)
    try:
        conn.request("POST", "/slack/events", body=body.encode(), headers={"Content-Type": content_type, **headers})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def _signed(body: str, ts: int | None = None) -> dict:
    stamp = str(int(time.time()) if ts is None else ts)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body)}


def _assert_nothing_happened(bot) -> None:
    time.sleep(0.3)  # a job or a post would be written within this time by the workers (poll 0.1 s)
    assert job_rows(bot.store) == []
    assert [c.method for c in bot.fake.calls if c.method != "auth.test"] == []


def _link_body(bot) -> str:
    return bot.events.event_body(bot.events.message("<http://127.0.0.1:9/story>"))


@pytest.mark.parametrize("case", ["tampered body", "future timestamp", "no signature", "no timestamp",
                                  "timestamp not a number", "signature without v0", "empty signature"])
def test_bad_requests_are_refused(slack_bot, case):  # noqa: F811
    body = _link_body(slack_bot)
    headers = _signed(body)
    if case == "tampered body":
        body = body.replace("127.0.0.1:9/story", "127.0.0.1:9/other")
    elif case == "future timestamp":
        headers = _signed(body, int(time.time()) + 10 * 60)
    elif case == "no signature":
        del headers["X-Slack-Signature"]
    elif case == "no timestamp":
        del headers["X-Slack-Request-Timestamp"]
    elif case == "timestamp not a number":
        headers["X-Slack-Request-Timestamp"] = "yesterday"
    elif case == "signature without v0":
        headers["X-Slack-Signature"] = headers["X-Slack-Signature"].removeprefix("v0=")
    elif case == "empty signature":
        headers["X-Slack-Signature"] = ""
    status = _post(slack_bot, body, headers)
    assert status == 401
    _assert_nothing_happened(slack_bot)


def test_the_same_request_correctly_signed_is_accepted(slack_bot):  # noqa: F811
    body = _link_body(slack_bot)
    assert _post(slack_bot, body, _signed(body)) == 200
    assert [j["source"] for j in job_rows(slack_bot.store)] == ["http://127.0.0.1:9/story"]


def test_commands_and_interactions_need_the_signature_too(slack_bot):  # noqa: F811
    command = urllib.parse.urlencode({"team_id": "T0TEST", "channel_id": "C0NEWS", "user_id": "U0READER",
                                      "command": "/brief", "text": "digest", "trigger_id": "t1",
                                      "response_url": slack_bot.fake.response_url()})
    payload = {"type": "message_action", "callback_id": "brief_this", "trigger_id": "t2",
               "team": {"id": "T0TEST"}, "user": {"id": "U0READER"}, "channel": {"id": "C0NEWS"},
               "message_ts": "1761555600.900001", "response_url": slack_bot.fake.response_url(),
               "message": {"type": "message", "ts": "1761555600.900001", "text": "Some pasted article text."}}
    interactive = urllib.parse.urlencode({"payload": json.dumps(payload)})
    form = "application/x-www-form-urlencoded"
    for body in (command, interactive):
        wrong = {**_signed(body), "X-Slack-Signature": sign("not-the-secret", str(int(time.time())), body)}
        assert _post(slack_bot, body, wrong, form) == 401
        stale = _signed(body, int(time.time()) - 6 * 60)
        assert _post(slack_bot, body, stale, form) == 401
    _assert_nothing_happened(slack_bot)
    assert slack_bot.fake.calls_to("response") == []
    assert _post(slack_bot, command, _signed(command), form) == 200  # the control
    assert job_rows(slack_bot.store)
