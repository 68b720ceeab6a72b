"""The bolt `App` with every listener registered, and the logging filters that keep tokens and
people's messages out of the logs. `SlackRuntime` (runtime.py) builds it with the rest of the bot.

`process_before_response=False`: bolt answers Slack as soon as a listener acks (events are acked by
bolt itself right after their listener middleware, which is where the jobs rows are written), and the
listener body runs afterwards on bolt's executor. Nothing calls the network before the ack.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.config import Settings
from bot.slack.context import SlackContext
from bot.slack.listeners import register_listeners
from bot.slack.poster import build_client

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


class RedactTokens(logging.Filter):
    """Belt and braces: Slack tokens are replaced in any log record that reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("xox*-***", message)
            record.args = None
        return True


class _DropTokenIgnoredWarning(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that the client's token wins;
    the client is built from the same variable, so the warning is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def quiet_slack_loggers() -> None:
    """slack_sdk logs request headers (the bearer token) at DEBUG, and bolt's app logger every incoming
    payload (people's messages): never let those records through."""
    for name in ("slack_sdk", "slack_bolt", "slack_bolt.App", "urllib3"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    bolt_logger = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _DropTokenIgnoredWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_DropTokenIgnoredWarning())
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())


def build_bolt_app(settings: Settings, ctx: SlackContext, oauth: OAuthSettings | None = None) -> App:
    """The bolt App (its own Web API client, for bolt's `auth.test` and listener `client`s) with the
    listeners of `ctx` registered. With `oauth` it serves the install flow and authorizes each request
    with the token stored for its team (the client then has no token of its own)."""
    quiet_slack_loggers()
    token = None if oauth is not None else settings.slack_bot_token
    app = App(  # the token comes with the client; passing it twice makes bolt warn
        signing_secret=settings.slack_signing_secret,
        client=build_client(token, settings.slack_api_url),
        oauth_settings=oauth,
        process_before_response=False,
        name="briefbot",
    )
    register_listeners(app, ctx)
    return app
