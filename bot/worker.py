"""The durable ingest queue's worker pool: a bounded number of threads claiming jobs from the store.

Listeners only write a `jobs` row (before Slack gets its ack) and call `wake()`; everything slow —
fetching, briefing, answering, posting — happens here. The queue lives in SQLite, so a restart loses
nothing. Each pool has an owner id (host:pid:token); a job it runs is held under a lease that its
heartbeat renews, so a second `briefbot run` on the same file leaves that job alone. A lease that ran out
(its pool crashed or hangs), or one whose owner is provably dead (same host, process gone), goes back
to the queue — at start-up and on every heartbeat — until the job has used `max_attempts`, after which
it fails and `on_failed` tells the user (the thread gets the reason). Claiming goes round the teams.

Errors: a `BriefbotError` is a final answer about the input (paywall, 404, blocked address) and fails the
job at once. A passing outage (`bot.retry.is_transient`: Slack down or rate limiting, refused or timed-out
connections) holds the job back with exponential backoff and jitter and does not use an attempt; it fails
only when `retry_window_seconds` have passed since its first wait. Any other exception is unexpected: it
is retried with the same backoff, but counts against `max_attempts` like a crash does. A failure is told
before it is recorded: when Slack can't take the error reply either, the job waits on instead.

A full disk (`StorageFullError`) is neither: the job waits with the same backoff without using an attempt
and without a window (it ends when there is space), `on_delayed` tells the user once that briefbot can't
save right now, and the whole pool stops claiming for a while (30 s, doubling to 5 min; by the injected
clock), since no job can finish until space is freed.

Housekeeping on start and then daily: done and failed jobs, and replies nothing needs any more, older
than `retention_days` are deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable

from bot.clock import Clock, utc_stamp
from bot.errors import BriefbotError, StorageFullError, Unavailable
from bot.logs import log_context
from bot.retry import backoff_seconds, is_transient

log = logging.getLogger(__name__)

Handler = Callable[[dict], "str | None"]  # runs a job; returns the brief id it produced, if any
FailureHandler = Callable[[dict, str], None]  # told about a job that failed for good, with the reason
DoneHandler = Callable[[dict, bool], None]  # after the outcome is recorded: (job, succeeded)
DelayedHandler = Callable[[dict, str], None]  # told once that a job waits for the database (job, message)

FULL_PAUSE_FIRST = dt.timedelta(seconds=30)
FULL_PAUSE_MAX = dt.timedelta(minutes=5)

PRUNE_EVERY = dt.timedelta(days=1)
_HOST = socket.gethostname()
_LIVE_OWNERS: set[str] = set()  # owners of the pools running in this process


def new_owner() -> str:
    """An owner id for one pool: `host:pid:token`. The token tells a restarted process that reuses a pid
    (pid 1 in a container) from the one before it, and two pools in one process apart."""
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str) -> bool:
    """True only when it is certain: the owner ran on this host and its process is gone (or it is this
    process, with no pool of that id running). Another host's owner is never declared dead: its lease
    has to run out."""
    try:
        host, pid_text, _token = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != _HOST:
        return False
    if pid == os.getpid():
        return owner not in _LIVE_OWNERS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # EPERM: a process of another user lives under that pid
        return False
    return False


def _span(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} hour(s)"
    if seconds >= 60:
        return f"{round(seconds / 60)} minutes"
    return f"{int(seconds)} s"


class WorkerPool:
    def __init__(self, store, handler: Handler, on_failed: FailureHandler, clock: Clock, *, workers: int = 4,
                 max_attempts: int = 3, poll_seconds: float = 1.0, name: str = "briefbot-worker",
                 on_done: DoneHandler | None = None, yield_to: Callable[[float], object] | None = None,
                 max_yield_seconds: float = 0.5, retry_window_seconds: float = 1800.0,
                 lease_seconds: float = 60.0, heartbeat_seconds: float | None = None,
                 retention_days: int | None = 30, rng: random.Random | None = None, owner: str | None = None,
                 on_delayed: DelayedHandler | None = None):
        self.store = store
        self.handler = handler
        self.on_failed = on_failed
        self.on_done = on_done
        # Acks first: before taking a job, a worker waits (at most `max_yield_seconds`) while Slack
        # requests are in flight, so a burst of events is acked before the CPU-heavy briefing starts.
        self.yield_to = yield_to
        self.max_yield_seconds = max_yield_seconds
        self.clock = clock
        self.workers = max(1, workers)
        self.max_attempts = max(1, max_attempts)
        self.poll_seconds = poll_seconds
        self.name = name
        self.retry_window = dt.timedelta(seconds=retry_window_seconds)
        self.lease = dt.timedelta(seconds=lease_seconds)
        # A few heartbeats per lease, so one late beat (a busy CPU) does not lose it.
        self.heartbeat_seconds = heartbeat_seconds if heartbeat_seconds is not None else lease_seconds / 4
        self.retention_days = retention_days
        self.rng = rng or random.Random()
        self.owner = owner or new_owner()
        self._pruned_at: dt.datetime | None = None
        self._maintainer: threading.Thread | None = None
        self._wake = threading.Condition()
        self._pending_wakes = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._active: set[int] = set()  # ids of the jobs this pool's threads are running
        self._busy_lock = threading.Lock()
        self.on_delayed = on_delayed
        self._full_pause = dt.timedelta(0)  # the current pause after a full disk (0: none)
        self._paused_until: dt.datetime | None = None
        self._told_delayed: set[int] = set()

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> WorkerPool:
        """Recover what a crashed run left behind, prune old rows, then start the workers and the heartbeat."""
        _LIVE_OWNERS.add(self.owner)
        self.recover()
        self._prune_if_due()
        for i in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"{self.name}-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._maintainer = threading.Thread(target=self._maintain_loop, name=f"{self.name}-heartbeat", daemon=True)
        self._maintainer.start()
        return self

    def recover(self) -> tuple[list[int], list[dict]]:
        """Requeue jobs whose lease ran out or whose owner is dead; fail those out of attempts. Live leases
        (another `briefbot run` at work, or this pool's own jobs) are left alone."""
        now = self._now()
        dead = [o for o in self.store.running_owners(now) if o != self.owner and owner_is_dead(o)]
        requeued, failed = self.store.requeue_stale_jobs(max_attempts=self.max_attempts, now=now,
                                                         dead_owners=dead)
        if requeued:
            log.info("requeued %d job(s) whose worker stopped (lease ran out or process gone)", len(requeued))
        for job in failed:
            log.warning("job %s failed after %s attempts", job["id"], job["attempts"])
            self._tell_failed(job, job.get("error") or "gave up")
            self._tell_done(job, False)
        return requeued, failed

    def heartbeat(self) -> int:
        """Renew the lease of every job this pool's threads are running now. Returns how many. A job left
        `running` after its thread finished (its outcome could not be recorded) is not renewed: its lease
        runs out and it is queued again."""
        with self._busy_lock:
            active = sorted(self._active)
        if not active:
            return 0
        return self.store.renew_leases(self.owner, active, utc_stamp(self.clock.now() + self.lease))

    def maintain(self) -> None:
        """One heartbeat tick: renew our leases first (so none of ours looks expired), take back expired
        ones, and prune once a day."""
        self.heartbeat()
        self.recover()
        self._prune_if_due()

    def prune(self) -> tuple[int, int]:
        """Delete done/failed jobs and no-longer-needed replies older than `retention_days`."""
        now = self.clock.now()
        self._pruned_at = now
        if not self.retention_days:
            return 0, 0
        cutoff = utc_stamp(now - dt.timedelta(days=self.retention_days))
        jobs, replies = self.store.prune_jobs(cutoff), self.store.prune_replies(cutoff)
        if jobs or replies:
            log.info("pruned %d job(s) and %d reply row(s) older than %d days", jobs, replies, self.retention_days)
        return jobs, replies

    def _prune_if_due(self) -> None:
        if self._pruned_at is None or self.clock.now() - self._pruned_at >= PRUNE_EVERY:
            self._safely(self.prune)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=timeout)
        self._threads.clear()
        if self._maintainer is not None:
            self._maintainer.join(timeout=timeout)
            self._maintainer = None
        _LIVE_OWNERS.discard(self.owner)  # jobs still ours now count as a dead owner's: the next pool takes them

    def wake(self) -> None:
        """A job was queued: let one idle worker look now instead of at its next poll."""
        with self._wake:
            self._pending_wakes += 1
            self._wake.notify()

    @property
    def busy(self) -> int:
        return self._busy

    # -- work ---------------------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping.is_set():
            if self.yield_to is not None:
                self.yield_to(self.max_yield_seconds)
            job = None
            try:
                now = self.clock.now()
                if not self.paused:
                    job = self.store.claim_job(utc_stamp(now), owner=self.owner,
                                               lease_until=utc_stamp(now + self.lease))
            except Exception:  # noqa: BLE001 - a locked or broken database must not kill the thread
                log.exception("claiming a job failed")
            if job is None:
                with self._wake:
                    if self._pending_wakes == 0 and not self._stopping.is_set():
                        self._wake.wait(self.poll_seconds)
                    self._pending_wakes = max(0, self._pending_wakes - 1)
                continue
            with self._busy_lock:
                self._busy += 1
                self._active.add(job["id"])
            try:
                self.run_one(job)
            finally:
                with self._busy_lock:
                    self._busy -= 1
                    self._active.discard(job["id"])

    def _maintain_loop(self) -> None:
        while not self._stopping.wait(self.heartbeat_seconds):
            self._safely(self.maintain)

    def run_one(self, job: dict) -> None:
        """Run one claimed job and record its outcome. Never raises. Every line logged meanwhile, here or
        deep in the pipeline, names the job's team, channel and id."""
        with log_context(team=job.get("team") or None, channel=job.get("channel") or None, job_id=job.get("id")):
            self._run_one(job)

    def _run_one(self, job: dict) -> None:
        try:
            brief_id = self.handler(job)
        except StorageFullError as err:
            self._wait_for_space(job, str(err))
        except BriefbotError as err:
            self._fail(job, str(err))
        except Exception as err:  # noqa: BLE001 - retried, then reported; the worker lives on
            # Retried silently; the user hears about it only when the job finally fails.
            if is_transient(err):
                reason = str(err) if isinstance(err, Unavailable) else f"network error ({type(err).__name__})"
                self._retry(job, reason, counts=False)
            else:
                reason = f"unexpected error ({type(err).__name__})"
                log.exception("job %s (%s) failed on attempt %s", job["id"], job.get("kind"), job["attempts"])
                if job["attempts"] < self.max_attempts:
                    self._retry(job, reason, counts=True)
                else:
                    self._fail(job, f"gave up after {job['attempts']} attempts: {reason}")
        else:
            self._full_pause = dt.timedelta(0)
            self._safely(self.store.finish_job, job["id"], brief_id=brief_id, now=self._now())
            self._tell_done(job, True)

    @property
    def paused(self) -> bool:
        """True while the pool waits for disk space after a full disk (by the injected clock)."""
        return self._paused_until is not None and self.clock.now() < self._paused_until

    def _wait_for_space(self, job: dict, message: str) -> None:
        """Back to the queue without using an attempt or a window; the user hears it once; the pool pauses."""
        self._full_pause = min(FULL_PAUSE_MAX, max(FULL_PAUSE_FIRST, self._full_pause * 2))
        self._paused_until = self.clock.now() + self._full_pause
        log.warning("the database is full: no jobs taken for %d s", self._full_pause.total_seconds())
        self._retry(job, message, counts=False, window=False)
        first = job["id"] not in self._told_delayed and job.get("error") != message
        self._told_delayed.add(job["id"])
        if first and self.on_delayed is not None:
            try:
                self.on_delayed(job, message)
            except Exception:  # noqa: BLE001
                log.exception("telling the user that job %s waits failed", job.get("id"))

    def _retry(self, job: dict, reason: str, *, counts: bool, window: bool = True) -> None:
        """Back to the queue until a backoff has passed, or failed once the retry window is over
        (`window=False`: no end, for a job whose failure could not be told yet)."""
        now = self.clock.now()
        since = dt.datetime.fromisoformat(job["retry_since"]) if job.get("retry_since") else now
        give_up_at = since + self.retry_window if window else None
        if give_up_at is not None and now >= give_up_at:
            self._fail(job, f"gave up after {_span(self.retry_window.total_seconds())}: {reason}")
            return
        not_before = now + dt.timedelta(seconds=backoff_seconds(job.get("retries") or 0, self.rng))
        if give_up_at is not None:
            not_before = min(not_before, give_up_at)  # the last try comes at the window's end, not after it
        log.warning("job %s (%s) waits %.0f s before retry %d: %s", job["id"], job.get("kind"),
                    (not_before - now).total_seconds(), (job.get("retries") or 0) + 1, reason)
        self._safely(self.store.requeue_job, job["id"], error=reason, now=utc_stamp(now),
                     not_before=utc_stamp(not_before), counts=counts)

    def _fail(self, job: dict, reason: str) -> None:
        """Tell the user, then record the failure. When Slack can't take even the error reply, the job
        waits (backoff, no window) and runs again later, so an outage longer than the retry window still
        ends in one brief or one error reply instead of a failure nobody hears about."""
        try:
            self.on_failed({**job, "state": "failed", "error": reason}, reason)
        except Exception as err:  # noqa: BLE001 - an outage keeps the job; anything else is logged
            if is_transient(err):
                self._retry(job, reason, counts=False, window=False)
                return
            log.exception("reporting the failure of job %s failed", job.get("id"))
        self._safely(self.store.fail_job, job["id"], error=reason, now=self._now())
        self._tell_done(job, False)

    def _tell_done(self, job: dict, ok: bool) -> None:
        if self.on_done is None:
            return
        try:
            self.on_done(job, ok)
        except Exception:  # noqa: BLE001
            log.exception("after-job step of job %s failed", job.get("id"))

    def _tell_failed(self, job: dict, reason: str) -> None:
        try:
            self.on_failed(job, reason)
        except Exception:  # noqa: BLE001
            log.exception("reporting the failure of job %s failed", job.get("id"))

    @staticmethod
    def _safely(fn, *args, **kwargs) -> None:
        try:
            fn(*args, **kwargs)
        except Exception:  # noqa: BLE001
            log.exception("recording a job outcome failed")

    def _now(self) -> str:
        return self.clock.utc_stamp()
