"""`briefbot usage`: model calls, tokens and an estimated cost, and where the daily budget cut in.

Cost is an estimate from the per-model price table in settings (USD per million tokens: input, cached
input, output; override with BRIEFBOT_PRICES). Cached prompt tokens are billed at the cached rate and
the rest of the prompt at the input rate. A model missing from the table shows no cost rather than a
wrong one.
"""

from __future__ import annotations

import datetime as dt

import click

from bot.cli.common import AppContext, echo_json, iso_date, pass_app
from bot.pricing import cost_usd, price_for  # noqa: F401 - price_for is part of this module's API


def usage_report(app: AppContext, since: dt.date | None) -> dict:
    """The report as data; `--json` prints exactly this."""
    store = app.services.store
    settings = app.settings
    since_iso = since.isoformat() if since else None
    models = []
    for row in store.usage_by_model(since_iso):
        models.append({**row, "cost_usd": _round(cost_usd(row, settings.prices))})
    totals = {k: sum(r[k] for r in models) for k in ("calls", "prompt_tokens", "cached_tokens", "completion_tokens")}
    priced = [r["cost_usd"] for r in models if r["cost_usd"] is not None]
    totals["cost_usd"] = _round(sum(priced)) if models else 0.0
    totals["unpriced_models"] = sorted({r["model"] or "?" for r in models if r["cost_usd"] is None})
    today = app.services.clock.now().astimezone(dt.UTC).date().isoformat()
    budget = settings.daily_token_budget
    teams_today = [
        {"team": r["team"], "tokens": r["tokens"], "spent": bool(budget) and r["tokens"] >= budget}
        for r in store.usage_by_team_day(today) if r["day"] == today
    ]
    return {
        "since": since_iso,
        "models": models,
        "totals": totals,
        "briefs_by_backend": {r["backend"]: r["briefs"] for r in store.briefs_by_backend(since_iso)},
        "by_day": store.usage_by_team_day(since_iso),
        "budget": {
            "daily_tokens": budget,
            "today": today,
            "teams_today": teams_today,
            "budget_fallbacks": store.budget_fallbacks_by_team_day(since_iso),
        },
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 8)


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.4f}"


def format_report(report: dict) -> str:
    lines = [f"Model usage {'since ' + report['since'] if report['since'] else 'all time'} (UTC days)"]
    if not report["models"]:
        lines.append("  no model calls recorded")
    else:
        lines.append(f"  {'model':<24} {'kind':<13} {'calls':>6} {'prompt':>10} {'cached':>10} "
                     f"{'completion':>11} {'est. cost':>11}")
        for r in report["models"]:
            lines.append(f"  {(r['model'] or '?'):<24} {r['kind']:<13} {r['calls']:>6,} {r['prompt_tokens']:>10,} "
                         f"{r['cached_tokens']:>10,} {r['completion_tokens']:>11,} {_money(r['cost_usd']):>11}")
        t = report["totals"]
        lines.append(f"  {'total':<24} {'':<13} {t['calls']:>6,} {t['prompt_tokens']:>10,} {t['cached_tokens']:>10,} "
                     f"{t['completion_tokens']:>11,} {_money(t['cost_usd']):>11}")
        if t["unpriced_models"]:
            lines.append(f"  no price for {', '.join(t['unpriced_models'])}: set BRIEFBOT_PRICES to include it")
    if report["briefs_by_backend"]:
        lines.append("Briefs by backend: " + " · ".join(f"{k} {v:,}" for k, v in report["briefs_by_backend"].items()))
    b = report["budget"]
    if b["daily_tokens"]:
        lines.append(f"Daily token budget: {b['daily_tokens']:,} tokens per team (UTC day {b['today']})")
        for t in b["teams_today"]:
            state = ("spent: new briefs use the embedded backend until 00:00 UTC" if t["spent"]
                     else f"{b['daily_tokens'] - t['tokens']:,} left")
            lines.append(f"  {t['team'] or '(no team)'}: {t['tokens']:,} used today, {state}")
    else:
        lines.append("Daily token budget: unlimited (set BRIEFBOT_DAILY_TOKEN_BUDGET to cap it)")
    for f in b["budget_fallbacks"]:
        plural = "s" if f["briefs"] != 1 else ""
        lines.append(f"  {f['day']} {f['team'] or '(no team)'}: {f['briefs']:,} brief{plural} written by the embedded "
                     "backend after the budget was spent")
    return "\n".join(lines)


def register(cli: click.Group) -> None:
    @cli.command(short_help="Model calls, tokens and estimated cost.")
    @click.option("--since", callback=iso_date, help="Only usage from this UTC day on (YYYY-MM-DD).")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @pass_app
    def usage(app: AppContext, since: dt.date | None, as_json: bool) -> None:
        """Model calls, tokens and estimated cost; briefs per backend; the daily budget."""
        report = usage_report(app, since)
        if as_json:
            echo_json(report)
        else:
            click.echo(format_report(report))
