"""Waiting for a worker thread in tests: real time for the thread, the fixed clock for the queue."""

from __future__ import annotations

import time


def poll(predicate, timeout: float = 10.0):
    """Wait (real time) for a worker thread to reach a state; the queue's own time is the fixed clock."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.02)
    return value
