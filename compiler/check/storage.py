"""IC207: data sources an inference workload cannot use.

Run:ai does not support S3 for inference, nor ephemeral PVCs; Knative's PodSpec has no
nfs or git volumes and no volumeDevices (so no Block-mode claims).
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.common import items
from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic

_UNSUPPORTED = {
    "s3": ("S3 data source '{name}' is not supported for inference workloads",
           "copy the model to a PVC (DataSource pvc) and use it as huggingFace.modelStore, or let the"
           " server download from Hugging Face"),
    "nfs": ("NFS data source '{name}' cannot be mounted: Knative accepts no nfs volumes",
            "expose the NFS share through a PersistentVolume and a PVC, and use a pvc data source"),
    "git": ("git data source '{name}' cannot be mounted: Knative accepts no git volumes",
            "bake the files into the image, or copy them to a PVC or ConfigMap"),
}


@workload_rule
def unsupported_data_sources(w, ctx) -> Iterable[Diagnostic]:
    storage = w.spec.storage
    if storage is None:
        return
    for list_name, (message, hint) in _UNSUPPORTED.items():
        for i, item in items(getattr(storage, list_name)):
            yield Diagnostic("IC207", message.format(name=item.name), w.loc("storage", list_name, i),
                             hint=hint)
    for i, pvc in items(storage.pvc):
        if pvc.ephemeral:
            yield Diagnostic(
                "IC207", f"PVC '{pvc.name}' is ephemeral: ephemeral volumes are not supported for inference",
                w.loc("storage", "pvc", i, "ephemeral"),
                hint="use an existing or infc-created claim (ephemeral: false), or an emptyDir volume for"
                     " scratch space")
        if pvc.claimInfo and pvc.claimInfo.volumeMode == "Block":
            yield Diagnostic(
                "IC207", f"PVC '{pvc.name}' has volumeMode Block: Knative mounts filesystems only",
                w.loc("storage", "pvc", i, "claimInfo", "volumeMode"),
                hint="use volumeMode: Filesystem")
