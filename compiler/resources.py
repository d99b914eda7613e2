"""Locate infc's own data: Jinja2 templates and the baseline policy.

They live at the top of the source tree (templates/, policies/) and are installed as the
packages compiler.templates / compiler.policies; a source checkout reads them in place.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """`name` is "templates" or "policies"."""
    source = Path(__file__).resolve().parent.parent / name
    if source.is_dir():
        return source
    from importlib.resources import files

    return Path(str(files(f"compiler.{name}")))
