"""The tagger's prefilter skips a rule only when that rule cannot match: checked on every test text.

`find_times` skips rules whose trigger words are absent from the text (a speed-up); a wrong trigger list
would silently drop mentions, so every rule that is skipped for a text must find nothing in it.
"""

from __future__ import annotations

from pathlib import Path

from bot.pipeline import timex

ROOT = Path(__file__).resolve().parents[1]


def _texts() -> list[str]:
    texts = [p.read_text() for p in sorted((ROOT / "bot" / "samples").glob("*.md"))]
    texts += [p.read_text() for p in sorted((ROOT / "tests" / "fixtures").rglob("*.md"))]
    texts.append((ROOT / "tests" / "fixtures" / "week_ahead_monday.txt").read_text())
    texts += [
        "The Fed meets at 2 p.m. ET on Wednesday; the BoJ decides on Thu., Oct. 30, 2025 at 12:00 JST.",
        "Results are due in the fourth quarter of 2025, or in Q1 2026 at the latest, said the CEO in May.",
        "Talks resume mid-December, after the summer recess and before next spring; last year they stalled.",
        "Prices rose 40% in 2024 and may rise again; we march on, the minister said on 10/29/2025 at noon.",
    ]
    pieces = []
    for text in texts:
        pieces.append(text)
        pieces += text.splitlines()
        pieces += [text[i:i + 200] for i in range(0, len(text), 97)]
    return pieces


def test_skipped_rules_never_match():
    texts = _texts()
    assert len(texts) > 500
    skipped = missed = 0
    for text in texts:
        active = {i for i, _, _ in timex._active_rules(text)}
        for i, (rx, _) in enumerate(timex._RULES):
            if i in active:
                continue
            skipped += 1
            if rx.search(text):
                missed += 1
    assert skipped > 0  # the prefilter really skips rules on these texts
    assert missed == 0
