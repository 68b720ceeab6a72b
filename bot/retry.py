"""When a job that failed may run again: which errors are passing, and how long to wait before the next try.

Passing errors are outages, not answers: Slack or the network is down, slow or rate limiting. The job
waits (exponential backoff with jitter, so a hundred jobs that failed together don't return together)
and keeps waiting until the retry window has passed. Anything else that is not a `BriefbotError` is
unexpected (a bug, a crash): it is retried a few times, counted against `max_attempts`.
"""

from __future__ import annotations

import random

from bot.errors import BriefbotError, Unavailable

BASE_SECONDS = 5.0  # the first wait: 2.5–5 s
CAP_SECONDS = 300.0  # no wait is longer than 5 minutes, so a recovered Slack is used within minutes
# Slack Web API error codes that mean "not now" (slack_sdk raises them as SlackApiError).
TRANSIENT_CODES = {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable",
                   "request_timeout"}


def is_transient(err: BaseException) -> bool:
    """An outage rather than an answer: `Unavailable`, a refused/reset/timed-out connection (`URLError`
    and `TimeoutError` are `OSError`s), or an HTTP error object saying 429 or 5xx (slack_sdk's
    `SlackApiError.response.status_code`, an HTTP client's `status_code`) or a Slack "not now" code."""
    if isinstance(err, BriefbotError):
        return False
    if isinstance(err, (Unavailable, OSError)):
        return True
    response = getattr(err, "response", None)
    status = getattr(response, "status_code", None) or getattr(err, "status_code", None)
    if isinstance(status, int) and (status == 429 or status >= 500):
        return True
    try:
        code = response.get("error") if response is not None else None
    except (AttributeError, TypeError, ValueError):
        code = None
    return code in TRANSIENT_CODES


def backoff_seconds(retries: int, rng: random.Random, *, base: float = BASE_SECONDS,
                    cap: float = CAP_SECONDS) -> float:
    """The wait before retry number `retries + 1`: base·2^retries capped, then "equal jitter" (between half
    and all of it), so waits still grow while jobs that failed at once spread out."""
    ceiling = min(cap, base * 2 ** min(retries, 32))
    return rng.uniform(ceiling / 2, ceiling)
