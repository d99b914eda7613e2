"""Values derived from an effective spec, in one place: defaults, replicas, GPU shape, priority.

Render, checks, quota and placement all read these, so that they agree on what a
workload asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from compiler.spec import quantities as q

# Run:ai's priority dictionary (research/runai.md §5.3) plus the legacy names.
PRIORITY_VALUES = {
    "very-low": 25, "low": 40, "medium-low": 65, "medium": 80, "medium-high": 90, "high": 125,
    "very-high": 150, "train": 50, "interactive-preemptible": 75, "build": 100, "inference": 125,
}
NON_PREEMPTIBLE_FROM = 100

SERVER_PORTS = {"vllm": 8000, "tgi": 8080}
DEFAULT_SERVER = "vllm"


@dataclass(frozen=True)
class Replicas:
    min: int
    max: int
    initial: int
    activation: int


@dataclass(frozen=True)
class GpuRequest:
    """What one pod asks for, per device."""

    devices: int  # GPU devices per pod (0 = CPU only)
    portion: float | None  # fraction of each device (portion request type), 1.0 = whole
    memory_bytes: int | None  # GPU memory per device (memory request type)

    @property
    def whole(self) -> bool:
        return self.devices > 0 and self.portion is None and self.memory_bytes is None

    @property
    def fractional(self) -> bool:
        return self.devices > 0 and not self.whole

    def portion_of(self, device_memory_bytes: int) -> float:
        """Fraction of one device, converting memory requests with the device's size."""
        if self.whole:
            return 1.0
        if self.portion is not None:
            return self.portion
        assert self.memory_bytes is not None
        return min(1.0, self.memory_bytes / device_memory_bytes) if device_memory_bytes else 1.0

    def gpus(self, device_memory_bytes: int) -> float:
        """GPU quota units one pod uses (devices x portion)."""
        return self.devices * self.portion_of(device_memory_bytes) if self.devices else 0.0


def server(spec) -> str:
    hf = spec.huggingFace
    return (hf.server if hf and hf.server else DEFAULT_SERVER)


def serving_port(spec) -> int:
    if spec.servingPort and spec.servingPort.container:
        return spec.servingPort.container
    return SERVER_PORTS[server(spec)]


def replicas(spec) -> Replicas:
    """Run:ai's defaults: max/initial/activation follow min, or 1 when min is 0."""
    a = spec.autoscaling
    minimum = a.minReplicas if a and a.minReplicas is not None else 1
    fallback = minimum if minimum > 0 else 1
    maximum = a.maxReplicas if a and a.maxReplicas is not None else max(fallback, 1)
    initial = a.initialReplicas if a and a.initialReplicas is not None else fallback
    activation = a.activationReplicas if a and a.activationReplicas is not None else fallback
    return Replicas(minimum, maximum, initial, activation)


def gpu_request(spec) -> GpuRequest:
    c = spec.compute
    if c is None:
        return GpuRequest(0, None, None)
    devices = c.gpuDevicesRequest or 0
    kind = c.gpuRequestType
    if kind is None:
        kind = "memory" if c.gpuMemoryRequest else ("portion" if c.gpuPortionRequest is not None else None)
    if devices == 0 and kind is not None:
        devices = 1  # a fraction without a device count means one device, as in Run:ai's form
    if kind == "portion" and c.gpuPortionRequest is not None and c.gpuPortionRequest < 1:
        return GpuRequest(devices, c.gpuPortionRequest, None)
    if kind == "memory" and c.gpuMemoryRequest:
        return GpuRequest(devices, None, q.bytes_of(c.gpuMemoryRequest))
    return GpuRequest(devices, None, None)


def cpu_cores(spec) -> float:
    c = spec.compute
    return c.cpuCoreRequest if c and c.cpuCoreRequest is not None else 0.0


def memory_bytes(spec) -> int:
    c = spec.compute
    return q.bytes_of(c.cpuMemoryRequest) if c and c.cpuMemoryRequest else 0


def priority_name(spec) -> str:
    return spec.priorityClass or "very-high"


def priority_value(spec) -> int:
    return PRIORITY_VALUES[priority_name(spec)]


def preemptible(spec) -> bool:
    """Explicit preemptibility wins; otherwise priority >= 100 means non-preemptible."""
    if spec.preemptibility:
        return spec.preemptibility == "preemptible"
    return priority_value(spec) < NON_PREEMPTIBLE_FROM


def node_pools(spec, project_spec) -> list[str]:
    """Pools in priority order: the workload's list, else the project's defaults, else `default`."""
    if spec.nodePools:
        return list(spec.nodePools)
    if project_spec.defaultNodePools:
        return list(project_spec.defaultNodePools)
    return ["default"]


def cluster_pools(cluster_spec) -> dict:
    """Node pools by name; the `default` pool always exists (possibly empty)."""
    pools = {p.name: p for p in cluster_spec.nodePools}
    if "default" not in pools:
        pools["default"] = _empty_default_pool()
    return pools


@lru_cache(maxsize=1)
def _empty_default_pool():
    from compiler.spec.kinds import NodePool

    # Built once (it is only read) and without its validator: a cached run validates nothing.
    return NodePool.model_construct(name="default")


def url_host_path(url: str) -> tuple[str, str]:
    """The Ingress host and path of an exposed URL as written (scheme and port dropped)."""
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    return host.split(":")[0], "/" + path
