"""Shared fixtures for every test folder."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import EXAMPLE  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tests (and the `infc` processes they start) use their own cache, never the user's, and
    no server but those they start themselves (tests/e2e/test_serve.py)."""
    import os

    os.environ["INFC_CACHE_DIR"] = str(tmp_path_factory.mktemp("infc-cache"))
    os.environ.pop("INFC_SERVER", None)


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A fresh copy of fixtures/example (without any compiled output)."""
    dest = tmp_path / "example"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("deploy"))
    return dest
