"""`/brief digest on|off|when` through a real signed slash command, applied to the running scheduler."""

from __future__ import annotations

import datetime as dt

from bot.pipeline.ingest import Placement, Source
from bot.scheduler import DigestScheduler
from tests.helpers.fake_slack import TEAM, fake_slack, slack_bot  # noqa: F401 - fixtures
from tests.helpers.store_peek import digest_rows


def _attach_scheduler(bot) -> DigestScheduler:
    digests = bot.runtime.digests
    digests.start(paused=True, catch_up=False)  # jobs are built, nothing fires on its own
    return digests


def test_schedule_changed_in_slack_takes_effect_without_a_restart(slack_bot):  # noqa: F811
    digests = _attach_scheduler(slack_bot)
    try:
        events = slack_bot.events
        reply = events.command("digest on 08:15 Asia/Tokyo mon,wed,fri")
        assert reply.status == 200 and "Digest on" in reply.body
        job = digests.digest_jobs()["C0NEWS"]
        assert str(job.trigger.timezone) == "Asia/Tokyo"
        assert "mon,wed,fri" in str(job.trigger) and "hour='8'" in str(job.trigger)

        assert "08:15" in events.command("digest when").body
        events.command("digest on 09:00")  # only the time changes; zone and days are kept
        job = digests.digest_jobs()["C0NEWS"]
        assert "hour='9'" in str(job.trigger) and str(job.trigger.timezone) == "Asia/Tokyo"

        bad = events.command("digest on 25:00")
        assert bad.status == 200 and bad.body.startswith("Error:") and "25:00" in bad.body
        unknown = events.command("digest on 07:30 Mars/Olympus")
        assert unknown.body.startswith("Error:") and "Mars/Olympus" in unknown.body

        assert "off" in events.command("digest off").body.lower()
        assert "C0NEWS" not in digests.digest_jobs()
    finally:
        digests.shutdown()


def test_scheduled_fire_posts_once_through_the_fake_slack(slack_bot):  # noqa: F811
    digests = _attach_scheduler(slack_bot)
    try:
        slack_bot.events.command("digest on 07:30 UTC daily")
        text = ("The Federal Reserve will announce its interest rate decision on Wednesday at 2 p.m. ET. "
                "Officials have signalled that a quarter-point cut is likely as the labour market cools.")
        slack_bot.services.ingestor.ingest(Source("text", text, "note"), Placement(team=TEAM, channel="C0NEWS"),
                                           published=dt.date(2025, 10, 27))
        # the injected clock stands at the scheduled minute: the job body posts, a repeat does nothing
        slack_bot.services.clock.set(dt.datetime(2025, 10, 27, 7, 30, 5, tzinfo=dt.UTC))
        first = digests.run_scheduled("C0NEWS")
        second = digests.run_scheduled("C0NEWS")
        assert first and second is None
        posts = [p for p in slack_bot.fake.posts("C0NEWS") if p.args.get("blocks")]
        assert len(posts) == 1
        assert posts[0].args["blocks"][0]["type"] == "header"
        assert "27 Oct" in posts[0].args["blocks"][0]["text"]["text"]
        assert "Fed rate decision" in str(posts[0].args["blocks"])
        ledger = digest_rows(slack_bot.store, "C0NEWS")
        assert [(r["kind"], r["state"], r["posted_ts"]) for r in ledger] == [("scheduled", "posted", first)]
    finally:
        digests.shutdown()
