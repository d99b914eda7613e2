"""The one diagnostic type every stage produces, and the catalogue of stable codes.

Codes and meanings are the contract of SPEC.md §5; reporters only format these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


def is_utf8(name: str) -> bool:
    """False for a file name whose bytes are not UTF-8 (Python holds those as lone surrogates)."""
    return name.isascii() or not any("\udc80" <= c <= "\udcff" for c in name)


def printable(name: str) -> str:
    """A file name as diagnostics (and any UTF-8 text) give it: bytes that are not UTF-8 spelled out (\\xff)."""
    return name if is_utf8(name) else name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True, order=True)
class Location:
    """A place in an input file. `file` is relative to the repository root; line/column from 1."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


def nearest_location(provenance: dict[tuple, Location], path: tuple, default: Location) -> Location:
    """Where the value at `path` was set: its own entry, or its nearest ancestor's."""
    while path:
        if path in provenance:
            return provenance[path]
        path = path[:-1]
    return default


# code -> (default severity, short title). One line per code of SPEC.md §5.
CATALOGUE: dict[str, tuple[Severity, str]] = {
    "IC001": (Severity.ERROR, "YAML syntax error"),
    "IC002": (Severity.ERROR, "duplicate key"),
    "IC003": (Severity.ERROR, "unknown apiVersion or kind"),
    "IC004": (Severity.ERROR, "duplicate object name"),
    "IC005": (Severity.ERROR, "document too large, too deep, or alias expansion too large"),
    "IC006": (Severity.ERROR, "unknown field"),
    "IC007": (Severity.ERROR, "invalid value or type"),
    "IC008": (Severity.ERROR, "reference to a missing object"),
    "IC101": (Severity.ERROR, "policy: required"),
    "IC102": (Severity.ERROR, "policy: canEdit"),
    "IC103": (Severity.ERROR, "policy: min"),
    "IC104": (Severity.ERROR, "policy: max"),
    "IC105": (Severity.ERROR, "policy: step"),
    "IC106": (Severity.ERROR, "policy: options"),
    "IC107": (Severity.ERROR, "policy: canAdd"),
    "IC108": (Severity.ERROR, "policy: locked"),
    "IC201": (Severity.ERROR, "invalid name"),
    "IC202": (Severity.ERROR, "invalid GPU request"),
    "IC203": (Severity.ERROR, "GPU limits, fractions or sharing not enabled on the cluster"),
    "IC204": (Severity.ERROR, "autoscaling metric or threshold missing or invalid"),
    "IC205": (Severity.ERROR, "scale to zero not possible with this metric or cluster"),
    "IC206": (Severity.ERROR, "timeout out of range"),
    "IC207": (Severity.ERROR, "data source not supported for inference"),
    "IC208": (Severity.ERROR, "Knative feature flag disabled for a field the workload needs"),
    "IC209": (Severity.ERROR, "invalid toleration"),
    "IC210": (Severity.ERROR, "node type required, not allowed, or absent from the pool"),
    "IC211": (Severity.ERROR, "unknown node pool"),
    "IC212": (Severity.ERROR, "NodePort out of range or already used"),
    "IC213": (Severity.ERROR, "invalid endpoint access settings"),
    "IC214": (Severity.ERROR, "reserved environment variable, port or mount path"),
    "IC215": (Severity.ERROR, "priority and preemptibility cannot be honoured"),
    "IC216": (Severity.ERROR, "setting not expressible in GitOps"),
    "IC301": (Severity.ERROR, "literal secret in the input"),
    "IC302": (Severity.WARNING, "gated model without a credential"),
    "IC303": (Severity.ERROR, "credential type does not fit its use"),
    "IC304": (Severity.ERROR, "Docker Hub credential with registry docker.io"),
    "IC305": (Severity.WARNING, "sensitive-looking environment variable with a literal value"),
    "IC401": (Severity.ERROR, "non-preemptible workloads exceed the project's deserved quota"),
    "IC402": (Severity.ERROR, "non-preemptible workloads exceed the department's deserved quota"),
    "IC403": (Severity.ERROR, "quota limit exceeded"),
    "IC404": (Severity.ERROR, "project quotas exceed a limited department's quota"),
    "IC405": (Severity.ERROR, "revision cannot be placed"),
    "IC406": (Severity.ERROR, "rolling update cannot proceed"),
    "IC407": (Severity.WARNING, "maxReplicas can never be reached"),
    "IC501": (Severity.ERROR, "model weights exceed the GPU memory of a replica"),
    "IC502": (Severity.WARNING, "weights plus overhead exceed the GPU memory"),
    "IC503": (Severity.INFO, "parameter count unknown, fit not checked"),
    "IC504": (Severity.WARNING, "dtype not supported by the GPU model"),
    "IC601": (Severity.ERROR, "Kubernetes schema violation"),
    "IC602": (Severity.ERROR, "Knative schema violation"),
    "IC603": (Severity.ERROR, "Knative admission rule violation"),
    "IC701": (Severity.ERROR, "output out of date"),
    "IC702": (Severity.ERROR, "lock file unreadable or inconsistent"),
}


MAX_TEXT = 1000  # characters of a message or hint


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    location: Location | None = None
    hint: str = ""
    severity: Severity | None = None  # None: the catalogue's default for the code
    related: tuple[Location, ...] = field(default=(), compare=False)
    # What the diagnostic is about, for per-workload suppression ("<project>/<workload>").
    subject: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:
            raise ValueError(f"unknown diagnostic code {self.code}")
        if self.severity is None:
            object.__setattr__(self, "severity", CATALOGUE[self.code][0])
        from compiler.secret_shapes import mask

        for name in ("message", "hint"):
            # A value quoted in a message may be a token written where a number belongs: masked.
            text = mask(getattr(self, name))
            if not text.isprintable():  # a quoted value with a newline or escape: one line, nothing hidden
                text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
            if len(text) > MAX_TEXT:  # a value quoted in full: a 1 MB annotation is one line of report
                cut = len(text) - MAX_TEXT + 80
                text = f"{text[:MAX_TEXT * 2 // 3]}… ({cut:,} characters left out) …{text[MAX_TEXT * 2 // 3 + cut:]}"
            object.__setattr__(self, name, text)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple:
        loc = self.location or Location("")
        return (loc.file, loc.line, loc.column, self.code, self.message)

    def to_dict(self) -> dict:
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "file": loc.file if loc else None,
            "line": loc.line if loc and loc.line else None,
            "column": loc.column if loc and loc.column else None,
        }


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Stable, deterministic order: by file, line, column, code; duplicates dropped."""
    seen: set[tuple] = set()
    out = []
    for d in sorted(diags, key=Diagnostic.sort_key):
        key = (d.sort_key(), d.severity)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def summary(diags: Iterable[Diagnostic]) -> dict[str, int]:
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    for d in diags:
        counts[{"error": "errors", "warning": "warnings", "info": "infos"}[d.severity.value]] += 1
    return counts


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean X?' suffix for hints, or '' when nothing is close."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def missing_hint(kind: str, name: str, names: Iterable[str]) -> str:
    """The hint of a reference to a `kind` object `name` that does not exist (IC008)."""
    names = sorted(names)
    return did_you_mean(name, names) or (f"defined {kind}s: {', '.join(names[:8])}" if names
                                         else f"no {kind} is defined yet")


def without_repeats(found: list[Diagnostic], parsed: list[Diagnostic]) -> list[Diagnostic]:
    """`found` less what reading the file already reported at the same place: a value it could
    not read (a number too large, NaN) is reported once, not again as the null it was read as."""
    taken = {d.location for d in parsed if d.code == "IC007"}
    return [d for d in found if d.location not in taken]
