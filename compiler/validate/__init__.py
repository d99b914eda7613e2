"""Validate manifests the way the cluster would: Kubernetes schemas (kubeconform-style, offline),
Knative Serving's schema and its admission webhook rules.

Public API (imports stay light: jsonschema-rs and the schema files load on first use):

- `ValidationSettings` — the cluster being validated against (`from_cluster(ClusterSpec)`).
- `validate_document(doc, settings)` — diagnostics for one Document (IC601/IC602/IC603).
- `validate_paths(paths, settings, root)` — files, directories (recursive *.yaml/*.yml) or "-"
  (stdin); returns the diagnostics and the "file#index" subjects that were checked.
"""

from __future__ import annotations

from pathlib import Path

from compiler.diagnostics import Diagnostic
from compiler.load.document import Document
from compiler.validate.settings import ValidationSettings

__all__ = ["ValidationSettings", "validate_document", "validate_paths"]


def validate_document(doc: Document, settings: ValidationSettings) -> list[Diagnostic]:
    from compiler.validate.core import validate_document as run

    return run(doc, settings)


def validate_paths(paths: list[str], settings: ValidationSettings,
                   root: Path) -> tuple[list[Diagnostic], list[str]]:
    from compiler.validate.files import validate_paths as run

    return run(paths, settings, root)
