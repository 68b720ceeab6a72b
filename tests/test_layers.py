"""Imports point down: a module may import its own layer or a lower one, never a higher one.

The layers, low to high (ARCHITECTURE.md): `storage`, `prompts`, then `bot.errors`/`bot.clock`/`bot.config`/`bot.retry`,
then `bot.pipeline`, `bot.backends`, `bot.services`/`bot.worker`/`bot.schedules`, `bot.slack`/`bot.scheduler`,
`bot.cli`, and `bot.__main__` on top. The source is read with `ast` (imports inside functions count too),
nothing is imported, so a lazy import cannot hide an upward edge. A module missing from `LAYERS` fails the
test: a new file has to be placed in a layer on purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "storage", "prompts")

# Module prefix -> layer rank; the longest matching prefix wins.
LAYERS: dict[str, int] = {
    "storage": 0,
    "prompts": 0,
    "bot": 1,  # the package marker itself (version only)
    "bot.errors": 1,
    "bot.clock": 1,
    "bot.config": 1,
    "bot.pricing": 1,
    "bot.logs": 1,
    "bot.retry": 1,
    "bot.pipeline": 2,
    "bot.backends": 3,
    "bot.services": 4,
    "bot.page_reader": 4,
    "bot.worker": 4,
    "bot.schedules": 4,
    "bot.metrics": 4,
    "bot.slack": 5,
    "bot.scheduler": 5,
    "bot.cli": 6,
    "bot.__main__": 7,
}

# (importer prefix, imported prefix): never, whatever the layers say.
FORBIDDEN: list[tuple[str, str]] = [
    ("bot.pipeline", "slack_bolt"),
    ("bot.pipeline", "slack_sdk"),
    ("bot.pipeline", "openai"),
    ("bot.pipeline", "prometheus_client"),
    ("storage", "bot"),
    ("prompts", "bot"),
    ("prompts", "storage"),
]


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> int | None:
    """The rank of a module of ours, or None when no prefix of `LAYERS` covers it."""
    best = max((p for p in LAYERS if _matches(module, p)), key=len, default=None)
    if best is None or (best == "bot" and module != "bot"):
        return None  # "bot" places only bot/__init__.py; every other bot module needs its own entry
    return LAYERS[best]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> list[tuple[int, str]]:
    """(line, module) for every import in the tree, relative ones resolved; `from a import b` counts as
    `a.b` when that is a module of ours, so `from bot import config` is an edge to `bot.config`."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.append((node.lineno, full if full in known else base))
    return out


def violations(root: Path) -> list[str]:
    """Every upward or forbidden import, and every unplaced module, under `root`'s packages."""
    files = [p for pkg in PACKAGES if (root / pkg).is_dir() for p in sorted((root / pkg).rglob("*.py"))]
    known = {module_name(p, root) for p in files}
    problems: list[str] = []
    for path in files:
        module = module_name(path, root)
        rel = path.relative_to(root)
        own = layer_of(module)
        if own is None:
            problems.append(f"{rel}: module {module} is in no layer (add it to LAYERS in tests/test_layers.py)")
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in imported_modules(tree, module, path.name == "__init__.py", known):
            for importer, imported in FORBIDDEN:
                if _matches(module, importer) and _matches(target, imported):
                    problems.append(f"{rel}:{line}: {module} must not import {target}")
            if not any(_matches(target, pkg) for pkg in PACKAGES):
                continue  # standard library or a third-party package
            theirs = layer_of(target)
            if theirs is not None and theirs > own:
                problems.append(f"{rel}:{line}: {module} (layer {own}) imports {target} (layer {theirs}), which sits above it")
    return problems


def test_imports_point_down():
    problems = violations(ROOT)
    assert problems == [], "upward or forbidden imports:\n" + "\n".join(problems)


# ---------------------------------------------------------------------------------------------- the checker itself


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


_CLEAN = {
    "bot/__init__.py": "",
    "bot/clock.py": "import datetime\n",
    "bot/pipeline/__init__.py": "",
    "bot/pipeline/models.py": "from bot.clock import Clock\n",
    "bot/backends/__init__.py": "",
    "bot/backends/embedded.py": "from bot.pipeline.models import Clock\nfrom . import other\n",
    "bot/backends/other.py": "",
    "storage/__init__.py": "",
    "storage/store.py": "import sqlite3\n",
    "prompts/__init__.py": "from pathlib import Path\n",
}


def test_checker_passes_a_clean_tree(tmp_path):
    assert violations(_tree(tmp_path, _CLEAN)) == []


def test_checker_catches_an_upward_import_inside_a_function(tmp_path):
    root = _tree(tmp_path, {**_CLEAN, "bot/pipeline/models.py": "def f():\n    from bot.backends import embedded\n"})
    problems = violations(root)
    assert len(problems) == 1
    assert "bot.pipeline.models (layer 2) imports bot.backends.embedded (layer 3)" in problems[0]


def test_checker_resolves_relative_and_from_package_imports(tmp_path):
    root = _tree(tmp_path, {**_CLEAN, "bot/clock.py": "from bot import pipeline\n",
                            "bot/pipeline/__init__.py": "from ..backends import embedded\n"})
    problems = violations(root)
    assert any("bot.clock (layer 1) imports bot.pipeline" in p for p in problems)
    assert any("bot.pipeline (layer 2) imports bot.backends.embedded" in p for p in problems)


def test_checker_catches_forbidden_imports_and_unplaced_modules(tmp_path):
    root = _tree(tmp_path, {**_CLEAN, "bot/pipeline/models.py": "import openai\nfrom slack_sdk import WebClient\n",
                            "storage/store.py": "from bot.clock import Clock\n",
                            "prompts/__init__.py": "import storage.store\n",
                            "bot/stray.py": ""})
    problems = "\n".join(violations(root))
    assert "must not import openai" in problems
    assert "must not import slack_sdk" in problems
    assert "storage.store must not import bot.clock" in problems
    assert "prompts must not import storage.store" in problems
    assert "module bot.stray is in no layer" in problems
