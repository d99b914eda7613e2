"""`autoscaling.knative.dev/*` annotations on the revision template (knative-rules.md §4.2)."""

from __future__ import annotations

import math
import re

from compiler.validate.goduration import HOUR, SECOND, format_duration, parse_duration
from compiler.validate.paths import JsonPath

PREFIX = "autoscaling.knative.dev/"
KPA = "kpa.autoscaling.knative.dev"
HPA = "hpa.autoscaling.knative.dev"
INT32_MAX = 2147483647

# canonical key -> legacy aliases (the canonical key wins when both are set).
ALIASES: dict[str, tuple[str, ...]] = {
    "class": (), "metric": (), "target": (), "window": (), "activation-scale": (),
    "min-scale": ("minScale",), "max-scale": ("maxScale",), "initial-scale": ("initialScale",),
    "target-utilization-percentage": ("targetUtilizationPercentage",),
    "target-burst-capacity": ("targetBurstCapacity",),
    "panic-window-percentage": ("panicWindowPercentage",),
    "panic-threshold-percentage": ("panicThresholdPercentage",),
    "scale-to-zero-pod-retention-period": ("scaleToZeroPodRetentionPeriod",),
    "scale-down-delay": ("scaleDownDelay",),
    "metric-aggregation-algorithm": ("metricAggregationAlgorithm",),
}
RULE = "autoscaling-annotation"
_INT = re.compile(r"^[+-]?[0-9]+\Z")


def parse_int(raw: str) -> int | None:
    """Go strconv.Atoi: optional sign and decimal digits, nothing else."""
    return int(raw) if _INT.match(raw) else None


class _Annotations:
    def __init__(self, ctx, path: JsonPath, annotations: dict):
        self.ctx, self.path, self.values = ctx, path, annotations

    def find(self, key: str) -> tuple[JsonPath, str] | None:
        for name in (key,) + ALIASES[key]:
            value = self.values.get(PREFIX + name)
            if isinstance(value, str):
                return self.path + (PREFIX + name,), value
        return None

    def error(self, where: JsonPath, text: str, hint: str) -> None:
        self.ctx.error(where, RULE, text, hint)

    def integer(self, key: str, lo: int = 0, hi: int = INT32_MAX) -> tuple[JsonPath, int] | None:
        found = self.find(key)
        if not found:
            return None
        where, raw = found
        value = parse_int(raw)
        if value is None:
            self.error(where, f"invalid value: {raw}", f"{key} must be a whole number such as \"1\"")
            return None
        if not lo <= value <= hi:
            self.error(where, f"expected {lo} <= {value} <= {hi}", f"choose {key} between {lo} and {hi}")
            return None
        return where, value

    def number(self, key: str, lo: float | None, hi: float | None, extra: tuple[float, ...] = ()) -> None:
        found = self.find(key)
        if not found:
            return
        where, raw = found
        try:
            value = float(raw)
            if math.isnan(value):
                raise ValueError
        except ValueError:
            self.error(where, f"invalid value: {raw}", f"{key} must be a number")
            return
        if value in extra:
            return
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            if hi is None:
                text = (f"target {raw} should be at least {lo:g}" if key == "target"
                        else f"invalid value: {raw}")
            else:
                text = f"expected {lo:g} <= {raw} <= {hi:g}"
            allowed = f"at least {lo:g}" if hi is None else f"between {lo:g} and {hi:g}"
            also = f" (or {', '.join(f'{e:g}' for e in extra)})" if extra else ""
            self.error(where, text, f"{key} must be {allowed}{also}")

    def duration(self, key: str, lo: int, hi: int, whole_seconds: bool) -> None:
        found = self.find(key)
        if not found:
            return
        where, raw = found
        ns = parse_duration(raw)
        if ns is None:
            self.error(where, f"invalid value: {raw}", f"{key} is a Go duration such as \"60s\" or \"2m\"")
            return
        if not lo <= ns <= hi:
            self.error(where, f"expected {format_duration(lo)} <= {raw} <= {format_duration(hi)}",
                       f"choose {key} between {format_duration(lo)} and {format_duration(hi)}")
        elif whole_seconds and ns % SECOND:
            self.error(where, f"{key}={raw} must be specified with at most second precision",
                       "use whole seconds, e.g. \"30s\"")


def check_autoscaling(ctx, path: JsonPath, annotations: dict) -> None:
    a = _Annotations(ctx, path, annotations)
    found_class = a.find("class")
    cls = found_class[1] if found_class else KPA
    if found_class and cls.endswith(".knative.dev") and cls not in (KPA, HPA):
        a.error(found_class[0], f"invalid value: {cls}", f"use {KPA} or {HPA}")

    lo = a.integer("min-scale")
    hi = a.integer("max-scale")
    min_scale = lo[1] if lo else 0
    max_scale = hi[1] if hi else 0
    limit = ctx.settings.max_scale_limit
    if hi and limit > 0:
        if max_scale == 0:
            a.error(hi[0], f"max-scale=0 (unlimited), must be less than {limit}",
                    f"the cluster's max-scale-limit is {limit}; set max-scale between 1 and {limit}")
        elif max_scale > limit:
            a.error(hi[0], f"expected 1 <= {max_scale} <= {limit}",
                    f"the cluster's max-scale-limit is {limit}")
    if lo and hi and max_scale != 0 and max_scale < min_scale:
        a.error(hi[0], f"max-scale={max_scale} is less than min-scale={min_scale}",
                "raise max-scale to at least min-scale, or set max-scale to \"0\" (unlimited)")

    initial = a.find("initial-scale")
    if initial:
        where, raw = initial
        value = parse_int(raw)
        if value is None or value < 0 or value > INT32_MAX:
            a.error(where, f"invalid value: {raw} (initial-scale must be greater than 0)",
                    "initial-scale is a whole number, at least 1")
        elif value == 0 and not ctx.settings.allow_zero_initial_scale:
            a.error(where, "invalid value: 0 (initial-scale=0 not allowed by cluster)",
                    "use initial-scale \"1\", or set allow-zero-initial-scale: true in config-autoscaler"
                    " (Cluster spec.knative.allowZeroInitialScale)")

    act = a.integer("activation-scale")
    if act:
        where, value = act
        if value < 2:
            a.error(where, f"activation-scale={value} must be greater than 1",
                    "drop activation-scale, or set it to 2 or more")
        if lo and min_scale > value:
            a.error(where, f"min-scale={min_scale} is greater than activation-scale={value}",
                    "activation-scale must be at least min-scale")
        if max_scale != 0 and max_scale < value:
            a.error(where, f"max-scale={max_scale} is less than activation-scale={value}",
                    "activation-scale must not exceed max-scale")

    metric = a.find("metric")
    if metric:
        where, value = metric
        if cls == KPA and value not in ("concurrency", "rps"):
            a.error(where, f"invalid value: {value}",
                    "the KPA autoscaler supports metric \"concurrency\" or \"rps\"; use class"
                    f" {HPA} for cpu, memory or custom metrics")
        elif cls == HPA and not value:
            a.error(where, "invalid value: (empty)", "name a metric such as cpu or memory")

    a.number("target", 0.01, None)
    a.number("target-utilization-percentage", 1, 100)
    a.number("target-burst-capacity", 0, None, extra=(-1.0,))
    a.number("panic-window-percentage", 1, 100)
    a.number("panic-threshold-percentage", 110, 1000)
    a.duration("window", 6 * SECOND, HOUR, whole_seconds=True)
    a.duration("scale-to-zero-pod-retention-period", 0, HOUR, whole_seconds=False)
    a.duration("scale-down-delay", 0, HOUR, whole_seconds=True)

    algorithm = a.find("metric-aggregation-algorithm")
    if algorithm and found_class and cls == KPA and algorithm[1] not in (
            "linear", "weighted-exponential", "weightedExponential"):
        a.error(algorithm[0], f"invalid value: {algorithm[1]}", "use linear or weighted-exponential")
