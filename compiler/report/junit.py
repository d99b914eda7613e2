"""JUnit XML: a test case per checked subject; errors fail it, other diagnostics are its output."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from compiler.diagnostics import Diagnostic
from compiler.report.common import Options, by_subject, errors_of, located, where


def render(diags: list[Diagnostic], opts: Options) -> str:
    cases = by_subject(diags, opts)
    failures = sum(1 for _, group in cases if errors_of(group))
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": "0"}
    suites = ET.Element("testsuites", {"name": opts.command, **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "infc", **counts})
    for name, group in cases:
        case = ET.SubElement(suite, "testcase", {"name": name, "classname": "infc"})
        errors = errors_of(group)
        if errors:
            codes = ",".join(dict.fromkeys(d.code for d in errors))
            message = errors[0].message if len(errors) == 1 else f"{len(errors)} errors"
            failure = ET.SubElement(case, "failure", {"message": message, "type": codes})
            failure.text = "\n".join(_line(d) for d in errors) + "\n"
        others = [d for d in group if not d.is_error]
        if others:
            ET.SubElement(case, "system-out").text = "\n".join(_line(d) for d in others) + "\n"
    ET.indent(suites, space="  ")
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _xml_safe(body) + "\n"


def _line(d: Diagnostic) -> str:
    loc = located(d)
    head = f"{where(loc)}: " if loc else ""
    text = f"{head}{d.severity.value}[{d.code}] {d.message}"
    return f"{text}\n  = hint: {d.hint}" if d.hint else text


# Characters XML 1.0 cannot carry at all, even escaped (most C0 controls, surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
