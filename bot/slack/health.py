"""`Health`: what `GET /healthz` answers — 200 when the bot can do its work, else 503 with the reasons.

Not ready when any of these holds:
- start-up is not finished (e.g. Slack's `auth.test` has not answered yet: the reason says why);
- the database cannot be written (a rolled-back write on a connection of its own, storage/health.py);
- the digest scheduler was started and its thread is no longer running;
- a queued job that is due (not held back by its retry backoff) has waited longer than
  `BRIEFBOT_HEALTH_MAX_QUEUE_AGE` for a worker (workers stuck or dead).

It runs on the HTTP server's health thread, never behind bolt requests, and takes no lock the workers
hold: the database probe opens its own connection with a 50 ms busy timeout. The probe itself runs on a
thread of its own and is awaited for at most `answer_within` (80 ms): while four big pages are being
briefed, each of its SQLite calls waits for the interpreter lock behind the workers, and a Docker health
check with a 4 s timeout must still get an answer. Past that the last finished probe answers (with its
age); a probe that has not finished for `STALE_PROBE_SECONDS` is itself a reason for 503.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from storage.health import DatabaseHealth

STALE_PROBE_SECONDS = 30.0
FIRST_PROBE_WAIT = 5.0  # the very first answer waits for a real probe: there is nothing older to give


def scheduler_alive(scheduler) -> bool:
    """APScheduler's BackgroundScheduler: running, and its thread (where it has one) alive."""
    thread = getattr(scheduler, "_thread", None)
    return bool(scheduler.running) and (thread is None or thread.is_alive())


class Health:
    def __init__(self, services, *, max_queue_age: float | None = None, answer_within: float = 0.08):
        self.services = services
        self.answer_within = answer_within
        self._prober = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-probe")
        self._probing: Future | None = None
        self._last: tuple[float, object] | None = None  # (monotonic time, DatabaseHealth) of the last probe
        self.max_queue_age = float(services.settings.health_max_queue_age if max_queue_age is None
                                   else max_queue_age)
        self._lock = threading.Lock()
        self._not_ready: str | None = "starting"
        self.runtime = None  # SlackRuntime once connected

    def waiting(self, reason: str) -> None:
        """Start-up is held up: `reason` is what /healthz reports until `ready`."""
        with self._lock:
            self._not_ready = reason

    def ready(self, runtime) -> None:
        with self._lock:
            self.runtime = runtime
            self._not_ready = None

    def report(self) -> tuple[int, dict]:
        reasons: list[str] = []
        with self._lock:
            not_ready, runtime = self._not_ready, self.runtime
        if not_ready:
            reasons.append(not_ready)
        db, age = self._database()
        if age > STALE_PROBE_SECONDS:
            reasons.append(f"database probe has not finished for {age:.0f} s")
        if not db.writable:
            reasons.append(f"database cannot be written: {db.error}")
        waited = self._waited(db.oldest_queued_at)
        if waited is not None and waited > self.max_queue_age:
            reasons.append(f"oldest queued job has waited {waited:.0f} s (limit {self.max_queue_age:.0f} s)")
        body: dict = {"ok": not reasons}
        if reasons:
            body["reasons"] = reasons
        if runtime is not None:
            if runtime.digests_started and not scheduler_alive(runtime.digests.scheduler):
                reasons.append("digest scheduler is not running")
                body.update(ok=False, reasons=reasons)
            body["workers_busy"] = runtime.pool.busy
        body.update(jobs_pending=db.queued + db.running, jobs_queued=db.queued,
                    oldest_queued_seconds=None if waited is None else round(waited))
        return (200 if body["ok"] else 503), body

    def _database(self):
        """The freshest probe result available within `answer_within`, and its age in seconds."""
        with self._lock:
            if self._probing is None or self._probing.done():
                self._probing = self._prober.submit(self._probe)
            probing, last = self._probing, self._last
        try:
            probing.result(timeout=self.answer_within if last is not None else FIRST_PROBE_WAIT)
        except FutureTimeout:
            pass
        with self._lock:
            finished, result = self._last or (time.monotonic(), None)
        if result is None:  # no probe has ever finished: the database is not answering at all
            return DatabaseHealth(writable=False, error="no answer from the database yet"), 0.0
        return result, time.monotonic() - finished

    def _probe(self) -> None:
        result = self.services.store.health(self.services.clock.utc_stamp())
        with self._lock:
            self._last = (time.monotonic(), result)

    def close(self) -> None:
        self._prober.shutdown(wait=False, cancel_futures=True)

    def _waited(self, created_at: str | None) -> float | None:
        if not created_at:
            return None
        try:
            since = dt.datetime.fromisoformat(created_at)
        except ValueError:
            return None
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        return max(0.0, (self.services.clock.now() - since).total_seconds())
