"""The JSON Schema of each type read through a before-validator accepts every value infc reads."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from compiler.spec import base, kinds
from support import fuzz_examples

# exact: the schema also refuses all that infc refuses. Not so where JSON Schema cannot follow
# the parser: a cores or portion text too large (6E, 1e999), an unbalanced quote in a command,
# -0.0 bytes of memory quota.
TYPES = [("Quantity", base.Quantity, True), ("MemoryAmount", kinds.MemoryAmount, False),
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
