"""`connect(services, ...)`: build the `SlackRuntime`, waiting out a Slack that cannot be reached yet.

Building the bolt app asks Slack's `auth.test` once. When Slack (or `SLACK_API_URL`) is down, refusing
connections, or answering 5xx / `ratelimited`, that is worth waiting for: each attempt is logged in one
line and retried with exponential backoff and jitter (1 s, 2 s, 4 s … up to `max_wait`), and `/healthz`
reports the reason meanwhile. A token Slack refuses (`invalid_auth`, `token_revoked`, …) never gets
better by waiting: that is a `SlackRefused`, one `Error:` line from the CLI.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

PASSING_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


class SlackRefused(Exception):
    """Slack answered auth.test and said no: waiting will not help."""


def _slack_answer(err: BaseException) -> SlackApiError | None:
    seen = err
    while seen is not None:
        if isinstance(seen, SlackApiError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def classify(err: BaseException) -> str | None:
    """A one-line reason when `err` is passing (Slack unreachable or failing); None when Slack refused."""
    answer = _slack_answer(err)
    if answer is not None:
        status = getattr(answer.response, "status_code", 200)
        code = answer.response.get("error") if hasattr(answer.response, "get") else None
        if status >= 500 or status == 429 or code in PASSING_ERRORS:
            return f"Slack answered auth.test with {code or status}"
        return None
    if isinstance(err, BoltError):
        return None
    reason = getattr(err, "reason", None) or err
    return f"Slack could not be reached ({type(err).__name__}: {str(reason)[:120]})"


def connect(build: Callable[[], object], *, stop: threading.Event, on_wait: Callable[[str], None],
            max_wait: float = 60.0, first_wait: float = 1.0) -> object | None:
    """`build()` until it succeeds (its result), `stop` is set (None), or Slack refuses (`SlackRefused`)."""
    wait = first_wait
    attempt = 0
    while not stop.is_set():
        attempt += 1
        try:
            return build()
        except (BoltError, SlackApiError, OSError, ValueError) as err:  # URLError is an OSError
            reason = classify(err)
            if reason is None:
                answer = _slack_answer(err)
                code = answer.response.get("error") if answer is not None else None
                raise SlackRefused(code or str(err).split("(")[0].strip()) from None
        pause = min(max_wait, wait) * random.uniform(0.8, 1.2)
        log.warning("Slack not ready (attempt %d): %s; retrying in %.1f s", attempt, reason, pause)
        on_wait(f"waiting for Slack: {reason} (attempt {attempt})")
        wait = min(max_wait, wait * 2)
        stop.wait(pause)
    return None
