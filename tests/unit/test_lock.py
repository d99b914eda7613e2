"""The lock file's layout: sorted keys, two-space indents, UTF-8, a final newline."""

from __future__ import annotations

import json

import pytest

from compiler.output.lock import read_lock, render_lock

ENTRY = {"revision": 3, "specHash": "0123abcd", "source": "workloads/é.yaml", "nodePool": "h100",
         "footprint": {"project": "nlp", "pools": ["h100"], "replicas": 2, "cpu": 4.025, "memory": 8 * 2**30,
                       "gpu": {"devices": 1, "portion": 0.5, "memory": None}, "priority": 150,
                       "preemptible": False}}


def test_layout_is_the_standard_indented_json_with_sorted_keys():
    entries = {"nlp/b": ENTRY, "nlp/a": {**ENTRY, "revision": 1}}
    text = render_lock(entries)
    assert text == json.dumps({"version": 1, "workloads": entries}, sort_keys=True, indent=2,
                              ensure_ascii=False).encode() + b"\n"
    assert text.index(b'"nlp/a"') < text.index(b'"nlp/b"')


def test_an_integer_beyond_64_bits_is_still_written_and_read_back(tmp_path):
    huge = {**ENTRY, "footprint": {**ENTRY["footprint"], "memory": 2**70}}
    assert json.loads(render_lock({"nlp/a": huge}))["workloads"]["nlp/a"]["footprint"]["memory"] == 2**70
    (tmp_path / "infc.lock.json").write_bytes(render_lock({"nlp/a": huge, "nlp/b": ENTRY}))
    assert read_lock(tmp_path / "infc.lock.json", "infc.lock.json") == ({"nlp/a": huge, "nlp/b": ENTRY}, [])


@pytest.mark.parametrize("content", [b'{"version": 1, "workloads": {"nlp/a": ', b"[" * 100_000 + b"]" * 100_000,
                                     b"\xff\xfe{}"])
def test_a_damaged_lock_is_reported_not_raised(tmp_path, content):
    (tmp_path / "infc.lock.json").write_bytes(content)
    entries, [diag] = read_lock(tmp_path / "infc.lock.json", "deploy/prod/infc.lock.json")
    assert entries == {} and diag.code == "IC702" and str(diag.location) == "deploy/prod/infc.lock.json:1:1"
