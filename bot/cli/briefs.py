"""`briefbot ingest`, `briefbot show`, `briefbot briefs`: the main job from the command line."""

from __future__ import annotations

import datetime as dt
import sys

import click

from bot.cli.common import AppContext, echo_json, fail, iso_date, pass_app
from bot.errors import BriefbotError
from bot.pipeline.briefs import brief_json, format_brief_text
from bot.pipeline.ingest import IngestResult, Placement, Source


def ingest_sources(app: AppContext, sources: list[str], *, published: dt.date | None, channel: str | None,
                   show_progress: bool) -> tuple[list[IngestResult], list[str]]:
    """Ingest each source in turn; one failing source never stops the rest."""
    stdin_text = sys.stdin.read() if "-" in sources else None
    placement = Placement(channel=channel or "")
    results: list[IngestResult] = []
    failures: list[str] = []

    def one(raw: str) -> None:
        source = Source.parse(raw, stdin_text)
        try:
            results.append(app.services.ingestor.ingest(source, placement, published=published))
        except BriefbotError as err:
            failures.append(f"{source.label}: {err}")
        except Exception as err:  # noqa: BLE001 - one bad source must not stop the batch
            failures.append(f"{source.label}: unexpected error ({type(err).__name__}: {err})")

    if show_progress:
        with click.progressbar(sources, label="Briefing", file=sys.stderr) as bar:
            for raw in bar:
                one(raw)
    else:
        for raw in sources:
            one(raw)
    return results, failures


def register(cli: click.Group) -> None:
    @cli.command(short_help="Brief URLs, files or stdin.")
    @click.argument("sources", nargs=-1, required=True)
    @click.option("--published", callback=iso_date, help="Publication date (YYYY-MM-DD); overrides the date the page gives.")
    @click.option("--channel", help="Slack channel id to file the brief under.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON (an array when several sources).")
    @pass_app
    def ingest(app: AppContext, sources: tuple[str, ...], published, channel, as_json: bool) -> None:
        """Brief SOURCE... (URLs, .html/.txt/.md files, or - for stdin)."""
        results, failures = ingest_sources(
            app, list(sources), published=published, channel=channel, show_progress=len(sources) > 1
        )
        records = [app.services.store.get_brief(r.brief_id) for r in results]
        if as_json:
            data = [brief_json(r) for r in records]
            echo_json(data[0] if len(sources) == 1 and data else data)
        else:
            for record in records:
                click.echo(format_brief_text(record))
                click.echo()
        for failure in failures:
            click.echo(f"Error: {failure}", err=True)
        if failures:
            raise SystemExit(1)

    @cli.command(short_help="Show one brief (B42).")
    @click.argument("brief_id")
    @click.option("--json", "as_json", is_flag=True)
    @pass_app
    def show(app: AppContext, brief_id: str, as_json: bool) -> None:
        """Show one brief, e.g. `briefbot show B42`."""
        record = app.services.store.get_brief(brief_id)
        if record is None:
            fail(f"no brief {brief_id} (see `briefbot briefs`)")
        if as_json:
            echo_json(brief_json(record))
        else:
            click.echo(format_brief_text(record))

    @cli.command(short_help="List the newest briefs.")
    @click.option("--limit", default=50, show_default=True)
    @click.option("--json", "as_json", is_flag=True)
    @pass_app
    def briefs(app: AppContext, limit: int, as_json: bool) -> None:
        """List the newest briefs: id, the article's publication date, the day it was briefed, its title."""
        rows = app.services.store.list_briefs(limit=limit)
        if as_json:
            echo_json([brief_json(app.services.store.get_brief(r["id"])) for r in rows])
            return
        if not rows:
            click.echo("No briefs yet. Try `briefbot ingest URL`.")
            return
        click.echo(f"{'id':>6}  {'published':<10}  {'briefed':<10}  title")
        for row in rows:
            published = (row["published"] or "")[:10] or "—"
            click.echo(f"{row['id']:>6}  {published:<10}  {row['created_at'][:10]}  "
                       f"{(row['title'] or row['tldr'])[:80]}")
