"""Helpers for policy tests: small repositories built with tests/repo_builder."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from repo_builder import make_repo  # noqa: E402
from repo_builder import workload as _workload  # noqa: E402

from compiler.pipeline import analyse  # noqa: E402

POLICY_CODES = {"IC006", "IC007", "IC008", "IC101", "IC102", "IC103", "IC104", "IC105", "IC106", "IC107", "IC108"}

SCOPES = {
    "tenant": "{}",
    "cluster": "{cluster: prod}",
    "department": "{department: research}",
    "project": "{project: nlp}",
}


DEFAULT_COMPUTE = "{gpuDevicesRequest: 1, cpuCoreRequest: 4, cpuMemoryRequest: 32G}"


def workload(name: str = "chat", spec_extra: str = "", compute: str | None = DEFAULT_COMPUTE) -> str:
    """repo_builder's workload with its compute line replaced by `compute` (None: dropped).

    A `compute:` line in `spec_extra` takes the place of the default one."""
    text = _workload(name, spec_extra)
    default_line = f"  compute: {DEFAULT_COMPUTE}\n"
    if compute is None or any(line.startswith("compute:") for line in textwrap.dedent(spec_extra).splitlines()):
        return text.replace(default_line, "")
    return text.replace(default_line, f"  compute: {compute}\n")


def policy(name: str, scope: str, body: str) -> str:
    """A Policy document; `scope` is a key of SCOPES; `body` is YAML under spec (2-space indented)."""
    text = textwrap.dedent(f"""\
        apiVersion: infc/v1
        kind: Policy
        metadata: {{name: {name}}}
        spec:
          scope: {SCOPES[scope]}
        """)
    return text + textwrap.indent(textwrap.dedent(body).strip("\n"), "  ") + "\n"


class Run:
    def __init__(self, analysis):
        self.analysis = analysis
        self.diagnostics = [d for d in analysis.diagnostics if d.code in POLICY_CODES]

    def codes(self) -> list[str]:
        return [d.code for d in self.diagnostics]

    def one(self, code: str):
        found = [d for d in self.diagnostics if d.code == code]
        assert len(found) == 1, f"expected one {code}, got: {[str(d.location) + ' ' + d.code + ' ' + d.message for d in self.diagnostics]}"
        return found[0]

    def workload(self, name: str = "chat"):
        return next(w for w in self.analysis.workloads if w.name == name)


def run_repo(root: Path, files: dict[str, str]) -> Run:
    return Run(analyse(make_repo(root, files)))


def at(rel: str, text: str, line_has: str, token: str | None = None) -> str:
    """'rel:line:col' of `token` (default: `line_has`) on the first line of `text` containing `line_has`."""
    for number, line in enumerate(text.lstrip("\n").splitlines(), 1):
        if line_has in line:
            col = line.index(token if token is not None else line_has) + 1
            return f"{rel}:{number}:{col}"
    raise AssertionError(f"{line_has!r} not in {rel}")


__all__ = ["POLICY_CODES", "Run", "at", "make_repo", "policy", "run_repo", "workload"]
