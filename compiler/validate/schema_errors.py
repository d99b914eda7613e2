"""jsonschema-rs validation errors -> Diagnostics at the offending YAML node."""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

from compiler.diagnostics import Diagnostic, did_you_mean
from compiler.goyaml import beyond_float64
from compiler.load.document import Document
from compiler.validate.k8s_schemas import resolve_pointer
from compiler.validate.paths import dotted, get


def _type_names(kind_dict: dict) -> str:
    types = kind_dict.get("types") or [kind_dict.get("type")]
    names = [t for t in types if t and t != "null"]
    return " or ".join(names) or "null"


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # as Kubernetes (and JSON) write them
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "infinity" if value > 0 else "-infinity"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def errors_to_diagnostics(errors: Iterable[Any], doc: Document, code: str, schema_name: str,
                          documents: dict[str, dict],
                          explain_unknown: Callable[[str, str], str | None] | None = None) -> list[Diagnostic]:
    """One diagnostic per error (per unexpected field for additionalProperties).

    `documents` maps schema URIs to schema documents, to list the allowed fields in hints;
    `explain_unknown(keyword location, field)` may give a better hint for an unknown field.
    """
    out: list[Diagnostic] = []
    for err in errors:
        path = tuple(err.instance_path)
        kind = err.kind.name
        rule = f"schema {schema_name}"
        if kind == "additionalProperties":
            parent = resolve_pointer((err.absolute_keyword_location or "").rsplit("/", 1)[0], documents)
            allowed = sorted((parent or {}).get("properties", {}))
            for field in err.kind.unexpected:
                fpath = path + (field,)
                explained = explain_unknown(err.absolute_keyword_location or "", field) if explain_unknown else None
                suggestion = did_you_mean(field, allowed)
                hint = explained or suggestion or (f"allowed here: {', '.join(allowed)}" if 0 < len(allowed) <= 25
                                      else "remove it, or check its indentation")
                out.append(Diagnostic(code, f"{dotted(fpath)}: unknown field '{field}' [{rule}]",
                                      doc.key_loc(fpath), hint=hint))
            continue
        if kind == "required":
            name = err.kind.as_dict().get("property", "?")
            where = doc.key_loc(path) if path and isinstance(path[-1], str) else doc.loc(path)
            out.append(Diagnostic(code, f"{dotted(path)}: missing required field '{name}' [{rule}]",
                                  where, hint=f"add '{name}'"))
            continue
        if kind == "minItems" and err.instance == [] and path and isinstance(path[-1], str):
            # An empty list where at least one item is required is the missing field it stands for.
            name = path[-1]
            out.append(Diagnostic(code, f"{dotted(path[:-1])}: missing required field '{name}' (the list is"
                                        f" empty) [{rule}]", doc.loc(path), hint=f"add at least one item to '{name}'"))
            continue
        if kind == "type":
            expected = _type_names(err.kind.as_dict())
            instance = err.instance
            if instance is None:  # jsonschema-rs passes NaN and infinity on as null: name the value
                instance = get(doc.data, path)
            got = _json_type(instance)
            shown = "" if instance is None else f" {_short(instance)}"
            if expected in ("integer", "number") and isinstance(instance, str) and beyond_float64(instance):
                shown += " (a number too large for a float64, so Kubernetes reads it as text)"
            hint = f"write {'an' if expected[0] in 'aeiou' else 'a'} {expected}"
            if expected == "string" and got == "boolean":
                hint = "quote it: unquoted, Kubernetes reads true/false, yes/no, on/off and y/n as booleans"
            elif expected == "string" and got == "integer":
                hint = f"quote the value: \"{instance}\""
            elif expected == "string" and got == "number":
                hint = f"quote it: unquoted, Kubernetes reads it as the number {_short(instance)}"
            out.append(Diagnostic(code, f"{dotted(path)}: expected {expected}, got {got}{shown} [{rule}]",
                                  doc.loc(path), hint=hint))
            continue
        out.append(Diagnostic(code, f"{dotted(path)}: {err.message} [{rule}]", doc.loc(path),
                              hint="see the schema of this field"))
    return out
