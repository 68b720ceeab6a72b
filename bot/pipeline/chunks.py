"""Paragraph-sized chunks of article text for retrieval.

Short paragraphs (one-line quotes, subheadings) are merged with their neighbours so each chunk carries
enough words to be found and quoted; very long paragraphs are split at sentence boundaries. Paragraphs
stay on their own lines, so a short line is never read as the start of the next sentence. Subheadings
are left out, but a short line holding a figure ("VIP: 60,000 won", "Tue–Sat 4pm") is a fact, kept.
"""

from __future__ import annotations

from bot.pipeline.sentences import paragraphs, split_sentences

MIN_WORDS = 40
MAX_WORDS = 180
HEADING_WORDS = 10


def _is_heading(para: str, words: int) -> bool:
    if any(ch.isdigit() for ch in para):
        return False  # a price, a time, a score: a fact on a line of its own, not a heading
    return words <= HEADING_WORDS and not para.rstrip().endswith((".", "!", "?", ":", '"', "”", "’", "'"))


def chunk_text(text: str) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    words = 0
    for _, para in paragraphs(text):
        para = para.strip()
        n = len(para.split())
        if _is_heading(para, n):
            continue  # a subheading glued to the next paragraph would read as part of its first sentence
        if n > MAX_WORDS:
            for sentence in split_sentences(para):
                current.append(sentence.text)
                words += len(sentence.text.split())
                if words >= MAX_WORDS:
                    chunks.append(" ".join(current))
                    current, words = [], 0
            continue
        current.append(para)
        words += n
        if words >= MIN_WORDS:
            chunks.append("\n".join(current))
            current, words = [], 0
    if current:
        if chunks and words < MIN_WORDS // 2:
            chunks[-1] = chunks[-1] + "\n" + "\n".join(current)
        else:
            chunks.append("\n".join(current))
    return chunks
