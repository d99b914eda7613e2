"""Helpers shared by test modules: paths and a runner for the real `infc` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLE = PROJECT / "fixtures" / "example"
SHARED = PROJECT.parent / "shared"


def infc_command() -> list[str]:
    """The installed `infc` console script (or its module, when run from a bare checkout)."""
    exe = Path(sys.executable).with_name("infc")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "compiler.launch"]


def run_infc(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None):
    """Run the installed `infc` console script in a subprocess, as a user would."""
    command = infc_command()
    full_env = {**os.environ, "NO_COLOR": "1"}
    full_env.pop("GITHUB_ACTIONS", None)
    full_env.update(env or {})
    return subprocess.run([*command, *args], cwd=cwd, env=full_env, input=input,
                          capture_output=True, text=True, timeout=300)


def fuzz_examples(default: int) -> int:
    """Examples per property test; `INFC_FUZZ_SCALE=50 pytest tests/robustness` runs a campaign."""
    return default * int(os.environ.get("INFC_FUZZ_SCALE", "1"))
