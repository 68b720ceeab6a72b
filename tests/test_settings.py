"""Settings: every variable typed and ranged, bad values refused with one line, the README table kept honest."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Environment, load_settings, variables
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

BAD_VALUES = [
    ("BRIEFBOT_DIGEST_GRACE", "-2h", "a duration from 0 to 24h"),
    ("BRIEFBOT_DIGEST_GRACE", "2 weeks", "a duration from 0 to 24h"),
    ("PORT", "99999", "a port number from 0 to 65535"),
    ("PORT", "http", "a port number from 0 to 65535"),
    ("BRIEFBOT_LOG_LEVEL", "loud", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("BRIEFBOT_SKIP_EMPTY_DIGEST", "maybe", "1/0, true/false, yes/no or on/off"),
    ("BRIEFBOT_DIGEST_IMAGE", "2", "1/0, true/false, yes/no or on/off"),
    ("BRIEFBOT_WORKERS", "0", "a whole number from 1 to 64"),
    ("BRIEFBOT_OPENAI_TIMEOUT", "-1", "seconds, more than 0"),
    ("BRIEFBOT_FETCH_CONNECT_TIMEOUT", "soon", "seconds, more than 0"),
    ("BRIEFBOT_TIMEZONE", "Mars/Olympus", "an IANA time zone"),
    ("BRIEFBOT_PRICES", "gpt-x=1", "model=input/cached/output"),
    ("BRIEFBOT_FETCH_ALLOW", "10.0.0.0/99", "CIDRs"),
    ("BRIEFBOT_BACKEND", "gpt", "embedded or openai"),
]


@pytest.mark.parametrize(("name", "value", "allowed"), BAD_VALUES)
def test_a_bad_value_names_the_variable_and_what_it_allows(name, value, allowed):
    with pytest.raises(ConfigError) as err:
        load_settings({name: value}, dotenv=False)
    message = str(err.value)
    assert message.startswith(f"{name}={value!r} is not allowed") and allowed in message
    assert "\n" not in message


@pytest.mark.parametrize("word", ["1", "TRUE", "true", "Yes", "on"])
def test_flags_read_true_in_any_case(word):
    assert load_settings({"BRIEFBOT_SKIP_EMPTY_DIGEST": word}, dotenv=False).skip_empty_digest is True
    assert load_settings({"BRIEFBOT_DIGEST_IMAGE": word}, dotenv=False).digest_image is True


@pytest.mark.parametrize("word", ["0", "FALSE", "no", "Off"])
def test_flags_read_false_in_any_case(word):
    assert load_settings({"BRIEFBOT_SKIP_EMPTY_DIGEST": word}, dotenv=False).skip_empty_digest is False


def test_units_and_defaults():
    settings = load_settings({"BRIEFBOT_DIGEST_GRACE": "90m", "BRIEFBOT_MAX_INPUT_TOKENS": "8_000",
                              "BRIEFBOT_LOG_LEVEL": "debug", "PORT": "0", "BRIEFBOT_OPENAI_TIMEOUT": "12.5"},
                             dotenv=False)
    assert (settings.digest_grace_seconds, settings.max_input_tokens, settings.log_level) == (5400, 8000, "DEBUG")
    assert (settings.port, settings.openai_timeout) == (0, 12.5)
    plain = load_settings({"BRIEFBOT_DIGEST_GRACE": "   "}, dotenv=False)  # blank means unset
    assert (plain.digest_grace_seconds, plain.port, plain.skip_empty_digest, plain.digest_image) == (7200, 3000,
                                                                                                     False, False)
    assert plain.prices["gpt-4.1-mini"] == (0.40, 0.10, 1.60) and plain.fetch_allow == ()


def test_dotenv_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("BRIEFBOT_WORKERS=7\nBRIEFBOT_MAX_ATTEMPTS=5\n")
    monkeypatch.chdir(tmp_path)
    for name in variables():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRIEFBOT_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("BRIEFBOT_FETCH_ALLOW", "127.0.0.1, 10.0.0.0/8")  # list-valued variables stay plain text
    monkeypatch.setenv("BRIEFBOT_PRICES", "local-model=0.1/0.3")
    settings = load_settings()
    assert (settings.workers, settings.max_attempts) == (7, 2)
    assert settings.fetch_allow == ("127.0.0.1", "10.0.0.0/8") and settings.prices["local-model"] == (0.1, 0.1, 0.3)
    monkeypatch.setenv("PORT", "70000")
    with pytest.raises(ConfigError, match=r"^PORT='70000' is not allowed"):
        load_settings()


def _clean_env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {**keep, **extra}


@pytest.mark.parametrize(("name", "value", "allowed"), [BAD_VALUES[0], BAD_VALUES[2], BAD_VALUES[4]])
@pytest.mark.parametrize("command", [["run"], ["briefs"]])
def test_cli_and_run_print_one_error_line(tmp_path, name, value, allowed, command):
    env = _clean_env(BRIEFBOT_DB=str(tmp_path / "b.db"), SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s",
                     **{name: value})
    done = subprocess.run([sys.executable, "-m", "bot", *command], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f"Error: {name}={value!r} is not allowed; expected "
                                                f"{variables()[name]['allowed']}"]
    assert not (tmp_path / "b.db").exists()  # refused before anything was opened


def readme_settings_table() -> dict[str, str]:
    """Variable name -> the default column, for every backticked name in the README's settings table."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    table: dict[str, str] = {}
    for row in rows:
        name_cell, default_cell = [c.strip() for c in row.strip("|").split("|")][:2]
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", name_cell)
        defaults = [d.strip().strip("`") for d in default_cell.split(",")]
        for i, name in enumerate(names):
            table[name] = defaults[i] if len(defaults) == len(names) else default_cell
    return table


def test_readme_settings_table_matches_the_settings_model_both_ways():
    documented = readme_settings_table()
    model = variables()
    assert sorted(set(model) - set(documented)) == [], "variables missing from the README's table"
    assert sorted(set(documented) - set(model)) == [], "README documents variables the model does not read"
    wrong = {name: (documented[name], model[name]["default"]) for name in model
             if documented[name] != model[name]["default"]}
    assert wrong == {}, "README defaults differ from the model's"


def test_every_field_reads_exactly_one_named_variable():
    names = [info.json_schema_extra["env"] for info in Environment.model_fields.values()]
    assert len(names) == len(set(names)) and {"BRIEFBOT_OPENAI_TIMEOUT", "BRIEFBOT_FETCH_CONNECT_TIMEOUT"} <= set(names)
