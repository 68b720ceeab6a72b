"""Shared fixtures: a real SQLite file under tmp_path, a fixed clock, services wired to them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.clock import FixedClock
from bot.config import load_settings


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2025, 10, 27, 8, 0, tzinfo=dt.UTC))


@pytest.fixture
def settings(tmp_path):
    """Embedded backend, loopback allowed for the test's own article server, no .env, no real env."""
    base = load_settings({"BRIEFBOT_DB": str(tmp_path / "briefbot.db")}, dotenv=False)
    return dataclasses.replace(base, fetch_allow=("127.0.0.1",), fetch_total_timeout=5.0)


@pytest.fixture
def services(settings, clock):
    from bot.services import build_services

    svc = build_services(settings, clock=clock)
    yield svc
    svc.close()
