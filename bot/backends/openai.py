"""The OpenAI backend: one Structured Outputs call per new article, per question and per digest intro.

Works with OpenAI, Azure OpenAI (v1 API) and OpenAI-compatible servers (Ollama, vLLM) through
`OPENAI_BASE_URL`, using only `chat.completions.parse`, which they all serve. This is the only module
that imports `openai`. Every failure becomes a `ModelFailure`; `OpenAIBackend` (a `GuardedBackend`)
turns those into embedded briefs and applies the daily token budget.

Prompt layout: the system prompt comes first and is identical for every article, so the provider's
prefix cache can reuse it; everything per article (reference date, open storylines, the fenced article)
goes in the user message.
"""

from __future__ import annotations

import json
import logging

import openai
import pydantic

from bot.backends.fallback import GuardedBackend, ModelFailure, redact
from bot.backends.trim import TokenCounter, Trimmed, counter_for, trim_article
from bot.backends.validate import (
    AnswerOut,
    BriefOut,
    IntroOut,
    check_answer,
    check_brief,
    check_intro,
    normalise,
)
from bot.clock import Clock
from bot.config import Settings
from bot.pipeline.briefs import when_label
from bot.pipeline.models import Answer, Article, BriefContext, BriefDraft, Event, Passage, Usage
from bot.pipeline.reldates import annotate_relative_days
from prompts import render

log = logging.getLogger(__name__)

BACKEND_LABEL = "openai"
BRIEF_MAX_OUTPUT_TOKENS = 3000
ANSWER_MAX_OUTPUT_TOKENS = 800
INTRO_MAX_OUTPUT_TOKENS = 400
MAX_STORYLINES_IN_PROMPT = 40
PROMPT_OVERHEAD_TOKENS = 32  # role markers and message framing the counter does not see
ARTICLE_FENCE = ("<<<ARTICLE", "ARTICLE>>>")
PASSAGE_FENCE = ("<<<PASSAGES", "PASSAGES>>>")
EVENT_FENCE = ("<<<EVENTS", "EVENTS>>>")


# ---------------------------------------------------------------------------------------------- prompts


def _defuse(text: str, fences: tuple[str, ...]) -> str:
    """Text with our fence markers broken, so an article cannot close its own fence."""
    for fence in fences:
        text = text.replace(fence, fence.replace("<<<", "<< <").replace(">>>", "> >>"))
    return text


def _ref_basis(article: Article, ctx: BriefContext) -> str:
    return "publication date" if article.published == ctx.ref_date else "posting date"


def _storyline_lines(ctx: BriefContext) -> str:
    lines = [f"{s.id}: {normalise(s.title)}" for s in ctx.open_storylines[:MAX_STORYLINES_IN_PROMPT]]
    return "\n".join(lines) if lines else "(none yet)"


def brief_prompt_vars(article: Article, ctx: BriefContext, article_text: str, trimmed: bool) -> dict[str, str]:
    """Exactly what `brief_user` is rendered with (the prompts test renders it with this too)."""
    return {
        "ref_date": ctx.ref_date.isoformat(),
        "ref_weekday": f"{ctx.ref_date:%A}",
        "ref_basis": _ref_basis(article, ctx),
        "storylines": _storyline_lines(ctx),
        "trim_note": ("\nThe article was shortened to fit: [\u2026] marks where paragraphs were left out.\n"
                      if trimmed else ""),
        "title": _defuse(normalise(article.title) or "(untitled)", ARTICLE_FENCE),
        "article": _defuse(article_text.strip(), ARTICLE_FENCE),
    }


def brief_messages(article: Article, ctx: BriefContext, counter: TokenCounter,
                   max_input_tokens: int) -> tuple[list[dict], Trimmed]:
    """System + user messages for one article, the article trimmed so the whole fits the budget."""
    system = render("brief_system")
    frame = render("brief_user", **brief_prompt_vars(article, ctx, "", True))
    room = max_input_tokens - counter.count(system) - counter.count(frame) - PROMPT_OVERHEAD_TOKENS
    trimmed = trim_article(article.text, max(room, 200), counter, ctx.ref_date)
    user = render("brief_user", **brief_prompt_vars(article, ctx, trimmed.text, trimmed.trimmed))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}], trimmed


def _passage_block(n: int, p: Passage) -> str:
    when = f", {p.published.isoformat()}" if p.published else ""
    text = annotate_relative_days(p.text, p.published)  # "on Sunday (2 Nov 2025)": the model sees the date
    return f"[{n}] {normalise(p.title) or p.brief_id} ({p.brief_id}{when})\n{normalise(text)}"


def answer_messages(question: str, passages: list[Passage], counter: TokenCounter,
                    max_input_tokens: int) -> tuple[list[dict], list[Passage]]:
    """Messages for a question, with as many passages (in rank order) as fit the input budget."""
    system = render("answer_system")
    room = max_input_tokens - counter.count(system) - counter.count(question) - 2 * PROMPT_OVERHEAD_TOKENS
    used: list[Passage] = []
    blocks: list[str] = []
    for p in passages:
        block = _defuse(_passage_block(len(used) + 1, p), PASSAGE_FENCE)
        cost = counter.count(block) + 1
        if used and cost > room:
            break
        used.append(p)
        blocks.append(block)
        room -= cost
    user = render("answer_user", passages="\n\n".join(blocks), question=_defuse(normalise(question), PASSAGE_FENCE))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}], used


def event_line(e: Event) -> str:
    return f"- {when_label(e.date.isoformat(), e.precision, e.time, e.timezone)}: {normalise(e.title)}"


def intro_messages(events: list[Event]) -> list[dict]:
    lines = "\n".join(_defuse(event_line(e), EVENT_FENCE) for e in events)
    return [{"role": "system", "content": render("digest_intro_system")},
            {"role": "user", "content": render("digest_intro_user", events=lines)}]


# ---------------------------------------------------------------------------------------------- model


def _usage_of(payload, model: str) -> Usage:
    """Token counts from a ChatCompletion or its raw JSON; zeros when the server sent none."""
    if payload is None:
        return Usage(calls=1, model=model)
    usage = payload.get("usage") if isinstance(payload, dict) else getattr(payload, "usage", None)
    if usage is None:
        return Usage(calls=1, model=model)
    get = usage.get if isinstance(usage, dict) else lambda k, d=None: getattr(usage, k, d)
    details = get("prompt_tokens_details", None)
    cached = (details.get("cached_tokens") if isinstance(details, dict)
              else getattr(details, "cached_tokens", None)) if details is not None else None
    return Usage(calls=1, prompt_tokens=int(get("prompt_tokens", 0) or 0),
                 completion_tokens=int(get("completion_tokens", 0) or 0), cached_tokens=int(cached or 0),
                 model=model)


class OpenAIModel:
    """The raw calls: one request each (plus the SDK's own retries), every failure a `ModelFailure`."""

    def __init__(self, settings: Settings, client: openai.OpenAI | None = None):
        self.settings = settings
        self.model = settings.model
        self.counter = counter_for(settings.model)
        self.client = client or openai.OpenAI(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout,
            max_retries=settings.openai_max_retries,
        )

    def brief(self, article: Article, ctx: BriefContext) -> BriefDraft:
        messages, trimmed = brief_messages(article, ctx, self.counter, self.settings.max_input_tokens)
        if trimmed.trimmed:
            log.info("article trimmed from ~%d to ~%d tokens (%d paragraphs left out, %s)",
                     trimmed.original_tokens, trimmed.tokens, trimmed.dropped_paragraphs, self.counter.method)
        out, usage = self._parse(messages, BriefOut, BRIEF_MAX_OUTPUT_TOKENS)
        try:
            draft = check_brief(out, article, ctx, backend=BACKEND_LABEL, usage=usage)
        except Exception as err:  # noqa: BLE001 - a response that fails as a whole is a model failure
            raise ModelFailure(f"the response failed validation: {err}", usage) from err
        if trimmed.trimmed:
            draft.notes.append(f"article trimmed to fit {self.settings.max_input_tokens:,} input tokens "
                               f"({trimmed.dropped_paragraphs} paragraphs left out)")
        return draft

    def answer_with_usage(self, question: str, passages: list[Passage]) -> tuple[Answer, Usage]:
        messages, used = answer_messages(question, passages, self.counter, self.settings.max_input_tokens)
        out, usage = self._parse(messages, AnswerOut, ANSWER_MAX_OUTPUT_TOKENS)
        answer, notes = check_answer(out.answer, used, backend=BACKEND_LABEL)
        for note in notes:
            log.info("answer: %s", note)
        return answer, usage

    def intro_with_usage(self, events: list[Event]) -> tuple[str | None, Usage]:
        out, usage = self._parse(intro_messages(events), IntroOut, INTRO_MAX_OUTPUT_TOKENS)
        intro, notes = check_intro(out.intro, events)
        for note in notes:
            log.debug("digest intro: %s", note)  # names the model's words: not at INFO
        return intro, usage

    def _parse(self, messages: list[dict], schema: type[pydantic.BaseModel], max_tokens: int):
        """One Structured Outputs call; returns (parsed, usage) or raises `ModelFailure`."""
        raw = None
        try:
            raw = self.client.chat.completions.with_raw_response.parse(
                model=self.model, messages=messages, response_format=schema, max_completion_tokens=max_tokens
            )
            completion = raw.parse()
        except openai.LengthFinishReasonError as err:
            raise ModelFailure("the model stopped at the output length limit",
                               _usage_of(err.completion, self.model)) from err
        except openai.ContentFilterFinishReasonError as err:
            raise ModelFailure("the model's output was stopped by the content filter",
                               _usage_of(self._raw_json(raw), self.model)) from err
        except openai.APITimeoutError as err:
            raise ModelFailure(f"no response within {self.settings.openai_timeout:g}s") from err
        except openai.APIConnectionError as err:
            raise ModelFailure(f"could not reach the API ({type(err).__name__})") from err
        except openai.APIStatusError as err:
            retried = err.status_code in (408, 409, 429) or err.status_code >= 500  # what the SDK retries
            after = f" after {self.settings.openai_max_retries} retries" if retried else ""
            raise ModelFailure(f"HTTP {err.status_code} from the API{after}: {_status_message(err)}") from err
        except (pydantic.ValidationError, json.JSONDecodeError) as err:
            raise ModelFailure("the model's reply was not valid JSON for the schema",
                               _usage_of(self._raw_json(raw), self.model)) from err
        except openai.OpenAIError as err:
            raise ModelFailure(f"{type(err).__name__}: {err}") from err
        usage = _usage_of(completion, self.model)
        if not completion.choices:
            raise ModelFailure("the API returned no choices", usage)
        message = completion.choices[0].message
        if message.refusal:
            raise ModelFailure(f"the model refused: {message.refusal}", usage)
        if message.parsed is None:
            raise ModelFailure("the model returned no content", usage)
        log.debug("%s call: %d prompt (%d cached) + %d completion tokens", schema.__name__, usage.prompt_tokens,
                  usage.cached_tokens, usage.completion_tokens)
        return message.parsed, usage

    @staticmethod
    def _raw_json(raw) -> dict | None:
        if raw is None:
            return None
        try:
            return raw.http_response.json()
        except Exception:  # noqa: BLE001 - no usage to read is not worth a second failure
            return None


def _status_message(err: openai.APIStatusError) -> str:
    body = err.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return err.message


class OpenAIEmbedder:
    """`embeddings.create` on the same endpoint: one call per batch, counted in usage and the budget.

    Over the daily budget, or when the call fails, it returns None and retrieval stays lexical for that
    article or question; a brief or an answer is never lost to an embedding.
    """

    def __init__(self, settings: Settings, client: openai.OpenAI, guard: GuardedBackend):
        self.model = settings.embedding_model or ""
        self.dimensions = settings.embedding_dimensions
        self.client = client
        self.guard = guard

    def embed(self, texts: list[str], *, team: str = "") -> list[list[float]] | None:
        if not texts or self.guard.budget_spent(team):
            return None
        extra = {"dimensions": self.dimensions} if self.dimensions else {}
        try:
            response = self.client.embeddings.create(model=self.model, input=texts, **extra)
        except openai.OpenAIError as err:
            log.warning("embedding call failed (%s): retrieval stays lexical", redact(str(err), self.guard.secrets))
            return None
        used = getattr(response, "usage", None)
        tokens = int(getattr(used, "prompt_tokens", 0) or 0) if used is not None else 0
        self.guard._record(team, "embedding", Usage(calls=1, prompt_tokens=tokens, model=self.model))
        data = sorted(response.data, key=lambda d: d.index)
        return [list(d.embedding) for d in data] if len(data) == len(texts) else None


class OpenAIBackend(GuardedBackend):
    """What `services.build_backend` builds when an API key is set: the model, guarded."""

    def __init__(self, settings: Settings, store=None, clock: Clock | None = None,
                 client: openai.OpenAI | None = None):
        model = OpenAIModel(settings, client)
        super().__init__(
            model,
            store=store,
            clock=clock,
            daily_token_budget=settings.daily_token_budget,
            secrets=(settings.openai_api_key,),
        )
        self.settings = settings
        self.embedder = OpenAIEmbedder(settings, model.client, self) if settings.embedding_model else None


__all__ = ["OpenAIBackend", "OpenAIEmbedder", "OpenAIModel", "ModelFailure", "brief_messages", "answer_messages", "intro_messages",
           "redact"]
