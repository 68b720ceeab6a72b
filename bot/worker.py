"""The durable ingest queue's worker pool: a bounded number of threads claiming jobs from the store.

Listeners only write a `jobs` row (before Slack gets its ack) and call `wake()`; everything slow —
fetching, briefing, answering, posting — happens here. The queue lives in SQLite, so a restart loses
nothing: at start-up, jobs a crash left `running` go back to the queue until they have used
`max_attempts`, after which they fail and `on_failed` tells the user (the thread gets the reason).

Errors: a `BriefbotError` is a final answer about the input (paywall, 404, blocked address) and fails the
job at once; any other exception is treated as passing and the job is retried up to `max_attempts`.
A full disk (`StorageFullError`) is neither: the job goes back to the queue without using an attempt,
`on_delayed` tells the user once that briefbot can't save right now, and the whole pool stops claiming
for a while (30 s, doubling to 5 min; by the injected clock), since no job can finish until space is freed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from bot.clock import Clock
from bot.errors import BriefbotError, StorageFullError

log = logging.getLogger(__name__)

Handler = Callable[[dict], "str | None"]  # runs a job; returns the brief id it produced, if any
FailureHandler = Callable[[dict, str], None]  # told about a job that failed for good, with the reason
DoneHandler = Callable[[dict, bool], None]  # after the outcome is recorded: (job, succeeded)
DelayedHandler = Callable[[dict, str], None]  # told once that a job waits for the database (job, message)

FULL_PAUSE_FIRST = dt.timedelta(seconds=30)
FULL_PAUSE_MAX = dt.timedelta(minutes=5)


class WorkerPool:
    def __init__(self, store, handler: Handler, on_failed: FailureHandler, clock: Clock, *, workers: int = 4,
                 max_attempts: int = 3, poll_seconds: float = 1.0, name: str = "briefbot-worker",
                 on_done: DoneHandler | None = None, yield_to: Callable[[float], object] | None = None,
                 max_yield_seconds: float = 0.5, on_delayed: DelayedHandler | None = None):
        self.store = store
        self.handler = handler
        self.on_failed = on_failed
        self.on_done = on_done
        self.on_delayed = on_delayed
        self._full_pause = dt.timedelta(0)  # the current pause after a full disk (0: none)
        self._paused_until: dt.datetime | None = None
        self._told_delayed: set[int] = set()
        # Acks first: before taking a job, a worker waits (at most `max_yield_seconds`) while Slack
        # requests are in flight, so a burst of events is acked before the CPU-heavy briefing starts.
        self.yield_to = yield_to
        self.max_yield_seconds = max_yield_seconds
        self.clock = clock
        self.workers = max(1, workers)
        self.max_attempts = max(1, max_attempts)
        self.poll_seconds = poll_seconds
        self.name = name
        self._wake = threading.Condition()
        self._pending_wakes = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._busy_lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> WorkerPool:
        """Recover what a previous run left behind, then start the threads."""
        self.recover()
        for i in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"{self.name}-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def recover(self) -> tuple[list[int], list[dict]]:
        requeued, failed = self.store.requeue_stale_jobs(max_attempts=self.max_attempts, now=self._now())
        if requeued:
            log.info("requeued %d job(s) left running by the previous run", len(requeued))
        for job in failed:
            log.warning("job %s failed after %s attempts", job["id"], job["attempts"])
            self._tell_failed(job, job.get("error") or "gave up")
            self._tell_done(job, False)
        return requeued, failed

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=timeout)
        self._threads.clear()

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
            if not self.paused:
                try:
                    job = self.store.claim_job(self._now())
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
            try:
                self.run_one(job)
            finally:
                with self._busy_lock:
                    self._busy -= 1

    def run_one(self, job: dict) -> None:
        """Run one claimed job and record its outcome. Never raises."""
        try:
            brief_id = self.handler(job)
        except StorageFullError as err:
            self._wait_for_space(job, str(err))
            return
        except BriefbotError as err:
            self._fail(job, str(err))
        except Exception as err:  # noqa: BLE001 - retried, then reported; the worker lives on
            reason = f"unexpected error ({type(err).__name__})"
            log.exception("job %s (%s) failed on attempt %s", job["id"], job.get("kind"), job["attempts"])
            # Retried silently; the user hears about it only when the last attempt fails too.
            if job["attempts"] < self.max_attempts:
                self._safely(self.store.requeue_job, job["id"], error=reason, now=self._now())
                self.wake()
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
        """Back to the queue without using an attempt; the user hears it once; the pool pauses."""
        self._full_pause = min(FULL_PAUSE_MAX, max(FULL_PAUSE_FIRST, self._full_pause * 2))
        self._paused_until = self.clock.now() + self._full_pause
        log.warning("job %s waits: the database is full; no jobs taken for %d s",
                    job["id"], self._full_pause.total_seconds())
        self._safely(self.store.requeue_job, job["id"], error=message, now=self._now(), count_attempt=False)
        first = job["id"] not in self._told_delayed and job.get("error") != message
        self._told_delayed.add(job["id"])
        if first and self.on_delayed is not None:
            try:
                self.on_delayed(job, message)
            except Exception:  # noqa: BLE001
                log.exception("telling the user that job %s waits failed", job.get("id"))

    def _fail(self, job: dict, reason: str) -> None:
        self._safely(self.store.fail_job, job["id"], error=reason, now=self._now())
        self._tell_failed({**job, "state": "failed", "error": reason}, reason)
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
