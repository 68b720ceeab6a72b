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


def _is_loopback(address) -> bool:
    import ipaddress

    if not isinstance(address, tuple):  # AF_UNIX paths and the like never leave the machine
        return True
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a name: tests must connect to addresses, not resolve names


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Every test runs with outbound connects patched to fail loudly beyond loopback.

    A broken SSRF guard, a stray SDK default base URL or a forgotten setting can then never send a
    packet off this machine: the connect raises before any packet is sent.
    """
    import socket

    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def connect(self, address):
        if not _is_loopback(address):
            raise AssertionError(f"test tried to connect beyond loopback: {address!r}")
        return real_connect(self, address)

    def connect_ex(self, address):
        if not _is_loopback(address):
            raise AssertionError(f"test tried to connect beyond loopback: {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


# The loopback article server is a fixture every area's tests share.
pytest_plugins = ["tests.helpers.article_server"]
