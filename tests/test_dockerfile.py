"""The Dockerfile's stated paths and command exist in the package (no Docker engine needed)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_copied_paths_exist():
    copied = re.findall(r"^COPY\s+(.+?)\s+\S+$", DOCKERFILE, flags=re.M)
    sources = [src for line in copied for src in line.split()]
    assert sources, "no COPY lines"
    for src in sources:
        assert (ROOT / src).exists(), f"Dockerfile copies {src}, which is not in the repo"


def test_command_is_the_console_script_and_run_exists():
    cmd = re.search(r'^CMD\s+\["([^"]+)",\s*"([^"]+)"\]', DOCKERFILE, flags=re.M)
    assert cmd, "no exec-form CMD"
    script, sub = cmd.groups()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert script in scripts and scripts[script] == "bot.cli:main"
    assert sub in cli.commands


def test_data_volume_non_root_user_and_healthcheck():
    assert "BRIEFBOT_DB=/data/briefbot.db" in DOCKERFILE
    assert re.search(r'^VOLUME \["/data"\]', DOCKERFILE, flags=re.M)
    user = re.search(r"^USER\s+(\S+)", DOCKERFILE, flags=re.M)
    assert user and user.group(1) not in ("root", "0")
    assert "HEALTHCHECK" in DOCKERFILE and "/healthz" in DOCKERFILE
    assert re.search(r"^FROM python:3\.1\d-slim", DOCKERFILE, flags=re.M)


def test_dockerignore_keeps_secrets_and_databases_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", "*.db", ".venv", ".git"):
        assert entry in ignored
