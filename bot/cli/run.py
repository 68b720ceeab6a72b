"""`briefbot run`: the Slack bot. Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT.

HTTP mode serves `POST /slack/events`, `GET /healthz` and `GET /metrics` on BRIEFBOT_HOST:PORT (default
0.0.0.0:3000), and with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET the install pages (`GET /slack/install`,
`GET /slack/oauth_redirect`).
Start-up stops with one `Error:` line naming every missing variable, and never prints a token.
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


def _serve_http(runtime, host: str, port: int):
    try:
        return runtime.serve_http(host, port)
    except OSError as err:
        fail(f"cannot listen on {host}:{port}: {err.strerror or err}")


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
        from slack_bolt.error import BoltError

        from bot.slack.runtime import SlackRuntime

        try:
            runtime = SlackRuntime(app.services)
        except BoltError as err:  # auth.test failed: a wrong token or an unreachable SLACK_API_URL
            fail(f"Slack refused the bot token or could not be reached: {err}")
        runtime.start()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        try:
            if settings.slack_app_token:
                from slack_bolt.adapter.socket_mode import SocketModeHandler
                from slack_sdk.errors import SlackApiError

                handler = SocketModeHandler(runtime.app, settings.slack_app_token)
                try:
                    handler.connect()
                except SlackApiError as err:  # a wrong or revoked app token: one line, no traceback
                    fail(f"Slack refused SLACK_APP_TOKEN for Socket Mode: {err.response.get('error')}")
                if handler.client.is_connected():
                    click.echo("briefbot: connected in Socket Mode", err=True)
                else:  # slack_sdk logged why; its monitor asks for a new URL and retries every 10 s
                    click.echo("briefbot: Socket Mode WebSocket not open yet; retrying", err=True)
                if settings.oauth_enabled:  # the install pages (and /metrics) need HTTP even in Socket Mode
                    server = _serve_http(runtime, host or settings.host, settings.port if port is None else port)
                    click.echo(f"briefbot: install pages on {server.host}:{server.port} (GET /slack/install, "
                               "GET /metrics)", err=True)
                stop.wait()
                handler.close()
            else:
                server = _serve_http(runtime, host or settings.host, settings.port if port is None else port)
                install = ", GET /slack/install" if settings.oauth_enabled else ""
                click.echo(f"briefbot: listening on {server.host}:{server.port} "
                           f"(POST /slack/events, GET /healthz, GET /metrics{install})", err=True)
                stop.wait()
        finally:
            runtime.stop()
