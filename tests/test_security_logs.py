"""No token, signing secret or API key reaches the logs, even at DEBUG and on the failure paths.

In-process: the whole bot at DEBUG under caplog, through a model call that fails with 401 (whose body
echoes the API key, as OpenAI's does), one that fails with 500, a Slack call that fails, a request with
a bad signature, a question, a digest and App Home. As a process: `briefbot run` at DEBUG with its stderr
captured, over the same failures; and in Socket Mode, where Slack refuses the app token. The bot token,
the signing secret, the app token and the OpenAI key appear in none of it. The controls show each secret
was really in use (sent to the fake Slack and to the stub) and that the failures really were logged.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

from tests.helpers.articles import RATES_HTML
from tests.helpers.fake_slack import BOT_TOKEN, BOT_USER, SIGNING_SECRET, SlackEvents, fake_slack, stop_bot  # noqa: F401
from tests.helpers.openai_stub import OpenAIStub
from tests.helpers.store_peek import job_rows
from tests.test_security_support import APP_TOKEN, OPENAI_KEY, start_openai_bot

ROOT = Path(__file__).resolve().parent.parent
SECRETS = {"bot token": BOT_TOKEN, "signing secret": SIGNING_SECRET, "app token": APP_TOKEN,
           "OpenAI key": OPENAI_KEY}



def leaked(text: str) -> list[str]:
    return [name for name, secret in SECRETS.items() if secret in text]


def stub_echoes_the_key(stub: OpenAIStub) -> bool:
    """The control for redaction: the stub's 401 body really carries the key."""
    stub.push("401")
    conn = http.client.HTTPConnection("127.0.0.1", int(urllib.parse.urlsplit(stub.base_url).port), timeout=10)
    try:
        conn.request("POST", "/v1/chat/completions", body=b"{}", headers={"Content-Type": "application/json"})
        return OPENAI_KEY in conn.getresponse().read().decode()
    finally:
        conn.close()


def test_no_secret_in_debug_logs_of_a_full_flow_with_failures(
        settings, clock, fake_slack, article_server, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    stub = OpenAIStub(api_key_echo=OPENAI_KEY).start()
    try:
        assert stub_echoes_the_key(stub)
        stub.requests.clear()
        stub.push("401")  # the brief: 401, no retry, fallback
        stub.default = "500"  # everything after: 500, retried, fallback
        article_server.html("/rates", RATES_HTML)
        article_server.html("/rates-2", RATES_HTML.replace("Monday", "Tuesday"))
        fake_slack.fail("chat.postMessage", "not_in_channel", channel="C0GONE")
        fake_slack.fail("reactions.add", "invalid_auth")
        bot = start_openai_bot(settings, clock, fake_slack, stub, slack_app_token=APP_TOKEN)
        fake, events = fake_slack, bot.events
        try:
            link = events.message(f"<{article_server.url('/rates')}>")
            events.event(link)
            fake.wait_for(lambda: [p for p in fake.posts("C0NEWS", link["ts"]) if p.args.get("blocks")])
            gone = events.message(f"<{article_server.url('/rates-2')}>", channel="C0GONE")
            events.event(gone)
            fake.wait_for(lambda: fake.posts("U0READER"))
            question = events.message(f"<@{BOT_USER}> what did the Federal Reserve say about inflation?")
            events.event({**question, "type": "app_mention"})
            fake.wait_for(lambda: fake.posts("C0NEWS", question["ts"]))
            assert events.event(events.message("<http://127.0.0.1:9/x>"), secret="not-the-secret").status == 401
            assert events.command("digest").status == 200
            fake.wait_for(lambda: [p for p in fake.posts("C0NEWS") if "Week ahead" in p.args["text"]])
            events.event({"type": "app_home_opened", "user": "U0READER", "tab": "home", "event_ts": events.new_ts()})
            fake.wait_for(lambda: fake.calls_to("views.publish"))
            brief = bot.store.get_brief(job_rows(bot.store, "done")[0]["brief_id"])
        finally:
            stop_bot(bot)
    finally:
        stub.stop()

    # Controls: the failures happened and were logged, the secrets were in use.
    assert brief["backend"] == "embedded (fallback)"
    assert "HTTP 401" in caplog.text and "HTTP 500" in caplog.text and "not_in_channel" in caplog.text
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    assert {r.headers["authorization"] for r in stub.requests} == {f"Bearer {OPENAI_KEY}"}
    assert any(c.headers.get("Authorization") == f"Bearer {BOT_TOKEN}" for c in fake_slack.calls)

    assert leaked(caplog.text) == []
    for record in caplog.records:  # the raw parts as well, in case a handler formats them differently
        raw = " ".join([str(record.msg), repr(record.args), record.exc_text or "", str(record.exc_info or "")])
        assert leaked(raw) == [], record.name
    for call in fake_slack.calls:  # nor did any of them end up in what was sent to Slack
        assert leaked(json.dumps(call.args)) == [], call.method


# ------------------------------------------------------------------------------------------ as a process


def _env(tmp_path, fake, stub, **extra) -> dict:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {**keep, "PYTHONPATH": str(ROOT), "BRIEFBOT_DB": str(tmp_path / "run.db"),
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
            "OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": stub.base_url, "BRIEFBOT_OPENAI_TIMEOUT": "5",
            "BRIEFBOT_FETCH_ALLOW": "127.0.0.1", "BRIEFBOT_LOG_LEVEL": "DEBUG", "PORT": "0",
            "BRIEFBOT_HOST": "127.0.0.1", **extra}


class Process:
    """`briefbot run` with its stderr read line by line on a thread."""

    def __init__(self, env: dict, cwd: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=cwd, env=env, text=True,
                                     stderr=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stderr:
            self.lines.put(line)

    def wait_for_line(self, pattern: str, timeout: float = 30) -> re.Match:
        while True:
            line = self.lines.get(timeout=timeout)
            self.seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def finish(self, timeout: float = 30) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        out = self.proc.stdout.read() if self.proc.stdout else ""
        deadline = threading.Event()
        while not deadline.wait(0.05):
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                break
        return "".join(self.seen) + out


def test_briefbot_run_stderr_at_debug_holds_no_secret(tmp_path, fake_slack, article_server):  # noqa: F811
    stub = OpenAIStub(api_key_echo=OPENAI_KEY).start()
    stub.push("401")
    stub.default = "500"
    article_server.html("/rates", RATES_HTML)
    article_server.html("/rates-2", RATES_HTML.replace("Monday", "Tuesday"))
    fake_slack.fail("chat.postMessage", "not_in_channel", channel="C0GONE")
    run = Process(_env(tmp_path, fake_slack, stub), tmp_path)
    try:
        port = int(run.wait_for_line(r"listening on 127\.0\.0\.1:(\d+)").group(1))
        events = SlackEvents(f"http://127.0.0.1:{port}")
        link = events.message(f"<{article_server.url('/rates')}>")
        assert events.event(link).status == 200
        fake_slack.wait_for(lambda: [p for p in fake_slack.posts("C0NEWS", link["ts"]) if p.args.get("blocks")],
                            timeout=30)
        assert events.event(events.message(f"<{article_server.url('/rates-2')}>", channel="C0GONE")).status == 200
        fake_slack.wait_for(lambda: fake_slack.posts("U0READER"), timeout=30)
        question = events.message(f"<@{BOT_USER}> what did the Federal Reserve say about inflation?")
        assert events.event({**question, "type": "app_mention"}).status == 200
        fake_slack.wait_for(lambda: fake_slack.posts("C0NEWS", question["ts"]), timeout=30)
        assert events.event(events.message("hello"), secret="not-the-secret").status == 401
    finally:
        stderr = run.finish()
        stub.stop()
    assert run.proc.returncode == 0, stderr[-2000:]
    # Controls: DEBUG was on, both failures were logged, and the key and token were really used.
    assert "DEBUG " in stderr
    assert "HTTP 401" in stderr and "HTTP 500" in stderr and "not_in_channel" in stderr
    assert {r.headers["authorization"] for r in stub.requests} == {f"Bearer {OPENAI_KEY}"}
    assert leaked(stderr) == []


def test_socket_mode_with_a_refused_app_token_logs_no_secret(tmp_path, fake_slack):  # noqa: F811
    """SLACK_APP_TOKEN switches `briefbot run` to Socket Mode; apps.connections.open goes to the fake
    (SLACK_API_URL), which refuses the app token, so no socket is ever opened and the process ends."""
    stub = OpenAIStub(api_key_echo=OPENAI_KEY).start()
    run = Process(_env(tmp_path, fake_slack, stub, SLACK_APP_TOKEN=APP_TOKEN), tmp_path)
    try:
        fake_slack.wait_for(lambda: fake_slack.calls_to("apps.connections.open"), timeout=30)
        run.proc.wait(timeout=30)
    finally:
        stderr = run.finish()
        stub.stop()
    (opened,) = fake_slack.calls_to("apps.connections.open")
    assert opened.headers.get("Authorization") == f"Bearer {APP_TOKEN}" and not opened.ok  # the app token was used
    assert run.proc.returncode != 0
    assert leaked(stderr) == [], stderr[-2000:]
    assert "Error: Slack refused SLACK_APP_TOKEN for Socket Mode: invalid_auth" in stderr
    assert "Traceback" not in stderr
