"""The only code that calls the Slack Web API on the bot's behalf: posting, reactions, permalinks, views,
file uploads.

It is also the one place that names Slack's error codes and sorts them: too big (retry as a short
notice), unreachable (tell the user in a DM), transient (retry the job later) and permanent (a retry
cannot help: log it and stop).

Every call is made after the ack, from a worker or a listener body. Slack API errors never escape:
`not_in_channel`, `channel_not_found`, `msg_too_long` and the rest are logged with the channel (never the
token) and reported back as `None` / False, so one bad channel can't stop a worker. 429s are retried by
slack_sdk's `RateLimitErrorRetryHandler`, which waits for `Retry-After`.

`post` is the exception: when Slack is only unavailable for now (still rate limited after those retries,
a 5xx, a dropped connection) it raises `SlackUnavailable`, so the worker holds the job back with backoff instead of
finishing it without its reply. Each reply carries message metadata naming what it answers, so after a
crash between posting and recording, `find_reply` can ask the thread (or, for a reply with no thread,
the channel's history) whether the reply went out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.errors import Unavailable
from bot.retry import is_transient
from bot.slack.blocks import Message, notice

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# Errors where the conversation is out of reach: tell the user in a DM instead.
UNREACHABLE = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cannot_reply_to_message"}
# Errors about the message itself: retry once as a short plain notice.
TOO_BIG = {"msg_too_long", "msg_blocks_too_long", "invalid_blocks", "invalid_blocks_format", "too_many_blocks"}
# Errors a retry cannot fix: the bot is out of the channel or its token is dead. Logged, not retried.
PERMANENT = {"not_in_channel", "channel_not_found", "is_archived", "invalid_auth", "account_inactive",
             "token_revoked", "not_authed", "missing_scope", "restricted_action"}
REPLY_EVENT = "briefbot_reply"  # message metadata event type on every job reply
HISTORY_PAGES = 5  # how far back `find_reply` looks for a reply with no thread: 5 × 200 messages


class SlackUnavailable(Unavailable):
    """Slack could not take a post right now; retrying the job later may succeed."""


def reply_marker(message_ts: str, key: str) -> dict:
    """Message metadata identifying a reply: the message it answers and its key (URL, "ask", ...)."""
    return {"event_type": REPLY_EVENT, "event_payload": {"message_ts": message_ts, "key": key}}


def build_client(token: str | None, api_url: str | None = None, *, rate_limit_retries: int = 3,
                 server_error_retries: int = 2) -> WebClient:
    """A WebClient aimed at `api_url` (tests, proxies) that waits out 429s and retries dropped connections
    and Slack's 500/503 answers (twice, with slack_sdk's backoff)."""
    base = (api_url or DEFAULT_API_URL).rstrip("/") + "/"
    client = WebClient(token=token, base_url=base, timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=server_error_retries))
    if not any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(ConnectionErrorRetryHandler())
    return client


def _error(err: Exception) -> str:
    if isinstance(err, SlackApiError):
        return str(err.response.get("error") or "unknown_error")
    return type(err).__name__


def error_code(err: BaseException) -> str | None:
    """Slack's error code (`not_in_channel`, …) from a Web API error; None for anything else."""
    response = getattr(err, "response", None)
    try:
        return response.get("error") if response is not None else None
    except AttributeError:
        return None


def is_permanent(err: BaseException) -> bool:
    """A Slack refusal that a retry cannot fix: PERMANENT, or a message too big to post as it is."""
    return error_code(err) in PERMANENT | TOO_BIG


def is_too_big(err: BaseException) -> bool:
    """Slack refused the message itself (too long, too many blocks): a smaller one may go through."""
    return error_code(err) in TOO_BIG


def _marked(messages: list[dict] | None, marker: dict) -> str | None:
    """The ts of the first message carrying `marker` in its metadata."""
    for message in messages or []:
        meta = message.get("metadata") or {}
        if meta.get("event_type") == marker["event_type"] and meta.get("event_payload") == marker["event_payload"]:
            return message.get("ts")
    return None


class Poster:
    """Posts and reacts; returns None/False instead of raising on Slack errors.

    `client` speaks with the single bot token. With several workspaces installed, `clients(team)` gives
    each team's client and callers take `poster.for_team(team)` before calling Slack for that team's work.
    """

    def __init__(self, client: WebClient, *, clients: Callable[[str], WebClient] | None = None):
        self.client = client
        self.clients = clients

    def for_team(self, team: str | None) -> Poster:
        """The poster speaking with `team`'s token; itself in single-token mode."""
        if self.clients is None or not team:
            return self
        return Poster(self.clients(team))

    def post(self, channel: str, msg: Message, thread_ts: str | None = None, *, user: str | None = None,
             metadata: dict | None = None) -> str | None:
        """Post `msg` (unfurls off). Returns the message ts, or None when Slack refused it; raises
        `SlackUnavailable` when it may take it later."""
        try:
            return self.post_or_raise(channel, msg, thread_ts, metadata)
        except Exception as err:  # noqa: BLE001 - Slack errors, timeouts, refused connections alike
            code = _error(err)
            log.warning("chat.postMessage failed in channel %s: %s", channel, code)
            if is_transient(err):  # "not now" rather than "no": the worker retries the job later
                raise SlackUnavailable(f"Slack unavailable ({code})") from None
            if code in TOO_BIG:
                short = notice("The reply was too long for Slack and could not be posted in full.")
                try:
                    return self.post_or_raise(channel, short, thread_ts, metadata)
                except Exception as again:  # noqa: BLE001
                    log.warning("short notice failed in channel %s: %s", channel, _error(again))
            elif code in UNREACHABLE and user:
                self.dm(user, f"I couldn't post in <#{channel}> ({code}). Invite me there with /invite, "
                              "then try again.")
            return None

    def post_or_raise(self, channel: str, msg: Message, thread_ts: str | None = None,
                      metadata: dict | None = None) -> str | None:
        """Post `msg` (unfurls off) and let Slack's error through: for callers that decide themselves
        what a refusal means (the digest gives its ledger claim back and the scheduler retries or not)."""
        kwargs = {"channel": channel, "text": msg.text, "unfurl_links": False, "unfurl_media": False}
        if msg.blocks:
            kwargs["blocks"] = msg.blocks
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        if metadata:
            kwargs["metadata"] = metadata
        response = self.client.chat_postMessage(**kwargs)
        return response.get("ts")

    def find_reply(self, channel: str, thread_ts: str | None, marker: dict) -> str | None:
        """The ts of a reply carrying `marker` (see `reply_marker`), or None when there is none or Slack
        won't say (then the caller posts: at least once beats never).

        A reply in a thread is looked for in that thread; a reply with no thread (a slash command's) in
        the channel's newest messages, `HISTORY_PAGES` pages of 200 — a restart comes soon after the crash,
        so the reply, if it went out, is recent."""
        try:
            if thread_ts:
                response = self.client.conversations_replies(channel=channel, ts=thread_ts,
                                                             include_all_metadata=True, limit=200)
                return _marked(response.get("messages"), marker)
            cursor = None
            for _ in range(HISTORY_PAGES):
                response = self.client.conversations_history(channel=channel, include_all_metadata=True,
                                                             limit=200, cursor=cursor)
                found = _marked(response.get("messages"), marker)
                cursor = (response.get("response_metadata") or {}).get("next_cursor")
                if found or not response.get("has_more") or not cursor:
                    return found
        except Exception as err:  # noqa: BLE001 - Slack errors, timeouts, refused connections alike
            method = "conversations.replies" if thread_ts else "conversations.history"
            log.info("%s failed in channel %s: %s", method, channel, _error(err))
        return None

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

    def upload_image(self, channel: str, data: bytes, *, filename: str, title: str, alt_text: str,
                     thread_ts: str | None = None) -> str | None:
        """Share a PNG in `channel` (in `thread_ts`'s thread when given) with files_upload_v2: ask for an
        upload URL, send the bytes there, complete the upload into the conversation. The file id, or None."""
        try:
            response = self.client.files_upload_v2(channel=channel, content=data, filename=filename, title=title,
                                                   alt_txt=alt_text, thread_ts=thread_ts)
        except Exception as err:  # noqa: BLE001 - Slack errors, a failed upload, refused connections alike
            log.warning("file upload failed in channel %s: %s", channel, _error(err))
            return None
        return (response.get("file") or {}).get("id")
