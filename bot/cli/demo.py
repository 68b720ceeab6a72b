"""`briefbot demo`: the main job end to end on the bundled samples, on a fresh temporary database (or a kept one).

No credentials and no network: the samples are original articles shipped in `bot/samples/`, and the
clock is fixed to the morning the week-ahead sample was published so the digest reads as it would have.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

import click

from bot.cli.common import AppContext, echo_json, pass_app
from bot.clock import FixedClock
from bot.pipeline.ask import ask_services, format_answer_text
from bot.pipeline.briefs import brief_json, format_brief_text
from bot.pipeline.digest import compose_digest, format_digest_text
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


def briefbot_command() -> str:
    """How the reader can run briefbot again: on PATH, else the script that is running (.venv/bin/briefbot)."""
    if shutil.which("briefbot"):
        return "briefbot"
    if Path(sys.argv[0]).name == "briefbot":
        relative = os.path.relpath(sys.argv[0])
        return relative if not relative.startswith("..") else os.path.abspath(sys.argv[0])
    return f"{Path(sys.executable).name} -m bot"


def register(cli: click.Group) -> None:
    @cli.command(short_help="Brief the bundled samples and show what briefbot does.")
    @click.option("--keep", type=click.Path(dir_okay=False),
                  help="Keep the demo database at this path (run again, it reuses the stored briefs).")
    @click.option("--json", "as_json", is_flag=True, help="Print the briefs, answers and digest as one JSON object.")
    @pass_app
    def demo(app: AppContext, keep: str | None, as_json: bool) -> None:
        """Brief the bundled sample articles on a fresh temporary database (or --keep FILE) and print the results."""
        settings = dataclasses.replace(app.settings, backend="embedded")
        db_path = keep or str(Path(tempfile.mkdtemp(prefix="briefbot-demo-")) / "demo.db")
        clock = FixedClock(dt.datetime(2025, 10, 27, 6, 0, tzinfo=dt.UTC))
        services = build_services(settings, clock=clock, db_path=db_path)
        app.use(services)
        # The command line's own placement (no team, no channel), so `briefbot --db FILE digest|ask|…`
        # sees the same briefs when the database is kept with --keep. The same sample again (a second
        # `make demo`) returns its stored brief: a kept database is reused, never doubled.
        placement = Placement()
        briefs = []
        for path, published in sample_paths():
            result = services.ingestor.ingest(Source("file", str(path), path.name), placement, published=published)
            briefs.append((path, published, services.store.get_brief(result.brief_id)))
        answers = [(q, ask_services(services, q, placement.team, placement.channel)) for q in DEMO_QUESTIONS]
        digest = compose_digest(services.store, date=DIGEST_DATE, team=placement.team, channel=placement.channel,
                                timezone=services.settings.timezone)
        if as_json:
            echo_json({"database": db_path, "briefs": [brief_json(record) for _, _, record in briefs],
                       "answers": [{"question": q, **a.to_json()} for q, a in answers],
                       "digest": digest.to_json()})
            return
        click.secho(f"briefbot demo — embedded backend, database {db_path}\n", bold=True)
        for path, published, record in briefs:
            click.secho(f"── {path.name} (published {published:%a %d %b %Y})", fg="cyan")
            click.echo(format_brief_text(record))
            click.echo()
        for question, answer in answers:
            click.secho(f"── Q: {question}", fg="cyan")
            click.echo(format_answer_text(answer))
            click.echo()
        click.secho(f"── The morning digest for {DIGEST_DATE:%a %d %b %Y}", fg="cyan")
        click.echo(format_digest_text(digest))
        click.echo()
        click.secho("── Next steps", fg="cyan")
        click.echo("Subscribe a channel to the morning digest: /brief digest on 07:30 Europe/London mon-fri")
        click.echo("Run the Slack bot: see 'Create the Slack app in two minutes' in README.md, then `make run`.")
        if keep:
            exe = briefbot_command()
            click.secho(f"── Explore the demo database ({db_path})", fg="cyan")
            for command in ("briefs", 'ask "When is the BoJ decision?"', f"digest --date {DIGEST_DATE}"):
                click.echo(f"  {exe} --db {db_path} {command}")


DEMO_QUESTIONS = ["What did negotiators agree on soybeans?", "What's on this week?"]
