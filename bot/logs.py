"""Log lines with a timestamp, and with the team, channel and job they are about.

`BRIEFBOT_LOG_FORMAT=text` (default) writes `2025-10-27T08:00:00.123Z INFO bot.slack.jobs [T… C… job 42]:
message`; `json` writes one JSON object a line with `ts`, `level`, `logger`, `message`, `team`, `channel`,
`job_id` (and `exc` for a traceback), for a log pipeline to index. Timestamps are UTC wall time of the
record: logs say when something happened on this machine, so they do not go through the injected clock.

The team, channel and job id come from a context the worker sets around each job (`log_context`), so a
line deep in the pipeline still says which job it belongs to. What people wrote (questions, message text) is never
logged at INFO or above; model and article text only at DEBUG.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from typing import IO

FIELDS = ("team", "channel", "job_id")
_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("briefbot_log_context", default=None)


@contextlib.contextmanager
def log_context(**fields) -> Iterator[None]:
    """Every record logged inside carries these fields (team, channel, job_id)."""
    token = _context.set({**(_context.get() or {}), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Copies the current context onto each record (None for fields not set)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _context.get() or {}
        for name in FIELDS:
            if not hasattr(record, name):
                setattr(record, name, current.get(name))
        return True


def _timestamp(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        where = " ".join(str(v) if name != "job_id" else f"job {v}"
                         for name in FIELDS if (v := getattr(record, name, None)) is not None)
        line = f"{_timestamp(record)} {record.levelname} {record.name}{f' [{where}]' if where else ''}: " \
               f"{record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": _timestamp(record), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        for name in FIELDS:
            entry[name] = getattr(record, name, None)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", fmt: str = "text", stream: IO[str] | None = None, *,
                      force: bool = False) -> logging.Handler | None:
    """One handler on the root logger (replacing an earlier one of ours), in `fmt` (text | json).

    Like `logging.basicConfig`, it leaves a root logger that someone else already configured alone (a
    host application, pytest's log capture) unless `force`; then it returns None."""
    root = logging.getLogger()
    if not force and any(not getattr(h, "_briefbot", False) for h in root.handlers):
        return None
    for handler in list(root.handlers):
        if getattr(handler, "_briefbot", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._briefbot = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level)
    return handler
