"""Settings: the only reader of environment variables, validated once and passed explicitly.

`Environment` (pydantic-settings) names every variable briefbot reads, with its type, range and unit; a
bad value stops start-up with one line naming the variable and what it allows, instead of a traceback
or a silently wrong reading. `load_settings` turns it into `Settings`, the plain frozen value the rest of
the code reads (and tests derive variants of with `dataclasses.replace`).

A `.env` file in the working directory is read too (values already in the environment win), so a
deployment can keep its tokens out of the shell history. Secrets are kept out of `repr()` so a stray
log line of the settings never prints a token.
"""

from __future__ import annotations

import ipaddress
import os
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

# USD per million tokens (input, cached input, output); override with BRIEFBOT_PRICES="model=in/cached/out,…".
DEFAULT_PRICES: dict[str, tuple[float, float, float]] = {
    "gpt-4.1-mini": (0.40, 0.10, 1.60),
    "gpt-4.1": (2.00, 0.50, 8.00),
    "gpt-4.1-nano": (0.10, 0.025, 0.40),
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-5-mini": (0.25, 0.025, 2.00),
    "gpt-5": (1.25, 0.125, 10.00),
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
FLAG_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


@dataclass(frozen=True)
class Settings:
    db_path: str = "briefbot.db"
    timezone: str = "UTC"
    backend: str = "embedded"  # embedded | openai (resolved from the key and BRIEFBOT_BACKEND)
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    model: str = "gpt-4.1-mini"
    embedding_model: str | None = None  # with the OpenAI backend: dense retrieval (None: lexical only)
    embedding_dimensions: int | None = None  # sent to text-embedding-3-* models, which can shorten vectors
    embedding_path: str | None = None  # a local model2vec-format model folder (no key needed)
    max_input_tokens: int = 12_000
    openai_timeout: float = 30.0
    openai_max_retries: int = 2
    daily_token_budget: int | None = None
    prices: Mapping[str, tuple[float, float, float]] = field(default_factory=lambda: dict(DEFAULT_PRICES))
    fetch_allow: tuple[str, ...] = ()
    fetch_connect_timeout: float = 5.0
    fetch_total_timeout: float = 20.0
    fetch_max_bytes: int = 5 * 1024 * 1024
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None
    # Multi-workspace install (OAuth v2): both set turns it on; then SLACK_BOT_TOKEN is not needed.
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_redirect_uri: str | None = None  # as registered with Slack; None lets Slack use the app's only one
    host: str = "0.0.0.0"
    port: int = 3000
    max_links_per_message: int = 5
    workers: int = 4
    max_attempts: int = 3  # runs of one job that crashed the bot or raised an unexpected error
    retry_window_seconds: int = 1800  # how long a job keeps retrying through an outage (Slack down)
    retention_days: int = 30  # done/failed jobs and old replies are pruned after this
    digest_grace_seconds: int = 7200
    skip_empty_digest: bool = False
    digest_image: bool = False
    log_level: str = "INFO"
    http_threads: int = 8
    http_connections: int = 1000
    http_timeout: float = 10.0
    health_max_queue_age: int = 900
    slack_connect_max_wait: float = 60.0
    log_format: str = "text"  # text | json

    @property
    def oauth_enabled(self) -> bool:
        """Installable into many workspaces: tokens come from the installation store, one per team."""
        return bool(self.slack_client_id and self.slack_client_secret)


# ------------------------------------------------------------------------------------- value parsers (why: one
# message per variable that says what is allowed, whatever was wrong with the value)


def _whole(low: int, high: int | None = None):
    def parse(raw: Any) -> int | None:
        if raw is None:
            return None
        text = str(raw).strip().replace("_", "")
        if not re.fullmatch(r"[+-]?\d+", text) or int(text) < low or (high is not None and int(text) > high):
            raise ValueError
        return int(text)

    return BeforeValidator(parse)


def _seconds(low_exclusive: float, high: float):
    def parse(raw: Any) -> float:
        try:
            value = float(str(raw).strip().lower().removesuffix("s"))
        except ValueError:
            raise ValueError from None
        if not low_exclusive < value <= high:
            raise ValueError
        return value

    return BeforeValidator(parse)


def _duration(raw: Any) -> int:
    """'2h', '90m', '45s' or plain seconds, from 0 to 24 hours."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([hms]?)", str(raw).strip().lower())
    if not match:
        raise ValueError
    seconds = int(float(match.group(1)) * {"h": 3600, "m": 60, "s": 1, "": 1}[match.group(2)])
    if seconds > 24 * 3600:
        raise ValueError
    return seconds


def _flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    try:
        return FLAG_WORDS[str(raw).strip().lower()]
    except KeyError:
        raise ValueError from None


def _log_level(raw: Any) -> str:
    level = str(raw).strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError
    return level


def _log_format(raw: Any) -> str:
    value = str(raw).strip().lower()
    if value not in LOG_FORMATS:
        raise ValueError
    return value


def _timezone(raw: Any) -> str:
    name = str(raw).strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError from None
    return name


def _backend(raw: Any) -> str:
    value = str(raw).strip().lower()
    if value not in ("", "embedded", "openai"):
        raise ValueError
    return value


def _prices(raw: Any) -> dict[str, tuple[float, float, float]]:
    if isinstance(raw, Mapping):
        return dict(raw)
    prices = dict(DEFAULT_PRICES)
    for item in filter(None, (p.strip() for p in str(raw).split(","))):
        try:
            model, numbers = item.split("=", 1)
            parts = [float(x) for x in numbers.split("/")]
            if len(parts) == 2:
                parts = [parts[0], parts[0], parts[1]]
            if len(parts) != 3 or min(parts) < 0 or not model.strip():
                raise ValueError
            prices[model.strip()] = (parts[0], parts[1], parts[2])
        except ValueError:
            raise ValueError from None
    return prices


def _allow_list(raw: Any) -> tuple[str, ...]:
    items = tuple(x.strip() for x in str(raw).split(",") if x.strip()) if isinstance(raw, str) else tuple(raw)
    for item in items:
        if "/" in item:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError from None
    return items


def _env(name: str, default: Any, meaning: str, allowed: str, shown_default: str | None = None) -> Any:
    """A field read from the variable `name`; `meaning` and `allowed` feed the README table and errors."""
    return Field(default, validation_alias=AliasChoices(name), description=meaning,
                 json_schema_extra={"env": name, "allowed": allowed,
                                    "default": shown_default if shown_default is not None else str(default)})


DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"


def _embedding(values: dict) -> None:
    """Embeddings only with the OpenAI backend (a local model goes by its path); "off" turns them off;
    text-embedding-3 models are asked for 256 floats unless told otherwise (enough for retrieval, a sixth
    of the memory of the full 1,536)."""
    model = (values.get("embedding_model") or "").strip()
    if model.lower() in ("off", "none", "0", "false") or values["backend"] != "openai":
        model = ""
    values["embedding_model"] = model or None
    if values.get("embedding_dimensions") is None and model.startswith("text-embedding-3"):
        values["embedding_dimensions"] = 256
    values["embedding_path"] = values.get("embedding_path") or None


class Environment(BaseSettings):
    """Every environment variable briefbot reads. The README's settings table is checked against this."""

    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore", case_sensitive=True,
                                      validate_default=True, enable_decoding=False)

    db_path: str = _env("BRIEFBOT_DB", "briefbot.db", "SQLite database file", "a file path", "./briefbot.db")
    timezone: Annotated[str, BeforeValidator(_timezone)] = _env(
        "BRIEFBOT_TIMEZONE", "UTC", "default time zone for \"today\", digests and schedules",
        "an IANA time zone such as Europe/London or America/New_York")
    slack_bot_token: str | None = _env("SLACK_BOT_TOKEN", None, "the Slack app's bot token (`xoxb-…`)",
                                       "a token", "—")
    slack_signing_secret: str | None = _env("SLACK_SIGNING_SECRET", None, "the Slack app's signing secret",
                                            "a secret", "—")
    slack_app_token: str | None = _env("SLACK_APP_TOKEN", None, "Socket Mode instead of HTTP (`xapp-…`)",
                                       "a token", "—")
    slack_api_url: str | None = _env("SLACK_API_URL", None, "Web API base URL (proxies, tests)", "a URL", "Slack's")
    slack_client_id: str | None = _env(
        "SLACK_CLIENT_ID", None, "with SLACK_CLIENT_SECRET: install in many workspaces via OAuth (no "
        "SLACK_BOT_TOKEN then)", "the app's client id", "—")
    slack_client_secret: str | None = _env("SLACK_CLIENT_SECRET", None, "the app's OAuth client secret",
                                           "a secret", "—")
    slack_redirect_uri: str | None = _env(
        "SLACK_REDIRECT_URI", None, "the OAuth redirect URL, when the app lists several", "a URL",
        "the app's only one")
    port: Annotated[int, _whole(0, 65535)] = _env("PORT", 3000, "HTTP mode port (0: any free port)",
                                                  "a port number from 0 to 65535")
    host: str = _env("BRIEFBOT_HOST", "0.0.0.0", "HTTP mode address", "an address to bind")
    max_links_per_message: Annotated[int, _whole(1, 100)] = _env(
        "BRIEFBOT_MAX_LINKS_PER_MESSAGE", 5, "links briefed per message", "a whole number from 1 to 100")
    workers: Annotated[int, _whole(1, 64)] = _env("BRIEFBOT_WORKERS", 4, "ingest worker threads",
                                                   "a whole number from 1 to 64")
    max_attempts: Annotated[int, _whole(1, 20)] = _env(
        "BRIEFBOT_MAX_ATTEMPTS", 3, "runs of one job that crashed the bot or hit an unexpected error before it "
        "fails with an error reply (outages don't count)", "a whole number from 1 to 20")
    retry_window_seconds: Annotated[int, BeforeValidator(_duration)] = _env(
        "BRIEFBOT_RETRY_WINDOW", 1800, "how long a job keeps retrying (with backoff) through an outage such as "
        "Slack being down", "a duration from 0 to 24h, like 2h, 90m, 45s or 7200 (seconds)", "30m")
    retention_days: Annotated[int, _whole(1, 3650)] = _env(
        "BRIEFBOT_RETENTION_DAYS", 30, "done and failed jobs, and replies nothing needs any more, are deleted "
        "after this many days", "a whole number of days from 1 to 3650")
    digest_grace_seconds: Annotated[int, BeforeValidator(_duration)] = _env(
        "BRIEFBOT_DIGEST_GRACE", 7200, "how late a missed digest may still be posted",
        "a duration from 0 to 24h, like 2h, 90m, 45s or 7200 (seconds)", "2h")
    skip_empty_digest: Annotated[bool, BeforeValidator(_flag)] = _env(
        "BRIEFBOT_SKIP_EMPTY_DIGEST", False, "post nothing in a quiet week",
        "1/0, true/false, yes/no or on/off (any case)", "0")
    digest_image: Annotated[bool, BeforeValidator(_flag)] = _env(
        "BRIEFBOT_DIGEST_IMAGE", False, "attach a PNG calendar of the week to the scheduled digest",
        "1/0, true/false, yes/no or on/off (any case)", "0")
    openai_api_key: str | None = _env("OPENAI_API_KEY", None, "turns the OpenAI backend on", "an API key", "—")
    backend: Annotated[str, BeforeValidator(_backend)] = _env(
        "BRIEFBOT_BACKEND", "", "`embedded` forces the embedded backend even with a key",
        "embedded or openai (openai needs OPENAI_API_KEY)", "auto")
    openai_base_url: str | None = _env("OPENAI_BASE_URL", None, "any OpenAI-compatible server", "a URL",
                                       "OpenAI's")
    model: str = _env("BRIEFBOT_MODEL", "gpt-4.1-mini", "model (or Azure deployment)", "a model name")
    embedding_model: str = _env(
        "BRIEFBOT_EMBEDDING_MODEL", DEFAULT_EMBEDDING_MODEL,
        "embedding model of hybrid retrieval with the OpenAI backend (`off`: words only)", "a model name, or off")
    embedding_dimensions: Annotated[int | None, _whole(1, 8192)] = _env(
        "BRIEFBOT_EMBEDDING_DIMENSIONS", None, "vector length asked of the embedding model",
        "a whole number from 1 to 8192", "256 for text-embedding-3-*, else the model's")
    embedding_path: str | None = _env(
        "BRIEFBOT_EMBEDDING_PATH", None, "a local model2vec-format model folder (`briefbot[local]`), used with "
        "the embedded backend; never downloaded", "a model2vec folder (config.json, model.safetensors, tokenizer.json)", "—")
    max_input_tokens: Annotated[int, _whole(500, 2_000_000)] = _env(
        "BRIEFBOT_MAX_INPUT_TOKENS", 12_000, "article budget per call (tokens)",
        "a whole number of tokens from 500 to 2000000")
    openai_timeout: Annotated[float, _seconds(0, 600)] = _env(
        "BRIEFBOT_OPENAI_TIMEOUT", 30.0, "seconds one model call may take", "seconds, more than 0 and up to 600",
        "30")
    daily_token_budget: Annotated[int | None, _whole(1)] = _env(
        "BRIEFBOT_DAILY_TOKEN_BUDGET", None, "tokens per team per UTC day", "a whole number of tokens, at least 1",
        "unlimited")
    prices: Annotated[dict[str, tuple[float, float, float]], BeforeValidator(_prices)] = _env(
        "BRIEFBOT_PRICES", "", "USD per 1M tokens, added to the built-in table",
        "comma-separated model=input/cached/output (or model=input/output) USD per 1M tokens", "built-in table")
    fetch_allow: Annotated[tuple[str, ...], BeforeValidator(_allow_list)] = _env(
        "BRIEFBOT_FETCH_ALLOW", "", "hosts or CIDRs exempt from the fetcher's private-address guard",
        "comma-separated host names, addresses or CIDRs such as 10.0.0.0/8", "—")
    fetch_connect_timeout: Annotated[float, _seconds(0, 120)] = _env(
        "BRIEFBOT_FETCH_CONNECT_TIMEOUT", 5.0, "seconds to connect to an article's host",
        "seconds, more than 0 and up to 120", "5")
    fetch_total_timeout: Annotated[float, _seconds(0, 600)] = _env(
        "BRIEFBOT_FETCH_TIMEOUT", 20.0, "total seconds for one article fetch (body: at most 5 MB)",
        "seconds, more than 0 and up to 600", "20")
    log_level: Annotated[str, BeforeValidator(_log_level)] = _env(
        "BRIEFBOT_LOG_LEVEL", "INFO", "logging level", "one of " + ", ".join(LOG_LEVELS) + " (any case)")
    http_threads: Annotated[int, _whole(1, 256)] = _env(
        "BRIEFBOT_HTTP_THREADS", 8, "HTTP worker threads running bolt (/healthz has a thread of its own)",
        "a whole number from 1 to 256")
    http_connections: Annotated[int, _whole(10, 100_000)] = _env(
        "BRIEFBOT_HTTP_CONNECTIONS", 1000, "open HTTP connections at most; past it new ones wait in the backlog",
        "a whole number from 10 to 100000")
    http_timeout: Annotated[float, _seconds(0, 30)] = _env(
        "BRIEFBOT_HTTP_TIMEOUT", 10.0,
        "seconds for a request to arrive whole (else 408) and for an idle connection to stay open",
        "seconds, more than 0 and up to 30", "10")
    health_max_queue_age: Annotated[int, BeforeValidator(_duration)] = _env(
        "BRIEFBOT_HEALTH_MAX_QUEUE_AGE", 900, "/healthz answers 503 when the oldest queued job has waited longer",
        "a duration from 0 to 24h, like 15m, 900 (seconds)", "15m")
    slack_connect_max_wait: Annotated[float, _seconds(0, 3600)] = _env(
        "BRIEFBOT_SLACK_CONNECT_MAX_WAIT", 60.0, "longest pause between attempts to reach Slack at start-up",
        "seconds, more than 0 and up to 3600", "60")
    log_format: Annotated[str, BeforeValidator(_log_format)] = _env(
        "BRIEFBOT_LOG_FORMAT", "text", "`json`: one JSON object a line (see Logs and metrics)",
        "text or json (any case)")


def variables() -> dict[str, dict[str, Any]]:
    """Each variable's name -> {default, meaning, allowed}: what the README's settings table must say."""
    out = {}
    for info in Environment.model_fields.values():
        extra = info.json_schema_extra
        out[extra["env"]] = {"default": extra["default"], "meaning": info.description, "allowed": extra["allowed"]}
    return out


def _error_line(err: ValidationError, given: Mapping[str, Any]) -> str:
    """One line naming the first bad variable, what it was and what it allows."""
    first = err.errors(include_url=False)[0]
    name = str(first["loc"][0]) if first["loc"] else "a setting"
    allowed = variables().get(name, {}).get("allowed", first["msg"])
    value = given.get(name, first.get("input"))
    return f"{name}={value!r} is not allowed; expected {allowed}"


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Read and validate settings from `env` (default: the process environment plus `.env`)."""
    try:
        if env is None:
            parsed = Environment(_env_file=".env" if dotenv else None)
        else:
            given = {k: v for k, v in env.items() if isinstance(v, str) and v.strip()}
            parsed = Environment.model_validate(given)
    except ValidationError as err:
        raise ConfigError(_error_line(err, env if env is not None else os.environ)) from None
    values = parsed.model_dump()
    strip = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    api_key = strip["openai_api_key"] or None
    if strip["backend"] == "openai" and not api_key:
        raise ConfigError("BRIEFBOT_BACKEND=openai needs OPENAI_API_KEY")
    strip["backend"] = "openai" if api_key and strip["backend"] != "embedded" else "embedded"
    _embedding(strip)
    return Settings(**strip)
