"""IC214: environment variables, ports and mount paths that belong to Knative, Run:ai or KAI
(and IC603 for a mount path Knative refuses outright: one that is not absolute).

- env: PORT, K_SERVICE, K_CONFIGURATION, K_REVISION (Knative), RUNAI_* (Run:ai),
  NVIDIA_VISIBLE_DEVICES and GPU_PORTION (KAI GPU sharing);
- ports: 8012, 8013, 8022, 9090, 9091 (queue-proxy) and 8008 (profiling), for the serving
  port and tool ports;
- mount paths: /, /dev, /dev/log (Knative), /tmp, /var, /var/log (would hide what the
  server and the node need).
"""

from __future__ import annotations

import posixpath
from typing import Iterable

from compiler.check.common import MOUNT_PATH_FIELD, items, storage_items
from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic
from compiler.resolve.derived import serving_port

RESERVED_ENV = {
    "PORT": "Knative sets it to the serving port",
    "K_SERVICE": "Knative sets it",
    "K_CONFIGURATION": "Knative sets it",
    "K_REVISION": "Knative sets it",
    "NVIDIA_VISIBLE_DEVICES": "the GPU device plugin / KAI GPU sharing sets it",
    "GPU_PORTION": "KAI GPU sharing sets it",
}
RESERVED_PORTS = {8012: "queue-proxy", 8013: "queue-proxy", 8022: "queue-proxy admin",
                  9090: "queue-proxy metrics", 9091: "queue-proxy metrics", 8008: "profiling"}
RESERVED_PATHS = ("/", "/dev", "/dev/log", "/tmp", "/var", "/var/log")


def _env_reason(name: str) -> str | None:
    if name in RESERVED_ENV:
        return RESERVED_ENV[name]
    if name.startswith("RUNAI_"):
        return "Run:ai sets RUNAI_* variables"
    return None


@workload_rule
def reserved_env(w, ctx) -> Iterable[Diagnostic]:
    for i, env in items(w.spec.environmentVariables):
        reason = _env_reason(env.name)
        if reason:
            hint = "remove it or rename it"
            if env.name == "PORT":
                hint = "set servingPort.container instead; the server reads the port from infc's arguments"
            elif env.name == "RUNAI_GPU_MEMORY_LIMIT":
                hint = "use compute.gpuMemoryLimit or gpuPortionLimit instead"
            yield Diagnostic("IC214", f"environment variable '{env.name}' is reserved: {reason}",
                             w.loc("environmentVariables", i, "name"), hint=hint)


@workload_rule
def reserved_ports(w, ctx) -> Iterable[Diagnostic]:
    port = serving_port(w.spec)
    if port in RESERVED_PORTS:
        yield Diagnostic(
            "IC214", f"serving port {port} is reserved by Knative ({RESERVED_PORTS[port]})",
            w.loc("servingPort", "container"),
            hint="use another port, e.g. 8000 (vLLM) or 8080 (TGI)")
    for field in ("ports", "exposedUrls"):
        for i, item in items(getattr(w.spec, field)):
            if item.container in RESERVED_PORTS:
                yield Diagnostic(
                    "IC214", f"{field} '{item.name}': container port {item.container} is reserved by Knative"
                             f" ({RESERVED_PORTS[item.container]})",
                    w.loc(field, i, "container"), hint="use another container port")


@workload_rule
def reserved_mount_paths(w, ctx) -> Iterable[Diagnostic]:
    for list_name, i, vol in storage_items(w.spec):
        field = MOUNT_PATH_FIELD[list_name]
        raw = getattr(vol, field, None)
        if not raw:
            continue
        sub = getattr(vol, "subPath", None)
        if sub and (sub.startswith("/") or ".." in sub.split("/")):
            yield Diagnostic(
                "IC007", f"volume '{vol.name}': subPath '{sub}' leaves the volume",
                w.loc("storage", list_name, i, "subPath"),
                hint="Kubernetes takes a relative path inside the volume, without '..', e.g. app.properties")
        if not raw.startswith("/") or not raw.isprintable():
            yield Diagnostic(
                "IC603", f"volume '{vol.name}': mount path '{raw}' is not an absolute path",
                w.loc("storage", list_name, i, field),
                hint="Knative mounts volumes only at absolute paths: start it with '/', e.g. /models")
            continue
        path = posixpath.normpath(raw)
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
        if path in RESERVED_PATHS:
            yield Diagnostic(
                "IC214", f"volume '{vol.name}' is mounted at reserved path '{path}'",
                w.loc("storage", list_name, i, field),
                hint="mount it below a directory of its own, e.g. /models or /data")
