"""`infc schema`: JSON Schema of the input kinds, generated from the pydantic models."""

from __future__ import annotations

import ast
import inspect
import sys
from functools import lru_cache

from pydantic.json_schema import GenerateJsonSchema

from compiler.spec import quantities as q
from compiler.spec.kinds import KINDS


@lru_cache(maxsize=None)
def _attribute_docstrings(module_name: str) -> dict[str, dict[str, str]]:
    """{class: {field: docstring}} from the string literal under each annotated field.

    Read here rather than by pydantic at import (`use_attribute_docstrings`), which would
    parse the models' source on every run of every command."""
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    docs: dict[str, dict[str, str]] = {}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        fields = docs.setdefault(cls.name, {})
        for stmt, after in zip(cls.body, cls.body[1:]):
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                fields[stmt.target.id] = inspect.cleandoc(after.value.value)
    return docs


class _WithFieldDocs(GenerateJsonSchema):
    """Describes each property with the docstring written under its field."""

    def model_schema(self, schema):
        out = super().model_schema(schema)
        cls = schema["cls"]
        docs = {}
        for base in reversed(cls.__mro__):  # a subclass's docstring wins over its base's
            if base.__module__.startswith("compiler.spec"):
                docs.update(_attribute_docstrings(base.__module__).get(base.__name__, {}))
        for name, prop in out.get("properties", {}).items():
            if name in docs and "description" not in prop:
                prop["description"] = docs[name]
        return out


# The texts pydantic's lax mode reads as an integer ("2", " 2 ", "2.0", "1_000") and as a
# boolean (these words in any case, without surrounding whitespace).
_INT_TEXT = q.text_pattern(rf"[+-]?{q.DIGITS}(\.0+)?")
_BOOL_WORDS = ("0", "1", "f", "false", "n", "no", "off", "on", "t", "true", "y", "yes")
_BOOL_TEXT = "^(" + "|".join("".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)
                              for word in _BOOL_WORDS) + ")$"


class AsInfcReads(_WithFieldDocs):
    """The editor schema: numbers and booleans also as the text infc reads them, so that a
    quoted number (`"2"`) or a YAML 1.1 boolean (`yes`, `off`: strings in YAML 1.2) is not
    flagged when `infc check` takes it. docs/fields.md keeps the plain types. Numbers for
    booleans and booleans for numbers, which pydantic takes too, stay errors: completion would
    offer `true` for a GPU count, and no one means `gpuDevicesRequest: true`."""

    def int_schema(self, schema):
        return {"anyOf": [super().int_schema(schema), {"type": "string", "pattern": _INT_TEXT}]}

    def float_schema(self, schema):
        number = super().float_schema(schema)
        return {"anyOf": [number, {"type": "string", "pattern": q.text_pattern(q.NUMBER_TEXT)}]}

    def bool_schema(self, schema):
        return {"anyOf": [super().bool_schema(schema), {"type": "string", "pattern": _BOOL_TEXT}]}


def _model(kind: str):
    if kind not in KINDS:
        raise KeyError(f"unknown kind '{kind}'; kinds: {', '.join(KINDS)}")
    return KINDS[kind]


def json_schema(kind: str | None = None) -> dict:
    if kind is not None:
        schema = _model(kind).model_json_schema(schema_generator=AsInfcReads)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"infc/v1 {kind}"
        return schema
    # One schema for any document of the repository: dispatch on `kind`.
    defs: dict = {}
    branches = []
    for name, model in KINDS.items():
        sub = model.model_json_schema(ref_template="#/$defs/{model}", schema_generator=AsInfcReads)
        defs.update(sub.pop("$defs", {}))
        defs[f"{name}Document"] = sub
        branches.append({"if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
                         "then": {"$ref": f"#/$defs/{name}Document"}})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "infc/v1 repository document",
        "type": "object",
        "required": ["apiVersion", "kind"],
        "properties": {"apiVersion": {"const": "infc/v1"}, "kind": {"enum": list(KINDS)}},
        "allOf": branches,
        "$defs": defs,
    }


def field_reference_markdown(kind: str | None = None) -> str:
    """docs/fields.md: every field of every kind with its type and description, from the models;
    with `kind`, that kind's section of it alone."""
    if kind is not None:
        return "\n".join(_section(kind, _model(kind)))
    lines = ["# Field reference", "",
             "Generated from infc's models by `infc schema --markdown`; do not edit by hand.", ""]
    for name, model in KINDS.items():
        lines += _section(name, model)
    return "\n".join(lines)


def _section(name: str, model) -> list[str]:
    schema = model.model_json_schema(schema_generator=_WithFieldDocs)
    lines = [f"## {name}", "", "| field | type | description |", "| --- | --- | --- |"]
    _rows(schema, schema.get("$defs", {}), "", lines, set())
    lines.append("")
    return lines


def _type_of(prop: dict, defs: dict) -> tuple[str, dict | None]:
    if "$ref" in prop:
        ref = prop["$ref"].split("/")[-1]
        return ref, defs.get(ref)
    if "anyOf" in prop:
        kinds, target = [], None
        for option in prop["anyOf"]:
            if option.get("type") == "null":
                continue
            t, sub = _type_of(option, defs)
            kinds.append(t)
            target = target or sub
        return " or ".join(kinds), target
    if prop.get("type") == "array":
        t, sub = _type_of(prop.get("items", {}), defs)
        return f"list of {t}", sub
    if "enum" in prop:
        return " \\| ".join(str(v) for v in prop["enum"]), None
    if "const" in prop:
        return str(prop["const"]), None
    kinds = prop.get("type", "any")
    return " or ".join(kinds) if isinstance(kinds, list) else kinds, None


def _rows(schema: dict, defs: dict, prefix: str, lines: list[str], seen: set) -> None:
    for field, prop in schema.get("properties", {}).items():
        path = f"{prefix}{field}"
        kind, sub = _type_of(prop, defs)
        desc = (prop.get("description") or (sub or {}).get("description") or "").replace("\n", " ").replace("|", "\\|")
        lines.append(f"| `{path}` | {kind} | {desc} |")
        if sub and "properties" in sub and path.count(".") < 4 and (path, kind) not in seen:
            seen.add((path, kind))
            _rows(sub, defs, path + ("[]." if kind.startswith("list of") else "."), lines, seen)
