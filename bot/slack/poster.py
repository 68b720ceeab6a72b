"""The only code that calls the Slack Web API on the bot's behalf: posting, reactions, permalinks, views.

Every call is made after the ack, from a worker or a listener body. Slack API errors never escape:
`not_in_channel`, `channel_not_found`, `msg_too_long` and the rest are logged with the channel (never the
token) and reported back as `None` / False, so one bad channel can't stop a worker. 429s are retried by
slack_sdk's `RateLimitErrorRetryHandler`, which waits for `Retry-After`.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.slack.blocks import Message, notice

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# Errors where the conversation is out of reach: tell the user in a DM instead.
UNREACHABLE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cannot_reply_to_message"}
# Errors about the message itself: retry once as a short plain notice.
TOO_BIG = {"msg_too_long", "invalid_blocks", "invalid_blocks_format", "too_many_blocks"}


def build_client(token: str | None, api_url: str | None = None, *, rate_limit_retries: int = 3) -> WebClient:
    """A WebClient aimed at `api_url` (tests, proxies) that waits out 429s and retries dropped connections."""
    base = (api_url or DEFAULT_API_URL).rstrip("/") + "/"
    client = WebClient(token=token, base_url=base, timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries))
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler())
    return client


def _error(err: Exception) -> str:
    if isinstance(err, SlackApiError):
        return str(err.response.get("error") or "unknown_error")
    return type(err).__name__


class Poster:
    """Posts and reacts; returns None/False instead of raising on Slack errors."""

    def __init__(self, client: WebClient):
        self.client = client

    def post(self, channel: str, msg: Message, thread_ts: str | None = None, *, user: str | None = None) -> str | None:
        """Post `msg` (unfurls off). Returns the message ts, or None when Slack refused it."""
        try:
            return self._post(channel, msg, thread_ts)
        except Exception as err:  # noqa: BLE001 - Slack errors, timeouts, refused connections alike
            code = _error(err)
            log.warning("chat.postMessage failed in channel %s: %s", channel, code)
            if code in TOO_BIG:
                short = notice("The reply was too long for Slack and could not be posted in full.")
                try:
                    return self._post(channel, short, thread_ts)
                except Exception as again:  # noqa: BLE001
                    log.warning("short notice failed in channel %s: %s", channel, _error(again))
            elif code in UNREACHABLE and user:
                self.dm(user, f"I couldn't post in <#{channel}> ({code}). Invite me there with /invite, "
                              "then try again.")
            return None

    def _post(self, channel: str, msg: Message, thread_ts: str | None) -> str | None:
        kwargs = {"channel": channel, "text": msg.text, "unfurl_links": False, "unfurl_media": False}
        if msg.blocks:
            kwargs["blocks"] = msg.blocks
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        response = self.client.chat_postMessage(**kwargs)
        return response.get("ts")

    def dm(self, user: str, text: str) -> str | None:
        """A plain DM to a user (posting to a user id opens the app's DM with them)."""
        try:
            return self.client.chat_postMessage(channel=user, text=text, unfurl_links=False,
                                                unfurl_media=False).get("ts")
        except Exception as err:  # noqa: BLE001 - Slack errors, timeouts, refused connections alike
            log.warning("DM to user %s failed: %s", user, _error(err))
            return None

    def react(self, channel: str, ts: str, name: str) -> bool:
        try:
            self.client.reactions_add(channel=channel, timestamp=ts, name=name)
            return True
        except Exception as err:  # noqa: BLE001 - Slack errors, timeouts, refused connections alike
            if _error(err) != "already_reacted":
                log.warning("reactions.add %s failed in channel %s: %s", name, channel, _error(err))
            return False

    def unreact(self, channel: str, ts: str, name: str) -> bool:
        try:
            self.client.reactions_remove(channel=channel, timestamp=ts, name=name)
            return True
        except Exception as err:  # noqa: BLE001 - Slack errors, timeouts, refused connections alike
            if _error(err) != "no_reaction":
                log.warning("reactions.remove %s failed in channel %s: %s", name, channel, _error(err))
            return False

    def permalink(self, channel: str, ts: str) -> str | None:
        try:
            return self.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except Exception as err:  # noqa: BLE001 - Slack errors, timeouts, refused connections alike
            log.info("chat.getPermalink failed in channel %s: %s", channel, _error(err))
            return None

    def conversation_kind(self, channel: str) -> str | None:
        """public | private | dm from `conversations.info`; None when Slack won't say."""
        try:
            info = self.client.conversations_info(channel=channel).get("channel") or {}
        except Exception as err:  # noqa: BLE001 - Slack errors, timeouts, refused connections alike
            log.info("conversations.info failed for channel %s: %s", channel, _error(err))
            return None
        if info.get("is_im"):
            return "dm"
        if info.get("is_private") or info.get("is_mpim") or info.get("is_group"):
            return "private"
        return "public"

    def publish_home(self, user: str, view: dict) -> bool:
        try:
            self.client.views_publish(user_id=user, view=view)
            return True
        except Exception as err:  # noqa: BLE001 - Slack errors, timeouts, refused connections alike
            log.warning("views.publish failed for user %s: %s", user, _error(err))
            return False
