"""Probes: one handler, the serving port, readiness bounds, sidecar and init containers
(knative-rules.md §7.2)."""

from __future__ import annotations

from compiler.validate.features import flag_hint
from compiler.validate.paths import JsonPath

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _serving_port_name(container: dict) -> str:
    ports = container.get("ports")
    if isinstance(ports, list) and ports and isinstance(ports[0], dict):
        return ports[0].get("name") or "http"
    return "http"


def check_probes(ctx, path: JsonPath, container: dict, role: str) -> None:
    for key in PROBES:
        probe = container.get(key)
        if probe is None:
            continue
        ppath = path + (key,)
        if role == "init":
            ctx.error(ppath, "init-container-probe", "field not allowed in an init container",
                      "init containers run to completion; remove the probe", at_key=True)
            continue
        if role == "sidecar" and not ctx.features.allows("multi-container-probing"):
            flag = "multi-container-probing"
            ctx.error(ppath, "sidecar-probe", f"must not set the field(s); needs feature flag '{flag}'",
                      flag_hint(flag), at_key=True)
            continue
        if not isinstance(probe, dict):
            continue
        handlers = [h for h in HANDLERS if probe.get(h) is not None]
        defaulted = role == "serving" and key == "readinessProbe"  # gets tcpSocket: {} by default
        if len(handlers) > 1 or (not handlers and not defaulted):
            ctx.error(ppath, "probe-handler",
                      f"expected exactly one, got {'both' if handlers else 'neither'}: {', '.join(HANDLERS)}",
                      "give the probe exactly one of httpGet, tcpSocket, exec or grpc")
        for handler in handlers:
            _check_port(ctx, ppath + (handler,), probe[handler], handler, container, role)
        if key == "readinessProbe":
            _check_readiness(ctx, ppath, probe)


def _check_port(ctx, hpath: JsonPath, handler, name: str, container: dict, role: str) -> None:
    if not isinstance(handler, dict) or name == "exec":
        return
    port = handler.get("port")
    if role == "sidecar" and port in (None, 0, ""):
        ctx.error(hpath, "probe-port", "Probe port must be specified",
                  "sidecar probes must name the port they check", at_key=True)
    if role == "serving" and name in ("httpGet", "tcpSocket") and isinstance(port, str) and port:
        expected = _serving_port_name(container)
        if port != expected:
            ctx.error(hpath + ("port",), "probe-port", f"invalid value: {port} (Probe port must match"
                      f" container port)", f"use the container port's name '{expected}', its number,"
                      " or leave the port out")


def _check_readiness(ctx, ppath: JsonPath, probe: dict) -> None:
    period = _int(probe.get("periodSeconds")) or 0
    for key, lo in (("periodSeconds", 0), ("initialDelaySeconds", 0)):
        value = _int(probe.get(key))
        if value is not None and value < lo:
            ctx.error(ppath + (key,), "readiness-probe", f"expected {lo} <= {value}", f"{key} cannot be negative")
    success = _int(probe.get("successThreshold"))
    if success is not None and success < 0:  # 0 is defaulted to 1
        ctx.error(ppath + ("successThreshold",), "readiness-probe", f"expected 1 <= {success}",
                  "successThreshold is at least 1")
    if period == 0:
        for key in ("failureThreshold", "timeoutSeconds"):
            if _int(probe.get(key)):
                ctx.error(ppath + (key,), "readiness-probe",
                          f"{key} is disallowed when periodSeconds is zero",
                          "with periodSeconds 0 (or unset) Knative probes aggressively itself; remove"
                          f" {key}, or set periodSeconds", at_key=True)
    else:
        for key in ("failureThreshold", "timeoutSeconds"):
            value = _int(probe.get(key))
            if value is not None and value < 0:  # 0 is defaulted (3 / 1)
                ctx.error(ppath + (key,), "readiness-probe", f"expected 1 <= {value}", f"{key} is at least 1")
