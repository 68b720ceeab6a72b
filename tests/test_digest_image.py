"""BRIEFBOT_DIGEST_IMAGE=1: the scheduled digest gets the week picture in its thread via files_upload_v2.

End to end: the running bot (real bolt app, real slack_sdk WebClient) against the fake Slack Web API, which
answers files.getUploadURLExternal, takes the bytes at the upload URL and completes the upload.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from PIL import Image

from bot.pipeline.ingest import Placement, Source
from bot.pipeline.week_picture import HEIGHT, WIDTH
from tests.helpers.fake_slack import TEAM, fake_slack, start_bot, stop_bot  # noqa: F401 - fixture
from tests.helpers.store_peek import digest_rows

NOTE = ("The Federal Reserve will announce its interest rate decision on Wednesday at 2 p.m. ET. Officials have "
        "signalled that a quarter-point cut is likely as the labour market cools.\n\nThe Bank of Japan will "
        "announce its policy decision on Thursday. Most economists expect it to hold rates steady.")


@pytest.fixture
def bot_factory(settings, clock, fake_slack):  # noqa: F811
    bots = []

    def make(image: bool):
        bot = start_bot(dataclasses.replace(settings, digest_image=image), clock, fake_slack)
        scheduler = bot.runtime.digests
        scheduler.start(paused=True, catch_up=False)  # jobs are built, nothing fires on its own
        bots.append((bot, scheduler))
        bot.events.command("digest on 07:30 UTC daily")
        bot.services.ingestor.ingest(Source("text", NOTE, "note"), Placement(team=TEAM, channel="C0NEWS"),
                                     published=dt.date(2025, 10, 27))
        bot.services.clock.set(dt.datetime(2025, 10, 27, 7, 30, 5, tzinfo=dt.UTC))
        return bot, scheduler

    yield make
    for bot, scheduler in bots:
        scheduler.shutdown()
        stop_bot(bot)


def digest_posts(fake):
    return [p for p in fake.posts("C0NEWS") if p.args.get("blocks")]


def test_scheduled_digest_attaches_the_week_picture_in_its_thread(bot_factory, fake_slack):  # noqa: F811
    bot, scheduler = bot_factory(image=True)
    ts = scheduler.run_scheduled("C0NEWS")
    assert ts
    [post] = digest_posts(fake_slack)
    assert "Fed rate decision" in post.args["text"] + str(post.args["blocks"])  # the text digest is the message
    [shared] = fake_slack.files
    assert (shared["channel"], shared["thread_ts"]) == ("C0NEWS", ts)
    assert shared["name"] == "week-2025-10-27.png" and shared["title"] == "Week ahead from Mon 27 Oct"
    assert "Fed rate decision" in shared["alt_txt"] and "BoJ policy decision" in shared["alt_txt"]
    image = Image.open(io.BytesIO(shared["data"]))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    methods = [c.method for c in fake_slack.calls if c.method.startswith("files.") or c.method == "upload"]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    # a manual digest stays text only
    bot.events.command("digest")
    fake_slack.wait_for(lambda: len(digest_posts(fake_slack)) == 2)
    assert len(fake_slack.files) == 1


def test_without_the_setting_no_file_is_uploaded(bot_factory, fake_slack):  # noqa: F811
    _bot, scheduler = bot_factory(image=False)
    assert scheduler.run_scheduled("C0NEWS")
    assert len(digest_posts(fake_slack)) == 1
    assert fake_slack.files == [] and not [c for c in fake_slack.calls if c.method.startswith("files.")]


def test_a_failed_upload_leaves_the_digest_posted(bot_factory, fake_slack):  # noqa: F811
    bot, scheduler = bot_factory(image=True)
    fake_slack.fail("files.completeUploadExternal", "not_in_channel")
    ts = scheduler.run_scheduled("C0NEWS")
    assert ts and len(digest_posts(fake_slack)) == 1 and fake_slack.files == []
    ledger = digest_rows(bot.store, "C0NEWS")
    assert [(r["kind"], r["state"], r["posted_ts"]) for r in ledger] == [("scheduled", "posted", ts)]
    assert scheduler.run_scheduled("C0NEWS") is None  # and it is not posted again
