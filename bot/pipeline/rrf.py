"""Reciprocal-rank fusion: several rankings of the same items into one, without comparing their scores.

BM25 scores and cosine similarities live on different scales; RRF uses only positions. Each item scores
sum(1 / (K + rank)) over the rankings it appears in (rank from 1), so an item near the top of either
ranking rises, and one that both rank well rises most. K = 60 is the constant of the original paper
(Cormack, Clarke and Buettcher, 2009): large enough that the first few places of one list do not
drown out agreement between lists.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

K = 60


def fuse(rankings: Sequence[Sequence[Hashable]], k: int = K) -> list:
    """Items of all `rankings` (each best first), best fused first; ties keep first-seen order."""
    scores: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: i for i, item in enumerate(dict.fromkeys(x for r in rankings for x in r))}
    return sorted(scores, key=lambda item: (-scores[item], order[item]))
