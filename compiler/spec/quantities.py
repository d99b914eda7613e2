"""Kubernetes quantities, Run:ai spellings, CPU cores, GPU portions and durations: parsed here only."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1, "k": 10**3,
            "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
# Run:ai's UI and API also write "MB" / "GB" / "TB" for decimal units.
_RUNAI = {"KB": "k", "MB": "M", "GB": "G", "TB": "T", "PB": "P"}
_QUANTITY = re.compile(r"^([+]?[0-9]+(?:\.[0-9]*)?|[+]?\.[0-9]+)\s*([A-Za-z]{0,2})\Z")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?\Z")

# The texts the parsers below accept, as parts of JSON Schema patterns (ECMA-262, also valid
# in Python) for `infc schema`: editors then accept and refuse what infc does.
_UNITS = "|".join(sorted([*_BINARY, *_RUNAI, *filter(None, _DECIMAL)], key=lambda u: (-len(u), u)))
QUANTITY_TEXT = rf"[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*({_UNITS})?"
# A finite number as Python's float() reads it: digits may be grouped with single underscores.
DIGITS = r"[0-9](_?[0-9])*"
NUMBER_TEXT = rf"[+-]?({DIGITS}(\.({DIGITS})?)?|\.{DIGITS})([eE][+-]?{DIGITS})?"


def text_pattern(*texts: str) -> str:
    """A pattern matching any of `texts`, with the surrounding whitespace the parsers strip."""
    return rf"^\s*({'|'.join(texts)})\s*$"


class QuantityError(ValueError):
    pass


def canonical_quantity(value: object) -> str:
    """The Kubernetes spelling of a quantity: 20GB -> 20G, 8 -> "8". Raises QuantityError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise QuantityError(f"expected a quantity such as 20Gi, 20G or 500m, got {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise QuantityError(f"quantity must not be negative, got {value}")
        return _within_kubernetes(_plain_number(Decimal(str(_finite(value)))))
    text = value.strip()
    match = _QUANTITY.match(text)
    if not match:
        raise QuantityError(f"'{value}' is not a quantity (examples: 20Gi, 20G, 20GB, 500m)")
    number, suffix = match.groups()
    suffix = _RUNAI.get(suffix, suffix)
    if suffix not in _BINARY and suffix not in _DECIMAL:
        raise QuantityError(f"'{value}' has an unknown unit '{match.group(2)}' (use Ki, Mi, Gi, Ti, k, M, G, T, m, MB, GB)")
    return _within_kubernetes(f"{number.lstrip('+')}{suffix}")


# "No quantity may represent a number greater than 2^63-1 in magnitude" (Kubernetes' Quantity).
MAX_QUANTITY = 2**63 - 1


def _within_kubernetes(text: str) -> str:
    if _value(text) > MAX_QUANTITY:
        shown = text if len(text) <= 30 else f"{text[:27]}..."
        raise QuantityError(f"'{shown}' is beyond the largest Kubernetes quantity (2^63-1, about 8Ei)")
    return text


def quantity_value(value: object) -> Decimal:
    """A quantity in base units (bytes for memory, cores for CPU)."""
    return _value(canonical_quantity(value))


def _value(canonical: str) -> Decimal:
    match = _QUANTITY.match(canonical)
    assert match
    number, suffix = match.groups()
    try:
        base = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
        raise QuantityError(str(exc)) from exc
    factor = _BINARY.get(suffix) or _DECIMAL[suffix]
    return base * Decimal(factor)


def bytes_of(value: object) -> int:
    return int(quantity_value(value))


def mib_of(value: object) -> int:
    """Whole MiB, rounded up (KAI's gpu-memory annotation is in MiB)."""
    import math

    return math.ceil(quantity_value(value) / (2**20))


# Cores are rendered as whole millicores, exact in a float up to 2**53 (and in Kubernetes'
# 64-bit millicores); far beyond any cluster.
MAX_CORES = 2**53 // 1000


def cores_of(value: object) -> float:
    """CPU cores from 4, 0.5, "500m" or "2"."""
    if isinstance(value, bool):
        raise QuantityError("expected a number of cores such as 4, 0.5 or 500m")
    if isinstance(value, (int, float)):
        if value < 0:
            raise QuantityError("CPU cores must not be negative")
        cores = _finite(value)
    else:
        cores = quantity_value(value)
    if cores > MAX_CORES:
        raise QuantityError(f"more CPU cores than infc renders exactly (at most {MAX_CORES:,})")
    return float(cores)


def portion_of(value: object) -> float:
    """A GPU portion from 0.5 or "50%"."""
    if isinstance(value, bool):
        raise QuantityError("expected a GPU portion such as 0.5 or 50%")
    if isinstance(value, (int, float)):
        return _finite(float(value))
    text = str(value).strip()
    try:
        if text.endswith("%"):
            return _finite(float(text[:-1]) / 100)
        return _finite(float(text))
    except (ValueError, OverflowError) as exc:
        raise QuantityError(f"'{value}' is not a GPU portion (examples: 0.5, 50%)") from exc


def seconds_of(value: object) -> int:
    """Whole seconds from 300, "300s", "5m", "1h"."""
    if isinstance(value, bool):
        raise QuantityError("expected a duration such as 300, 300s, 5m or 1h")
    if isinstance(value, int):
        return value
    match = _DURATION.match(str(value).strip())
    if not match:
        raise QuantityError(f"'{value}' is not a duration (examples: 300, 300s, 5m, 1h)")
    number, unit = match.groups()
    scale = {"ms": Decimal("0.001"), "s": 1, None: 1, "m": 60, "h": 3600}[unit]
    return int(Decimal(number) * scale)


def format_memory(num_bytes: int) -> str:
    """Compact binary spelling for rendered manifests: 8589934592 -> 8Gi."""
    for suffix in ("Ti", "Gi", "Mi", "Ki"):
        if num_bytes and num_bytes % _BINARY[suffix] == 0:
            return f"{num_bytes // _BINARY[suffix]}{suffix}"
    return str(num_bytes)


def format_cores(cores: float) -> str:
    """Kubernetes CPU spelling: 4 -> "4", 0.5 -> "500m"."""
    millis = round(cores * 1000)
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def _finite(value):
    """Infinity and NaN are no amount of anything (YAML spells them .inf and .nan)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise QuantityError(f"expected a finite number, got {value}")
    return value


def _plain_number(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text
