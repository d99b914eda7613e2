"""Plain scalars as go-yaml v2 resolves them, and so as Kubernetes reads them.

kubectl, the API server and kubeconform turn YAML into JSON with sigs.k8s.io/yaml, which
resolves plain scalars with go-yaml v2's rules (its resolve.go), not YAML 1.2's: `yes`, `no`,
`on`, `off`, `y` and `n` (in their case variants) are booleans, `010` is octal 8, `08` and
`1e3` are floats, and a number beyond a float64 (`1e400`) stays text. Sexagesimals (`1:30`) and
timestamps stay text, as in YAML 1.2. Free of either YAML library, so that both can use it.
"""

from __future__ import annotations

import math
import re
from typing import Any

BOOL, INT, FLOAT, NULL, STR, MERGE = (f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "null", "str", "merge"))

# go-yaml v2's resolve.go: the words it looks up, then (for text starting with a digit, a sign
# or a dot) Go's integer syntax, then its float syntax.
_WORDS: dict[str, tuple[str, Any]] = {
    **{w: (BOOL, True) for w in ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")},
    **{w: (BOOL, False) for w in ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")},
    **{w: (NULL, None) for w in ("", "~", "null", "Null", "NULL")},
    **{w: (FLOAT, math.nan) for w in (".nan", ".NaN", ".NAN")},
    **{s + w: (FLOAT, -math.inf if s == "-" else math.inf) for s in ("", "+", "-") for w in (".inf", ".Inf", ".INF")},
    "<<": (MERGE, "<<"),
}
# strconv.ParseInt(text, 0, 64) after go-yaml drops every "_": 0x, 0o and 0b prefixes, and a
# leading 0 means octal (so 08 is no integer, and falls to the float syntax below).
_GO_INT = re.compile(r"([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))")
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")  # yamlStyleFloat
_BASES = (16, 8, 2, 8, 10)


def resolve_plain(text: str) -> tuple[str, Any]:
    """(tag, value) of a plain scalar as go-yaml v2 resolves it. Integers are returned whatever
    their size (go-yaml would give a float or fail beyond 64 bits): the reader reports those."""
    found = _WORDS.get(text)
    if found is not None:
        return found
    if text[:1] == ".":  # ParseFloat of the text as it is
        return _float(text, text)
    if text[:1] in "+-0123456789":
        plain = text.replace("_", "")
        m = _GO_INT.fullmatch(plain)
        if m:
            digits, base = next((d, b) for d, b in zip(m.groups()[1:], _BASES) if d is not None)
            digits = digits.lstrip("0") or "0"
            # More than 64 digits fit 64 bits in no base (and Python refuses to convert very long
            # decimals): 2**64 stands for any such number.
            number = int(digits, base) if len(digits) <= 64 else 1 << 64
            return INT, number * (-1 if m.group(1) == "-" else 1)
        return _float(plain, text)
    return STR, text


def beyond_float64(text: str) -> bool:
    """Whether go-yaml kept `text` as text only because the number it spells overflows a float64."""
    number = text if text[:1] == "." else text.replace("_", "")
    return bool(_GO_FLOAT.fullmatch(number)) and math.isinf(float(number))


def _float(number: str, text: str) -> tuple[str, Any]:
    if _GO_FLOAT.fullmatch(number):
        value = float(number)
        if not math.isinf(value):  # Go's ParseFloat fails out of range: go-yaml keeps the text
            return FLOAT, value
    return STR, text
