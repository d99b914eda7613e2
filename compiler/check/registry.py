"""Where rules register. A rule is a small function that yields Diagnostics.

- a workload rule sees one effective workload and the context;
- a repository rule sees the WorkloadFacts of every workload at once (quota, NodePorts,
  placement): what it needs of each, so that unchanged workloads can come from the cache.
Modules in compiler/check/ register themselves with the decorators below on import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from compiler.diagnostics import Diagnostic

if TYPE_CHECKING:
    from compiler.check.facts import WorkloadFacts
    from compiler.resolve.effective import EffectiveWorkload
    from compiler.spec.parse import Repository


@dataclass
class CheckContext:
    repo: "Repository"
    # Previous revisions from the lock file, per cluster: {cluster: {"<ns>/<name>": entry}}.
    previous: dict[str, dict[str, dict]] = field(default_factory=dict)
    # Lock keys of workloads whose revision changes (known once rendered; None before).
    changed: set[str] | None = None
    # The placement simulation, run once and shared by the rules (and by rendering).
    placement: object = None
    # The pool of each workload's revision ("<project>/<name>": pool or None), when the
    # repository rules' findings came from the cache without a simulation.
    pools: dict[str, str | None] | None = None


WorkloadRule = Callable[["EffectiveWorkload", CheckContext], Iterable[Diagnostic]]
RepositoryRule = Callable[[list["WorkloadFacts"], CheckContext], Iterable[Diagnostic]]

WORKLOAD_RULES: list[WorkloadRule] = []
REPOSITORY_RULES: list[RepositoryRule] = []


def workload_rule(fn: WorkloadRule) -> WorkloadRule:
    WORKLOAD_RULES.append(fn)
    return fn


def repository_rule(fn: RepositoryRule) -> RepositoryRule:
    REPOSITORY_RULES.append(fn)
    return fn
