"""What a worker does with each kind of Slack job (`JobKind`), and how the user hears about the outcome.

`HANDLERS` maps every kind to its method; a kind without one fails at import. The worker pool hands over
stored rows; `SlackJob.from_row` turns each back into a typed job first.

Exactly one reply: before posting, the `replies` table is checked for (channel, message ts, key) — key is
the URL for briefs — and the reply is recorded once posted, so a job that runs again (requeue after a
crash) never posts twice. The row is claimed (reply ts empty) before posting; a run that finds a claim
without a ts knows an earlier run stopped mid-post, and asks the thread (the reply's message metadata)
whether the post went out before posting again. When Slack can't say, it posts: at least once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from bot.pipeline.ingest import Ingestor, Placement, Source
from bot.services import Services
from bot.slack import blocks
from bot.slack.digest_post import post_manual_digest
from bot.slack.intake import EyesGate, is_real_ts, ts_date
from bot.slack.job import LINK_KINDS, JobKind, SlackJob
from bot.slack.mrkdwn import one_line
from bot.slack.poster import Poster, error_code, reply_marker

log = logging.getLogger(__name__)

PASTE_HINT = ("You can paste the article's text into a message and brief it with the *Brief this* "
              "message shortcut (it briefs a message's own text when it has no link).")


def needs_paste_hint(reason: str) -> bool:
    """Paywalls and script-only pages: the reader has the text even when the fetcher can't get it."""
    lowered = reason.lower()
    return any(w in lowered for w in ("paywall", "script-only", "no article text", "401", "402", "403",
                                      "javascript"))


def _typed(row: dict) -> SlackJob | None:
    try:
        return SlackJob.from_row(row)
    except (ValueError, KeyError, TypeError) as err:
        log.warning("job %s has an unknown kind or payload (%r: %s); dropping it", row.get("id"), row.get("kind"),
                    err)
        return None


class SlackJobs:
    """The worker pool's handler (`__call__`), failure reporter (`failed`) and after-job step (`done`).

    `ingestor` is the Slack workers' own, which pauses between stages while acks are in flight."""

    def __init__(self, services: Services, poster: Poster, gate: EyesGate, ingestor: Ingestor | None = None):
        self.services = services
        self.store = services.store
        self.settings = services.settings
        self.poster = poster
        self.gate = gate
        self.ingestor = ingestor or services.ingestor

    # -- entry points for the worker pool -----------------------------------------------------------

    def __call__(self, row: dict) -> str | None:
        job = _typed(row)
        return None if job is None else HANDLERS[job.kind](self, job)

    def failed(self, row: dict, reason: str) -> None:
        """Tell the conversation why a job failed, once, in the thread it came from."""
        job = _typed(row)
        if job is None:
            return
        if job.kind in LINK_KINDS or job.kind is JobKind.SHORTCUT_TEXT:
            what = job.url if job.kind in LINK_KINDS else "that message"
            text = f"Couldn't brief {what}: {one_line(reason, 500)}"
            if needs_paste_hint(reason):
                text += " " + PASTE_HINT
        else:
            text = f"Sorry, that didn't work: {one_line(reason, 500)}"
        self._reply_once(job, job.error_key, blocks.notice(text), brief_id=None)

    def delayed(self, row: dict, message: str) -> None:
        """The database is full: say so once in the job's thread. Not recorded in `replies` (that write
        would fail too); the worker calls this once per job, and the brief or error follows later."""
        job = _typed(row)
        if job is None:
            return
        text = f"{one_line(message, 300)}. I'll try again once there is space."
        self.poster.post(job.channel, blocks.notice(text), job.origin.thread_ts, user=job.user)

    def done(self, row: dict, ok: bool) -> None:
        """After a posted link's outcome is recorded: when the message has no job left, swap the reaction."""
        if row.get("kind") != JobKind.POSTED_LINK or not is_real_ts(row.get("message_ts")):
            return
        siblings = self.store.jobs_for_message(row.get("team"), row.get("channel"), row.get("message_ts"))
        links = [j for j in siblings if j.get("kind") == JobKind.POSTED_LINK]
        if any(j["state"] in ("queued", "running") for j in links):
            return
        channel, ts = row["channel"], row["message_ts"]
        self.gate.wait(channel, ts)
        all_ok = all(j["state"] == "done" for j in links)
        poster = self.poster.for_team(row.get("team"))
        poster.unreact(channel, ts, "eyes")
        poster.react(channel, ts, "white_check_mark" if all_ok else "warning")

    # -- kinds --------------------------------------------------------------------------------------

    def brief_link(self, job: SlackJob) -> str | None:
        return self._brief(job, Source("url", job.url, job.url))

    def brief_text(self, job: SlackJob) -> str | None:
        return self._brief(job, Source("text", job.text, "the message text"))

    def name_skipped(self, job: SlackJob) -> None:
        limit = self.settings.max_links_per_message
        self._reply_once(job, job.reply_key, blocks.skipped_links_notice(list(job.skipped), limit), brief_id=None)

    def answer(self, job: SlackJob) -> None:
        self._visibility(job)  # caches the conversation kind for the retrieval scope
        answer = self._answer(job.question, job)
        permalinks = {}
        for citation in answer.citations:
            if citation.brief not in permalinks:
                url = self._brief_permalink(citation.brief, job.team)
                if url:
                    permalinks[citation.brief] = url
        self._reply_once(job, job.reply_key, blocks.answer_message(answer, permalinks), brief_id=None)

    def run_command(self, job: SlackJob) -> None:
        name, team, channel = job.command, job.team, job.channel
        if name == "digest":
            if self.store.reply_for(channel, job.origin.message_ts, job.reply_key) is None:
                ts = self._post_digest(job, thread_ts=job.origin.thread_ts)
                self._record(job, job.reply_key, ts, None)
            return
        if name == "storylines":
            msg = blocks.storylines_message(self.store.visible_storylines(team, channel))
        elif name == "week":
            msg = blocks.week_message(self._week(team, channel))
        else:
            msg = blocks.help_message()
        self._reply_once(job, job.reply_key, msg, brief_id=None)

    def post_digest_now(self, job: SlackJob) -> None:
        self._post_digest(job)

    def _post_digest(self, job: SlackJob, thread_ts: str | None = None) -> str | None:
        """A manual digest through the scheduler's path and ledger (`bot/slack/digest_post.py`)."""
        channel = job.channel
        try:
            return post_manual_digest(self.services, self.poster, team=job.team, channel=channel,
                                      thread_ts=thread_ts)
        except Exception as err:  # noqa: BLE001 - Slack refused it: tell the user, keep the worker alive
            code = error_code(err) or type(err).__name__
            log.warning("digest post failed in channel %s: %s", channel, code)
            if job.user:
                self.poster.for_team(job.team).dm(job.user, f"I couldn't post the digest in <#{channel}> ({code}).")
            return None

    def rebrief(self, job: SlackJob) -> str:
        brief_id = job.brief_id
        self.ingestor.rebrief(brief_id)
        record = self.store.get_brief(brief_id)
        self._reply_once(job, job.reply_key, blocks.brief_message(record, offer_ai_retry=False), brief_id=brief_id)
        return brief_id

    # -- helpers ------------------------------------------------------------------------------------

    def _brief(self, job: SlackJob, source: Source) -> str:
        real_ts = job.origin.message_ts if is_real_ts(job.origin.message_ts) else None
        placement = Placement(
            team=job.team,
            channel=job.channel,
            visibility=self._visibility(job),
            message_ts=real_ts,
            thread_ts=job.origin.thread_ts,
        )
        result = self.ingestor.ingest(source, placement, posted=ts_date(real_ts))
        record = self.store.get_brief(result.brief_id)
        offer = self.settings.backend == "openai" and record.get("backend") != "openai"
        self._reply_once(job, job.reply_key, blocks.brief_message(record, offer_ai_retry=offer),
                         brief_id=result.brief_id)
        return result.brief_id

    def _reply_once(self, job: SlackJob, key: str, msg: blocks.Message, *, brief_id: str | None) -> str | None:
        store, poster = self.store, self.poster.for_team(job.team)
        channel, message_ts, thread_ts = job.channel, job.origin.message_ts, job.origin.thread_ts
        marker = reply_marker(message_ts, key)
        existing = store.reply_for(channel, message_ts, key)
        if existing is not None and existing.get("reply_ts"):
            log.info("reply of job %s (%s) in channel %s already posted; not posting again", job.id, job.kind,
                     channel)  # not the key: it can hold the user's question
            return existing["reply_ts"]
        if existing is not None:  # claimed by a run that stopped mid-post: did that post reach Slack?
            found = poster.find_reply(channel, thread_ts, marker)
            if found:
                log.info("reply of job %s (%s) in channel %s was posted before a restart; recording it", job.id,
                         job.kind, channel)
                self._record(job, key, found, brief_id)
                return found
        else:
            store.record_reply(team=job.team, channel=channel, message_ts=message_ts, key=key,
                               reply_ts=None, brief_id=brief_id, now=self._now())
        ts = poster.post(channel, msg, thread_ts, user=job.user, metadata=marker)
        if ts is None:
            store.release_reply(channel, message_ts, key)
        self._record(job, key, ts, brief_id)
        return ts

    def _record(self, job: SlackJob, key: str, ts: str | None, brief_id: str | None) -> None:
        if ts is None:
            return  # not posted: Poster logged it and told the user where it could
        self.store.record_reply(team=job.team, channel=job.channel, message_ts=job.origin.message_ts, key=key,
                                reply_ts=ts, brief_id=brief_id, now=self._now())

    def _visibility(self, job: SlackJob) -> str:
        """The conversation's kind: from the event, else the cache, else `conversations.info`; unknown
        conversations count as private, so nothing leaks from them."""
        store, channel = self.store, job.channel
        kind = job.origin.visibility or store.conversation_kind(channel)
        if kind is None:
            kind = self.poster.for_team(job.team).conversation_kind(channel)
            if kind is None:
                return "private"
        if kind != store.conversation_kind(channel):
            store.save_conversation_kind(channel, job.team, kind, self._now())
        return kind

    def _answer(self, question: str, job: SlackJob):
        from bot.pipeline.ask import ask

        services = self.services
        return ask(services.store, services.backend, question, job.team, job.channel, services.today())

    def _brief_permalink(self, brief_id: str, team: str) -> str | None:
        record = self.store.brief_reply(brief_id)
        if record and record.get("reply_ts"):
            return self.poster.for_team(team).permalink(record["channel"], record["reply_ts"])
        return None

    def _week(self, team: str, channel: str) -> list[dict]:
        today = self.services.today()
        end = today + dt.timedelta(days=6)
        return self.store.visible_events(team, channel, start=today.isoformat(), end=end.isoformat())

    def _now(self) -> str:
        return self.services.clock.utc_stamp()


# Every kind's handler, checked complete at import: a kind added without one, or a misspelt name, fails here.
HANDLERS: dict[JobKind, Callable[[SlackJobs, SlackJob], str | None]] = {
    JobKind.POSTED_LINK: SlackJobs.brief_link,
    JobKind.COMMAND_LINK: SlackJobs.brief_link,
    JobKind.SHORTCUT_LINK: SlackJobs.brief_link,
    JobKind.SHORTCUT_TEXT: SlackJobs.brief_text,
    JobKind.SKIPPED_LINKS: SlackJobs.name_skipped,
    JobKind.QUESTION: SlackJobs.answer,
    JobKind.COMMAND: SlackJobs.run_command,
    JobKind.DIGEST_NOW: SlackJobs.post_digest_now,
    JobKind.REBRIEF: SlackJobs.rebrief,
}
if set(HANDLERS) != set(JobKind):
    raise ImportError(f"Slack job kinds without a handler: {sorted(set(JobKind) - set(HANDLERS))}")
