"""What one revision of a workload needs from the cluster, in one flat record.

`Demand` is what the quota ledger and the placement simulation work on: one gang of
`replicas` identical pods (the revision's minimum replicas, KAI's PodGroup minMember),
each asking for GPU devices (whole or a fraction of each device), CPU cores (the
container's request plus Knative's queue-proxy sidecar) and memory.

`footprint_of(demand)` is the same, as plain JSON-serialisable data, recorded per workload in the
lock file so that the next run knows what the running (old) revision holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler.resolve import derived

# Smallest GPU portion the simulation accepts, so that a zero or negative portion
# (reported elsewhere as IC202) cannot divide by zero.
MIN_PORTION = 0.001


@dataclass(slots=True)
class Demand:
    key: str  # "<project>/<workload>"
    lock_key: str  # "<namespace>/<workload>"
    cluster: str
    project: str
    department: str | None
    pools: tuple[str, ...]  # candidate node pools, in order
    replicas: int  # minimum replicas: the gang
    max_replicas: int
    devices: int  # GPU devices per pod (0: CPU only)
    portion: float | None  # portion of each device; None: whole devices or a memory request
    gpu_memory: int | None  # GPU memory per device (memory request type), bytes
    cpu: float  # cores per pod, queue-proxy included
    memory: int  # bytes per pod
    priority: int
    preemptible: bool
    node_type: str | None = None
    # nodeAffinityRequired: a tuple of terms (ORed), each a tuple of (key, operator, values).
    affinity: tuple = ()
    # tolerations: tuples (operator, key, value, effect).
    tolerations: tuple = ()

    @property
    def whole(self) -> bool:
        return self.devices > 0 and self.portion is None and self.gpu_memory is None

    @property
    def selector(self) -> tuple:
        """What decides which nodes may take the pods (hashable, for caching)."""
        return (self.node_type, self.affinity, self.tolerations)

    def portion_of(self, device_memory: int) -> float:
        """Portion of one device per pod and device; memory requests use `device_memory`."""
        if self.devices <= 0:
            return 0.0
        if self.portion is not None:
            return min(1.0, max(MIN_PORTION, self.portion))
        if self.gpu_memory is not None:
            if not device_memory:
                return 1.0
            return min(1.0, max(MIN_PORTION, self.gpu_memory / device_memory))
        return 1.0

    def gpus_per_pod(self, device_memory: int) -> float:
        return self.devices * self.portion_of(device_memory)

    def sort_key(self) -> tuple:
        """Scheduling order: priority first (highest first), then the key."""
        return (-self.priority, self.key)


def demand(w) -> Demand:
    """The demand of an effective workload's (new) revision."""
    spec = w.spec
    reps = derived.replicas(spec)
    gpu = derived.gpu_request(spec)
    cluster_spec = w.cluster.obj.spec
    # Knative's queue-proxy sidecar request (config-deployment default 25m) counts against quota.
    sidecar = cluster_spec.knative.queueSidecarCpuRequest
    portion = gpu.portion if gpu.devices and gpu.portion is not None and gpu.portion < 1 else None
    memory = gpu.memory_bytes if gpu.devices and portion is None else None
    return Demand(
        key=w.key,
        lock_key=f"{w.namespace}/{w.name}",
        cluster=w.cluster.name,
        project=w.project.name,
        department=w.department.name if w.department else None,
        pools=tuple(derived.node_pools(spec, w.project.obj.spec)),
        replicas=max(0, reps.min),
        max_replicas=max(reps.max, reps.min),
        devices=max(0, gpu.devices),
        portion=portion,
        gpu_memory=memory,
        cpu=round(derived.cpu_cores(spec) + sidecar, 6),
        memory=derived.memory_bytes(spec),
        priority=derived.priority_value(spec),
        preemptible=derived.preemptible(spec),
        node_type=spec.nodeType,
        affinity=_affinity(spec),
        tolerations=_tolerations(spec),
    )


def footprint_of(d: Demand, pool: str | None = None) -> dict:
    """What the revision needs, as JSON-serialisable data (recorded in the lock file).

    `pool` is the node pool the placement simulation put the revision in, when known."""
    out: dict[str, Any] = {
        "project": d.project,
        "pools": list(d.pools),
        "replicas": d.replicas,
        "gpu": {
            "devices": d.devices,
            "portion": (d.portion if d.portion is not None else (1.0 if d.gpu_memory is None and d.devices else None)),
            "memory": d.gpu_memory,
        },
        "cpu": d.cpu,
        "memory": d.memory,
        "priority": d.priority,
        "preemptible": d.preemptible,
    }
    if pool is not None:
        out["pool"] = pool
    return out


def demand_from_footprint(fp: dict, like: Demand) -> Demand | None:
    """The demand of a revision recorded in the lock file; selectors are taken from `like`
    (the workload's current revision). None when the footprint is unreadable."""
    try:
        gpu = fp.get("gpu") or {}
        devices = int(gpu.get("devices") or 0)
        portion = gpu.get("portion")
        portion = float(portion) if portion is not None and float(portion) < 1 else None
        mem = gpu.get("memory")
        mem = int(mem) if mem is not None and portion is None and devices else None
        pools = tuple(str(p) for p in (fp.get("pools") or like.pools))
        if fp.get("pool"):
            pools = (str(fp["pool"]),) + tuple(p for p in pools if p != fp["pool"])
        return Demand(
            key=like.key, lock_key=like.lock_key, cluster=like.cluster,
            project=str(fp.get("project") or like.project), department=like.department,
            pools=pools, replicas=max(0, int(fp.get("replicas") or 0)), max_replicas=like.max_replicas,
            devices=devices, portion=portion, gpu_memory=mem,
            cpu=float(fp.get("cpu") or 0.0), memory=int(fp.get("memory") or 0),
            priority=int(fp.get("priority", like.priority)),
            preemptible=bool(fp.get("preemptible", like.preemptible)),
            node_type=like.node_type, affinity=like.affinity, tolerations=like.tolerations,
        )
    except (TypeError, ValueError, AttributeError, OverflowError):  # a lock file edited by hand
        return None


def _affinity(spec) -> tuple:
    na = spec.nodeAffinityRequired
    if not na or not na.nodeSelectorTerms:
        return ()
    terms = []
    for term in na.nodeSelectorTerms:
        terms.append(tuple((e.key, e.operator, tuple(e.values or ())) for e in term.matchExpressions))
    return tuple(terms)


def _tolerations(spec) -> tuple:
    out = []
    for t in spec.tolerations or ():
        if getattr(t, "exclude", False):
            continue
        out.append((t.operator or "Equal", t.key or "", t.value or "", t.effect or ""))
    return tuple(sorted(out))
