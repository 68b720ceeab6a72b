"""Shared pieces of the security tests (no tests here): the bot on the OpenAI stub, and the checks that
say whether a Slack payload could notify anyone or carry link markup it did not mean to."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator

from bot.slack.mrkdwn import escape
from tests.helpers.fake_slack import start_bot

OPENAI_KEY = "sk-briefbot-Secret-0penai-93kd7Qz"  # distinctive, so a leak of it is found wherever it lands
APP_TOKEN = "xapp-1-A0BRIEFBOT-0000-secret-app-token"

# The markup an attacker wants Slack to act on, as it would arrive in a model's or an article's text.
MARKUP = ("<!channel>", "<!here>", "<@U123>", "<#C123>", "<https://evil|click>")
HOSTILE = " ".join(MARKUP) + " & co"

# The only `<…>` the bot itself may post: links to the test's own servers and to Slack permalinks.
OWN_LINK = re.compile(r"<(?:https?://127\.0\.0\.1:\d+/|https://briefbot-test\.slack\.com/archives/)[^<>\s|]*"
                      r"(?:\|[^<>]*)?>")
BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def openai_settings(settings, stub, **overrides):
    return dataclasses.replace(settings, backend="openai", openai_api_key=OPENAI_KEY,
                               openai_base_url=stub.base_url, openai_timeout=5.0, **overrides)


def start_openai_bot(settings, clock, fake, stub, **overrides):
    """The whole Slack bot in-process with the OpenAI backend aimed at the stub."""
    return start_bot(openai_settings(settings, stub, **overrides), clock, fake)


def shown_texts(value) -> Iterator[str]:
    """Every string Slack renders in a chat.postMessage / views.publish payload: `text` fields at any depth
    (the fallback, mrkdwn and plain_text objects, button labels)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            elif isinstance(item, dict | list):
                yield from shown_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from shown_texts(item)


def markup_problems(payload) -> list[str]:
    """What in `payload` Slack would read as a mention, a channel link, a foreign link or a bare `&`."""
    problems: list[str] = []
    for text in shown_texts(payload):
        rest = OWN_LINK.sub("", text)
        for label in re.findall(r"\|([^<>]*)>", "".join(OWN_LINK.findall(text))):
            if BARE_AMPERSAND.search(label):
                problems.append(f"bare & in link label {label!r}")
        if "<" in rest or ">" in rest:
            problems.append(f"angle brackets in {text[:200]!r}")
        if BARE_AMPERSAND.search(rest):
            problems.append(f"bare & in {text[:200]!r}")
    if isinstance(payload, dict) and payload.get("link_names") not in (None, False, 0, "0", "false"):
        problems.append("link_names is on: Slack would turn @channel into a mention")
    return problems


def escaped_markup_in(payload) -> bool:
    """True when every piece of the hostile markup is in the payload, escaped (it really went through)."""
    joined = "\n".join(shown_texts(payload))
    return all(escape(m).replace("|", "∣") in joined or escape(m) in joined for m in MARKUP)


def dumped(call) -> str:
    return json.dumps(call.args, ensure_ascii=False)
