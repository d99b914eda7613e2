"""Locate infc's own data: Jinja2 templates and the baseline policy.

They live at the top of the source tree (templates/, policies/) and are installed inside
the package as compiler/templates and compiler/policies (see pyproject.toml).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """`name` is "templates" or "policies"."""
    installed = _PACKAGE / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name  # a source checkout
