"""Optional second opinion: run the `kubeconform` binary over the same files with the same schemas.

The schemas infc uses are written to a temporary directory as standalone files (every `$ref`
inlined into the file's own `$defs`, so no definitions URL is needed), named the kubeconform
way, and passed with `-schema-location DIR/{{ .ResourceKind }}{{ .KindSuffix }}.json`.
kubeconform's JSON findings become IC601 (Kubernetes kinds) or IC602 (Knative kinds),
without repeating what infc already reported at the same place.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from compiler.diagnostics import Diagnostic, Location
from compiler.load.document import Document
from compiler.validate import k8s_schemas, knative_schema
from compiler.validate.paths import dotted, from_pointer
from compiler.validate.settings import ValidationSettings

BINARY = "kubeconform"
TEMPLATE = "{{ .ResourceKind }}{{ .KindSuffix }}.json"


def find_binary() -> str | None:
    return shutil.which(BINARY)


def standalone(schema: dict, definitions: dict) -> dict:
    """`schema` with every Kubernetes definition it reaches copied into its own `$defs`."""
    defs = definitions["$defs"]
    out_defs: dict[str, Any] = {}
    pending: list[str] = []

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            result = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    name = _k8s_def_name(value)
                    if name is not None:
                        if name not in out_defs:
                            out_defs[name] = None
                            pending.append(name)
                        value = f"#/$defs/{name}"
                result[key] = rewrite(value)
            return result
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    top = rewrite({k: v for k, v in schema.items() if k not in ("$id", "$defs")})
    local = {k: rewrite(v) for k, v in schema.get("$defs", {}).items()}
    while pending:
        name = pending.pop()
        out_defs[name] = rewrite(defs[name])
    top["$defs"] = {**local, **out_defs}
    return top


def _k8s_def_name(ref: str) -> str | None:
    for prefix in (k8s_schemas.DEFINITIONS_REF, "/api/_definitions.json#/$defs/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return None


def _schema_for(api_version: str, kind: str, settings: ValidationSettings) -> dict | None:
    version, strict = settings.kubernetes_version, settings.strict
    if knative_schema.is_knative(api_version, kind):
        return standalone(knative_schema.knative_schema(kind, version, strict),
                          k8s_schemas.definitions(version, strict))
    path = k8s_schemas.builtin_schema_path(kind, api_version, version, strict)
    builtin = path is not None
    if path is None:
        for location in settings.schema_locations:
            path = k8s_schemas.user_schema_path(location, kind, api_version, version, strict)
            if path is not None:
                break
    if path is None:
        return None
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    return standalone(schema, k8s_schemas.definitions(version, strict)) if builtin else schema


def write_schemas(directory: Path, documents: list[Document], settings: ValidationSettings) -> int:
    """Write one standalone schema per (apiVersion, kind) seen; returns how many were written."""
    written = 0
    for api_version, kind in sorted({(d.api_version, d.kind) for d in documents
                                      if isinstance(d.api_version, str) and isinstance(d.kind, str)}):
        try:
            schema = _schema_for(api_version, kind, settings)
        except (k8s_schemas.SchemaError, ValueError, OSError):
            schema = None
        if schema is not None:
            target = directory / k8s_schemas.schema_filename(kind, api_version)
            target.write_text(json.dumps(schema), encoding="utf-8")
            written += 1
    return written


def run(files: list[str], documents: list[Document], settings: ValidationSettings,
        binary: str) -> dict:
    """Run kubeconform; returns its parsed JSON output."""
    with tempfile.TemporaryDirectory(prefix="infc-kubeconform-") as tmp:
        write_schemas(Path(tmp), documents, settings)
        version = k8s_schemas.normalize_version(settings.kubernetes_version)
        cmd = [binary, "-output", "json", "-kubernetes-version", f"{version}.0",
               "-schema-location", str(Path(tmp) / TEMPLATE)]
        if settings.strict:
            cmd.append("-strict")
        if settings.ignore_missing_schemas:
            cmd.append("-ignore-missing-schemas")
        proc = subprocess.run(cmd + files, capture_output=True, text=True, timeout=300)
    try:
        return json.loads(proc.stdout or "{}")
    except ValueError:
        raise RuntimeError(f"kubeconform printed no JSON (exit {proc.returncode}):"
                           f" {(proc.stderr or proc.stdout).strip()[:300]}") from None


def findings(output: dict, names: dict[str, str], documents: list[Document],
             ours: list[Diagnostic]) -> list[Diagnostic]:
    """kubeconform results -> diagnostics, skipping places infc already reported.

    `names` maps the paths given to kubeconform to infc's display names.
    """
    taken = {(d.location.file, d.location.line) for d in ours
             if d.location and d.code in ("IC601", "IC602")}
    out: list[Diagnostic] = []
    for result in output.get("resources") or []:
        if result.get("status") not in ("statusInvalid", "statusError"):
            continue
        file = names.get(result.get("filename", ""), result.get("filename", ""))
        kind, name = result.get("kind", ""), result.get("name", "")
        doc = next((d for d in documents if d.file == file and d.kind == kind and d.name == name), None)
        code = "IC602" if doc is not None and knative_schema.is_knative(doc.api_version, kind) else "IC601"
        errors = result.get("validationErrors") or [{"path": "", "msg": result.get("msg", "")}]
        for err in errors:
            path = from_pointer(err.get("path") or "")
            loc = doc.loc(path) if doc is not None else Location(file)
            if (loc.file, loc.line) in taken:
                continue
            taken.add((loc.file, loc.line))
            where = f"{dotted(path)}: " if path else ""
            text = err.get("msg") or result.get("msg", "")
            out.append(Diagnostic(code, f"{where}{text} [kubeconform: {kind} {name}]", loc,
                                  hint="reported by kubeconform with the same schemas"))
    return out
