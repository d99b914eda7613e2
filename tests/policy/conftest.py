from __future__ import annotations

from pathlib import Path

import pytest
from policy_helpers import Run, run_repo


@pytest.fixture
def run(tmp_path: Path):
    """run({relpath: yaml}) -> Run over the base repository plus those files."""
    def _run(files: dict[str, str]) -> Run:
        return run_repo(tmp_path, files)
    return _run
