"""Slack payloads → `SlackJob`s. Pure functions plus one `JobWriter` that stores them; no network.

A listener calls these before its ack returns, so the durable `jobs` row exists before Slack hears back.
The same message seen twice (a retry, or a mention delivered as both `message` and `app_mention`) maps to
the same (team, channel, message ts, source) key, which the jobs table stores only once.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import sys
import threading
import time

from bot.slack.job import JobKind, Origin, SlackJob
from bot.slack.links import extract_links, strip_markup

# event.channel_type → Placement.visibility (None: ask conversations.info later, in the worker)
VISIBILITY = {"channel": "public", "group": "private", "im": "dm", "mpim": "private"}
HUMAN_SUBTYPES = {None, "file_share", "thread_broadcast", "me_message"}
COMMAND_WORDS = {"help", "digest", "storylines", "week"}
MAX_QUESTION = 1000
INTERACTIONS = {"message_action", "block_actions"}  # bolt bodies of a message shortcut and of a button


def is_human_message(event: dict) -> bool:
    """A new message written by a person: not a bot, not an edit (`message_changed`, e.g. link unfurls),
    not a deletion or a join notice."""
    if event.get("subtype") not in HUMAN_SUBTYPES:
        return False
    if event.get("bot_id") or event.get("bot_profile") or event.get("hidden"):
        return False
    return bool(event.get("user") and event.get("channel") and event.get("ts"))


def origin_of(payload: dict, team: str | None = None) -> Origin:
    """Team, channel, user and message of any payload a listener gets: a message or mention event, a
    slash command, or the body of a message shortcut or button. The one place that reads them.

    Events reply in the message's thread; a slash command has no message, so its reply goes to the
    channel and its trigger id keys it (the same command twice gives two replies)."""
    if payload.get("type") in INTERACTIONS:
        msg = payload.get("message") or {}
        container = payload.get("container") or {}
        ts = msg.get("ts") or payload.get("message_ts") or container.get("message_ts") or ""
        return Origin(
            team=(payload.get("team") or {}).get("id") or "",
            channel=(payload.get("channel") or {}).get("id") or container.get("channel_id") or "",
            message_ts=ts,
            thread_ts=msg.get("thread_ts") or container.get("thread_ts") or ts,
            user=(payload.get("user") or {}).get("id"),
        )
    if "command" in payload:
        return Origin(
            team=payload.get("team_id") or "",
            channel=payload.get("channel_id") or "",
            message_ts=f"slash:{payload.get('trigger_id') or payload.get('command_ts') or ''}",
            thread_ts=None,
            user=payload.get("user_id"),
            visibility=command_visibility(payload.get("channel_name")),
        )
    return Origin(
        team=team or "",
        channel=payload["channel"],
        message_ts=payload["ts"],
        thread_ts=payload.get("thread_ts") or payload["ts"],
        user=payload.get("user"),
        visibility=VISIBILITY.get(payload.get("channel_type")),
    )


def question_job(origin: Origin, text: str, bot_user_id: str | None) -> SlackJob:
    """`@bot help|digest|storylines|week` become commands; anything else is a question."""
    if bot_user_id:
        text = text.replace(f"<@{bot_user_id}>", " ")
    question = " ".join(strip_markup(text).split())[:MAX_QUESTION]
    word = question.lower().strip(" ?!.")
    if not word or word in COMMAND_WORDS:
        return SlackJob(JobKind.COMMAND, origin, command=word or "help")
    return SlackJob(JobKind.QUESTION, origin, question=question)


def link_jobs(kind: JobKind, origin: Origin, links: list[str], max_links: int) -> list[SlackJob]:
    """One job per link up to `max_links`, plus one naming the rest when there are more."""
    jobs = [SlackJob(kind, origin, url=url) for url in links[:max_links]]
    if len(links) > max_links:
        jobs.append(SlackJob(JobKind.SKIPPED_LINKS, origin, skipped=tuple(links[max_links:])))
    return jobs


def message_jobs(event: dict, team: str, bot_user_id: str | None, max_links: int) -> list[SlackJob]:
    """Jobs for a `message` or `app_mention` event: one per link (up to `max_links`, plus one notice
    naming the skipped rest), else a question or command when the bot is mentioned or in a DM."""
    if not is_human_message(event):
        return []
    text = event.get("text") or ""
    origin = origin_of(event, team)
    links = extract_links(text, event.get("blocks"))
    if links:
        return link_jobs(JobKind.POSTED_LINK, origin, links, max_links)
    mentioned = bool(bot_user_id) and f"<@{bot_user_id}>" in text
    if event.get("type") == "app_mention" or mentioned or event.get("channel_type") == "im":
        return [question_job(origin, text, bot_user_id)]
    return []


def shortcut_jobs(body: dict, max_links: int) -> list[SlackJob]:
    """"Brief this": the message's links, or the message's own text when it has none."""
    msg = body.get("message") or {}
    origin = origin_of(body)
    links = extract_links(msg.get("text"), msg.get("blocks"))
    if links:
        return link_jobs(JobKind.SHORTCUT_LINK, origin, links, max_links)
    text = strip_markup(msg.get("text"))
    return [SlackJob(JobKind.SHORTCUT_TEXT, origin, text=text)] if text else []


def command_visibility(channel_name: str | None) -> str | None:
    """Slash command payloads name DMs and private channels this way; anything else is looked up."""
    name = channel_name or ""
    if name == "directmessage":
        return "dm"
    if name == "privategroup" or name.startswith("mpdm-"):
        return "private"
    return None


def is_real_ts(ts: str | None) -> bool:
    return bool(ts) and re.fullmatch(r"\d+\.\d+", ts or "") is not None


def ts_date(ts: str | None) -> dt.date | None:
    if not is_real_ts(ts):
        return None
    return dt.datetime.fromtimestamp(float(ts), dt.UTC).date()


class EyesGate:
    """Orders the two reactions on a message: the worker swaps `:eyes:` for the result only after the
    listener has added `:eyes:`, or it would remove nothing and leave the eyes behind."""

    def __init__(self) -> None:
        self._events: dict[tuple[str, str], threading.Event] = {}
        self._lock = threading.Lock()

    def expect(self, channel: str, ts: str) -> None:
        with self._lock:
            self._events.setdefault((channel, ts), threading.Event())

    def done(self, channel: str, ts: str) -> None:
        with self._lock:
            event = self._events.get((channel, ts))
        if event:
            event.set()

    def wait(self, channel: str, ts: str, timeout: float = 5.0) -> None:
        with self._lock:
            event = self._events.get((channel, ts))
        if event:
            event.wait(timeout)
            with self._lock:
                self._events.pop((channel, ts), None)


class _Pending:
    __slots__ = ("jobs", "now", "result", "error", "done")

    def __init__(self, jobs: list[dict], now: str) -> None:
        self.jobs, self.now = jobs, now
        self.result: list[tuple[int, bool]] | None = None
        self.error: BaseException | None = None
        self.done = False


class JobWriter:
    """Group commit for the ack path: listeners that arrive together share one jobs transaction.

    Every write on the shared store is serialised (one connection, one lock), and a transaction's fixed
    cost (BEGIN IMMEDIATE, COMMIT) is most of an ack's own work; during a burst, twenty listeners each
    paying it in turn was most of the bot's ack tail. Here the first listener to find no write in progress
    commits everything queued so far in one transaction, and the others wait for the transaction that holds
    their rows. Each `enqueue` still returns only after its rows are committed, so the jobs row exists
    before the ack; if a shared transaction fails, each listener's rows are retried on their own, so one
    bad request cannot fail its neighbours.
    """

    BUSY_RETRY_SECONDS = 0.0005  # between attempts while a worker holds SQLite's write lock
    BUSY_DEADLINE_SECONDS = 2.0  # then wait on the shared connection's own busy timeout instead

    def __init__(self, store, ack_store=None) -> None:
        self.store = store
        # With a connection of its own, the ack path no longer queues behind the workers' reads and
        # writes on the shared connection's lock; it only waits while a worker holds SQLite's write lock.
        self.ack_store = ack_store
        self._queue: list[_Pending] = []
        self._queue_lock = threading.Lock()
        self._writing = threading.Lock()  # held by the thread committing a group

    def enqueue(self, jobs: list[SlackJob], now: str) -> list[tuple[SlackJob, int, bool]]:
        """Store `jobs` (committed on return): (job, row id, created) for each."""
        if not jobs:
            return []
        mine = _Pending([job.to_row() for job in jobs], now)
        with self._queue_lock:
            self._queue.append(mine)
        with self._writing:
            if not mine.done:  # nobody took it while we waited: commit it with whatever else is queued
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._commit(group)
        if mine.error is not None:
            raise mine.error
        return [(job, *made) for job, made in zip(jobs, mine.result, strict=True)]

    def _write(self, batches: list[tuple[list[dict], str]]) -> list[list[tuple[int, bool]]]:
        if self.ack_store is not None:
            deadline = time.monotonic() + self.BUSY_DEADLINE_SECONDS
            while True:
                try:
                    return self.ack_store.enqueue_job_batches(batches)
                except sqlite3.OperationalError as err:
                    if "locked" not in str(err) and "busy" not in str(err):
                        raise
                if time.monotonic() >= deadline:
                    break
                time.sleep(self.BUSY_RETRY_SECONDS)
        return self.store.enqueue_job_batches(batches)

    def close(self) -> None:
        """Close the ack path's own connection; later writes go through the shared store."""
        with self._writing:
            ack_store, self.ack_store = self.ack_store, None
        if ack_store is not None:
            ack_store.close()

    def _commit(self, group: list[_Pending]) -> None:
        try:
            results = self._write([(p.jobs, p.now) for p in group])
        except Exception:  # noqa: BLE001 - retried one by one below, so the error lands where it belongs
            if len(group) == 1:
                group[0].error = sys.exc_info()[1]
            else:
                for pending in group:
                    self._commit([pending])
                return
        else:
            for pending, result in zip(group, results, strict=True):
                pending.result = result
        for pending in group:
            pending.done = True
