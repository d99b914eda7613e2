"""PyYAML's libyaml-backed loader and dumper (pure Python where PyYAML was built without it),
for rendered manifests: parsing what templates print, and writing the output files. They
remember plain scalars' tags (compiler/plain_tags.py). Imported only when rendering.

Rendered manifests are plain data: maps, lists, strings and a few scalars. `load` and `dump`
build that data from libyaml's nodes, and the nodes from the data, directly: PyYAML's general
constructor and representer cost as much again as libyaml's own work, for features plain
data does not use. Anything else (an anchor, a merge key, a tag, a shared object) takes
PyYAML's general path, so the result is always exactly PyYAML's. Either way, text nested
more than MAX_DEPTH levels deep is refused.
"""

from __future__ import annotations

import io

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from compiler.goyaml import resolve_plain
from compiler.plain_tags import RememberedTags

_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"

# No manifest nests anywhere near this deep; a template that does (a repository's own) would
# exhaust Python's stack in the stages after this one, so its output is refused here.
MAX_DEPTH = 100


class TooDeep(yaml.YAMLError):
    problem = f"nested deeper than {MAX_DEPTH} levels"
    problem_mark = None

    def __str__(self) -> str:
        return self.problem


class Loader(RememberedTags, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    scalar_kind = ScalarNode
    remembered: dict = {}


class _QuotedForKubernetes:
    """Kubernetes reads manifests by go-yaml v2's rules (compiler/goyaml.py): a string that it
    would take for something else (`y`, `n`, `08`, `1e3`, `0o17`) is quoted, as PyYAML's own
    rules already quote `yes`, `1.5` or `null`."""

    def resolve(self, kind, value, implicit):
        tag = super().resolve(kind, value, implicit)
        if kind is ScalarNode and implicit[0] and tag == _STR:
            return resolve_plain(value)[0]
        return tag


class Dumper(RememberedTags, _QuotedForKubernetes, getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    scalar_kind = ScalarNode
    remembered: dict = {}


class _General(Exception):
    """The document needs PyYAML's general constructor or representer."""


def load(text: str):
    """yaml.load(text, Loader=Loader), raising the same errors, and TooDeep."""
    if "&" in text:  # an anchor, so maybe aliases: objects shared as PyYAML shares them
        return _within_depth(yaml.load(text, Loader=Loader))
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _build(loader, node, 0)
        except _General:
            return _within_depth(loader.construct_document(node))
    finally:
        loader.dispose()


def _build(loader: Loader, node, depth: int):
    kind = node.__class__
    if kind is ScalarNode:
        return node.value if node.tag == _STR else loader.construct_object(node, deep=True)
    if depth == MAX_DEPTH:
        raise TooDeep
    if kind is MappingNode and node.tag == _MAP:
        out = {}
        for key, value in node.value:
            if key.__class__ is not ScalarNode or key.tag == _MERGE:
                raise _General
            out[_build(loader, key, depth)] = _build(loader, value, depth + 1)
        return out
    if kind is SequenceNode and node.tag == _SEQ:
        return [_build(loader, item, depth + 1) for item in node.value]
    raise _General


def _within_depth(data):
    """`data`, or TooDeep; walked without recursion, each shared object once per depth."""
    pending, seen = [(data, 0)], {}
    while pending:
        value, depth = pending.pop()
        if isinstance(value, (dict, list)):
            if seen.get(id(value), -1) >= depth:
                continue
            if depth == MAX_DEPTH:
                raise TooDeep
            seen[id(value)] = depth
            pending.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))
    return data


_DUMP_OPTIONS = dict(sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096, indent=2)


def dump(obj) -> str:
    """yaml.dump(obj, Dumper=Dumper) in block style, keys in the order given."""
    stream = io.StringIO()
    dumper = Dumper(stream, **_DUMP_OPTIONS)
    try:
        node = _node(dumper, obj, set())
    except _General:
        dumper.dispose()
        return yaml.dump(obj, Dumper=Dumper, **_DUMP_OPTIONS)
    try:
        dumper.open()
        dumper.serialize(node)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


def _node(dumper: Dumper, data, seen: set[int]):
    kind = data.__class__
    if kind is str:
        return ScalarNode(_STR, data)
    if kind is dict or kind is list:
        if id(data) in seen:  # PyYAML writes an anchor and an alias
            raise _General
        seen.add(id(data))
        if kind is dict:
            return MappingNode(_MAP, [(_node(dumper, k, seen), _node(dumper, v, seen)) for k, v in data.items()],
                               flow_style=False)
        return SequenceNode(_SEQ, [_node(dumper, item, seen) for item in data], flow_style=False)
    if data is None or kind is bool or kind is int or kind is float:
        return dumper.represent_data(data)
    raise _General
