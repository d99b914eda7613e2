"""The machine format of SPEC.md §4: `{"diagnostics": [...], "summary": {...}, **extra}`."""

from __future__ import annotations

import json

from compiler.diagnostics import Diagnostic, summary
from compiler.report.common import Options

_RESERVED = ("diagnostics", "summary")


def render(diags: list[Diagnostic], opts: Options) -> str:
    clash = [key for key in _RESERVED if key in opts.extra]
    if clash:
        raise ValueError(f"extra keys may not replace {', '.join(clash)}")
    doc = {"diagnostics": [d.to_dict() for d in diags], "summary": summary(diags), **opts.extra}
    return json.dumps(doc, indent=2) + "\n"
