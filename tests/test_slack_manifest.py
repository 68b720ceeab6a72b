"""manifest.json and the listeners agree: every event, command and shortcut in the manifest has a
listener, and every listener is in the manifest — checked on the tables and on the running app."""

from __future__ import annotations

import json
from pathlib import Path

from bot.slack import blocks
from bot.slack.listeners import ACTIONS, COMMANDS, EVENTS, SHORTCUTS
from tests.helpers.fake_slack import fake_slack, slack_bot  # noqa: F401 - fixtures

MANIFEST = json.loads((Path(__file__).resolve().parent.parent / "manifest.json").read_text())


def manifest_events() -> set[str]:
    # message.channels / message.groups / message.im all arrive as the `message` event type
    return {e.split(".")[0] for e in MANIFEST["settings"]["event_subscriptions"]["bot_events"]}


def test_manifest_and_listener_tables_match():
    assert manifest_events() == set(EVENTS)
    assert {c["command"] for c in MANIFEST["features"]["slash_commands"]} == set(COMMANDS)
    assert {s["callback_id"] for s in MANIFEST["features"]["shortcuts"]} == set(SHORTCUTS)
    assert set(ACTIONS) == set(blocks.ACTION_IDS)
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) >= {
        "message.channels", "message.groups", "message.im", "app_mention", "app_home_opened"}
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "reactions:write", "commands", "app_mentions:read"} <= scopes
    assert "files:write" in scopes  # the digest's week picture (files_upload_v2)
    assert not any(s.endswith(":write") and s not in ("chat:write", "reactions:write", "files:write") for s in scopes)


def test_every_manifest_entry_is_handled_by_the_running_app(slack_bot):  # noqa: F811
    """bolt answers 404 to a request no listener matches; every manifest entry must get 200."""
    events = slack_bot.events
    for bot_event in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        kind, _, sub = bot_event.partition(".")
        if kind == "message":
            channel_type = {"channels": "channel", "groups": "group", "im": "im"}[sub]
            event = events.message("hello", channel_type=channel_type)
        else:
            event = {"type": kind, "user": "U0READER", "channel": "C0NEWS", "text": "hi", "ts": events.new_ts(),
                     "event_ts": events.new_ts(), "tab": "messages"}
        assert events.event(event).status == 200, bot_event
    for command in MANIFEST["features"]["slash_commands"]:
        assert events.command("help", command=command["command"]).status == 200
    for shortcut in MANIFEST["features"]["shortcuts"]:
        payload = {"type": "message_action", "callback_id": shortcut["callback_id"], "trigger_id": "t",
                   "team": {"id": "T0TEST"}, "user": {"id": "U0READER"}, "channel": {"id": "C0NEWS"},
                   "response_url": slack_bot.fake.response_url(), "message_ts": "1.000001",
                   "message": {"type": "message", "ts": "1.000001", "text": ""}}
        assert events.interactive(payload).status == 200
    unknown = {"type": "message_action", "callback_id": "not_in_manifest", "trigger_id": "t",
               "team": {"id": "T0TEST"}, "user": {"id": "U0READER"}, "channel": {"id": "C0NEWS"},
               "message": {"ts": "1.000001", "text": ""}}
    assert events.interactive(unknown).status == 404
