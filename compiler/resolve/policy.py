"""Policy rules (Run:ai V2 inference policies): enforced against effective workloads."""

from __future__ import annotations

from compiler.diagnostics import Diagnostic


def enforce_policies(workloads, repo) -> list[Diagnostic]:
    return []
