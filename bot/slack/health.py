"""`Health`: what `GET /healthz` answers — 200 when the bot can do its work, else 503 with the reasons.

Not ready when any of these holds:
- start-up is not finished (e.g. Slack's `auth.test` has not answered yet: the reason says why);
- the database cannot be written (a rolled-back write on a connection of its own, storage/health.py);
- the digest scheduler was started and its thread is no longer running;
- the oldest queued job has waited longer than `BRIEFBOT_HEALTH_MAX_QUEUE_AGE` (workers stuck or dead).

It runs on the HTTP server's health thread, never behind bolt requests, and takes no lock the workers
hold: the database probe opens its own connection with a 50 ms busy timeout.
"""

from __future__ import annotations

import datetime as dt
import threading


def scheduler_alive(scheduler) -> bool:
    """APScheduler's BackgroundScheduler: running, and its thread (where it has one) alive."""
    thread = getattr(scheduler, "_thread", None)
    return bool(scheduler.running) and (thread is None or thread.is_alive())


class Health:
    def __init__(self, services, *, max_queue_age: float | None = None):
        self.services = services
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
        db = self.services.store.health()
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
