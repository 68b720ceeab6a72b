"""Dense vectors for hybrid retrieval: the embedder protocol, indexing a new article, the local model.

An embedder turns texts into vectors in one batched call. Two kinds exist:
- the OpenAI-compatible endpoint (`bot.backends.openai.OpenAIEmbedder`), counted in usage and the
  daily budget like every model call;
- a local static-embedding model in the model2vec format (`LocalEmbedder`): a folder saved by
  model2vec (`config.json`, `model.safetensors`, `tokenizer.json`); a text's vector is the mean of its
  tokens' rows. It is read from `BRIEFBOT_EMBEDDING_PATH` and never downloaded: install
  `briefbot[local]` and put a model there to use it. Without either, retrieval stays lexical.

Vectors are stored per chunk and model (`store.save_chunk_vectors`), so an article seen again — in
another channel, or pasted twice — is never embedded again, and a question costs one embedding.
"""

from __future__ import annotations

import logging
import struct
from array import array
from pathlib import Path
from typing import Protocol

from bot.errors import ConfigError

log = logging.getLogger(__name__)

MAX_CHARS_PER_TEXT = 8000  # a chunk is ~180 words; this only guards against pathological input


class Embedder(Protocol):
    model: str

    def embed(self, texts: list[str], *, team: str = "") -> list[list[float]] | None:
        """One vector per text, in order, from one call; None when it cannot (budget, outage)."""


def pack(vector) -> bytes:
    """float32 little-endian bytes (what `chunk_vectors.vector` holds)."""
    data = array("f", (float(x) for x in vector))
    if data.itemsize != 4:  # pragma: no cover - every platform we run on has 4-byte floats
        raise ValueError("float32 arrays are required")
    return data.tobytes() if _little_endian() else _swap(data)


def unpack(blob: bytes) -> list[float]:
    data = array("f")
    data.frombytes(blob)
    if not _little_endian():  # pragma: no cover
        data.byteswap()
    return data.tolist()


def _little_endian() -> bool:
    return struct.pack("=I", 1) == struct.pack("<I", 1)


def _swap(data: array) -> bytes:  # pragma: no cover
    copy = array("f", data)
    copy.byteswap()
    return copy.tobytes()


def embedder_of(backend) -> Embedder | None:
    """The backend's embedder, if it has one configured and vectors can be searched here."""
    embedder = getattr(backend, "embedder", None)
    if embedder is None or not vectors_available():
        return None
    return embedder


def vectors_available() -> bool:
    """numpy searches the vectors (`briefbot[vectors]`); without it, retrieval stays words only."""
    global _WARNED
    try:
        import numpy  # noqa: F401
    except ImportError:
        if not _WARNED:
            log.warning("an embedding model is configured but numpy is missing: install briefbot[vectors]; "
                        "retrieval uses words only")
            _WARNED = True
        return False
    return True


_WARNED = False


def index_brief(store, embedder: Embedder | None, brief_id: str, team: str = "") -> int:
    """Embed the chunks of the brief's article that have no vector yet, in one call; returns how many.

    A failed call leaves the article lexical-only (it is logged, never raised: a brief must not be lost
    to an embedding outage) and is retried the next time the article is briefed.
    """
    if embedder is None:
        return 0
    rows = store.chunks_missing_vectors_of_brief(brief_id, embedder.model)
    if not rows:
        return 0
    vectors = embedder.embed([r["text"][:MAX_CHARS_PER_TEXT] for r in rows], team=team)
    if not vectors or len(vectors) != len(rows):
        log.warning("no embeddings for %s: its passages are found by words only", brief_id)
        return 0
    store.save_chunk_vectors(embedder.model, {r["id"]: pack(v) for r, v in zip(rows, vectors, strict=True)},
                             len(vectors[0]))
    return len(rows)


def fusion_weight(embedder: Embedder | None) -> float:
    """How much the embedder's nearest chunks count against the words' ranking in the fusion (1: equal
    reciprocal-rank fusion; 0: they only fill places the words leave empty). An embedder says so with a
    `fusion_weight` attribute; the OpenAI embedder does not, and keeps equal fusion."""
    return float(getattr(embedder, "fusion_weight", 1.0))


def question_vector(embedder: Embedder | None, question: str, team: str = ""):
    """(model, vector) for the question, or None when there is no embedder or it failed."""
    if embedder is None:
        return None
    vectors = embedder.embed([question[:MAX_CHARS_PER_TEXT]], team=team)
    if not vectors:
        return None
    return embedder.model, vectors[0]


# -- local static embeddings (model2vec format) -----------------------------------------------------


class LocalEmbedder:
    """A model2vec model read from the folder `path`, never downloaded: a text's vector is the mean of its
    tokens' rows (normalised when the model says so).

    With the model2vec package installed (`briefbot[local]`) its own loader and tokenizer are used; with
    numpy alone, `static_model` reads the same folder the same way (WordPiece tokenizers only). `model`
    names the folder and a digest of its files, so vectors stored from one model are never compared with
    another model's put in the same folder later: the new model re-embeds articles as they are briefed.

    `fusion_weight` is 0: a static model's nearest chunks only fill places the words leave empty (a
    question sharing no word with the article). Measured on the dev questions with a model distilled from
    all-MiniLM-L6-v2, equal fusion lowered recall@5 from 0.978 to 0.934 and answered 2 lexical and 3
    paraphrase questions fewer; weights 0.1 to 0.5 lowered them too: the words' two-stage ranking is far more precise than
    the model (nearest chunk right for half the questions), and any weight outranks the small RRF gaps
    between the words' first five places.
    """

    fusion_weight = 0.0

    def __init__(self, path: str | Path, *, library: bool = True):
        from bot.pipeline.static_model import StaticVectors, find_layout

        self.path = Path(path)
        layout = find_layout(self.path)
        if layout is None:
            raise ConfigError(f"BRIEFBOT_EMBEDDING_PATH {str(self.path)!r} is not a model2vec model folder: "
                              "it needs config.json, model.safetensors and tokenizer.json")
        self.model = f"local:{self.path.name}:{_digest(self.path, layout)}"
        self._encoder = (_model2vec(self.path) if library else None) or StaticVectors(self.path, layout)

    def embed(self, texts: list[str], *, team: str = "") -> list[list[float]] | None:
        return [[float(x) for x in row] for row in self._encoder.encode(list(texts))]


def _model2vec(path: Path):
    """model2vec's StaticModel of the folder, or None when the package is not installed."""
    try:
        from model2vec import StaticModel  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        return StaticModel.from_pretrained(str(path))  # an existing folder: read, never downloaded
    except Exception as err:  # noqa: BLE001 - model2vec and tokenizers raise many kinds; all mean a bad folder
        raise ConfigError(f"BRIEFBOT_EMBEDDING_PATH {str(path)!r}: model2vec cannot read it ({err})") from None


def _digest(folder: Path, layout) -> str:
    """Ten hex digits of the SHA-256 of the model's three files."""
    import hashlib

    digest = hashlib.sha256()
    for name in (layout.config, layout.tensors, layout.tokenizer):
        with open(folder / name, "rb") as f:
            digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest.hexdigest()[:10]
