"""waitress, hardened for a bot on the open internet: a status for every malformed request, a deadline
for slow ones, and a thread of its own for the health check.

waitress (not cheroot, not uvicorn) because its design already holds most of the line: one I/O thread
reads every connection without blocking and hands a request to the worker pool only once it is complete
(headers and body buffered, the body capped, chunked bodies decoded and capped too), so idle or slow
clients cost a socket, not a thread; `Content-Length` must be digits (a negative or non-numeric one is a
400) and a request without one has no body. cheroot reads a request on the worker thread that serves it,
so 50 slow clients hold 50 workers; uvicorn would mean bolt's async app and a second code path.

What waitress lacks is added here, by subclassing its parser, server and task dispatcher:
- a deadline for a whole request (`request_timeout`, from its first byte): waitress only closes a
  connection that has been *silent* for `channel_timeout`, so a client sending a header byte every few
  seconds (slowloris) would hold its connection forever. Past the deadline it gets a 408 and is closed;
- 414 for a request line longer than `MAX_REQUEST_LINE` (waitress would read on up to the header cap);
- 400 at once for bytes that cannot start an HTTP request (TLS, binary), rather than waiting for more;
- a dedicated thread for the fast GET routes (`/healthz`), so a health check never queues behind bolt
  requests in the worker pool.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher
from waitress.utilities import BadRequest, Error

log = logging.getLogger(__name__)

MAX_REQUEST_LINE = 8 * 1024
MAX_HEADER_BYTES = 16 * 1024  # request line and headers; more is a 431
METHOD_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class URITooLong(Error):
    code = 414
    reason = "URI Too Long"


class RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


class StrictParser(HTTPRequestParser):
    """waitress's parser, plus the start time of the request and two early refusals (414, non-HTTP)."""

    def __init__(self, adj):
        super().__init__(adj)
        self.started = time.monotonic()

    def received(self, data):
        if self.completed or self.body_rcv is not None or self.headers_finished:
            return super().received(data)
        head = (self.header_plus + data).lstrip(b"\r\n")
        if head and head[0] not in METHOD_START:
            return self.refuse(BadRequest("not an HTTP request"), len(data))
        if b"\r\n" not in head[: MAX_REQUEST_LINE + 2] and len(head) > MAX_REQUEST_LINE:
            return self.refuse(URITooLong(f"request line longer than {MAX_REQUEST_LINE} bytes"), len(data))
        return super().received(data)

    def refuse(self, error: Error, consumed: int) -> int:
        self.header_plus = b""
        self.parse_header(b"GET / HTTP/1.0\r\n")  # what waitress's own error path gives the error task
        self.error = error
        self.completed = True
        self.headers_finished = True
        return consumed


class GuardedChannel(HTTPChannel):
    parser_class = StrictParser


class HealthFirstDispatcher(ThreadedTaskDispatcher):
    """waitress's worker pool, except that GET requests for `fast_paths` go to a thread of their own."""

    def __init__(self, fast_paths: set[str]):
        super().__init__()
        self.fast_paths = fast_paths
        self._fast: queue.SimpleQueue = queue.SimpleQueue()
        self._fast_thread = threading.Thread(target=self._serve_fast, daemon=True, name="http-health")
        self._fast_thread.start()

    def add_task(self, task) -> None:
        requests = getattr(task, "requests", None)
        head = requests[0] if requests else None
        if (head is not None and head.error is None and getattr(head, "command", "") in ("GET", "HEAD")
                and head.path in self.fast_paths):
            self._fast.put(task)
            return
        super().add_task(task)

    def _serve_fast(self) -> None:
        while True:
            task = self._fast.get()
            if task is None:
                return
            try:
                task.service()
            except BaseException:  # noqa: BLE001 - one failed health answer must not end the thread
                log.warning("a health request failed", exc_info=log.isEnabledFor(logging.DEBUG))

    def shutdown(self, cancel_pending=True, timeout=5):
        self._fast.put(None)
        self._fast_thread.join(timeout)
        return super().shutdown(cancel_pending=cancel_pending, timeout=timeout)


class GuardedServer(TcpWSGIServer):
    """A TcpWSGIServer whose maintenance (run on the I/O thread every `cleanup_interval`) also answers
    requests that have been arriving for longer than `request_timeout` with a 408."""

    channel_class = GuardedChannel
    request_timeout = 10.0

    def maintenance(self, now):
        deadline = time.monotonic() - self.request_timeout
        for channel in list(self.active_channels.values()):
            partial = channel.request
            if partial is None or partial.completed or channel.requests or partial.started > deadline:
                continue
            with channel.requests_lock:
                if channel.request is not partial or channel.requests:
                    continue
                channel.request = None
                partial.close()
                late = StrictParser(self.adj)
                late.refuse(RequestTimeout(f"request not received within {self.request_timeout:g} s"), 0)
                channel.requests.append(late)
                self.add_task(channel)
        super().maintenance(now)


def build_server(wsgi_app, host: str, port: int, *, threads: int, connection_limit: int, timeout: float,
                 max_body: int, fast_paths: set[str]) -> GuardedServer:
    """A listening server (not yet running: call `.run()` on a thread of its own)."""
    adj = Adjustments(
        host=host, port=port, threads=threads, connection_limit=connection_limit,
        channel_timeout=timeout, cleanup_interval=1, asyncore_loop_timeout=1, asyncore_use_poll=True,
        max_request_header_size=MAX_HEADER_BYTES, max_request_body_size=max_body + 1,
        ident="briefbot", expose_tracebacks=False, log_socket_errors=False, backlog=1024,
    )
    # waitress warns "Task queue depth is N" for every request that waits for a worker: one line per ack
    # during a burst of Slack events, which is the normal case the pool is sized for.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    dispatcher = HealthFirstDispatcher(fast_paths)
    dispatcher.set_thread_count(threads)
    server = GuardedServer(wsgi_app, map={}, dispatcher=dispatcher, adj=adj, sockinfo=adj.listen[0])
    server.request_timeout = timeout
    return server
