"""infc.lock.json: per workload its revision number, the hash of its revision template and footprint.

The lock is what makes revision names reviewable: an unchanged revision template keeps its
number, a changed one takes the next, and the rolling-update check reads the old footprint.
"""

from __future__ import annotations

import hashlib
import json
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
        data = loads(path.read_bytes())
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
        if (isinstance(entry, dict) and isinstance(entry.get("revision"), int) and entry["revision"] >= 1
                and isinstance(entry.get("specHash"), str)):
            good[key] = entry
        else:
            diags.append(Diagnostic("IC702", f"lock entry '{key}' is inconsistent", where,
                                    hint="restore the lock file from git"))
    return good, diags


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
