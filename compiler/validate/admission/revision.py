"""RevisionSpec: timeoutSeconds, containerConcurrency, then the pod spec rule families
(knative-rules.md §5–§9, §12)."""

from __future__ import annotations

from compiler.validate.admission import containers, podspec, ports, probes, volumes, warnings
from compiler.validate.paths import JsonPath


def _check_scalars(ctx, spec: JsonPath) -> None:
    timeout = ctx.get(spec + ("timeoutSeconds",))
    limit = ctx.settings.max_revision_timeout_seconds
    if isinstance(timeout, int) and not isinstance(timeout, bool) and timeout != 0 and not 0 < timeout <= limit:
        ctx.error(spec + ("timeoutSeconds",), "timeout-seconds", f"expected 0 <= {timeout} <= {limit}",
                  f"the cluster's max-revision-timeout-seconds is {limit}; use a timeout of at most {limit}s")
    cc = ctx.get(spec + ("containerConcurrency",))
    cc_limit = ctx.settings.container_concurrency_max_limit
    if isinstance(cc, int) and not isinstance(cc, bool) and not 0 <= cc <= cc_limit:
        ctx.error(spec + ("containerConcurrency",), "container-concurrency",
                  f"expected 0 <= {cc} <= {cc_limit}",
                  f"use 0 (unlimited) or at most {cc_limit} (config-defaults container-concurrency-max-limit)")


def _list(ctx, path: JsonPath) -> list:
    value = ctx.get(path)
    return value if isinstance(value, list) else []


def check_revision_spec(ctx, spec: JsonPath) -> None:
    if not isinstance(ctx.get(spec), dict):
        return
    _check_scalars(ctx, spec)
    podspec.check_pod_fields(ctx, spec)
    main = _list(ctx, spec + ("containers",))
    init = _list(ctx, spec + ("initContainers",))
    serving = ports.check_ports(ctx, spec, main, init)
    containers.check_container_names(ctx, spec, main, init)
    for i, container in enumerate(main):
        if not isinstance(container, dict):
            continue
        path = spec + ("containers", i)
        role = "serving" if i == serving else "sidecar"
        containers.check_container(ctx, path, container, role)
        probes.check_probes(ctx, path, container, role)
    for i, container in enumerate(init):
        if isinstance(container, dict):
            path = spec + ("initContainers", i)
            containers.check_container(ctx, path, container, "init")
            probes.check_probes(ctx, path, container, "init")
    volumes.check_volumes(ctx, spec, main, init)
    warnings.check_security_defaults(ctx, spec, main)
