"""Dense vectors for hybrid retrieval: the embedder protocol, indexing a new article, the local model.

An embedder turns texts into vectors in one batched call. Two kinds exist:
- the OpenAI-compatible endpoint (`bot.backends.openai.OpenAIEmbedder`), counted in usage and the
  daily budget like every model call;
- a local static-embedding model in the model2vec format (`LocalEmbedder`): a `model.safetensors`
  holding one embedding matrix and a `tokenizer.json`; a text's vector is the mean of its tokens'
  rows. It is read from a folder (`BRIEFBOT_EMBEDDING_PATH`) and never downloaded: install
  `briefbot[local]` and put a model there to use it. Without either, retrieval stays lexical.

Vectors are stored per chunk and model (`store.save_chunk_vectors`), so an article seen again — in
another channel, or pasted twice — is never embedded again, and a question costs one embedding.
"""

from __future__ import annotations

import json
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
    """A model2vec-format model read from `path`: token rows of one matrix, mean-pooled, no network.

    The tokenizer is applied the simple way model2vec's static models allow: lower-cased words looked
    up whole, else split greedily into the longest known pieces ("##" continuations, WordPiece style);
    unknown pieces are skipped. When the `model2vec` package is installed (`briefbot[local]`), its own
    loader and tokenizer are used instead.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.model = f"local:{self.path.name}"
        if not (self.path / "model.safetensors").is_file() or not (self.path / "tokenizer.json").is_file():
            raise ConfigError(f"BRIEFBOT_EMBEDDING_PATH {str(self.path)!r} needs model.safetensors and tokenizer.json")
        self._static = _model2vec(self.path)
        if self._static is None:
            self.matrix = read_safetensors_matrix(self.path / "model.safetensors")
            self.vocab = _vocab(self.path / "tokenizer.json")

    def embed(self, texts: list[str], *, team: str = "") -> list[list[float]] | None:
        if self._static is not None:
            return [list(map(float, v)) for v in self._static.encode(texts)]
        import numpy as np

        out = []
        for text in texts:
            ids = self.token_ids(text)
            rows = self.matrix[ids] if ids else np.zeros((1, self.matrix.shape[1]), dtype=np.float32)
            out.append(rows.mean(axis=0).astype(np.float32).tolist())
        return out

    def token_ids(self, text: str) -> list[int]:
        import re

        ids: list[int] = []
        for word in re.findall(r"[^\W_]+|[^\w\s]", (text or "").lower()):
            if word in self.vocab:
                ids.append(self.vocab[word])
                continue
            start = 0
            while start < len(word):
                for end in range(len(word), start, -1):
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    if piece in self.vocab:
                        ids.append(self.vocab[piece])
                        start = end
                        break
                else:
                    start += 1
        return [i for i in ids if i < self.matrix.shape[0]]


def _model2vec(path: Path):
    try:
        from model2vec import StaticModel  # type: ignore[import-not-found]
    except ImportError:
        return None
    return StaticModel.from_pretrained(str(path))  # a local folder: read, never downloaded


def read_safetensors_matrix(path: Path):
    """The one 2-D float tensor of a safetensors file (8-byte header length, JSON header, raw data)."""
    import numpy as np

    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    tensors = {k: v for k, v in header.items() if k != "__metadata__"}
    if not tensors:
        raise ConfigError(f"{path} holds no tensor")
    name = "embeddings" if "embeddings" in tensors else next(iter(tensors))
    info = tensors[name]
    dtypes = {"F32": "<f4", "F16": "<f2", "F64": "<f8"}
    if info["dtype"] not in dtypes or len(info["shape"]) != 2:
        raise ConfigError(f"{path}: tensor {name!r} must be a 2-D float matrix, got {info['dtype']} {info['shape']}")
    start, end = info["data_offsets"]
    data = np.frombuffer(raw[8 + size + start:8 + size + end], dtype=dtypes[info["dtype"]])
    return data.reshape(info["shape"]).astype(np.float32)


def _vocab(path: Path) -> dict[str, int]:
    model = json.loads(path.read_text(encoding="utf-8")).get("model", {})
    vocab = model.get("vocab", {})
    if isinstance(vocab, list):  # Unigram: [[piece, score], ...]
        return {str(piece[0]).lower(): i for i, piece in enumerate(vocab)}
    return {str(k).lower(): int(v) for k, v in vocab.items()}
