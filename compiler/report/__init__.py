"""Reporters: turn diagnostics into text, json, GitHub annotations, SARIF, JUnit or TAP.

Reporters only format. They never decide exit codes and never read anything but the lines
of input files quoted in text frames. Each format lives in its own module, imported only
when asked for, so that `import compiler.report` stays cheap.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Iterable, TextIO

from compiler.diagnostics import Diagnostic, sort_diagnostics

FORMATS = ("text", "json", "github", "sarif", "junit", "tap")

_MODULES = {
    "text": "text",
    "json": "jsonout",
    "github": "github",
    "sarif": "sarif",
    "junit": "junit",
    "tap": "tap",
}


def default_format() -> str:
    """`github` inside GitHub Actions, `text` everywhere else."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def use_color(stream: TextIO, color: bool | None) -> bool:
    """Colour when asked, or by default on a terminal unless NO_COLOR is set (no-color.org)."""
    if color is not None:
        return color
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def render(
    diagnostics: Iterable[Diagnostic],
    fmt: str,
    *,
    root: Path | None = None,
    color: bool = False,
    extra: dict | None = None,
    subjects: list[str] | None = None,
    command: str = "infc",
) -> str:
    """The report as one string, in `fmt`, for diagnostics in their stable order."""
    from compiler.report.common import Options

    if fmt not in _MODULES:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"compiler.report.{_MODULES[fmt]}")
    opts = Options(
        root=Path(root) if root is not None else None,
        color=color,
        extra=dict(extra or {}),
        subjects=list(dict.fromkeys(subjects)) if subjects is not None else None,
        command=command,
    )
    return module.render(sort_diagnostics(diagnostics), opts)


def emit(
    diagnostics: Iterable[Diagnostic],
    fmt: str,
    *,
    root: Path | None = None,
    stream: TextIO | None = None,
    color: bool | None = None,
    extra: dict | None = None,
    subjects: list[str] | None = None,
    command: str = "infc",
) -> None:
    """Write the report of `diagnostics` in format `fmt` to `stream` (default: stdout).

    `root` is where the files named by diagnostics are read for text frames (default: the
    working directory). `extra` adds command-specific keys to the json object. `subjects`
    are the checked files (or `file#doc`) that become test cases in junit and tap.
    """
    stream = sys.stdout if stream is None else stream
    text = render(
        diagnostics,
        fmt,
        root=root,
        color=use_color(stream, color),
        extra=extra,
        subjects=subjects,
        command=command,
    )
    stream.write(text)
    flush = getattr(stream, "flush", None)
    if flush:
        flush()
