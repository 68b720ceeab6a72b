"""Builds the object graph (store, backend, fetcher policy, clock, ingestor) from Settings.

Nothing is global: the CLI, the Slack app and tests each build their own `Services`, so a test can point
everything at a temporary database, a fixed clock and local servers.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.backends.embedded import EmbeddedBackend
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.pipeline.backend import Backend
from bot.pipeline.fetch import FetchPolicy
from bot.pipeline.ingest import Ingestor, PageReader
from storage import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    backend: Backend
    fetch_policy: FetchPolicy
    clock: Clock
    ingestor: Ingestor = field(init=False)

    def __post_init__(self) -> None:
        self.ingestor = self.new_ingestor()

    def new_ingestor(self, between_stages: Callable[[], object] | None = None,
                     on_stage: Callable[[str, float], object] | None = None,
                     page_reader: PageReader | None = None) -> Ingestor:
        """An ingestor on these services. The Slack workers get their own, which calls `between_stages`
        between the stages of a new brief to let a burst of acks go first, `on_stage` with each stage's
        duration (their metrics), and reads pages with `page_reader` (in child processes)."""
        return Ingestor(self.store, self.backend, self.fetch_policy, self.clock, self.settings.timezone,
                        between_stages=between_stages, on_stage=on_stage, page_reader=page_reader)

    def today(self) -> dt.date:
        return self.clock.now().astimezone(zoneinfo.ZoneInfo(self.settings.timezone)).date()

    def close(self) -> None:
        self.store.close()


def fetch_policy_from(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        connect_timeout=settings.fetch_connect_timeout,
        total_timeout=settings.fetch_total_timeout,
        max_bytes=settings.fetch_max_bytes,
        allow=settings.fetch_allow,
    )


def build_backend(settings: Settings, store: Store, clock: Clock) -> Backend:
    if settings.backend == "openai":
        from bot.backends.openai import OpenAIBackend

        return OpenAIBackend(settings, store=store, clock=clock)
    backend = EmbeddedBackend()
    if settings.embedding_path:
        from bot.pipeline.embeddings import LocalEmbedder

        backend.embedder = LocalEmbedder(settings.embedding_path)
    return backend


def build_services(settings: Settings, clock: Clock | None = None, db_path: str | None = None) -> Services:
    clock = clock or SystemClock()
    store = Store(db_path or settings.db_path)
    return Services(
        settings=settings,
        store=store,
        backend=build_backend(settings, store, clock),
        fetch_policy=fetch_policy_from(settings),
        clock=clock,
    )
