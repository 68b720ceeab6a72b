"""The bolt `App` with every listener registered, and the logging filters that keep tokens and
people's messages out of the logs. `SlackRuntime` (runtime.py) builds it with the rest of the bot.

`process_before_response=False`: bolt answers Slack as soon as a listener acks (events are acked by
bolt itself right after their listener middleware, which is where the jobs rows are written), and the
listener body runs afterwards on bolt's executor. Nothing calls the network before the ack.
"""

from __future__ import annotations

import logging
import re

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.config import Settings
from bot.slack.context import SlackContext
from bot.slack.listeners import register_listeners
from bot.slack.payload_shape import payload_problem
from bot.slack.poster import build_client

log = logging.getLogger(__name__)

BOLT_APP_NAME = "briefbot"  # also the name of bolt's app logger, which logs payloads at DEBUG
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


class _DropBodyCarryingRecords(logging.Filter):
    """bolt logs the whole body of a request with a bad signature (INFO) and parts of any payload no
    listener handles (WARNING): unsigned junk fills the log and a replayed request logs someone's message.
    Those records are dropped; the HTTP server and `BriefbotApp` log one line each instead (path, reason,
    size), and at DEBUG the HTTP server logs refused bodies itself."""

    PREFIXES = ("Invalid request signature detected", "Unhandled request", "A global middleware")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.PREFIXES)


def _add_filter_once(logger: logging.Logger, kind: type[logging.Filter]) -> None:
    if not any(isinstance(f, kind) for f in logger.filters):
        logger.addFilter(kind())


def quiet_slack_loggers() -> None:
    """slack_sdk logs request headers (the bearer token) at DEBUG, and bolt's app logger every incoming
    payload (people's messages): never let those records through."""
    for name in ("slack_sdk", "slack_bolt", "slack_bolt.App", BOLT_APP_NAME, "urllib3"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    _add_filter_once(logging.getLogger("slack_bolt.App"), _DropTokenIgnoredWarning)
    for name in ("slack_bolt.RequestVerification", "slack_bolt.App", BOLT_APP_NAME):
        _add_filter_once(logging.getLogger(name), _DropBodyCarryingRecords)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactTokens) for f in handler.filters):
            handler.addFilter(RedactTokens())


def payload_type(body) -> str:
    """`event_callback/message`, `block_actions`, `/brief`: what a payload is, for one log line."""
    if not isinstance(body, dict):
        return "?"
    if isinstance(body.get("command"), str):
        return body["command"][:40]
    kind = str(body.get("type") or "?")[:40]
    event = body.get("event")
    return f"{kind}/{str(event.get('type') or '?')[:40]}" if isinstance(event, dict) else kind


class BriefbotApp(App):
    """bolt's App, dropping payloads of the wrong shape before any of bolt's middleware reads them, and
    logging a payload no listener handles in one line without its content.

    The shape check comes first in `dispatch` (HTTP and Socket Mode alike) because bolt's own middleware
    (authorization, URL verification) already reads `event.type` and the like, and would raise on an
    `event` that is a string. In HTTP mode the server has verified the signature before this runs."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        problem = payload_problem(req.body)
        if problem is not None:
            log.warning("ignored a signed Slack payload of the wrong shape: %s (%s, %d bytes)",
                        problem, payload_type(req.body), len(req.raw_body or ""))
            return BoltResponse(status=200, body="")
        return super().dispatch(req)

    def _handle_unmatched_requests(self, req: BoltRequest, resp: BoltResponse) -> BoltResponse:
        where = "a Socket Mode request" if req.mode == "socket_mode" else "POST /slack/events"
        log.info("ignored %s: no listener for %s (%d bytes)", where, payload_type(req.body), len(req.raw_body or ""))
        return resp


def one_line_errors(error: Exception) -> None:
    """bolt's default error handler logs a traceback (and its message may quote the payload); a failed
    listener gets one line with the exception's type and where it was raised, the traceback at DEBUG."""
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    where = f"{frame.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.tb_lineno}" if frame else "?"
    log.error("a Slack listener failed: %s at %s", type(error).__name__, where,
              exc_info=error if log.isEnabledFor(logging.DEBUG) else None)


def build_bolt_app(settings: Settings, ctx: SlackContext, oauth: OAuthSettings | None = None) -> App:
    """The bolt App (its own Web API client, for bolt's `auth.test` and listener `client`s) with the
    listeners of `ctx` registered. With `oauth` it serves the install flow and authorizes each request
    with the token stored for its team (the client then has no token of its own)."""
    quiet_slack_loggers()
    token = None if oauth is not None else settings.slack_bot_token
    app = BriefbotApp(  # the token comes with the client; passing it twice makes bolt warn
        signing_secret=settings.slack_signing_secret,
        client=build_client(token, settings.slack_api_url),
        oauth_settings=oauth,
        process_before_response=False,
        name=BOLT_APP_NAME,
    )
    app.error(one_line_errors)
    register_listeners(app, ctx)
    return app
