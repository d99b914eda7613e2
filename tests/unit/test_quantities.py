"""Quantities, cores, portions and durations: one parser, Kubernetes and Run:ai spellings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compiler.spec import quantities as q


@pytest.mark.parametrize("text, canonical, value", [
    ("20Gi", "20Gi", 20 * 2**30), ("20G", "20G", 20 * 10**9), ("20GB", "20G", 20 * 10**9),
    ("500MB", "500M", 500 * 10**6), ("500m", "500m", Decimal("0.5")), (8, "8", 8), ("1.5Ti", "1.5Ti", 1.5 * 2**40),
])
def test_spellings(text, canonical, value):
    assert q.canonical_quantity(text) == canonical
    assert q.quantity_value(text) == Decimal(str(value))


@pytest.mark.parametrize("bad", ["lots", "20 gigs", "-1Gi", "1Qi", True, None, [1]])
def test_invalid_quantities_are_refused(bad):
    with pytest.raises(q.QuantityError):
        q.canonical_quantity(bad)


def test_cores_portions_and_durations():
    assert q.cores_of("500m") == 0.5 and q.cores_of(4) == 4.0
    assert q.portion_of("50%") == 0.5 and q.portion_of(0.25) == 0.25
    assert q.seconds_of("5m") == 300 and q.seconds_of("1h") == 3600 and q.seconds_of(30) == 30
    assert q.mib_of("20G") == 19074 and q.mib_of("20Gi") == 20480  # rounded up


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["Ki", "Mi", "Gi", "Ti", "k", "M", "G", "T", ""]))
def test_canonical_form_is_stable_and_keeps_the_value(number, suffix):
    text = f"{number}{suffix}"
    canonical = q.canonical_quantity(text)
    assert q.canonical_quantity(canonical) == canonical
    assert q.quantity_value(canonical) == q.quantity_value(text)


@given(st.integers(min_value=1, max_value=4096))
def test_memory_format_round_trips(gib):
    assert q.bytes_of(q.format_memory(gib * 2**30)) == gib * 2**30


@given(st.integers(min_value=1, max_value=10**6))
def test_core_format_round_trips(millis):
    assert q.cores_of(q.format_cores(millis / 1000)) == pytest.approx(millis / 1000)


@pytest.mark.parametrize("value", ["1" * 400, "8Ei", 2**63, "9223372036854775808"])
def test_a_quantity_beyond_what_kubernetes_holds_is_refused(value):
    # Kubernetes: "no quantity may represent a number greater than 2^63-1 in magnitude".
    with pytest.raises(q.QuantityError, match="beyond the largest Kubernetes quantity"):
        q.canonical_quantity(value)


def test_the_largest_kubernetes_quantity_is_taken():
    assert q.bytes_of("9223372036854775807") == 2**63 - 1 and q.bytes_of("7Ei") == 7 * 2**60
