"""Manifests are written so that any YAML reader gets back the same values: strings that look
like numbers, booleans or null are quoted, every time they occur (the dumper remembers tags)."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.libyaml import Loader
from compiler.output.yamlout import dump

LOOKALIKES = {"port": "8080", "replicas": 8080, "flag": "true", "on": True, "none": "null", "nil": None,
              "ratio": "0.5", "share": 0.5, "octal": "0644", "mode": 420, "word": "NO", "empty": ""}


def test_values_survive_a_round_trip_however_often_they_repeat():
    docs = [LOOKALIKES, {**LOOKALIKES, "nested": [LOOKALIKES, dict(reversed(LOOKALIKES.items()))]}] * 3
    for doc in docs:
        text = dump(doc)
        assert yaml.safe_load(text) == doc  # PyYAML's own loader, without the remembered tags
        assert yaml.load(text, Loader=Loader) == doc
    assert b"port: '8080'" in dump(LOOKALIKES) and b"replicas: 8080" in dump(LOOKALIKES)


_LOOKALIKE_TEXTS = st.sampled_from(["8080", "0644", "1e3", "1.5", ".inf", "true", "yes", "on", "NO", "null", "~",
                                    "", "12:30", "2024-01-01", "0x1F", "0b101", "-", "a: b", "#x", "v1", "name"])
_SCALARS = st.one_of(_LOOKALIKE_TEXTS, st.text(max_size=12), st.integers(-10**6, 10**6), st.booleans(), st.none(),
                     st.floats(allow_nan=False, allow_infinity=False, width=32))
_DATA = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(_LOOKALIKE_TEXTS | st.text(max_size=8), inner,
                                                                        max_size=4)), max_leaves=25)


@settings(max_examples=200, deadline=None)
@given(st.lists(_DATA, min_size=1, max_size=3))
def test_any_data_reads_back_as_written(docs: list):
    """Whatever the dumper remembered from earlier manifests, PyYAML's own loader reads back
    exactly the data that was written."""
    for doc in docs:
        assert yaml.safe_load(dump(doc)) == doc
