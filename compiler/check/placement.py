"""Placement simulation: can every revision's minimum replicas be scheduled at once?

The cluster inventory (node groups expanded to nodes `<group>-<i>`) is filled with one
gang per revision (KAI PodGroup, minMember = minimum replicas: all pods or none), in
scheduling order (priority, highest first, then key). Each gang tries its node pools in
order; within a pool it honours the node type label, nodeAffinityRequired, taints and
tolerations, CPU and memory per node, whole GPUs per node, and GPU fractions packed per
device (two 0.5 share one GPU; a device holding a fraction takes no whole-GPU pod). The
pool's placement strategy picks the fullest node first (binpack) or the emptiest (spread).

State is kept in flat per-pool lists, and nodes are bucketed by free whole GPUs per node
group, so a placement costs about one step per pod rather than one per node.

IC405: a revision whose minimum replicas cannot be placed (reason per pool).
IC407: maxReplicas pods could never fit, even on empty pools (warning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

from compiler.check.facts import facts_of
from compiler.check.footprint import Demand
from compiler.check.registry import CheckContext, repository_rule
from compiler.diagnostics import Diagnostic, Location
from compiler.resolve import derived
from compiler.spec import quantities as q

EPS = 1e-9
INF = float("inf")
NOSCHEDULE = ("NoSchedule", "NoExecute")
# Refusals that IC211 (unknown node pool) and IC210 (node type absent from the pools) report.
REPORTED_ELSEWHERE = ("no such node pool", "no node of type")


# --- formatting shared with the quota messages ------------------------------------------------


def fmt_num(value: float, digits: int = 3) -> str:
    """9.0 -> "9", 0.4657 -> "0.466", inf -> "unlimited"."""
    if value == INF or value is None:
        return "unlimited"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_mem(num_bytes: float) -> str:
    if num_bytes == INF or num_bytes is None:
        return "unlimited"
    gib = num_bytes / 2**30
    if abs(gib) >= 1024:
        return f"{fmt_num(gib / 1024, 2)}Ti"
    if abs(gib) >= 1 or num_bytes == 0:
        return f"{fmt_num(gib, 2)}Gi"
    return f"{fmt_num(num_bytes / 2**20, 1)}Mi"


def _plural(n: float, word: str) -> str:
    return f"{fmt_num(n)} {word}" + ("" if n == 1 else "s")


def gpu_shape(d: Demand, device_memory: int = 0) -> str:
    """"8 GPUs", "0.5 GPU", "2 × 0.5 GPU", "20Gi GPU memory"."""
    if d.devices <= 0:
        return "no GPU"
    if d.whole:
        return _plural(d.devices, "GPU")
    if d.portion is not None:
        one = f"{fmt_num(d.portion)} GPU"
    elif device_memory:
        one = f"{fmt_num(d.portion_of(device_memory), 2)} GPU ({fmt_mem(d.gpu_memory or 0)})"
    else:
        one = f"{fmt_mem(d.gpu_memory or 0)} GPU memory"
    return one if d.devices == 1 else f"{d.devices} × {one}"


def pod_shape(d: Demand, device_memory: int = 0) -> str:
    return f"{gpu_shape(d, device_memory)}, {fmt_num(d.cpu)} CPU, {fmt_mem(d.memory)} memory"


# --- node selection ---------------------------------------------------------------------------


def _matches(expr: tuple, labels: dict[str, str]) -> bool:
    key, op, values = expr
    has = key in labels
    if op == "In":
        return has and labels[key] in values
    if op == "NotIn":
        return not has or labels[key] not in values
    if op == "Exists":
        return has
    if op == "DoesNotExist":
        return not has
    if op in ("Gt", "Lt") and has and values:
        try:
            left, right = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return left > right if op == "Gt" else left < right
    return False


def tolerated(taint: tuple, tolerations: Iterable[tuple]) -> bool:
    """Kubernetes toleration matching; taint = (key, value, effect)."""
    key, value, effect = taint
    for op, tkey, tvalue, teffect in tolerations:
        if teffect not in ("", "Any") and teffect != effect:
            continue
        if op == "Exists":
            if tkey == "" or tkey == key:
                return True
        elif tkey == key and tvalue == (value or ""):
            return True
    return False


@dataclass(slots=True)
class _Group:
    name: str
    labels: dict
    taints: tuple  # (key, value, effect) with effect NoSchedule/NoExecute
    gpus: int
    gpu_memory: int
    cpu: float
    memory: int
    start: int  # index of its first node in the pool arrays
    count: int


class PoolState:
    """The nodes of one node pool and what is still free on them."""

    def __init__(self, pool, cluster_spec) -> None:
        self.name: str = pool.name
        self.spread: bool = pool.placement == "spread"
        self.node_type_key: str = cluster_spec.nodeTypeLabelKey
        self.groups: list[_Group] = []
        self.names: list[str] = []
        self.group_of: list[int] = []
        self.free_cpu: list[float] = []
        self.free_mem: list[int] = []
        self.free_whole: list[int] = []  # devices with nothing on them
        self.used: list[list[float] | None] = []  # per node: used portion of each shared device
        self.buckets: list[list[set[int]]] = []  # per group, per free-whole count: node indices
        self.partial: set[int] = set()  # nodes with a shared device that has room left
        self._eligible: dict[tuple, tuple[tuple[int, ...], str]] = {}
        for ng in pool.nodes:
            gpus = ng.gpu.count if ng.gpu else 0
            gmem = q.bytes_of(ng.gpu.memory) if ng.gpu and gpus else 0
            labels = dict(ng.labels)
            labels.setdefault(cluster_spec.nodePoolLabelKey, pool.name)
            taints = tuple((t.key, t.value or "", t.effect) for t in ng.taints if t.effect in NOSCHEDULE)
            g = _Group(ng.name, labels, taints, gpus, gmem, float(ng.cpu), q.bytes_of(ng.memory),
                       len(self.names), ng.count)
            gi = len(self.groups)
            self.groups.append(g)
            bucket = [set() for _ in range(gpus + 1)]
            for i in range(ng.count):
                n = len(self.names)
                self.names.append(f"{ng.name}-{i}")
                self.group_of.append(gi)
                self.free_cpu.append(g.cpu)
                self.free_mem.append(g.memory)
                self.free_whole.append(gpus)
                self.used.append(None)
                bucket[gpus].add(n)
            self.buckets.append(bucket)
        sized = [g for g in self.groups if g.count and g.gpus]
        # KAI converts pending GPU-memory requests with the smallest GPU memory of the pool.
        self.gpu_memory: int = min((g.gpu_memory for g in sized), default=0)

    # -- eligibility, cached per selector ---------------------------------------------------

    def eligible(self, d: Demand) -> tuple[tuple[int, ...], str]:
        """Node groups the demand's pods may use, and why the others are refused."""
        sel = d.selector
        hit = self._eligible.get(sel)
        if hit is None:
            ok, reasons = [], []
            for gi, g in enumerate(self.groups):
                if not g.count:
                    continue
                why = self._refuse(g, d)
                if why:
                    if why not in reasons:
                        reasons.append(why)
                else:
                    ok.append(gi)
            hit = (tuple(ok), "; ".join(reasons))
            self._eligible[sel] = hit
        return hit

    def _refuse(self, g: _Group, d: Demand) -> str:
        if d.node_type is not None and g.labels.get(self.node_type_key) != d.node_type:
            types = sorted({gr.labels.get(self.node_type_key) for gr in self.groups if gr.count} - {None})
            have = f" (node types here: {', '.join(types)})" if types else ""
            return f"{REPORTED_ELSEWHERE[1]} {d.node_type}{have}"
        if d.affinity and not any(all(_matches(e, g.labels) for e in term) for term in d.affinity):
            return "no node matches nodeAffinityRequired"
        for taint in g.taints:
            if not tolerated(taint, d.tolerations):
                key, value, effect = taint
                return f"taint {key}{'=' + value if value else ''}:{effect} is not tolerated"
        return ""

    # -- the per-node test and the bookkeeping ---------------------------------------------

    def _portions(self, d: Demand) -> list[float | None]:
        """Per group: portion of a device per pod (None: whole devices or no GPU)."""
        if d.devices <= 0 or d.whole:
            return [None] * len(self.groups)
        return [d.portion_of(g.gpu_memory) for g in self.groups]

    def _fits(self, n: int, d: Demand, p: float | None) -> bool:
        if self.free_cpu[n] + EPS < d.cpu or self.free_mem[n] < d.memory:
            return False
        if d.devices <= 0:
            return True
        if p is None:
            return self.free_whole[n] >= d.devices
        room = self.free_whole[n]
        used = self.used[n]
        if used and room < d.devices:
            limit = 1.0 + EPS - p
            room += sum(1 for u in used if u <= limit)
        return room >= d.devices

    def _move(self, n: int, old_whole: int, new_whole: int) -> None:
        if old_whole != new_whole:
            b = self.buckets[self.group_of[n]]
            b[old_whole].discard(n)
            b[new_whole].add(n)

    def _commit(self, n: int, d: Demand, p: float | None) -> tuple:
        used = self.used[n]
        record = (n, self.free_cpu[n], self.free_mem[n], self.free_whole[n], list(used) if used else None)
        self.free_cpu[n] -= d.cpu
        self.free_mem[n] -= d.memory
        if d.devices > 0:
            whole = self.free_whole[n]
            if p is None:
                self._move(n, whole, whole - d.devices)
                self.free_whole[n] = whole - d.devices
            else:
                used = list(used) if used else []
                limit = 1.0 + EPS - p
                # binpack: fullest shared devices first, then fresh ones; spread: fresh first.
                shared = sorted((i for i, u in enumerate(used) if u <= limit),
                                key=lambda i: (-used[i], i))
                need = d.devices
                take_fresh = min(whole, need) if self.spread else max(0, need - len(shared))
                for i in shared[: need - take_fresh]:
                    used[i] += p
                for _ in range(take_fresh):
                    used.append(p)
                self._move(n, whole, whole - take_fresh)
                self.free_whole[n] = whole - take_fresh
                self.used[n] = used
                self._mark_partial(n)
        return record

    def _mark_partial(self, n: int) -> None:
        """`partial` holds the nodes with a shared device that still has room."""
        used = self.used[n]
        if used and min(used) < 1.0 - 1e-6:
            self.partial.add(n)
        else:
            self.partial.discard(n)

    def _undo(self, record: tuple) -> None:
        n, cpu, mem, whole, used = record
        self._move(n, self.free_whole[n], whole)
        self.free_cpu[n], self.free_mem[n], self.free_whole[n] = cpu, mem, whole
        self.used[n] = used
        self._mark_partial(n)

    # -- choosing nodes ---------------------------------------------------------------------

    def _nodes_of(self, groups: tuple[int, ...]) -> Iterable[int]:
        for gi in groups:
            g = self.groups[gi]
            yield from range(g.start, g.start + g.count)

    def _bucket_nodes(self, groups: tuple[int, ...], lowest: int, descending: bool) -> Iterable[int]:
        top = max((self.groups[gi].gpus for gi in groups), default=0)
        ks = range(top, lowest - 1, -1) if descending else range(lowest, top + 1)
        for k in ks:
            for gi in groups:
                b = self.buckets[gi]
                if k < len(b) and b[k]:
                    bucket = b[k]
                    first = min(bucket)
                    yield first
                    if len(bucket) > 1:
                        for n in sorted(bucket):
                            if n != first:
                                yield n

    def _pick(self, d: Demand, groups: tuple[int, ...], portions: list) -> int | None:
        if d.devices <= 0:
            best, best_key = None, None
            for n in self._nodes_of(groups):
                if self._fits(n, d, None):
                    key = -self.free_cpu[n] if self.spread else self.free_cpu[n]
                    if best is None or key < best_key - EPS:
                        best, best_key = n, key
            return best
        group_of = self.group_of
        if d.whole:
            for n in self._bucket_nodes(groups, d.devices, self.spread):
                if self._fits(n, d, None):
                    return n
            return None
        allowed = set(groups)
        shared = [n for n in sorted(self.partial) if group_of[n] in allowed]
        fresh = self._bucket_nodes(groups, 1, self.spread)
        order = (fresh, shared) if self.spread else (shared, fresh)
        for seq in order:
            for n in seq:
                if self._fits(n, d, portions[group_of[n]]):
                    return n
        return None

    def _might_fit(self, d: Demand, groups: tuple[int, ...]) -> bool:
        """A cheap necessary condition, so that a full pool refuses a gang at once."""
        if d.devices <= 0:
            return True
        if d.whole:
            cap = 0
            for gi in groups:
                b = self.buckets[gi]
                for k in range(d.devices, len(b)):
                    cap += len(b[k]) * (k // d.devices)
            return cap >= d.replicas
        allowed = set(groups)
        if any(self.group_of[n] in allowed for n in self.partial):
            return True
        return any(self.buckets[gi][k] for gi in groups for k in range(1, len(self.buckets[gi])))

    def place(self, d: Demand) -> dict[str, int] | None:
        """Place the whole gang or nothing; returns pods per node."""
        groups, _ = self.eligible(d)
        if not groups or not self._might_fit(d, groups):
            return None
        portions = self._portions(d)
        log = []
        counts: dict[int, int] = {}
        for _ in range(d.replicas):
            n = self._pick(d, groups, portions)
            if n is None:
                for record in reversed(log):
                    self._undo(record)
                return None
            log.append(self._commit(n, d, portions[self.group_of[n]]))
            counts[n] = counts.get(n, 0) + 1
        return {self.names[n]: c for n, c in sorted(counts.items())}

    # -- explaining -------------------------------------------------------------------------

    def _room(self, n: int, d: Demand, p: float | None) -> tuple[float, float, float]:
        """Pods of this shape that would fit on node n now: by GPU, by CPU, by memory."""
        if d.devices <= 0:
            gf = INF
        elif p is None:
            gf = self.free_whole[n] // d.devices
        else:
            slots = self.free_whole[n] * math.floor(1.0 / p + EPS)
            for u in self.used[n] or ():
                slots += math.floor((1.0 - u) / p + EPS)
            gf = slots // d.devices
        cf = math.floor((self.free_cpu[n] + EPS) / d.cpu) if d.cpu > 0 else INF
        mf = self.free_mem[n] // d.memory if d.memory > 0 else INF
        return gf, cf, mf

    def explain(self, d: Demand) -> str:
        """Why the gang does not fit in this pool now (the state is unchanged by a failure)."""
        if not any(g.count for g in self.groups):
            return "the pool has no nodes"
        groups, why = self.eligible(d)
        if not groups:
            return why
        gs = [self.groups[gi] for gi in groups]
        most_gpus = max(g.gpus for g in gs)
        if d.devices > most_gpus:
            return f"no node has {_plural(d.devices, 'GPU')}" + (f" (at most {most_gpus})" if most_gpus else "")
        if d.cpu > max(g.cpu for g in gs) + EPS:
            return f"no node has {fmt_num(d.cpu)} CPU (at most {fmt_num(max(g.cpu for g in gs))})"
        if d.memory > max(g.memory for g in gs):
            return f"no node has {fmt_mem(d.memory)} memory (at most {fmt_mem(max(g.memory for g in gs))})"
        r = d.replicas
        if d.devices > 0:
            text = f"needs {r} pod{'s' if r != 1 else ''} × {gpu_shape(d, self.gpu_memory)}"
            gpu, nodes_with, free_gpus = self._gpu_room(d, groups)
            if gpu < r:  # GPUs bind: counted from the buckets, without visiting every node
                if d.whole and d.devices > 1:
                    return (f"{text}, {nodes_with} node{'s have' if nodes_with != 1 else ' has'} "
                            f"{d.devices} free GPUs")
                if d.whole:
                    return f"{text}, {free_gpus} free GPU{'s' if free_gpus != 1 else ''}"
                return f"{text}, room for {fmt_num(gpu)} such pod{'s' if gpu != 1 else ''} on free or shared GPUs"
        else:
            text = f"needs {r} pod{'s' if r != 1 else ''} × {fmt_num(d.cpu)} CPU, {fmt_mem(d.memory)} memory"
        portions = self._portions(d)
        cpu = mem = both = 0.0
        for n in self._nodes_of(groups):
            gf, cf, mf = self._room(n, d, portions[self.group_of[n]])
            cpu += cf
            mem += mf
            both += min(gf, cf, mf)
        parts = []
        if cpu < r:
            parts.append(f"CPU left for {fmt_num(cpu)} pod{'s' if cpu != 1 else ''}")
        if mem < r:
            parts.append(f"memory left for {fmt_num(mem)} pod{'s' if mem != 1 else ''}")
        if not parts:
            parts.append(f"room for {fmt_num(both)} pod{'s' if both != 1 else ''} once GPUs, CPU and memory "
                         f"are taken together")
        return text + ", " + ", ".join(parts)

    def _gpu_room(self, d: Demand, groups: tuple[int, ...]) -> tuple[float, int, int]:
        """Pods of this GPU shape the free devices could take (ignoring CPU and memory), nodes
        with enough free whole devices, and free whole devices: from the buckets."""
        room = 0.0
        nodes_with = free = 0
        portions = self._portions(d)
        for gi in groups:
            b = self.buckets[gi]
            p = portions[gi]
            per_device = 1 if p is None else math.floor(1.0 / p + EPS)
            slots = 0
            for k in range(1, len(b)):
                size = len(b[k])
                if not size:
                    continue
                free += k * size
                if p is None:
                    room += size * (k // d.devices)
                    if k >= d.devices:
                        nodes_with += size
                else:
                    slots += k * size * per_device
            if p is not None:
                for n in self.partial:
                    if self.group_of[n] == gi:
                        slots += sum(math.floor((1.0 - u) / p + EPS) for u in self.used[n] or ())
                room += slots // d.devices
        return room, nodes_with, free

    def max_pods_empty(self, d: Demand) -> float:
        """Most pods of this shape the pool could ever hold (all nodes empty)."""
        groups, _ = self.eligible(d)
        total = 0.0
        for gi in groups:
            g = self.groups[gi]
            if d.devices <= 0:
                gf = INF
            elif d.devices > g.gpus:
                gf = 0
            elif d.whole:
                gf = g.gpus // d.devices
            else:
                gf = (g.gpus * math.floor(1.0 / d.portion_of(g.gpu_memory) + EPS)) // d.devices
            cf = math.floor((g.cpu + EPS) / d.cpu) if d.cpu > 0 else INF
            mf = g.memory // d.memory if d.memory > 0 else INF
            per = min(gf, cf, mf)
            if per == INF:
                return INF
            total += per * g.count
        return total


class Simulator:
    """Node pools of every cluster, filled gang by gang."""

    def __init__(self, clusters: dict[str, object]) -> None:
        self.clusters = clusters  # cluster name -> ClusterSpec
        self._pools: dict[str, dict[str, PoolState]] = {}

    def pools(self, cluster: str) -> dict[str, PoolState]:
        states = self._pools.get(cluster)
        if states is None:
            spec = self.clusters.get(cluster)
            states = {} if spec is None else {
                name: PoolState(pool, spec) for name, pool in derived.cluster_pools(spec).items()}
            self._pools[cluster] = states
        return states

    def pool(self, cluster: str, name: str) -> PoolState | None:
        return self.pools(cluster).get(name)

    def place(self, d: Demand, explain: bool = True) -> tuple[str | None, dict[str, int], list[tuple[str, str]]]:
        """(pool, pods per node, []) when placed; (None, {}, reasons per pool) when not
        (reasons are left empty when `explain` is false)."""
        if d.replicas <= 0:
            return None, {}, []
        states = self.pools(d.cluster)
        for name in d.pools:
            state = states.get(name)
            if state is not None:
                nodes = state.place(d)
                if nodes is not None:
                    return name, nodes, []
        if not explain:
            return None, {}, []
        reasons = []
        for name in d.pools:
            state = states.get(name)
            reasons.append((name, state.explain(d) if state is not None else REPORTED_ELSEWHERE[0]))
        return None, {}, reasons

    def first_pool(self, d: Demand) -> str | None:
        """The first candidate pool that exists (quota is charged there when nothing fits)."""
        states = self.pools(d.cluster)
        return next((p for p in d.pools if p in states), None)


@dataclass
class Placement:
    demands: dict[str, Demand] = field(default_factory=dict)
    pool: dict[str, str | None] = field(default_factory=dict)  # key -> pool holding the gang
    nodes: dict[str, dict[str, int]] = field(default_factory=dict)  # key -> {node: pods}
    failures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # key -> [(pool, reason)]
    simulator: Simulator | None = None

    def pool_for(self, key: str) -> str | None:
        """Where the revision is (or would be) charged: its pool, else its first existing candidate."""
        placed = self.pool.get(key)
        if placed:
            return placed
        d = self.demands.get(key)
        if d is None or self.simulator is None:
            return None
        return self.simulator.first_pool(d)

    def gpu_memory(self, cluster: str, pool: str) -> int:
        state = self.simulator.pool(cluster, pool) if self.simulator else None
        return state.gpu_memory if state else 0


def clusters_of(workloads) -> dict[str, object]:
    out = {}
    for w in workloads:
        out.setdefault(w.cluster.name, w.cluster.obj.spec)
    return out


def simulate_demands(clusters: dict[str, object], demands: Iterable[Demand]) -> Placement:
    """Place every demand's gang, in scheduling order."""
    sim = Simulator(clusters)
    out = Placement(simulator=sim)
    for d in sorted(demands, key=Demand.sort_key):
        out.demands[d.key] = d
        pool, nodes, reasons = sim.place(d)
        out.pool[d.key] = pool
        if nodes:
            out.nodes[d.key] = nodes
        if reasons:
            out.failures[d.key] = reasons
    return out


def simulate(workloads) -> Placement:
    """Minimum replicas of every workload placed at once, one gang per revision."""
    return simulate_demands(clusters_of(workloads), [facts_of(w).demand for w in workloads])


def placement_for(workloads, ctx: CheckContext) -> Placement:
    """One simulation per check run, shared by the quota, capacity and rolling-update rules."""
    if ctx.placement is None:
        ctx.placement = simulate(workloads)
    return ctx.placement


# --- locations and rules ----------------------------------------------------------------------

_COMPUTE_FIELD = {"gpu": ("gpuDevicesRequest", "gpuPortionRequest", "gpuMemoryRequest"),
                  "cpu": ("cpuCoreRequest",), "memory": ("cpuMemoryRequest",)}


def demand_location(w, resource: str = "gpu") -> Location:
    """minReplicas when the user set it, else the compute request of the resource."""
    path = ("autoscaling", "minReplicas")
    if path in w.provenance and not w.provenance[path].file.startswith("<"):
        return w.provenance[path]
    for name in _COMPUTE_FIELD.get(resource, ()):
        if ("compute", name) in w.provenance:
            return w.provenance[("compute", name)]
    return w.loc("compute")


CAPACITY_HINT = ("the revision's minimum replicas are scheduled as one gang (all or none): lower minReplicas "
                 "or the per-replica request, add a node pool to nodePools, or free capacity in these pools")


@repository_rule
def capacity(workloads, ctx: CheckContext) -> list[Diagnostic]:
    placement = placement_for(workloads, ctx)
    out: list[Diagnostic] = []
    for w in workloads:
        d = placement.demands.get(w.key)
        if d is None:
            continue
        reasons = placement.failures.get(w.key)
        if reasons and not all(why.startswith(REPORTED_ELSEWHERE) for _, why in reasons):
            pool_list = ", ".join(d.pools)
            mem = placement.gpu_memory(d.cluster, placement.pool_for(w.key) or "")
            out.append(Diagnostic(
                "IC405",
                f"{w.key}: {d.replicas} replica{'s' if d.replicas != 1 else ''} (pod: {pod_shape(d, mem)}) "
                f"cannot be placed in node pool{'s' if len(d.pools) != 1 else ''} {pool_list} — "
                + "; ".join(f"{pool}: {why}" for pool, why in reasons),
                demand_location(w), hint=CAPACITY_HINT, subject=w.key))
        out.extend(_never_reached(w, d, placement))
    return out


def _never_reached(w, d: Demand, placement: Placement) -> list[Diagnostic]:
    if d.max_replicas <= d.replicas:
        return []  # nothing above the gang: IC405 covers it
    sim = placement.simulator
    assert sim is not None
    states = sim.pools(d.cluster)
    known = [(p, states[p]) for p in d.pools if p in states]
    if not known:
        return []
    most = [(p, s.max_pods_empty(d)) for p, s in known]
    best = max(n for _, n in most)
    if best >= d.max_replicas:
        return []
    if d.replicas > best:
        return []  # the minimum does not fit either: IC405 says so
    per_pool = ", ".join(f"{p}: {fmt_num(n)}" for p, n in most)
    path = ("autoscaling", "maxReplicas")
    loc = w.provenance.get(path) or w.loc(*path)
    return [Diagnostic(
        "IC407",
        f"{w.key}: maxReplicas {d.max_replicas} can never be reached: at most {fmt_num(best)} pod"
        f"{'s' if best != 1 else ''} of {gpu_shape(d, known[0][1].gpu_memory)}, {fmt_num(d.cpu)} CPU, "
        f"{fmt_mem(d.memory)} memory fit even on empty node pools ({per_pool})",
        loc, hint="lower maxReplicas, or add nodes or node pools that can take more replicas",
        subject=w.key)]
