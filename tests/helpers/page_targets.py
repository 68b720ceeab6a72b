"""Page readers for tests of `bot.page_reader`: module-level, so a child process can import them by name.

Each behaves like `bot.pipeline.ingest.read_page` except on a page whose text carries a marker, standing in
for a page that makes the real parser spin or crash (no such page is known to fail on demand)."""

from __future__ import annotations

import os
import signal
import time

from bot.pipeline.ingest import PageRead, read_page

SPIN = "<!-- spin -->"
CRASH = "<!-- crash -->"


def spin_or_crash(text: str, url: str, content_type: str) -> PageRead:
    if SPIN in text:
        while True:  # a parser stuck in a loop: only killing the process stops it
            time.sleep(0.01)
    if CRASH in text:
        os.kill(os.getpid(), signal.SIGSEGV)  # a crash in C code takes the process with it
    return read_page(text, url, content_type)


def pid_of_reader(text: str, url: str, content_type: str) -> int:
    return os.getpid()
