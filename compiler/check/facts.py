"""What the repository-wide stages read of one effective workload, small enough to cache.

Quota, placement, NodePorts, rolling updates, rendering's cache key and the lock file need
a workload's demand, ports, a few locations and its names — not the whole effective spec.
`WorkloadFacts` holds exactly that. It answers the same attributes as an EffectiveWorkload
(`key`, `project`, `cluster`, `loc()`, ...) for those stages, so a recompile can take the
facts of unchanged workloads from the cache without resolving them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from compiler.check.common import items
from compiler.check.footprint import Demand, demand
from compiler.diagnostics import Location, nearest_location

# The parts of a spec whose locations repository-wide diagnostics point at.
_LOCATED = ("autoscaling", "compute", "ports")


@dataclass(eq=False)
class WorkloadFacts:
    name: str
    file: str
    project_name: str
    cluster_name: str
    department_name: str | None
    namespace: str
    ignore: frozenset[str]
    demand: Demand
    # Tool ports not excluded: (index in spec.ports, port name, serviceType, external port).
    ports: tuple[tuple[int, str, str | None, int | None], ...]
    provenance: dict[tuple, Location] = field(repr=False)
    fallback: Location  # the workload's metadata.name
    spec_digest: str  # digest of the effective spec (with the render context, the render cache key)
    # The project, department and cluster objects, linked to the current run's repository.
    project: Any = field(default=None, repr=False)
    department: Any = field(default=None, repr=False)
    cluster: Any = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return f"{self.project_name}/{self.name}"

    def loc(self, *path: Any) -> Location:
        return nearest_location(self.provenance, path, self.fallback)

    def link(self, repo) -> "WorkloadFacts":
        """Point at `repo`'s project, department and cluster (after coming from the cache)."""
        self.project = repo.projects[self.project_name]
        self.department = repo.departments.get(self.department_name) if self.department_name else None
        self.cluster = repo.clusters[self.cluster_name]
        return self

    def __reduce__(self):
        """Flat tuples of plain values: a recompile takes 10,000 facts from the cache, and
        unpickling objects field by field cost more than checking the one changed workload.
        The project, department and cluster are shared objects, linked on load."""
        return _restore, (*self._values(), self.repository_digest())

    def _values(self) -> tuple:
        own = self.file
        located = tuple((path, loc.line, loc.column) if loc.file == own else (path, loc.line, loc.column, loc.file)
                        for path, loc in self.provenance.items())
        return (self.name, own, self.project_name, self.cluster_name, self.department_name, self.namespace,
                self.ignore, tuple(getattr(self.demand, f.name) for f in fields(Demand)), self.ports, located,
                (self.fallback.file, self.fallback.line, self.fallback.column), self.spec_digest)

    def repository_digest(self) -> str:
        """Digest of what the repository rules read of this workload: every fact but the
        spec digest (an edit of, say, the server's arguments leaves it unchanged). Worked out
        once and cached with the facts: a recompile keys the repository rules on all of them."""
        known = self.__dict__.get("_repository_digest")
        if known is None:
            from compiler.cache import digest

            *read, ignore, demand, ports, located, fallback, _spec_digest = self._values()
            # Plain values and tuples, whose repr is canonical (the ignore set sorted).
            known = self._repository_digest = digest(repr((*read, sorted(ignore), demand, ports, located, fallback)))
        return known

    def __getattr__(self, name: str):
        if name == "provenance" and "_located" in self.__dict__:  # built on first use (rare: diagnostics)
            own = self.file
            self.provenance = {entry[0]: Location(entry[3] if len(entry) > 3 else own, entry[1], entry[2])
                               for entry in self.__dict__.pop("_located")}
            return self.provenance
        raise AttributeError(name)


def _restore(name, file, project_name, cluster_name, department_name, namespace, ignore, demand_values,
             ports, located, fallback, spec_digest, repository_digest) -> WorkloadFacts:
    facts = WorkloadFacts.__new__(WorkloadFacts)
    facts.__dict__.update(name=name, file=file, project_name=project_name, cluster_name=cluster_name,
                          department_name=department_name, namespace=namespace, ignore=ignore,
                          demand=Demand(*demand_values), ports=ports, _located=located,
                          fallback=Location(*fallback), spec_digest=spec_digest,
                          _repository_digest=repository_digest, project=None, department=None, cluster=None)
    return facts


def facts_of(w) -> WorkloadFacts:
    """The facts of an effective workload (the same object each time it is asked)."""
    if isinstance(w, WorkloadFacts):
        return w
    cached = getattr(w, "_facts", None)
    if cached is None:
        from compiler.cache import digest
        from compiler.output.lock import canonical_json

        ports = tuple((i, p.name, p.serviceType, p.external) for i, p in items(w.spec.ports))
        cached = WorkloadFacts(
            name=w.name, file=w.file, project_name=w.project.name, cluster_name=w.cluster.name,
            department_name=w.department.name if w.department else None, namespace=w.namespace,
            ignore=w.ignore, demand=demand(w), ports=ports,
            provenance={p: loc for p, loc in w.provenance.items() if p and p[0] in _LOCATED},
            fallback=w.doc.loc(("metadata", "name")), spec_digest=digest(canonical_json(w.data)),
            project=w.project, department=w.department, cluster=w.cluster)
        w._facts = cached
    return cached
