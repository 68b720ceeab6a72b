"""The ingestor's between-stages hook: called after fetch, extraction and drafting of a new brief only."""

from __future__ import annotations

from bot.pipeline.ingest import Placement, Source
from tests.helpers.articles import ARTICLE


def test_between_stages_runs_three_times_for_a_new_article_and_never_for_a_reuse(services, article_server):
    article_server.html("/story", ARTICLE)
    calls: list[int] = []
    services.ingestor.between_stages = lambda: calls.append(article_server.count("/story"))
    url = article_server.url("/story")
    services.ingestor.ingest(Source("url", url, url), Placement(channel="C1"))
    assert calls == [1, 1, 1]  # each pause comes after the page was fetched
    services.ingestor.ingest(Source("url", url, url), Placement(channel="C2"))  # reuse: no fetch, no pause
    assert calls == [1, 1, 1] and article_server.count("/story") == 1
