"""The `briefbot` command line.

Each module in this package that defines `register(cli)` adds its commands, so areas (ingest, storylines,
digest, Slack, schedules...) live in their own files. Errors are one line on stderr and a non-zero exit,
in the manner of `Error: …`.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

from bot.cli.common import AppContext, fail
from bot.errors import StorageError


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


def _register_all() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "common":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(cli)


_register_all()


def main() -> None:
    try:
        cli(prog_name="briefbot")
    except StorageError as err:  # the database failed mid-command (e.g. the disk filled): one line
        fail(str(err))
