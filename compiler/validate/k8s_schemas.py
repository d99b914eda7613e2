"""Kubernetes JSON schemas: where they live, how a kind finds its file, one validator per kind.

The built-in schemas come from the `kubernetes-validate` distribution (Kubernetes 1.25 and
later, a strict and a non-strict flavour per version). Only the files are used: each kind file
refers to the shared `/api/_definitions.json`, which is registered once per (version, flavour)
in a jsonschema-rs Registry, so nothing is ever fetched.

File names follow kubeconform: `{kind}{kind-suffix}.json` where kind is lower-cased and the
suffix is `-{first DNS label of the group}-{version}`, or `-{version}` for the core group:
`apps/v1 Deployment` -> `deployment-apps-v1.json`, `v1 Service` -> `service-v1.json`,
`networking.k8s.io/v1 Ingress` -> `ingress-networking-v1.json`,
`serving.knative.dev/v1 Service` -> `service-serving-v1.json`.
A user `--schema-location` is either a directory holding such files (directly, or below
`v{version}-standalone{-strict}/` as kubeconform lays them out) or a kubeconform template
containing `{{ .ResourceKind }}`, `{{ .KindSuffix }}`, `{{ .Group }}`, `{{ .ResourceAPIVersion }}`,
`{{ .NormalizedKubernetesVersion }}` and `{{ .StrictSuffix }}`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from compiler.fastjson import loads

DEFINITIONS_URI = "https://kubernetes.io/api/_definitions.json"
DEFINITIONS_REF = DEFINITIONS_URI + "#/$defs/"


class SchemaError(Exception):
    """A schema exists but cannot be read or compiled."""


@lru_cache(maxsize=1)
def bundle_root() -> Path:
    """The `kubernetes-json-schema` folder shipped by kubernetes-validate (no import of it)."""
    import importlib.util

    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise SchemaError("the kubernetes-validate package is not installed (pip install kubernetes-validate)")
    return Path(list(spec.submodule_search_locations)[0]) / "kubernetes-json-schema"


@lru_cache(maxsize=None)
def available_versions() -> tuple[str, ...]:
    """Kubernetes versions with bundled schemas, as 'X.Y', oldest first."""
    try:
        root = bundle_root()
    except SchemaError:
        return ()
    found = set()
    for child in root.iterdir():
        m = re.fullmatch(r"v(\d+)\.(\d+)\.\d+-local", child.name)
        if m:
            found.add((int(m.group(1)), int(m.group(2))))
    return tuple(f"{a}.{b}" for a, b in sorted(found))


def normalize_version(version: str) -> str:
    """'1.37', 'v1.37' or '1.37.0' -> '1.37'; raises ValueError for anything else."""
    m = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", version.strip())
    if not m:
        raise ValueError(f"'{version}' is not a Kubernetes version like 1.37")
    return f"{int(m.group(1))}.{int(m.group(2))}"


@lru_cache(maxsize=None)
def version_dir(version: str, strict: bool) -> Path:
    short = normalize_version(version)
    path = bundle_root() / f"v{short}.0-local{'-strict' if strict else ''}"
    if not path.is_dir():
        known = ", ".join(available_versions()) or "none"
        raise SchemaError(f"no bundled schemas for Kubernetes {short} (available: {known})")
    return path


def kind_suffix(api_version: str) -> str:
    """kubeconform's KindSuffix: '-apps-v1', '-v1', '-serving-v1'."""
    group, _, version = api_version.rpartition("/")
    if not group:
        return f"-{api_version.lower()}"
    return f"-{group.split('.')[0].lower()}-{version.lower()}"


def schema_filename(kind: str, api_version: str) -> str:
    return f"{kind.lower()}{kind_suffix(api_version)}.json"


@lru_cache(maxsize=8)
def definitions(version: str, strict: bool) -> dict:
    return loads((version_dir(version, strict) / "_definitions.json").read_bytes())


@lru_cache(maxsize=8)
def registry(version: str, strict: bool) -> Any:
    import jsonschema_rs

    return jsonschema_rs.Registry([(DEFINITIONS_URI, definitions(version, strict))])


def builtin_schema_path(kind: str, api_version: str, version: str, strict: bool) -> Path | None:
    path = version_dir(version, strict) / schema_filename(kind, api_version)
    return path if _is_file(path) else None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system names no schema
        return False


def user_schema_path(location: Path | str, kind: str, api_version: str, version: str,
                     strict: bool) -> Path | None:
    """Resolve one --schema-location for a kind, kubeconform-style; None when absent."""
    text = str(location)
    if "{{" in text:
        group, _, api_ver = api_version.rpartition("/")
        values = {
            "ResourceKind": kind.lower(), "KindSuffix": kind_suffix(api_version), "Group": group,
            "ResourceAPIVersion": api_ver, "StrictSuffix": "-strict" if strict else "",
            "NormalizedKubernetesVersion": f"v{normalize_version(version)}.0",
        }
        resolved = re.sub(r"\{\{\s*\.(\w+)\s*\}\}", lambda m: values.get(m.group(1), m.group(0)), text)
        candidates = [Path(resolved)]
    else:
        name = schema_filename(kind, api_version)
        base = Path(text)
        flavour = f"v{normalize_version(version)}.0-standalone{'-strict' if strict else ''}"
        candidates = [base / name, base / flavour / name]
    for candidate in candidates:
        if _is_file(candidate):
            return candidate
    return None


@lru_cache(maxsize=None)
def _compile_file(path: str, version: str, strict: bool) -> Any:
    import jsonschema_rs

    try:
        with open(path, "rb") as fh:
            schema = loads(fh.read())
    except (OSError, ValueError) as exc:  # a UnicodeDecodeError is a ValueError too
        raise SchemaError(f"cannot read schema {path}: {exc}") from None
    try:
        return jsonschema_rs.validator_for(schema, registry=registry(version, strict), offline=True)
    except Exception as exc:  # jsonschema_rs raises ValueError / ReferencingError subclasses
        raise SchemaError(f"cannot compile schema {path}: {str(exc).splitlines()[0]}") from None


@lru_cache(maxsize=None)
def validator_for_kind(kind: str, api_version: str, version: str, strict: bool,
                       locations: tuple[str, ...] = ()) -> tuple[Any, str] | None:
    """(compiled validator, schema file) for a kind, or None when no schema exists.

    Built-in Kubernetes schemas first, then each --schema-location in order; compiled lazily,
    cached per process.
    """
    path = builtin_schema_path(kind, api_version, version, strict)
    if path is None:
        for location in locations:
            path = user_schema_path(location, kind, api_version, version, strict)
            if path is not None:
                break
    if path is None:
        return None
    return _compile_file(str(path), normalize_version(version), strict), str(path)


def resolve_pointer(uri: str, documents: dict[str, dict]) -> Any:
    """The schema node at an absolute keyword location ('<doc uri>#/$defs/...'), or None."""
    base, _, fragment = uri.partition("#")
    node: Any = documents.get(base)
    for raw in filter(None, fragment.split("/")):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node
