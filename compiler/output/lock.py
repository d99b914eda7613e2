"""infc.lock.json: per workload its revision number, the hash of its revision template and footprint.

The lock is what makes revision names reviewable: an unchanged revision template keeps its
number, a changed one takes the next, and the rolling-update check reads the old footprint.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location
from compiler.fastjson import loads

LOCK_NAME = "infc.lock.json"
LOCK_VERSION = 1


def canonical_json(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def template_hash(revision_template: dict) -> str:
    """Hash of a Knative revision template without its (BYO) name."""
    meta = {k: v for k, v in revision_template.get("metadata", {}).items() if k != "name"}
    body = {**revision_template, "metadata": meta}
    return hashlib.sha256(canonical_json(body)).hexdigest()[:16]


def read_lock(path: Path, display: str) -> tuple[dict[str, dict], list[Diagnostic]]:
    """Previous entries {"<namespace>/<workload>": entry}; a damaged lock is IC702, never a crash."""
    if not path.is_file():
        return {}, []
    where = Location(display, 1, 1)
    try:
        raw = path.read_bytes()
        data = loads(raw)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [Diagnostic("IC702", f"lock file is unreadable: {exc}", where,
                               hint="restore it from git (git checkout -- <file>); deleting it restarts revision numbers at 1")]
    workloads = data.get("workloads") if isinstance(data, dict) else None
    if not isinstance(workloads, dict) or data.get("version") != LOCK_VERSION:
        return {}, [Diagnostic("IC702", "lock file has an unexpected shape or version", where,
                               hint="restore it from git; deleting it restarts revision numbers at 1")]
    good: dict[str, dict] = {}
    diags = []
    for key, entry in workloads.items():
        problem = entry_problem(entry)
        if problem is None:
            good[key] = entry
        else:
            diags.append(Diagnostic("IC702", f"lock entry '{key}' is inconsistent: {problem}",
                                    _entry_location(raw, key, display), hint="restore the lock file from git"))
    return good, diags


def entry_problem(entry) -> str | None:
    """What is wrong with one lock entry as the lock file holds it, or None. Everything infc
    reads of it must be of its type (a revision `true` is not revision 1), and numbers finite
    and in range: a hand-edited or merged-by-hand lock must not steer quota or revisions."""
    from pydantic_core import ValidationError

    try:
        _entry_shape().validate_python(entry)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        place = ".".join(str(part) for part in error["loc"])
        return f"{place}: {error['msg'][:1].lower()}{error['msg'][1:]}" if place else error["msg"]
    return None


@lru_cache(maxsize=1)
def _entry_shape():
    """A lock entry's types, as compiler/check/footprint.py footprint_of writes them, checked
    strictly (JSON has one way to write 1). Built from pydantic-core's schema directly: a
    model class would cost a check 30 ms to define; this takes 0.3."""
    from pydantic_core import SchemaValidator
    from pydantic_core import core_schema as cs

    def record(required: dict, optional: dict | None = None):
        fields = {name: cs.typed_dict_field(schema) for name, schema in required.items()}
        fields.update({name: cs.typed_dict_field(cs.nullable_schema(schema), required=False)
                       for name, schema in (optional or {}).items()})
        return cs.typed_dict_schema(fields, extra_behavior="allow")

    def whole(low: int = 0, high: int | None = None):  # bytes of memory may pass 2**63
        return cs.int_schema(ge=low, le=high, strict=True)

    def number(**bounds):
        return cs.float_schema(allow_inf_nan=False, strict=True, **bounds)

    text = cs.str_schema(strict=True)
    gpu = record({"devices": whole(high=2**31 - 1)}, {"portion": number(gt=0, le=1), "memory": whole()})
    footprint = record({"project": text, "pools": cs.list_schema(text, strict=True),
                        "replicas": whole(high=2**31 - 1), "gpu": gpu, "cpu": number(ge=0), "memory": whole(),
                        "priority": whole(-(2**31), 2**31 - 1), "preemptible": cs.bool_schema(strict=True)},
                       {"pool": text})
    return SchemaValidator(record({"revision": whole(1, 2**31 - 1), "specHash": text}, {"footprint": footprint}))


def _entry_location(raw: bytes, key: str, display: str) -> Location:
    """Where the entry's key is written (the lock is infc's own indented JSON; a file edited
    out of that shape falls back to its first line)."""
    at = raw.find(json.dumps(key, ensure_ascii=False).encode("utf-8") + b":")
    if at < 0:
        return Location(display, 1, 1)
    line_start = raw.rfind(b"\n", 0, at) + 1
    return Location(display, raw.count(b"\n", 0, at) + 1, len(raw[line_start:at].decode("utf-8", "replace")) + 1)


def next_revision(previous: dict | None, spec_hash: str) -> int:
    if previous is None:
        return 1
    return previous["revision"] if previous["specHash"] == spec_hash else previous["revision"] + 1


def render_lock(entries: dict[str, dict]) -> bytes:
    import orjson

    data = {"version": LOCK_VERSION, "workloads": entries}
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits: the standard encoder, same layout
        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
