"""Warnings that never reject (knative-rules.md §12): insecure container securityContext defaults."""

from __future__ import annotations

from compiler.validate.paths import JsonPath


def check_security_defaults(ctx, spec: JsonPath, containers: list) -> None:
    if ctx.features.state("secure-pod-defaults") in ("enabled", "allowrootbounded"):
        return
    pod = ctx.get(spec + ("securityContext",))
    pod = pod if isinstance(pod, dict) else {}
    for i, container in enumerate(containers):
        if not isinstance(container, dict):
            continue
        spath = spec + ("containers", i, "securityContext")
        sc = container.get("securityContext")
        sc = sc if isinstance(sc, dict) else {}
        insecure = []
        if sc.get("runAsNonRoot") is None and pod.get("runAsNonRoot") is None:
            insecure.append("runAsNonRoot")
        if sc.get("allowPrivilegeEscalation") is None:
            insecure.append("allowPrivilegeEscalation")
        if sc.get("seccompProfile") is None and pod.get("seccompProfile") is None:
            insecure.append("seccompProfile")
        caps = sc.get("capabilities")
        if not isinstance(caps, dict):
            insecure.append("capabilities")
        elif "ALL" not in (caps.get("drop") or []):
            insecure.append("capabilities.drop")
        if insecure:
            where = spath if "securityContext" in container else spec + ("containers", i)
            fields = ", ".join(insecure)
            ctx.warning(where, "secure-defaults",
                        f"Kubernetes default value is insecure, Knative may default this to secure in a"
                        f" future release: {fields}",
                        "set runAsNonRoot: true, allowPrivilegeEscalation: false, seccompProfile.type:"
                        " RuntimeDefault and capabilities.drop: [ALL]")
