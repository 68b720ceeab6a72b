"""Log lines: a timestamp on each, JSON with BRIEFBOT_LOG_FORMAT=json carrying team, channel and job id,
and no user text at INFO — checked on the running bot (real HTTP events, workers, fake Slack)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.logs import configure_logging, log_context
from tests.helpers.fake_slack import BOT_USER, fake_slack, slack_bot  # noqa: F401 - fixtures

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture
def captured():
    """Our handler on the root logger, writing into a buffer; removed afterwards."""
    buffers = []

    def install(fmt: str, level: str = "INFO") -> io.StringIO:
        buffer = io.StringIO()
        buffers.append(configure_logging(level, fmt, buffer, force=True))
        return buffer

    before = logging.getLogger().level
    yield install
    for handler in buffers:
        logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(before)


def test_text_lines_start_with_a_utc_timestamp_and_name_the_job(captured):
    buffer = captured("text")
    log = logging.getLogger("bot.test")
    log.info("outside any job")
    with log_context(team="T1", channel="C1", job_id=7):
        log.warning("inside job")
    first, second = buffer.getvalue().splitlines()
    assert re.fullmatch(ISO + r" INFO bot\.test: outside any job", first)
    assert re.fullmatch(ISO + r" WARNING bot\.test \[T1 C1 job 7\]: inside job", second)


def test_json_lines_carry_level_logger_message_and_context(captured):
    buffer = captured("json")
    log = logging.getLogger("bot.test")
    with log_context(team="T1", channel="C1", job_id=7):
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("it failed")
    entry = json.loads(buffer.getvalue().splitlines()[0])
    assert re.fullmatch(ISO, entry.pop("ts"))
    assert entry.pop("exc").endswith("ValueError: boom")
    assert entry == {"level": "ERROR", "logger": "bot.test", "message": "it failed", "team": "T1",
                     "channel": "C1", "job_id": 7}


def test_log_format_setting_is_checked():
    assert load_settings({"BRIEFBOT_LOG_FORMAT": "JSON"}, dotenv=False).log_format == "json"
    with pytest.raises(ConfigError, match=r"BRIEFBOT_LOG_FORMAT='xml' is not allowed; expected text or json"):
        load_settings({"BRIEFBOT_LOG_FORMAT": "xml"}, dotenv=False)


def test_running_bot_logs_json_with_job_context_and_no_user_text_at_info(slack_bot, captured):  # noqa: F811
    buffer = captured("json", "DEBUG")
    fake, events = slack_bot.fake, slack_bot.events
    fake.fail("chat.postMessage", "not_in_channel", channel="C0SECRET")
    question = "what did the harbour committee decide about zebra-crossing-4471"
    event = events.message(f"<@{BOT_USER}> {question}", channel="C0SECRET")
    assert events.event(event).status == 200
    fake.wait_for(lambda: fake.calls_to("chat.postMessage", channel="U0READER"))  # the DM saying why

    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert lines and all(re.fullmatch(ISO, e["ts"]) for e in lines)
    about_job = [e for e in lines if e["job_id"] is not None]
    assert any(e["team"] == "T0TEST" and e["channel"] == "C0SECRET" and "not_in_channel" in e["message"]
               for e in about_job)
    at_info = [e for e in lines if e["level"] != "DEBUG"]
    assert not [e for e in at_info if "zebra-crossing-4471" in e["message"]]


def test_the_workers_own_lines_name_the_job(slack_bot, captured):  # noqa: F811
    buffer = captured("json")
    fake, events = slack_bot.fake, slack_bot.events
    fake.fail("chat.postMessage", "internal_error", channel="C0OTHER")  # Slack down for now: the job waits
    assert events.event(events.message(f"<@{BOT_USER}> help", channel="C0OTHER")).status == 200

    def retry_line():
        entries = [json.loads(line) for line in buffer.getvalue().splitlines()]
        return [e for e in entries if e["logger"] == "bot.worker" and "before retry" in e["message"]]

    line = fake.wait_for(retry_line)[0]
    assert line["team"] == "T0TEST" and line["channel"] == "C0OTHER" and isinstance(line["job_id"], int)
