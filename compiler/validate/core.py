"""Validate one document: Kubernetes schema (IC601), Knative schema (IC602), Knative admission (IC603)."""

from __future__ import annotations

import json
import re
from typing import Any

from compiler.diagnostics import Diagnostic
from compiler.load.document import Document
from compiler.validate import k8s_schemas, knative_schema
from compiler.validate.schema_errors import errors_to_diagnostics
from compiler.validate.settings import ValidationSettings


def _errors(validator: Any, data: Any) -> list:
    try:
        return list(validator.iter_errors(data))
    except (ValueError, TypeError):  # non-plain scalars (e.g. from ruamel round-trip data)
        return list(validator.iter_errors(json.loads(json.dumps(data, default=str))))


def _envelope(doc: Document) -> tuple[str, str] | Diagnostic:
    data = doc.data
    if not isinstance(data, dict):
        return Diagnostic("IC601", f"document is a {type(data).__name__}, not a Kubernetes object",
                          doc.loc(), hint="a manifest is a mapping with apiVersion, kind and metadata")
    missing = [k for k in ("apiVersion", "kind") if not isinstance(data.get(k), str) or not data.get(k)]
    if missing:
        return Diagnostic("IC601", f"missing {' and '.join(missing)}: cannot pick a schema",
                          doc.loc(), hint="every manifest needs apiVersion and kind")
    api_version, kind = data["apiVersion"], data["kind"]
    if not API_VERSION.match(api_version):
        return Diagnostic("IC601", f"apiVersion '{api_version[:100]}' is not GROUP/VERSION or VERSION",
                          doc.loc(("apiVersion",)), hint="e.g. v1, apps/v1 or serving.knative.dev/v1")
    if not KIND.match(kind):
        return Diagnostic("IC601", f"kind '{kind[:100]}' is not a Kubernetes kind name",
                          doc.loc(("kind",)), hint="a kind is one CamelCase word, e.g. Service or ConfigMap")
    return api_version, kind


# What the API server accepts (a DNS subdomain group, a DNS label version; a kind is one
# alphanumeric word): anything else names no schema, and never a path to look one up by.
_LABEL = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"
API_VERSION = re.compile(rf"^(?:(?=[^/]{{1,253}}/){_LABEL}(?:\.{_LABEL})*/)?[a-z](?:[-a-z0-9]{{0,61}}[a-z0-9])?\Z")
KIND = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,99}\Z")


def validate_document(doc: Document, settings: ValidationSettings) -> list[Diagnostic]:
    envelope = _envelope(doc)
    if isinstance(envelope, Diagnostic):
        return [envelope]
    api_version, kind = envelope
    version, strict = settings.kubernetes_version, settings.strict
    try:
        if knative_schema.is_knative(api_version, kind):
            return _validate_knative(doc, kind, settings)
        found = k8s_schemas.validator_for_kind(kind, api_version, version, strict,
                                               tuple(str(p) for p in settings.schema_locations))
    except (k8s_schemas.SchemaError, ValueError) as exc:
        return [Diagnostic("IC601", str(exc), doc.loc(), hint="check --kubernetes-version and --schema-location")]
    if found is None:
        if settings.ignore_missing_schemas:
            return []
        name = k8s_schemas.schema_filename(kind, api_version)
        return [Diagnostic("IC601", f"kind: no schema for {api_version} {kind} (looked for {name})",
                           doc.loc(("kind",)),
                           hint="check apiVersion and kind; for a custom resource add --schema-location DIR"
                                f" holding {name}, or pass --ignore-missing-schemas")]
    validator, path = found
    documents = {k8s_schemas.DEFINITIONS_URI: k8s_schemas.definitions(version, strict)}
    return errors_to_diagnostics(_errors(validator, doc.data), doc, "IC601",
                                 f"{api_version} {kind}", documents)


def _validate_knative(doc: Document, kind: str, settings: ValidationSettings) -> list[Diagnostic]:
    from compiler.validate.admission import check_knative

    version, strict = settings.kubernetes_version, settings.strict
    schema = knative_schema.knative_schema(kind, version, strict)
    validator = knative_schema.knative_validator(kind, version, strict)
    documents = {schema["$id"]: schema, k8s_schemas.DEFINITIONS_URI: k8s_schemas.definitions(version, strict)}
    diags = errors_to_diagnostics(_errors(validator, doc.data), doc, "IC602",
                                  f"{knative_schema.API_VERSION} {kind}", documents,
                                  knative_schema.explain_unknown(version, strict))
    return diags + check_knative(doc, settings)
