"""SARIF 2.1.0: one run of the `infc` driver, rules from the catalogue, a result per diagnostic."""

from __future__ import annotations

import json
from urllib.parse import quote

from compiler import __version__
from compiler.diagnostics import CATALOGUE, Diagnostic, Location, Severity
from compiler.report.common import Options, located

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_SRCROOT = "%SRCROOT%"


def render(diags: list[Diagnostic], opts: Options) -> str:
    codes = sorted({d.code for d in diags})
    index = {code: i for i, code in enumerate(codes)}
    driver = {
        "name": "infc",
        "version": __version__,
        "informationUri": "https://github.com/",
        "rules": [_rule(code) for code in codes],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, index[d.code]) for d in diags],
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2) + "\n"


def _rule(code: str) -> dict:
    severity, title = CATALOGUE[code]
    return {
        "id": code,
        "shortDescription": {"text": title},
        "defaultConfiguration": {"level": _LEVEL[severity]},
    }


def _result(d: Diagnostic, rule_index: int) -> dict:
    text = f"{d.message}\n{d.hint}" if d.hint else d.message
    result: dict = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[d.severity],
        "message": {"text": text},
    }
    loc = located(d)
    if loc:
        result["locations"] = [_location(loc)]
    related = [rel for rel in d.related if rel.file]
    if related:
        result["relatedLocations"] = [
            {"id": i, **_location(rel)} for i, rel in enumerate(related, start=1)
        ]
    return result


def _location(loc: Location) -> dict:
    physical: dict = {
        "artifactLocation": {"uri": _uri(loc.file), "uriBaseId": _SRCROOT},
    }
    if loc.line:
        region = {"startLine": loc.line}
        if loc.column:
            region["startColumn"] = loc.column
        physical["region"] = region
    return {"physicalLocation": physical}


def _uri(file: str) -> str:
    """A relative URI reference: percent-encoded, never absolute (locations name files with
    forward slashes on every system; a backslash is part of a name)."""
    return quote(file.lstrip("/"), safe="/")
