"""YAML 1.2 typing of plain scalars is the same the first time a text is seen and every time
after (the loader remembers the tags of texts it has resolved); quoting always makes a string."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from compiler.load.yamlfile import parse_yaml

DOC = """\
count: 1
quoted: "1"
flag: true
norway: NO
yes_word: yes
nothing: null
nothing_text: "null"
tilde: ~
hex: 0x1F
octal: 0o17
ratio: 1.5
big: 1e3
infinite: .inf
version: 1.10
empty:
"""

EXPECTED = {"count": 1, "quoted": "1", "flag": True, "norway": "NO", "yes_word": "yes", "nothing": None,
            "nothing_text": "null", "tilde": None, "hex": 31, "octal": 15, "ratio": 1.5, "big": 1000.0,
            "infinite": float("inf"), "version": 1.1, "empty": None}


@pytest.mark.parametrize("attempt", ["first", "again"])
def test_plain_scalars_take_their_yaml_1_2_types(attempt: str):
    [doc], diags = parse_yaml(DOC.encode(), f"{attempt}.yaml")
    assert diags == []
    assert doc.data == EXPECTED
    assert [type(v) for v in doc.data.values()] == [type(v) for v in EXPECTED.values()]


def test_quoting_a_text_does_not_change_how_it_reads_plain():
    [doc], _ = parse_yaml(b"a: '4217'\nb: 4217\nc: '4217'\nd: \"false\"\ne: false\n", "mixed.yaml")
    assert doc.data == {"a": "4217", "b": 4217, "c": "4217", "d": "false", "e": False}


_TEXTS = ["1", "-7", "+3", "0", "1.5", "-2.0", "1e3", ".5", "3.", "true", "True", "FALSE", "null", "~", "Null",
          "abc", "yes", "no", "on", "NO", "0x1F", "0o17", "0b101", "1_000", ".inf", "-.Inf", "1.10", "12:30",
          "v1", "a b", "-", "x: y"]
_VALUES = st.sampled_from(_TEXTS).flatmap(
    lambda text: st.sampled_from([text, f"'{text}'", f'"{text}"'] if ": " not in text and text != "-"
                                 else [f"'{text}'", f'"{text}"']))


@settings(max_examples=200, deadline=None)
@given(st.lists(_VALUES, min_size=1, max_size=12))
def test_scalars_read_as_ruamel_yaml_reads_them(values: list[str]):
    """Whatever was parsed before (the tags remembered), each value reads as ruamel.yaml's own
    pure-Python safe loader reads it."""
    text = "".join(f"k{i}: {value}\n" for i, value in enumerate(values))
    [doc], diags = parse_yaml(text.encode(), "values.yaml")
    assert diags == []
    expected = YAML(typ="safe", pure=True).load(text)
    assert doc.data == expected
    assert [type(v) for v in doc.data.values()] == [type(v) for v in expected.values()]
