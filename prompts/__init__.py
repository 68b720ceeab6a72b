"""Prompt templates: text files in this package with `$placeholders`, rendered by one strict function.

Why strict: a prompt silently missing its article (a misspelt variable) or carrying a stale one would
still "work" and produce plausible garbage, so `render` raises on a missing variable, an unused one and
on a stray `$` that is not a placeholder (write `$$` for a literal dollar sign).
"""

from __future__ import annotations

import functools
import string
from importlib import resources

__all__ = ["PromptError", "names", "render", "template"]


class PromptError(ValueError):
    """A prompt could not be rendered exactly as written."""


@functools.cache
def template(name: str) -> string.Template:
    """The template `prompts/<name>.txt` (read once per process)."""
    path = resources.files(__name__) / f"{name}.txt"
    if not path.is_file():
        raise PromptError(f"no prompt named {name!r}")
    tpl = string.Template(path.read_text(encoding="utf-8"))
    if not tpl.is_valid():
        raise PromptError(f"prompt {name!r} has a '$' that is not a placeholder (write '$$' for a dollar sign)")
    return tpl


def names() -> list[str]:
    """Every prompt in the package, by name."""
    folder = resources.files(__name__)
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".txt"))


def placeholders(name: str) -> set[str]:
    return set(template(name).get_identifiers())


def render(name: str, **variables: object) -> str:
    """Fill `prompts/<name>.txt`; every placeholder must be given and every given variable used."""
    wanted = placeholders(name)
    missing = sorted(wanted - variables.keys())
    unused = sorted(variables.keys() - wanted)
    if missing:
        raise PromptError(f"prompt {name!r} needs {', '.join(missing)}")
    if unused:
        raise PromptError(f"prompt {name!r} does not use {', '.join(unused)}")
    return template(name).substitute({k: str(v) for k, v in variables.items()})
