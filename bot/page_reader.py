"""Read fetched pages in child processes, so that one page can't stall the Slack bot.

Extraction (trafilatura over lxml) spends long stretches in C code that holds the interpreter lock: a
1 MB page kept `/healthz` and the acks of the same process waiting for up to ~300 ms, and a page built to
make the parser spin would keep them waiting for as long as it spins, with no way to stop a thread. In
`briefbot run` the process must ack Slack within 3 s, so it reads pages in a small pool of child
processes instead (forkserver: the extraction modules are imported once in the server, so a new child is
a cheap fork). The CLI reads in its own process: it has nothing else to do meanwhile.

* At most `workers` pages are read at once; a page waits its turn here, so `timeout` times the reading
  alone, never the queue.
* A page that takes longer than `timeout` seconds is an error for that link, and the pool's children are
  killed and replaced (a child can't be stopped any other way).
* A child that dies (a crash in C code) breaks the pool: it is replaced, and every page that was in flight
  in it is read again, each in a child of its own; a page whose own child dies is an error. So a hostile
  page costs the others only time.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import threading
from concurrent.futures.process import BrokenProcessPool

from bot.errors import ExtractionError
from bot.pipeline.ingest import PageRead, PageReader, read_page

log = logging.getLogger(__name__)

PAGE_READ_SECONDS = 60.0  # a 5 MB page reads in under 2 s here
TASKS_PER_CHILD = 200  # a fresh child now and then: whatever a parser leaks goes with the old one
_PRELOAD = ["bot.pipeline.ingest"]  # imports trafilatura, lxml and our extraction once, in the server


class ProcessPageReader:
    """A `PageReader` (see `bot.pipeline.ingest.read_page`) that runs `target` in child processes."""

    def __init__(self, workers: int = 2, timeout: float = PAGE_READ_SECONDS, target: PageReader = read_page):
        self.workers = max(1, workers)
        self.timeout = timeout
        self.target = target
        self._turns = threading.BoundedSemaphore(self.workers)
        self._lock = threading.Lock()
        self._pool: cf.ProcessPoolExecutor | None = None
        self._closed = False

    def __call__(self, text: str, url: str, content_type: str) -> PageRead:
        with self._turns:
            pool = self._current()
            try:
                return self._read(pool, text, url, content_type)
            except BrokenProcessPool:
                log.warning("a page reader's process died; reading the page again on its own (%s)", url)
                self._replace(pool)
            # Any page in flight could have broken the shared pool: this one is read again in a child of its
            # own, so a crash there is certainly its own.
            alone = cf.ProcessPoolExecutor(max_workers=1, mp_context=_context())
            try:
                return self._read(alone, text, url, content_type)
            except BrokenProcessPool:
                raise ExtractionError("the page crashed the article reader") from None
            finally:
                _kill(alone)

    def _read(self, pool: cf.ProcessPoolExecutor, text: str, url: str, content_type: str) -> PageRead:
        try:
            return pool.submit(self.target, text, url, content_type).result(timeout=self.timeout)
        except cf.TimeoutError:
            log.warning("a page took longer than %g s to read; its reader was stopped (%s)", self.timeout, url)
            self._replace(pool)
            raise ExtractionError(f"the page took longer than {self.timeout:g} s to read") from None

    def warm(self) -> None:
        """Start the forkserver and the children now, in the background: the first page of a fresh bot
        then doesn't wait for them (their imports take a second or two), nor count that in its timeout."""
        def start() -> None:
            try:
                pool = self._current()
                for _ in range(self.workers):
                    pool.submit(_nothing)
            except Exception:  # noqa: BLE001 - a failed warm-up only means the first page starts them
                log.debug("page reader warm-up failed", exc_info=True)

        threading.Thread(target=start, name="page-reader-warm-up", daemon=True).start()

    def close(self) -> None:
        """Stop the children (pages being read get an error); later calls read nothing."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            _kill(pool)

    # -- internals --------------------------------------------------------------------------------------

    def _current(self) -> cf.ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise ExtractionError("briefbot is shutting down; the page was not read")
            if self._pool is None:
                self._pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=_context(),
                                                    max_tasks_per_child=TASKS_PER_CHILD)
            return self._pool

    def _replace(self, pool: cf.ProcessPoolExecutor) -> None:
        """Drop `pool` (if it is still the current one; another thread may have replaced it already)."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        _kill(pool)


def _nothing() -> None:
    """Submitted to start a child (see `warm`)."""


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)  # read when the server starts; once started, it keeps its modules
    return ctx


def _kill(pool: cf.ProcessPoolExecutor) -> None:
    """Kill a pool's children and let it go. `shutdown` alone would wait for a spinning child forever."""
    kill_workers = getattr(pool, "kill_workers", None)  # Python 3.14+
    if kill_workers is not None:
        kill_workers()
    else:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
