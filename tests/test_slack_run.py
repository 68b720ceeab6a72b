"""`briefbot run` as a real process: one-line refusal without tokens; HTTP mode against the fake Slack."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.helpers.fake_slack import BOT_TOKEN, SIGNING_SECRET, SlackEvents, fake_slack  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path, **extra) -> dict:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {**keep, "PYTHONPATH": str(ROOT), "BRIEFBOT_DB": str(tmp_path / "run.db"), **extra}


def test_run_without_tokens_names_each_missing_variable(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: missing SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET")


def test_run_serves_healthz_and_events_against_the_fake(tmp_path, fake_slack):  # noqa: F811
    env = _env(tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
               SLACK_API_URL=fake_slack.api_url, PORT="0", BRIEFBOT_HOST="127.0.0.1", BRIEFBOT_LOG_LEVEL="DEBUG")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def pump() -> None:
        for line in proc.stderr:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        port = None
        while port is None:
            line = lines.get(timeout=30)
            seen.append(line)
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            port = int(match.group(1)) if match else None
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/healthz")
        resp = conn.getresponse()
        assert resp.status == 200
        assert json.loads(resp.read())["ok"] is True
        conn.close()
        events = SlackEvents(f"http://127.0.0.1:{port}")
        event = events.message("no links, just chatting")
        assert events.event(event).status == 200
        assert events.event(event, secret="wrong").status == 401
        assert fake_slack.calls_to("auth.test")  # the token was checked against SLACK_API_URL
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    while not lines.empty():
        seen.append(lines.get())
    assert proc.returncode == 0
    assert BOT_TOKEN not in "".join(seen)  # even at DEBUG, the token never reaches the log


def test_run_with_oauth_needs_no_bot_token_and_serves_install_and_metrics(tmp_path, fake_slack):  # noqa: F811
    from tests.helpers.fake_slack import CLIENT_ID, CLIENT_SECRET

    env = _env(tmp_path, SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET,
               SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake_slack.api_url, PORT="0",
               BRIEFBOT_HOST="127.0.0.1", BRIEFBOT_LOG_FORMAT="json", BRIEFBOT_LOG_LEVEL="DEBUG")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        port = None
        while port is None:
            line = proc.stderr.readline()
            assert line, "briefbot run ended before listening"
            match = re.search(r"listening on 127\.0\.0\.1:(\d+) .*GET /slack/install", line)
            port = int(match.group(1)) if match else None
        for path, expected in (("/slack/install", "Add to Slack"), ("/metrics", "briefbot_queue_depth 0.0")):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path)
            resp = conn.getresponse()
            assert resp.status == 200 and expected in resp.read().decode(), path
            conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=20)[1]
    assert proc.returncode == 0
    assert fake_slack.calls_to("auth.test") == []  # no token to check until a workspace installs
    logged = [json.loads(line) for line in rest.splitlines() if line.startswith("{")]
    assert any(e["logger"] == "apscheduler.scheduler" and e["level"] == "DEBUG" for e in logged)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", e["ts"]) and e["level"] for e in logged)
