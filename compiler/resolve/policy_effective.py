"""The effective policy of a workload: rules and defaults of every applicable policy, combined.

Precedence (research/runai.md §3.3; SPEC.md §1 "Policy"):

* **Defaults**: the nearest scope wins (project > department > cluster > tenant > infc's
  baseline), merged the same way resolve merges them into the workload; itemized lists
  merge by instance key, and `attributes` blocks are overridden attribute by attribute.
* **Rules on `compute.*` and `security.*`** apply top-down: the highest scope wins (tenant >
  cluster > department > project). Run:ai calls them strict rules: a project cannot loosen
  a cluster's GPU limit.
* **Every other rule** is nearest-wins, like defaults.
* Precedence is decided **per rule attribute**, not per field: a department's `min` and a
  project's `max` on the same field both apply; when both set `max`, the family's
  precedence picks one. The losing values are kept (`overridden`) so `infc explain` can
  show them.
* `instances.locked` is the **union** of every policy's list: locking only protects an
  instance a policy put there, so a nearer policy may lock more but never unlock.
* Policies at the same scope level (two files both scoped to one department) are ordered
  by name and the later name wins; infc's built-in baseline is below tenant policies in
  both families.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from compiler.diagnostics import Diagnostic, Location
from compiler.resolve.merge import ITEMIZED, P, merge, unwrap, wrap
from compiler.resolve.policy_rules import CompiledRules, family, field_type
from compiler.spec import kinds as k
from compiler.spec.workload import InferenceSpec

BASELINE_PREFIX = "<infc>/"


@dataclass(frozen=True)
class RuleSource:
    """One effective rule attribute and the policy line it comes from."""

    attribute: str
    value: Any
    policy: str
    location: Location
    kind: str
    overridden: tuple["RuleSource", ...] = ()

    def where(self) -> str:
        """'policy <name> (file:line)', for messages."""
        return f"policy '{self.policy}' ({self.location.file}:{self.location.line})"

    def to_dict(self) -> dict:
        return {"attribute": self.attribute, "value": self.value, "policy": self.policy,
                "source": str(self.location)}


@dataclass
class EffectiveRules:
    by_path: dict[tuple, dict[str, RuleSource]] = field(default_factory=dict)
    locked: dict[tuple, dict[str, RuleSource]] = field(default_factory=dict)  # list path -> key -> rule

    def at(self, path: tuple) -> dict[str, RuleSource]:
        return self.by_path.get(path, {})


def is_baseline(pol) -> bool:
    return pol.doc.file.startswith(BASELINE_PREFIX)


def _rank(fam: str, index: int, pol) -> tuple:
    """Bigger wins. `index` is the position in the workload's policies (lowest precedence first)."""
    if fam == "top-down":
        return (0 if is_baseline(pol) else 1, -pol.obj.spec.scope.level, index)
    return (index,)


def effective_rules(policies: list, compiled: dict[int, CompiledRules]) -> EffectiveRules:
    """Combine the compiled rules of `policies` (lowest precedence first)."""
    candidates: dict[tuple, dict[str, list[tuple[tuple, RuleSource]]]] = {}
    out = EffectiveRules()
    for index, pol in enumerate(policies):
        for rule in compiled[id(pol)].rules:
            src = RuleSource(rule.attribute, rule.value, pol.name, rule.location, rule.kind)
            if rule.attribute == "locked":
                out.locked.setdefault(rule.path, {}).setdefault(rule.value, src)
                continue
            rank = _rank(family(rule.path), index, pol)
            candidates.setdefault(rule.path, {}).setdefault(rule.attribute, []).append((rank, src))
    for path in sorted(candidates, key=_path_order):
        attrs = {}
        for attr, entries in candidates[path].items():
            entries.sort(key=lambda e: e[0])
            winner = entries[-1][1]
            losers = tuple(e[1] for e in entries[:-1])
            attrs[attr] = RuleSource(winner.attribute, winner.value, winner.policy, winner.location,
                                     winner.kind, losers)
        out.by_path[path] = attrs
    return out


def _path_order(path: tuple) -> tuple:
    return tuple(str(p) for p in path)


# --- defaults --------------------------------------------------------------------------------


def flatten_defaults(data: Any, path: tuple = (), origin: dict | None = None) -> tuple[Any, dict[tuple, tuple]]:
    """Run:ai's `{instances: [...], attributes: {...}}` form -> plain lists.

    Returns the flattened data and {flattened path: path as written} for every node, so that
    problems found in the flattened form point at the policy file. `attributes` blocks are
    dropped here (see `attribute_blocks`)."""
    if origin is None:
        origin = {}
    origin[path] = path
    return _flatten(data, path, path, origin), origin


def _flatten(data: Any, flat: tuple, written: tuple, origin: dict) -> Any:
    origin[flat] = written
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in ITEMIZED and isinstance(value, dict) and ("instances" in value or "attributes" in value):
                instances = value.get("instances")
                items = instances if isinstance(instances, list) else []
                origin[flat + (key,)] = written + (key, "instances")
                out[key] = [_flatten(v, flat + (key, i), written + (key, "instances", i), origin)
                            for i, v in enumerate(items)]
            else:
                out[key] = _flatten(value, flat + (key,), written + (key,), origin)
        return out
    if isinstance(data, list):
        return [_flatten(v, flat + (i,), written + (i,), origin) for i, v in enumerate(data)]
    return data


def attribute_blocks(data: Any, path: tuple = ()) -> Iterable[tuple[tuple, dict]]:
    """(list path, attributes) for every `<itemized>: {attributes: {...}}` in policy defaults."""
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if not isinstance(value, dict):
            continue
        if key in ITEMIZED:
            if isinstance(value.get("attributes"), dict):
                yield path + (key,), value["attributes"]
        else:
            yield from attribute_blocks(value, path + (key,))


def validate_defaults(pol) -> list[Diagnostic]:
    """A policy's `defaults` against the InferenceSpec shape (once per policy)."""
    from pydantic import ValidationError

    from compiler.spec.parse import pydantic_diagnostics

    raw = pol.obj.spec.defaults
    if not raw:
        return []
    doc = pol.doc
    base = ("spec", "defaults")
    out: list[Diagnostic] = []
    flat, origin = flatten_defaults(raw)
    for key, value in _itemized_wrappers(raw):
        extra = [x for x in value if x not in ("instances", "attributes")]
        for name in extra:
            out.append(Diagnostic("IC006", f"unknown field '{'.'.join(map(str, key + (name,)))}' in policy defaults",
                                  doc.key_loc(base + key + (name,)),
                                  hint="an itemized default takes 'instances' (a list) and 'attributes'"))
        if "instances" in value and not isinstance(value["instances"], list):
            out.append(Diagnostic("IC007", f"'{'.'.join(map(str, key))}.instances' must be a list",
                                  doc.loc(base + key + ("instances",)), hint="write instances: [- name: ...]"))

    def where(path: tuple) -> Location:
        p = tuple(path)
        rest: tuple = ()
        while p and p not in origin:
            rest = (p[-1],) + rest
            p = p[:-1]
        return doc.loc(base + origin.get(p, ()) + rest)

    try:
        InferenceSpec.model_validate(flat)
    except ValidationError as exc:
        out.extend(pydantic_diagnostics(exc, InferenceSpec, where, where))
    for list_path, attrs in attribute_blocks(raw):
        ft = field_type(list_path)
        if ft is None or ft.kind != "itemized" or ft.model is None:
            continue
        key_field = ITEMIZED[list_path[-1]]
        probe = dict(attrs)
        probe.setdefault(key_field, "x")
        try:
            ft.model.model_validate(probe)
        except ValidationError as exc:
            loc_base = base + list_path + ("attributes",)
            for d in pydantic_diagnostics(exc, ft.model, lambda p: doc.loc(loc_base + p),
                                          lambda p: doc.loc(loc_base + p)):
                if "missing required field" in d.message:
                    continue  # attributes may name only some fields of an item
                out.append(Diagnostic(d.code, d.message.replace("'", f"'{'.'.join(list_path)}[*].", 1), d.location,
                                      hint=d.hint))
    return out


def _itemized_wrappers(data: Any, path: tuple = ()) -> Iterable[tuple[tuple, dict]]:
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key in ITEMIZED and isinstance(value, dict):
            yield path + (key,), value
        elif isinstance(value, dict):
            yield from _itemized_wrappers(value, path + (key,))


@dataclass
class Reference:
    """An item a policy put in an itemized list: a default instance or an imposed asset."""

    key: str
    data: dict
    location: Location
    policy: str


@dataclass
class EffectiveDefaults:
    """Defaults of every applicable policy merged nearest-wins, with the line that set each."""

    data: Any = None
    provenance: dict[tuple, Location] = field(default_factory=dict)
    attributes: dict[tuple, dict[str, tuple[Any, Location, str]]] = field(default_factory=dict)
    references: dict[tuple, dict[str, Reference]] = field(default_factory=dict)

    def value(self, path: tuple) -> tuple[Any, Location | None]:
        node = self.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    return None, None
                node = node[part]
            else:
                if not isinstance(node, dict) or part not in node:
                    return None, None
                node = node[part]
        return node, self.provenance.get(path)

    def item_default(self, list_path: tuple, key: Any, attr_path: tuple) -> tuple[Any, Location | None]:
        """Default of an attribute of the item `key`: its reference instance, else `attributes`."""
        ref = self.references.get(list_path, {}).get(str(key)) if key is not None else None
        if ref is not None:
            node: Any = ref.data
            for part in attr_path:
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                return node, ref.location
        attrs = self.attributes.get(list_path, {})
        if attr_path and attr_path[0] in attrs:
            value, loc, _ = attrs[attr_path[0]]
            for part in attr_path[1:]:
                value = value.get(part) if isinstance(value, dict) else None
            return value, loc
        return None, None


def effective_defaults(policies: list, repo) -> EffectiveDefaults:
    out = EffectiveDefaults()
    merged: P | None = None
    for pol in policies:
        raw = pol.obj.spec.defaults
        if not raw:
            continue
        flat, origin = flatten_defaults(raw)
        doc = pol.doc

        def loc_of(p: tuple, doc=doc, origin=origin) -> Location:
            return doc.loc(("spec", "defaults") + origin.get(p, p))

        merged = merge(merged, wrap(flat, loc_of), [])
        for list_path, attrs in attribute_blocks(raw):
            block = out.attributes.setdefault(list_path, {})
            for attr, value in attrs.items():
                block[attr] = (value, doc.loc(("spec", "defaults") + list_path + ("attributes", attr)), pol.name)
    if merged is not None:
        out.data, out.provenance = unwrap(merged)
    by_file = {pol.doc.file: pol.name for pol in policies}
    _collect_references(out, out.data or {}, (), by_file)
    for pol in policies:
        for name in pol.obj.spec.imposedAssets:
            ds = repo.data_sources.get(name) if repo is not None else None
            if ds is None:
                continue
            source = ds.obj.spec.source_type
            raw_item = dict(ds.doc.data["spec"][source] or {})
            raw_item.setdefault("name", ds.name)
            list_path = ("storage", k.DATA_SOURCE_STORAGE[source])
            out.references.setdefault(list_path, {})[str(raw_item["name"])] = Reference(
                str(raw_item["name"]), raw_item, ds.doc.loc(("spec", source)), pol.name)
    return out


def _collect_references(out: EffectiveDefaults, data: Any, path: tuple, by_file: dict[str, str]) -> None:
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key in ITEMIZED and isinstance(value, list):
            refs = out.references.setdefault(path + (key,), {})
            for i, item in enumerate(value):
                if isinstance(item, dict) and ITEMIZED[key] in item:
                    loc = out.provenance.get(path + (key, i)) or Location("")
                    refs[str(item[ITEMIZED[key]])] = Reference(str(item[ITEMIZED[key]]), item, loc,
                                                                by_file.get(loc.file, ""))
        elif isinstance(value, dict):
            _collect_references(out, value, path + (key,), by_file)

