"""Knative Serving admission rules (the validating webhook of Knative 1.23), after defaulting.

Each module checks one family of rules and reports through a Context; `check_knative` runs
them on a Service, Configuration, Revision or Route in the order the webhook would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.diagnostics import Diagnostic, Severity
from compiler.load.document import Document
from compiler.validate.features import Features
from compiler.validate.paths import JsonPath, dotted, get
from compiler.validate.settings import ValidationSettings


@dataclass
class Context:
    doc: Document
    settings: ValidationSettings
    features: Features
    diags: list[Diagnostic] = field(default_factory=list)

    def get(self, path: JsonPath, default: Any = None) -> Any:
        return get(self.doc.data, path, default)

    def error(self, path: JsonPath, rule: str, text: str, hint: str, *, at_key: bool = False,
              severity: Severity | None = None) -> None:
        # A mapping or sequence under a key is shown at its key (its value starts a line later).
        if not at_key and path and isinstance(path[-1], str) and isinstance(self.get(path), (dict, list)):
            at_key = True
        loc = self.doc.key_loc(path) if at_key else self.doc.loc(path)
        self.diags.append(Diagnostic("IC603", f"{dotted(path)}: {text} [knative: {rule}]", loc,
                                     hint=hint, severity=severity))

    def warning(self, path: JsonPath, rule: str, text: str, hint: str, *, at_key: bool = False) -> None:
        self.error(path, rule, text, hint, at_key=at_key, severity=Severity.WARNING)


def check_knative(doc: Document, settings: ValidationSettings) -> list[Diagnostic]:
    from compiler.validate.admission import annotation_rules, names, revision, traffic

    ctx = Context(doc, settings, Features(settings.features))
    kind = doc.kind
    meta = ("metadata",)
    names.check_object_metadata(ctx, meta)
    if kind in ("Service", "Configuration", "Route"):
        annotation_rules.check_object_annotations(ctx, meta, kind)
    if kind in ("Service", "Configuration"):
        template = ("spec", "template")
        if isinstance(ctx.get(template), dict):
            names.check_revision_name(ctx, template + ("metadata",), parent=meta)
            annotation_rules.check_template_annotations(ctx, template + ("metadata", "annotations"))
            revision.check_revision_spec(ctx, template + ("spec",))
    elif kind == "Revision":
        annotation_rules.check_template_annotations(ctx, meta + ("annotations",))
        revision.check_revision_spec(ctx, ("spec",))
    if kind in ("Service", "Route"):
        traffic.check_traffic(ctx, ("spec", "traffic"), in_service=kind == "Service")
    return ctx.diags
