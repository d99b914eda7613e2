"""Annotations on the Service/Configuration/Route and on the revision template
(knative-rules.md §3, §4.3, §4.4; autoscaling keys are in autoscaling.py)."""

from __future__ import annotations

import re

from compiler.validate.admission.autoscaling import PREFIX as AUTOSCALING_PREFIX, check_autoscaling
from compiler.validate.goduration import SECOND, parse_duration
from compiler.validate.paths import JsonPath

NETWORKING_PREFIX = "networking.knative.dev"
NETWORKING_TEMPLATE_KEYS = {
    f"networking.knative.dev/{k}" for k in (
        "ingress.class", "ingress-class", "certificate.class", "certificate-class", "disableAutoTLS",
        "disable-auto-tls", "disable-external-domain-tls", "httpOption", "http-protocol")
}
ROLLOUT_KEYS = ("serving.knative.dev/rollout-duration", "serving.knative.dev/rolloutDuration")
PROGRESS_DEADLINE = "serving.knative.dev/progress-deadline"
QUEUE_PERCENT_KEYS = ("queue.sidecar.serving.knative.dev/resource-percentage",
                      "queue.sidecar.serving.knative.dev/resourcePercentage")
QUEUE_QUANTITY_KEYS = tuple(
    f"queue.sidecar.serving.knative.dev/{r}-resource-{k}"
    for r in ("cpu", "memory", "ephemeral-storage") for k in ("request", "limit"))
_QUANTITY = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?\Z")


def _string_items(ctx, path: JsonPath):
    annotations = ctx.get(path)
    if not isinstance(annotations, dict):
        return {}
    # Non-string values are schema errors (IC602) already; the webhook never sees them.
    return {k: v for k, v in annotations.items() if isinstance(v, str)}


def _whole_seconds_duration(ctx, where: JsonPath, key: str, raw: str, rule: str) -> None:
    name = key.split("/", 1)[1]
    ns = parse_duration(raw)
    if ns is None:
        ctx.error(where, rule, f"invalid value: {raw}", f"{name} is a Go duration such as \"120s\"")
    elif ns % SECOND:
        ctx.error(where, rule, f"{name}={raw} is not at second precision", "use whole seconds")
    elif ns < 0:
        ctx.error(where, rule, f"{name}={raw} must be positive", "use a duration of 0s or more")


def check_object_annotations(ctx, meta: JsonPath, kind: str) -> None:
    path = meta + ("annotations",)
    annotations = ctx.get(path)
    if not isinstance(annotations, dict):
        return
    for key in annotations:
        if isinstance(key, str) and key.startswith(AUTOSCALING_PREFIX.rstrip("/")):
            ctx.error(path + (key,), "autoscaling-annotation-placement", f"invalid key name \"{key}\"",
                      "autoscaling annotations must be put under \"spec.template.metadata.annotations\""
                      " to work", at_key=True)
    if kind in ("Service", "Route"):
        values = _string_items(ctx, path)
        for key in ROLLOUT_KEYS:
            if key in values:
                _whole_seconds_duration(ctx, path + (key,), key, values[key], "rollout-duration")
                break


def check_template_annotations(ctx, path: JsonPath) -> None:
    values = _string_items(ctx, path)
    if not values:
        return
    for key in values:
        if key.startswith(NETWORKING_PREFIX) and key not in NETWORKING_TEMPLATE_KEYS:
            hint = ("put networking.knative.dev/visibility as a label on the Service (metadata.labels),"
                    " not on the template" if key.endswith("/visibility")
                    else "networking annotations belong on the Service's metadata, not the revision template")
            ctx.error(path + (key,), "networking-annotation", f"invalid key name \"{key}\"", hint, at_key=True)
    check_autoscaling(ctx, path, values)
    if PROGRESS_DEADLINE in values:
        _whole_seconds_duration(ctx, path + (PROGRESS_DEADLINE,), PROGRESS_DEADLINE,
                                values[PROGRESS_DEADLINE], "progress-deadline")
    for key in QUEUE_PERCENT_KEYS:
        if key in values:
            where, raw = path + (key,), values[key]
            ctx.warning(where, "deprecated-annotation", f"{key} is deprecated",
                        "set queue.sidecar.serving.knative.dev/{cpu,memory}-resource-{request,limit} instead")
            try:
                value = float(raw)
            except ValueError:
                ctx.error(where, "queue-resource-percentage", f"invalid value: {raw}", "use a number")
            else:
                if not 0.1 <= value <= 100:
                    ctx.error(where, "queue-resource-percentage", f"expected 0.1 <= {raw} <= 100",
                              "use a percentage between 0.1 and 100")
            break
    for key in QUEUE_QUANTITY_KEYS:
        if key in values and not _QUANTITY.match(values[key]):
            ctx.error(path + (key,), "queue-sidecar-resource", f"invalid value: {values[key]}",
                      "use a Kubernetes quantity such as \"250m\" or \"512Mi\"")
