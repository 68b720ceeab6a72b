"""The "Brief this" message shortcut and the brief's buttons.

Each acks within the listener before anything touches the network; storyline feedback is a local write
answered with an ephemeral note, "Retry with AI" and the shortcut queue jobs for the workers.
"""

from __future__ import annotations

import json
import logging

from bot.slack.context import SlackContext
from bot.slack.intake import origin_of, shortcut_jobs
from bot.slack.job import JobKind, SlackJob

log = logging.getLogger(__name__)

BRIEF_THIS = "brief_this"  # callback_id of the message shortcut in manifest.json


def _value(action: dict) -> dict:
    try:
        value = json.loads(action.get("value") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def brief_this(ctx: SlackContext):
    def on_brief_this(ack, body, respond):
        jobs = shortcut_jobs(body, ctx.settings.max_links_per_message)
        created = ctx.enqueue(jobs) if jobs else []
        ack()
        if not jobs:
            respond(text="That message has no link and no text to brief.", response_type="ephemeral")
            return
        if any(made for _, _, made in created):
            ctx.wake()

    return on_brief_this


def wrong_storyline(ctx: SlackContext):
    def on_wrong_storyline(ack, action, respond):
        ack()
        ref = _value(action)
        brief, storyline = str(ref.get("brief", "")), str(ref.get("storyline", ""))
        removed = bool(brief and storyline) and ctx.store.unlink_brief_storyline(brief, storyline, ctx.now())
        text = (f"Took {brief} out of storyline {storyline}." if removed
                else f"{brief} was not in storyline {storyline}.")
        respond(text=text, response_type="ephemeral", replace_original=False)

    return on_wrong_storyline


def resolve_storyline(ctx: SlackContext):
    def on_resolve_storyline(ack, action, respond):
        ack()
        storyline = str(_value(action).get("storyline", ""))
        try:
            row = ctx.store.set_storyline_status(storyline, "resolved", ctx.now())
            text = f"Resolved storyline {row['id']} {row['title']}."
        except (KeyError, ValueError) as err:
            text = f"Could not resolve {storyline}: {err}"
        respond(text=text, response_type="ephemeral", replace_original=False)

    return on_resolve_storyline


def retry_with_ai(ctx: SlackContext):
    def on_retry_with_ai(ack, body, action, respond):
        brief = str(_value(action).get("brief", ""))
        job = SlackJob(JobKind.REBRIEF, origin_of(body), brief_id=brief)
        with_model = ctx.settings.backend == "openai"
        created = ctx.enqueue([job]) if brief and with_model else []
        ack()
        if not with_model:
            respond(text="No model is configured (set OPENAI_API_KEY); the brief stays as it is.",
                    response_type="ephemeral", replace_original=False)
        if any(made for _, _, made in created):
            ctx.wake()

    return on_retry_with_ai
