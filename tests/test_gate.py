"""The input gate and language detection: through the real CLI and SQLite file, and through Slack.

Texts are our own: a German and a Japanese news snippet, word salad, a table of numbers, program code.
"""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.errors import InputError
from bot.pipeline.gate import MAX_INPUT_BYTES, check_prose
from bot.pipeline.language import detect_language, language_note
from tests.helpers.article_server import article_server  # noqa: F401 - fixture
from tests.helpers.articles import ARTICLE
from tests.helpers.fake_slack import fake_slack, slack_bot  # noqa: F401 - fixtures
from tests.helpers.store_peek import job_rows

GERMAN = """Stadtrat beschließt neue Straßenbahn zum Flughafen

Der Stadtrat hat am Montagabend den Bau einer neuen Straßenbahnlinie zum Flughafen beschlossen. Die Linie soll
rund zwei Milliarden Euro kosten und nach Angaben der Verkehrsbetriebe täglich etwa 40.000 Fahrgäste befördern.

Mit dem Bau soll im nächsten Frühjahr begonnen werden. Ob der Bund seinen Anteil an den Kosten übernimmt, ist
noch nicht entschieden. Die Opposition kritisierte, dass für die Straßenbahn mehrere Buslinien gestrichen werden.

Der Oberbürgermeister sprach von einem guten Tag für die Stadt. Die Wirtschaft begrüßte die Entscheidung, weil
die Anbindung des Flughafens für die Unternehmen in der Region seit Jahren ein Problem sei.
"""

JAPANESE = """市議会、空港への新しい路面電車を承認

市議会は月曜日の夜、空港と中心部を結ぶ新しい路面電車の建設を承認した。総工費は約二千億円で、一日に約四万人の利用を見込む。
工事は来年の春に始まる予定だ。国が費用の一部を負担するかどうかはまだ決まっていない。
野党は、路面電車のために複数のバス路線が廃止されることを批判した。市長は記者会見で「市にとって良い日だ」と述べた。
"""

_VOCAB = ("harbour velvet quantum pencil orbit lantern marble syrup glacier tundra saddle violin meadow "
          "copper ferry thunder biscuit canyon walrus timber oyster prism falcon nutmeg ribbon anchor "
          "cobalt willow pepper sonnet dynamo quartz lagoon ember tulip badger crater pixel").split()


def word_salad(words: int = 400, seed: int = 7) -> str:
    rng = random.Random(seed)
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(" ".join(rng.choice(_VOCAB) for _ in range(rng.randint(6, 14))).capitalize() + ".")
    return " ".join(sentences)


def shuffled_prose(seed: int = 3) -> str:
    """Real English words in no order: function words are all there, the grammar is not."""
    words = (ARTICLE_TEXT * 4).split()
    random.Random(seed).shuffle(words)
    return " ".join(words)


ARTICLE_TEXT = (
    "The city council approved a new light-rail line to the airport on Monday night. The line will cost about "
    "$2.1 billion and is expected to carry 40,000 riders a day once it opens in 2029. Construction is set to "
    "begin next spring, the transport department said in a statement. Opponents said several bus routes would "
    "be cut to pay for the project, and it remains unclear whether the federal government will pay its share. "
    "The mayor called the vote a turning point for a region that has argued about the airport link for decades."
)

NUMBERS = "\n".join(
    f"{2000 + i}\t{i * 3.5:.1f}\t{i * 1.25:.2f}%\t{1000 + 17 * i}\t{-i * 0.4:.1f}\t{i * 12}" for i in range(60)
)

CODE = '''import json
from pathlib import Path


def load(path):
    """Read the settings."""
    with open(path) as handle:
        data = json.load(handle)
    if not data.get("enabled"):
        return {}
    result = {key: value for key, value in data.items() if key != "secret"}
    for name in ("alpha", "beta"):
        result[name] = result.get(name, 0) + 1
    return result


class Cache:
    def __init__(self):
        self.items = {}

    def get(self, key):
        return self.items.get(key)
'''


# -- unit: language and prose ------------------------------------------------------------------------------


def test_languages_of_our_snippets_are_detected():
    assert detect_language(ARTICLE_TEXT) == "en"
    assert detect_language(GERMAN) == "de"
    assert detect_language(JAPANESE) == "ja"
    assert detect_language("Le conseil municipal a approuvé une nouvelle ligne de tramway pour l'aéroport, "
                           "qui sera construite dans les deux ans et coûtera deux milliards.") == "fr"
    assert detect_language("ok") == "und"


@pytest.mark.parametrize(
    "text, reason",
    [
        (word_salad(), "list of words"),
        (shuffled_prose(), "word salad"),
        (NUMBERS, "figures"),
        (CODE, "program code"),
    ],
    ids=["salad", "shuffled", "numbers", "code"],
)
def test_text_that_is_not_prose_is_refused_with_a_reason(text, reason):
    with pytest.raises(InputError, match=reason):
        check_prose(text)


def test_prose_in_any_language_passes_and_a_short_paste_is_not_judged():
    assert check_prose(ARTICLE_TEXT).code == "en"
    assert check_prose(GERMAN).code == "de"
    assert check_prose(JAPANESE).code == "ja"
    assert check_prose("Fed holds rates; 2.5% 3.1% 4.0%").code  # too short to judge: let through


def test_the_note_names_the_language_only_for_the_embedded_backend():
    assert language_note("de") == "German text: events not extracted"
    assert language_note("ja", "embedded (fallback)") == "Japanese text: events not extracted"
    assert language_note("en") is None and language_note("und") is None
    assert language_note("de", "openai") is None


# -- through the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "gate.db"
    runner = CliRunner()

    def invoke(*args, input=None):
        env = {"BRIEFBOT_FETCH_ALLOW": "127.0.0.1", "OPENAI_API_KEY": ""}
        return runner.invoke(cli, ["--db", str(db), *args], env=env, input=input)

    return invoke


def _errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


@pytest.mark.parametrize("name, text, reason", [
    ("salad.txt", word_salad(), "list of words"),
    ("table.txt", NUMBERS, "figures"),
    ("tool.md", CODE, "program code"),
])
def test_cli_refuses_files_and_stdin_that_are_not_prose_in_one_line(run, tmp_path, name, text, reason):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    for args, stdin in (((str(path),), None), (("-",), text)):
        result = run("ingest", *args, input=stdin)
        assert result.exit_code != 0
        errors = _errors(result)
        assert len(errors) == 1 and reason in errors[0] and "not an article" in errors[0], result.stderr
    assert json.loads(run("briefs", "--json").stdout) == []


def test_cli_caps_files_and_stdin_at_the_page_limit(run, tmp_path):
    big = tmp_path / "big.txt"
    paragraph = ARTICLE_TEXT + "\n\n"
    big.write_text(paragraph * (MAX_INPUT_BYTES // len(paragraph) + 10), encoding="utf-8")
    result = run("ingest", str(big))
    assert result.exit_code != 0
    assert _errors(result) == [f"Error: {big}: the file is 5.0 MB; the limit is 5 MB"]
    result = run("ingest", "-", input=big.read_text(encoding="utf-8"))
    assert len(_errors(result)) == 1 and "the text is 5.0 MB; the limit is 5 MB" in _errors(result)[0]


def test_german_and_japanese_are_briefed_by_their_lead_without_events_and_say_so(run, tmp_path):
    for name, text, code, lead in (
        ("de.txt", GERMAN, "de", "Der Stadtrat hat am Montagabend den Bau einer neuen Straßenbahnlinie zum "
                                 "Flughafen beschlossen."),
        ("ja.txt", JAPANESE, "ja", "市議会は月曜日の夜、空港と中心部を結ぶ新しい路面電車の建設を承認した。"),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        data = json.loads(run("ingest", str(path), "--published", "2025-10-27", "--json").stdout)
        assert data["language"] == code
        assert data["tldr"] == lead
        assert data["events"] == [] and data["open_questions"] == []
        title = data["storylines"][0]["title"]
        assert title and len(title) <= 40 and "。" not in title
        shown = run("show", data["id"]).stdout
        language = {"de": "German", "ja": "Japanese"}[code]
        assert f"Note: {language} text: events not extracted" in shown
    de_title = json.loads(run("show", "B1", "--json").stdout)["storylines"][0]["title"]
    assert not {"die", "der", "das", "und"} & {w.lower() for w in de_title.split()}, de_title
    english = tmp_path / "en.txt"
    english.write_text(f"Airport rail line approved\n\n{ARTICLE_TEXT}", encoding="utf-8")
    data = json.loads(run("ingest", str(english), "--json").stdout)
    assert data["language"] == "en"
    assert "Note:" not in run("show", data["id"]).stdout


# -- through Slack: the existing failure reply -----------------------------------------------------------


def test_a_linked_page_of_numbers_gets_the_failure_reply_in_slack(slack_bot, article_server):  # noqa: F811
    fake, events = slack_bot.fake, slack_bot.events
    rows = "".join(f"<p>{line.replace(chr(9), ' ')}</p>" for line in NUMBERS.splitlines())
    article_server.html("/table", f"<html><head><title>Figures</title></head><body><article>{rows}"
                                  "</article></body></html>")
    event = events.message(f"<{article_server.url('/table')}>")
    events.event(event)
    fake.wait_for(lambda: fake.calls_to("reactions.add", name="warning", timestamp=event["ts"]))
    notes = fake.posts("C0NEWS", event["ts"])
    assert len(notes) == 1
    text = notes[0].args["text"]
    assert "Couldn't brief" in text and "not an article" in text and "\n" not in text
    assert job_rows(slack_bot.store)[0]["state"] == "failed"


def test_shared_article_helper_is_still_prose():
    from bot.pipeline.extract import extract_html

    assert check_prose(extract_html(ARTICLE).text).code == "en"
