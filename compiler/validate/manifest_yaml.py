"""Manifests read the way Kubernetes reads them.

infc reads its own repository as YAML 1.2 (compiler/load/yamlfile.py). The files given to
`infc validate` are parsed by the same parser, with the same limits and positions, but their
plain scalars are resolved as go-yaml v2 resolves them (compiler/goyaml.py), as kubectl, the
API server and kubeconform do through sigs.k8s.io/yaml, and a boolean mapping key becomes the
JSON key sigs.k8s.io/yaml makes of it (`yes:` is "true").
"""

from __future__ import annotations

import math
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from compiler.diagnostics import Diagnostic
from compiler.goyaml import BOOL, FLOAT, INT, MERGE, NULL, STR, resolve_plain
from compiler.load.document import Document
from compiler.load.yamlfile import MAX_INT, Builder, parse_yaml
from compiler.plain_tags import RememberedTags

_TAGS = {tag: Tag(suffix=tag) for tag in (BOOL, INT, FLOAT, NULL, STR, MERGE)}


class _GoYamlTags(VersionedResolver):
    def resolve(self, kind: Any, value: str, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            return _TAGS[resolve_plain(value)[0]]
        return super().resolve(kind, value, implicit)


class _Resolver(RememberedTags, _GoYamlTags):
    scalar_kind = ScalarNode
    remembered: dict = {}


_loader = YAML(typ="safe", pure=False)
_loader.Resolver = _Resolver


class _Builder(Builder):
    def build(self, node: Any, path: tuple, depth: int) -> Any:
        value = super().build(node, path, depth)
        if isinstance(value, float) and not math.isfinite(value) and path[-1:] != ("<key>",):
            # sigs.k8s.io/yaml fails to write NaN or infinity as JSON, refusing the whole manifest.
            what = "NaN" if math.isnan(value) else "infinity"
            self.diags.append(Diagnostic(
                "IC007", f"'{node.value}' is {what}, which JSON cannot hold: Kubernetes refuses the whole manifest",
                self.loc(node), hint="write a finite number, or quote the value to keep it as text"))
            return None  # reported here, and not again as the null it stands for
        return value

    def scalar(self, node: ScalarNode) -> Any:
        if not node.style:  # plain
            tag, value = resolve_plain(node.value)
            if node.tag == tag:  # resolved as go-yaml does, or tagged as it resolves (!!int 010)
                if tag == INT and not -MAX_INT - 1 <= value <= MAX_INT:
                    return self.too_large(node)
                return value
        return super().scalar(node)  # quoted and block scalars, and other explicit tags

    def key_text(self, key: str | int | float | bool) -> str:
        # sigs.k8s.io/yaml's names for keys that are not strings
        if isinstance(key, bool):
            return "true" if key else "false"
        if isinstance(key, float) and not math.isfinite(key):
            return ".nan" if math.isnan(key) else ".inf" if key > 0 else "-.inf"
        return super().key_text(key)


def parse_manifests(raw: bytes, file: str) -> tuple[list[Document], list[Diagnostic]]:
    """`compiler.load.yamlfile.parse_yaml`, with plain scalars and keys read as Kubernetes reads them."""
    return parse_yaml(raw, file, loader=_loader, builder_type=_Builder)
