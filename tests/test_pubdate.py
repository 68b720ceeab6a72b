"""The page's own first-publication date, in the publisher's calendar; `--published` overrides it."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from bot.cli import cli
from bot.pipeline.extract import extract_html
from bot.pipeline.pubdate import page_published_date

BODY = " ".join(["The harbour authority approved the new ferry timetable after a long public consultation."] * 8)


def page(head: str = "", byline: str = "", url_path: str = "/news/ferry-timetable") -> str:
    return (f"<html lang='en'><head><title>Ferry timetable approved</title>"
            f"<link rel='canonical' href='https://harbour.example{url_path}'>{head}</head>"
            f"<body><article><h1>Ferry timetable approved</h1><div class='byline'>{byline}</div>"
            f"<p>{BODY}</p><p>{BODY}</p></article></body></html>")


def test_visible_local_byline_beats_the_utc_timestamp_of_the_same_instant():
    html = page(head="<meta property='article:published_time' content='2019-11-20T04:31:13+00:00'>",
                byline="<span>Nov 19, 2019, 10:31 pm CST</span>")
    assert page_published_date(html) == dt.date(2019, 11, 19)
    assert extract_html(html).published == dt.date(2019, 11, 19)


def test_a_timestamp_with_a_local_offset_beats_a_utc_one():
    html = page(head="<meta property='article:published_time' content='2019-11-20T05:57:50Z'>"
                     "<meta name='sailthru.date' content='2019-11-19 21:57:00 -0800'>")
    assert page_published_date(html) == dt.date(2019, 11, 19)


def test_published_not_modified():
    ld = {"@context": "https://schema.org", "@type": "NewsArticle",
          "dateModified": "2019-11-19T09:00:00+01:00", "datePublished": "2019-11-18T10:45:00+01:00"}
    html = page(head=f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
                     "<meta property='article:modified_time' content='2019-11-19T09:00:00+01:00'>",
                byline="Updated Nov 19, 2019 9:00 am")
    assert page_published_date(html) == dt.date(2019, 11, 18)


def test_a_visible_date_far_from_the_timestamp_is_another_story():
    html = page(head="<meta property='article:published_time' content='2019-11-18T10:00:00+00:00'>",
                byline="<span class='date'>Nov 18, 2019</span> Related: <time>Oct 2, 2019</time>")
    assert page_published_date(html) == dt.date(2019, 11, 18)


def test_without_metadata_the_visible_published_line_then_the_url():
    assert page_published_date(page(byline="Published March 3, 2021 at 8:15 am")) == dt.date(2021, 3, 3)
    assert page_published_date(page(url_path="/2019/11/18/ferry-timetable/")) == dt.date(2019, 11, 18)
    assert page_published_date(page()) is None


def test_cli_published_overrides_the_page_date(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "ferry.html"
    path.write_text(page(head="<meta property='article:published_time' content='2019-11-18T10:00:00+01:00'>"))
    runner = CliRunner()
    env = {"OPENAI_API_KEY": ""}
    own = runner.invoke(cli, ["--db", str(tmp_path / "a.db"), "ingest", str(path), "--json"], env=env)
    assert json.loads(own.stdout)["published"] == "2019-11-18"
    forced = runner.invoke(cli, ["--db", str(tmp_path / "b.db"), "ingest", str(path), "--published", "2019-12-01",
                                 "--json"], env=env)
    assert json.loads(forced.stdout)["published"] == "2019-12-01"
    help_text = runner.invoke(cli, ["ingest", "--help"]).stdout
    assert "overrides" in help_text
