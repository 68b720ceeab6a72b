"""Issue 14, finding 8 (Slack part): `briefbot run` when Slack cannot be reached at start.

Slack's `auth.test` refused (a loopback port nobody listens on): each attempt is one log line, retried
with backoff, `/healthz` answers 503 saying why and events 503, never a traceback; once Slack answers the
bot connects and serves as usual. A token Slack refuses is one `Error:` line and exit 1 (waiting would
not help). A real `briefbot run` process against the fake Slack Web API on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.helpers.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, fake_slack  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path, api_url: str) -> dict:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {**keep, "PYTHONPATH": str(ROOT), "BRIEFBOT_DB": str(tmp_path / "run.db"), "PORT": "0",
            "BRIEFBOT_HOST": "127.0.0.1", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url, "BRIEFBOT_SLACK_CONNECT_MAX_WAIT": "0.5"}


class Run:
    def __init__(self, env: dict, cwd: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=cwd, env=env,
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stderr:
            self._queue.put(line)

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.lines.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no line matching {pattern!r} in {self.lines}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=30)
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return code


def _get(port: int, method: str = "GET", path: str = "/healthz") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=b"{}" if method == "POST" else None)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_slack_unreachable_at_start_is_retried_and_reported_then_the_bot_connects(tmp_path):
    port = _refused_port()
    run = Run(_env(tmp_path, f"http://127.0.0.1:{port}/api/"), tmp_path)
    fake = None
    try:
        health_port = int(run.wait_for(r"GET /healthz on 127\.0\.0\.1:(\d+)").group(1))
        run.wait_for(r"Slack not ready \(attempt 1\)")
        run.wait_for(r"Slack not ready \(attempt 2\)")
        status, body = _get(health_port)
        assert status == 503
        reason = json.loads(body)["reasons"][0]
        assert reason.startswith("waiting for Slack: Slack could not be reached (URLError"), reason
        assert _get(health_port, "POST", "/slack/events")[0] == 503
        fake = FakeSlack(port=port).start()  # Slack comes back
        run.wait_for(r"listening on 127\.0\.0\.1:(\d+)", timeout=30)
        status, body = _get(health_port)
        assert status == 200 and json.loads(body)["ok"] is True
        assert fake.calls_to("auth.test")
    finally:
        code = run.stop()
        if fake is not None:
            fake.stop()
    text = "".join(run.lines)
    assert code == 0, text
    assert "Traceback" not in text
    attempts = [line for line in run.lines if "Slack not ready" in line]
    assert len(attempts) >= 2
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z WARNING bot\.slack\.startup: Slack not ready \(attempt \d+\): .*; retrying in "
                            r"\d+\.\d s\n", line) for line in attempts), attempts


def test_a_token_slack_refuses_is_one_error_line(tmp_path, fake_slack):  # noqa: F811
    fake_slack.fail("auth.test", "invalid_auth")
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=_env(tmp_path, fake_slack.api_url),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: Slack refused the bot token: invalid_auth"], proc.stderr
    assert "Traceback" not in proc.stderr
