"""`SlackRuntime(services)`: the whole running Slack bot, built in one place, with `start()` and `stop()`.

Reading `__init__` top to bottom shows every part and what it is given: the in-flight counter, the
metrics (bot/metrics.py: hooks on the Web API clients, the ingestor, the ack path's writer and the
worker's callbacks), with OAuth the installation store and a Web API client per team, the poster, the
`:eyes:` gate and reactor, the ack path's job writer, the Slack workers' ingestor, the job handlers and
worker pool, the digest scheduler, the listeners' context and the bolt app.

Acks first: the HTTP server counts requests in flight (`InFlight`); the workers and the `:eyes:` reactor
wait for a short quiet spell (bounded) before starting CPU- or network-heavy work, so a burst of events
is acknowledged before the briefing starts competing with it for the interpreter. A job already running
when a burst arrives also waits, between stages (`STAGE_YIELD_SECONDS` at most each): after the fetch,
after extraction, after the backend has drafted a brief (before it is saved) and before each Web API
call. Those are the points where the worker would next take the store's lock or a long slice of the
interpreter that the acks are queueing for.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from slack_sdk import WebClient

from bot.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.metrics import Metrics
from bot.page_reader import ProcessPageReader
from bot.scheduler import DigestScheduler
from bot.services import Services
from bot.slack.app import build_bolt_app
from bot.slack.context import SlackContext
from bot.slack.health import Health
from bot.slack.http_server import HTTPLimits, InFlight, SlackHTTPServer
from bot.slack.install import oauth_settings
from bot.slack.intake import EyesGate, JobWriter
from bot.slack.job import LINK_KINDS
from bot.slack.jobs import SlackJobs
from bot.slack.poster import Poster, build_client
from bot.slack.reactor import Reactor
from bot.slack.teams import TeamClients, TeamLeaving
from bot.slack.wsgi_app import Response
from bot.worker import WorkerPool
from storage.installations import open_install_stores

METRICS_PATH = "/metrics"
STAGE_YIELD_SECONDS = 0.15  # per stage of a running job; a burst of 200 acks takes about this long


def acks_first_client(client: WebClient, yield_to: Callable[[float], object]) -> WebClient:
    """The poster's Web API client: every call first waits (bounded) for a pause in Slack traffic."""
    api_call = client.api_call

    def yielding_api_call(*args, **kwargs):
        yield_to(STAGE_YIELD_SECONDS)
        return api_call(*args, **kwargs)

    client.api_call = yielding_api_call
    return client


def counting_links(writer: JobWriter, metrics: Metrics) -> JobWriter:
    """The ack path's writer, counting each link job it creates (a link seen twice is one job)."""
    enqueue = writer.enqueue

    def enqueue_and_count(jobs, now):
        created = enqueue(jobs, now)
        metrics.count_links(job.kind.value for job, _, made in created if made and job.kind in LINK_KINDS)
        return created

    writer.enqueue = enqueue_and_count
    return writer


class SlackRuntime:
    def __init__(self, services: Services, *, workers: int | None = None, poll_seconds: float = 1.0):
        settings = services.settings
        self.services = services
        self.in_flight = InFlight()
        self.metrics = Metrics(services.store, services.clock, settings.prices)
        self.installations = self.team_clients = oauth = None

        def wrap(client: WebClient) -> WebClient:  # every Web API client of the poster, per team or not
            return acks_first_client(self.metrics.instrument_client(client), self.in_flight.wait_idle)

        if settings.oauth_enabled:  # many workspaces: a token per team, from the OAuth install
            self.installations, states = open_install_stores(services.store.path, settings.slack_client_id)
            self.team_clients = TeamClients(self.installations, settings.slack_api_url, wrap)
            oauth = oauth_settings(settings, self.installations, states)
        token = None if settings.oauth_enabled else settings.slack_bot_token
        self.poster = Poster(wrap(build_client(token, settings.slack_api_url)), clients=self.team_clients)
        self.gate = EyesGate()
        self.reactor = Reactor(self.poster, self.gate, yield_to=self.in_flight.wait_idle)
        self.writer = counting_links(JobWriter(services.store, services.store.ack_path_store()), self.metrics)
        # Pages are read in child processes: extraction's long C calls would otherwise hold up the acks.
        self.page_reader = ProcessPageReader(workers=min(settings.workers, os.cpu_count() or 1))
        ingestor = services.new_ingestor(between_stages=lambda: self.in_flight.wait_idle(STAGE_YIELD_SECONDS),
                                         on_stage=self.metrics.observe_stage, page_reader=self.page_reader)
        self.jobs = SlackJobs(services, self.poster, self.gate, ingestor)
        handler, failed = self.metrics.count_failures(self.jobs, self.jobs.failed)
        self.pool = WorkerPool(services.store, handler, failed, services.clock,
                               workers=workers or settings.workers, max_attempts=settings.max_attempts,
                               poll_seconds=poll_seconds, on_done=self.jobs.done,
                               yield_to=self.in_flight.wait_idle,
                               retry_window_seconds=settings.retry_window_seconds,
                               retention_days=settings.retention_days, on_delayed=self.jobs.delayed)
        self.digests = DigestScheduler(services, self.poster)
        self.ctx = SlackContext(services=services, poster=self.poster, gate=self.gate, reactor=self.reactor,
                                writer=self.writer, wake=self.pool.wake, schedule_changed=self.schedule_changed,
                                team_leaving=TeamLeaving(self.stop_team, self.installations))
        self.app = build_bolt_app(settings, self.ctx, oauth)
        self.server: SlackHTTPServer | None = None
        self.digests_started = False
        self.health: Health | None = None  # serve_http's

    def start(self, *, digests: bool = True) -> SlackRuntime:
        """Start the reactor and the workers (which first recover jobs a crash left running), then the
        digest scheduler unless told not to (tests drive digests themselves)."""
        self.reactor.start()
        self.pool.start()
        if digests:
            self.digests.start()
            self.digests_started = True
        return self

    def serve_http(self, host: str, port: int) -> SlackHTTPServer:
        """Start an HTTP server of its own (stopped with the runtime), with /healthz and events."""
        self.health = health = Health(self.services)
        health.ready(self)
        self.server = SlackHTTPServer(host, port, health=health.report,
                                      limits=HTTPLimits.from_settings(self.services.settings)).start()
        self.accept_events(self.server)
        self.serve_metrics(self.server)
        return self.server

    def accept_events(self, server: SlackHTTPServer) -> None:
        """`POST /slack/events` on `server` goes to this bot's bolt app, acks counted in flight."""
        server.attach(self.app, self.services.settings.slack_signing_secret, self.in_flight)

    def serve_metrics(self, server: SlackHTTPServer) -> None:
        """`GET /metrics` on `server`: Prometheus' text format (in Socket Mode too, beside /healthz)."""
        server.routes[METRICS_PATH] = lambda environ: Response(200, self.metrics.render(), METRICS_CONTENT_TYPE)

    def schedule_changed(self, channel: str) -> None:
        """A schedule changed in Slack: a running scheduler applies it now, without a restart."""
        if self.digests.scheduler.running:
            self.digests.apply(channel)

    def stop_team(self, team: str) -> dict:
        """A team removed the app: its schedules off and its queued jobs failed, and a running scheduler
        drops that team's digest jobs now."""
        stopped = self.services.store.stop_team(team, now=self.services.clock.utc_stamp())
        if self.digests.scheduler.running:
            self.digests.sync()
        return stopped

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking requests, then the scheduler, workers and reactor (the store belongs to the services)."""
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.health is not None:
            self.health.close()
        self.digests.shutdown()
        self.pool.stop(timeout)
        self.page_reader.close()
        self.reactor.stop()
        self.writer.close()
