"""`infc schema`: JSON Schema of the input kinds, generated from the pydantic models."""

from __future__ import annotations

from compiler.spec.kinds import KINDS


def json_schema(kind: str | None = None) -> dict:
    if kind is not None:
        if kind not in KINDS:
            raise KeyError(f"unknown kind '{kind}'; kinds: {', '.join(KINDS)}")
        schema = KINDS[kind].model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"infc/v1 {kind}"
        return schema
    # One schema for any document of the repository: dispatch on `kind`.
    defs: dict = {}
    branches = []
    for name, model in KINDS.items():
        sub = model.model_json_schema(ref_template="#/$defs/{model}")
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
