"""Settings: the only reader of environment variables, validated once and passed explicitly.

A `.env` file in the working directory is read too (values already in the environment win), so a
deployment can keep its tokens out of the shell history. Secrets are kept out of `repr()` so a stray
log line of the settings never prints a token.
"""

from __future__ import annotations

import ipaddress
import os
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Settings:
    db_path: str = "briefbot.db"
    timezone: str = "UTC"
    backend: str = "embedded"  # embedded | openai (resolved from the key and BRIEFBOT_BACKEND)
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    model: str = "gpt-4.1-mini"
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
    max_attempts: int = 3
    digest_grace_seconds: int = 7200
    skip_empty_digest: bool = False
    log_level: str = "INFO"
    log_format: str = "text"  # text | json

    @property
    def oauth_enabled(self) -> bool:
        """Installable into many workspaces: tokens come from the installation store, one per team."""
        return bool(self.slack_client_id and self.slack_client_secret)


def _int(env: Mapping[str, str], name: str, default: int | None, *, minimum: int = 0) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {raw!r}")
    return value


def _duration_seconds(env: Mapping[str, str], name: str, default: int) -> int:
    """'2h', '90m', '45s' or plain seconds."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    units = {"h": 3600, "m": 60, "s": 1}
    try:
        if raw[-1] in units:
            return int(float(raw[:-1]) * units[raw[-1]])
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a duration like 2h, 90m or 7200, got {raw!r}") from None


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """One of `allowed` (case-insensitive); the first is the default."""
    raw = (env.get(name) or "").strip().lower() or allowed[0]
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def _prices(raw: str) -> dict[str, tuple[float, float, float]]:
    prices = dict(DEFAULT_PRICES)
    for item in filter(None, (p.strip() for p in raw.split(","))):
        try:
            model, numbers = item.split("=", 1)
            parts = [float(x) for x in numbers.split("/")]
            if len(parts) == 2:
                parts = [parts[0], parts[0], parts[1]]
            prices[model.strip()] = (parts[0], parts[1], parts[2])
        except (ValueError, IndexError):
            raise ConfigError(
                f"BRIEFBOT_PRICES entry {item!r} must look like model=input/cached/output (USD per 1M tokens)"
            ) from None
    return prices


def _allow_list(raw: str) -> tuple[str, ...]:
    items = tuple(x.strip() for x in raw.split(",") if x.strip())
    for item in items:
        if "/" in item:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ConfigError(f"BRIEFBOT_FETCH_ALLOW entry {item!r} is not a valid CIDR") from None
    return items


def load_settings(env: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Read and validate settings from `env` (default: the process environment plus `.env`)."""
    if env is None:
        env = dict(os.environ)
        if dotenv and os.path.exists(".env"):
            from dotenv import dotenv_values

            env = {**{k: v for k, v in dotenv_values(".env").items() if v is not None}, **env}
    get = lambda name, default=None: (env.get(name) or "").strip() or default  # noqa: E731

    timezone = get("BRIEFBOT_TIMEZONE", "UTC")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"BRIEFBOT_TIMEZONE {timezone!r} is not a known time zone (try Europe/London)") from None

    api_key = get("OPENAI_API_KEY")
    wanted = (get("BRIEFBOT_BACKEND") or "").lower()
    if wanted not in ("", "embedded", "openai"):
        raise ConfigError(f"BRIEFBOT_BACKEND must be 'embedded' or 'openai', got {wanted!r}")
    if wanted == "openai" and not api_key:
        raise ConfigError("BRIEFBOT_BACKEND=openai needs OPENAI_API_KEY")
    backend = "openai" if api_key and wanted != "embedded" else "embedded"

    return Settings(
        db_path=get("BRIEFBOT_DB", "briefbot.db"),
        timezone=timezone,
        backend=backend,
        openai_api_key=api_key,
        openai_base_url=get("OPENAI_BASE_URL"),
        model=get("BRIEFBOT_MODEL", "gpt-4.1-mini"),
        max_input_tokens=_int(env, "BRIEFBOT_MAX_INPUT_TOKENS", 12_000, minimum=500),
        openai_timeout=_float(env, "BRIEFBOT_OPENAI_TIMEOUT", 30.0),
        daily_token_budget=_int(env, "BRIEFBOT_DAILY_TOKEN_BUDGET", None, minimum=1),
        prices=_prices(get("BRIEFBOT_PRICES", "")),
        fetch_allow=_allow_list(get("BRIEFBOT_FETCH_ALLOW", "")),
        fetch_connect_timeout=_float(env, "BRIEFBOT_FETCH_CONNECT_TIMEOUT", 5.0),
        fetch_total_timeout=_float(env, "BRIEFBOT_FETCH_TIMEOUT", 20.0),
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_api_url=get("SLACK_API_URL"),
        slack_client_id=get("SLACK_CLIENT_ID"),
        slack_client_secret=get("SLACK_CLIENT_SECRET"),
        slack_redirect_uri=get("SLACK_REDIRECT_URI"),
        host=get("BRIEFBOT_HOST", "0.0.0.0"),
        port=_int(env, "PORT", 3000, minimum=0),
        max_links_per_message=_int(env, "BRIEFBOT_MAX_LINKS_PER_MESSAGE", 5, minimum=1),
        workers=_int(env, "BRIEFBOT_WORKERS", 4, minimum=1),
        max_attempts=_int(env, "BRIEFBOT_MAX_ATTEMPTS", 3, minimum=1),
        digest_grace_seconds=_duration_seconds(env, "BRIEFBOT_DIGEST_GRACE", 7200),
        skip_empty_digest=get("BRIEFBOT_SKIP_EMPTY_DIGEST", "0") in ("1", "true", "yes", "on"),
        log_level=get("BRIEFBOT_LOG_LEVEL", "INFO").upper(),
        log_format=_choice(env, "BRIEFBOT_LOG_FORMAT", ("text", "json")),
    )
