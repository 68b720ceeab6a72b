"""A model2vec static model read from its folder with numpy alone, as the model2vec package reads it.

`LocalEmbedder` uses the model2vec package (`briefbot[local]`) when it is installed; this reader is what
it falls back on with numpy only, and it follows what model2vec 0.10 does with a folder saved by
`StaticModel.save_pretrained` (checked against a model distilled from all-MiniLM-L6-v2):

- the folder: `config.json`, `model.safetensors`, `tokenizer.json` (the sentence-transformers layouts
  model2vec also accepts are read too, see LAYOUTS);
- `model.safetensors`: the matrix `embeddings` (float16 by default, float32 or int8 when quantised), and
  optionally `weights` (one scale per token) and `mapping` (token id -> row, a vocabulary-quantised model);
- `config.json`: `normalize` (unit-length vectors; distilled models set it) and `max_length` (tokens kept,
  512 by default);
- `tokenizer.json`: a Hugging Face tokenizer. A text's vector is the mean of its tokens' rows; unknown
  tokens are dropped, no special tokens are added. Only WordPiece tokenizers (the BERT vocabularies of
  distilled and potion models) are read here; others need the model2vec package.
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError

DEFAULT_MAX_LENGTH = 512
_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I8": "i1", "I16": "<i2", "I32": "<i4", "I64": "<i8"}
_CJK = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))


@dataclass(frozen=True)
class Layout:
    config: str
    tensors: str
    tokenizer: str
    matrix: str  # the embedding tensor's name


LAYOUTS = (
    Layout("config.json", "model.safetensors", "tokenizer.json", "embeddings"),  # model2vec's own
    Layout("config_sentence_transformers.json", "model.safetensors", "tokenizer.json", "embedding.weight"),
    Layout("config_sentence_transformers.json", "0_StaticEmbedding/model.safetensors",
           "0_StaticEmbedding/tokenizer.json", "embedding.weight"),
)


def find_layout(folder: Path) -> Layout | None:
    """The first layout whose three files are all in `folder` (model2vec's order), or None."""
    for layout in LAYOUTS:
        if all((folder / name).is_file() for name in (layout.config, layout.tensors, layout.tokenizer)):
            return layout
    return None


def read_safetensors(path: Path) -> dict:
    """Every tensor of a safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    import numpy as np

    raw = path.read_bytes()
    try:
        (size,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8:8 + size])
    except (struct.error, ValueError) as err:
        raise ConfigError(f"{path} is not a safetensors file ({err})") from None
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info.get("dtype") not in _DTYPES:
            raise ConfigError(f"{path}: tensor {name!r} has dtype {info.get('dtype')}, which is not read here")
        start, end = info["data_offsets"]
        data = np.frombuffer(raw[8 + size + start:8 + size + end], dtype=_DTYPES[info["dtype"]])
        out[name] = data.reshape(info["shape"])
    return out


class WordPiece:
    """The WordPiece tokenizer of a `tokenizer.json`: BERT normalisation, words and punctuation, then the
    longest known pieces from the left (`##` continuations); a word with an unknown piece is unknown."""

    def __init__(self, spec: dict, path: Path):
        model = spec.get("model") or {}
        if model.get("type", "WordPiece") != "WordPiece" or not isinstance(model.get("vocab"), dict):
            raise ConfigError(f"{path}: a {model.get('type')} tokenizer needs the model2vec package "
                              "(pip install 'briefbot[local]')")
        self.vocab: dict[str, int] = {str(k): int(v) for k, v in model["vocab"].items()}
        for token in spec.get("added_tokens") or []:
            self.vocab.setdefault(str(token["content"]), int(token["id"]))
        self.prefix = model.get("continuing_subword_prefix", "##")
        self.max_chars = int(model.get("max_input_chars_per_word", 100))
        self.lowercase, self.strip_accents = _normaliser(spec.get("normalizer"))

    def ids(self, text: str, max_length: int | None = None) -> list[int]:
        """Token ids of `text`, unknown words dropped after the first `max_length` tokens are kept (the
        tokenizer truncates with each unknown word still one `[UNK]` token, then model2vec drops them)."""
        text = unicodedata.normalize("NFC", text or "")
        if self.strip_accents:
            text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        if self.lowercase:
            text = text.lower()
        tokens: list[int | None] = []
        for word in bert_words(text):
            tokens.extend(self._pieces(word))
            if max_length and len(tokens) >= max_length:
                break
        return [t for t in tokens[:max_length or None] if t is not None]

    def _pieces(self, word: str) -> list[int | None]:
        if word in self.vocab:
            return [self.vocab[word]]
        if len(word) > self.max_chars:
            return [None]
        pieces: list[int | None] = []
        start = 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    pieces.append(self.vocab[piece])
                    start = end
                    break
            else:
                return [None]  # the whole word is one [UNK]
        return pieces


def bert_words(text: str) -> list[str]:
    """BERT's pre-tokenizer: whitespace splits words, and each punctuation mark (ASCII symbols, Unicode
    P*) or CJK ideograph is a word of its own; currency signs and other symbols stay inside words."""
    words: list[str] = []
    for chunk in text.split():
        current = ""
        for ch in chunk:
            if _alone(ch):
                if current:
                    words.append(current)
                words.append(ch)
                current = ""
            elif unicodedata.category(ch) not in ("Cc", "Cf"):  # clean_text drops control characters
                current += ch
        if current:
            words.append(current)
    return words


def _alone(ch: str) -> bool:
    code = ord(ch)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P") or any(lo <= code <= hi for lo, hi in _CJK)


def _normaliser(spec: dict | None) -> tuple[bool, bool]:
    """(lowercase, strip accents) of a tokenizer's normaliser; BERT strips accents when it lowercases."""
    if not spec:
        return False, False
    if spec.get("type") == "Sequence":
        parts = [_normaliser(s) for s in spec.get("normalizers") or []]
        return any(p[0] for p in parts), any(p[1] for p in parts)
    kind = spec.get("type")
    if kind == "BertNormalizer":
        lowercase = bool(spec.get("lowercase", True))
        strip = spec.get("strip_accents")
        return lowercase, lowercase if strip is None else bool(strip)
    return kind == "Lowercase", kind == "StripAccents"


class StaticVectors:
    """The model of a folder, encoding texts with numpy: mean of token rows, normalised if configured."""

    def __init__(self, folder: Path, layout: Layout):
        import numpy as np

        self.config = _json(folder / layout.config)
        tensors = read_safetensors(folder / layout.tensors)
        if layout.matrix not in tensors or tensors[layout.matrix].ndim != 2:
            raise ConfigError(f"{folder / layout.tensors} holds no 2-D {layout.matrix!r} matrix")
        self.matrix = tensors[layout.matrix].astype(np.float32)
        self.weights = tensors["weights"].astype(np.float32) if "weights" in tensors else None
        self.mapping = tensors["mapping"].astype(np.int64) if "mapping" in tensors else None
        self.tokenizer = WordPiece(_json(folder / layout.tokenizer), folder / layout.tokenizer)
        if self.mapping is None and len(self.tokenizer.vocab) != self.matrix.shape[0]:
            raise ConfigError(f"{folder}: {len(self.tokenizer.vocab)} tokens but {self.matrix.shape[0]} vectors")
        self.normalize = bool(self.config.get("normalize", False))
        self.max_length = self.config.get("max_length", DEFAULT_MAX_LENGTH)
        self.median_token_length = int(np.median([len(t) for t in self.tokenizer.vocab]))

    def encode(self, texts: list[str]):
        """A (len(texts), dim) float32 array; an empty or all-unknown text is the zero vector."""
        import numpy as np

        out = np.zeros((len(texts), self.matrix.shape[1]), dtype=np.float32)
        for i, text in enumerate(texts):
            if self.max_length:  # model2vec cuts the text first, then the tokens
                text = text[:self.max_length * self.median_token_length]
            ids = self.tokenizer.ids(text, self.max_length)
            if not ids:
                continue
            rows = self.matrix[self.mapping[ids] if self.mapping is not None else ids]
            if self.weights is not None:
                rows = rows * self.weights[ids][:, None]
            out[i] = rows.mean(axis=0)
        if self.normalize:
            out /= np.linalg.norm(out, axis=1, keepdims=True) + 1e-32
        return out


def _json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"{path} cannot be read ({err})") from None
