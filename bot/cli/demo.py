"""`briefbot demo`: the main job end to end on the bundled samples, on a fresh temporary database.

No credentials and no network: the samples are original articles shipped in `bot/samples/`, and the
clock is fixed to the morning the week-ahead sample was published so the digest reads as it would have.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from importlib import resources
from pathlib import Path

import click

from bot.cli.common import AppContext, pass_app
from bot.clock import FixedClock
from bot.pipeline.briefs import format_brief_text
from bot.pipeline.ingest import Placement, Source
from bot.services import build_services

# (file, publication date) in the order a team might have posted them.
SAMPLES: list[tuple[str, dt.date]] = [
    ("fed-decision-preview.md", dt.date(2025, 10, 24)),
    ("us-china-trade-talks.md", dt.date(2025, 10, 27)),
    ("markets-week-ahead.md", dt.date(2025, 10, 27)),
    ("japan-fiscal-plans.md", dt.date(2025, 10, 27)),
]
DEMO_CHANNEL = "C0DEMO"
DIGEST_DATE = dt.date(2025, 10, 27)


def sample_paths() -> list[tuple[Path, dt.date]]:
    folder = resources.files("bot") / "samples"
    return [(Path(str(folder / name)), published) for name, published in SAMPLES]


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--keep", type=click.Path(dir_okay=False), help="Keep the demo database at this path.")
    @pass_app
    def demo(app: AppContext, keep: str | None) -> None:
        """Brief the bundled sample articles on a fresh temporary database and print the results."""
        settings = dataclasses.replace(app.settings, backend="embedded")
        workdir = tempfile.mkdtemp(prefix="briefbot-demo-")
        db_path = keep or str(Path(workdir) / "demo.db")
        clock = FixedClock(dt.datetime(2025, 10, 27, 6, 0, tzinfo=dt.UTC))
        services = build_services(settings, clock=clock, db_path=db_path)
        app.use(services)
        click.secho(f"briefbot demo — embedded backend, database {db_path}\n", bold=True)
        # The command line's own placement (no team, no channel), so `briefbot --db FILE digest|ask|…`
        # sees the same briefs when the database is kept with --keep.
        placement = Placement()
        for path, published in sample_paths():
            result = services.ingestor.ingest(Source("file", str(path), path.name), placement, published=published)
            click.secho(f"── {path.name} (published {published:%a %d %b %Y})", fg="cyan")
            click.echo(format_brief_text(services.store.get_brief(result.brief_id)))
            click.echo()
        _print_answers(services, placement)
        _print_digest(services, placement)
        click.secho("── Next steps", fg="cyan")
        click.echo("Subscribe a channel to the morning digest: /brief digest on 07:30 Europe/London mon-fri")
        click.echo(f"  (or from the command line: briefbot schedule on --channel {DEMO_CHANNEL} 07:30 "
                   "Europe/London mon-fri)")
        if keep:
            click.echo(f"Explore the kept database: briefbot --db {db_path} storylines | digest --date "
                       f"{DIGEST_DATE} | ask \"When is the BoJ decision?\"")
        click.echo("Run the Slack bot: see 'Create the Slack app in two minutes' in README.md, then `make run`.")


DEMO_QUESTIONS = ["What did negotiators agree on soybeans?", "What's on this week?"]


def _print_answers(services, placement: Placement) -> None:
    from bot.pipeline.ask import ask_services, format_answer_text

    for question in DEMO_QUESTIONS:
        click.secho(f"── Q: {question}", fg="cyan")
        answer = ask_services(services, question, placement.team, placement.channel)
        click.echo(format_answer_text(answer))
        click.echo()


def _print_digest(services, placement: Placement) -> None:
    from bot.pipeline.digest import compose_digest, format_digest_text

    click.secho(f"── The morning digest for {DIGEST_DATE:%a %d %b %Y}", fg="cyan")
    digest = compose_digest(services.store, date=DIGEST_DATE, team=placement.team, channel=placement.channel,
                            timezone=services.settings.timezone)
    click.echo(format_digest_text(digest))
    click.echo()
