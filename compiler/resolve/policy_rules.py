"""The shape of Run:ai V2 inference policy rules, per value type, and their validation.

A policy's `rules` mirror the workload spec: sections (`compute`, `security`, `autoscaling`,
...) hold fields, and a field holds a *rule node*, a mapping of rule attributes. Which
attributes a field takes depends on its value type (research/runai.md §3.2):

| value type | attributes |
| --- | --- |
| boolean  | required, canEdit, blocked |
| string   | required, canEdit, blocked, options |
| integer  | required, canEdit, blocked, min, max, step, defaultFrom |
| number   | required, canEdit, blocked, min, max, step, defaultFrom |
| quantity | required, canEdit, blocked, min, max, defaultFrom |
| array    | required, canEdit, blocked, options (every element must be an option) |
| object   | required, canEdit, blocked (e.g. nodeAffinityRequired, podAffinity) |
| itemized | instances: {canAdd, locked}, attributes: {<item field>: <rule node>} |

Value types come from the InferenceSpec model: `Quantity` fields are quantities, `Cores`
and `Portion` fields numbers (so `cpuCoreRequest: {max: "500m"}` is accepted), `command`
and `args` strings, lists of strings arrays, lists of itemized models itemized lists, and
any other sub-model is a section, or an object when its rule node holds only rule
attributes. `blocked` (newer Run:ai) is read as "the field must stay unset"; it is
reported like `canEdit: false` without a default.

A rule path uses "*" for "every item" of an itemized list: ("environmentVariables", "*",
"value") is the `attributes.value` rule of environmentVariables.

Unknown field paths and unknown attributes are IC006 (with a did-you-mean); an attribute
that does not apply to the field's value type, or a value of the wrong type, is IC007.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter, ValidationError

from compiler.diagnostics import Diagnostic, Location, did_you_mean
from compiler.resolve.merge import ITEMIZED
from compiler.spec import base as spec_base
from compiler.spec import quantities as q
from compiler.spec.workload import InferenceSpec, Itemized

SIMPLE = ("required", "canEdit", "blocked")
ALLOWED: dict[str, tuple[str, ...]] = {
    "boolean": SIMPLE,
    "string": SIMPLE + ("options",),
    "integer": SIMPLE + ("min", "max", "step", "defaultFrom"),
    "number": SIMPLE + ("min", "max", "step", "defaultFrom"),
    "quantity": SIMPLE + ("min", "max", "defaultFrom"),
    "array": SIMPLE + ("options",),
    "object": SIMPLE,
    "section": SIMPLE,
    "itemized": ("instances", "attributes"),
}
RULE_ATTRIBUTES = ("required", "canEdit", "blocked", "min", "max", "step", "options", "defaultFrom",
                   "instances", "attributes")
INSTANCE_ATTRIBUTES = ("canAdd", "locked")
# Run:ai's rule families: strict rules apply top-down, the rest nearest-wins.
TOP_DOWN_SECTIONS = ("compute", "security")


@dataclass(frozen=True)
class FieldType:
    kind: str
    annotation: Any = None
    model: type[BaseModel] | None = None  # section/object: the sub-model; itemized: the item model
    literals: tuple = ()

    @property
    def adapter(self) -> TypeAdapter | None:
        return _adapter(self.annotation) if self.annotation is not None else None


@lru_cache(maxsize=None)
def _adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


def _strip_optional(ann: Any) -> Any:
    if typing.get_origin(ann) is typing.Union:
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) == 1:
            return args[0]
        return typing.Union[tuple(args)]  # type: ignore[return-value]
    return ann


def classify(annotation: Any) -> FieldType:
    """The policy value type of a model field annotation."""
    ann = _strip_optional(annotation)
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        base_type, *meta = typing.get_args(ann)
        funcs = {getattr(m, "func", None) for m in meta}
        if spec_base._quantity in funcs:
            return FieldType("quantity", ann)
        if spec_base._cores in funcs or spec_base._portion in funcs:
            return FieldType("number", ann)
        if spec_base._string_or_list in funcs:
            return FieldType("string", ann)
        inner = classify(base_type)
        return FieldType(inner.kind, ann, inner.model, inner.literals)
    if ann is bool:
        return FieldType("boolean", ann)
    if ann is int:
        return FieldType("integer", ann)
    if ann is float:
        return FieldType("number", ann)
    if ann is str:
        return FieldType("string", ann)
    if origin is Literal:
        values = typing.get_args(ann)
        return FieldType("string", ann, literals=tuple(values))
    if origin is typing.Union:
        args = typing.get_args(ann)
        if all(a in (int, float) for a in args):
            return FieldType("number", ann)
        if str in args:
            return FieldType("string", ann)
        return FieldType("object", ann)
    if origin is list:
        (item,) = typing.get_args(ann) or (Any,)
        if isinstance(item, type) and issubclass(item, Itemized):
            return FieldType("itemized", ann, model=item)
        if item is str:
            return FieldType("array", ann)
        return FieldType("object", ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return FieldType("section", ann, model=ann)
    return FieldType("object", ann)


@lru_cache(maxsize=None)
def fields_of(model: type[BaseModel]) -> dict[str, FieldType]:
    out = {name: classify(info.annotation) for name, info in model.model_fields.items()}
    if issubclass(model, Itemized):
        out.pop("exclude", None)
    return out


def field_type(path: tuple) -> FieldType | None:
    """The value type at a rule path ("*" steps into the items of an itemized list)."""
    current = FieldType("section", InferenceSpec, model=InferenceSpec)
    for part in path:
        if part == "*":
            if current.kind != "itemized":
                return None
            current = FieldType("section", current.model, model=current.model)
            continue
        if current.kind != "section" or current.model is None:
            return None
        nxt = fields_of(current.model).get(part)
        if nxt is None:
            return None
        current = nxt
    return current


def family(path: tuple) -> str:
    """"top-down" for compute.* and security.* rules, "nearest" for every other field."""
    return "top-down" if path and path[0] in TOP_DOWN_SECTIONS else "nearest"


def dotted(path: tuple) -> str:
    out = ""
    for p in path:
        if p == "*":
            out += "[*]"
        elif isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out


# --- values ----------------------------------------------------------------------------------


def coerce(ft: FieldType, raw: Any) -> Any:
    """A raw YAML value validated as the field's type (quantities canonical, cores as floats)."""
    if raw is None or ft.adapter is None:
        return raw
    try:
        return ft.adapter.validate_python(raw)
    except ValidationError:
        return raw


def canon(ft: FieldType, value: Any) -> Any:
    """A comparable form of a typed value: quantities in base units, models as plain data."""
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    if isinstance(value, list):
        return [canon(ft, v) for v in value]
    if ft.kind == "quantity":
        try:
            return q.quantity_value(value)
        except q.QuantityError:
            return value
    if ft.kind in ("integer", "number") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def show(value: Any) -> str:
    """A value as it reads in YAML."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def option_values(options: list) -> list:
    """Run:ai options are `{value, displayed}`; plain values are accepted too."""
    return [o.get("value") if isinstance(o, dict) else o for o in options]


# --- compiling one policy's rules ------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One rule attribute of one policy, at a field path."""

    path: tuple
    attribute: str  # required | canEdit | blocked | min | max | step | options | defaultFrom | canAdd | locked
    value: Any
    location: Location
    kind: str  # value type of the field


@dataclass
class CompiledRules:
    rules: list[Rule] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def compile_rules(pol) -> CompiledRules:
    """Every rule attribute of a policy, checked against the spec; bad ones become diagnostics."""
    out = CompiledRules()
    raw = pol.obj.spec.rules
    if not raw:
        return out
    walker = _Walker(pol, out)
    walker.section(InferenceSpec, raw, ())
    return out


class _Walker:
    def __init__(self, pol, out: CompiledRules):
        self.pol = pol
        self.doc = pol.doc
        self.out = out

    def at(self, rpath: tuple) -> Location:
        return self.doc.loc(("spec", "rules") + rpath)

    def key_at(self, rpath: tuple) -> Location:
        return self.doc.key_loc(("spec", "rules") + rpath)

    def error(self, code: str, message: str, loc: Location, hint: str) -> None:
        self.out.diagnostics.append(Diagnostic(code, f"policy '{self.pol.name}': {message}", loc, hint=hint))

    # rpath: path inside `rules` (as written); fpath: field path with "*" for items
    def section(self, model: type[BaseModel], data: Any, fpath: tuple, rpath: tuple = ()) -> None:
        if not isinstance(data, dict):
            self.error("IC007", f"rules for '{dotted(fpath) or 'rules'}' must be a mapping", self.at(rpath),
                       hint="write one entry per field, e.g. compute: {gpuDevicesRequest: {max: 4}}")
            return
        fields = fields_of(model)
        for key, value in data.items():
            ft = fields.get(key)
            if ft is None:
                where = f"{dotted(fpath)}.{key}" if fpath else str(key)
                suggestion = did_you_mean(str(key), fields)
                hint = suggestion or f"fields here: {', '.join(sorted(fields))}"
                self.error("IC006", f"unknown field '{where}' in rules", self.key_at(rpath + (key,)), hint=hint)
                continue
            self.field(ft, value, fpath + (key,), rpath + (key,))

    def field(self, ft: FieldType, node: Any, fpath: tuple, rpath: tuple) -> None:
        if ft.kind == "section":
            if isinstance(node, dict) and node and all(k in RULE_ATTRIBUTES for k in node):
                self.node(FieldType("object", ft.annotation, ft.model), node, fpath, rpath)
            else:
                assert ft.model is not None
                self.section(ft.model, node, fpath, rpath)
            return
        self.node(ft, node, fpath, rpath)

    def node(self, ft: FieldType, node: Any, fpath: tuple, rpath: tuple) -> None:
        name = dotted(fpath)
        if not isinstance(node, dict):
            self.error("IC007", f"the rule for '{name}' must be a mapping of rule attributes, not {show(node)}",
                       self.at(rpath), hint=f"e.g. {name.rsplit('.', 1)[-1]}: {{{_example(ft.kind)}}}")
            return
        allowed = ALLOWED[ft.kind]
        for attr, value in node.items():
            loc = self.at(rpath + (attr,))
            if attr not in RULE_ATTRIBUTES:
                suggestion = did_you_mean(str(attr), allowed)
                self.error("IC006", f"unknown rule attribute '{attr}' for '{name}'", self.key_at(rpath + (attr,)),
                           hint=suggestion or f"{_article(ft.kind)} {ft.kind} field takes: {', '.join(allowed)}")
                continue
            if attr not in allowed:
                self.error("IC007", f"rule attribute '{attr}' does not apply to '{name}' ({_article(ft.kind)} {ft.kind})",
                           self.key_at(rpath + (attr,)),
                           hint=f"{_article(ft.kind)} {ft.kind} field takes: {', '.join(allowed)}")
                continue
            getattr(self, f"attr_{attr}")(ft, value, fpath, rpath + (attr,), loc)
        if ft.kind in ("integer", "number", "quantity"):
            self._check_range(ft, node, fpath, rpath)

    def add(self, fpath: tuple, attr: str, value: Any, loc: Location, kind: str) -> None:
        self.out.rules.append(Rule(fpath, attr, value, loc, kind))

    def _bool(self, attr: str, ft: FieldType, value: Any, fpath: tuple, loc: Location) -> None:
        if not isinstance(value, bool):
            self.error("IC007", f"'{attr}' for '{dotted(fpath)}' must be true or false, not {show(value)}", loc,
                       hint=f"write {attr}: true or {attr}: false")
            return
        self.add(fpath, attr, value, loc, ft.kind)

    def attr_required(self, ft, value, fpath, rpath, loc) -> None:
        self._bool("required", ft, value, fpath, loc)

    def attr_canEdit(self, ft, value, fpath, rpath, loc) -> None:
        self._bool("canEdit", ft, value, fpath, loc)

    def attr_blocked(self, ft, value, fpath, rpath, loc) -> None:
        self._bool("blocked", ft, value, fpath, loc)

    def _bound(self, attr: str, ft: FieldType, value: Any, fpath: tuple, loc: Location) -> Any:
        name = dotted(fpath)
        bad = isinstance(value, bool) or value is None
        if not bad and ft.kind == "integer":
            bad = not isinstance(value, int)
        elif not bad and ft.kind == "number":
            bad = not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value))
            if bad and ft.adapter is not None and isinstance(value, str):  # cores "500m", portions "50%"
                try:
                    ft.adapter.validate_python(value)
                    bad = False
                except ValidationError:
                    bad = True
        elif not bad and ft.kind == "quantity":
            try:
                q.canonical_quantity(value)
            except q.QuantityError:
                bad = True
        if bad:
            example = {"integer": "an integer such as 4", "number": "a number such as 0.5",
                       "quantity": "a quantity such as 20Gi or 20G"}[ft.kind]
            self.error("IC007", f"'{attr}' for '{name}' must be {example}, not {show(value)}", loc,
                       hint=f"'{name}' is {_article(ft.kind)} {ft.kind}")
            return None
        self.add(fpath, attr, value, loc, ft.kind)
        return value

    def attr_min(self, ft, value, fpath, rpath, loc) -> None:
        self._bound("min", ft, value, fpath, loc)

    def attr_max(self, ft, value, fpath, rpath, loc) -> None:
        self._bound("max", ft, value, fpath, loc)

    def attr_step(self, ft, value, fpath, rpath, loc) -> None:
        if self._bound_ok_positive(ft, value):
            self.add(fpath, "step", value, loc, ft.kind)
            return
        what = "a positive integer" if ft.kind == "integer" else "a positive number"
        self.error("IC007", f"'step' for '{dotted(fpath)}' must be {what}, not {show(value)}", loc,
                   hint="values must then be min + a multiple of step")

    @staticmethod
    def _bound_ok_positive(ft: FieldType, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if ft.kind == "integer":
            return isinstance(value, int) and value > 0
        return isinstance(value, (int, float)) and math.isfinite(value) and value > 0

    def _check_range(self, ft: FieldType, node: dict, fpath: tuple, rpath: tuple) -> None:
        lo, hi = node.get("min"), node.get("max")
        if lo is None or hi is None:
            return
        try:
            a, b = bound_value(ft, lo), bound_value(ft, hi)
        except (ValueError, TypeError, ArithmeticError):  # QuantityError is a ValueError
            return  # already reported
        if a > b:
            self.error("IC007", f"min {show(lo)} is above max {show(hi)} for '{dotted(fpath)}'",
                       self.at(rpath + ("min",)), hint="no value could satisfy both; lower min or raise max")

    def attr_options(self, ft, value, fpath, rpath, loc) -> None:
        name = dotted(fpath)
        if not isinstance(value, list) or not value:
            self.error("IC007", f"'options' for '{name}' must be a non-empty list, not {show(value)}", loc,
                       hint="write options: [{value: a, displayed: A}, ...] or a list of plain values")
            return
        ok = True
        for i, opt in enumerate(value):
            oloc = self.at(rpath + (i,))
            if isinstance(opt, dict):
                extra = [k for k in opt if k not in ("value", "displayed")]
                if extra:
                    self.error("IC006", f"unknown key '{extra[0]}' in an option of '{name}'",
                               self.key_at(rpath + (i, extra[0])), hint="an option is {value, displayed}")
                    ok = False
                    continue
                if "value" not in opt:
                    self.error("IC007", f"an option of '{name}' has no 'value'", oloc,
                               hint="an option is {value, displayed}")
                    ok = False
                    continue
                opt = opt["value"]
            if not isinstance(opt, (str, int, float)) or isinstance(opt, bool):
                self.error("IC007", f"option {show(opt)} of '{name}' is not a string", oloc,
                           hint="options are strings (quote them)")
                ok = False
            elif ft.literals and opt not in ft.literals:
                suggestion = did_you_mean(str(opt), [str(v) for v in ft.literals])
                self.error("IC007", f"option '{opt}' is not a valid value of '{name}'", oloc,
                           hint=suggestion or f"valid values: {', '.join(map(str, ft.literals))}")
                ok = False
        if ok:
            self.add(fpath, "options", [str(v) for v in option_values(value)], loc, ft.kind)

    def attr_defaultFrom(self, ft, value, fpath, rpath, loc) -> None:
        name = dotted(fpath)
        if not isinstance(value, dict) or not isinstance(value.get("field"), str):
            self.error("IC007", f"'defaultFrom' for '{name}' must be {{field, factor}}", loc,
                       hint="e.g. defaultFrom: {field: compute.cpuCoreLimit, factor: 0.5}")
            return
        for key in value:
            if key not in ("field", "factor"):
                self.error("IC006", f"unknown key '{key}' in 'defaultFrom' of '{name}'",
                           self.key_at(rpath + (key,)), hint="defaultFrom takes field and factor")
                return
        factor = value.get("factor", 1)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)):
            self.error("IC007", f"'defaultFrom.factor' for '{name}' must be a number, not {show(factor)}",
                       self.at(rpath + ("factor",)), hint="e.g. factor: 0.5")
            return
        source = tuple(value["field"].split("."))
        src_type = field_type(source)
        if src_type is None or source[:-1] != fpath[:-1] or src_type.kind not in ("integer", "number", "quantity"):
            section = dotted(fpath[:-1]) or "the top level"
            self.error("IC007", f"'defaultFrom.field' '{value['field']}' of '{name}' is not a numeric field of {section}",
                       self.at(rpath + ("field",)), hint="defaultFrom must name a number or quantity field of the same section")
            return
        self.add(fpath, "defaultFrom", {"field": value["field"], "factor": factor}, loc, ft.kind)

    def attr_instances(self, ft, value, fpath, rpath, loc) -> None:
        name = dotted(fpath)
        if not isinstance(value, dict):
            self.error("IC007", f"'instances' for '{name}' must be a mapping {{canAdd, locked}}", loc,
                       hint="e.g. instances: {canAdd: false, locked: [NAME]}")
            return
        for key, v in value.items():
            kloc = self.at(rpath + (key,))
            if key == "canAdd":
                self._bool("canAdd", ft, v, fpath, kloc)
            elif key == "locked":
                if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                    self.error("IC007", f"'instances.locked' for '{name}' must be a list of {ITEMIZED.get(fpath[-1], 'name')}s",
                               kloc, hint="e.g. locked: [HF_HOME]")
                    continue
                for i, key_value in enumerate(v):
                    self.add(fpath, "locked", key_value, self.at(rpath + (key, i)), ft.kind)
            else:
                suggestion = did_you_mean(str(key), INSTANCE_ATTRIBUTES)
                self.error("IC006", f"unknown key '{key}' in 'instances' of '{name}'", self.key_at(rpath + (key,)),
                           hint=suggestion or "instances takes canAdd and locked")

    def attr_attributes(self, ft, value, fpath, rpath, loc) -> None:
        assert ft.model is not None
        self.section(ft.model, value, fpath + ("*",), rpath)


def bound_value(ft: FieldType, value: Any) -> Decimal:
    """A min/max/step/field value as a Decimal in the field's units."""
    if ft.kind == "quantity":
        return q.quantity_value(value)
    if isinstance(value, str) and ft.adapter is not None:
        value = ft.adapter.validate_python(value)
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{value} is not a finite number")
    return number


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _example(kind: str) -> str:
    return {"boolean": "canEdit: false", "string": "options: [a, b]", "integer": "max: 4",
            "number": "max: 0.5", "quantity": "max: 20G", "array": "options: [a, b]",
            "itemized": "instances: {canAdd: false}"}.get(kind, "required: true")
