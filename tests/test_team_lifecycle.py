"""A workspace leaving: `stop_team` (schedules off, queued jobs failed) and `briefbot team purge`.

Real SQLite under tmp_path, briefs written by the real ingest pipeline, the real CLI through click.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import cli
from bot.pipeline.ingest import Placement, Source

ALPHA, BETA = "T0ALPHA", "T0BETA"


def _text(title: str, body: str) -> Source:
    text = f"# {title}\n\n" + " ".join([body] * 4)
    return Source("text", text, title)


def _seed(services, tmp_path):
    """Two briefs for ALPHA; one article both teams briefed. Pasted text is never shared across
    conversations, so the shared one is a file the operator briefed for both."""
    ingest = services.ingestor.ingest
    shared_file = tmp_path / "rail-operator.md"
    shared_file.write_text(_text("Rail operator orders new trains", "The rail operator ordered forty new trains "
                           "on Monday and said the first would enter service on Friday, November 7, after safety "
                           "tests.").value)
    shared = Source("file", str(shared_file), shared_file.name)
    only_alpha = _text("City council delays budget vote", "The city council delayed its budget vote on Tuesday "
                       "and will meet again on Wednesday, November 5, to settle the transport spending plan.")
    ingest(shared, Placement(team=ALPHA, channel="C0ALPHA"))
    ingest(only_alpha, Placement(team=ALPHA, channel="C0ALPHA"))
    ingest(shared, Placement(team=BETA, channel="C0BETA"))
    now = services.clock.utc_stamp()
    services.store.record_usage({"team": ALPHA, "kind": "answer", "model": "gpt-4.1-mini", "prompt_tokens": 100,
                                 "completion_tokens": 20, "cached_tokens": 0, "day": now[:10], "created_at": now})
    for team, channel in ((ALPHA, "C0ALPHA"), (BETA, "C0BETA")):
        services.store.upsert_schedule(channel=channel, team=team, time="08:00", timezone="UTC", days="mon",
                                       now=now)


def _count(store, sql, params=()):
    return store._one(sql, list(params))["n"]


def test_stop_team_turns_off_its_schedules_and_fails_its_queued_jobs(services, tmp_path):
    _seed(services, tmp_path)
    store, now = services.store, services.clock.utc_stamp()
    store.enqueue_job({"team": ALPHA, "channel": "C0ALPHA", "message_ts": "1.1", "kind": "posted_link",
                       "source": "https://example.org/a"}, now)
    store.enqueue_job({"team": BETA, "channel": "C0BETA", "message_ts": "1.2", "kind": "posted_link",
                       "source": "https://example.org/b"}, now)
    assert store.stop_team(ALPHA, now=now) == {"schedules": 1, "jobs": 1}
    assert not store.get_schedule("C0ALPHA")["enabled"] and store.get_schedule("C0BETA")["enabled"]
    states = {r["team"]: r["state"] for r in store._query("select team, state from jobs")}
    assert states == {ALPHA: "failed", BETA: "queued"}
    assert store.list_briefs(team=ALPHA)  # kept until purged


def test_team_purge_dry_run_counts_and_purge_deletes_only_that_team(services, settings, tmp_path):
    _seed(services, tmp_path)
    store = services.store
    alpha_briefs = [b["id"] for b in store.list_briefs(team=ALPHA)]
    assert len(alpha_briefs) == 2
    articles_before = _count(store, "select count(*) as n from articles")
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["--db", str(settings.db_path), "team", "purge", *args], env={})

    dry = invoke(ALPHA, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    rows = json.loads(dry.output)["rows"]
    assert rows["briefs"] == 2 and rows["usage"] >= 1 and rows["schedules"] == 1 and rows["articles"] == 1
    assert rows["storylines"] >= 1
    assert len(store.list_briefs(team=ALPHA)) == 2  # nothing deleted

    done = invoke(ALPHA)
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"Team {ALPHA}: deleted 2 briefs")
    assert store.list_briefs(team=ALPHA) == []
    assert _count(store, "select count(*) as n from storylines where team = ?", [ALPHA]) == 0
    assert _count(store, "select count(*) as n from usage where team = ?", [ALPHA]) == 0
    assert store.get_schedule("C0ALPHA") is None
    placeholders = ",".join("?" * len(alpha_briefs))
    assert _count(store, f"select count(*) as n from events where brief_id in ({placeholders})", alpha_briefs) == 0
    # The article BETA also briefed stays (with its search rows); the one only ALPHA briefed is gone.
    assert _count(store, "select count(*) as n from articles") == articles_before - 1
    assert len(store.list_briefs(team=BETA)) == 1 and store.get_schedule("C0BETA")["enabled"]
    assert _count(store, "select count(*) as n from brief_search") == 1

    again = invoke(ALPHA)
    assert again.exit_code == 0 and "Nothing stored" in again.output


def test_team_purge_refuses_what_is_not_a_team_id(settings):
    result = CliRunner().invoke(cli, ["--db", str(settings.db_path), "team", "purge", "all"], env={})
    assert result.exit_code != 0
    assert "Error: 'all' is not a Slack team id" in result.output
