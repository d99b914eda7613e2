"""IC206: serving timeouts outside the ranges Run:ai and the cluster's Knative accept.

Initialization 5 s - 60 min; request 5 s - 10 min and at most the cluster's
`knative.maxRevisionTimeoutSeconds` (Knative refuses a longer revision timeout).
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic

INIT_RANGE = (5, 60 * 60)
REQUEST_RANGE = (5, 10 * 60)


def _span(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds} s"


@workload_rule
def timeouts(w, ctx) -> Iterable[Diagnostic]:
    sc = w.spec.servingConfiguration
    if sc is None:
        return
    lo, hi = INIT_RANGE
    init = sc.initializationTimeoutSeconds
    if init is not None and not lo <= init <= hi:
        yield Diagnostic(
            "IC206", f"initializationTimeoutSeconds {init} is outside {_span(lo)} - {_span(hi)}",
            w.loc("servingConfiguration", "initializationTimeoutSeconds"),
            hint=f"use a value between {lo} and {hi} seconds; large models on a cold cache may need the"
                 f" upper end, or a modelStore")
    req = sc.requestTimeoutSeconds
    if req is None:
        return
    lo, hi = REQUEST_RANGE
    cluster_max = w.cluster.obj.spec.knative.maxRevisionTimeoutSeconds
    if not lo <= req <= hi:
        yield Diagnostic(
            "IC206", f"requestTimeoutSeconds {req} is outside {_span(lo)} - {_span(hi)}",
            w.loc("servingConfiguration", "requestTimeoutSeconds"),
            hint=f"use a value between {lo} and {min(hi, cluster_max)} seconds")
    elif req > cluster_max:
        yield Diagnostic(
            "IC206", f"requestTimeoutSeconds {req} is above cluster '{w.cluster.name}''s"
                     f" max-revision-timeout-seconds ({cluster_max})",
            w.loc("servingConfiguration", "requestTimeoutSeconds"),
            hint=f"use at most {cluster_max} seconds, or (administrators) raise max-revision-timeout-seconds"
                 f" and knative.maxRevisionTimeoutSeconds on the Cluster",
            related=(w.cluster.doc.loc(("spec", "knative")),))
