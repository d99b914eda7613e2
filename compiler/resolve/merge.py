"""Deep merge of spec layers that remembers, for every value, the input node that set it.

Maps merge key by key; itemized lists (SPEC.md §1) merge by instance key, and an item with
`exclude: true` removes an inherited one; every other list or scalar is replaced whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from compiler.diagnostics import Location

# List field name -> instance key. Path-independent: the names are unique in the spec.
ITEMIZED: dict[str, str] = {
    "environmentVariables": "name", "tolerations": "name", "labels": "name", "annotations": "name",
    "imagePullSecrets": "name", "ports": "name", "exposedUrls": "name", "extendedResources": "resource",
    "pvc": "name", "configMapVolume": "name", "secretVolume": "name", "emptyDirVolume": "name",
    "hostPath": "name", "nfs": "name", "git": "name", "s3": "name",
}


class P:
    """A value with the location that set it; maps hold P values, lists hold P items."""

    __slots__ = ("value", "loc")

    def __init__(self, value: Any, loc: Location):
        self.value = value
        self.loc = loc


@dataclass(frozen=True)
class Exclusion:
    """An inherited itemized entry removed by `exclude: true` (policies may lock entries)."""

    list_path: tuple
    key: str
    location: Location


def wrap(data: Any, origin: Callable[[tuple], Location], path: tuple = ()) -> P:
    """Plain data -> P tree; `origin(path)` gives the input location of the node at `path`."""
    if isinstance(data, dict):
        return P({k: wrap(v, origin, path + (k,)) for k, v in data.items()}, origin(path))
    if isinstance(data, list):
        return P([wrap(v, origin, path + (i,)) for i, v in enumerate(data)], origin(path))
    return P(data, origin(path))


def merge(base: P | None, new: P, exclusions: list[Exclusion], path: tuple = ()) -> P:
    if base is None:
        return _strip_excluded(new, path)
    if isinstance(base.value, dict) and isinstance(new.value, dict):
        out = dict(base.value)
        for key, value in new.value.items():
            if value.value is None:
                continue  # an explicit null inherits (Run:ai: unset field)
            out[key] = merge(out.get(key), value, exclusions, path + (key,))
        return P(out, new.loc)
    field = path[-1] if path else None
    if field in ITEMIZED and isinstance(base.value, list) and isinstance(new.value, list):
        return _merge_items(base, new, ITEMIZED[field], exclusions, path)
    return _strip_excluded(new, path)


def _key_of(item: P, key_field: str) -> Any:
    """The item's name; None when it has none, or a value that is not a name (reported elsewhere)."""
    if isinstance(item.value, dict) and key_field in item.value:
        key = item.value[key_field].value
        return key if isinstance(key, (str, int, float, bool)) else None
    return None


def _is_excluded(item: P) -> bool:
    return isinstance(item.value, dict) and "exclude" in item.value and item.value["exclude"].value is True


def _merge_items(base: P, new: P, key_field: str, exclusions: list[Exclusion], path: tuple) -> P:
    items: list[P] = list(base.value)
    index = {_key_of(it, key_field): i for i, it in enumerate(items) if _key_of(it, key_field) is not None}
    removed: set[int] = set()
    for item in new.value:
        key = _key_of(item, key_field)
        if _is_excluded(item):
            if key in index:
                removed.add(index[key])
                exclusions.append(Exclusion(path, str(key), item.loc))
            continue
        if key is not None and key in index:
            items[index[key]] = merge(items[index[key]], item, exclusions, path + (index[key],))
        else:
            if key is not None:
                index[key] = len(items)
            items.append(item)
    return P([it for i, it in enumerate(items) if i not in removed], new.loc)


def _strip_excluded(new: P, path: tuple) -> P:
    """A layer's own `exclude: true` items have nothing to remove below them: drop them."""
    if isinstance(new.value, list) and path and path[-1] in ITEMIZED:
        return P([it for it in new.value if not _is_excluded(it)], new.loc)
    return new


def unwrap(node: P, path: tuple = (), prov: dict | None = None) -> tuple[Any, dict[tuple, Location]]:
    """P tree -> plain data and {effective path: location}."""
    if prov is None:
        prov = {}
    prov[path] = node.loc
    if isinstance(node.value, dict):
        return {k: unwrap(v, path + (k,), prov)[0] for k, v in node.value.items()}, prov
    if isinstance(node.value, list):
        return [unwrap(v, path + (i,), prov)[0] for i, v in enumerate(node.value)], prov
    return node.value, prov
