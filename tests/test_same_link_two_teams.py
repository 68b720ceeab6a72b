"""Two workspaces brief the same link at the same moment: each worker fetched the page before the other
stored it, so both hand `save_brief` a new article with the same URL. The second save reuses the row the
first one wrote instead of failing on the unique URL (which sent the job into a retry with a traceback)."""

from __future__ import annotations

URL = "https://news.example.org/2025/10/rates"


def _draft(team: str, channel: str) -> dict:
    return {"team": team, "channel": channel, "visibility": "public", "tldr": "Rates stay where they are.",
            "key_points": ["Rates unchanged"], "open_questions": [], "entities": [], "backend": "embedded"}


def test_second_save_of_the_same_url_reuses_the_article(services, clock):
    store, now = services.store, clock.utc_stamp()
    article = {"url": URL, "content_hash": "abc", "title": "Rates", "text": "Rates stay where they are."}
    common = {"events": [], "storylines": [], "new_storylines": [], "chunks": ["Rates stay where they are."],
              "usage": None, "now": now}
    first = store.save_brief(article=dict(article), brief=_draft("T0ALPHA", "C1"), **common)
    second = store.save_brief(article=dict(article), brief=_draft("T0BETA", "C2"), **common)
    assert first != second
    assert store._one("select count(*) as n from articles")["n"] == 1
    assert store._one("select count(*) as n from chunks")["n"] == 1  # the chunks are not stored twice
    assert {store.get_brief(b)["team"] for b in (first, second)} == {"T0ALPHA", "T0BETA"}
