"""`briefbot usage` and `briefbot rebrief` from the command line, on a real database fed through the stub."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.cli.usage import cost_usd, price_for
from bot.config import DEFAULT_PRICES
from bot.pipeline.ingest import Placement, Source
from bot.services import build_services
from tests.helpers.openai_stub import OpenAIStub
from tests.helpers.store_peek import usage_rows

SAMPLES = Path(__file__).resolve().parents[1] / "bot" / "samples"


def ingest(svc, name: str, published: dt.date, team: str = "T1", channel: str = "C1"):
    path = SAMPLES / name
    result = svc.ingestor.ingest(Source("file", str(path), name), Placement(team=team, channel=channel),
                                 published=published)
    return svc.store.get_brief(result.brief_id)


@pytest.fixture
def openai_stub():
    """The OpenAI-compatible stub on 127.0.0.1 (see tests/helpers/openai_stub.py)."""
    stub = OpenAIStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def cli_env(tmp_path, monkeypatch, openai_stub):
    monkeypatch.chdir(tmp_path)  # no stray .env
    return {"BRIEFBOT_DB": str(tmp_path / "briefbot.db"), "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": openai_stub.base_url, "BRIEFBOT_DAILY_TOKEN_BUDGET": "2500"}


@pytest.fixture
def filled(settings, openai_stub, clock, cli_env):
    """Two model briefs, one fallback, two over budget (one reused in another team): a busy day."""
    capped = dataclasses.replace(settings, db_path=cli_env["BRIEFBOT_DB"], backend="openai", openai_api_key="sk-test",
                                 openai_base_url=openai_stub.base_url, daily_token_budget=2500)
    svc = build_services(capped, clock=clock)
    try:
        ingest(svc, "fed-decision-preview.md", dt.date(2025, 10, 24))
        openai_stub.push("500", "500", "500")
        ingest(svc, "japan-fiscal-plans.md", dt.date(2025, 10, 28))  # fallback: no tokens billed
        ingest(svc, "us-china-trade-talks.md", dt.date(2025, 10, 27))  # pushes T1 over 2,500 tokens
        ingest(svc, "markets-week-ahead.md", dt.date(2025, 10, 27))  # over budget: embedded
        ingest(svc, "markets-week-ahead.md", dt.date(2025, 10, 27), team="T2", channel="C2")  # reused, free
        rows = usage_rows(svc.store)
    finally:
        svc.close()
    return rows


def test_usage_json_sums_calls_tokens_and_cost(filled, cli_env):
    result = CliRunner().invoke(cli, ["usage", "--json"], env=cli_env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(filled) == 2  # two model briefs; the fallback and the budget brief cost nothing
    totals = report["totals"]
    assert totals["calls"] == 2
    assert totals["prompt_tokens"] == sum(r["prompt_tokens"] for r in filled)
    assert totals["completion_tokens"] == sum(r["completion_tokens"] for r in filled)
    inp, cached, out = DEFAULT_PRICES["gpt-4.1-mini"]
    expected = sum((r["prompt_tokens"] - r["cached_tokens"]) * inp + r["cached_tokens"] * cached
                   + r["completion_tokens"] * out for r in filled) / 1e6
    assert totals["cost_usd"] == pytest.approx(expected, abs=1e-8)
    assert [(m["model"], m["kind"], m["calls"]) for m in report["models"]] == [("gpt-4.1-mini", "brief", 2)]
    assert report["briefs_by_backend"] == {"openai": 2, "embedded (budget)": 2, "embedded (fallback)": 1}
    assert report["budget"]["daily_tokens"] == 2500
    assert report["budget"]["budget_fallbacks"] == [
        {"team": "T1", "day": "2025-10-27", "briefs": 1}, {"team": "T2", "day": "2025-10-27", "briefs": 1}
    ]


def test_usage_text_report_shows_the_budget_cut(filled, cli_env):
    result = CliRunner().invoke(cli, ["usage", "--since", "2025-10-01"], env=cli_env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Model usage since 2025-10-01" in out and "gpt-4.1-mini" in out and "$0.00" in out
    assert "embedded (budget) 2" in out and "embedded (fallback) 1" in out
    assert "2025-10-27 T1: 1 brief written by the embedded backend after the budget was spent" in out


def test_usage_since_a_later_day_is_empty(filled, cli_env):
    result = CliRunner().invoke(cli, ["usage", "--since", "2025-11-01", "--json"], env=cli_env)
    report = json.loads(result.output)
    assert report["totals"]["calls"] == 0 and report["models"] == [] and report["briefs_by_backend"] == {}


def test_prices_match_dated_model_names_and_leave_unknown_ones_unpriced():
    assert price_for("gpt-4.1-mini-2025-04-14", DEFAULT_PRICES) == DEFAULT_PRICES["gpt-4.1-mini"]
    assert price_for("gpt-4.1-2025-04-14", DEFAULT_PRICES) == DEFAULT_PRICES["gpt-4.1"]
    row = {"model": "llama3.1", "prompt_tokens": 1000, "cached_tokens": 0, "completion_tokens": 10}
    assert cost_usd(row, DEFAULT_PRICES) is None


def test_rebrief_cli_redoes_a_fallback_brief(settings, openai_stub, clock, cli_env):
    svc = build_services(dataclasses.replace(settings, db_path=cli_env["BRIEFBOT_DB"], backend="openai",
                                             openai_api_key="sk-test", openai_base_url=openai_stub.base_url),
                         clock=clock)
    openai_stub.default = "500"
    try:
        brief_id = ingest(svc, "fed-decision-preview.md", dt.date(2025, 10, 24))["id"]
    finally:
        svc.close()
    env = {k: v for k, v in cli_env.items() if k != "BRIEFBOT_DAILY_TOKEN_BUDGET"}

    failed = CliRunner().invoke(cli, ["rebrief", brief_id], env=env)
    assert failed.exit_code == 1 and "embedded (fallback) backend again" in failed.output

    openai_stub.default = "ok"
    done = CliRunner().invoke(cli, ["rebrief", brief_id.lower(), "--json"], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["backend"] == "openai"

    embedded = CliRunner().invoke(cli, ["rebrief", brief_id], env={**env, "BRIEFBOT_BACKEND": "embedded"})
    assert embedded.exit_code == 1 and "no model is configured" in embedded.output
