"""Estimated model cost from the price table in settings (USD per million tokens: input, cached input,
output). `briefbot usage` and the `/metrics` cost counter both price usage rows here, so they agree.

Cached prompt tokens are billed at the cached rate and the rest of the prompt at the input rate. A model
missing from the table has no cost (None) rather than a wrong one.
"""

from __future__ import annotations

from collections.abc import Mapping


def price_for(model: str | None, prices: Mapping[str, tuple[float, float, float]]) -> tuple[float, float, float] | None:
    """The price of a model, or of the longest listed name it starts with ("gpt-4.1-mini-2025-04-14")."""
    if not model:
        return None
    if model in prices:
        return prices[model]
    matches = [name for name in prices if model.startswith(name)]
    return prices[max(matches, key=len)] if matches else None


def cost_usd(row: Mapping, prices: Mapping[str, tuple[float, float, float]]) -> float | None:
    price = price_for(row.get("model"), prices)
    if price is None:
        return None
    uncached = max(row["prompt_tokens"] - row["cached_tokens"], 0)
    return (uncached * price[0] + row["cached_tokens"] * price[1] + row["completion_tokens"] * price[2]) / 1e6
