"""IC204 / IC205: Run:ai's autoscaling rules, checked against the cluster's Knative setup.

- a metric is required when minReplicas < maxReplicas, except min 0 / max 1 (scale on
  network activity); a threshold is required with a metric; the percentage applies to
  throughput and concurrency only; `latency` and custom metrics need the HPA class;
- replicas: min <= max, initial and activation within bounds, retention and scale-down
  delay 0-3600 s;
- scale to zero only with throughput or concurrency, and only where the cluster allows it.
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic, did_you_mean
from compiler.resolve.derived import replicas

KPA_METRICS = ("throughput", "concurrency")
MAX_DELAY = 3600


@workload_rule
def autoscaling_rules(w, ctx) -> Iterable[Diagnostic]:
    a = w.spec.autoscaling
    r = replicas(w.spec)
    knative = w.cluster.obj.spec.knative
    cname = w.cluster.name

    def loc(field: str):
        return w.loc("autoscaling", field)

    if r.min > r.max:
        yield Diagnostic(
            "IC204", f"minReplicas {r.min} is above maxReplicas {r.max}", loc("maxReplicas"),
            hint="set maxReplicas to at least minReplicas", related=(loc("minReplicas"),))
        return
    metric = a.metric if a else None
    network_activity = r.min == 0 and r.max == 1
    if r.min < r.max and not metric and not network_activity:
        yield Diagnostic(
            "IC204", f"autoscaling between {r.min} and {r.max} replicas needs a metric",
            loc("maxReplicas"),
            hint="set autoscaling.metric (concurrency, throughput, latency or a custom metric) and"
                 " metricThreshold, or make minReplicas equal maxReplicas")
    if metric and (a.metricThreshold is None):
        yield Diagnostic(
            "IC204", f"autoscaling metric '{metric}' has no metricThreshold", loc("metric"),
            hint="add autoscaling.metricThreshold: the per-replica target of the metric (e.g. 8 concurrent"
                 " requests)")
    if metric and a.metricThreshold is not None and a.metricThreshold <= 0:
        yield Diagnostic(
            "IC204", f"metricThreshold {a.metricThreshold:g} must be above zero", loc("metricThreshold"),
            hint="use a positive per-replica target")
    if a and a.metricThreshold is not None and not metric:
        yield Diagnostic(
            "IC204", "metricThreshold is set without a metric", loc("metricThreshold"),
            hint="add autoscaling.metric, or remove metricThreshold")
    if a and a.metricThresholdPercentage is not None and metric not in KPA_METRICS:
        shown = f"'{metric}'" if metric else "no metric"
        yield Diagnostic(
            "IC204", f"metricThresholdPercentage applies to throughput and concurrency only, not {shown}",
            loc("metricThresholdPercentage"),
            hint="remove metricThresholdPercentage, or use the throughput or concurrency metric")
    if metric and metric not in KPA_METRICS and not knative.hpaCustomMetrics:
        typo = did_you_mean(metric, ["throughput", "concurrency", "latency"]) if metric != "latency" else ""
        yield Diagnostic(
            "IC204", f"autoscaling on '{metric}' needs the HPA autoscaler with custom metrics, which cluster"
                     f" '{cname}' does not have",
            loc("metric"),
            hint=(f"{typo} " if typo else "") + "use the concurrency or throughput metric, or (administrators)"
                 " install the HPA custom metrics pipeline and set knative.hpaCustomMetrics: true on the Cluster",
            related=(w.cluster.doc.loc(("spec",)),))
    if a and a.initialReplicas is not None:
        if a.initialReplicas > r.max:
            yield Diagnostic(
                "IC204", f"initialReplicas {a.initialReplicas} is above maxReplicas {r.max}",
                loc("initialReplicas"), hint="use a value between minReplicas and maxReplicas")
        elif a.initialReplicas == 0 and not knative.allowZeroInitialScale:
            yield Diagnostic(
                "IC204", f"initialReplicas 0 is not allowed on cluster '{cname}' (Knative"
                         f" allow-zero-initial-scale is false)",
                loc("initialReplicas"),
                hint="use initialReplicas 1 or more, or (administrators) set allowZeroInitialScale: true")
    if a and a.activationReplicas is not None and a.activationReplicas > r.max:
        yield Diagnostic(
            "IC204", f"activationReplicas {a.activationReplicas} is above maxReplicas {r.max}",
            loc("activationReplicas"), hint="use a value between 1 and maxReplicas")
    if a and a.concurrencyHardLimit and a.concurrencyHardLimit > knative.containerConcurrencyMaxLimit:
        yield Diagnostic(
            "IC204", f"concurrencyHardLimit {a.concurrencyHardLimit} is above the cluster's maximum"
                     f" {knative.containerConcurrencyMaxLimit}",
            loc("concurrencyHardLimit"),
            hint=f"use at most {knative.containerConcurrencyMaxLimit}, or 0 for no limit")
    for field in ("scaleToZeroRetentionSeconds", "scaleDownDelaySeconds"):
        value = getattr(a, field, None) if a else None
        if value is not None and not 0 <= value <= MAX_DELAY:
            yield Diagnostic(
                "IC204", f"{field} {value} is outside 0-{MAX_DELAY} seconds", loc(field),
                hint=f"use a value between 0 and {MAX_DELAY}")
    if a and a.scaleToZeroRetentionSeconds and r.min != 0:
        yield Diagnostic(
            "IC204", f"scaleToZeroRetentionSeconds applies only when minReplicas is 0 (it is {r.min})",
            loc("scaleToZeroRetentionSeconds"),
            hint="remove scaleToZeroRetentionSeconds, or set minReplicas: 0")


@workload_rule
def scale_to_zero(w, ctx) -> Iterable[Diagnostic]:
    r = replicas(w.spec)
    if r.min != 0:
        return
    a = w.spec.autoscaling
    metric = a.metric if a else None
    knative = w.cluster.obj.spec.knative
    if metric and metric not in ("throughput", "concurrency"):
        yield Diagnostic(
            "IC205", f"minReplicas 0 (scale to zero) is not possible with the '{metric}' metric",
            w.loc("autoscaling", "minReplicas"),
            hint="only the throughput and concurrency metrics support scale to zero: switch the metric,"
                 " or set minReplicas to 1 or more",
            related=(w.loc("autoscaling", "metric"),))
    if not knative.scaleToZero:
        yield Diagnostic(
            "IC205", f"minReplicas 0 (scale to zero) but cluster '{w.cluster.name}' does not allow scale"
                     f" to zero",
            w.loc("autoscaling", "minReplicas"),
            hint="set minReplicas to 1 or more, or (administrators) enable enable-scale-to-zero and set"
                 " knative.scaleToZero: true on the Cluster",
            related=(w.cluster.doc.loc(("spec", "knative")),))
