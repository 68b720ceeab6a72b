"""Dense search keeps the privacy rule: `nearest_chunks` checks visibility by the article of each row (kept in
memory beside the matrix) against the briefs table, so a private channel's or DM's chunk is only found in
that conversation, nothing crosses teams, and briefs added or deleted after the matrix was loaded count."""

from __future__ import annotations

import numpy as np
import pytest

from storage import Store

NOW = "2025-10-27T08:00:00+00:00"
DIM = 128
MODEL = "test-model"


def unit(i: int) -> np.ndarray:
    """A vector near axis i, distinct per i."""
    v = np.full(DIM, 0.01, dtype=np.float32)
    v[i] = 1.0
    return v


def brief(store: Store, axis: int, *, team="T1", channel="C1", visibility="public", article_id=None) -> str:
    url = f"https://news.example/{axis}"
    article = {"id": article_id} if article_id else {"url": url, "content_hash": url, "title": f"A{axis}",
                                                     "text": f"text {axis}"}
    brief_id = store.save_brief(
        article=article,
        brief={"team": team, "channel": channel, "visibility": visibility, "tldr": f"about {axis}",
               "key_points": [], "open_questions": [], "backend": "embedded"},
        events=[], storylines=[], new_storylines=[], chunks=[f"chunk about {axis}"], usage=None, now=NOW,
    )
    if article_id is None:
        chunk = store._one("select c.id from chunks c join briefs b on b.article_id = c.article_id where b.id = ?",
                           [brief_id])["id"]
        store.save_chunk_vectors(MODEL, {chunk: unit(axis).astype("<f4").tobytes()}, DIM)
    return brief_id


def article_of(store: Store, brief_id: str) -> int:
    return store._one("select article_id from briefs where id = ?", [brief_id])["article_id"]


def seen(store: Store, team: str, channel: str, axis: int, k: int = 10) -> list[str]:
    return [row["brief_id"] for row in store.nearest_chunks(unit(axis), team, channel, k, model=MODEL)]


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "v.db")
    yield s
    s.close()


def test_private_dm_and_other_team_chunks_stay_in_their_conversation(store):
    public = brief(store, 1)
    private = brief(store, 2, channel="C2", visibility="private")
    dm = brief(store, 3, channel="D1", visibility="dm")
    other_team = brief(store, 4, team="T2")
    assert seen(store, "T1", "C1", 2) == [public]  # the nearest is private elsewhere: only what C1 may see
    assert set(seen(store, "T1", "C2", 2)) == {private, public} and seen(store, "T1", "C2", 2)[0] == private
    assert seen(store, "T1", "D1", 3)[0] == dm and other_team not in seen(store, "T1", "D1", 4)
    assert seen(store, "T2", "C9", 1) == [other_team]
    assert seen(store, "T3", "C1", 1) == []


def test_briefs_added_or_deleted_after_the_matrix_loaded_count_at_once(store):
    first = brief(store, 5, channel="C5", visibility="private")
    assert seen(store, "T1", "C6", 5) == []  # the matrix is loaded now
    again = brief(store, 0, channel="C6", visibility="private", article_id=article_of(store, first))
    assert seen(store, "T1", "C6", 5) == [again]  # same article, its own conversation's brief
    assert seen(store, "T1", "C5", 5) == [first]
    with store.write() as db:
        db.execute("delete from briefs where id = ?", [again])
    assert seen(store, "T1", "C6", 5) == []
