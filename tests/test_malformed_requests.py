"""Issue 14, finding 3: malformed requests get a status, never a 500, a dropped connection or a traceback.

Unsigned or badly signed: 401. Signed but not parseable (bad JSON, `payload=not-json`, 100k-deep JSON): 400.
Signed, parseable, but of the wrong shape (`[]`, `null`, `event` a string, `channel` a dict, `text` or
`user` a list): 200, ignored with one warning line, no job, no call to Slack. Real signed HTTP requests
against the whole bot; logs captured at DEBUG, where no traceback may appear either."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse

import pytest

from tests.helpers.fake_slack import SIGNING_SECRET, fake_slack, sign, slack_bot  # noqa: F401 - fixtures
from tests.helpers.raw_http import send_raw, signed_post
from tests.helpers.store_peek import job_rows


def _post(bot, body: str | bytes, *, content_type: str = "application/json", signed: bool = True,
          timestamp: str | None = None) -> int:
    raw = body if isinstance(body, bytes) else body.encode()
    reply = signed_post(bot.server.port, raw, secret=SIGNING_SECRET, content_type=content_type, signed=signed,
                        timestamp=timestamp)
    assert reply.status is not None, "the connection was dropped without a status"
    return reply.status


def _event_body(bot, event) -> str:
    body = json.loads(bot.events.event_body(bot.events.message("<http://127.0.0.1:9/story>")))
    body["event"] = event
    return json.dumps(body)


def _message(bot, **fields) -> dict:
    return {**bot.events.message("<http://127.0.0.1:9/story>"), **fields}


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("case, body, content_type, status", [
    ("malformed JSON", '{"type": "event_callback", ', "application/json", 400),
    ("JSON list", "[]", "application/json", 200),
    ("JSON null", "null", "application/json", 200),
    ("payload not JSON", "payload=not-json", "application/x-www-form-urlencoded", 400),
    ("100k-deep JSON", DEEP, "application/json", 400),
    ("100k-deep payload", "payload=" + urllib.parse.quote(DEEP), "application/x-www-form-urlencoded", 400),
    ("not UTF-8", None, "application/json", 400),
])
def test_signed_bodies_that_cannot_be_read_get_a_status(slack_bot, caplog, case, body, content_type, status):  # noqa: F811
    if body is None:
        body = b'{"type": "\xff\xfe"}'  # not UTF-8
    with caplog.at_level(logging.DEBUG):
        assert _post(slack_bot, body, content_type=content_type) == status
    assert "Traceback" not in caplog.text
    assert job_rows(slack_bot.store) == []


@pytest.mark.parametrize("case", ["unsigned deep JSON", "timestamp ²", "timestamp ٣", "signature not ASCII"])
def test_unsigned_or_odd_headers_are_401(slack_bot, caplog, case):  # noqa: F811
    body = DEEP if case == "unsigned deep JSON" else slack_bot.events.event_body(slack_bot.events.message("hi"))
    with caplog.at_level(logging.DEBUG):
        if case.startswith("timestamp"):
            status = _post(slack_bot, body, timestamp=case.split()[1])
        elif case == "signature not ASCII":
            stamp = str(int(time.time()))
            head = (f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    f"X-Slack-Request-Timestamp: {stamp}\r\nX-Slack-Signature: v0=\xe9\xe9\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
            status = send_raw(slack_bot.server.port, head + body.encode()).status
        else:
            status = _post(slack_bot, body, signed=False)
    assert status == 401
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("case", ["event a string", "channel a dict", "text a list", "user a list",
                                  "ts a number", "blocks an object", "authorizations a string"])
def test_signed_events_of_the_wrong_shape_are_acked_and_ignored(slack_bot, caplog, case):  # noqa: F811
    bot = slack_bot
    if case == "event a string":
        body = _event_body(bot, "message")
    elif case == "authorizations a string":
        body = json.loads(bot.events.event_body(_message(bot)))
        body["authorizations"] = "yes"
        body = json.dumps(body)
    else:
        field, value = {"channel a dict": ("channel", {"id": "C0NEWS"}), "text a list": ("text", ["<http://x>"]),
                        "user a list": ("user", ["U0READER"]), "ts a number": ("ts", 1761555600.1),
                        "blocks an object": ("blocks", {"type": "rich_text"})}[case]
        body = _event_body(bot, _message(bot, **{field: value}))
    with caplog.at_level(logging.DEBUG):
        assert _post(bot, body) == 200
    time.sleep(0.3)  # a job would be written before the ack; a post within this time by the workers
    assert job_rows(bot.store) == []
    assert [c.method for c in bot.fake.calls if c.method != "auth.test"] == []
    assert "Traceback" not in caplog.text
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "wrong shape" in r.getMessage()]
    assert len(warnings) == 1 and "\n" not in warnings[0].getMessage()


def test_wrong_shapes_in_commands_and_interactions_are_ignored_too(slack_bot, caplog):  # noqa: F811
    shortcut = {"type": "message_action", "callback_id": "brief_this", "trigger_id": "t2",
                "team": "T0TEST", "user": {"id": "U0READER"}, "channel": {"id": "C0NEWS"},
                "message": {"type": "message", "ts": "1761555600.900001", "text": ["not", "text"]}}
    view_without_type = {"type": "view_submission", "team": {"id": "T0TEST"}, "user": {"id": "U0READER"},
                         "view": {"id": "V1", "callback_id": "feedback"}}  # bolt reads view["type"]: a 500
    with caplog.at_level(logging.DEBUG):
        for payload in (shortcut, view_without_type):
            status = _post(slack_bot, urllib.parse.urlencode({"payload": json.dumps(payload)}),
                           content_type="application/x-www-form-urlencoded")
            assert status == 200
    assert job_rows(slack_bot.store) == []
    assert "Traceback" not in caplog.text


def test_the_same_event_well_formed_is_briefed_as_usual(slack_bot):  # noqa: F811 - the control
    assert _post(slack_bot, slack_bot.events.event_body(_message(slack_bot))) == 200
    assert [j["source"] for j in job_rows(slack_bot.store)] == ["http://127.0.0.1:9/story"]
