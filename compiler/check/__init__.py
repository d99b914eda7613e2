"""Offline checks of effective workloads. Every module of this package registers its rules."""

from __future__ import annotations

import importlib
import pkgutil

from compiler.check.facts import WorkloadFacts
from compiler.check.registry import REPOSITORY_RULES, WORKLOAD_RULES, CheckContext
from compiler.diagnostics import Diagnostic

_loaded = False


def _load_rules() -> None:
    global _loaded
    if not _loaded:
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
            if info.name != "registry":
                importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True


def workload_diagnostics(w, ctx: CheckContext) -> list[Diagnostic]:
    """The workload rules over one effective workload (a function of it and the repository's
    other kinds only, so the result can be cached with the workload)."""
    _load_rules()
    return [d for rule in WORKLOAD_RULES for d in rule(w, ctx) if d.code not in w.ignore]


def repository_diagnostics(facts: list[WorkloadFacts], ctx: CheckContext) -> list[Diagnostic]:
    """The repository rules over the facts of every workload."""
    _load_rules()
    out: list[Diagnostic] = []
    by_key = {w.key: w for w in facts}
    for rule in REPOSITORY_RULES:
        for d in rule(facts, ctx):
            w = by_key.get(d.subject)
            if w is None or d.code not in w.ignore:
                out.append(d)
    return out
