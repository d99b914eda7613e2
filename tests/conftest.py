"""Shared fixtures: the repository root, the example repository, a runner for the real `infc`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "fixtures" / "example"
SHARED = PROJECT.parent / "shared"

sys.path.insert(0, str(Path(__file__).resolve().parent))


def run_infc(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None):
    """Run the installed `infc` console script in a subprocess, as a user would."""
    exe = Path(sys.executable).with_name("infc")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "compiler.cli"]
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([*command, *args], cwd=cwd, env=full_env, input=input,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A fresh copy of fixtures/example (without any compiled output)."""
    dest = tmp_path / "example"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("deploy"))
    return dest
