"""IC202 / IC203: GPU requests Run:ai's form would refuse, or the cluster cannot honour.

- portion in (0, 1] per device; `memory` requests only with one device;
- the request type needs its value (portion -> gpuPortionRequest, memory -> gpuMemoryRequest);
- limits >= requests, and limits only with the cluster's `gpuLimits` setting;
- fractions only with `scheduler: kai` and `gpuSharing` (kube-scheduler knows whole GPUs only).
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic
from compiler.resolve.derived import gpu_request
from compiler.spec import quantities as q


def _portion_ok(value: float) -> bool:
    return 0 < value <= 1


@workload_rule
def gpu_request_shape(w, ctx) -> Iterable[Diagnostic]:
    c = w.spec.compute
    if c is None:
        return
    devices = c.gpuDevicesRequest
    kind = c.gpuRequestType
    if c.gpuPortionRequest is not None and not _portion_ok(c.gpuPortionRequest):
        yield Diagnostic(
            "IC202", f"gpuPortionRequest {c.gpuPortionRequest:g} is outside (0, 1]",
            w.loc("compute", "gpuPortionRequest"),
            hint="the portion is per device: use a value above 0 and at most 1 (e.g. 0.5 or '50%'),"
                 " and gpuDevicesRequest for more than one GPU")
    if c.gpuPortionLimit is not None and not _portion_ok(c.gpuPortionLimit):
        yield Diagnostic(
            "IC202", f"gpuPortionLimit {c.gpuPortionLimit:g} is outside (0, 1]",
            w.loc("compute", "gpuPortionLimit"),
            hint="the limit is a portion of one device, at most 1")
    if kind == "portion" and c.gpuPortionRequest is None:
        yield Diagnostic(
            "IC202", "gpuRequestType is 'portion' but gpuPortionRequest is not set",
            w.loc("compute", "gpuRequestType"),
            hint="add compute.gpuPortionRequest (e.g. 0.5), or remove gpuRequestType for whole GPUs")
    if kind == "memory" and not c.gpuMemoryRequest:
        yield Diagnostic(
            "IC202", "gpuRequestType is 'memory' but gpuMemoryRequest is not set",
            w.loc("compute", "gpuRequestType"),
            hint="add compute.gpuMemoryRequest (e.g. 20G), or use gpuRequestType: portion")
    if kind == "portion" and c.gpuMemoryRequest:
        yield Diagnostic(
            "IC202", "gpuMemoryRequest is set but gpuRequestType is 'portion'",
            w.loc("compute", "gpuMemoryRequest"),
            hint="a request is either a portion or an amount of memory: remove one of them")
    if kind == "memory" and c.gpuPortionRequest is not None:
        yield Diagnostic(
            "IC202", "gpuPortionRequest is set but gpuRequestType is 'memory'",
            w.loc("compute", "gpuPortionRequest"),
            hint="a request is either a portion or an amount of memory: remove one of them")
    if kind is None and c.gpuMemoryRequest and c.gpuPortionRequest is not None:
        yield Diagnostic(
            "IC202", "both gpuPortionRequest and gpuMemoryRequest are set",
            w.loc("compute", "gpuMemoryRequest"),
            hint="set gpuRequestType and keep only the matching request")
    memory_kind = kind == "memory" or (kind is None and c.gpuMemoryRequest and c.gpuPortionRequest is None)
    if memory_kind and devices is not None and devices > 1:
        yield Diagnostic(
            "IC202", f"a GPU memory request is per device and allowed with one device only"
                     f" (gpuDevicesRequest is {devices})",
            w.loc("compute", "gpuMemoryRequest") if c.gpuMemoryRequest else w.loc("compute", "gpuRequestType"),
            hint="use gpuRequestType: portion with gpuPortionRequest for several devices, or request"
                 " whole GPUs")
    if c.gpuMemoryRequest and q.bytes_of(c.gpuMemoryRequest) <= 0:
        yield Diagnostic("IC202", "gpuMemoryRequest must be above zero", w.loc("compute", "gpuMemoryRequest"),
                         hint="request an amount such as 20G, or remove the field")
    if devices == 0 and (c.gpuPortionRequest is not None or c.gpuMemoryRequest):
        yield Diagnostic(
            "IC202", "gpuDevicesRequest is 0 but a GPU portion or memory is requested",
            w.loc("compute", "gpuDevicesRequest"),
            hint="set gpuDevicesRequest to 1 (or more), or remove the portion/memory request")
    # Limits against requests.
    if c.gpuPortionLimit is not None:
        if c.gpuPortionRequest is None:
            yield Diagnostic(
                "IC202", "gpuPortionLimit is set without gpuPortionRequest",
                w.loc("compute", "gpuPortionLimit"),
                hint="a portion limit goes with a portion request: add gpuPortionRequest")
        elif c.gpuPortionLimit < c.gpuPortionRequest:
            yield Diagnostic(
                "IC202", f"gpuPortionLimit {c.gpuPortionLimit:g} is below gpuPortionRequest"
                         f" {c.gpuPortionRequest:g}",
                w.loc("compute", "gpuPortionLimit"),
                hint="the limit must be at least the request", related=(w.loc("compute", "gpuPortionRequest"),))
    if c.gpuMemoryLimit:
        if not c.gpuMemoryRequest:
            yield Diagnostic(
                "IC202", "gpuMemoryLimit is set without gpuMemoryRequest",
                w.loc("compute", "gpuMemoryLimit"),
                hint="a memory limit goes with a memory request: add gpuMemoryRequest")
        elif q.bytes_of(c.gpuMemoryLimit) < q.bytes_of(c.gpuMemoryRequest):
            yield Diagnostic(
                "IC202", f"gpuMemoryLimit {c.gpuMemoryLimit} is below gpuMemoryRequest {c.gpuMemoryRequest}",
                w.loc("compute", "gpuMemoryLimit"),
                hint="the limit must be at least the request", related=(w.loc("compute", "gpuMemoryRequest"),))


@workload_rule
def gpu_cluster_support(w, ctx) -> Iterable[Diagnostic]:
    c = w.spec.compute
    if c is None:
        return
    cluster = w.cluster.obj.spec
    cname = w.cluster.name
    for field in ("gpuPortionLimit", "gpuMemoryLimit"):
        if getattr(c, field) not in (None, "") and not cluster.gpuLimits:
            yield Diagnostic(
                "IC203", f"compute.{field} is set but GPU limits are not enabled on cluster '{cname}'",
                w.loc("compute", field),
                hint=f"remove compute.{field}, or (administrators) enable the GPU memory limit setting and"
                     f" set gpuLimits: true on the Cluster",
                related=(w.cluster.doc.loc(("spec",)),))
    gr = gpu_request(w.spec)
    if not gr.fractional:
        return
    where = w.loc("compute", "gpuPortionRequest") if gr.portion is not None else w.loc("compute", "gpuMemoryRequest")
    what = f"a portion of {gr.portion:g}" if gr.portion is not None else f"{c.gpuMemoryRequest} of GPU memory"
    if cluster.scheduler != "kai":
        yield Diagnostic(
            "IC203", f"GPU fraction ({what} per device) on cluster '{cname}', whose scheduler is the default"
                     f" kube-scheduler: it allocates whole GPUs only",
            where,
            hint="request whole GPUs (gpuDevicesRequest without a portion), or run the workload on a cluster"
                 " with scheduler: kai and gpuSharing: true",
            related=(w.cluster.doc.loc(("spec", "scheduler")),))
    elif not cluster.gpuSharing:
        yield Diagnostic(
            "IC203", f"GPU fraction ({what} per device) but GPU sharing is not enabled on cluster '{cname}'",
            where,
            hint="request whole GPUs, or enable KAI GPU sharing (global.gpuSharing=true) and set"
                 " gpuSharing: true on the Cluster",
            related=(w.cluster.doc.loc(("spec",)),))
