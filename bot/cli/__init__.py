"""The `briefbot` command line.

Each area (ingest, storylines, digest, Slack, schedules...) has its own module with a `register(cli)` that
adds its commands; `COMMANDS` below lists them all. Errors are one line on stderr and a non-zero exit, in
the manner of `Error: …`.
"""

from __future__ import annotations

import click

from bot.cli import ask, briefs, demo, digest, export, rebrief, run, schedule, storylines, team, usage
from bot.cli.common import AppContext, fail
from bot.errors import ConfigError, StorageError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite database file (default: $BRIEFBOT_DB, else ./briefbot.db).",
)
@click.version_option(package_name="briefbot")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None) -> None:
    """briefbot: article links in; briefs, storylines, week-ahead digests and cited answers out."""
    ctx.obj = AppContext(db_path=db_path)
    ctx.call_on_close(ctx.obj.close)


COMMANDS = (ask, briefs, demo, digest, export, rebrief, run, schedule, storylines, team, usage)
for module in COMMANDS:
    module.register(cli)


def main() -> None:
    try:
        cli(prog_name="briefbot")
    except (StorageError, ConfigError) as err:  # the database failed mid-command, a bad model folder: one line
        fail(str(err))
