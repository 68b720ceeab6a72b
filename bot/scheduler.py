"""APScheduler 3.x wiring for the morning digest, and the job bodies it runs.

One job per subscribed channel, id `digest:<channel>`, with a CronTrigger in the channel's own time zone
and day *names* (APScheduler counts Monday as 0, crontab Sunday, so numbers would shift every day by one).
Jobs live in memory and are rebuilt from the `schedules` table (the source of truth) at start-up, by a
`sync` every minute (so `briefbot schedule …` in another process takes effect) and by `apply(channel)`
right after a change made in Slack.

Time for decisions comes from the injected clock, not from APScheduler: the job body works out which
scheduled fire time it stands for (the most recent one before now) and so which local date to claim in
the ledger. That makes a double fire, a retry and the start-up catch-up all land on the same ledger key.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.logs import log_context
from bot.schedules import Schedule, describe, get_schedule, list_schedules
from bot.slack.digest_post import post_digest
from bot.slack.poster import Poster, error_code, is_permanent

log = logging.getLogger(__name__)

JOB_PREFIX = "digest:"
RETRY_PREFIX = "digest-retry:"
SYNC_JOB_ID = "digest-sync"
CATCH_UP_JOB_ID = "digest-catch-up"
STALE_CLAIM = dt.timedelta(minutes=15)


class DigestTrigger(CronTrigger):
    """A wall-clock CronTrigger that fires once a day across DST changes.

    APScheduler 3.11 fires a time inside the repeated hour of a fall-back day twice (once per UTC offset);
    the second one (fold=1) is skipped here. A time inside the skipped hour of a spring-forward day is
    fired once, an hour later by the wall clock (02:30 EST does not exist, so 03:30 EDT); it is returned
    normalised so logs show a real local time.
    """

    def get_next_fire_time(self, previous_fire_time, now):
        nxt = super().get_next_fire_time(previous_fire_time, now)
        for _ in range(3):
            if nxt is None or not _repeated_wall_time(nxt):
                break
            nxt = super().get_next_fire_time(nxt, nxt)
        return None if nxt is None else nxt.astimezone(dt.UTC).astimezone(self.timezone)


def _repeated_wall_time(value: dt.datetime) -> bool:
    """The second occurrence of an ambiguous local time (the hour a fall-back day repeats)."""
    return value.fold == 1 and value.replace(fold=0).utcoffset() != value.utcoffset()


def build_trigger(schedule: Schedule) -> DigestTrigger:
    return DigestTrigger(
        day_of_week=",".join(schedule.days), hour=schedule.hour, minute=schedule.minute, timezone=schedule.zone
    )


def next_fire(schedule: Schedule, now: dt.datetime) -> dt.datetime | None:
    return build_trigger(schedule).get_next_fire_time(None, now)


def most_recent_fire(schedule: Schedule, now: dt.datetime) -> dt.datetime | None:
    """The latest scheduled fire time at or before `now` (within the last eight days), or None."""
    trigger = build_trigger(schedule)
    fire = trigger.get_next_fire_time(None, now - dt.timedelta(days=8))
    last = None
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire)
    return last


def job_id(channel: str) -> str:
    return JOB_PREFIX + channel


class DigestScheduler:
    """Keeps one APScheduler job per enabled schedule and runs the digest posts.

    `poster` is the Slack app's `Poster` (its Web API client waits for a pause in Slack traffic).
    `scheduler` may be passed to test with a paused or never-started one; by default a
    BackgroundScheduler in UTC.
    """

    def __init__(
        self,
        services,
        poster: Poster,
        *,
        scheduler: BaseScheduler | None = None,
        retry_delay: dt.timedelta = dt.timedelta(minutes=5),
        sync_interval: int = 60,
    ):
        self.services = services
        self.poster = poster
        self.grace = int(services.settings.digest_grace_seconds)
        self.retry_delay = retry_delay
        self.sync_interval = sync_interval
        self.scheduler = scheduler or BackgroundScheduler(timezone=dt.UTC)
        self._installed: dict[str, tuple] = {}
        self._lock = threading.RLock()

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self, *, paused: bool = False, catch_up: bool = True) -> None:
        """Build the jobs from the stored schedules, start the scheduler, then post missed digests."""
        self.sync()
        self.scheduler.start(paused=paused)
        self.scheduler.add_job(
            self.sync, "interval", seconds=self.sync_interval, id=SYNC_JOB_ID, replace_existing=True,
            coalesce=True, max_instances=1,
        )
        if catch_up:  # in the scheduler's thread pool, so a slow Slack call never delays start-up
            self.scheduler.add_job(self.catch_up, id=CATCH_UP_JOB_ID, replace_existing=True, misfire_grace_time=None)

    def shutdown(self, wait: bool = False) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)

    # -- jobs from schedules --------------------------------------------------------------------------

    def digest_jobs(self) -> dict[str, Any]:
        """channel -> APScheduler job, for the digest jobs only."""
        return {j.id[len(JOB_PREFIX):]: j for j in self.scheduler.get_jobs() if j.id.startswith(JOB_PREFIX)}

    def sync(self) -> dict[str, list[str]]:
        """Make the jobs match the `schedules` table: add new, replace changed, remove disabled/deleted."""
        with self._lock:
            wanted = {s.channel: s for s in list_schedules(self.services, enabled_only=True)}
            present = self.digest_jobs()
            changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
            for channel, schedule in wanted.items():
                if channel not in present:
                    self._install(schedule)
                    changes["added"].append(channel)
                elif self._installed.get(channel) != _fingerprint(schedule):
                    self._install(schedule)
                    changes["changed"].append(channel)
            for channel in present.keys() - wanted.keys():
                self._remove(channel)
                changes["removed"].append(channel)
            if any(changes.values()):
                log.info("digest jobs synced: %s", {k: v for k, v in changes.items() if v})
            return changes

    def apply(self, channel: str) -> Any | None:
        """Install, replace or remove one channel's job after a change (the Slack listener calls this)."""
        with self._lock:
            schedule = get_schedule(self.services, channel)
            if schedule is None or not schedule.enabled:
                self._remove(channel)
                return None
            return self._install(schedule)

    def _install(self, schedule: Schedule) -> Any:
        job = self.scheduler.add_job(
            self.run_scheduled,
            trigger=build_trigger(schedule),
            args=[schedule.channel],
            id=job_id(schedule.channel),
            name=f"digest {schedule.channel}: {describe(schedule)}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=self.grace,
        )
        self._installed[schedule.channel] = _fingerprint(schedule)
        return job

    def _remove(self, channel: str) -> None:
        self._installed.pop(channel, None)
        for jid in (job_id(channel), RETRY_PREFIX + channel):
            if self.scheduler.get_job(jid) is not None:
                self.scheduler.remove_job(jid)

    # -- job bodies -----------------------------------------------------------------------------------

    def run_scheduled(self, channel: str) -> str | None:
        """The cron job: post the digest for the fire time this run stands for. Returns the ts or None."""
        with log_context(channel=channel):  # every line of this run names the channel
            return self._run_scheduled(channel)

    def _run_scheduled(self, channel: str) -> str | None:
        schedule = get_schedule(self.services, channel)
        if schedule is None or not schedule.enabled:
            log.info("digest for %s fired but the schedule is off; nothing to do", channel)
            return None
        now = self.services.clock.now()
        fire = most_recent_fire(schedule, now)
        if fire is None:
            return None
        late = (now - fire).total_seconds()
        local_date = fire.astimezone(schedule.zone).date()
        if late > self.grace:
            log.warning("digest for %s on %s is %.0f min late (grace %d min): skipped", channel, local_date,
                        late / 60, self.grace // 60)
            return None
        try:
            return post_digest(
                self.services, self.poster, team=schedule.team, channel=channel, local_date=local_date,
                kind="scheduled",
            )
        except Exception as err:
            if is_permanent(err):
                log.error("digest for %s on %s not posted: Slack said %s (no retry)", channel, local_date,
                          error_code(err))
            else:
                log.exception("posting the digest for %s on %s failed", channel, local_date)
                self._schedule_retry(schedule, fire, now)
            return None

    def _schedule_retry(self, schedule: Schedule, fire: dt.datetime, now: dt.datetime) -> None:
        """Try again after `retry_delay` while still within the grace period of the fire time."""
        at = now + self.retry_delay
        if (at - fire).total_seconds() > self.grace:
            log.warning("no retry for %s: past the grace period", schedule.channel)
            return
        self.scheduler.add_job(
            self.run_scheduled, "date", run_date=at, args=[schedule.channel], id=RETRY_PREFIX + schedule.channel,
            replace_existing=True, misfire_grace_time=self.grace,
        )
        log.info("digest for %s will be retried at %s", schedule.channel, at.isoformat(timespec="seconds"))

    def catch_up(self) -> list[dict]:
        """At start-up: post each digest missed while the bot was down if within grace, else log a skip.

        Returns one record per enabled schedule whose most recent fire time has no ledger entry:
        {"channel", "local_date", "late_seconds", "outcome": "posted" | "skipped" | "nothing"}.
        """
        store = self.services.store
        now = self.services.clock.now()
        for row in store.release_stale_digest_claims(claimed_before=(now - STALE_CLAIM).isoformat()):
            log.warning("released a digest claim left unposted since %s: %s %s", row["claimed_at"], row["channel"],
                        row["local_date"])
        results = []
        for schedule in list_schedules(self.services, enabled_only=True):
            fire = most_recent_fire(schedule, now)
            if fire is None or (schedule.updated_at and fire < dt.datetime.fromisoformat(schedule.updated_at)):
                continue  # never due since the schedule was set
            local_date = fire.astimezone(schedule.zone).date()
            if store.get_digest_row(channel=schedule.channel, local_date=local_date.isoformat(), kind="scheduled"):
                continue
            late = (now - fire).total_seconds()
            record = {"channel": schedule.channel, "local_date": local_date.isoformat(), "late_seconds": int(late)}
            if late > self.grace:
                log.warning("missed the digest for %s on %s while down (%.1f h late, grace %.1f h): skipped",
                            schedule.channel, local_date, late / 3600, self.grace / 3600)
                results.append({**record, "outcome": "skipped"})
                continue
            ts = self.run_scheduled(schedule.channel)
            results.append({**record, "outcome": "posted" if ts else "nothing", "ts": ts})
        return results


def _fingerprint(schedule: Schedule) -> tuple:
    return (schedule.team, schedule.time, schedule.timezone, schedule.days)
