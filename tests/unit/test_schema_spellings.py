"""The JSON Schema of each type read through a before-validator accepts every value infc reads."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from compiler.schema import AsInfcReads
from compiler.spec import base, kinds
from support import fuzz_examples

# exact: the schema also refuses all that infc refuses. Not so where JSON Schema cannot follow
# the parser: a quantity, cores or portion text too large (9999Ei, 6E, 1e999), an unbalanced
# quote in a command, -0.0 bytes of memory quota.
TYPES = [("Quantity", base.Quantity, False), ("MemoryAmount", kinds.MemoryAmount, False),
         ("Cores", base.Cores, False), ("CpuAmount", kinds.CpuAmount, False),
         ("Portion", base.Portion, False), ("GpuAmount", kinds.GpuAmount, False), ("Words", base.Words, False)]

SCALARS = st.one_of(
    st.text(alphabet="0123456789.+-_ %eEkKmMGgiTBb\t", max_size=8),
    st.sampled_from(["500m", "16Gi", "20GB", "1.5Ti", "50%", " 0.5 ", "-1", "-1.0", "8e9", ".5", "5.", "1_0"]),
    st.integers(-10**16, 10**16), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none())


@pytest.mark.parametrize("name, annotated, exact", TYPES, ids=[t[0] for t in TYPES])
@settings(max_examples=fuzz_examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.one_of(SCALARS, st.lists(SCALARS, max_size=3)))
def test_the_schema_accepts_what_infc_reads(name, annotated, exact, value):
    adapter = TypeAdapter(annotated)
    try:
        adapter.validate_python(value)
        read = True
    except ValidationError:
        read = False
    valid = Draft202012Validator(adapter.json_schema()).is_valid(value)
    assert valid if read else (not valid or not exact), f"{name} {value!r}: infc {'reads' if read else 'refuses'} it"


def _reads(annotated, value) -> bool:
    try:
        TypeAdapter(annotated).validate_python(value)
        return True
    except ValidationError:
        return False


def _editor_accepts(annotated, value) -> bool:
    return Draft202012Validator(TypeAdapter(annotated).json_schema(schema_generator=AsInfcReads)).is_valid(value)


@st.composite
def _spellings(draw):
    """A number or a boolean written as text, the ways people quote them."""
    kind = draw(st.sampled_from([int, float, bool]))
    if kind is bool:
        word = draw(st.sampled_from(["true", "false", "yes", "no", "on", "off", "y", "n", "t", "f", "1", "0"]))
        return kind, "".join(c.upper() if draw(st.booleans()) else c for c in word)
    number = draw(st.integers(-10**9, 10**9) if kind is int else st.floats(-1e9, 1e9))
    forms = [str(number), f" {number} ", f"+{number}".replace("+-", "-")]
    forms += [f"{number}.0", f"{number:_}"] if kind is int else [f"{number:e}", f"{number:.3f}"]
    return kind, draw(st.sampled_from(forms))


@settings(max_examples=fuzz_examples(300), deadline=None)
@given(case=_spellings())
def test_the_editor_schema_takes_numbers_and_booleans_written_as_text(case):
    annotated, text = case
    assert _reads(annotated, text) and _editor_accepts(annotated, text), f"{annotated.__name__} {text!r}"


@pytest.mark.parametrize("annotated", [int, float, bool], ids=["int", "float", "bool"])
@settings(max_examples=fuzz_examples(300), deadline=None)
@given(value=st.one_of(st.text(alphabet="0123456789+-_.eE \tyesnoftrulYESNO", max_size=6),
                       st.integers(-10**6, 10**6), st.floats(-1e6, 1e6), st.booleans(), st.none()))
def test_the_editor_schema_takes_nothing_infc_refuses(annotated, value):
    # It refuses some texts pydantic takes ("0-5" as -5, "inf"), and booleans for numbers and
    # numbers for booleans: completion would offer `true` for a GPU count.
    assert not _editor_accepts(annotated, value) or _reads(annotated, value), f"{annotated.__name__} {value!r}"
