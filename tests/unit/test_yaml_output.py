"""Manifests are written so that any YAML reader gets back the same values: strings that look
like numbers, booleans or null are quoted, every time they occur (the dumper remembers tags)."""

from __future__ import annotations

import yaml

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
