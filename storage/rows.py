"""How Python values sit in columns, shared by the per-table modules of `Store`.

List columns (a brief's key points, open questions, entities, notes) hold JSON text; ids typed by people
("b42", " S7") are read in any case and spacing.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def loads(value: str | None, default: Any) -> Any:
    if not value:
        return default
    return json.loads(value)


def norm_id(identifier: str) -> str:
    """Brief and storyline ids are accepted in any case and spacing: " b42" is "B42"."""
    return identifier.strip().upper()
