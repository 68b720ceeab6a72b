"""The Dockerfile's stated paths and command exist, its build is pinned and its final stage installs nothing.

No Docker engine needed: these read the Dockerfile, the lock files and the Makefile.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

from bot.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_copied_paths_exist():
    copied = re.findall(r"^COPY\s+(?!--from)(.+?)\s+\S+$", DOCKERFILE, flags=re.M)
    sources = [src for line in copied for src in line.split()]
    assert sources, "no COPY lines"
    for src in sources:
        assert (ROOT / src).exists(), f"Dockerfile copies {src}, which is not in the repo"


def test_command_is_the_console_script_and_run_exists():
    cmd = re.search(r'^CMD\s+\["([^"]+)",\s*"([^"]+)"\]', DOCKERFILE, flags=re.M)
    assert cmd, "no exec-form CMD"
    script, sub = cmd.groups()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert script in scripts and scripts[script] == "bot.cli:main"
    assert sub in cli.commands


def test_data_volume_non_root_user_and_healthcheck():
    assert "BRIEFBOT_DB=/data/briefbot.db" in DOCKERFILE
    assert re.search(r'^VOLUME \["/data"\]', DOCKERFILE, flags=re.M)
    user = re.search(r"^USER\s+(\S+)", DOCKERFILE, flags=re.M)
    assert user and user.group(1) not in ("root", "0")
    assert "HEALTHCHECK" in DOCKERFILE and "/healthz" in DOCKERFILE


def stages() -> list[str]:
    return re.split(r"^FROM ", DOCKERFILE, flags=re.M)[1:]


def test_base_image_is_pinned_by_digest_and_shared_by_both_stages():
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE, flags=re.M)
    assert base and re.fullmatch(r"python:3\.1\d-slim@sha256:[0-9a-f]{64}", base.group(1))
    froms = re.findall(r"^FROM (\S+)", DOCKERFILE, flags=re.M)
    assert froms == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]


def test_builder_installs_the_lock_with_hashes_and_the_final_stage_has_no_installer():
    builder, final = stages()
    assert "COPY requirements.lock" in builder
    assert "--require-hashes --no-deps -r requirements.lock" in builder
    assert re.search(r"pip install --no-deps --no-build-isolation \.", builder)
    assert "pip uninstall --yes pip setuptools" in builder  # the venv copied over carries no pip
    assert "pip install" not in final and "apt-get" not in final
    assert "COPY --from=builder /opt/venv /opt/venv" in final
    assert re.search(r"rm -rf /usr/local/bin/pip\S* /usr/local/lib/python3\.\d+/site-packages/pip", final)


def test_ci_and_make_use_the_dockerfile_python():
    tag = re.search(r"^ARG PYTHON_IMAGE=python:(3\.\d+)-slim", DOCKERFILE, flags=re.M).group(1)
    shown = subprocess.run(["make", "-s", "python-version"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == tag
    ci = (ROOT / ".ci/run").read_text()
    assert 'want="$(make -s python-version)"' in ci and 'make test PYTHON="python$want"' in ci
    final_python = re.search(r"/usr/local/lib/python(3\.\d+)/", stages()[1]).group(1)
    assert final_python == tag


def lock_pins(name: str) -> dict[str, str]:
    return dict(re.findall(r"^([a-z0-9._-]+)==(\S+) \\$", (ROOT / name).read_text(), flags=re.M))


def test_locks_pin_every_dependency_with_hashes_and_agree():
    runtime, test = lock_pins("requirements.lock"), lock_pins("requirements-test.lock")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = lambda reqs: {re.match(r"[A-Za-z0-9._-]+", r).group(0).lower().replace("_", "-") for r in reqs}  # noqa: E731
    assert names(project["dependencies"]) <= set(runtime)
    assert names(project["optional-dependencies"]["test"] + project["optional-dependencies"]["bench"]) <= set(test)
    assert {k: v for k, v in test.items() if k in runtime} == runtime  # same versions where they overlap
    assert "psutil" not in runtime and "tiktoken" not in runtime and "setuptools" in runtime
    for name in ("requirements.lock", "requirements-test.lock"):
        text = (ROOT / name).read_text()
        blocks = re.split(r"^(?=[a-z0-9._-]+==)", text, flags=re.M)[1:]
        assert blocks and all("--hash=sha256:" in block for block in blocks), name


def test_dockerignore_keeps_secrets_and_databases_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", "*.db", ".venv", ".git"):
        assert entry in ignored
