"""`post_digest`: compose the digest of a conversation and post it there now.

The hook that `/brief digest` and `@bot digest` call. The scheduler posts scheduled digests through the
same function. It uses `blocks.digest_message(digest)` when that builder exists, else the plain-text
rendering cut into sections, so it works before and after the digest Block Kit lands.
"""

from __future__ import annotations

import datetime as dt

from bot.slack import blocks
from bot.slack.blocks import MAX_SECTION, Message
from bot.slack.mrkdwn import escape


def digest_to_message(digest) -> Message:
    builder = getattr(blocks, "digest_message", None)
    if builder is not None:
        return builder(digest)
    from bot.pipeline.digest import format_digest_text

    text = format_digest_text(digest)
    parts, current = [], ""
    for line in text.splitlines():
        piece = escape(line) + "\n"
        if len(current) + len(piece) > MAX_SECTION - 10:
            parts.append(current)
            current = ""
        current += piece
    if current.strip():
        parts.append(current)
    return blocks.message(text, [blocks.section(f"```{p.rstrip()}```") for p in parts])


def post_digest(services, poster, *, team: str, channel: str, thread_ts: str | None = None,
                date: dt.date | None = None, days: int = 7, user: str | None = None) -> str | None:
    """Post the digest for `channel` (the week from `date`, default today). Returns the message ts."""
    from bot.pipeline.digest import compose_digest

    digest = compose_digest(services.store, date=date or services.today(), days=days, team=team, channel=channel,
                            timezone=services.settings.timezone)
    return poster.post(channel, digest_to_message(digest), thread_ts, user=user)
