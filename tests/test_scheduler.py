"""Fire times of the digest trigger: day names, the scheduled minute, DST in New York, none in Tokyo.

Computed with `get_next_fire_time` on explicit datetimes: no scheduler thread, no sleeping.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import logging
import threading
import zoneinfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from bot.pipeline.ingest import Placement, Source
from bot.scheduler import DigestScheduler, build_trigger, most_recent_fire, next_fire
from bot.schedules import DAY_NAMES, WEEKDAYS, Schedule, digest_command, set_schedule
from bot.services import build_services
from bot.slack.poster import Poster
from tests.helpers.fake_slack import BOT_TOKEN, fake_slack  # noqa: F401
from tests.helpers.store_peek import digest_rows

UTC = dt.UTC
NY = zoneinfo.ZoneInfo("America/New_York")


def fires(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every fire time in [start, end), the way APScheduler walks them (previous fire time -> next)."""
    trigger = build_trigger(schedule)
    out, prev, now = [], None, start
    while True:
        nxt = trigger.get_next_fire_time(prev, now)
        if nxt is None or nxt >= end:
            return out
        out.append(nxt)
        prev = now = nxt


def per_local_day(schedule: Schedule, times: list[dt.datetime]) -> dict[dt.date, int]:
    return dict(collections.Counter(t.astimezone(schedule.zone).date() for t in times))


def test_trigger_uses_day_names_and_fires_at_the_scheduled_minute():
    schedule = Schedule("C1", "T1", "07:30", "Europe/London", WEEKDAYS)
    trigger = build_trigger(schedule)
    assert "day_of_week='mon,tue,wed,thu,fri'" in str(trigger)
    # Friday 31 Oct after 07:30 -> Monday 3 Nov 07:30 GMT (never Saturday or Sunday).
    assert next_fire(schedule, dt.datetime(2025, 10, 31, 8, 0, tzinfo=UTC)) == dt.datetime(
        2025, 11, 3, 7, 30, tzinfo=UTC
    )
    # One second before the minute -> that very minute; at the minute -> the minute itself.
    assert next_fire(schedule, dt.datetime(2025, 11, 3, 7, 29, 59, tzinfo=UTC)) == dt.datetime(
        2025, 11, 3, 7, 30, tzinfo=UTC
    )
    at = dt.datetime(2025, 11, 3, 7, 30, tzinfo=UTC)
    assert most_recent_fire(schedule, at) == at
    # Monday 08:00 -> the most recent fire is this morning; Sunday -> last Friday.
    assert most_recent_fire(schedule, dt.datetime(2025, 11, 3, 8, 0, tzinfo=UTC)) == at
    assert most_recent_fire(schedule, dt.datetime(2025, 11, 2, 12, 0, tzinfo=UTC)) == dt.datetime(
        2025, 10, 31, 7, 30, tzinfo=UTC
    )


def test_mon_wed_fri_never_fires_on_other_days():
    schedule = Schedule("C1", "T1", "09:00", "UTC", ("mon", "wed", "fri"))
    times = fires(schedule, dt.datetime(2025, 10, 27, tzinfo=UTC), dt.datetime(2025, 11, 10, tzinfo=UTC))
    assert [t.strftime("%a %d") for t in times] == ["Mon 27", "Wed 29", "Fri 31", "Mon 03", "Wed 05", "Fri 07"]


def test_spring_forward_0230_in_new_york_fires_once_at_0330_edt():
    # 9 March 2025: clocks jump 02:00 EST -> 03:00 EDT, so 02:30 does not exist that day.
    schedule = Schedule("C1", "T1", "02:30", "America/New_York", DAY_NAMES)
    times = fires(schedule, dt.datetime(2025, 3, 7, 12, tzinfo=UTC), dt.datetime(2025, 3, 12, tzinfo=UTC))
    assert per_local_day(schedule, times) == {dt.date(2025, 3, d): 1 for d in (8, 9, 10, 11)}
    spring = [t for t in times if t.astimezone(NY).date() == dt.date(2025, 3, 9)][0]
    assert spring == dt.datetime(2025, 3, 9, 7, 30, tzinfo=UTC)  # 03:30 EDT, a real local time
    assert spring.astimezone(NY).strftime("%H:%M %Z") == "03:30 EDT"
    # the days around it keep the wall-clock time
    assert [t.astimezone(NY).strftime("%H:%M %Z") for t in times] == [
        "02:30 EST", "03:30 EDT", "02:30 EDT", "02:30 EDT"
    ]


def test_fall_back_0130_in_new_york_fires_once_not_in_the_repeated_hour():
    # 2 November 2025: clocks fall back 02:00 EDT -> 01:00 EST, so 01:30 happens twice. Fire once.
    schedule = Schedule("C1", "T1", "01:30", "America/New_York", DAY_NAMES)
    times = fires(schedule, dt.datetime(2025, 10, 31, 12, tzinfo=UTC), dt.datetime(2025, 11, 5, tzinfo=UTC))
    assert per_local_day(schedule, times) == {dt.date(2025, 11, d): 1 for d in (1, 2, 3, 4)}
    in_utc = [t.astimezone(UTC) for t in times]  # (== across zones is never true inside a repeated hour)
    assert dt.datetime(2025, 11, 2, 5, 30, tzinfo=UTC) in in_utc  # 01:30 EDT, the first one
    assert dt.datetime(2025, 11, 2, 6, 30, tzinfo=UTC) not in in_utc  # 01:30 EST, the repeat
    # A scheduler that comes back inside the repeated hour does not fire the repeat either.
    assert next_fire(schedule, dt.datetime(2025, 11, 2, 5, 45, tzinfo=UTC)) == dt.datetime(
        2025, 11, 3, 6, 30, tzinfo=UTC
    )
    assert most_recent_fire(schedule, dt.datetime(2025, 11, 2, 7, 0, tzinfo=UTC)).astimezone(UTC) == dt.datetime(
        2025, 11, 2, 5, 30, tzinfo=UTC
    )


def test_tokyo_has_no_dst_so_fires_every_24_hours_across_the_us_and_eu_changes():
    schedule = Schedule("C1", "T1", "07:30", "Asia/Tokyo", DAY_NAMES)
    for start in (dt.datetime(2025, 3, 5, tzinfo=UTC), dt.datetime(2025, 10, 24, tzinfo=UTC)):
        times = fires(schedule, start, start + dt.timedelta(days=14))
        assert len(times) == 14
        assert {b - a for a, b in zip(times, times[1:], strict=False)} == {dt.timedelta(hours=24)}
        assert {t.astimezone(UTC).strftime("%H:%M") for t in times} == {"22:30"}  # 07:30 JST = 22:30 UTC
        assert {t.astimezone(schedule.zone).strftime("%H:%M") for t in times} == {"07:30"}


# -- the job bodies against the fake Slack Web API --------------------------------------------------------

LONDON_FIRE = dt.datetime(2025, 10, 27, 7, 30, tzinfo=UTC)  # Monday 07:30 GMT


@pytest.fixture
def client(fake_slack):  # noqa: F811
    return Poster(WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))


@pytest.fixture
def digests(services, client):
    ds = DigestScheduler(services, client, scheduler=BackgroundScheduler(timezone=UTC))
    yield ds
    ds.shutdown()


def subscribe(services, clock, channel="C1", spec="07:30 Europe/London mon-fri", at=None):
    """Subscribe as of last Friday (so this Monday's fire time is after the schedule was set)."""
    saved = clock.now()
    clock.set(at or dt.datetime(2025, 10, 24, 12, 0, tzinfo=UTC))
    set_schedule(services, team="T1", channel=channel, text=spec)
    clock.set(saved)


def add_brief(services, channel="C1"):
    text = (
        "The Federal Reserve will announce its interest rate decision on Wednesday, October 29 at 2 p.m. ET.\n\n"
        "The Bank of Japan will announce its policy decision on Thursday, October 30."
    )
    placement = Placement(team="T1", channel=channel, message_ts="1761550000.000100")
    return services.ingestor.ingest(Source("text", text, "note"), placement, published=dt.date(2025, 10, 27)).brief_id


def test_the_job_fires_at_the_scheduled_minute_and_a_repeated_fire_posts_nothing(services, clock, digests, fake_slack):  # noqa: F811
    subscribe(services, clock)
    clock.set(LONDON_FIRE)
    ts = digests.run_scheduled("C1")
    assert ts is not None
    assert digests.run_scheduled("C1") is None
    assert len(fake_slack.posts("C1")) == 1
    [row] = digest_rows(services.store, "C1")
    assert (row["local_date"], row["kind"], row["posted_ts"]) == ("2025-10-27", "scheduled", ts)


def test_the_local_date_is_the_schedules_own_day_not_utcs(services, clock, digests, fake_slack):  # noqa: F811
    # 07:30 in Tokyo on Tuesday 28 Oct is 22:30 UTC on Monday 27 Oct.
    subscribe(services, clock, spec="07:30 Asia/Tokyo daily")
    clock.set(dt.datetime(2025, 10, 27, 22, 31, tzinfo=UTC))
    assert digests.run_scheduled("C1") is not None
    assert digest_rows(services.store, "C1")[0]["local_date"] == "2025-10-28"
    assert fake_slack.posts("C1")[0].args["text"].endswith("for the week of Tue 28 Oct.")  # a quiet channel


def test_fall_back_double_fire_in_new_york_posts_once(services, clock, digests, fake_slack):  # noqa: F811
    subscribe(services, clock, spec="01:30 America/New_York daily")
    clock.set(dt.datetime(2025, 11, 2, 5, 30, tzinfo=UTC))  # 01:30 EDT
    assert digests.run_scheduled("C1") is not None
    clock.set(dt.datetime(2025, 11, 2, 6, 30, tzinfo=UTC))  # 01:30 EST, had APScheduler fired the repeat
    assert digests.run_scheduled("C1") is None
    assert [r["local_date"] for r in digest_rows(services.store, "C1")] == ["2025-11-02"]
    assert len(fake_slack.posts("C1")) == 1


def test_restart_within_grace_posts_the_missed_digest_once(services, clock, digests, fake_slack):  # noqa: F811
    subscribe(services, clock)
    clock.set(LONDON_FIRE + dt.timedelta(minutes=75))  # the bot was down at 07:30, back at 08:45
    [result] = digests.catch_up()
    assert (result["channel"], result["local_date"], result["outcome"]) == ("C1", "2025-10-27", "posted")
    assert result["late_seconds"] == 75 * 60
    assert digests.catch_up() == []  # a second restart finds the ledger entry
    assert len(fake_slack.posts("C1")) == 1


def test_restart_beyond_grace_skips_and_logs(services, clock, digests, fake_slack, caplog):  # noqa: F811
    subscribe(services, clock)
    clock.set(LONDON_FIRE + dt.timedelta(hours=2, minutes=30))
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        [result] = digests.catch_up()
    assert result["outcome"] == "skipped"
    assert "missed the digest for C1 on 2025-10-27" in caplog.text and "skipped" in caplog.text
    assert fake_slack.posts() == [] and digest_rows(services.store, "C1") == []
    # the job body itself refuses a fire that late too
    assert digests.run_scheduled("C1") is None
    assert fake_slack.posts() == []


def test_catch_up_ignores_fire_times_before_the_schedule_existed(services, clock, digests, fake_slack):  # noqa: F811
    subscribe(services, clock, at=LONDON_FIRE + dt.timedelta(minutes=10))  # subscribed at 07:40
    clock.set(LONDON_FIRE + dt.timedelta(minutes=30))
    assert digests.catch_up() == []
    assert fake_slack.posts() == []


def test_grace_comes_from_settings(services, clock, client, fake_slack):  # noqa: F811
    services.settings = dataclasses.replace(services.settings, digest_grace_seconds=30 * 60)
    ds = DigestScheduler(services, client, scheduler=BackgroundScheduler(timezone=UTC))
    subscribe(services, clock)
    clock.set(LONDON_FIRE + dt.timedelta(minutes=45))
    assert [r["outcome"] for r in ds.catch_up()] == ["skipped"]
    ds.sync()
    assert ds.digest_jobs()["C1"].misfire_grace_time == 30 * 60


def test_two_schedulers_firing_at_once_post_once(settings, services, clock, client, fake_slack):  # noqa: F811
    subscribe(services, clock)
    add_brief(services)
    other = build_services(settings, clock=clock)  # a second Store on the same SQLite file
    try:
        schedulers = [DigestScheduler(s, client, scheduler=BackgroundScheduler(timezone=UTC)) for s in (services, other)]
        clock.set(LONDON_FIRE)
        barrier = threading.Barrier(len(schedulers))
        results: list = [None] * len(schedulers)

        def fire(i):
            barrier.wait()
            results[i] = schedulers[i].run_scheduled("C1")

        threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(schedulers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sum(r is not None for r in results) == 1
        assert len(fake_slack.posts("C1")) == 1
        assert [r["state"] for r in digest_rows(other.store, "C1")] == ["posted"]
    finally:
        other.close()


def test_a_failed_post_is_released_and_retried(services, clock, digests, fake_slack):  # noqa: F811
    subscribe(services, clock)
    add_brief(services)
    digests.start(paused=True, catch_up=False)
    clock.set(LONDON_FIRE)
    fake_slack.fail("chat.postMessage", "internal_error")
    assert digests.run_scheduled("C1") is None
    assert digest_rows(services.store, "C1") == []  # the claim was given back
    retry = digests.scheduler.get_job("digest-retry:C1")
    assert retry is not None and retry.trigger.run_date == LONDON_FIRE + dt.timedelta(minutes=5)
    clock.advance(minutes=5)
    ts = retry.func(*retry.args)
    assert ts is not None
    assert [(r["state"], r["posted_ts"]) for r in digest_rows(services.store, "C1")] == [("posted", ts)]
    assert len(fake_slack.calls_to("chat.postMessage", channel="C1")) == 2  # the refused attempt and the retry
    assert len(fake_slack.posts("C1")) == 1


def test_a_change_made_through_the_slack_path_takes_effect_in_the_jobs(settings, services, clock, digests):
    digests.start(paused=True, catch_up=False)
    assert digests.digest_jobs() == {}
    digest_command(services, team="T1", channel="C1", args="on 07:30 Europe/London", on_change=digests.apply)
    job = digests.digest_jobs()["C1"]
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 7200)
    assert job.func == digests.run_scheduled and job.args == ("C1",)
    assert job.trigger.get_next_fire_time(None, clock.now()) == dt.datetime(2025, 10, 28, 7, 30, tzinfo=UTC)

    digest_command(services, team="T1", channel="C1", args="on 06:15 Asia/Tokyo daily", on_change=digests.apply)
    job = digests.digest_jobs()["C1"]
    assert str(job.trigger.timezone) == "Asia/Tokyo"
    assert job.trigger.get_next_fire_time(None, clock.now()) == dt.datetime(2025, 10, 27, 21, 15, tzinfo=UTC)

    digest_command(services, team="T1", channel="C1", args="off", on_change=digests.apply)
    assert digests.digest_jobs() == {}

    # A change made by another process (the CLI) is picked up by the periodic sync.
    other = build_services(settings, clock=clock)
    try:
        set_schedule(other, team="T1", channel="C2", text="09:00 UTC")
    finally:
        other.close()
    assert digests.sync() == {"added": ["C2"], "changed": [], "removed": []}
    assert digests.sync() == {"added": [], "changed": [], "removed": []}
    assert set(digests.digest_jobs()) == {"C2"}


def test_start_up_rebuilds_jobs_from_sqlite_with_stable_ids(services, clock, client):
    subscribe(services, clock, channel="C1")
    subscribe(services, clock, channel="C2", spec="08:00 Asia/Tokyo daily")
    for _ in range(2):  # two start-ups in a row: same ids, no duplicates
        ds = DigestScheduler(services, client, scheduler=BackgroundScheduler(timezone=UTC))
        ds.start(paused=True, catch_up=False)
        try:
            ids = sorted(j.id for j in ds.scheduler.get_jobs())
            assert ids == ["digest-sync", "digest:C1", "digest:C2"]
        finally:
            ds.shutdown()


def test_end_to_end_scheduled_digest_reaches_the_fake_slack(services, clock, digests, fake_slack):  # noqa: F811
    """Subscribe through the Slack path, start the scheduler, run the installed job at its minute."""
    brief = add_brief(services)
    clock.set(dt.datetime(2025, 10, 24, 12, 0, tzinfo=UTC))
    reply = digest_command(services, team="T1", channel="C1", args="on 07:30 Europe/London", on_change=digests.apply)
    assert reply.startswith("Digest on: weekdays (Mon–Fri) at 07:30 Europe/London")
    digests.start(paused=True, catch_up=False)
    job = digests.digest_jobs()["C1"]
    clock.set(LONDON_FIRE)
    ts = job.func(*job.args)
    assert ts is not None
    [post] = fake_slack.posts("C1")
    blocks = post.args["blocks"]
    assert blocks[0]["text"]["text"] == "Week ahead — Mon 27 Oct 2025"
    text = json.dumps(blocks)
    assert "Fed rate decision" in text and "BoJ policy decision" in text
    assert f"|{brief}>" in text  # linked to the brief's thread
    assert len(blocks) <= 50
    assert digest_rows(services.store, "C1")[0]["posted_ts"] == ts


def test_a_channel_the_bot_is_not_in_is_not_retried(services, clock, digests, fake_slack, caplog):  # noqa: F811
    subscribe(services, clock)
    digests.start(paused=True, catch_up=False)
    clock.set(LONDON_FIRE)
    fake_slack.fail("chat.postMessage", "not_in_channel")
    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        assert digests.run_scheduled("C1") is None
    assert "Slack said not_in_channel (no retry)" in caplog.text
    assert digests.scheduler.get_job("digest-retry:C1") is None
    assert digest_rows(services.store, "C1") == []
