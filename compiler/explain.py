"""`infc explain WORKLOAD`: the effective spec, each value with the file:line:col that set it
and the policy rules that constrain it.

`explain_data` returns plain data (the json format); `format_explain_text` lays it out for
people. Rows follow the order of the spec model's fields; lists are flattened with `[i]`.
Rules on fields that are not set get a row too (value null), so a `required` or `max`
rule is visible before anyone sets the field; rules on an itemized list as a whole
(`instances.canAdd`, `instances.locked`) sit on a row for the list, whose value is the
list of item keys.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from compiler.resolve.merge import ITEMIZED
from compiler.check.secrets import redact
from compiler.resolve.policy import policy_context, value_at
from compiler.resolve.policy_effective import RuleSource
from compiler.resolve.policy_rules import dotted, field_type, fields_of, show
from compiler.spec.workload import InferenceSpec


def find_workloads(analysis, name: str, project: str | None = None) -> list:
    """Effective workloads called `name` (in `project`, when given)."""
    return [w for w in analysis.workloads
            if w.name == name and (project is None or w.project.name == project)]


def explain_data(analysis, workload_name: str, project: str | None = None) -> dict | None:
    """The effective spec of one workload as rows; None when no (single) such workload resolved.

    With several workloads of that name in different projects and no `project`, None too:
    use `find_workloads` to list the candidates."""
    found = find_workloads(analysis, workload_name, project)
    if len(found) != 1:
        return None
    w = found[0]
    ctx = policy_context(w, analysis.repo)
    rows: list[dict] = []
    dumped = w.spec.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    _rows(w, dumped, (), rows)
    _attach_rules(w, ctx, rows)
    return {
        "workload": w.name,
        "project": w.project.name,
        "file": w.file,
        "policies": [{"name": p.name, "scope": _scope(p), "file": p.doc.file} for p in w.policies],
        "rows": rows,
    }


def _scope(pol) -> str:
    s = pol.obj.spec.scope
    if s.project:
        return f"project {s.project}"
    if s.department:
        return f"department {s.department}"
    if s.cluster:
        return f"cluster {s.cluster}"
    return "tenant"


def _rows(w, value: Any, path: tuple, rows: list[dict]) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "exclude" and child is False:
                continue
            _rows(w, child, path + (key,), rows)
        return
    if isinstance(value, list) and (_is_itemized(path) or any(isinstance(v, (dict, list)) for v in value)):
        for i, item in enumerate(value):
            _rows(w, item, path + (i,), rows)
        return
    rows.append({"path": dotted(path), "value": redact(value), "source": str(w.loc(*path)), "rules": [],
                 "_path": path})


def _is_itemized(path: tuple) -> bool:
    return bool(path) and isinstance(path[-1], str) and path[-1] in ITEMIZED


def _generic(path: tuple) -> tuple:
    """Concrete row path -> rule path: list indices of itemized lists become '*'."""
    out: list = []
    for i, part in enumerate(path):
        if isinstance(part, int) and i and _is_itemized(path[:i]):
            out.append("*")
        else:
            out.append(part)
    return tuple(out)


def _rule_dicts(attrs: dict[str, RuleSource]) -> list[dict]:
    out = []
    for attr, src in attrs.items():
        d = src.to_dict()
        if attr == "canAdd":
            d["attribute"] = "instances.canAdd"
        if src.overridden:
            d["overrides"] = [o.to_dict() for o in src.overridden]
        out.append(d)
    return out


def _attach_rules(w, ctx, rows: list[dict]) -> None:
    rules = ctx.rules
    by_generic: dict[tuple, list[dict]] = {}
    for row in rows:
        by_generic.setdefault(_generic(row["_path"]), []).append(row)
    order = _spec_order()
    extra: list[dict] = []
    for path, attrs in rules.by_path.items():
        ft = field_type(path)
        if ft is not None and ft.kind == "itemized":
            continue
        if path in by_generic:
            for row in by_generic[path]:
                row["rules"].extend(_rule_dicts(attrs))
        elif "*" not in path:
            extra.append({"path": dotted(path), "value": None, "source": None, "rules": _rule_dicts(attrs),
                          "_path": path})
    list_paths = {p for p, a in rules.by_path.items() if (ft := field_type(p)) and ft.kind == "itemized"}
    list_paths |= set(rules.locked)
    for list_path in list_paths:
        rule_rows = _rule_dicts(rules.by_path.get(list_path, {}))
        for key, src in rules.locked.get(list_path, {}).items():
            d = src.to_dict()
            d["attribute"] = "instances.locked"
            rule_rows.append(d)
        items = value_at(w.spec, list_path) or []
        key_field = ITEMIZED[list_path[-1]]
        keys = [getattr(it, key_field, None) for it in items]
        extra.append({"path": dotted(list_path), "value": keys or None,
                      "source": str(w.loc(*list_path)) if items else None, "rules": rule_rows,
                      "_path": list_path})
    rows.extend(extra)
    rows.sort(key=lambda r: _order_key(r["_path"], order))
    for row in rows:
        del row["_path"]


def _spec_order() -> dict[tuple, int]:
    """Position of every field path (items as '*') in the order of the spec models."""
    order: dict[tuple, int] = {}

    def walk(model: type[BaseModel], prefix: tuple) -> None:
        for name, ft in fields_of(model).items():
            order[prefix + (name,)] = len(order)
            if ft.kind == "section" and ft.model is not None:
                walk(ft.model, prefix + (name,))
            elif ft.kind == "itemized" and ft.model is not None:
                walk(ft.model, prefix + (name, "*"))

    walk(InferenceSpec, ())
    return order


def _order_key(path: tuple, order: dict[tuple, int]) -> tuple:
    """Sort key: field positions along the path, item indices in between."""
    key: list = []
    generic: list = []
    for part in path:
        if isinstance(part, int):
            generic.append("*")
            key.append((0, part))
        else:
            generic.append(part)
            key.append((1, order.get(tuple(generic), 10_000)))
    return tuple(key)  # a list's own row sorts before its items: a prefix sorts first


# --- text ------------------------------------------------------------------------------------


def format_explain_text(data: dict) -> str:
    """Aligned columns: path, value, source; each constraining rule on its own line below."""
    lines = [f"{data['project']}/{data['workload']}  ({data['file']})"]
    chain = " < ".join(f"{p['name']} ({p['scope']})" for p in data["policies"])
    if chain:
        lines.append(f"policies, lowest precedence first: {chain}")
    lines.append("")
    rows = data["rows"]
    if not rows:
        return "\n".join(lines + ["(empty spec)"]) + "\n"
    values = [_cell(r["value"]) for r in rows]
    w_path = max(len("FIELD"), *(len(r["path"]) for r in rows))
    w_value = min(48, max(len("VALUE"), *(len(v) for v in values)))
    lines.append(f"{'FIELD'.ljust(w_path)}  {'VALUE'.ljust(w_value)}  SET BY")
    for row, value in zip(rows, values):
        if len(value) > w_value:
            value = value[: w_value - 3] + "..."
        lines.append(f"{row['path'].ljust(w_path)}  {value.ljust(w_value)}  {row['source'] or '-'}".rstrip())
        for rule in row["rules"]:
            lines.append(f"{'':{w_path}}    {rule['attribute']}: {show(rule['value'])}"
                         f"  (policy {rule['policy']}, {rule['source']})")
            for o in rule.get("overrides", []):
                lines.append(f"{'':{w_path}}      overrides {show(o['value'])}  (policy {o['policy']}, {o['source']})")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    return "(unset)" if value is None else show(value)
