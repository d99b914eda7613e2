"""Knative config-features flags: their defaults (Knative 1.23) and how a field consults them.

Field masks treat any value but "disabled" as allowing a field; the volume-source checks
require exactly "enabled" (so "allowed" is not enough for PVC, hostPath, CSI... volumes).
"""

from __future__ import annotations

ENABLED, DISABLED, ALLOWED = "enabled", "disabled", "allowed"

DEFAULTS: dict[str, str] = {
    "multi-container": ENABLED,
    "multi-container-probing": DISABLED,
    "kubernetes.podspec-volumes-emptydir": ENABLED,
    "kubernetes.podspec-persistent-volume-claim": DISABLED,
    "kubernetes.podspec-persistent-volume-write": DISABLED,
    "kubernetes.podspec-volumes-hostpath": DISABLED,
    "kubernetes.podspec-volumes-csi": DISABLED,
    "kubernetes.podspec-volumes-ephemeral": DISABLED,
    "kubernetes.podspec-volumes-image": DISABLED,
    "kubernetes.podspec-volumes-mount-propagation": DISABLED,
    "kubernetes.podspec-init-containers": DISABLED,
    "kubernetes.podspec-affinity": DISABLED,
    "kubernetes.podspec-topologyspreadconstraints": DISABLED,
    "kubernetes.podspec-nodeselector": DISABLED,
    "kubernetes.podspec-tolerations": DISABLED,
    "kubernetes.podspec-runtimeclassname": DISABLED,
    "kubernetes.podspec-securitycontext": DISABLED,
    "kubernetes.podspec-priorityclassname": DISABLED,
    "kubernetes.podspec-schedulername": DISABLED,
    "kubernetes.podspec-hostaliases": DISABLED,
    "kubernetes.podspec-dnspolicy": DISABLED,
    "kubernetes.podspec-dnsconfig": DISABLED,
    "kubernetes.podspec-shareprocessnamespace": DISABLED,
    "kubernetes.podspec-hostipc": DISABLED,
    "kubernetes.podspec-hostpid": DISABLED,
    "kubernetes.podspec-hostnetwork": DISABLED,
    "kubernetes.podspec-fieldref": DISABLED,
    "kubernetes.containerspec-addcapabilities": DISABLED,
    "secure-pod-defaults": DISABLED,
}

# PodSpec field -> the flag that allows it.
POD_SPEC_FLAGS: dict[str, str] = {
    "affinity": "kubernetes.podspec-affinity",
    "topologySpreadConstraints": "kubernetes.podspec-topologyspreadconstraints",
    "hostAliases": "kubernetes.podspec-hostaliases",
    "nodeSelector": "kubernetes.podspec-nodeselector",
    "runtimeClassName": "kubernetes.podspec-runtimeclassname",
    "tolerations": "kubernetes.podspec-tolerations",
    "securityContext": "kubernetes.podspec-securitycontext",
    "shareProcessNamespace": "kubernetes.podspec-shareprocessnamespace",
    "priorityClassName": "kubernetes.podspec-priorityclassname",
    "schedulerName": "kubernetes.podspec-schedulername",
    "initContainers": "kubernetes.podspec-init-containers",
    "dnsPolicy": "kubernetes.podspec-dnspolicy",
    "dnsConfig": "kubernetes.podspec-dnsconfig",
    "hostIPC": "kubernetes.podspec-hostipc",
    "hostPID": "kubernetes.podspec-hostpid",
    "hostNetwork": "kubernetes.podspec-hostnetwork",
}

# Volume source -> the flag that must be "enabled" for it (absent: always allowed).
VOLUME_SOURCE_FLAGS: dict[str, str] = {
    "emptyDir": "kubernetes.podspec-volumes-emptydir",
    "persistentVolumeClaim": "kubernetes.podspec-persistent-volume-claim",
    "hostPath": "kubernetes.podspec-volumes-hostpath",
    "csi": "kubernetes.podspec-volumes-csi",
    "ephemeral": "kubernetes.podspec-volumes-ephemeral",
    "image": "kubernetes.podspec-volumes-image",
}


class Features:
    def __init__(self, overrides: dict[str, str] | None = None):
        self.values = dict(DEFAULTS)
        for key, value in (overrides or {}).items():
            self.values[key] = str(value).strip().lower()

    def state(self, flag: str) -> str:
        return self.values.get(flag, DISABLED)

    def allows(self, flag: str) -> bool:
        """Field-mask semantics: anything but disabled."""
        return self.state(flag) != DISABLED

    def enabled(self, flag: str) -> bool:
        return self.state(flag) == ENABLED


def flag_hint(flag: str, value: str = ENABLED) -> str:
    return (f"set the Knative feature flag '{flag}: {value}' (ConfigMap config-features, or the"
            f" Cluster's spec.knative.features), or remove the field")
