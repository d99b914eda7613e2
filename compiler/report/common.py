"""What every reporter shares: the options of one report, counting, grouping by subject."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location, Severity, summary

# Secrets live on the lines these codes point at; frames never show those values.
SECRET_CODES = frozenset({"IC301", "IC305"})


@dataclass(frozen=True)
class Options:
    root: Path | None = None
    color: bool = False
    extra: dict = field(default_factory=dict)
    subjects: list[str] | None = None
    command: str = "infc"


def located(d: Diagnostic) -> Location | None:
    """The diagnostic's location, or None when it names no file."""
    loc = d.location
    return loc if loc is not None and loc.file else None


def where(loc: Location) -> str:
    """`file`, `file:line` or `file:line:column`, as much as is known."""
    parts = [loc.file]
    if loc.line:
        parts.append(str(loc.line))
        if loc.column:
            parts.append(str(loc.column))
    return ":".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(diags: list[Diagnostic]) -> str:
    """`2 errors, 1 warning` (zero counts left out), or `no problems found`."""
    counts = summary(diags)
    words = (("errors", "error"), ("warnings", "warning"), ("infos", "info"))
    parts = [_plural(counts[key], word) for key, word in words if counts[key]]
    return ", ".join(parts) if parts else "no problems found"


def errors_of(diags: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if d.severity is Severity.ERROR]


def by_subject(diags: list[Diagnostic], opts: Options) -> list[tuple[str, list[Diagnostic]]]:
    """Diagnostics grouped into test cases, for the junit and tap formats.

    With subjects given, each subject is one case in the caller's order. A diagnostic goes to
    the subject equal to its own `subject`, else to the subject equal to its file, else to the
    first `file#doc` subject of its file. Anything left over (no location, a file not among the
    subjects) goes to a case named after the command, so no diagnostic is ever dropped.
    Without subjects: one case per file in diagnostic order, plus the command's case for
    diagnostics without a file, or when there are no diagnostics at all.
    """
    if opts.subjects is None:
        groups: dict[str, list[Diagnostic]] = {}
        for d in diags:
            loc = located(d)
            groups.setdefault(loc.file if loc else opts.command, []).append(d)
        if not groups:
            groups[opts.command] = []
        return list(groups.items())

    groups = {s: [] for s in opts.subjects}
    by_file: dict[str, str] = {}
    for s in opts.subjects:
        by_file.setdefault(s.split("#", 1)[0], s)
    leftover: list[Diagnostic] = []
    for d in diags:
        loc = located(d)
        if d.subject and d.subject in groups:
            groups[d.subject].append(d)
        elif loc and loc.file in groups:
            groups[loc.file].append(d)
        elif loc and loc.file in by_file:
            groups[by_file[loc.file]].append(d)
        else:
            leftover.append(d)
    out = list(groups.items())
    if leftover or not out:
        name = opts.command if opts.command not in groups else f"{opts.command} (other)"
        out.append((name, leftover))
    return out
