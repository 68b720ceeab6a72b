"""`message` events (channels, private channels, DMs): links → brief jobs; DMs and mentions → questions.

The middleware writes the jobs rows synchronously, before bolt acks the event; the listener body runs
after the ack and only queues the `:eyes:` reaction and wakes the workers. `message_changed` (link unfurls,
edits), deletions, joins and bot messages are acknowledged and dropped, so Slack never retries them.
"""

from __future__ import annotations

from bot.slack.context import SlackContext
from bot.slack.intake import message_jobs
from bot.slack.job import JobKind

CREATED = "briefbot_created"


def intake_middleware(ctx: SlackContext):
    def enqueue_before_ack(body, event, context, next):  # noqa: A002 - bolt injects `next` by name
        team = body.get("team_id") or event.get("team") or context.team_id or ""
        bot_user_id = context.bot_user_id or ctx.bot_user_id
        jobs = message_jobs(event, team, bot_user_id, ctx.settings.max_links_per_message)
        created = ctx.enqueue(jobs) if jobs else []
        if any(made and job.kind is JobKind.POSTED_LINK for job, _, made in created):
            ctx.gate.expect(event["channel"], event["ts"])
        context[CREATED] = created
        next()

    return enqueue_before_ack


def after_ack(ctx: SlackContext):
    def on_message(event, context):
        created = context.get(CREATED) or []
        links = [job for job, _, made in created if made and job.kind is JobKind.POSTED_LINK]
        if links:
            ctx.reactor.add(event["channel"], event["ts"], links[0].team)
        if any(made for _, _, made in created):
            ctx.wake()

    return on_message
