"""The `build` fixture: small repositories (tests/repo_builder.py base) in tmp dirs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from repo_builder import make_repo  # noqa: E402


@pytest.fixture
def build(tmp_path):
    """build({relpath: yaml}) -> the repository root (base repo of tests/repo_builder.py)."""
    counter = iter(range(1000))

    def _build(files: dict) -> Path:
        root = tmp_path / f"repo{next(counter)}"
        return make_repo(root, files)

    return _build
