"""IC008: what departments and policies name that does not exist.

A workload's own references are checked when it is resolved; these are not a workload's. A
department on a cluster that does not exist, or a policy scoped to a department or project
that does not exist, would otherwise apply to nothing without a word: a misspelt scope
quietly drops every default, rule and imposed asset of that policy.
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.registry import repository_rule
from compiler.diagnostics import Diagnostic, missing_hint


@repository_rule
def scope_references(workloads, ctx) -> Iterable[Diagnostic]:
    repo = ctx.repo
    for name, department in sorted(repo.departments.items()):
        if department.obj.spec.cluster not in repo.clusters:
            yield _missing("Cluster", department.obj.spec.cluster, repo.clusters,
                           department.doc.loc(("spec", "cluster")), f"department '{name}'", "")
    tables = {"cluster": ("Cluster", repo.clusters), "department": ("Department", repo.departments),
              "project": ("Project", repo.projects)}
    for name, policy in sorted(repo.policies.items()):
        scope = policy.obj.spec.scope
        for field, (kind, table) in tables.items():
            value = getattr(scope, field)
            if value is not None and value not in table:
                yield _missing(kind, value, table, policy.doc.loc(("spec", "scope", field)),
                               f"policy '{name}'", ": the policy applies to nothing")


def _missing(kind: str, name: str, table: dict, where, whose: str, so: str) -> Diagnostic:
    return Diagnostic("IC008", f"{kind} '{name}' of {whose} does not exist{so}", where,
                      hint=missing_hint(kind, name, table))
