"""A newcomer's first ten minutes with the command line: the demo, help, --json everywhere, clear errors."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from bot.cli import cli

# `run` serves Slack until stopped: there is no result to print, so no --json.
NO_JSON = {"run"}


def every_command(group: click.Group = cli, prefix: str = ""):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from every_command(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"BRIEFBOT_TIMEZONE": "UTC", "OPENAI_API_KEY": "", "SLACK_BOT_TOKEN": ""}

    def invoke(*args, db: str = "cli.db"):
        return runner.invoke(cli, ["--db", str(tmp_path / db), *args], env=env)

    return invoke


def test_every_command_but_run_has_json():
    missing = [name for name, command in every_command()
               if name not in NO_JSON and "--json" not in {o for p in command.params for o in p.opts}]
    assert missing == []


def test_help_summaries_are_whole_sentences_not_cut_at_a_period():
    runner = CliRunner()
    listings = [runner.invoke(cli, ["--help"], terminal_width=80).output]
    listings += [runner.invoke(cli, [name, "--help"], terminal_width=80).output
                 for name, command in cli.commands.items() if isinstance(command, click.Group)]
    for listing in listings:
        commands = listing.split("Commands:", 1)[1]
        assert "..." not in commands and "e.g." not in commands, commands
    for name, command in every_command():
        if not command.hidden:
            assert command.short_help and len(command.short_help) <= 60, name


def test_demo_keeps_its_database_reuses_it_and_ends_with_three_commands(run, tmp_path):
    first = run("demo", "--keep", "demo.db")
    assert first.exit_code == 0, first.output
    tail = first.output.strip().splitlines()[-3:]
    assert [line.split(" --db ", 1)[1] for line in tail] == [
        "demo.db briefs", 'demo.db ask "When is the BoJ decision?"', "demo.db digest --date 2025-10-27"]
    again = run("demo", "--keep", "demo.db", "--json")
    assert again.exit_code == 0, again.output
    data = json.loads(again.output)
    assert [b["id"] for b in data["briefs"]] == ["B1", "B2", "B3", "B4"]  # reused, not briefed twice
    assert data["database"] == "demo.db" and data["digest"]["date"] == "2025-10-27" and len(data["answers"]) == 2
    listed = run("briefs", db="demo.db")
    assert len(json.loads(run("briefs", "--json", db="demo.db").output)) == 4
    header, *rows = listed.output.strip().splitlines()
    assert header.split() == ["id", "published", "briefed", "title"]
    assert rows[-1].split()[:3] == ["B1", "2025-10-24", "2025-10-27"]  # the article's date, then the brief's


def test_rebrief_of_an_unknown_id_says_there_is_none(run):
    result = run("rebrief", "b999")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: there is no brief B999 (see `briefbot briefs`)"


def test_schedule_commands_print_json(run):
    on = json.loads(run("schedule", "on", "--channel", "C0AAA", "08:15", "Europe/London", "daily", "--json").output)
    assert (on["channel"], on["time"], on["timezone"], on["enabled"]) == ("C0AAA", "08:15", "Europe/London", True)
    assert on["next"].endswith("08:15+00:00") or on["next"].endswith("08:15+01:00")
    when = json.loads(run("schedule", "when", "--channel", "C0AAA", "--json").output)
    assert when == on
    off = json.loads(run("schedule", "off", "--channel", "C0AAA", "--json").output)
    assert (off["enabled"], off["next"], off["time"]) == (False, None, "08:15")
    none = json.loads(run("schedule", "when", "--channel", "C0NONE", "--json").output)
    assert none == {"channel": "C0NONE", "enabled": False, "next": None}


def test_export_ics_prints_json(run, tmp_path):
    run("demo", "--keep", "cli.db")
    inline = json.loads(run("export", "ics", "--date", "2025-10-27", "--json").output)
    assert inline["out"] is None and inline["ics"].startswith("BEGIN:VCALENDAR")
    assert {e["title"] for e in inline["events"]} >= {"Fed rate decision"}
    written = json.loads(run("export", "ics", "--date", "2025-10-27", "--out", "week.ics", "--json").output)
    assert written["out"] == "week.ics" and "ics" not in written
    assert (tmp_path / "week.ics").read_bytes().decode().count("BEGIN:VEVENT") == len(written["events"])


def test_digest_days_limit_is_stated_and_enforced(run):
    assert "1 to 31" in run("digest", "--help").output
    result = run("digest", "--days", "40")
    assert result.exit_code == 1 and result.stderr.strip() == "Error: --days must be between 1 and 31, got 40"


def test_shell_completion_as_the_readme_shows_it(tmp_path):
    """`_BRIEFBOT_COMPLETE` (click's) completes commands and options of the installed console script."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).with_name("briefbot")
    assert "_BRIEFBOT_COMPLETE=bash_source briefbot" in (Path(__file__).parents[1] / "README.md").read_text()

    def complete(words: str) -> list[str]:
        env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1),
               "_BRIEFBOT_COMPLETE": "bash_complete"}
        done = subprocess.run([str(script)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        return [line.split(",", 1)[1] for line in done.stdout.splitlines()]

    assert complete("briefbot dig") == ["digest"]
    assert {"--png", "--post"} <= set(complete("briefbot digest --p"))
