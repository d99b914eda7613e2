"""Project namespaces: each project its own (IC004), none of the platform's (IC201).

The namespace holds a project's workloads, and infc writes its Namespace object (with the
project's queue label) and one directory of manifests per namespace, which Argo CD or Flux
own and prune. Two projects in one namespace would overwrite each other's; a project in
kube-system or in the serving stack's own namespace would let a pull request deploy where
the platform runs.
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.registry import repository_rule
from compiler.diagnostics import Diagnostic

# Whose namespaces these are: Kubernetes' own and those of the stack infc deploys onto.
RESERVED_PREFIXES = {"kube-": "Kubernetes", "knative-": "Knative"}
RESERVED = {"default": "Kubernetes", "istio-system": "Istio", "runai": "Run:ai", "runai-backend": "Run:ai",
            "runai-reservation": "Run:ai", "kai-scheduler": "the KAI Scheduler", "argocd": "Argo CD",
            "flux-system": "Flux", "gpu-operator": "the NVIDIA GPU Operator"}


def reserved_by(namespace: str) -> str | None:
    """Who a namespace belongs to, if the platform reserves it."""
    if namespace in RESERVED:
        return RESERVED[namespace]
    return next((who for prefix, who in RESERVED_PREFIXES.items() if namespace.startswith(prefix)), None)


@repository_rule
def project_namespaces(workloads, ctx) -> Iterable[Diagnostic]:
    first: dict[tuple[str, str], object] = {}  # (cluster, namespace) -> the project that has it
    for name, project in sorted(ctx.repo.projects.items()):
        spec = project.obj.spec
        namespace = project.obj.namespace
        # The default namespace (runai-<name>) is the project name's doing.
        where = project.doc.loc(("spec", "namespace")) if spec.namespace else project.name_loc()
        usual = f"runai-{name}"
        own = usual if usual != namespace and not reserved_by(usual) else f"team-{name}"
        owner = reserved_by(namespace)
        if owner:
            yield Diagnostic("IC201", f"project '{name}' would deploy into namespace '{namespace}', which "
                                      f"belongs to {owner}", where,
                             hint=f"give the project a namespace of its own: spec.namespace: {own}")
        other = first.setdefault((spec.cluster, namespace), project)
        if other is not project:
            yield Diagnostic("IC004", f"project '{name}' shares namespace '{namespace}' with project "
                                      f"'{other.obj.metadata.name}'", where,
                             hint=f"one namespace per project (Run:ai ties quota and queue to it, and infc "
                                  f"writes one Namespace object and directory for it): spec.namespace: {own}",
                             related=(other.name_loc(),))
