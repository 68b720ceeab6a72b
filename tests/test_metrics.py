"""`GET /metrics` on the running bot, and the database-backed series on their own.

The bot runs for real (HTTP server, workers, fake Slack and article server on 127.0.0.1); the scrape is a
plain HTTP GET parsed with prometheus_client's own parser.
"""

from __future__ import annotations

import http.client
import urllib.parse

from prometheus_client.parser import text_string_to_metric_families

from bot.errors import ExtractionError, FetchError
from bot.metrics import Metrics, failure_reason
from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.fake_slack import fake_slack, slack_bot  # noqa: F401 - fixtures

PAGE = """<html><head><title>Water utility plans a new reservoir</title></head><body><article>
<h1>Water utility plans a new reservoir</h1>
<p>The regional water utility said on Monday that it plans to build a new reservoir north of the city, the
first in forty years, to cope with drier summers and a growing population.</p>
<p>A public hearing on the plan is scheduled for Thursday, October 30, and the utility's board will vote
on the budget in December if the hearing raises no objections.</p>
<p>Farmers in the valley said they welcomed the plan but wanted guarantees about how much water would be
left for irrigation during dry spells, when the river runs low.</p>
</article></body></html>"""


def scrape(url: str) -> tuple[str, dict[tuple[str, tuple], float]]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        body = resp.read().decode()
        assert resp.status == 200
        content_type = resp.getheader("Content-Type")
    finally:
        conn.close()
    return content_type, samples(body)


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_endpoint_counts_links_briefs_stages_failures_and_slack_errors(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    article_server.html("/reservoir", PAGE)
    article_server.route("/gone", b"not here", status=404)
    fake.fail("reactions.add", "too_many_reactions")  # the first :eyes: is refused

    good = events.message(f"<{article_server.url('/reservoir')}>")
    bad = events.message(f"<{article_server.url('/gone')}>")
    assert events.event(good).status == 200 and events.event(bad).status == 200
    fake.wait_for(lambda: len(fake.calls_to("reactions.add", name="white_check_mark")) == 1
                  and len(fake.calls_to("reactions.add", name="warning")) == 1)

    content_type, m = scrape(slack_bot.server.url)
    assert content_type.startswith("text/plain; version=0.0.4")
    assert m[("briefbot_links_received_total", (("kind", "posted_link"),))] == 2
    assert m[("briefbot_briefs_written_total", (("backend", "embedded"),))] == 1
    for stage in ("fetch", "extract", "brief", "post"):
        assert m[("briefbot_stage_seconds_count", (("stage", stage),))] >= 1, stage
    assert m[("briefbot_stage_seconds_count", (("stage", "fetch"),))] == 2  # the 404 was fetched too
    assert m[("briefbot_job_failures_total", (("reason", "fetch_error"),))] == 1
    assert m[("briefbot_slack_api_errors_total", (("error", "too_many_reactions"), ("method", "reactions.add")))] == 1
    assert m[("briefbot_queue_depth", ())] == 0
    assert m[("briefbot_queue_oldest_age_seconds", ())] == 0


def test_store_series_tokens_cost_digests_and_queue_age(services, clock):
    store = services.store
    metrics = Metrics(store, clock, {"gpt-4.1-mini": (0.40, 0.10, 1.60)})
    now = clock.utc_stamp()
    store.record_usage({"team": "T1", "kind": "brief", "model": "gpt-4.1-mini", "prompt_tokens": 1_000_000,
                        "completion_tokens": 500_000, "cached_tokens": 200_000, "day": now[:10], "created_at": now})
    store.record_usage({"team": "T1", "kind": "answer", "model": "local-llm", "prompt_tokens": 10,
                        "completion_tokens": 5, "cached_tokens": 0, "day": now[:10], "created_at": now})
    assert store.claim_digest(team="T1", channel="C1", local_date="2025-10-27", kind="scheduled", now=now)
    store.mark_digest_posted(channel="C1", local_date="2025-10-27", kind="scheduled", ts="1.1", now=now)
    store.enqueue_job({"team": "T1", "channel": "C1", "message_ts": "1.2", "kind": "posted_link",
                       "source": "https://example.org/x"}, now)
    clock.advance(seconds=90)

    m = samples(metrics.render().decode())
    key = (("kind", "brief"), ("model", "gpt-4.1-mini"))
    assert m[("briefbot_model_tokens_total", (*key, ("type", "prompt")))] == 1_000_000
    assert m[("briefbot_model_tokens_total", (*key, ("type", "completion")))] == 500_000
    # 800k uncached at 0.40, 200k cached at 0.10, 500k out at 1.60 (USD per million)
    assert abs(m[("briefbot_model_cost_usd_total", (("model", "gpt-4.1-mini"),))] - (0.32 + 0.02 + 0.80)) < 1e-9
    assert ("briefbot_model_cost_usd_total", (("model", "local-llm"),)) not in m  # unpriced: no made-up cost
    assert m[("briefbot_digests_posted_total", (("kind", "scheduled"),))] == 1
    assert m[("briefbot_queue_depth", ())] == 1
    assert m[("briefbot_queue_oldest_age_seconds", ())] == 90


def test_each_runtime_has_its_own_registry(services, clock):
    a, b = Metrics(services.store, clock, {}), Metrics(services.store, clock, {})
    a.count_links(["posted_link"])
    assert samples(a.render().decode())[("briefbot_links_received_total", (("kind", "posted_link"),))] == 1
    assert ("briefbot_links_received_total", (("kind", "posted_link"),)) not in samples(b.render().decode())


def test_failure_reasons_are_a_closed_set_never_the_message():
    assert failure_reason(FetchError("HTTP 404 at https://example.org/private?token=x")) == "fetch_error"
    assert failure_reason(ExtractionError("no text")) == "extraction_error"
    assert failure_reason(KeyError("https://example.org")) == "unexpected"
