"""PyYAML's libyaml-backed loader and dumper (pure Python where PyYAML was built without it),
for rendered manifests: parsing what templates print, and writing the output files. They
remember plain scalars' tags (compiler/plain_tags.py). Imported only when rendering.
"""

from __future__ import annotations

import yaml
from yaml.nodes import ScalarNode

from compiler.plain_tags import RememberedTags


class Loader(RememberedTags, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    scalar_kind = ScalarNode
    remembered: dict = {}


class Dumper(RememberedTags, getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    scalar_kind = ScalarNode
    remembered: dict = {}
