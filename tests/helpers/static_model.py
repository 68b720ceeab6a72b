"""A tiny model2vec model written in exactly the on-disk layout model2vec 0.10 saves.

Observed on a model distilled with `model2vec.distill` and saved with `StaticModel.save_pretrained`:
`config.json` (model_type "model2vec", normalize, max_length, embedding_dtype ...), `modules.json` (the
sentence-transformers pipeline), `model.safetensors` (an "embeddings" matrix, float16 by default, plus
"weights" and "mapping" when the vocabulary is quantised) and a Hugging Face WordPiece `tokenizer.json`
(BertNormalizer, BertPreTokenizer, no post-processor). Written by hand so the tests need neither the
model2vec package nor a download; when model2vec is installed it reads these folders itself.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

_SAFETENSORS_DTYPES = {np.dtype("<f2"): "F16", np.dtype("<f4"): "F32", np.dtype("<i8"): "I64"}


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    """The safetensors format: 8-byte header length, JSON header (names sorted, padded with spaces to a
    multiple of 8), then the tensors' raw little-endian bytes back to back."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        array = array.astype(array.dtype.newbyteorder("<"))
        data = array.tobytes()
        header[name] = {"dtype": _SAFETENSORS_DTYPES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    path.write_bytes(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def wordpiece_tokenizer(vocab: list[str]) -> dict:
    """A `tokenizer.json` as model2vec saves a distilled BERT-vocabulary model's."""
    specials = [t for t in vocab if t.startswith("[") and t.endswith("]")]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": vocab.index(t), "content": t, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True} for t in specials],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {w: i for i, w in enumerate(vocab)}},
    }


def write_model2vec_folder(folder: Path, vocab: list[str], matrix: np.ndarray, *, normalize: bool = True,
                           max_length: int | None = 512, weights: np.ndarray | None = None,
                           mapping: np.ndarray | None = None, tokenizer: dict | None = None) -> Path:
    """A model2vec folder; `matrix` is stored as float16 (model2vec's default), one row per token unless
    `mapping` (token id -> row) is given."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {"embeddings": matrix.astype(np.float16)}
    if weights is not None:
        tensors["weights"] = weights.astype(np.float16)
    if mapping is not None:
        tensors["mapping"] = mapping.astype(np.int64)
    write_safetensors(folder / "model.safetensors", tensors)
    config = {"model_type": "model2vec", "architectures": ["StaticModel"], "tokenizer_name": "tiny-bert",
              "apply_pca": None, "sif_coefficient": 0.0001, "hidden_dim": int(matrix.shape[1]),
              "seq_length": 1000000, "normalize": normalize, "pooling": "mean", "max_length": max_length,
              "embedding_dtype": "float16"}
    if mapping is not None:
        config["vocabulary_quantization"] = int(matrix.shape[0])
    (folder / "config.json").write_text(json.dumps(config, indent=4))
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": ".", "type": "sentence_transformers.models.StaticEmbedding"},
        {"idx": 1, "name": "1", "path": "1_Normalize", "type": "sentence_transformers.models.Normalize"},
    ], indent=4))
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer or wordpiece_tokenizer(vocab)))
    return folder
