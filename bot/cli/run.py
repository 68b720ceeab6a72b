"""`briefbot run`: the Slack bot. Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT.

HTTP mode serves `POST /slack/events`, `GET /healthz` and `GET /metrics` on BRIEFBOT_HOST:PORT (default
0.0.0.0:3000); Socket Mode serves `GET /healthz` and `GET /metrics` there. With SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET (many workspaces) both modes also serve the install pages (`GET /slack/install`,
`GET /slack/oauth_redirect`), and no SLACK_BOT_TOKEN is needed. Start-up stops with one `Error:` line naming every missing
variable or a token Slack refuses, and never prints a token; a Slack it cannot reach yet is retried with
backoff, one log line per attempt, while /healthz answers 503 with the reason.
"""

from __future__ import annotations

import signal
import threading

import click

from bot.cli.common import AppContext, fail, pass_app

REQUIRED = (("SLACK_BOT_TOKEN", "slack_bot_token"), ("SLACK_SIGNING_SECRET", "slack_signing_secret"))


def missing_variables(settings) -> list[str]:
    """With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth, many workspaces) tokens come from installs."""
    required = [r for r in REQUIRED if not (settings.oauth_enabled and r[0] == "SLACK_BOT_TOKEN")]
    return [name for name, attr in required if not getattr(settings, attr)]


def register(cli: click.Group) -> None:
    @cli.command(short_help="Run the Slack bot (HTTP, or Socket Mode).")
    @click.option("--host", default=None, help="Address to bind in HTTP mode (default: $BRIEFBOT_HOST or 0.0.0.0).")
    @click.option("--port", type=int, default=None, help="Port in HTTP mode (default: $PORT or 3000).")
    @pass_app
    def run(app: AppContext, host: str | None, port: int | None) -> None:
        """Run the Slack bot (Socket Mode with SLACK_APP_TOKEN, else HTTP)."""
        settings = app.settings
        missing = missing_variables(settings)
        if missing:
            fail(f"missing {', '.join(missing)} — create the Slack app from manifest.json and set them "
                 "(see the README)")
        from bot.slack.health import Health
        from bot.slack.http_server import HTTPLimits, SlackHTTPServer
        from bot.slack.runtime import SlackRuntime
        from bot.slack.startup import SlackRefused, connect

        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        # The HTTP server (in Socket Mode: /healthz alone) listens before Slack is asked anything, so a
        # health check sees why the bot is not ready while start-up waits for Slack.
        health = Health(app.services)
        bind = (host or settings.host, settings.port if port is None else port)
        try:
            server = SlackHTTPServer(*bind, health=health.report, limits=HTTPLimits.from_settings(settings)).start()
        except OSError as err:
            fail(f"cannot listen on {bind[0]}:{bind[1]}: {err.strerror or err}")
        click.echo(f"briefbot: GET /healthz on {server.host}:{server.port}; connecting to Slack", err=True)
        runtime = None
        try:
            try:
                runtime = connect(lambda: SlackRuntime(app.services), stop=stop, on_wait=health.waiting,
                                  max_wait=settings.slack_connect_max_wait)
            except SlackRefused as err:
                fail(f"Slack refused the bot token: {err}")
            if runtime is None:  # stopped while waiting for Slack
                return
            runtime.page_reader.warm()  # the page-reading children import trafilatura while Slack connects
            runtime.start()
            runtime.serve_metrics(server)
            if settings.slack_app_token:
                from slack_bolt.adapter.socket_mode import SocketModeHandler
                from slack_sdk.errors import SlackApiError

                handler = SocketModeHandler(runtime.app, settings.slack_app_token)
                try:
                    handler.connect()
                except SlackApiError as err:  # a wrong or revoked app token: one line, no traceback
                    fail(f"Slack refused SLACK_APP_TOKEN for Socket Mode: {err.response.get('error')}")
                if settings.oauth_enabled:  # the install pages are bolt's, through the HTTP server
                    runtime.accept_events(server)
                health.ready(runtime)
                if handler.client.is_connected():
                    click.echo("briefbot: connected in Socket Mode", err=True)
                else:  # slack_sdk logged why; its monitor asks for a new URL and retries every 10 s
                    click.echo("briefbot: Socket Mode WebSocket not open yet; retrying", err=True)
                stop.wait()
                handler.close()
            else:
                runtime.accept_events(server)
                health.ready(runtime)
                install = ", GET /slack/install" if settings.oauth_enabled else ""
                click.echo(f"briefbot: listening on {server.host}:{server.port} "
                           f"(POST /slack/events, GET /healthz, GET /metrics{install})", err=True)
                stop.wait()
        finally:
            server.stop()
            health.close()
            if runtime is not None:
                runtime.stop()
