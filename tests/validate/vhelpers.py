"""Helpers for the validate tests: manifests as YAML text with `#!` marking the expected line."""

from __future__ import annotations

import textwrap

from compiler.diagnostics import Diagnostic, Severity
from compiler.validate.manifest_yaml import parse_manifests
from compiler.validate import ValidationSettings, validate_document

SECURE = ("securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false,"
          " seccompProfile: {type: RuntimeDefault}, capabilities: {drop: [ALL]}}")


def _block(text: str, indent: int) -> str:
    text = textwrap.dedent(text).strip("\n")
    return "\n".join((" " * indent + line) if line.strip() else line for line in text.splitlines()) + "\n" if text else ""


def service(*, name="llm", meta="", annotations="", tmeta="", spec="", container="", extra_containers="",
            volumes="", traffic="", ports="- containerPort: 8080") -> str:
    """A valid Knative Service; each argument is a YAML block added at its place."""
    return (
        "apiVersion: serving.knative.dev/v1\n"
        "kind: Service\n"
        "metadata:\n"
        f"  name: {name}\n"
        + _block(meta, 2) +
        "spec:\n"
        "  template:\n"
        "    metadata:\n"
        "      annotations:\n"
        "        infc/source: workloads/llm.yaml\n"
        + _block(annotations, 8) + _block(tmeta, 6) +
        "    spec:\n"
        + _block(spec, 6) +
        "      containers:\n"
        "        - image: ghcr.io/acme/server:1.0\n"
        f"          {SECURE}\n"
        + ("          ports:\n" + _block(ports, 12) if ports else "")
        + _block(container, 10) + _block(extra_containers, 8) + _block(volumes, 6) + _block(traffic, 2)
    )


def marked_line(text: str, marker: str = "#!") -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if marker in line]
    assert len(lines) == 1, f"expected one {marker} marker, found {len(lines)}"
    return lines[0]


def validate_text(text: str, settings: ValidationSettings | None = None, file: str = "m.yaml") -> list[Diagnostic]:
    docs, diags = parse_manifests(text.encode(), file)
    assert not diags, diags
    out: list[Diagnostic] = []
    for doc in docs:
        out += validate_document(doc, settings or ValidationSettings())
    return out


def errors(diags: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if d.severity is Severity.ERROR]


def assert_finding(text: str, code: str, path: str, settings: ValidationSettings | None = None,
                   contains: str = "", severity: Severity = Severity.ERROR) -> Diagnostic:
    """One diagnostic with `code`, message starting with the JSON `path`, on the `#!` line."""
    line = marked_line(text)
    diags = validate_text(text, settings)
    hits = [d for d in diags if d.code == code and d.message.startswith(path + ":")
            and d.severity is severity and contains in d.message]
    assert hits, f"no {code} at {path} ({contains!r}) in:\n" + "\n".join(
        f"{d.location} {d.code} {d.message}" for d in diags)
    assert any(d.location.line == line for d in hits), (
        f"{code} at {path} reported on line {[d.location.line for d in hits]}, expected {line}")
    assert all(d.hint for d in hits)
    return hits[0]


def assert_clean(text: str, settings: ValidationSettings | None = None) -> None:
    diags = validate_text(text, settings)
    assert not diags, "\n".join(f"{d.location} {d.code} {d.message}" for d in diags)
