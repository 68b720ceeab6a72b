"""Big pages are cut to what a brief needs (issue 14, finding 9); time and memory are in
bench/big_page_bench.py, here is what the cuts keep and say."""

from __future__ import annotations

import json

from bot.pipeline.extract import MAX_TEXT_CHARS, extract_html, slim_html
from bot.pipeline.ingest import Placement, Source

PARAGRAPH = ("The regional water board said on Monday that repairs to lock {n} would start in the spring and "
             "cost about {n} million euros, and that the work would be finished before the winter storms.")


def _page(paragraphs: int, script_mb: float = 0.0) -> str:
    blob = json.dumps({"items": ["x" * 1000] * int(script_mb * 1000)})
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "datePublished": "2025-10-20",
                     "author": {"@type": "Person", "name": "City desk"}})
    body = "".join(f"<p>{PARAGRAPH.format(n=i)}</p>\n" for i in range(paragraphs))
    icons = '<path d="M0 0"/>' * 20000
    return (f'<html lang="en"><head><title>Water board plans lock repairs</title>'
            f'<script type="application/ld+json">{ld}</script><style>{"p{margin:0}" * 20000}</style>'
            f"<script>window.__STATE__={blob};</script></head><body><svg>{icons}</svg>"
            f"<article><h1>Water board plans lock repairs</h1>{body}</article></body></html>")


def test_scripts_styles_and_svg_are_dropped_before_parsing_but_json_ld_stays():
    html = _page(30, script_mb=3)
    slim = slim_html(html)
    assert len(slim) < 60_000 < 3_000_000 < len(html)
    assert "application/ld+json" in slim and "__STATE__" not in slim and "<svg" not in slim
    article = extract_html(html, url="https://water.example.com/locks")
    assert article.published is not None and article.published.isoformat() == "2025-10-20"  # from JSON-LD
    assert "lock 29 would start" in article.text and not article.cut


def test_text_past_the_cap_is_cut_at_a_paragraph_and_the_brief_says_so(services, article_server):
    html = _page(1500)  # ≈ 300k characters of article text
    article = extract_html(html, url="https://water.example.com/locks")
    assert article.cut and MAX_TEXT_CHARS - 1000 < len(article.text) <= MAX_TEXT_CHARS
    assert article.text.endswith("winter storms.")

    article_server.html("/locks", html)
    result = services.ingestor.ingest(Source.parse(article_server.url("/locks")), Placement(channel="C1"))
    brief = services.store.get_brief(result.brief_id)
    notes = " ".join(brief["notes"])
    assert "left out" in notes and "brief drawn from the first" in notes
    stored = services.store.article_text_of_brief(result.brief_id)["text"]
    assert len(stored) <= MAX_TEXT_CHARS
    assert brief["key_points"]  # briefed from the opening of the text
