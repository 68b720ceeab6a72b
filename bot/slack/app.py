"""`build_app(services) -> slack_bolt.App`: the bolt app, its Web API client, listeners and workers.

`process_before_response=False`: bolt answers Slack as soon as a listener acks (events are acked by
bolt itself right after their listener middleware, which is where the jobs rows are written), and the
listener body runs afterwards on bolt's executor. Nothing calls the network before the ack.

Acks first: the HTTP server counts requests in flight (`InFlight`); the workers and the `:eyes:` reactor
wait for a short quiet spell (bounded) before starting CPU- or network-heavy work, so a burst of events
is acknowledged before the briefing starts competing with it for the interpreter. A job already running
when a burst arrives also waits, between stages (`STAGE_YIELD_SECONDS` at most each): after the fetch,
after extraction, after the backend has drafted a brief (before it is saved) and before each Web API
call. Those are the points where the worker would next take the store's lock or a long slice of the
interpreter that the acks are queueing for.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from slack_bolt import App

from bot.server import InFlight, SlackHTTPServer
from bot.services import Services
from bot.slack.context import SlackContext
from bot.slack.jobs import SlackJobs
from bot.slack.listeners import register_listeners
from bot.slack.poster import Poster, build_client
from bot.slack.reactor import Reactor
from bot.worker import WorkerPool

log = logging.getLogger(__name__)

STAGE_YIELD_SECONDS = 0.15  # per stage of a running job; a burst of 200 acks takes about this long

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


def _acks_first_client(client, yield_to: Callable[[float], object]):
    """The poster's Web API client: every call first waits (bounded) for a pause in Slack traffic."""
    api_call = client.api_call

    def yielding_api_call(*args, **kwargs):
        yield_to(STAGE_YIELD_SECONDS)
        return api_call(*args, **kwargs)

    client.api_call = yielding_api_call
    return client


def build_app(services: Services, *, workers: int | None = None, poll_seconds: float = 1.0) -> App:
    """The bolt App wired to `services`. Its `SlackContext` (with the unstarted worker pool) is at
    `context_of(app)`; `start_workers(app)` starts the pool."""
    settings = services.settings
    quiet_slack_loggers()
    client = build_client(settings.slack_bot_token, settings.slack_api_url)
    app = App(  # the token comes with the client; passing it twice makes bolt warn
        signing_secret=settings.slack_signing_secret,
        client=client,
        process_before_response=False,
        name="briefbot",
    )
    in_flight = InFlight()
    poster_client = _acks_first_client(build_client(settings.slack_bot_token, settings.slack_api_url),
                                       in_flight.wait_idle)
    services.ingestor.between_stages = lambda: in_flight.wait_idle(STAGE_YIELD_SECONDS)
    ctx = SlackContext(services=services, poster=Poster(poster_client), in_flight=in_flight)
    ctx.reactor = Reactor(ctx.poster, ctx.gate, yield_to=ctx.in_flight.wait_idle)
    jobs = SlackJobs(ctx)
    ctx.pool = WorkerPool(services.store, jobs, jobs.failed, services.clock, workers=workers or settings.workers,
                          max_attempts=settings.max_attempts, poll_seconds=poll_seconds, on_done=jobs.done,
                          yield_to=ctx.in_flight.wait_idle, on_delayed=jobs.delayed)
    register_listeners(app, ctx)
    app._briefbot_context = ctx  # noqa: SLF001 - one attribute, read through context_of()
    return app


def context_of(app: App) -> SlackContext:
    return app._briefbot_context  # noqa: SLF001


def start_workers(app: App) -> WorkerPool:
    """Recover stale jobs (posting failures in their threads), start the worker and reactor threads."""
    ctx = context_of(app)
    ctx.reactor.start()
    ctx.pool.start()
    return ctx.pool


def serve_http(app: App, host: str, port: int) -> SlackHTTPServer:
    """Start the HTTP server for `app`, with /healthz reporting the queue and acks counted in flight."""
    ctx = context_of(app)
    return SlackHTTPServer(
        app, host, port, in_flight=ctx.in_flight,
        health=lambda: {"ok": True, "jobs_pending": ctx.store.queued_job_count(), "workers_busy": ctx.pool.busy},
    ).start()


def stop_workers(app: App, timeout: float = 10.0) -> None:
    """Stop the workers and the reactor thread (the store belongs to the services)."""
    ctx = context_of(app)
    ctx.pool.stop(timeout)
    ctx.reactor.stop()
    ctx.writer.close()
