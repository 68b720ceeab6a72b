"""`GET /metrics`: what an operator watches, in Prometheus' text format, one registry per running bot.

Two sources, chosen by what survives a restart:

- Counted in this process as it happens (reset on restart, as Prometheus expects of counters): links
  received, stage latencies (fetch, extract, brief, post), job failures by reason, Slack API errors by
  method. The pipeline knows nothing of this: the ingestor calls a plain `on_stage(name, seconds)` hook,
  the Web API client is wrapped (`instrument_client`), the worker's handler and failure callback are
  wrapped (`count_failures`).
- Read from the database at each scrape, so they hold across restarts and count work done by any process
  on the file (a CLI ingest too): briefs written by backend, model tokens and estimated cost, digests
  posted, queue depth and the oldest queued job's age. `briefbot team purge` lowers them; Prometheus
  reads a drop in a counter as a reset, so `rate()` and `increase()` stay right.

A registry per `Metrics` (never prometheus_client's global one) keeps tests and two bots in one process
apart.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.clock import Clock
from bot.errors import BriefbotError
from bot.pricing import cost_usd

STAGES = ("fetch", "extract", "brief", "post")
# Seconds: a fetch or a model call can take tens of seconds, a post well under one.
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120)
# The text format every Prometheus version reads (generate_latest writes it; newer clients label it 1.0.0).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def failure_reason(err: BaseException) -> str:
    """A small fixed set of label values: the error's type for ours (fetch_error, extraction_error, …),
    `slack_unavailable` or `unexpected` for the rest. Never the message (it can hold a URL)."""
    name = type(err).__name__
    if isinstance(err, BriefbotError) or name == "SlackUnavailable":
        return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return "unexpected"


class _StoreCollector:
    """The database-backed series, read at scrape time."""

    def __init__(self, store, clock: Clock, prices):
        self.store, self.clock, self.prices = store, clock, prices

    def collect(self) -> Iterable[Metric]:
        briefs = CounterMetricFamily("briefbot_briefs_written", "Briefs written, by the backend that wrote them.",
                                     labels=["backend"])
        for row in self.store.briefs_by_backend():
            briefs.add_metric([row["backend"]], row["briefs"])
        yield briefs

        tokens = CounterMetricFamily("briefbot_model_tokens", "Model tokens used, by model, call kind and "
                                     "token type (prompt includes cached).", labels=["model", "kind", "type"])
        cost = CounterMetricFamily("briefbot_model_cost_usd", "Estimated model cost in USD from the price "
                                   "table (BRIEFBOT_PRICES), by model; unpriced models are absent.",
                                   labels=["model"])
        per_model: dict[str, float] = {}
        for row in self.store.usage_by_model():
            model = row["model"] or "unknown"
            for kind in ("prompt", "cached", "completion"):
                tokens.add_metric([model, row["kind"] or "unknown", kind], row[f"{kind}_tokens"])
            usd = cost_usd(row, self.prices)
            if usd is not None:
                per_model[model] = per_model.get(model, 0.0) + usd
        for model, usd in sorted(per_model.items()):
            cost.add_metric([model], usd)
        yield tokens
        yield cost

        digests = CounterMetricFamily("briefbot_digests_posted", "Digests posted, by kind (scheduled | manual).",
                                      labels=["kind"])
        for kind, n in sorted(self.store.digests_posted_by_kind().items()):
            digests.add_metric([kind], n)
        yield digests

        queue = self.store.queue_stats()
        yield GaugeMetricFamily("briefbot_queue_depth", "Jobs queued and not yet taken by a worker.",
                                value=queue["depth"])
        age = 0.0
        if queue["oldest"]:
            oldest = dt.datetime.fromisoformat(queue["oldest"])
            age = max(0.0, (self.clock.now() - oldest).total_seconds())
        yield GaugeMetricFamily("briefbot_queue_oldest_age_seconds", "Age of the oldest queued job (0 when "
                                "none waits).", value=age)


class Metrics:
    def __init__(self, store, clock: Clock, prices) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.links_received = Counter("briefbot_links_received", "Links accepted from Slack (one job each), by "
                                      "how they came: posted_link | command_link | shortcut_link.", ["kind"],
                                      registry=r)
        self.stage_seconds = Histogram("briefbot_stage_seconds", "Latency of each stage of a brief: fetch, "
                                       "extract, brief (the backend), post (chat.postMessage).", ["stage"],
                                       buckets=BUCKETS, registry=r)
        self.job_failures = Counter("briefbot_job_failures", "Jobs that failed for good (the user was told), by "
                                    "reason.", ["reason"], registry=r)
        self.slack_errors = Counter("briefbot_slack_api_errors", "Slack Web API calls that failed after "
                                    "retries, by method and Slack's error code.", ["method", "error"], registry=r)
        r.register(_StoreCollector(store, clock, prices))
        self._last_error: dict[int, str] = {}  # job id -> reason of its latest failed attempt
        self._lock = threading.Lock()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    # -- hooks ----------------------------------------------------------------------------------------

    def observe_stage(self, stage: str, seconds: float) -> None:
        self.stage_seconds.labels(stage).observe(seconds)

    def count_links(self, kinds: Iterable[str]) -> None:
        for kind in kinds:
            self.links_received.labels(kind).inc()

    def instrument_client(self, client):
        """Wrap a WebClient's `api_call`: time `chat.postMessage` (the post stage) and count failures by
        method. Returns the same client."""
        api_call = client.api_call

        def measured_api_call(api_method: str, *args, **kwargs):
            started = time.perf_counter()
            try:
                return api_call(api_method, *args, **kwargs)
            except Exception as err:
                response = getattr(err, "response", None)
                code = response.get("error") if response is not None else None
                self.slack_errors.labels(api_method, str(code or type(err).__name__)).inc()
                raise
            finally:
                if api_method == "chat.postMessage":
                    self.observe_stage("post", time.perf_counter() - started)

        client.api_call = measured_api_call
        return client

    def count_failures(self, handler: Callable[[dict], object], on_failed: Callable[[dict, str], None]):
        """The worker's handler and failure callback, wrapped: an attempt's exception type is kept, and
        counted under it when the job fails for good (`interrupted` when a crash left it running)."""

        def handle(row: dict):
            try:
                result = handler(row)
            except BaseException as err:
                with self._lock:
                    self._last_error[row.get("id")] = failure_reason(err)
                raise
            with self._lock:
                self._last_error.pop(row.get("id"), None)
            return result

        def failed(row: dict, reason: str) -> None:
            on_failed(row, reason)  # when Slack can't take the error reply this raises: the job waits, uncounted
            with self._lock:
                label = self._last_error.pop(row.get("id"), "interrupted")
            self.job_failures.labels(label).inc()

        return handle, failed
