"""`briefbot export ics`: upcoming events as an iCalendar file a team can subscribe to."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from bot.cli.common import AppContext, echo_json, fail, iso_date, pass_app
from bot.cli.digest import check_days
from bot.pipeline.digest import compose_digest
from bot.pipeline.ics import digest_to_ics

MAX_DAYS = 366


def register(cli: click.Group) -> None:
    @cli.group(short_help="Export briefbot data to other tools.")
    def export() -> None:
        """Export briefbot data to other tools."""

    @export.command("ics", short_help="Upcoming events as iCalendar (.ics).")
    @click.option("--days", default=7, show_default=True, type=int, help="How many days ahead, from --date.")
    @click.option("--out", "out", type=click.Path(dir_okay=False), help="Write to FILE (default: stdout).")
    @click.option("--date", callback=iso_date, help="First day, YYYY-MM-DD (default: today).")
    @click.option(
        "--channel", default="", help="Slack channel id whose view to use (its own + public briefs)."
    )
    @click.option("--team", default="", help="Slack team id (default: the CLI's own briefs).")
    @click.option("--json", "as_json", is_flag=True,
                  help="Print JSON: the file written (or the calendar text) and each event's UID and date.")
    @pass_app
    def ics(
        app: AppContext, days: int, out: str | None, date: dt.date | None, channel: str, team: str, as_json: bool
    ) -> None:
        """Write upcoming events as iCalendar (.ics): all-day or timed, one UID per merged event."""
        date = date or app.services.today()
        check_days(days, MAX_DAYS)
        services = app.services
        digest = compose_digest(
            services.store, date=date, days=days, team=team, channel=channel, timezone=app.settings.timezone
        )
        data = digest_to_ics(digest, stamp=services.clock.now())
        if out:
            try:
                Path(out).write_bytes(data)
            except OSError as err:
                fail(f"cannot write {out}: {err.strerror or err}")
        if as_json:
            events = [{"uid": e.uid, "title": e.title, "date": e.date.isoformat(), "precision": e.precision}
                      for e in digest.events()]
            echo_json({"from": date.isoformat(), "days": days, "out": out, "events": events,
                       **({} if out else {"ics": data.decode("utf-8")})})
        elif out:
            click.echo(f"Wrote {len(digest.events())} events to {out}", err=True)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
