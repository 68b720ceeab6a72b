"""What every CLI command shares: lazily built services, JSON output, one-line errors."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click

from bot.config import Settings, load_settings
from bot.errors import BriefbotError, ConfigError, StorageError
from bot.logs import configure_logging
from bot.services import Services, build_services


class AppContext:
    """Builds settings and services on first use, so `--help` never opens a database."""

    def __init__(self, db_path: str | None = None):
        self.db_path = db_path
        self._settings: Settings | None = None
        self._services: Services | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings()
            except BriefbotError as err:
                fail(str(err))
            configure_logging(self._settings.log_level, self._settings.log_format, sys.stderr)
        return self._settings

    @property
    def services(self) -> Services:
        if self._services is None:
            try:
                self._services = build_services(self.settings, db_path=self.db_path)
            except (StorageError, ConfigError) as err:  # a corrupt database, an unreadable model folder...:
                fail(str(err))  # one line, no traceback
        return self._services

    def use(self, services: Services) -> None:
        """Use prepared services (the demo's temporary database)."""
        self._services = services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


def fail(message: str, code: int = 1) -> None:
    """Print `Error: message` as one line on stderr and exit."""
    click.echo(f"Error: {' '.join(str(message).split())}", err=True)
    raise SystemExit(code)


def iso_date(_ctx, param, value: str | None) -> dt.date | None:
    """Click callback for every date option: YYYY-MM-DD, else one `Error:` line naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        name = f"--{param.name.replace('_', '-')}" if param is not None else "date"
        fail(f"{name} {value!r} is not a date like 2025-10-27")


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


pass_app = click.make_pass_decorator(AppContext)
