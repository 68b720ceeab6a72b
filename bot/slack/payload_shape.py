"""`payload_problem(body)`: what is wrong with the shape of a Slack payload, or None when it is fine.

A validly signed request can still carry a payload of the wrong shape (a bug on Slack's side, a replayed
test request, a client built by hand): `event` a string, `channel` a dict, `text` a list. bolt and the
listeners read those fields as the types Slack documents, so the wrong type would raise in the middle of
a listener (a 500, and Slack retrying the same payload three times). The bolt middleware in app.py asks
this first and acknowledges such a payload with a 200 and a one-line warning instead, in HTTP and Socket
Mode alike. Only types are checked, for the fields bolt or a listener reads; values are the listeners' job.
"""

from __future__ import annotations

from typing import Any

# top-level fields that are strings wherever Slack sends them (event envelopes, commands, interactions)
STRINGS = ("type", "team_id", "api_app_id", "event_id", "enterprise_id", "command", "text", "user_id",
           "channel_id", "channel_name", "trigger_id", "response_url", "callback_id", "message_ts", "token")
OBJECTS = ("team", "user", "channel", "message", "container", "enterprise", "view")
EVENT_STRINGS = ("type", "subtype", "text", "ts", "thread_ts", "event_ts", "channel_type", "bot_id", "team",
                 "user_team", "tab", "client_msg_id")
EVENT_LISTS = ("blocks", "attachments", "files", "authorizations")
# events our listeners handle: there `channel` and `user` are ids (elsewhere Slack may send objects)
ID_EVENTS = {"message", "app_mention", "app_home_opened"}
MESSAGE_STRINGS = ("text", "ts", "thread_ts", "user", "type")


def kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _expect(container: dict, keys, types: tuple, where: str) -> str | None:
    for key in keys:
        value = container.get(key)
        if value is not None and not isinstance(value, types):
            return f"{where}{key} is {kind(value)}"
    return None


def _list_of_objects(container: dict, key: str, where: str) -> str | None:
    value = container.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return f"{where}{key} is {kind(value)}" if not isinstance(value, list) else f"{where}{key} holds non-objects"
    return None


def _event_problem(event: Any) -> str | None:
    if not isinstance(event, dict):
        return f"event is {kind(event)}"
    problem = _expect(event, EVENT_STRINGS, (str,), "event.")
    for key in EVENT_LISTS:
        value = event.get(key)
        if problem is None and value is not None and not isinstance(value, list):
            problem = f"event.{key} is {kind(value)}"
    if problem is None and event.get("type") in ID_EVENTS:
        problem = _expect(event, ("channel", "user"), (str,), "event.")
    if problem is None:
        problem = _expect(event, ("channel", "user", "item"), (str, dict), "event.")
    if problem is None:
        problem = _expect(event, ("message", "previous_message"), (dict,), "event.")
    return problem


def payload_problem(body: Any) -> str | None:
    """None for a payload whose fields have the types bolt and the listeners expect, else the first
    field that does not (named by its path, never by its value: the log must not carry user text)."""
    if not isinstance(body, dict):
        return f"payload is {kind(body)}, not an object"
    problem = (_expect(body, STRINGS, (str,), "") or _expect(body, OBJECTS, (dict,), "")
               or _list_of_objects(body, "authorizations", "") or _list_of_objects(body, "actions", ""))
    if problem is None and "event" in body:
        problem = _event_problem(body["event"])
    if problem is None and isinstance(body.get("message"), dict):
        problem = _expect(body["message"], MESSAGE_STRINGS, (str,), "message.")
        blocks = body["message"].get("blocks")
        if problem is None and blocks is not None and not isinstance(blocks, list):
            problem = f"message.blocks is {kind(blocks)}"
    view = body.get("view")
    if problem is None and isinstance(view, dict) and not isinstance(view.get("type"), str):
        problem = f"view.type is {kind(view.get('type'))}"  # bolt reads view["type"] of every view payload
    if problem is None:
        for action in body.get("actions") or []:
            problem = problem or _expect(action, ("action_id", "block_id", "value"), (str,), "actions[].")
    return problem
