"""`briefbot schedule on|off|list|when`: digest subscriptions from the shell; and posting a digest now.

The same functions as `/brief digest on|off|when` (bot/schedules.py) write the `schedules` table; a
running `briefbot run` picks the change up within a minute (its scheduler re-syncs from SQLite).
`briefbot digest --post` posts through the same path and ledger as the scheduler (`bot/slack/digest_post.py`);
`post-digest` is its older name, kept hidden so cron lines written for it keep working.
"""

from __future__ import annotations

import datetime as dt

import click

from bot.cli.common import AppContext, echo_json, fail, iso_date, pass_app
from bot.errors import BriefbotError
from bot.schedules import describe, disable_schedule, get_schedule, list_schedules, set_schedule


def _next_fire_text(app: AppContext, schedule) -> str | None:
    from bot.scheduler import next_fire

    if not schedule.enabled:
        return None
    fire = next_fire(schedule, app.services.clock.now())
    return fire.isoformat(timespec="minutes") if fire else None


def slack_client(app: AppContext):
    """A WebClient from SLACK_BOT_TOKEN (and SLACK_API_URL, e.g. a local fake, when set)."""
    from slack_sdk import WebClient

    settings = app.settings
    if not settings.slack_bot_token:
        fail("SLACK_BOT_TOKEN is not set; it is needed to post to Slack")
    kwargs = {"token": settings.slack_bot_token}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    return WebClient(**kwargs)


def schedule_json(app: AppContext, channel: str, schedule) -> dict:
    """A schedule as JSON with its next post time; a channel without one is `enabled: false`."""
    if schedule is None:
        return {"channel": channel, "enabled": False, "next": None}
    return {**schedule.to_json(), "next": _next_fire_text(app, schedule)}


def post_now(app: AppContext, *, channel: str, date: dt.date | None, team: str | None, kind: str,
             as_json: bool) -> None:
    """Post the week-ahead digest of `channel` now, through the scheduler's path and ledger."""
    from bot.slack.digest_post import local_today, post_digest
    from bot.slack.poster import Poster

    services = app.services
    found = get_schedule(services, channel)
    local_date = date or local_today(services, channel)
    client = slack_client(app)
    try:
        ts = post_digest(
            services, Poster(client), team=team if team is not None else (found.team if found else ""),
            channel=channel, local_date=local_date, kind=kind,
        )
    except BriefbotError as err:
        fail(str(err))
    except Exception as err:  # noqa: BLE001 - Slack API errors become one line
        fail(f"posting to {channel} failed: {err}")
    if as_json:
        echo_json({"channel": channel, "date": local_date.isoformat(), "kind": kind, "posted": ts is not None,
                   "ts": ts})
    elif ts is None:
        click.echo(f"Nothing posted to {channel} for {local_date} (already posted, or empty and skipped).")
    else:
        click.echo(f"Posted the digest for {local_date} to {channel} (ts {ts}).")


def register(cli: click.Group) -> None:
    @cli.group(short_help="Subscribe channels to the morning digest.")
    def schedule() -> None:
        """Subscribe channels to the morning digest: on, off, when, list."""

    @schedule.command("on", short_help="Post the digest to a channel at [HH:MM] [TZ] [DAYS].")
    @click.option("--channel", required=True, help="Slack channel id, e.g. C0123456789.")
    @click.option("--team", default=None, help="Slack team id (kept from the existing schedule if omitted).")
    @click.option("--json", "as_json", is_flag=True, help="Print the schedule as JSON.")
    @click.argument("spec", nargs=-1)
    @pass_app
    def schedule_on(app: AppContext, channel: str, team: str | None, as_json: bool, spec: tuple[str, ...]) -> None:
        """Post the digest to --channel at [HH:MM] [TZ] [DAYS] (default weekdays 07:30, BRIEFBOT_TIMEZONE).

        DAYS: mon-fri, daily, weekends, mon,wed,fri. Parts left out keep the channel's current values.
        """
        try:
            result = set_schedule(app.services, team=team or "", channel=channel, text=" ".join(spec))
        except BriefbotError as err:
            fail(str(err))
        if as_json:
            echo_json(schedule_json(app, channel, result))
            return
        click.echo(f"Digest on for {channel}: {describe(result)}; next {_next_fire_text(app, result)}")

    @schedule.command("off", short_help="Stop a channel's digest.")
    @click.option("--channel", required=True)
    @click.option("--json", "as_json", is_flag=True, help="Print the (now off) schedule as JSON.")
    @pass_app
    def schedule_off(app: AppContext, channel: str, as_json: bool) -> None:
        """Stop the digest of --channel (its settings are kept for the next `on`)."""
        result = disable_schedule(app.services, channel=channel)
        if as_json:
            echo_json(schedule_json(app, channel, result))
        elif result is None:
            click.echo(f"No digest was scheduled for {channel}.")
        else:
            click.echo(f"Digest off for {channel}.")

    @schedule.command("when", short_help="Say when a channel gets its digest.")
    @click.option("--channel", required=True)
    @click.option("--json", "as_json", is_flag=True, help="Print the schedule as JSON.")
    @pass_app
    def schedule_when(app: AppContext, channel: str, as_json: bool) -> None:
        """Say when --channel gets its digest."""
        found = get_schedule(app.services, channel)
        if as_json:
            echo_json(schedule_json(app, channel, found))
        elif found is None:
            click.echo(f"No digest is scheduled for {channel}.")
        else:
            next_text = _next_fire_text(app, found)
            click.echo(f"{channel}: {describe(found)}" + (f"; next {next_text}" if next_text else ""))

    @schedule.command("list", short_help="Every channel's digest schedule.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    @click.option("--all", "show_all", is_flag=True, help="Include schedules that are off.")
    @pass_app
    def schedule_list(app: AppContext, as_json: bool, show_all: bool) -> None:
        """Every channel's digest schedule, with its next post time."""
        rows = list_schedules(app.services, enabled_only=not show_all)
        if as_json:
            echo_json([{**s.to_json(), "next": _next_fire_text(app, s)} for s in rows])
            return
        if not rows:
            click.echo("No digest schedules. Add one: briefbot schedule on --channel C0123456789 07:30")
            return
        for s in rows:
            next_text = _next_fire_text(app, s)
            click.echo(f"{s.channel}\t{describe(s)}" + (f"\tnext {next_text}" if next_text else ""))

    @cli.command("post-digest", hidden=True)
    @click.option("--channel", required=True, help="Slack channel id to post to.")
    @click.option("--date", callback=iso_date, help="Morning of the digest, YYYY-MM-DD (default: today there).")
    @click.option("--team", default=None, help="Slack team id (default: the channel's schedule's team).")
    @click.option("--kind", type=click.Choice(["manual", "scheduled"]), default="manual", show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
    @pass_app
    def post_digest_cmd(app: AppContext, channel: str, date: dt.date | None, team: str | None, kind: str,
                        as_json: bool) -> None:
        """The older name of `briefbot digest --post` (kept for existing cron lines)."""
        post_now(app, channel=channel, date=date, team=team, kind=kind, as_json=as_json)
