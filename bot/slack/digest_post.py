"""Post one channel's digest exactly once: claim in the ledger, compose, render, post, record the ts.

The scheduler, `/brief digest` and `briefbot digest --post` all come through `post_digest`, so they share
one ledger. Slack is reached only through the `Poster` (the post and the permalinks). A scheduled digest is claimed per (channel, local date) in one transaction before anything is
sent: a second process, a repeated fire or the start-up catch-up finds the claim and does nothing. A
failed post gives the claim back so a retry can post. Manual digests get a row each and never block the
scheduled one (nor each other).
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.pipeline.digest import Digest, compose_digest
from bot.pipeline.models import Event
from bot.slack.blocks import MAX_MESSAGE_CHARS
from bot.slack.digest_blocks import digest_message
from bot.slack.poster import Poster, error_code, is_too_big

log = logging.getLogger(__name__)

KINDS = ("scheduled", "manual")
MAX_PERMALINK_LOOKUPS = 40


def _ledger(services, *, team: str, channel: str, local_date: str, kind: str):
    """Claim the ledger slot; return (mark_posted(ts), release()) or None when someone already has it."""
    store = services.store
    now = services.clock.now().isoformat()
    if kind == "scheduled":
        if not store.claim_digest(team=team, channel=channel, local_date=local_date, kind=kind, now=now):
            return None

        def mark(ts: str) -> None:
            store.mark_digest_posted(
                channel=channel, local_date=local_date, kind=kind, ts=ts, now=services.clock.now().isoformat()
            )

        def release() -> None:
            store.release_digest(channel=channel, local_date=local_date, kind=kind)

        return mark, release
    row_id = store.claim_manual_digest(team=team, channel=channel, local_date=local_date, now=now)
    return (
        lambda ts: store.mark_digest_row_posted(row_id, ts=ts, now=services.clock.now().isoformat()),
        lambda: store.release_digest_row(row_id),
    )


def permalinks_for(services, poster: Poster, digest: Digest) -> dict[str, str]:
    """Brief id -> link to the brief's thread in Slack (chat.getPermalink), for briefs posted from Slack.

    A brief filed from the CLI has no message, and a lookup that fails just leaves that brief unlinked.
    """
    wanted: list[str] = []
    for event in digest.events():
        wanted += event.sources
    for storyline in digest.storylines:
        wanted += storyline.briefs
    wanted += [q.brief for q in digest.open_questions if q.brief]
    out: dict[str, str] = {}
    for brief_id in list(dict.fromkeys(wanted))[:MAX_PERMALINK_LOOKUPS]:
        record = services.store.get_brief(brief_id)
        ts = record and (record.get("thread_ts") or record.get("message_ts"))
        if not ts or not record.get("channel"):
            continue
        link = poster.permalink(record["channel"], ts)  # None when Slack won't say: that brief stays unlinked
        if link:
            out[brief_id] = link
    return out


def digest_intro(services, digest: Digest) -> str | None:
    """The backend's optional 'what to watch' paragraph (OpenAI backend only; embedded returns None)."""
    events = [Event(e.title, e.date, e.precision, e.time, e.timezone, e.evidence) for e in digest.events()]
    if not events:
        return None
    try:
        return services.backend.digest_intro(events)
    except Exception as err:  # noqa: BLE001 - the intro is optional; the digest goes out without it
        log.warning("digest intro failed, posting without it: %s", err)
        return None


def channel_timezone(services, channel: str) -> str:
    """The channel's schedule time zone, else BRIEFBOT_TIMEZONE: the zone the digest's dates are in."""
    row = services.store.get_schedule(channel) if channel else None
    return (row or {}).get("timezone") or services.settings.timezone


def post_digest(
    services,
    poster: Poster,
    *,
    team: str,
    channel: str,
    local_date: dt.date,
    kind: str = "scheduled",
    days: int = 7,
    thread_ts: str | None = None,
) -> str | None:
    """Post the digest of `channel` for the morning of `local_date`. Returns the message ts, or None when
    it did nothing (already claimed/posted, or an empty digest with BRIEFBOT_SKIP_EMPTY_DIGEST=1).

    A failure to compose or post releases the claim and re-raises, so the caller can log and retry.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    poster = poster.for_team(team)  # the team's own token when several workspaces are installed
    date_iso = local_date.isoformat()
    ledger = _ledger(services, team=team, channel=channel, local_date=date_iso, kind=kind)
    if ledger is None:
        log.info("digest for %s on %s already claimed; not posting again", channel, date_iso)
        return None
    mark, release = ledger
    try:
        digest = compose_digest(
            services.store,
            date=local_date,
            days=days,
            team=team,
            channel=channel,
            timezone=channel_timezone(services, channel),
        )
        if digest.is_empty and services.settings.skip_empty_digest:
            log.info("digest for %s on %s is empty; skipped (BRIEFBOT_SKIP_EMPTY_DIGEST)", channel, date_iso)
            release()
            return None
        intro = None if digest.is_empty else digest_intro(services, digest)
        permalinks = {} if digest.is_empty else permalinks_for(services, poster, digest)
        message = digest_message(digest, intro=intro, permalinks=permalinks)
        try:
            ts = poster.post_or_raise(channel, message, thread_ts)
        except Exception as err:
            if not is_too_big(err):
                raise
            # Slack counts a message's size its own way: try once more at half the size, then give up
            # (the scheduler does not retry a message that is too big).
            log.warning("digest for %s on %s too big for Slack (%s); posting a shorter one", channel, date_iso,
                        error_code(err))
            message = digest_message(digest, intro=intro, permalinks=permalinks, max_chars=MAX_MESSAGE_CHARS // 2)
            ts = poster.post_or_raise(channel, message, thread_ts)
    except BaseException:
        release()
        raise
    mark(ts)
    log.info("posted %s digest for %s on %s (ts %s)", kind, channel, date_iso, ts)
    if kind == "scheduled" and services.settings.digest_image and digest.events():
        attach_week_picture(poster, channel, digest, ts)
    return ts


def attach_week_picture(poster: Poster, channel: str, digest: Digest, ts: str) -> str | None:
    """BRIEFBOT_DIGEST_IMAGE=1: the week as a calendar picture in the digest's thread (the text stays the
    message). A picture that fails to render or upload is logged; the digest is already out."""
    from bot.pipeline.week_png import render_week_png

    try:
        data = render_week_png(digest)
    except Exception as err:  # noqa: BLE001 - the picture is optional
        log.warning("week picture for %s failed to render: %s", channel, err)
        return None
    titles = "; ".join(e.title for e in digest.events()[:12])
    alt = f"Calendar of the week from {digest.date:%a %d %b %Y}: {titles}"[:1000]
    file_id = poster.upload_image(channel, data, filename=f"week-{digest.date.isoformat()}.png",
                                  title=f"Week ahead from {digest.date:%a} {digest.date.day} {digest.date:%b}",
                                  alt_text=alt, thread_ts=ts)
    if file_id:
        log.info("attached the week picture %s to the digest in %s", file_id, channel)
    return file_id


def local_today(services, channel: str) -> dt.date:
    """Today in the channel's digest time zone (its schedule's, else BRIEFBOT_TIMEZONE)."""
    from zoneinfo import ZoneInfo

    return services.clock.now().astimezone(ZoneInfo(channel_timezone(services, channel))).date()


def post_manual_digest(services, poster: Poster, *, team: str, channel: str,
                       thread_ts: str | None = None) -> str | None:
    """`/brief digest` (no sub-command): post today's digest now as a manual post (may repeat).

    Raises the Slack error when the post fails (nothing is left in the ledger), so the caller can tell
    the user; the scheduled digest of the day is unaffected either way.
    """
    return post_digest(services, poster, team=team, channel=channel, local_date=local_today(services, channel),
                       kind="manual", thread_ts=thread_ts)
