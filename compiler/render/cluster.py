"""Cluster-scoped objects: KAI queues per department/project and node pool, PriorityClasses, namespaces."""

from __future__ import annotations

from compiler.render.engine import Renderer
from compiler.render.workload import MANAGED_BY, Rendered, queue_name
from compiler.resolve import derived
from compiler.spec import quantities as q

PRIORITY_DESCRIPTIONS = {
    "very-low": "Run:ai priority very-low", "low": "Run:ai priority low",
    "medium-low": "Run:ai priority medium-low", "medium": "Run:ai priority medium",
    "medium-high": "Run:ai priority medium-high", "high": "Run:ai priority high (build)",
    "very-high": "Run:ai priority very-high (inference default)",
}


def _amount(value, unit: str) -> float | int:
    """Queue units: GPUs (fractions allowed), CPU millicores, memory megabytes (10^6)."""
    if value is None:
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return -1
    if unit == "gpu":
        return float(value) if not float(value).is_integer() else int(float(value))
    if unit == "cpu":
        return int(round(q.cores_of(value) * 1000))
    return int(q.bytes_of(value) // 10**6)


def _queue_resources(entry) -> dict:
    out = {}
    for unit in ("gpu", "cpu", "memory"):
        quota = getattr(entry, unit) if entry else None
        out[unit] = {
            "quota": _amount(quota.deserved if quota else 0, unit),
            "limit": _amount(quota.limit, unit) if quota and quota.limit is not None else -1,
            "overQuotaWeight": (quota.overQuotaWeight if quota and quota.overQuotaWeight is not None else 1),
        }
    return out


def render_cluster(cluster, departments, projects, renderer: Renderer) -> list[Rendered]:
    """Objects for one cluster. `departments`/`projects` are the Parsed objects on that cluster."""
    spec = cluster.obj.spec
    out: list[Rendered] = []
    labels = {**MANAGED_BY, "infc/cluster": cluster.name}
    pools = sorted(derived.cluster_pools(spec))
    if spec.scheduler == "kai":
        for owner, parent_of, kind in ([(d, None, "department") for d in departments]
                                       + [(p, p.obj.spec.department, "project") for p in projects]):
            entries = {r.nodePool: r for r in owner.obj.spec.resources}
            for pool in pools:
                name = queue_name(owner.name, pool)
                parent = queue_name(parent_of, pool) if parent_of else None
                out.append(Rendered(f"queue-{name}.yaml", renderer.render(
                    "queue.yaml.j2", name=name, parent=parent,
                    labels={**labels, f"infc/{kind}": owner.name, "infc/node-pool": pool},
                    resources=_queue_resources(entries.get(pool)))))
    for name, value in sorted(derived.PRIORITY_VALUES.items(), key=lambda kv: kv[1]):
        if name in PRIORITY_DESCRIPTIONS:
            out.append(Rendered(f"priorityclass-{name}.yaml", renderer.render(
                "priorityclass.yaml.j2", name=name, value=value, labels=labels,
                description=PRIORITY_DESCRIPTIONS[name])))
    for p in projects:
        ns_labels = {**labels, "infc/project": p.name}
        if spec.scheduler == "kai":
            ns_labels["kai/project"] = p.name
        out.append(Rendered(f"namespace-{p.obj.namespace}.yaml", renderer.render(
            "namespace.yaml.j2", name=p.obj.namespace, labels=ns_labels)))
    return out
