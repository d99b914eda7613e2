"""GitHub Actions workflow commands: one annotation per diagnostic, then the summary.

    ::error file=workloads/llama.yaml,line=14,col=7,title=IC006::unknown field 'replcas'%0A...
"""

from __future__ import annotations

from compiler.diagnostics import Diagnostic, Severity
from compiler.report.common import Options, located, summary_line

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    props = []
    loc = located(d)
    if loc:
        props.append(("file", loc.file))
        if loc.line:
            props.append(("line", str(loc.line)))
            if loc.column:
                props.append(("col", str(loc.column)))
    props.append(("title", d.code))
    message = f"{d.message}\n{d.hint}" if d.hint else d.message
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{_COMMAND[d.severity]} {joined}::{escape_data(message)}"


def render(diags: list[Diagnostic], opts: Options) -> str:
    return "".join(annotation(d) + "\n" for d in diags) + summary_line(diags) + "\n"
