"""Read fetched pages in child processes, so that one page can't stall the Slack bot.

Extraction (trafilatura over lxml) spends long stretches in C code that holds the interpreter lock: a
1 MB page kept `/healthz` and the acks of the same process waiting for up to ~300 ms, and a page built to
make the parser spin would keep them waiting for as long as it spins, with no way to stop a thread. In
`briefbot run` the process must ack Slack within 3 s, so it reads pages in child processes instead. The
CLI reads in its own process: it has nothing else to do meanwhile.

Each child serves one page at a time over a pipe of its own (no shared queue whose lock a killed child
could take with it), and at most `workers` pages are read at once; a page waits its turn here, so
`timeout` times the reading alone, never the queue.

* A page still being read after `timeout` seconds is an error for that link, and its child is killed
  (a child can't be stopped any other way); a fresh one takes its place.
* A page whose child dies (a crash in C code) is an error for that link only: no other page was in it.
* Children are started with "spawn" and are daemons: they end with the bot, and a child whose bot was
  killed reads end-of-file on its pipe and exits, so none is left behind.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from multiprocessing.connection import Connection

from bot.errors import ExtractionError
from bot.pipeline.ingest import PageRead, PageReader, read_page

log = logging.getLogger(__name__)

PAGE_READ_SECONDS = 60.0  # a 5 MB page reads in under 2 s here
TASKS_PER_CHILD = 200  # a fresh child now and then: whatever a parser leaks goes with the old one
START_SECONDS = 60.0  # a new child imports the extraction modules before its first page


class ProcessPageReader:
    """A `PageReader` (see `bot.pipeline.ingest.read_page`) that runs `target` in child processes."""

    def __init__(self, workers: int = 2, timeout: float = PAGE_READ_SECONDS, target: PageReader = read_page):
        self.workers = max(1, workers)
        self.timeout = timeout
        self.target = target
        self._turns = threading.BoundedSemaphore(self.workers)
        self._lock = threading.Lock()
        self._idle: list[_Child] = []
        self._closed = False

    def __call__(self, text: str, url: str, content_type: str) -> PageRead:
        with self._turns:
            child = self._take()
            try:
                outcome = child.read((text, url, content_type), self.timeout)
            except TimeoutError:
                log.warning("a page took longer than %g s to read; its reader was stopped (%s)", self.timeout, url)
                child.kill()
                raise ExtractionError(f"the page took longer than {self.timeout:g} s to read") from None
            except (EOFError, OSError):  # the pipe ended: the child died
                log.warning("a page reader's process died reading a page (%s)", url)
                child.kill()
                raise ExtractionError("the page crashed the article reader") from None
            self._give_back(child)
            kind, value = outcome
            if kind == "error":
                raise value
            return value

    def warm(self) -> None:
        """Start the children now, in the background: the first pages of a fresh bot then don't wait for
        their imports (a second or two)."""
        def start() -> None:
            try:
                for _ in range(self.workers):
                    self._give_back(_Child(self.target))
            except Exception:  # noqa: BLE001 - a failed warm-up only means the first pages start them
                log.debug("page reader warm-up failed", exc_info=True)

        threading.Thread(target=start, name="page-reader-warm-up", daemon=True).start()

    def close(self) -> None:
        """Let the idle children go (they exit at end-of-file); later calls read nothing. A child still
        reading a page is killed by that page's call, or ends with the bot (it is a daemon)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for child in idle:
            child.close()

    # -- internals --------------------------------------------------------------------------------------

    def _take(self) -> _Child:
        with self._lock:
            if self._closed:
                raise ExtractionError("briefbot is shutting down; the page was not read")
            if self._idle:
                return self._idle.pop()
        return _Child(self.target)

    def _give_back(self, child: _Child) -> None:
        with self._lock:
            keep = not self._closed and child.served < TASKS_PER_CHILD and len(self._idle) < self.workers
            if keep:
                self._idle.append(child)
        if not keep:
            child.close()


class _Child:
    """One child process and the pipe it serves pages on."""

    def __init__(self, target: PageReader):
        ctx = multiprocessing.get_context("spawn")
        self.conn, theirs = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(theirs, target), name="briefbot-page-reader", daemon=True)
        self.process.start()
        theirs.close()
        self.served = 0
        self.ready = False

    def read(self, args: tuple, timeout: float) -> tuple[str, object]:
        """("ok", PageRead) or ("error", exception); TimeoutError, or EOFError if the child died."""
        if not self.ready:  # the child says so once its imports are done: those don't count as reading
            if not self.conn.poll(START_SECONDS):
                raise TimeoutError
            self.conn.recv()
            self.ready = True
        self.conn.send(args)
        if not self.conn.poll(timeout):
            raise TimeoutError
        self.served += 1
        return self.conn.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()

    def close(self) -> None:
        self.conn.close()  # the child reads end-of-file and exits
        self.process.join(5)
        if self.process.is_alive():
            self.kill()


def _serve(conn: Connection, target: PageReader) -> None:
    """The child: say it is ready, then read each page sent until the pipe closes. The bot may be gone at
    any moment (stopped, or killed): then the child just ends, quietly."""
    try:
        conn.send("ready")
        while True:
            args = conn.recv()
            try:
                outcome: tuple[str, object] = ("ok", target(*args))
            except Exception as err:  # noqa: BLE001 - a page's error is that page's answer, sent back as is
                outcome = ("error", err)
            conn.send(outcome)
    except (EOFError, OSError, KeyboardInterrupt):
        return
