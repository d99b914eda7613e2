"""Go `time.ParseDuration`, for annotation values such as `60s`, `1m30s`, `1.5h`."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")  # unambiguous: linear time
SECOND = 1_000_000_000
HOUR = 3600 * SECOND


def parse_duration(text: str) -> int | None:
    """Nanoseconds, or None when `text` is not a Go duration."""
    if not isinstance(text, str) or not text:
        return None
    sign = -1 if text[0] == "-" else 1
    body = text[1:] if text[0] in "+-" else text
    if body == "0":
        return 0
    if not body:
        return None
    total = Decimal(0)
    pos = 0
    while pos < len(body):
        m = _PART.match(body, pos)
        if not m:
            return None
        try:
            total += Decimal(m.group(1)) * _UNITS[m.group(2)]
        except InvalidOperation:  # pragma: no cover - the regex only admits decimals
            return None
        pos = m.end()
    return sign * int(total)


def format_duration(ns: int) -> str:
    """Go's String() for whole-second durations: 3600s -> '1h0m0s', 6s -> '6s'."""
    seconds = ns // SECOND
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h{m}m{s}s"
    if m:
        return f"{m}m{s}s"
    return f"{s}s"
