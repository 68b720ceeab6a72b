"""`Clock.utc_stamp()` is the one form every stored timestamp takes: UTC, ISO 8601, whole seconds."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from bot.clock import FixedClock, utc_stamp


def test_stamp_is_utc_to_the_second_whatever_zone_the_clock_reads():
    tokyo = dt.datetime(2025, 10, 27, 15, 0, 7, 999_999, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
    clock = FixedClock(tokyo)
    assert clock.utc_stamp() == "2025-10-27T06:00:07+00:00"
    clock.advance(minutes=90)
    assert clock.utc_stamp() == "2025-10-27T07:30:07+00:00"


def test_naive_moments_are_taken_as_utc():
    assert utc_stamp(dt.datetime(2025, 1, 2, 3, 4, 5)) == "2025-01-02T03:04:05+00:00"


def test_stamps_sort_as_times():
    clock = FixedClock(dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=dt.UTC))
    first = clock.utc_stamp()
    clock.advance(seconds=1)
    assert first < clock.utc_stamp()
