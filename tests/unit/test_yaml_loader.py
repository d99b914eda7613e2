"""YAML 1.2 typing of plain scalars is the same the first time a text is seen and every time
after (the loader remembers the tags of texts it has resolved); quoting always makes a string."""

from __future__ import annotations

import pytest

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
