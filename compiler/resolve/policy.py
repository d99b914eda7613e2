"""Policy rules (Run:ai V2 inference policies) enforced against effective workloads.

Each policy's rules are checked once (policy_rules: IC006/IC007 at the policy file), its
defaults once (IC006/IC007), then every workload is held against its effective rules
(policy_effective: which policy wins per attribute) and effective defaults:

| code | rule | where the error points |
| --- | --- | --- |
| IC101 | `required: true` and the value is missing (unset, "" or []) | the nearest enclosing value |
| IC102 | `canEdit: false` and the value differs from the effective default (no default: the field must stay unset); `blocked: true` and the value is set | the node that set the value: workload, template, asset |
| IC103 / IC104 | below `min` / above `max` (quantities compared as quantities: 20G < 32Gi) | the node that set the value |
| IC105 | `value - min` (min 0 when unset) not a multiple of `step` | the node that set the value |
| IC106 | value not one of `options`; for arrays, every element | the node that set the value |
| IC107 | `instances.canAdd: false` and an item whose key is not a policy instance (a default instance or an imposed asset) | the item |
| IC108 | `instances.locked` entry removed with `exclude: true`, or one of its attributes changed from the policy's instance | the `exclude` item / the changed attribute |

Locked instances: locking means the item stays as the policy wrote it, so both removing it
and changing an attribute the policy instance sets are IC108; adding an attribute the
instance does not set is allowed (and governed by `attributes` rules). A workload may
always restate a locked instance with the same values.

`defaultFrom` is validated but not applied: resolve does not derive defaults from other
fields yet.
"""

from __future__ import annotations

import shlex
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from compiler.diagnostics import Diagnostic, Location
from compiler.resolve.merge import ITEMIZED
from compiler.resolve.policy_effective import (
    EffectiveDefaults,
    EffectiveRules,
    RuleSource,
    effective_defaults,
    effective_rules,
    validate_defaults,
)
from compiler.resolve.policy_rules import (
    CompiledRules,
    FieldType,
    bound_value,
    canon,
    coerce,
    compile_rules,
    dotted,
    field_type,
    fields_of,
    show,
)


class PolicyContext:
    """Effective rules and defaults shared by every workload with the same applicable policies."""

    def __init__(self, rules: EffectiveRules, defaults: EffectiveDefaults):
        self.rules = rules
        self.defaults = defaults


class PolicyCache:
    def __init__(self, repo) -> None:
        self.repo = repo
        self.compiled: dict[int, CompiledRules] = {}
        self.contexts: dict[tuple, PolicyContext] = {}

    def compile(self, pol) -> CompiledRules:
        c = self.compiled.get(id(pol))
        if c is None:
            c = self.compiled[id(pol)] = compile_rules(pol)
        return c

    def context(self, policies: list) -> PolicyContext:
        key = tuple(id(p) for p in policies)
        ctx = self.contexts.get(key)
        if ctx is None:
            for pol in policies:
                self.compile(pol)
            ctx = PolicyContext(effective_rules(policies, self.compiled), effective_defaults(policies, self.repo))
            self.contexts[key] = ctx
        return ctx


def policy_diagnostics(repo, cache: "PolicyCache") -> list[Diagnostic]:
    """IC006/IC007 for the policies' own rules and defaults."""
    diags: list[Diagnostic] = []
    for pol in sorted(repo.policies.values(), key=lambda p: p.name):
        diags.extend(cache.compile(pol).diagnostics)
        diags.extend(validate_defaults(pol))
    return diags


def workload_policy_diagnostics(w, cache: "PolicyCache") -> list[Diagnostic]:
    """IC101-IC108 of one workload against the policies that cover it."""
    return [d for d in check_workload(w, cache.context(w.policies)) if d.code not in w.ignore]


def policy_context(w, repo) -> PolicyContext:
    """The effective rules and defaults of one workload (for `infc explain`)."""
    return PolicyCache(repo).context(w.policies)


# --- one workload ----------------------------------------------------------------------------


def value_at(spec: Any, path: tuple) -> Any:
    node = spec
    for part in path:
        if node is None:
            return None
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        elif isinstance(node, BaseModel):
            node = getattr(node, part, None)
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def check_workload(w, ctx: PolicyContext) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    rules = ctx.rules
    for path, attrs in rules.by_path.items():
        ft = field_type(path)
        if ft is None:
            continue
        if "*" in path:
            star = path.index("*")
            list_path, rest = path[:star], path[star + 1:]
            items = value_at(w.spec, list_path) or []
            key_field = ITEMIZED.get(list_path[-1], "name")
            for i, item in enumerate(items):
                key = getattr(item, key_field, None)
                default, default_loc = ctx.defaults.item_default(list_path, key, rest)
                concrete = list_path + (i,) + rest
                label = f"{dotted(list_path)}[{key}]" + "".join(f".{p}" for p in rest)
                _check_value(out, w, ft, concrete, value_at(item, rest), attrs,
                             coerce(ft, default), default_loc, label)
            continue
        if ft.kind == "itemized":
            _check_items(out, w, ctx, path, attrs)
            continue
        default, default_loc = _own_default(w, attrs.get("canEdit"), path) or ctx.defaults.value(path)
        _check_value(out, w, ft, path, value_at(w.spec, path), attrs, coerce(ft, default), default_loc)
    for list_path in rules.locked:
        if list_path not in rules.by_path:
            _check_items(out, w, ctx, list_path, {})
    return out


def _own_default(w, can_edit: RuleSource | None, path: tuple) -> tuple[Any, Location] | None:
    """The default of the policy that forbids editing, when it gives one: a nearer policy's
    default must not loosen a locked value (compute and security rules apply top-down)."""
    if can_edit is None or can_edit.value is not False:
        return None
    for pol in w.policies:
        if pol.name != can_edit.policy:
            continue
        node = pol.obj.spec.defaults or {}
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node, pol.doc.loc(("spec", "defaults") + path)
    return None


def _diag(w, code: str, message: str, loc: Location, hint: str, rule: RuleSource,
          extra: tuple[Location, ...] = ()) -> Diagnostic:
    if loc.file != w.file:
        message += f" (workload {w.key})"
    return Diagnostic(code, message, loc, hint=hint, related=(rule.location,) + extra, subject=w.key)


def _is_missing(value: Any) -> bool:
    return value is None or value == "" or value == []


def _shown(ft: FieldType, value: Any) -> str:
    if ft.kind == "string" and isinstance(value, list):
        return shlex.join(value)
    return show(value)


def _check_value(out: list, w, ft: FieldType, path: tuple, value: Any, attrs: dict[str, RuleSource],
                 default: Any, default_loc: Location | None, name: str = "") -> None:
    name = name or dotted(path)
    loc = w.loc(*path)
    blocked = attrs.get("blocked")
    if blocked and blocked.value is True and not _is_missing(value):
        out.append(_diag(w, "IC102", f"{name} is set to {_shown(ft, value)}, but {blocked.where()} blocks it",
                         loc, f"remove {name} from {loc.file}: the policy does not allow setting it", blocked))
        return
    can_edit = attrs.get("canEdit")
    if can_edit and can_edit.value is False and canon(ft, value) != canon(ft, default):
        if default is None:
            out.append(_diag(
                w, "IC102", f"{name} is set to {_shown(ft, value)}, but {can_edit.where()} does not allow editing it"
                " and gives no default, so it must stay unset",
                loc, f"remove {name} from {loc.file}", can_edit))
        elif value is None:
            out.append(_diag(
                w, "IC102", f"{name} is unset, but {can_edit.where()} does not allow editing it: it must be"
                f" {_shown(ft, default)}", loc, f"do not remove {name}; it must stay {_shown(ft, default)}",
                can_edit, (default_loc,) if default_loc else ()))
        else:
            at = f" (the default at {default_loc.file}:{default_loc.line})" if default_loc else ""
            out.append(_diag(
                w, "IC102", f"{name} is {_shown(ft, value)}, but {can_edit.where()} does not allow editing it: it"
                f" must be {_shown(ft, default)}{at}",
                loc, f"remove {name} from {loc.file} (or set it to {_shown(ft, default)})",
                can_edit, (default_loc,) if default_loc else ()))
        return
    required = attrs.get("required")
    if _is_missing(value):
        if required and required.value is True:
            out.append(_diag(w, "IC101", f"{name} is required by {required.where()} but not set", loc,
                             f"set {name} in the workload, its template or an asset", required))
        return
    if ft.kind in ("integer", "number", "quantity"):
        _check_bounds(out, w, ft, name, loc, value, attrs)
    options = attrs.get("options")
    if options:
        allowed = [str(o) for o in options.value]
        shown = ", ".join(allowed)
        if ft.kind == "array":
            for i, element in enumerate(value):
                if str(element) not in allowed:
                    eloc = w.loc(*path, i)
                    out.append(_diag(w, "IC106", f"{name}[{i}] is {show(element)}, not one of the options of"
                                     f" {options.where()}: {shown}", eloc,
                                     f"use only {shown} in {name}", options))
        else:
            text = _shown(ft, value)
            if text not in allowed:
                out.append(_diag(w, "IC106", f"{name} is {text}, not one of the options of {options.where()}: {shown}",
                                 loc, f"set {name} to one of: {shown}", options))


def _check_bounds(out: list, w, ft: FieldType, name: str, loc: Location, value: Any,
                  attrs: dict[str, RuleSource]) -> None:
    try:
        number = bound_value(ft, value)
    except Exception:  # a value resolve accepted but the policy cannot compare; nothing to check
        return
    shown = _shown(ft, value)
    lo, hi, step = attrs.get("min"), attrs.get("max"), attrs.get("step")
    if lo is not None and number < bound_value(ft, lo.value):
        out.append(_diag(w, "IC103", f"{name} is {shown}, below the minimum {show(lo.value)} of {lo.where()}",
                         loc, f"set {name} to at least {show(lo.value)}", lo))
    if hi is not None and number > bound_value(ft, hi.value):
        out.append(_diag(w, "IC104", f"{name} is {shown}, above the maximum {show(hi.value)} of {hi.where()}",
                         loc, f"set {name} to at most {show(hi.value)}", hi))
    if step is not None:
        base = bound_value(ft, lo.value) if lo is not None else Decimal(0)
        size = Decimal(str(step.value))
        if (number - base) % size != 0:
            start = f"{show(lo.value)} + " if lo is not None else ""
            below = base + ((number - base) // size) * size
            out.append(_diag(w, "IC105", f"{name} is {shown}, not {start}a multiple of {show(step.value)}"
                             f" (step of {step.where()})", loc,
                             f"use {_num(below)} or {_num(below + size)}", step))


def _num(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _check_items(out: list, w, ctx: PolicyContext, list_path: tuple, attrs: dict[str, RuleSource]) -> None:
    name = dotted(list_path)
    key_field = ITEMIZED.get(list_path[-1], "name")
    items = value_at(w.spec, list_path) or []
    refs = ctx.defaults.references.get(list_path, {})
    can_add = attrs.get("canAdd")
    if can_add and can_add.value is False:
        for i, item in enumerate(items):
            key = getattr(item, key_field, None)
            if str(key) not in refs:
                loc = w.loc(*list_path, i)
                allowed = ", ".join(sorted(refs)) or "none"
                out.append(_diag(w, "IC107", f"{name} adds '{key}', but {can_add.where()} does not allow adding"
                                 f" items (policy items: {allowed})", loc,
                                 f"remove '{key}' from {name} in {loc.file}", can_add))
    locked = ctx.rules.locked.get(list_path, {})
    if not locked:
        return
    for exc in w.exclusions:
        if tuple(exc.list_path) == list_path and exc.key in locked:
            rule = locked[exc.key]
            out.append(_diag(w, "IC108", f"{name} excludes '{exc.key}', which {rule.where()} locks",
                             exc.location, f"remove the 'exclude: true' item '{exc.key}' from {exc.location.file}",
                             rule))
    item_type = field_type(list_path + ("*",))
    item_fields = fields_of(item_type.model) if item_type and item_type.model else {}
    for i, item in enumerate(items):
        key = str(getattr(item, key_field, None))
        if key not in locked or key not in refs:
            continue
        rule, ref = locked[key], refs[key]
        for attr, raw in ref.data.items():
            ft = item_fields.get(attr)
            if ft is None or attr == key_field:
                continue
            expected = coerce(ft, raw)
            actual = getattr(item, attr, None)
            if canon(ft, actual) != canon(ft, expected):
                loc = w.loc(*list_path, i, attr)
                out.append(_diag(
                    w, "IC108", f"{name} '{key}' sets {attr} to {_shown(ft, actual)}, but {rule.where()} locks"
                    f" this item: {attr} must stay {_shown(ft, expected)} (set at {ref.location.file}:{ref.location.line})",
                    loc, f"remove {attr} of '{key}' from {loc.file}", rule, (ref.location,)))
