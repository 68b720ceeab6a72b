"""`briefbot ask "QUESTION" [--channel ID] [--json]`: a cited answer from the stored briefs."""

from __future__ import annotations

import click

from bot.cli.common import AppContext, echo_json, fail, pass_app
from bot.errors import BriefbotError
from bot.pipeline.ask import ask, format_answer_text


def register(cli: click.Group) -> None:
    @cli.command("ask", short_help="Answer a question from the briefs, with citations.")
    @click.argument("question", nargs=-1)
    @click.option("--channel", default=None, help="Ask as this Slack channel: it sees its own and public briefs.")
    @click.option("--team", default="", help="Slack team id (default: the CLI's own briefs).")
    @click.option("--json", "as_json", is_flag=True, help='Print {"answer","citations","backend"}.')
    @pass_app
    def ask_cmd(app: AppContext, question: tuple[str, ...], channel: str | None, team: str, as_json: bool) -> None:
        """Answer QUESTION from the briefs, citing them; "what's on this week?" lists upcoming events."""
        text = " ".join(question).strip()
        if not text:
            fail('the question is empty; try `briefbot ask "what did the Fed decide?"`')
        services = app.services
        try:
            answer = ask(services.store, services.backend, text, team, channel, services.today())
        except BriefbotError as err:
            fail(str(err))
        if as_json:
            echo_json(answer.to_json())
        else:
            click.echo(format_answer_text(answer))
