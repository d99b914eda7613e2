"""Manifests are written so that any YAML reader gets back the same values: strings that look
like numbers, booleans or null are quoted, every time they occur (the dumper remembers tags)."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import libyaml
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
                                    "", "12:30", "2024-01-01", "0x1F", "0b101", "-", "a: b", "#x", "v1", "name",
                                    "y", "N", "08", "0o17", "+.5", "1_0", "1e400"])
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


@settings(max_examples=200, deadline=None)
@given(st.lists(_DATA, min_size=1, max_size=3))
def test_kubernetes_reads_back_what_was_written(docs: list):
    """Kubernetes reads YAML by go-yaml v2's rules, where `y`, `n`, `08` or `1e3` are no strings."""
    from compiler.validate.manifest_yaml import parse_manifests

    for doc in docs:
        [read], _ = parse_manifests(dump({"v": doc}), "m.yaml")
        assert read.data == {"v": doc}


def test_strings_kubernetes_would_take_for_booleans_or_numbers_are_quoted():
    text = dump({"env": ["y", "N", "08", "1e3", "0o17", "+.5", "1e400", "name"]})
    assert text == b"env:\n- 'y'\n- 'N'\n- '08'\n- '1e3'\n- '0o17'\n- '+.5'\n- 1e400\n- name\n"


_GENERAL = dict(sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096, indent=2)


@settings(max_examples=200, deadline=None)
@given(_DATA)
def test_the_direct_dumper_and_loader_match_pyyaml(doc):
    """Plain data is written and read without PyYAML's general representer and constructor:
    byte for byte and value for value what they give."""
    text = yaml.dump(doc, Dumper=libyaml.Dumper, **_GENERAL)
    assert libyaml.dump(doc) == text
    assert libyaml.load(text) == yaml.load(text, Loader=libyaml.Loader)


def test_what_plain_data_cannot_say_takes_pyyaml_general_path():
    shared = {"app": "x"}
    doc = {"labels": shared, "selector": shared}  # one object twice: an anchor and an alias
    assert libyaml.dump(doc) == yaml.dump(doc, Dumper=libyaml.Dumper, **_GENERAL)
    assert "&id001" in libyaml.dump(doc)
    for text in ("base: &b {a: 1}\nother: *b\n", "<<: {a: 1}\nb: 2\n", "a: !!binary aGk=\nb: !!set {x}\n",
                 "? [1, 2]\n: x\n", "a: 2024-01-01\nb: 0x1F\nc: ~\n", "a: !!python/name:os.system x\n",
                 "a: 1\n---\nb: 2\n"):
        assert _outcome(libyaml.load, text) == _outcome(lambda t: yaml.load(t, Loader=libyaml.Loader), text), text
    loaded = libyaml.load("base: &b {a: 1}\nother: *b\n")
    assert loaded["base"] is loaded["other"]  # shared as PyYAML shares it, so an alias bomb stays small


def _outcome(load, text: str):
    """What loading gives: the value, or the error (type and message)."""
    try:
        return load(text)
    except yaml.YAMLError as exc:
        return type(exc), str(exc)
