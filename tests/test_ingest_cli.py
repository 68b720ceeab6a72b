"""`briefbot ingest` end to end: a real article server on 127.0.0.1, a real SQLite file, the real CLI.

Every bad input gives one line naming the source and the cause, and nothing is written half-way.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.helpers.articles import ARTICLE


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env; the default ./briefbot.db lands here
    db = tmp_path / "cli.db"
    runner = CliRunner()

    def invoke(*args, env=None, input=None):
        base_env = {"BRIEFBOT_FETCH_ALLOW": "127.0.0.1", "BRIEFBOT_FETCH_TIMEOUT": "2", "OPENAI_API_KEY": ""}
        return runner.invoke(cli, ["--db", str(db), *args], env={**base_env, **(env or {})}, input=input)

    invoke.db = db
    return invoke


def _rows(db, table):
    return sqlite3.connect(db).execute(f"select count(*) from {table}").fetchone()[0]


def _error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def test_ingest_url_prints_the_brief_json_contract(run, article_server):
    article_server.html("/news/hold", ARTICLE)
    result = run("ingest", article_server.url("/news/hold?utm_source=x"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"id", "url", "title", "source", "published", "language", "tldr", "key_points",
                         "open_questions", "storylines", "events", "entities", "backend"}
    assert data["language"] == "en"
    assert data["id"] == "B1"
    assert data["url"] == article_server.url("/news/hold")  # tracking parameter removed
    assert data["title"] == "Central bank holds rates as inflation cools"
    assert data["published"] == "2025-10-27"
    assert data["backend"] == "embedded"
    assert 2 <= len(data["key_points"]) <= 3 and data["tldr"] not in data["key_points"]
    assert any("unclear whether" in q for q in data["open_questions"])
    assert [e["date"] for e in data["events"]] == ["2025-10-29"]  # "on Wednesday", from Monday 27 Oct


def test_same_url_twice_returns_the_stored_brief_without_a_second_fetch(run, article_server):
    article_server.html("/news/hold", ARTICLE)
    first = json.loads(run("ingest", article_server.url("/news/hold"), "--json").stdout)
    second = json.loads(run("ingest", article_server.url("/news/hold#comments"), "--json").stdout)
    assert first == second
    assert article_server.count("/news/hold") == 1
    assert _rows(run.db, "briefs") == 1


def test_text_file_and_stdin(run, tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# Trade talks resume\n\n" + " ".join(
        ["Negotiators from both sides will meet in Geneva next week to resume talks on tariffs."] * 1
        + ["Officials said the two sides had narrowed their differences on farm purchases and export controls."]
        + ["Whether a final deal can be reached before the end of the year remains unclear."]
        + ["Markets rose on the news, led by shares of exporters and shipping companies."]))
    result = run("ingest", str(path), "--published", "2025-10-27", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "Trade talks resume"
    assert data["events"] and data["events"][0]["precision"] == "week"
    piped = run("ingest", "-", "--json", input="Stocks rose on Tuesday. " * 3 + "The rally was broad-based, "
                "with banks and technology shares leading the gains as bond yields fell for a third day.")
    assert piped.exit_code == 0, piped.output


@pytest.mark.parametrize(
    ("setup", "path", "cause"),
    [
        (lambda s: s.route("/missing", status=404, body=b"nope"), "/missing", "HTTP 404"),
        (lambda s: s.route("/broken", status=500, body=b"oops"), "/broken", "HTTP 500"),
        (lambda s: s.slow("/slow", delay=5), "/slow", "timed out"),
        (lambda s: s.route("/img", body=b"\x89PNG", headers={"Content-Type": "image/png"}), "/img",
         "unsupported content type"),
        (lambda s: s.route("/doc", body=b"%PDF-1.7", headers={"Content-Type": "application/pdf"}), "/doc",
         "PDF not supported yet"),
        (lambda s: s.huge("/huge", size=6 * 1024 * 1024), "/huge", "larger than 5 MB"),
        (lambda s: (s.redirect("/a", "/b"), s.redirect("/b", "/a")), "/a", "redirects"),
        (lambda s: s.html("/empty", "<html><body><script>app()</script></body></html>"), "/empty",
         "no article text found"),
    ],
)
def test_bad_sources_give_one_line_and_write_nothing(run, article_server, setup, path, cause):
    setup(article_server)
    url = article_server.url(path)
    result = run("ingest", url)
    assert result.exit_code == 1
    errors = _error_lines(result)
    assert len(errors) == 1, result.stderr
    assert url in errors[0] and cause in errors[0]
    assert _rows(run.db, "articles") == 0 and _rows(run.db, "briefs") == 0


def test_unreachable_host_and_refused_private_address(run):
    import socket

    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("ingest", f"http://127.0.0.1:{port}/x", "http://10.0.0.7/internal", "http://0x7f.1/admin",
                 env={"BRIEFBOT_FETCH_ALLOW": ""})
    assert result.exit_code == 1
    errors = _error_lines(result)
    assert len(errors) == 3, result.stderr
    assert "10.0.0.7" in errors[1] and ("private" in errors[1] or "not allowed" in errors[1] or "refused" in errors[1])
    assert "0x7f.1" in errors[2]


def test_allowed_loopback_but_closed_port_is_connection_refused(run):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("ingest", f"http://127.0.0.1:{port}/x")
    assert result.exit_code == 1
    assert "refused" in _error_lines(result)[0]


def test_non_utf8_page_is_decoded(run, article_server):
    def page(word: str) -> bytes:
        html = ARTICLE.replace('<meta charset="utf-8">', "").replace("summer", f"{word} — été")
        return html.encode("cp1252")

    article_server.route("/latin", body=page("first"), headers={"Content-Type": "text/html; charset=windows-1252"})
    article_server.route("/lying", body=page("second"), headers={"Content-Type": "text/html; charset=utf-8"})
    for path in ("/latin", "/lying"):
        result = run("ingest", article_server.url(path))
        assert result.exit_code == 0, result.output
    texts = [row[0] for row in sqlite3.connect(run.db).execute("select text from articles order by id")]
    assert len(texts) == 2
    assert "first — été" in texts[0] and "second — été" in texts[1]


def test_binary_file_and_missing_file_are_clear_errors(run, tmp_path):
    binary = tmp_path / "blob.html"
    binary.write_bytes(b"\x00\x01\x02" * 1000)
    result = run("ingest", str(binary), str(tmp_path / "nope.txt"))
    assert result.exit_code == 1
    errors = _error_lines(result)
    assert len(errors) == 2
    assert "binary" in errors[0] and "no such file" in errors[1]


def test_one_failure_does_not_stop_the_rest(run, article_server):
    article_server.html("/good", ARTICLE)
    article_server.route("/bad", status=404)
    result = run("ingest", article_server.url("/bad"), article_server.url("/good"), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 1 and data[0]["title"].startswith("Central bank")
    assert len(_error_lines(result)) == 1


def test_show_and_briefs(run, article_server):
    article_server.html("/news/hold", ARTICLE)
    run("ingest", article_server.url("/news/hold"))
    shown = run("show", "b1")
    assert shown.exit_code == 0 and "TL;DR:" in shown.stdout
    missing = run("show", "B99")
    assert missing.exit_code == 1 and _error_lines(missing) == ["Error: no brief B99 (see `briefbot briefs`)"]
    listed = run("briefs", "--json")
    assert [b["id"] for b in json.loads(listed.stdout)] == ["B1"]
