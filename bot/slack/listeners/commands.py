"""`/brief <url> | digest | storylines | help`.

Everything that needs no network is answered in the ack itself (help, storylines: a local read); links
and the digest become jobs written before the ack, and a worker posts the result in the channel.
"""

from __future__ import annotations

import re

from bot.errors import BriefbotError
from bot.schedules import digest_command
from bot.slack import blocks
from bot.slack.context import SlackContext
from bot.slack.intake import origin_of
from bot.slack.job import JobKind, SlackJob
from bot.slack.links import extract_links

BARE_URL = re.compile(r"https?://[^\s<>|]+", re.IGNORECASE)
USAGE = ("Usage: `/brief <url>` · `/brief digest` · `/brief digest on [HH:MM] [TZ] [days]` · `/brief digest off` · "
         "`/brief digest when` · `/brief storylines` · `/brief help`")
SCHEDULE_WORDS = {"on", "off", "when", "status"}


def command_urls(text: str) -> list[str]:
    """Links in the command text, whether or not Slack escaped them into `<url>` markup."""
    return extract_links(text) or BARE_URL.findall(text)


def after_ack(ctx: SlackContext):
    def on_brief(ack, command):
        text = (command.get("text") or "").strip()
        word = text.split()[0].lower() if text else "help"
        team, channel = command.get("team_id") or "", command.get("channel_id") or ""
        if word == "help":
            msg = blocks.help_message()
            ack(text=msg.text, blocks=msg.blocks)
            return
        if word == "storylines":
            msg = blocks.storylines_message(ctx.store.visible_storylines(team, channel))
            ack(text=msg.text, blocks=msg.blocks)
            return
        rest = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
        if word == "digest" and rest.split() and rest.split()[0].lower() in SCHEDULE_WORDS:
            # A schedule change is a quick local write: answered in the ack, applied to the scheduler now.
            try:
                reply = digest_command(ctx.services, team=team, channel=channel, args=rest,
                                       on_change=ctx.schedule_changed)
            except BriefbotError as err:
                reply = f"Error: {err}"
            ack(text=reply)
            return
        if word == "digest":
            ctx.enqueue([SlackJob(JobKind.DIGEST_NOW, origin_of(command))])
            ack(text="Posting the digest here…")
            ctx.wake()
            return
        urls = command_urls(text)
        if not urls:
            ack(text=USAGE)
            return
        limit = ctx.settings.max_links_per_message
        origin = origin_of(command)
        ctx.enqueue([SlackJob(JobKind.COMMAND_LINK, origin, url=url) for url in urls[:limit]])
        skipped = f" (skipped {len(urls) - limit} more: at most {limit} per command)" if len(urls) > limit else ""
        ack(text=f"Briefing {', '.join(urls[:limit])}…{skipped}")
        ctx.wake()

    return on_brief
