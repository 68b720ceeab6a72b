"""Parsing, validating and describing digest schedules, through the functions Slack and the CLI share."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.errors import InputError
from bot.schedules import (
    WEEKDAYS,
    ScheduleSpec,
    describe,
    digest_command,
    get_schedule,
    parse_spec,
    schedules_for_home,
    set_schedule,
)
from tests.helpers.fake_slack import BOT_TOKEN, fake_slack  # noqa: F401


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ScheduleSpec()),
        ("07:30", ScheduleSpec(time="07:30")),
        ("7:05", ScheduleSpec(time="07:05")),
        ("08:15 Asia/Tokyo", ScheduleSpec(time="08:15", timezone="Asia/Tokyo")),
        ("daily", ScheduleSpec(days=("mon", "tue", "wed", "thu", "fri", "sat", "sun"))),
        ("mon-fri", ScheduleSpec(days=WEEKDAYS)),
        ("mon,wed,fri 06:00", ScheduleSpec(time="06:00", days=("mon", "wed", "fri"))),
        ("Europe/London fri-mon 9:00", ScheduleSpec(time="09:00", timezone="Europe/London",
                                                     days=("mon", "fri", "sat", "sun"))),
        ("utc weekends", ScheduleSpec(timezone="UTC", days=("sat", "sun"))),
        ("Tuesday,thu", ScheduleSpec(days=("tue", "thu"))),
    ],
)
def test_parse_spec_accepts_times_zones_and_day_names_in_any_order(text, expected):
    assert parse_spec(text) == expected


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("25:00", "'25:00' is not a time of day"),
        ("7:60", "'7:60' is not a time of day"),
        ("0730x", "is not a time of day"),
        ("Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'"),
        ("Tokyo", "unknown time zone 'Tokyo'"),
        ("tuesdays", "'tuesdays' is not a time, a time zone or days"),
        ("07:30 08:00", "two times given"),
        ("mon daily", "days given twice"),
    ],
)
def test_bad_input_is_a_one_line_error_naming_the_token(text, needle):
    with pytest.raises(InputError) as err:
        parse_spec(text)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_on_defaults_to_weekdays_0730_in_the_configured_zone_and_keeps_parts_not_retyped(services):
    services.settings = dataclasses.replace(services.settings, timezone="Europe/Berlin")
    first = set_schedule(services, team="T1", channel="C1", text="")
    assert (first.time, first.timezone, first.days, first.enabled) == ("07:30", "Europe/Berlin", WEEKDAYS, True)
    assert describe(first) == "weekdays (Mon–Fri) at 07:30 Europe/Berlin"

    changed = set_schedule(services, team="T1", channel="C1", text="06:45 mon,wed,fri")
    assert (changed.time, changed.timezone, changed.days) == ("06:45", "Europe/Berlin", ("mon", "wed", "fri"))
    assert describe(changed) == "Mon, Wed, Fri at 06:45 Europe/Berlin"


def test_digest_command_on_when_off_and_notifies_each_change(services):
    changed: list[str] = []
    reply = digest_command(services, team="T1", channel="C9", args="on 08:00 Asia/Tokyo daily", on_change=changed.append)
    assert reply.startswith("Digest on: every day at 08:00 Asia/Tokyo")
    assert digest_command(services, team="T1", channel="C9", args="when") == (
        "This channel's digest: every day at 08:00 Asia/Tokyo."
    )
    assert digest_command(services, team="T1", channel="C9", args="off", on_change=changed.append).startswith(
        "Digest off"
    )
    assert get_schedule(services, "C9").enabled is False
    assert "No digest is scheduled" in digest_command(services, team="T1", channel="C9", args="when")
    # `on` alone brings back the same schedule
    digest_command(services, team="T1", channel="C9", args="on", on_change=changed.append)
    assert describe(get_schedule(services, "C9")) == "every day at 08:00 Asia/Tokyo"
    assert changed == ["C9", "C9", "C9"]


def test_a_rejected_change_leaves_the_stored_schedule_and_the_scheduler_untouched(services):
    changed: list[str] = []
    set_schedule(services, team="T1", channel="C1", text="07:00 UTC")
    with pytest.raises(InputError):
        digest_command(services, team="T1", channel="C1", args="on 07:00 Nowhere/Special", on_change=changed.append)
    with pytest.raises(InputError, match="unknown digest command 'sometimes'"):
        digest_command(services, team="T1", channel="C1", args="sometimes")
    assert changed == []
    assert describe(get_schedule(services, "C1")) == "weekdays (Mon–Fri) at 07:00 UTC"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "cli.db"
    runner = CliRunner()

    def invoke(*args):
        env = {"BRIEFBOT_TIMEZONE": "America/New_York", "OPENAI_API_KEY": "", "SLACK_BOT_TOKEN": ""}
        return runner.invoke(cli, ["--db", str(db), *args], env=env)

    return invoke


def test_cli_schedule_on_list_off(run):
    result = run("schedule", "on", "--channel", "C0AAA", "--team", "T1")
    assert result.exit_code == 0, result.output
    assert "Digest on for C0AAA: weekdays (Mon–Fri) at 07:30 America/New_York; next " in result.output

    assert run("schedule", "on", "--channel", "C0BBB", "06:00", "Asia/Tokyo", "mon,wed,fri").exit_code == 0
    listed = json.loads(run("schedule", "list", "--json").output)
    assert [(s["channel"], s["time"], s["timezone"], s["days"]) for s in listed] == [
        ("C0BBB", "06:00", "Asia/Tokyo", ["mon", "wed", "fri"]),
        ("C0AAA", "07:30", "America/New_York", ["mon", "tue", "wed", "thu", "fri"]),
    ]
    assert listed[0]["next"].endswith("06:00+09:00")

    assert run("schedule", "off", "--channel", "C0AAA").output.strip() == "Digest off for C0AAA."
    assert [s["channel"] for s in json.loads(run("schedule", "list", "--json").output)] == ["C0BBB"]
    assert "off (was weekdays" in run("schedule", "when", "--channel", "C0AAA").output


def test_cli_bad_time_or_zone_is_one_error_line(run):
    for args, needle in ((["24:00"], "'24:00' is not a time of day"), (["Moon/Base"], "unknown time zone")):
        result = run("schedule", "on", "--channel", "C0AAA", *args)
        assert result.exit_code == 1
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith("Error: ") and needle in result.stderr


def test_cli_post_digest_needs_a_token(run):
    result = run("digest", "--post", "--channel", "C0AAA")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: SLACK_BOT_TOKEN is not set; it is needed to post to Slack"


def test_cli_post_digest_posts_through_the_ledger(tmp_path, monkeypatch, fake_slack):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    env = {"BRIEFBOT_TIMEZONE": "UTC", "OPENAI_API_KEY": "", "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_API_URL": fake_slack.api_url}
    db = str(tmp_path / "cli.db")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, ["--db", db, *args], env=env)

    manual = [run("digest", "--post", "--channel", "C0CLI"), run("post-digest", "--channel", "C0CLI")]
    assert all(r.exit_code == 0 and "Posted the digest for " in r.output for r in manual), manual[0].output
    first = run("digest", "--post", "--channel", "C0CLI", "--kind", "scheduled", "--date", "2025-10-27")
    second = run("digest", "--post", "--channel", "C0CLI", "--kind", "scheduled", "--date", "2025-10-27", "--json")
    assert "Posted the digest for 2025-10-27 to C0CLI" in first.output
    assert json.loads(second.output) == {"channel": "C0CLI", "date": "2025-10-27", "kind": "scheduled",
                                         "posted": False, "ts": None}
    assert len(fake_slack.posts("C0CLI")) == 3

    fake_slack.fail("chat.postMessage", "not_in_channel")
    failed = run("digest", "--post", "--channel", "C0CLI")
    assert failed.exit_code == 1
    assert failed.stderr.startswith("Error: posting to C0CLI failed:") and "not_in_channel" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1


def test_app_home_rows_describe_days_in_words(services):
    set_schedule(services, team="T1", channel="C1", text="07:30 UTC mon-fri")
    set_schedule(services, team="T1", channel="C2", text="08:00 Asia/Tokyo daily")
    set_schedule(services, team="T2", channel="C3", text="09:00 UTC")
    digest_command(services, team="T1", channel="C2", args="off")
    rows = schedules_for_home(services, "T1")
    assert [(r["channel"], r["days"], r["enabled"]) for r in rows] == [
        ("C1", "weekdays (Mon–Fri)", 1), ("C2", "every day", 0)
    ]
    assert rows[1]["description"] == "off (was every day at 08:00 Asia/Tokyo)"
