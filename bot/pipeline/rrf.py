"""Reciprocal-rank fusion: several rankings of the same items into one, without comparing their scores.

BM25 scores and cosine similarities live on different scales; RRF uses only positions. Each item scores
sum(1 / (K + rank)) over the rankings it appears in (rank from 1), so an item near the top of either
ranking rises, and one that both rank well rises most. K = 60 is the constant of the original paper
(Cormack, Clarke and Buettcher, 2009): large enough that the first few places of one list do not
drown out agreement between lists.

A ranking can be given a weight: its terms are multiplied by it. Weight 0 makes a ranking a filler: its
items that no other ranking holds come after all the others, in its order (a weak dense model's nearest
chunks then answer only what the words found nothing for, see `embeddings.LocalEmbedder`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

K = 60


def fuse(rankings: Sequence[Sequence[Hashable]], k: int = K, weights: Sequence[float] | None = None) -> list:
    """Items of all `rankings` (each best first), best fused first; ties keep first-seen order."""
    scores: dict[Hashable, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: i for i, item in enumerate(dict.fromkeys(x for r in rankings for x in r))}
    return sorted(scores, key=lambda item: (-scores[item], order[item]))
