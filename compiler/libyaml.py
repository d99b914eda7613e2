"""PyYAML's libyaml-backed loader and dumper (pure Python where PyYAML was built without it),
for rendered manifests: parsing what templates print, and writing the output files.

Both resolve every plain scalar's tag against PyYAML's patterns, once per node; manifests
repeat the same keys and values thousands of times, so a text's tag is remembered (tags
depend on the text alone: no path resolvers are added). Imported only when rendering.
"""

from __future__ import annotations

import yaml
from yaml.nodes import ScalarNode

_PLAIN_MAX = 50_000  # texts remembered (of up to 64 characters): a few megabytes at most


class _RememberedTags:
    _plain: dict[str, str] = {}

    def resolve(self, kind, value, implicit):
        plain = kind is ScalarNode and implicit[0]
        tag = self._plain.get(value) if plain else None
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if plain and len(value) <= 64 and len(self._plain) < _PLAIN_MAX:
                self._plain[value] = tag
        return tag


class Loader(_RememberedTags, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


class Dumper(_RememberedTags, getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    pass
