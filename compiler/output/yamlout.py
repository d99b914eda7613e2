"""Write plain data as YAML: block style, keys in the order given, libyaml when present."""

from __future__ import annotations

import yaml

try:
    _Dumper = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Dumper = yaml.SafeDumper  # type: ignore[misc]


def dump(obj) -> bytes:
    text = yaml.dump(obj, Dumper=_Dumper, sort_keys=False, default_flow_style=False,
                     allow_unicode=True, width=4096, indent=2)
    return text.encode("utf-8")
