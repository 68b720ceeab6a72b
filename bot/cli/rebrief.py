"""`briefbot rebrief B42`: write a brief again with the model, e.g. after the API failed and the embedded
backend stood in. The brief keeps its id, channel and storylines; its text, events and backend change.
"""

from __future__ import annotations

import click

from bot.cli.common import AppContext, echo_json, fail, pass_app
from bot.errors import BriefbotError
from bot.pipeline.briefs import brief_json, format_brief_text


def register(cli: click.Group) -> None:
    @cli.command(short_help="Write a brief again with the model, keeping its id.")
    @click.argument("brief_id")
    @click.option("--json", "as_json", is_flag=True, help="Print the new brief as JSON.")
    @pass_app
    def rebrief(app: AppContext, brief_id: str, as_json: bool) -> None:
        """Redo a brief with the model, keeping its id: briefbot rebrief B42."""
        services = app.services
        record = services.store.get_brief(brief_id.strip().upper())
        if record is None:  # checked first: a wrong id is the more useful thing to hear about
            fail(f"there is no brief {brief_id.strip().upper()} (see `briefbot briefs`)")
        if app.settings.backend != "openai":
            fail("rebrief redoes a brief with the model, and no model is configured: set OPENAI_API_KEY "
                 "(and leave BRIEFBOT_BACKEND unset or 'openai')")
        try:
            new_id = services.ingestor.rebrief(record["id"])
        except BriefbotError as err:
            fail(f"{record['id']}: {err}")
        result = services.store.get_brief(new_id)
        if as_json:
            echo_json(brief_json(result))
        else:
            click.echo(format_brief_text(result))
        if result["backend"].startswith("embedded"):
            fail(f"{new_id} was written by the {result['backend']} backend again: "
                 + (result["notes"][-1] if result["notes"] else "the model call failed"))
