"""Orchestration of one source (URL, file or pasted text) into one stored brief.

Used by the CLI and the Slack workers alike. An article is fetched once and paid for once: a URL already
in the store reuses the stored brief (same channel) or copies its content (another channel), with no fetch
and no model call. Everything about one article is written in one transaction.

What a stored brief may be reused for is scoped, because the text behind it came from someone else:

* an article is stored under the URL we fetched (after redirects) or under the page's canonical link
  only when that link names the page's own site (`sites.same_site`), so a page cannot plant its text
  under another site's URL; a later post reuses it only for exactly that URL;
* fetched text that matches another URL's article word for word reuses that brief's content, but under
  its own article row with its own URL and metadata; it never matches text someone pasted;
* pasted text is never matched across conversations: the same text in the same team and channel returns
  the brief already there, anywhere else it is briefed afresh. Files (the operator's CLI) match any
  stored article with the same text, as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.clock import Clock
from bot.errors import BriefbotError, ExtractionError, InputError
from bot.pipeline.backend import Backend
from bot.pipeline.briefs import draft_row
from bot.pipeline.chunks import chunk_text
from bot.pipeline.embeddings import embedder_of, index_brief
from bot.pipeline.extract import MAX_TEXT_CHARS, article_from_text, brief_input, extract_html
from bot.pipeline.fetch import FetchPolicy, canonical_url, fetch, find_canonical_link
from bot.pipeline.gate import check_prose, check_size
from bot.pipeline.language import UNDETERMINED
from bot.pipeline.models import EVENT_FIELDS, Article, BriefContext, BriefDraft, StorylineRef
from bot.pipeline.sites import same_site
from bot.pipeline.storylines import assign_storylines
from bot.pipeline.summarize import summarize

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


@dataclass(frozen=True)
class Source:
    """What to brief. `kind` is url | file | text; `label` names it in error messages."""

    kind: str
    value: str
    label: str

    @classmethod
    def parse(cls, raw: str, stdin_text: str | None = None) -> Source:
        raw = raw.strip()
        if raw == "-":
            return cls("text", stdin_text or "", "stdin")
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", raw):
            return cls("url", raw, raw)
        return cls("file", raw, raw)


@dataclass(frozen=True)
class Placement:
    """Where a brief lives: its team and conversation, and who may see it."""

    team: str = ""
    channel: str = ""
    visibility: str = "public"  # public | private | dm
    message_ts: str | None = None
    thread_ts: str | None = None


@dataclass(frozen=True)
class IngestResult:
    brief_id: str
    reused: bool  # the stored brief (or its content) came back: no fetch, no model call
    label: str


def content_hash(text: str) -> str:
    normalised = re.sub(r"\s+", " ", text).strip().lower()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


class Ingestor:
    def __init__(self, store, backend: Backend, fetch_policy: FetchPolicy, clock: Clock, timezone: str = "UTC",
                 between_stages: Callable[[], object] | None = None,
                 on_stage: Callable[[str, float], object] | None = None,
                 page_reader: PageReader | None = None):
        self.store = store
        self.backend = backend
        self.fetch_policy = fetch_policy
        self.clock = clock
        self.timezone = timezone
        # Called between the stages of a new brief (after fetch, extraction and drafting). The Slack app
        # uses it to let a burst of acks go first; it must return promptly (it is bounded there).
        self.between_stages: Callable[[], object] = between_stages or (lambda: None)
        # Told how long each stage of a new brief took ("fetch", "extract", "brief"), in seconds measured
        # with a monotonic timer (durations, not dates: the clock is not involved). The Slack bot feeds its
        # metrics from it; nothing here knows about them.
        self.on_stage: Callable[[str, float], object] = on_stage or (lambda stage, seconds: None)
        # Turns a fetched page into an article (`read_page`). The Slack bot passes one that runs it in a
        # child process, so a slow or hostile page can't hold the interpreter its acks need.
        self.read_page: PageReader = page_reader or read_page

    # -- public -------------------------------------------------------------------------------------

    def ingest(self, source: Source, placement: Placement = Placement(), published: dt.date | None = None,
               posted: dt.date | None = None) -> IngestResult:
        """Brief one source. Raises a `BriefbotError` with a one-line reason on bad input."""
        url = None
        if source.kind == "url":
            url = canonical_url(source.value)
            found = self.store.find_article(url=url)
            if found:
                return self._reuse(found, placement, source.label)
            article = self._fetch(url)
            self.between_stages()
        elif source.kind == "file":
            article = self._read_file(Path(source.value))
        else:
            if not source.value.strip():
                raise InputError("no text given")
            check_size(len(source.value.encode("utf-8", "surrogatepass")), "the text")
            article = article_from_text(source.value)
        article = _gated(article)
        if published:
            article = replace(article, published=published)
        digest = content_hash(article.text)
        if source.kind == "text":  # pasted text: the brief already in this conversation, else a new one
            existing = self.store.find_brief_by_content(digest, placement.team, placement.channel)
            if existing:
                return IngestResult(brief_id=existing, reused=True, label=source.label)
            return self._brief_new(article, digest, placement, posted, source.label)
        if source.kind == "url" and article.url != url:  # redirected, or a same-site canonical link
            found = self.store.find_article(url=article.url)
            if found:
                return self._reuse(found, placement, source.label)
        found = self.store.find_article_by_content(digest, fetched_only=source.kind == "url")
        if found:
            # The same words fetched from another URL: the brief's content, under this URL's own row.
            as_article = _article_row(article, digest) if source.kind == "url" else None
            return self._reuse(found, placement, source.label, as_article=as_article)
        return self._brief_new(article, digest, placement, posted, source.label)

    def rebrief(self, brief_id: str, backend: Backend | None = None) -> str:
        """Write an existing brief again (e.g. with the model after a fallback), keeping its id."""
        record = self.store.get_brief(brief_id)
        if record is None:
            from bot.errors import NotFoundError

            raise NotFoundError(f"no brief {brief_id}")
        row = self.store.article_text_of_brief(record["id"])
        article = Article(
            text=row["text"],
            title=row["title"] or "",
            url=row["url"],
            site=row["site"],
            author=row["author"],
            published=dt.date.fromisoformat(row["published"]) if row["published"] else None,
            language=row["language"],
        )
        ref = article.published or dt.date.fromisoformat(record["created_at"][:10])
        draft = (backend or self.backend).brief(article, BriefContext(ref_date=ref, team=record["team"]))
        self.store.replace_brief_content(
            record["id"],
            brief={k: v for k, v in draft_row(draft).items() if k not in ("team",)},
            events=[e.to_row() for e in draft.events],
            usage=_usage_dict(draft),
            now=self._now(),
        )
        return record["id"]

    # -- steps --------------------------------------------------------------------------------------

    def _fetch(self, url: str) -> Article:
        started = time.perf_counter()
        try:
            page = fetch(url, self.fetch_policy)
        finally:  # a failed fetch (a timeout, a 404) took time too
            self.on_stage("fetch", time.perf_counter() - started)
        self.between_stages()
        started = time.perf_counter()
        try:
            read = self.read_page(page.text, page.url, page.content_type)
        finally:
            self.on_stage("extract", time.perf_counter() - started)
        if read.foreign_canonical:
            log.info("ignored a canonical link to another site (%s -> %s)", page.url, read.foreign_canonical)
        return read.article

    def _read_file(self, path: Path) -> Article:
        if not path.exists():
            raise InputError("no such file")
        if path.is_dir():
            raise InputError("is a directory, not a file")
        check_size(path.stat().st_size, "the file")
        data = path.read_bytes()
        if b"\x00" in data[:8192]:
            raise InputError("binary file; give an .html, .txt or .md file")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(data).best()
            if best is None:
                raise InputError("cannot decode the file as text") from None
            text = str(best)
        suffix = path.suffix.lower()
        if suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and "<html" in text[:2000].lower()):
            # A saved page names a URL in its metadata, but nothing was fetched from it: no URL is claimed.
            return replace(extract_html(text, url=None), url=None)
        return article_from_text(text)

    def _brief_new(self, article: Article, digest: str, placement: Placement, posted: dt.date | None,
                   label: str) -> IngestResult:
        if not article.text.strip():
            raise ExtractionError("no article text found — paywall or script-only page?")
        ref = article.published or posted or self._today()
        open_storylines = [
            StorylineRef(
                id=s["id"],
                title=s["title"],
                recent_text="\n".join(
                    " ".join([b["title"] or "", b["tldr"], *b["key_points"]]) for b in s["briefs"]
                ),
                entities=tuple(e for b in s["briefs"] for e in b["entities"]),
            )
            for s in self.store.open_storylines(placement.team, placement.channel)
        ]
        started = time.perf_counter()
        draft = self.backend.brief(article, BriefContext(ref_date=ref, open_storylines=open_storylines,
                                                         team=placement.team))
        if article.cut:
            draft.notes.append(f"the page's text is longer than {MAX_TEXT_CHARS:,} characters; the rest was "
                               "left out")
        self.on_stage("brief", time.perf_counter() - started)
        if draft.notes:  # kept with the brief; they quote article and model text, so only at DEBUG here
            log.info("brief of %s: %d validation note(s)", label, len(draft.notes))
        for note in draft.notes:
            log.debug("brief note for %s: %s", label, note)
        self.between_stages()
        brief_id = self.store.save_brief(
            article=_article_row(article, digest),
            brief={**draft_row(draft), **_placement_row(placement)},
            events=[e.to_row() for e in draft.events],
            storylines=list(draft.storylines.existing),
            new_storylines=list(draft.storylines.new_titles),
            chunks=chunk_text(article.text),
            usage=_usage_dict(draft),
            now=self._now(),
        )
        index_brief(self.store, embedder_of(self.backend), brief_id, team=placement.team)
        return IngestResult(brief_id=brief_id, reused=False, label=label)

    def _reuse(self, article_row: dict, placement: Placement, label: str,
               as_article: dict | None = None) -> IngestResult:
        """Reuse the brief of a stored article. With `as_article` (the same text fetched from another
        URL), the content is copied under a new article row for that URL instead."""
        if as_article is None:
            existing = self.store.find_brief_for(article_row["id"], placement.team, placement.channel)
            if existing:
                return IngestResult(brief_id=existing, reused=True, label=label)
        other = self.store.any_brief_of_article(article_row["id"])
        if other is None:  # an article without a brief cannot normally exist; brief it again from its text
            article = Article(text=article_row["text"], title=article_row["title"] or "", url=article_row["url"])
            return self._brief_new(article, article_row["content_hash"], placement, None, label)
        visible = self.store.open_storylines(placement.team, placement.channel)
        same_team = other["team"] == placement.team
        shared = [s["id"] for s in other["storylines"] if s["status"] == "open"] if same_team else []
        existing_ids = [sid for sid in shared if sid in {s["id"] for s in visible}]
        new_titles: list[str] = []
        if not same_team or len(existing_ids) < len(shared):
            # Another team's brief, or storylines this conversation may not see (begun in a private channel
            # or a DM): match the storylines visible here, cheaply and without a model call.
            language = article_row.get("language")
            text = brief_input(article_row["text"])
            summary = summarize(text, language=language)
            refs = [StorylineRef(id=s["id"], title=s["title"]) for s in visible]
            assignment = assign_storylines(other["title"] or "", summary, other["entities"], refs, text,
                                           language=language)
            existing_ids, new_titles = list(assignment.existing), list(assignment.new_titles)
        brief = {
            "tldr": other["tldr"],
            "key_points": other["key_points"],
            "open_questions": other["open_questions"],
            "entities": other["entities"],
            "backend": other["backend"],
            "model": other["model"],
            "notes": [f"content reused from {other['id']}"],
            **_placement_row(placement),
        }
        brief_id = self.store.save_brief(
            article=as_article or {"id": article_row["id"]},
            brief=brief,
            events=[{k: e[k] for k in EVENT_FIELDS} for e in other["events"]],
            storylines=existing_ids,
            new_storylines=new_titles,
            chunks=chunk_text(article_row["text"]) if as_article else [],
            usage=None,
            now=self._now(),
        )
        if as_article:  # the same text under another URL: its vectors are the original's, not recomputed
            self.store.copy_chunk_vectors(other["id"], brief_id)
            index_brief(self.store, embedder_of(self.backend), brief_id, team=placement.team)
        return IngestResult(brief_id=brief_id, reused=True, label=label)

    def _now(self) -> str:
        return self.clock.utc_stamp()

    def _today(self) -> dt.date:
        import zoneinfo

        return self.clock.now().astimezone(zoneinfo.ZoneInfo(self.timezone)).date()


@dataclass(frozen=True)
class PageRead:
    """A fetched page read into an article, stored under the URL fetched or the page's canonical link
    when it names the page's own site; a canonical link to another site is ignored and kept for the log."""

    article: Article
    foreign_canonical: str | None = None


PageReader = Callable[[str, str, str], PageRead]


def read_page(text: str, url: str, content_type: str) -> PageRead:
    """Extract the article from a fetched page (HTML, or plain text and Markdown as they are).

    A plain function of its arguments, so it can run in another process (`bot.page_reader`)."""
    if content_type in ("text/plain", "text/markdown"):
        return PageRead(replace(article_from_text(text, url=url), url=url))
    article = extract_html(text, url=url)
    canonical = find_canonical_link(text, url)
    if canonical and not same_site(canonical, url):
        return PageRead(replace(article, url=url), foreign_canonical=canonical)
    return PageRead(replace(article, url=canonical or url))


def _gated(article: Article) -> Article:
    """The article if it reads as prose (else the gate's `InputError`), with the language its text is in.

    The text decides the language, not the page's `lang` attribute (sites declare "en" on every page); the
    attribute only stands in when the text is too short to tell.
    """
    guess = check_prose(article.text)
    language = guess.code if guess.code != UNDETERMINED else (article.language or UNDETERMINED)
    return replace(article, language=language)


def _article_row(article: Article, digest: str) -> dict:
    return {
        "url": article.url,
        "content_hash": digest,
        "title": article.title or None,
        "site": article.site,
        "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "text": article.text,
    }


def _placement_row(placement: Placement) -> dict:
    return {
        "team": placement.team,
        "channel": placement.channel,
        "visibility": placement.visibility,
        "message_ts": placement.message_ts,
        "thread_ts": placement.thread_ts,
    }


def _usage_dict(draft: BriefDraft) -> dict:
    u = draft.usage
    return {
        "calls": u.calls,
        "model": u.model,
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "cached_tokens": u.cached_tokens,
    }


__all__ = ["Ingestor", "IngestResult", "Placement", "Source", "content_hash", "BriefbotError"]
