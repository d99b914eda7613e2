"""The human format: one header per diagnostic, a code frame, the hint, a summary line.

    workloads/llama.yaml:14:7: error[IC006] unknown field 'replcas'
       |
    13 |   spec:
    14 |     replcas: 2
       |     ^
       = hint: did you mean 'replicas'?

    1 error
"""

from __future__ import annotations

import re
import unicodedata
from itertools import islice
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location, Severity
from compiler.report.common import SECRET_CODES, Options, located, summary_line, where
from compiler.secret_shapes import MASK, mask

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_CYAN = "\x1b[36m"
_SEVERITY_COLOR = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.INFO: "\x1b[1;34m",
}

# Frames show at most this many characters of a line, around the column.
_MAX_WIDTH = 120
_CONTEXT = 1
_TAB = "    "

# A block mapping key up to its `:` (the colon followed by a blank), after any `- ` markers.
_KEY = re.compile(r"""^(\s*(?:-\s+)*(?!-\s)(?:"[^"]*"|'[^']*'|[^\s"'#{\[][^#]*?)\s*:)(?=\s|$)""")


def render(diags: list[Diagnostic], opts: Options) -> str:
    paint = _Painter(opts.color)
    sources = _Sources(opts.root, diags)
    blocks = [_block(d, sources, paint) for d in diags]
    tail = summary_line(diags)
    worst = next((s for s in Severity if any(d.severity is s for d in diags)), None)
    tail = paint(_SEVERITY_COLOR[worst] if worst else _BOLD, tail)
    return "".join(block + "\n" for block in blocks) + tail + "\n"


class _Painter:
    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if self.on and text else text


def _block(d: Diagnostic, sources: _Sources, paint: _Painter) -> str:
    loc = located(d)
    severity = paint(_SEVERITY_COLOR[d.severity], f"{d.severity.value}[{d.code}]")
    message = _indent_rest(printable(d.message), "  ")
    head = f"{severity} {message}"
    lines = [f"{paint(_BOLD, printable(where(loc)))}: {head}" if loc else head]
    if loc and loc.line:
        lines += _frame(d, loc, sources, paint)
    if d.hint:
        hint = _indent_rest(printable(d.hint), " " * len("  = hint: "))
        lines.append(f"  = {paint(_CYAN, 'hint')}: {hint}")
    for rel in d.related:
        if rel.file:
            lines.append(f"  = {paint(_CYAN, 'see')}: {printable(where(rel))}")
    return "\n".join(lines) + "\n"


def _frame(d: Diagnostic, loc: Location, sources: _Sources, paint: _Painter) -> list[str]:
    text = sources.lines(loc.file)
    if text is None or loc.line > len(text):
        return []
    first = max(1, loc.line - _CONTEXT)
    width = len(str(loc.line))
    gutter = paint(_DIM, " " * width + " |")
    out = [gutter]
    for number in range(first, loc.line + 1):
        raw = text[number - 1]
        if sources.is_secret(loc.file, number):
            raw = mask_value(raw)
        shown, caret = _window(mask(raw), loc.column if number == loc.line else 0)
        out.append(paint(_DIM, f"{number:>{width}} |") + (f" {shown}" if shown else ""))
    if loc.column:
        out.append(gutter + " " + " " * caret + paint(_SEVERITY_COLOR[d.severity], "^"))
    return out


def _window(line: str, column: int) -> tuple[str, int]:
    """The line as printed (tabs as spaces, controls escaped, long lines cut), the caret offset."""
    col = min(max(column, 1), len(line) + 1) - 1
    before = printable(line[:col].replace("\t", _TAB))
    shown = before + printable(line[col:].replace("\t", _TAB))
    caret = len(before)
    if len(shown) > _MAX_WIDTH:
        start = max(0, min(caret - _MAX_WIDTH // 3, len(shown) - _MAX_WIDTH))
        end = start + _MAX_WIDTH
        cut = shown[start:end]
        caret -= start
        if start:
            cut, caret = "…" + cut, caret + 1
        if end < len(shown):
            cut += "…"
        shown = cut
    return shown.rstrip(), caret


def mask_value(line: str) -> str:
    """`  token: hf_x` -> `  token: ****`; a line that is not `key: value` keeps just its indent."""
    key = _KEY.match(line[:1000])
    if key:
        return f"{key.group(1)} {MASK}"
    body = line.lstrip(" \t-")
    return line[: len(line) - len(body)] + MASK if body.strip() else line


def printable(text: str) -> str:
    """Control characters of the input shown escaped, never sent to the terminal as they are."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _indent_rest(text: str, prefix: str) -> str:
    return text.replace("\n", "\n" + prefix)


class _Sources:
    """Lines of the files diagnostics point at, read once, only as far as needed."""

    def __init__(self, root: Path | None, diags: list[Diagnostic]) -> None:
        self.root = root if root is not None else Path()
        self.needed: dict[str, int] = {}
        self.secret_lines: set[tuple[str, int]] = set()
        for d in diags:
            loc = located(d)
            if loc and loc.line:
                self.needed[loc.file] = max(self.needed.get(loc.file, 0), loc.line)
                if d.code in SECRET_CODES:
                    self.secret_lines.add((loc.file, loc.line))
        self.cache: dict[str, list[str] | None] = {}

    def is_secret(self, file: str, line: int) -> bool:
        return (file, line) in self.secret_lines

    def lines(self, file: str) -> list[str] | None:
        if file not in self.cache:
            self.cache[file] = self._read(file, self.needed.get(file, 0))
        return self.cache[file]

    def _read(self, file: str, upto: int) -> list[str] | None:
        try:
            with open(self.root / file, encoding="utf-8", errors="backslashreplace", newline="") as f:
                return [line.rstrip("\r\n") for line in islice(f, upto)]
        except (OSError, ValueError):
            return None
