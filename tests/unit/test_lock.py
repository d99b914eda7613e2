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
    huge = {**ENTRY, "footprint": {**ENTRY["footprint"], "memory": 2**70 + 1}}  # no float is 2**70 + 1
    assert json.loads(render_lock({"nlp/a": huge}))["workloads"]["nlp/a"]["footprint"]["memory"] == 2**70 + 1
    (tmp_path / "infc.lock.json").write_bytes(render_lock({"nlp/a": huge, "nlp/b": ENTRY}))
    assert read_lock(tmp_path / "infc.lock.json", "infc.lock.json") == ({"nlp/a": huge, "nlp/b": ENTRY}, [])


@pytest.mark.parametrize("content", [b'{"version": 1, "workloads": {"nlp/a": ', b"[" * 100_000 + b"]" * 100_000,
                                     b"\xff\xfe{}"])
def test_a_damaged_lock_is_reported_not_raised(tmp_path, content):
    (tmp_path / "infc.lock.json").write_bytes(content)
    entries, [diag] = read_lock(tmp_path / "infc.lock.json", "deploy/prod/infc.lock.json")
    assert entries == {} and diag.code == "IC702" and str(diag.location) == "deploy/prod/infc.lock.json:1:1"


@pytest.mark.parametrize("field, value, problem", [
    ("revision", True, "revision: input should be a valid integer"),  # not revision 1
    ("revision", 0, "revision: input should be greater than or equal to 1"),
    ("specHash", None, "specHash: input should be a valid string"),
    ("footprint.memory", float("inf"), "footprint.memory: input should be a valid integer"),
    ("footprint.replicas", 1e300, "footprint.replicas: input should be a valid integer"),
    ("footprint.cpu", float("nan"), "footprint.cpu: input should be a finite number"),
    ("footprint.gpu.devices", -1, "footprint.gpu.devices: input should be greater than or equal to 0"),
    ("footprint.gpu.portion", "x", "footprint.gpu.portion: input should be a valid number"),
    ("footprint.preemptible", 0, "footprint.preemptible: input should be a valid boolean"),
    ("footprint.gpu", None, "footprint.gpu: input should be a valid dictionary"),
])
def test_an_entry_of_the_wrong_shape_is_reported_at_its_line_and_not_used(tmp_path, field, value, problem):
    bad = json.loads(json.dumps(ENTRY))
    *parents, last = field.split(".")
    holder = bad
    for name in parents:
        holder = holder[name]
    holder[last] = value
    text = json.dumps({"version": 1, "workloads": {"nlp/a": ENTRY, "nlp/b": bad}}, indent=2)  # NaN, Infinity
    (tmp_path / "infc.lock.json").write_text(text)
    entries, [diag] = read_lock(tmp_path / "infc.lock.json", "deploy/prod/infc.lock.json")
    assert entries == {"nlp/a": ENTRY}
    line = text[:text.index('"nlp/b"')].count("\n") + 1
    assert (diag.code, str(diag.location)) == ("IC702", f"deploy/prod/infc.lock.json:{line}:5")
    assert diag.message == f"lock entry 'nlp/b' is inconsistent: {problem}"
