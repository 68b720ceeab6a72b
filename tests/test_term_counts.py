"""`chunk_terms` (m008): the per-term row counts of `chunk_search`, kept by triggers, must always equal what
FTS5 itself counts (fts5vocab) — after inserts, a reused article, re-briefs, deletes, a team purge, and
after the migration fills it on a store that already holds briefs."""

from __future__ import annotations

from storage import Store
from storage.migrations import m008_chunk_term_counts
from tests.helpers.store_peek import migrated_until

NOW = "2025-10-27T08:00:00+00:00"
RATES = "The central bank raised rates again. Rates rose as officials watched U.S. inflation."
SOY = "Soybean farmers exported more soybeans. The harvest was early; prices rates fell."


def fts_counts(store: Store) -> dict[str, int]:
    """Rows of chunk_search holding each term, as FTS5 counts them (walking every doclist)."""
    store.db.execute("create virtual table if not exists temp.check_v using fts5vocab(main, chunk_search, 'row')")
    return {r["term"]: r["doc"] for r in store._query("select term, doc from temp.check_v")}


def kept_counts(store: Store) -> dict[str, int]:
    return {r["term"]: r["chunks"] for r in store._query("select term, chunks from chunk_terms")}


def save(store: Store, chunks: list[str], *, team="T1", channel="C1", visibility="public", article_id=None,
         url=None) -> str:
    article = {"id": article_id} if article_id else {"url": url, "content_hash": url, "title": "t", "text": " ".join(chunks)}
    return store.save_brief(
        article=article,
        brief={"team": team, "channel": channel, "visibility": visibility, "tldr": "A brief",
               "key_points": [], "open_questions": [], "backend": "embedded"},
        events=[], storylines=[], new_storylines=[], chunks=chunks, usage=None, now=NOW,
    )


def article_of(store: Store, brief_id: str) -> int:
    return store._one("select article_id from briefs where id = ?", [brief_id])["article_id"]


def test_counts_follow_inserts_a_reused_article_rebriefs_and_deletes(tmp_path):
    store = Store(tmp_path / "t.db")
    first = save(store, [RATES, SOY], url="https://news.example/a")
    save(store, [RATES], team="T2", channel="C9", visibility="private", url="https://news.example/b")
    again = save(store, [], channel="C2", visibility="dm", article_id=article_of(store, first))  # same article
    assert kept_counts(store) == fts_counts(store)
    counts, total = store.term_frequencies(["rates", "soybeans", "U.S.", "absent"])
    assert total == 5
    assert counts == {"rates": 5, "soybeans": 2, "U.S.": 3, "absent": 0}  # "U.S." counts as its rarer part

    store.replace_brief_content(first, brief={"tldr": "Soybeans everywhere", "key_points": ["rates"]},
                                events=[], usage=None, now=NOW)
    assert kept_counts(store) == fts_counts(store)

    with store.write() as db:
        db.execute("delete from briefs where id = ?", [again])
    assert kept_counts(store) == fts_counts(store)
    assert store.term_frequencies(["soybeans"])[0] == {"soybeans": 1}  # read fresh, not from a cache

    store.purge_team("T1")
    assert kept_counts(store) == fts_counts(store)
    assert "soybean" not in kept_counts(store)  # a term no row holds any more is gone
    assert store.term_frequencies(["rates", "soybeans"])[0] == {"rates": 1, "soybeans": 0}
    store.close()


def test_the_migration_counts_a_store_that_already_holds_briefs(tmp_path):
    path = tmp_path / "old.db"
    db = migrated_until(path, m008_chunk_term_counts, NOW)
    db["articles"].insert({"id": 1, "url": "https://news.example/a", "content_hash": "a", "text": RATES})
    db["chunks"].insert_all([{"article_id": 1, "n": 0, "text": RATES}, {"article_id": 1, "n": 1, "text": SOY}])
    for n, channel in [(1, "C1"), (2, "C2")]:
        db["briefs"].insert({"n": n, "id": f"B{n}", "article_id": 1, "team": "T1", "channel": channel,
                             "visibility": "private", "tldr": "x", "backend": "embedded", "created_at": NOW})
    db.conn.commit()
    db.close()

    store = Store(path)  # applies m008, which counts the four chunk_search rows already there
    assert kept_counts(store) == fts_counts(store)
    assert store.term_frequencies(["soybeans"])[0] == {"soybeans": 2}
    save(store, [SOY], url="https://news.example/b")  # and the triggers keep counting from there
    assert kept_counts(store) == fts_counts(store)
    assert store.term_frequencies(["soybeans"])[0] == {"soybeans": 3}
    store.close()
