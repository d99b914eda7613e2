from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from compiler.diagnostics import CATALOGUE, Diagnostic, Location, Severity
from compiler.report import FORMATS, default_format, render

FILE = "workloads/llama.yaml"


def test_formats_and_default(monkeypatch):
    assert FORMATS == ("text", "json", "github", "sarif", "junit", "tap")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert default_format() == "text"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert default_format() == "github"
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert default_format() == "text"


# json


def test_json_shape(diags):
    out = render(diags, "json", extra={"workloads": 1})
    assert out.endswith("}\n") and out.startswith('{\n  "diagnostics": [\n')
    doc = json.loads(out)
    assert list(doc) == ["diagnostics", "summary", "workloads"]
    assert doc["summary"] == {"errors": 2, "warnings": 1, "infos": 1}
    assert doc["diagnostics"][0] == {
        "code": "IC503", "severity": "info", "message": "parameter count unknown, fit not checked",
        "hint": "", "file": None, "line": None, "column": None,
    }
    for d in doc["diagnostics"]:
        assert list(d) == ["code", "severity", "message", "hint", "file", "line", "column"]


def test_json_extra_cannot_replace_contract(diags):
    with pytest.raises(ValueError):
        render(diags, "json", extra={"summary": {}})


def test_json_empty():
    assert json.loads(render([], "json")) == {
        "diagnostics": [], "summary": {"errors": 0, "warnings": 0, "infos": 0},
    }


# github


def test_github_annotations(diags):
    lines = render(diags, "github").splitlines()
    assert lines == [
        "::notice title=IC503::parameter count unknown, fit not checked",
        "::error file=projects/a.yaml,line=3,col=5,title=IC008::environment 'vllm' not found",
        f"::error file={FILE},line=6,col=3,title=IC006::unknown field 'replcas'%0A"
        "did you mean 'replicas'?",
        f"::warning file={FILE},line=7,col=10,title=IC502::weights plus overhead (17.2 GiB) exceed"
        " the GPU memory (16 GiB)%0Ause a larger GPU, or quantize the model",
        "2 errors, 1 warning, 1 info",
    ]


def test_github_escaping():
    d = Diagnostic("IC007", "100% wrong", Location("a,b:c%.yaml", 1, 2), hint="really")
    (line, _) = render([d], "github").splitlines()
    assert line == (
        "::error file=a%2Cb%3Ac%25.yaml,line=1,col=2,title=IC007::100%25 wrong%0Areally"
    )


def test_a_value_with_line_breaks_or_escapes_is_quoted_on_one_line_in_every_format():
    # A name written as "chat\n" or holding a terminal escape must not break a report's lines
    # (a GitHub annotation, a text frame) or reach the terminal raw.
    d = Diagnostic("IC201", "invalid name 'chat\r\n\x1b[2J'", Location("a.yaml", 1, 2), hint="tab\there")
    assert d.message == "invalid name 'chat\\r\\n\\x1b[2J'" and d.hint == "tab\\there"
    for fmt in ("text", "github", "json", "sarif"):
        out = render([d], fmt)
        assert "\x1b" not in out and "chat\r" not in out and "chat\n" not in out, fmt


def test_github_line_without_column():
    d = Diagnostic("IC001", "bad", Location("a.yaml", 4))
    assert render([d], "github").startswith("::error file=a.yaml,line=4,title=IC001::bad\n")


# sarif


def test_sarif_essentials(diags):
    doc = json.loads(render(diags, "sarif"))
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "infc"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["IC006", "IC008", "IC502", "IC503"]
    for rule in rules:
        severity, title = CATALOGUE[rule["id"]]
        assert rule["shortDescription"] == {"text": title}
        level = {"error": "error", "warning": "warning", "info": "note"}[severity.value]
        assert rule["defaultConfiguration"] == {"level": level}
    results = run["results"]
    assert [r["level"] for r in results] == ["note", "error", "error", "warning"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    assert "locations" not in results[0]
    assert results[2]["message"]["text"] == "unknown field 'replcas'\ndid you mean 'replicas'?"
    assert results[2]["locations"] == [{
        "physicalLocation": {
            "artifactLocation": {"uri": FILE, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 6, "startColumn": 3},
        },
    }]


def test_sarif_uri_is_relative_and_encoded():
    d = Diagnostic("IC001", "x", Location("my dir/a#1.yaml"), related=(Location("b.yaml", 2),))
    (result,) = json.loads(render([d], "sarif"))["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    uri = {"uri": "my%20dir/a%231.yaml", "uriBaseId": "%SRCROOT%"}
    assert location == {"artifactLocation": uri}
    assert result["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 2}


# junit


def _junit(diags, **kw) -> ET.Element:
    return ET.fromstring(render(diags, "junit", **kw).encode())


def test_junit_cases_per_file(diags):
    root = _junit(diags)
    suite = root.find("testsuite")
    assert suite.get("name") == "infc"
    assert (suite.get("tests"), suite.get("failures")) == ("3", "2")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert list(cases) == ["infc", "projects/a.yaml", FILE]
    assert cases["infc"].find("failure") is None
    assert "IC503" in cases["infc"].find("system-out").text
    failure = cases[FILE].find("failure")
    assert failure.get("type") == "IC006"
    assert failure.get("message") == "unknown field 'replcas'"
    assert "did you mean 'replicas'?" in failure.text
    assert "IC502" in cases[FILE].find("system-out").text
    assert "IC502" not in failure.text


def test_junit_subjects(diags):
    subjects = ["projects/a.yaml", "projects/b.yaml", f"{FILE}#0"]
    root = _junit(diags, subjects=subjects, command="infc check")
    suite = root.find("testsuite")
    names = [c.get("name") for c in suite.iter("testcase")]
    assert names == subjects + ["infc check"]
    assert (suite.get("tests"), suite.get("failures")) == ("4", "2")
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["projects/a.yaml", f"{FILE}#0"]


def test_junit_empty_has_one_passing_case():
    suite = _junit([], command="infc validate").find("testsuite")
    (case,) = suite.iter("testcase")
    assert case.get("name") == "infc validate" and len(case) == 0
    assert suite.get("failures") == "0"


def test_junit_escapes_markup_and_controls():
    d = Diagnostic("IC007", 'bad <value> & "quote" \x00\x1b]', Location("a<&>\x1b.yaml", 1, 1))
    root = _junit([d])
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == 'bad <value> & "quote" \\x00\\x1b]'  # spelled out by Diagnostic
    assert root.find("testsuite/testcase").get("name") == "a<&>\ufffd.yaml"  # XML 1.0 has no ESC


# tap


def test_tap(diags):
    out = render(diags, "tap")
    lines = out.splitlines()
    assert lines[:2] == ["TAP version 13", "1..3"]
    assert [line for line in lines if re.match(r"(not )?ok \d", line)] == [
        "ok 1 - infc", "not ok 2 - projects/a.yaml", f"not ok 3 - {FILE}",
    ]
    assert '    - code: "IC006"\n      severity: "error"\n' in out
    assert "      line: 6\n      column: 3\n" in out
    assert lines[-1] == "# 2 errors, 1 warning, 1 info"


def test_tap_subjects_escape_hash():
    out = render([], "tap", subjects=["a.yaml#1", "b.yaml"])
    assert out == "TAP version 13\n1..2\nok 1 - a.yaml\\#1\nok 2 - b.yaml\n# no problems found\n"


# every format


SECRET = "hf_abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["IC301", "IC305"])
def test_secret_never_echoed(tmp_path: Path, fmt: str, code: str):
    (tmp_path / "w.yaml").write_text(
        "spec:\n"
        "  env:\n"
        "    - name: HF_TOKEN\n"
        f"      value: {SECRET}\n"
        f"    - {SECRET}\n"
        f"  token: >-\n    {SECRET}\n"
        "  unknwn: 1\n"
        "  other: 2\n"
    )
    diags = [
        Diagnostic(code, "literal value for HF_TOKEN", Location("w.yaml", 4, 14)),
        Diagnostic(code, "literal secret in a list", Location("w.yaml", 5, 7)),
        # The secret line is only context here, or the token is not flagged at all.
        Diagnostic("IC006", "unknown field 'unknwn'", Location("w.yaml", 8, 3)),
        Diagnostic("IC006", "unknown field 'token'", Location("w.yaml", 6, 3)),
        Diagnostic("IC007", "not a string", Location("w.yaml", 7, 5)),
    ]
    for color in (False, True):
        out = render(diags, fmt, root=tmp_path, color=color)
        assert SECRET not in out
        assert "abcdefghijklmnopqrstuvwxyz" not in out
    if fmt == "text":
        out = render(diags, fmt, root=tmp_path)
        assert "4 |       value: ****\n" in out
        assert "5 |     - ****\n" in out
        assert "7 |     ****\n" in out


def test_secret_frame_keeps_key_and_caret(tmp_path: Path):
    (tmp_path / "w.yaml").write_text(f"env:\n  HF_TOKEN: {SECRET}\n")
    d = Diagnostic("IC301", "literal secret in HF_TOKEN", Location("w.yaml", 2, 13))
    out = render([d], "text", root=tmp_path)
    assert "2 |   HF_TOKEN: ****\n  |             ^\n" in out


def _codes_in_order(fmt: str, out: str) -> list[str]:
    if fmt == "json":
        return [d["code"] for d in json.loads(out)["diagnostics"]]
    if fmt == "sarif":
        return [r["ruleId"] for r in json.loads(out)["runs"][0]["results"]]
    return re.findall(r"IC\d{3}", out)


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_order_everywhere(fmt, diags, repo):
    out = render(diags, fmt, root=repo)
    codes = _codes_in_order(fmt, out)
    if fmt == "junit":
        # A case lists its errors, then the rest; one error per case here keeps the order.
        codes = [c for i, c in enumerate(codes) if c not in codes[:i]]
    assert codes == ["IC503", "IC008", "IC006", "IC502"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_deterministic_and_relative(fmt, diags, repo):
    first = render(diags, fmt, root=repo)
    assert render(list(reversed(diags)), fmt, root=repo) == first
    assert str(repo) not in first
    assert first.endswith("\n")


def test_severity_override_respected():
    d = Diagnostic("IC006", "unknown field", Location("a.yaml", 1, 1), severity=Severity.WARNING)
    assert render([d], "text").endswith("\n1 warning\n")
    assert json.loads(render([d], "json"))["summary"]["warnings"] == 1
    assert render([d], "github").startswith("::warning ")
    result = json.loads(render([d], "sarif"))["runs"][0]["results"][0]
    assert result["level"] == "warning"
    assert _junit([d]).find("testsuite").get("failures") == "0"
    assert "\nok 1 - a.yaml\n" in render([d], "tap")
