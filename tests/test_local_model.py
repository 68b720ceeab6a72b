"""The local embedding model (BRIEFBOT_EMBEDDING_PATH): a model2vec folder in its real on-disk layout.

Every model is built by the test (tests/helpers/static_model.py mirrors what model2vec 0.10 saves), never
downloaded. Each check runs through both readers: `LocalEmbedder(path)` uses the model2vec package when
it is installed (`briefbot[local]`), `LocalEmbedder(path, library=False)` is the numpy reader — they must
give the same vectors.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.errors import ConfigError
from bot.pipeline.embeddings import LocalEmbedder, fusion_weight, pack, question_vector, unpack
from bot.pipeline.ingest import Placement, Source
from bot.pipeline.retrieve import retrieve
from bot.pipeline.rrf import fuse
from bot.services import build_services
from tests.helpers.static_model import write_model2vec_folder

TEAM, CHANNEL = "T1", "C1"
VOCAB = ["[PAD]", "[UNK]", ",", "!", "-", "£", "cafe", "sofa", "couch", "rain", "oak", "##s", "10"]
READERS = [pytest.param(True, id="model2vec-if-installed"), pytest.param(False, id="numpy-reader")]


def _matrix(rows: int, dim: int = 4, seed: int = 7) -> np.ndarray:
    # float16-exact values, so both readers start from the same numbers
    return np.random.default_rng(seed).integers(-8, 9, size=(rows, dim)).astype(np.float32) / 8


def _mean(matrix, rows, normalize=True):
    v = np.mean([matrix[r] for r in rows], axis=0)
    return v / np.linalg.norm(v) if normalize else v


@pytest.mark.parametrize("library", READERS)
def test_text_vector_is_the_normalised_mean_of_its_known_tokens(tmp_path, library):
    matrix = _matrix(len(VOCAB))
    folder = write_model2vec_folder(tmp_path / "tiny", VOCAB, matrix)
    model = LocalEmbedder(folder, library=library)
    assert re.fullmatch(r"local:tiny:[0-9a-f]{10}", model.model)
    ix = VOCAB.index
    sofas, cafe, unknown, money = model.embed(["Café SOFAS, qqq!", "cafe", "sofaq qqq", "£10-"])
    # accents stripped and lower-cased (BertNormalizer), "##s" continues "sofa", punctuation is a token,
    # an unknown word is dropped whole (its known prefix "sofa" is not used), no special tokens are added
    assert sofas == pytest.approx(_mean(matrix, [ix("cafe"), ix("sofa"), ix("##s"), ix(","), ix("!")]), abs=2e-3)
    assert np.linalg.norm(cafe) == pytest.approx(1.0, abs=2e-3)
    assert unpack(pack(cafe)) == pytest.approx(cafe)  # as chunk_vectors stores it
    assert unknown == pytest.approx([0.0] * 4)
    # a currency sign is not punctuation to BERT: "£10" is one word, unknown as a whole; "-" is split off
    assert money == pytest.approx(_mean(matrix, [ix("-")]), abs=2e-3)


@pytest.mark.parametrize("library", READERS)
def test_unnormalised_model_keeps_the_plain_mean(tmp_path, library):
    matrix = _matrix(len(VOCAB))
    folder = write_model2vec_folder(tmp_path / "plain", VOCAB, matrix, normalize=False)
    (vector,) = LocalEmbedder(folder, library=library).embed(["oak rain"])
    assert vector == pytest.approx(_mean(matrix, [VOCAB.index("oak"), VOCAB.index("rain")], normalize=False),
                                   abs=2e-3)


@pytest.mark.parametrize("library", READERS)
def test_vocabulary_quantised_model_reads_mapping_and_weights(tmp_path, library):
    rows = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=np.float32)
    mapping = np.array([i % 3 for i in range(len(VOCAB))])  # token id -> shared row
    weights = np.linspace(0.5, 2.0, len(VOCAB))
    folder = write_model2vec_folder(tmp_path / "quantised", VOCAB, rows, normalize=False, weights=weights,
                                    mapping=mapping)
    (vector,) = LocalEmbedder(folder, library=library).embed(["sofa oak"])
    s, o = VOCAB.index("sofa"), VOCAB.index("oak")
    expected = (rows[mapping[s]] * np.float16(weights[s]) + rows[mapping[o]] * np.float16(weights[o])) / 2
    assert vector == pytest.approx(expected, abs=2e-3)


def test_both_readers_agree(tmp_path):
    vocab = [*VOCAB, "the", "rains", "came", "##y", "day", "."]
    folder = write_model2vec_folder(tmp_path / "m", vocab, _matrix(len(vocab), dim=8, seed=3))
    texts = ["The rains came.", "Rainy day, oak sofa!", "Nothing known here", "", "CAFÉ—couch"]
    assert np.allclose(LocalEmbedder(folder).embed(texts), LocalEmbedder(folder, library=False).embed(texts),
                       atol=2e-3)


def test_model_name_changes_when_the_folder_holds_another_model(tmp_path):
    first = LocalEmbedder(write_model2vec_folder(tmp_path / "m", VOCAB, _matrix(len(VOCAB), seed=1))).model
    second = LocalEmbedder(write_model2vec_folder(tmp_path / "m", VOCAB, _matrix(len(VOCAB), seed=2))).model
    assert first.startswith("local:m:") and second.startswith("local:m:") and first != second


@pytest.mark.parametrize("missing", ["config.json", "model.safetensors", "tokenizer.json"])
def test_folder_missing_a_model2vec_file_is_a_config_error(tmp_path, missing):
    folder = write_model2vec_folder(tmp_path / "m", VOCAB, _matrix(len(VOCAB)))
    (folder / missing).unlink()
    with pytest.raises(ConfigError, match="config.json, model.safetensors and tokenizer.json"):
        LocalEmbedder(folder)


def test_numpy_reader_refuses_a_tokenizer_it_cannot_follow(tmp_path):
    folder = write_model2vec_folder(tmp_path / "m", VOCAB, _matrix(len(VOCAB)))
    spec = json.loads((folder / "tokenizer.json").read_text())
    spec["model"] = {"type": "Unigram", "unk_id": 1, "vocab": [[w, 0.0] for w in VOCAB]}
    (folder / "tokenizer.json").write_text(json.dumps(spec))
    with pytest.raises(ConfigError, match="needs the model2vec package"):
        LocalEmbedder(folder, library=False)


def test_a_vocabulary_the_matrix_does_not_match_is_a_config_error(tmp_path):
    folder = write_model2vec_folder(tmp_path / "m", VOCAB, _matrix(len(VOCAB) - 2))
    with pytest.raises(ConfigError):
        LocalEmbedder(folder)


COUCH = """# Nordic couch maker expands

Lindqvist Mobler, the family couch maker based in Vaxjo, said its workshop now employs 140 carpenters. The
firm plans to open a second workshop in the spring. Orders from hotels doubled over the past year."""


def test_embedded_backend_with_a_local_model_retrieves_densely(settings, clock, tmp_path):
    vocab = ["[PAD]", "[UNK]", "couch", "settee", "carpenters", "craftsmen", "workshop", "oak", "hotels"]
    matrix = np.eye(len(vocab), dtype=np.float32)
    matrix[3] = matrix[2]  # settee ~ couch
    matrix[5] = matrix[4]  # craftsmen ~ carpenters
    folder = write_model2vec_folder(tmp_path / "m", vocab, matrix)
    svc = build_services(dataclasses.replace(settings, embedding_path=str(folder)), clock=clock)
    try:
        brief = svc.ingestor.ingest(Source("text", COUCH, "sample"), Placement(team=TEAM, channel=CHANNEL),
                                    published=dt.date(2025, 10, 20)).brief_id
        model = svc.backend.embedder.model
        assert model.startswith("local:m:") and svc.store.count_chunk_vectors(model) >= 1
        question = "Which settee outfit uses craftsmen?"
        assert retrieve(svc.store, question, TEAM, CHANNEL) == []  # no shared word
        dense = question_vector(svc.backend.embedder, question)
        assert dense is not None and dense[0] == model
        assert [p.brief_id for p in retrieve(svc.store, question, TEAM, CHANNEL, dense=dense)][:1] == [brief]
    finally:
        svc.close()


def test_cli_names_a_bad_model_folder_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = write_model2vec_folder(tmp_path / "half", VOCAB, _matrix(len(VOCAB)))
    (folder / "config.json").unlink()
    env = {"BRIEFBOT_EMBEDDING_PATH": str(folder), "OPENAI_API_KEY": "", "BRIEFBOT_BACKEND": "embedded"}
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "b.db"), "ask", "What is new?"], env=env)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: BRIEFBOT_EMBEDDING_PATH '{folder}' is not a model2vec model "
                                          "folder: it needs config.json, model.safetensors and tokenizer.json"]


def test_a_static_model_only_fills_places_the_words_leave_empty(tmp_path):
    local = LocalEmbedder(write_model2vec_folder(tmp_path / "m", VOCAB, _matrix(len(VOCAB))))
    words, nearest = ["a", "b", "c"], ["c", "e", "a", "f"]
    assert fuse([words, nearest])[:2] == ["a", "c"]  # equal fusion lifts "c" over the words' second place
    assert fuse([words, nearest], weights=(1.0, 0.5))[:3] == ["a", "c", "b"]
    assert fuse([words, nearest], weights=(1.0, fusion_weight(local))) == ["a", "b", "c", "e", "f"]
    assert fusion_weight(None) == fusion_weight(object()) == 1.0  # other embedders (OpenAI): equal fusion
