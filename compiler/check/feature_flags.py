"""IC208: every Knative feature flag the rendered pod of a workload will need.

Knative's webhook refuses a Service whose PodSpec uses a gated field while the flag is
off (research/knative-rules.md §1, §6, §7, §9). Flags default as in Knative 1.23 and are
overridden by the Cluster's `spec.knative.features`. Field masks accept any value but
"disabled"; volume sources need exactly "enabled".

What the pod will carry, by workload setting:
- KAI scheduler: `schedulerName` and `priorityClassName`;
- a node pool other than `default` (the workload is pinned to one of its pools) or a node
  type: `nodeSelector`;
- `nodeAffinityRequired` or `podAffinity`: `affinity`;
- tolerations; pod-level `securityContext` (uid, gid, supplemental groups);
- added capabilities; PVCs (and writable PVCs); hostPath; emptyDir (also /dev/shm for
  `largeShmRequest` or more than one GPU); `podFieldRef` environment variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from compiler.check.common import items
from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic, Location
from compiler.resolve.derived import gpu_request, node_pools

# Knative's own defaults, shared with `infc validate` (one table for both).
from compiler.validate.features import DEFAULTS, DISABLED, ENABLED  # noqa: E402


def flag_state(cluster_spec, flag: str) -> str:
    value = cluster_spec.knative.features.get(flag)
    return str(value).lower() if value is not None else DEFAULTS.get(flag, DISABLED)


@dataclass(frozen=True)
class Need:
    flag: str
    what: str  # the pod field, in words
    why: str  # the workload setting behind it
    location: Location
    strict: bool = False  # volume sources: the flag must be exactly "enabled"


def needed_features(w) -> list[Need]:
    spec = w.spec
    cluster = w.cluster.obj.spec
    out: list[Need] = []
    if cluster.scheduler == "kai":
        where = w.cluster.doc.loc(("spec", "scheduler"))
        out.append(Need("kubernetes.podspec-schedulername", "schedulerName",
                        f"cluster '{w.cluster.name}' schedules with KAI", where))
        out.append(Need("kubernetes.podspec-priorityclassname", "priorityClassName",
                        f"priority '{spec.priorityClass or 'very-high'}' on the KAI scheduler",
                        w.loc("priorityClass")))
    pools = node_pools(spec, w.project.obj.spec)
    pools_loc = w.loc("nodePools") if spec.nodePools else w.project.doc.loc(("spec", "defaultNodePools"))
    if spec.nodeType:
        out.append(Need("kubernetes.podspec-nodeselector", "nodeSelector", f"nodeType '{spec.nodeType}'",
                        w.loc("nodeType")))
    if any(p != "default" for p in pools):
        named = ", ".join(p for p in pools if p != "default")
        out.append(Need("kubernetes.podspec-nodeselector", "nodeSelector", f"node pool {named}", pools_loc))
    if spec.nodeAffinityRequired:
        out.append(Need("kubernetes.podspec-affinity", "affinity", "nodeAffinityRequired",
                        w.loc("nodeAffinityRequired")))
    if spec.podAffinity:
        out.append(Need("kubernetes.podspec-affinity", "affinity", "podAffinity", w.loc("podAffinity")))
    for i, _ in items(spec.tolerations):
        out.append(Need("kubernetes.podspec-tolerations", "tolerations", "tolerations", w.loc("tolerations", i)))
        break
    sec = spec.security
    if sec:
        for field in ("runAsUid", "runAsGid", "supplementalGroups"):
            if getattr(sec, field) is not None:
                out.append(Need("kubernetes.podspec-securitycontext", "pod securityContext",
                                f"security.{field}", w.loc("security", field)))
                break
        if sec.capabilities:
            out.append(Need("kubernetes.containerspec-addcapabilities", "securityContext.capabilities.add",
                            f"security.capabilities {', '.join(sec.capabilities)}", w.loc("security", "capabilities")))
    storage = spec.storage
    if storage:
        for i, pvc in items(storage.pvc):
            out.append(Need("kubernetes.podspec-persistent-volume-claim", "persistentVolumeClaim volume",
                            f"PVC '{pvc.name}'", w.loc("storage", "pvc", i), strict=True))
            if not pvc.readOnly:
                out.append(Need("kubernetes.podspec-persistent-volume-write", "writable persistentVolumeClaim",
                                f"PVC '{pvc.name}' (not readOnly)", w.loc("storage", "pvc", i), strict=True))
        for i, hp in items(storage.hostPath):
            out.append(Need("kubernetes.podspec-volumes-hostpath", "hostPath volume", f"hostPath '{hp.name}'",
                            w.loc("storage", "hostPath", i), strict=True))
        for i, ed in items(storage.emptyDirVolume):
            out.append(Need("kubernetes.podspec-volumes-emptydir", "emptyDir volume", f"emptyDir '{ed.name}'",
                            w.loc("storage", "emptyDirVolume", i), strict=True))
    gr = gpu_request(spec)
    large_shm = bool(spec.compute and spec.compute.largeShmRequest)
    if large_shm or gr.devices > 1:
        why = "largeShmRequest" if large_shm else f"{gr.devices} GPU devices"
        where = w.loc("compute", "largeShmRequest") if large_shm else w.loc("compute", "gpuDevicesRequest")
        out.append(Need("kubernetes.podspec-volumes-emptydir", "emptyDir volume for /dev/shm", why, where,
                        strict=True))
    for i, env in items(spec.environmentVariables):
        if env.podFieldRef is not None:
            out.append(Need("kubernetes.podspec-fieldref", "env valueFrom.fieldRef",
                            f"environment variable '{env.name}' (podFieldRef)",
                            w.loc("environmentVariables", i, "podFieldRef")))
    return out


def _satisfied(cluster_spec, need: Need) -> bool:
    state = flag_state(cluster_spec, need.flag)
    return state == ENABLED if need.strict else state != DISABLED


@workload_rule
def knative_feature_flags(w, ctx) -> Iterable[Diagnostic]:
    cluster = w.cluster.obj.spec
    reported: set[tuple[str, str]] = set()
    for need in needed_features(w):
        if _satisfied(cluster, need) or (need.flag, need.why) in reported:
            continue
        reported.add((need.flag, need.why))
        state = flag_state(cluster, need.flag)
        explicit = need.flag in cluster.knative.features
        state_text = f"'{state}'" + ("" if explicit else " by default")
        required = "must be 'enabled'" if need.strict else "must not be 'disabled'"
        yield Diagnostic(
            "IC208",
            f"{need.why} needs {need.what} in the pod, but Knative feature flag '{need.flag}' is"
            f" {state_text} on cluster '{w.cluster.name}'",
            need.location,
            hint=f"set '{need.flag}: enabled' in Knative's config-features ConfigMap and in the Cluster's"
                 f" spec.knative.features ({required}), or remove {need.why}",
            related=(w.cluster.doc.loc(("spec", "knative")),))
