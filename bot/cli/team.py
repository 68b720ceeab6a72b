"""`briefbot team purge T…`: delete what a workspace left behind (after it uninstalled the app).

Uninstalling stops a team's work at once (schedules off, queued jobs failed) but keeps its briefs,
storylines and usage, so a workspace that reinstalls finds its history. `purge` deletes them for good:
briefs with their events and storyline links, storylines, usage, replies, digests, schedules, jobs, and
articles no other workspace briefed. `--dry-run` counts without deleting.
"""

from __future__ import annotations

import re

import click

from bot.cli.common import AppContext, echo_json, fail, pass_app

TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,}$")


def register(cli: click.Group) -> None:
    @cli.group(short_help="Workspaces: purge what an uninstalled one left.")
    def team() -> None:
        """Workspaces: purge what an uninstalled one left."""

    @team.command(short_help="Delete everything a workspace left behind.")
    @click.argument("team_id")
    @click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
    @click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
    @pass_app
    def purge(app: AppContext, team_id: str, dry_run: bool, as_json: bool) -> None:
        """Delete everything a workspace left behind.

        TEAM_ID is its Slack team id (T…): its briefs, storylines, usage and the rest go."""
        team_id = team_id.strip()
        if not TEAM_ID.match(team_id):
            fail(f"{team_id!r} is not a Slack team id (like T0123ABCD)")
        counts = app.services.store.purge_team(team_id, dry_run=dry_run)
        if as_json:
            echo_json({"team": team_id, "dry_run": dry_run, "rows": counts})
            return
        total = sum(counts.values())
        verb = "would delete" if dry_run else "deleted"
        if total == 0:
            click.echo(f"Nothing stored for team {team_id}.")
            return
        first = ("briefs", "storylines", "usage")  # what people ask about; then the rest as stored
        order = [*first, *(t for t in counts if t not in first)]
        listed = ", ".join(f"{counts[t]} {t}" for t in order if counts[t])
        click.echo(f"Team {team_id}: {verb} {listed}.")
