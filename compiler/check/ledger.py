"""The quota ledger: what each project and department uses per node pool.

Usage is counted per (cluster, project or department, node pool) for GPU (devices times
portion; GPU-memory requests converted with the pool's smallest GPU memory, as KAI does
for pending requests), CPU cores (queue-proxy included) and memory bytes, at each
workload's minimum replicas, in the pool the placement simulation put it in (or its
first candidate pool when it cannot be placed).

Workloads are admitted in scheduling order (priority, highest first, then key), as KAI's
quota_check and max-allowed check would: a non-preemptible revision must fit the
deserved quota of its project queue and of every ancestor (the department), for each
resource with a finite quota; every revision must fit `limit`. A revision refused by the
ledger stays pending and holds nothing, so it is not added to what later revisions see.

Quota values: GPU deserved defaults to 0 (an omitted pool has no GPU quota); CPU and
memory deserved default to unlimited (Run:ai's CPU quota is off unless set); every
`limit` defaults to unlimited; -1 means unlimited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from compiler.check.footprint import Demand
from compiler.spec import quantities as q

RESOURCES = ("gpu", "cpu", "memory")
INF = float("inf")
EPS = 1e-9

Unit = tuple[str, str, str, str]  # (cluster, "project" | "department", name, pool)


@dataclass(frozen=True)
class Quota:
    deserved: tuple[float, float, float]
    limit: tuple[float, float, float]
    # where each value was set: {("gpu", "deserved"): path within the document}
    paths: dict = field(default_factory=dict, compare=False)


NO_QUOTA = Quota((0.0, INF, INF), (INF, INF, INF))


def quota_value(resource: str, value: object) -> float | None:
    """A deserved/limit value in ledger units (GPUs, cores, bytes); INF for -1; None if unreadable."""
    if value is None:
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            return INF
        if isinstance(value, str) and value.strip() == "-1":
            return INF
        if resource == "cpu":
            return q.cores_of(value)
        if resource == "memory":
            return float(q.bytes_of(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return float(q.quantity_value(value))
    except (q.QuantityError, ValueError, TypeError):
        return None


def parse_quota(resources: Iterable, pool: str) -> tuple[Quota, int | None]:
    """The quota of one node pool from a Department/Project `resources` list, and the index
    of its entry (None when the pool is omitted)."""
    for idx, entry in enumerate(resources or ()):
        if entry.nodePool != pool:
            continue
        deserved, limit, paths = [], [], {}
        for r in RESOURCES:
            rq = getattr(entry, r)
            d = quota_value(r, rq.deserved) if rq is not None else None
            lim = quota_value(r, rq.limit) if rq is not None else None
            if rq is not None and rq.deserved is not None:
                paths[(r, "deserved")] = ("spec", "resources", idx, r, "deserved")
            if rq is not None and rq.limit is not None:
                paths[(r, "limit")] = ("spec", "resources", idx, r, "limit")
            deserved.append(d if d is not None else (0.0 if r == "gpu" else INF))
            limit.append(lim if lim is not None else INF)
        return Quota(tuple(deserved), tuple(limit), paths), idx
    return NO_QUOTA, None


class QuotaBook:
    """Quota of every project and department per node pool, and which clusters enforce it."""

    def __init__(self) -> None:
        self._resources: dict[tuple[str, str, str], list] = {}  # (cluster, level, name) -> resources
        self._cache: dict[Unit, Quota] = {}
        self._enforced: dict[str, bool] = {}

    def add(self, cluster: str, level: str, name: str, resources: list, enforced: bool = True) -> None:
        self._resources[(cluster, level, name)] = list(resources or ())
        self._enforced.setdefault(cluster, enforced)

    def quota(self, unit: Unit) -> Quota:
        hit = self._cache.get(unit)
        if hit is None:
            cluster, level, name, pool = unit
            hit = parse_quota(self._resources.get((cluster, level, name), ()), pool)[0]
            self._cache[unit] = hit
        return hit

    def enforced(self, cluster: str) -> bool:
        """Queues and quota exist only on clusters scheduled by KAI."""
        return self._enforced.get(cluster, True)

    def units(self) -> list[tuple[str, str, str]]:
        return sorted(self._resources)

    def pools_of(self, cluster: str, level: str, name: str) -> list[str]:
        return [e.nodePool for e in self._resources.get((cluster, level, name), ())]

    @classmethod
    def from_workloads(cls, workloads, repo=None) -> "QuotaBook":
        """From the projects and departments of `workloads` (and every one of `repo`, if given)."""
        book = cls()
        projects = {}
        departments = {}
        for w in workloads:
            projects.setdefault(w.project.name, w.project)
            if w.department is not None:
                departments.setdefault(w.department.name, w.department)
        if repo is not None:
            for name, p in repo.projects.items():
                projects.setdefault(name, p)
            for name, dpt in repo.departments.items():
                departments.setdefault(name, dpt)
        schedulers = {}
        if repo is not None:
            schedulers = {name: c.obj.spec.scheduler for name, c in repo.clusters.items()}
        for w in workloads:
            schedulers.setdefault(w.cluster.name, w.cluster.obj.spec.scheduler)
        for name, dpt in sorted(departments.items()):
            cl = dpt.obj.spec.cluster
            book.add(cl, "department", name, dpt.obj.spec.resources, schedulers.get(cl, "kai") == "kai")
        for name, p in sorted(projects.items()):
            cl = p.obj.spec.cluster
            book.add(cl, "project", name, p.obj.spec.resources, schedulers.get(cl, "kai") == "kai")
        return book


@dataclass(frozen=True)
class Violation:
    code: str  # IC401 | IC402 | IC403
    key: str  # the workload whose addition overflows
    level: str  # "project" | "department"
    name: str
    pool: str
    resource: str
    bound: str  # "deserved" | "limit"
    quota: float
    this: float
    others: float

    @property
    def total(self) -> float:
        return self.this + self.others


class Ledger:
    """Usage per unit; `admitted` is what KAI would let run, `requested` what is asked for."""

    def __init__(self, book: QuotaBook, gpu_memory: Callable[[str, str], int]) -> None:
        self.book = book
        self.gpu_memory = gpu_memory
        # unit -> [np gpu, np cpu, np mem, all gpu, all cpu, all mem]
        self.admitted: dict[Unit, list[float]] = {}
        self.requested: dict[Unit, list[float]] = {}
        self.violations: list[Violation] = []
        self.charged: dict[str, tuple[str, tuple[float, float, float]]] = {}  # key -> (pool, usage)

    def usage(self, d: Demand, pool: str) -> tuple[float, float, float]:
        r = d.replicas
        gpu = r * d.gpus_per_pod(self.gpu_memory(d.cluster, pool)) if d.devices else 0.0
        return (gpu, r * d.cpu, float(r * d.memory))

    @staticmethod
    def units(d: Demand, pool: str) -> list[Unit]:
        out = [(d.cluster, "project", d.project, pool)]
        if d.department:
            out.append((d.cluster, "department", d.department, pool))
        return out

    def check(self, d: Demand, pool: str, usage: tuple[float, float, float],
              ledger: dict[Unit, list[float]] | None = None) -> list[Violation]:
        """What admitting the revision would overflow (nothing is changed)."""
        if not self.book.enforced(d.cluster):
            return []
        table = self.admitted if ledger is None else ledger
        out = []
        for unit in self.units(d, pool):
            quota = self.book.quota(unit)
            row = table.get(unit) or [0.0] * 6
            level, name = unit[1], unit[2]
            for i, res in enumerate(RESOURCES):
                need = usage[i]
                if need <= 0:
                    continue
                if not d.preemptible and quota.deserved[i] != INF and row[i] + need > quota.deserved[i] + EPS:
                    code = "IC401" if level == "project" else "IC402"
                    out.append(Violation(code, d.key, level, name, unit[3], res, "deserved",
                                         quota.deserved[i], need, row[i]))
                if quota.limit[i] != INF and row[3 + i] + need > quota.limit[i] + EPS:
                    out.append(Violation("IC403", d.key, level, name, unit[3], res, "limit",
                                         quota.limit[i], need, row[3 + i]))
        return out

    def admit(self, d: Demand, pool: str, usage: tuple[float, float, float],
              table: dict[Unit, list[float]] | None = None) -> None:
        table = self.admitted if table is None else table
        for unit in self.units(d, pool):
            row = table.get(unit)
            if row is None:
                row = table[unit] = [0.0] * 6
            for i in range(3):
                if not d.preemptible:
                    row[i] += usage[i]
                row[3 + i] += usage[i]

    def add(self, d: Demand, pool: str) -> list[Violation]:
        """Charge a revision: counted as requested; admitted only if it fits."""
        usage = self.usage(d, pool)
        self.charged[d.key] = (pool, usage)
        self.admit(d, pool, usage, self.requested)
        found = self.check(d, pool, usage)
        if not found:
            self.admit(d, pool, usage)
        self.violations.extend(found)
        return found


def build_ledger(demands: Iterable[Demand], pool_for: Callable[[str], str | None], book: QuotaBook,
                 gpu_memory: Callable[[str, str], int]) -> Ledger:
    """Charge every revision at its minimum replicas, in scheduling order."""
    ledger = Ledger(book, gpu_memory)
    for d in sorted(demands, key=Demand.sort_key):
        if d.replicas <= 0:
            continue
        pool = pool_for(d.key)
        if pool is None:
            continue
        ledger.add(d, pool)
    return ledger


def ledger_for(workloads, placement, repo=None) -> Ledger:
    """The ledger of effective workloads, charged where `placement` put them."""
    book = QuotaBook.from_workloads(workloads, repo)
    return build_ledger(placement.demands.values(), placement.pool_for, book, placement.gpu_memory)
