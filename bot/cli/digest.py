"""`briefbot digest`: the week-ahead digest of a channel, as text or JSON."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from bot.cli.common import AppContext, echo_json, fail, iso_date, pass_app
from bot.pipeline.digest import compose_digest, format_digest_text

MAX_DAYS = 31


def check_days(days: int, maximum: int) -> None:
    if not 1 <= days <= maximum:
        fail(f"--days must be between 1 and {maximum}, got {days}")


def register(cli: click.Group) -> None:
    @cli.command(short_help="The week-ahead digest (text, JSON, PNG, or posted).")
    @click.option("--date", callback=iso_date, help="Morning of the digest, YYYY-MM-DD (default: today).")
    @click.option("--days", default=7, show_default=True, type=int, help=f"Days in the week ahead (1 to {MAX_DAYS}).")
    @click.option(
        "--channel", default="", help="Slack channel id whose view to use (its own + public briefs)."
    )
    @click.option("--team", default="", help="Slack team id (default: the CLI's own briefs).")
    @click.option("--json", "as_json", is_flag=True, help="Print the digest JSON.")
    @click.option("--png", "png_path", type=click.Path(dir_okay=False),
                  help="Also draw the week as a calendar picture (PNG) into this file.")
    @click.option("--post", is_flag=True, help="Post it to --channel in Slack now (same path as the scheduler).")
    @click.option("--kind", type=click.Choice(["manual", "scheduled"]), default="manual", show_default=True,
                  help="With --post: 'scheduled' takes the once-a-day ledger slot (for driving posts from cron).")
    @pass_app
    def digest(
        app: AppContext, date: dt.date | None, days: int, channel: str, team: str,
        as_json: bool, png_path: str | None, post: bool, kind: str,
    ) -> None:
        """Compose the week-ahead digest: events by day, storylines that moved, open questions.

        --days is 1 to 31 (the picture draws the first seven days as columns, the rest in its strip).
        """
        if post:
            if not channel:
                fail("--post needs --channel, the Slack channel id to post to")
            from bot.cli.schedule import post_now

            post_now(app, channel=channel, date=date, team=team or None, kind=kind, as_json=as_json)
            return
        date = date or app.services.today()
        check_days(days, MAX_DAYS)
        result = compose_digest(
            app.services.store,
            date=date,
            days=days,
            team=team,
            channel=channel,
            timezone=app.settings.timezone,
        )
        if png_path:
            write_week_png(result, png_path)
        if as_json:
            echo_json(result.to_json())
        else:
            click.echo(format_digest_text(result))


def write_week_png(digest, path: str) -> None:
    from bot.pipeline.week_png import render_week_png

    try:
        Path(path).write_bytes(render_week_png(digest))
    except OSError as err:
        fail(f"cannot write {path}: {err.strerror or err}")
    click.echo(f"Wrote the week picture to {path}", err=True)
