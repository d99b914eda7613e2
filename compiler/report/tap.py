"""TAP version 13: one test point per checked subject, diagnostics in a YAML block under it."""

from __future__ import annotations

import json

from compiler.diagnostics import Diagnostic
from compiler.report.common import Options, by_subject, errors_of, located, summary_line


def render(diags: list[Diagnostic], opts: Options) -> str:
    cases = by_subject(diags, opts)
    out = ["TAP version 13", f"1..{len(cases)}"]
    for number, (name, group) in enumerate(cases, start=1):
        status = "not ok" if errors_of(group) else "ok"
        out.append(f"{status} {number} - {_description(name)}")
        if group:
            out += _yaml_block(group)
    out.append(f"# {summary_line(diags)}")
    return "\n".join(out) + "\n"


def _description(name: str) -> str:
    # `#` starts a directive (SKIP, TODO) in TAP, so it is escaped inside descriptions.
    return " ".join(name.replace("\\", "\\\\").replace("#", "\\#").split())


def _yaml_block(group: list[Diagnostic]) -> list[str]:
    lines = ["  ---", "  diagnostics:"]
    for d in group:
        loc = located(d)
        fields = [
            ("code", d.code),
            ("severity", d.severity.value),
            ("message", d.message),
            ("hint", d.hint or None),
            ("file", loc.file if loc else None),
            ("line", loc.line or None if loc else None),
            ("column", loc.column or None if loc else None),
        ]
        present = [(key, value) for key, value in fields if value is not None]
        for i, (key, value) in enumerate(present):
            lead = "    - " if i == 0 else "      "
            # JSON scalars are YAML flow scalars: quoting and escaping come for free.
            lines.append(f"{lead}{key}: {json.dumps(value)}")
    lines.append("  ...")
    return lines
