"""What a worker does with each kind of Slack job, and how the user hears about the outcome.

Kinds: `link` (a link posted in a conversation: reactions + thread reply), `url` (a link from the
"Brief this" shortcut or `/brief <url>`), `text` (a message's own text, via the shortcut), `skipped`
(names the links over the per-message limit), `ask` (a question), `cmd` (help | digest | storylines |
week), `digest` (`/brief digest`), `rebrief` ("Retry with AI").

Exactly one reply: before posting, the `replies` table is checked for (channel, message ts, key) — key is
the URL for briefs — and the reply is recorded once posted, so a job that runs again (requeue after a
crash) never posts twice. The row is claimed (reply ts empty) before posting; a run that finds a claim
without a ts knows an earlier run stopped mid-post, and asks the thread (the reply's message metadata)
whether the post went out before posting again. When Slack can't say, it posts: at least once.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.digest_post import post_manual_digest
from bot.pipeline.ingest import Placement, Source
from bot.slack import blocks
from bot.slack.context import SlackContext
from bot.slack.intake import is_real_ts, ts_date
from bot.slack.mrkdwn import one_line
from bot.slack.poster import reply_marker

log = logging.getLogger(__name__)

PASTE_HINT = ("You can paste the article's text into a message and brief it with the *Brief this* "
              "message shortcut (it briefs a message's own text when it has no link).")


def needs_paste_hint(reason: str) -> bool:
    """Paywalls and script-only pages: the reader has the text even when the fetcher can't get it."""
    lowered = reason.lower()
    return any(w in lowered for w in ("paywall", "script-only", "no article text", "401", "402", "403",
                                      "javascript"))


class SlackJobs:
    def __init__(self, ctx: SlackContext):
        self.ctx = ctx

    # -- entry points for the worker pool -----------------------------------------------------------

    def __call__(self, job: dict) -> str | None:
        kind = job.get("kind")
        handler = getattr(self, f"_job_{kind}", None)
        if handler is None:
            log.warning("job %s has unknown kind %r; dropping it", job["id"], kind)
            return None
        return handler(job)

    def failed(self, job: dict, reason: str) -> None:
        """Tell the conversation why a job failed, once, in the thread it came from."""
        if job.get("kind") in ("link", "url", "text"):
            what = job["source"] if job.get("kind") != "text" else "that message"
            text = f"Couldn't brief {what}: {one_line(reason, 500)}"
            if needs_paste_hint(reason):
                text += " " + PASTE_HINT
        else:
            text = f"Sorry, that didn't work: {one_line(reason, 500)}"
        self._reply_once(job, f"error:{self._key(job)}", blocks.notice(text), brief_id=None)

    def delayed(self, job: dict, message: str) -> None:
        """The database is full: say so once in the job's thread. Not recorded in `replies` (that write
        would fail too); the worker calls this once per job, and the brief or error follows later."""
        text = f"{one_line(message, 300)}. I'll try again once there is space."
        self.ctx.poster.post(job["channel"], blocks.notice(text), job.get("thread_ts"), user=job.get("user"))

    def done(self, job: dict, ok: bool) -> None:
        """After a link job's outcome is recorded: when the message has no job left, swap the reaction."""
        if job.get("kind") != "link" or not is_real_ts(job.get("message_ts")):
            return
        siblings = self.ctx.store.jobs_for_message(job.get("team"), job.get("channel"), job.get("message_ts"))
        links = [j for j in siblings if j.get("kind") == "link"]
        if any(j["state"] in ("queued", "running") for j in links):
            return
        channel, ts = job["channel"], job["message_ts"]
        self.ctx.gate.wait(channel, ts)
        all_ok = all(j["state"] == "done" for j in links)
        self.ctx.poster.unreact(channel, ts, "eyes")
        self.ctx.poster.react(channel, ts, "white_check_mark" if all_ok else "warning")

    # -- kinds --------------------------------------------------------------------------------------

    def _job_link(self, job: dict) -> str | None:
        return self._brief(job, Source("url", job["source"], job["source"]))

    _job_url = _job_link

    def _job_text(self, job: dict) -> str | None:
        return self._brief(job, Source("text", job["source"], "the message text"))

    def _job_skipped(self, job: dict) -> None:
        urls = job["source"].removeprefix("skipped:").split()
        limit = self.ctx.settings.max_links_per_message
        self._reply_once(job, "skipped", blocks.skipped_links_notice(urls, limit), brief_id=None)

    def _job_ask(self, job: dict) -> None:
        question = job["source"].removeprefix("ask:")
        self._visibility(job)  # caches the conversation kind for the retrieval scope
        answer = self._answer(question, job)
        permalinks = {}
        for citation in answer.citations:
            if citation.brief not in permalinks:
                url = self._brief_permalink(citation.brief)
                if url:
                    permalinks[citation.brief] = url
        self._reply_once(job, "ask", blocks.answer_message(answer, permalinks), brief_id=None)

    def _job_cmd(self, job: dict) -> None:
        name = job["source"].removeprefix("cmd:")
        team, channel = job.get("team") or "", job["channel"]
        if name == "digest":
            if self.ctx.store.reply_for(channel, job["message_ts"], "cmd:digest") is None:
                ts = self._post_digest(job, thread_ts=job.get("thread_ts"))
                self._record(job, "cmd:digest", ts, None)
            return
        if name == "storylines":
            msg = blocks.storylines_message(self.ctx.store.visible_storylines(team, channel))
        elif name == "week":
            msg = blocks.week_message(self._week(team, channel))
        else:
            msg = blocks.help_message()
        self._reply_once(job, f"cmd:{name}", msg, brief_id=None)

    def _job_digest(self, job: dict) -> None:
        self._post_digest(job)

    def _post_digest(self, job: dict, thread_ts: str | None = None) -> str | None:
        """A manual digest through the scheduler's path and ledger (`bot/digest_post.py`)."""
        channel = job["channel"]
        try:
            return post_manual_digest(self.ctx.services, self.ctx.poster.client, team=job.get("team") or "",
                                      channel=channel, thread_ts=thread_ts)
        except Exception as err:  # noqa: BLE001 - Slack refused it: tell the user, keep the worker alive
            code = str(getattr(err, "response", {}).get("error") or type(err).__name__)
            log.warning("digest post failed in channel %s: %s", channel, code)
            if job.get("user"):
                self.ctx.poster.dm(job["user"], f"I couldn't post the digest in <#{channel}> ({code}).")
            return None

    def _job_rebrief(self, job: dict) -> str:
        brief_id = job["source"].removeprefix("rebrief:")
        self.ctx.services.ingestor.rebrief(brief_id)
        record = self.ctx.store.get_brief(brief_id)
        self._reply_once(job, job["source"], blocks.brief_message(record, offer_ai_retry=False), brief_id=brief_id)
        return brief_id

    # -- helpers ------------------------------------------------------------------------------------

    def _brief(self, job: dict, source: Source) -> str:
        real_ts = job["message_ts"] if is_real_ts(job.get("message_ts")) else None
        placement = Placement(
            team=job.get("team") or "",
            channel=job["channel"],
            visibility=self._visibility(job),
            message_ts=real_ts,
            thread_ts=job.get("thread_ts"),
        )
        result = self.ctx.services.ingestor.ingest(source, placement, posted=ts_date(real_ts))
        record = self.ctx.store.get_brief(result.brief_id)
        offer = self.ctx.settings.backend == "openai" and record.get("backend") != "openai"
        self._reply_once(job, self._key(job), blocks.brief_message(record, offer_ai_retry=offer),
                         brief_id=result.brief_id)
        return result.brief_id

    def _key(self, job: dict) -> str:
        return "text" if job.get("kind") == "text" else job["source"]

    def _reply_once(self, job: dict, key: str, msg: blocks.Message, *, brief_id: str | None) -> str | None:
        store, poster = self.ctx.store, self.ctx.poster
        channel, message_ts, thread_ts = job["channel"], job["message_ts"], job.get("thread_ts")
        marker = reply_marker(message_ts, key)
        existing = store.reply_for(channel, message_ts, key)
        if existing is not None and existing.get("reply_ts"):
            log.info("reply for %s in channel %s already posted; not posting again", key, channel)
            return existing["reply_ts"]
        if existing is not None:  # claimed by a run that stopped mid-post: did that post reach Slack?
            found = poster.find_reply(channel, thread_ts, marker)
            if found:
                log.info("reply for %s in channel %s was posted before a restart; recording it", key, channel)
                self._record(job, key, found, brief_id)
                return found
        else:
            store.record_reply(team=job.get("team") or "", channel=channel, message_ts=message_ts, key=key,
                               reply_ts=None, brief_id=brief_id, now=self.ctx.now())
        ts = poster.post(channel, msg, thread_ts, user=job.get("user"), metadata=marker)
        if ts is None:
            store.release_reply(channel, message_ts, key)
        self._record(job, key, ts, brief_id)
        return ts

    def _record(self, job: dict, key: str, ts: str | None, brief_id: str | None) -> None:
        if ts is None:
            return  # not posted: Poster logged it and told the user where it could
        self.ctx.store.record_reply(team=job.get("team") or "", channel=job["channel"],
                                    message_ts=job["message_ts"], key=key, reply_ts=ts, brief_id=brief_id,
                                    now=self.ctx.now())

    def _visibility(self, job: dict) -> str:
        """The conversation's kind: from the event, else the cache, else `conversations.info`; unknown
        conversations count as private, so nothing leaks from them."""
        store, channel = self.ctx.store, job["channel"]
        kind = job.get("visibility") or store.conversation_kind(channel)
        if kind is None:
            kind = self.ctx.poster.conversation_kind(channel)
            if kind is None:
                return "private"
        if kind != store.conversation_kind(channel):
            store.save_conversation_kind(channel, job.get("team") or "", kind, self.ctx.now())
        return kind

    def _answer(self, question: str, job: dict):
        from bot.pipeline.ask import ask

        services = self.ctx.services
        return ask(services.store, services.backend, question, job.get("team") or "", job["channel"],
                   services.today())

    def _brief_permalink(self, brief_id: str) -> str | None:
        record = self.ctx.store.brief_reply(brief_id)
        if record and record.get("reply_ts"):
            return self.ctx.poster.permalink(record["channel"], record["reply_ts"])
        return None

    def _week(self, team: str, channel: str) -> list[dict]:
        today = self.ctx.services.today()
        end = today + dt.timedelta(days=6)
        return self.ctx.store.visible_events(team, channel, start=today.isoformat(), end=end.isoformat())
