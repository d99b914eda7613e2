"""Build a repository with one workload, analyse it, and find diagnostics and locations."""

from __future__ import annotations

import textwrap
from pathlib import Path

from compiler.diagnostics import Diagnostic
from compiler.pipeline import analyse
from tests.repo_builder import make_repo

WORKLOAD_FILE = "workloads/nlp/chat.yaml"

DEFAULT_SPEC = """
huggingFace: {model: Qwen/Qwen2.5-7B-Instruct}
compute: {gpuDevicesRequest: 1, cpuCoreRequest: 4, cpuMemoryRequest: 32G}
"""


def workload_doc(spec: str = DEFAULT_SPEC, name: str = "chat", metadata: str = "") -> str:
    """A workload document; `spec` is YAML placed under spec: (indented here)."""
    meta = f"metadata: {{name: {name}, project: nlp{', ' + metadata if metadata else ''}}}"
    body = textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ")
    return f"apiVersion: infc/v1\nkind: InferenceWorkload\n{meta}\nspec:\n{body}\n"


def run(tmp_path: Path, spec: str | None = DEFAULT_SPEC, files: dict | None = None, **kw) -> list[Diagnostic]:
    all_files = {}
    if spec is not None:
        all_files[WORKLOAD_FILE] = workload_doc(spec, **kw)
    all_files.update(files or {})
    return analyse(make_repo(tmp_path, all_files)).diagnostics


def codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


def only(diags: list[Diagnostic], code: str, fragment: str = "") -> Diagnostic:
    found = [d for d in diags if d.code == code and fragment in d.message]
    assert len(found) == 1, f"expected one {code} ({fragment!r}), got: " + "\n".join(
        f"{d.code} {d.location} {d.message}" for d in diags)
    return found[0]


def none_of(diags: list[Diagnostic], *wanted: str) -> None:
    bad = [d for d in diags if d.code in wanted]
    assert not bad, "unexpected: " + "\n".join(f"{d.code} {d.location} {d.message}" for d in bad)


def at(text: str, needle: str, file: str = WORKLOAD_FILE, nth: int = 0) -> str:
    """file:line:col of the value in `needle` ('key: value'; the key itself when it has no ': ').

    A '|' in `needle` marks the position explicitly ('tolerations: [|{name'). `text` is the
    file's content as written; the nth occurrence of `needle` counts."""
    marker = needle.find("|")
    if marker >= 0:
        needle = needle.replace("|", "", 1)
    text = textwrap.dedent(text).lstrip("\n") if not text.startswith("apiVersion") else text
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    if marker >= 0:
        offset = marker
    else:
        offset = needle.index(": ") + 2 if ": " in needle else 0
    pos = start + offset
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"{file}:{line}:{col}"


def check(d: Diagnostic, message: str, location: str, hint: str) -> None:
    assert message in d.message, d.message
    assert str(d.location) == location, (str(d.location), location)
    assert hint in d.hint, d.hint


def base_file(rel: str) -> str:
    """A base repository file of tests/repo_builder.py, dedented (ready for str.replace edits)."""
    from tests.repo_builder import BASE_FILES

    return textwrap.dedent(BASE_FILES[rel]).lstrip("\n")


CLUSTER = base_file("clusters/prod.yaml")
ORG = base_file("org/research.yaml")
