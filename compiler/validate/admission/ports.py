"""The serving port: one across all containers, its name, protocol and reserved numbers
(knative-rules.md §7.1)."""

from __future__ import annotations

from compiler.validate.paths import JsonPath, dotted

RESERVED_PORTS = {8012: "queue-proxy data", 8013: "queue-proxy data", 8022: "queue-proxy admin",
                  9090: "queue-proxy metrics", 9091: "queue-proxy metrics", 8008: "profiling"}
PORT_NAMES = ("", "http1", "h2c")


def _ports(container) -> list:
    ports = container.get("ports") if isinstance(container, dict) else None
    return ports if isinstance(ports, list) else []


def check_ports(ctx, spec: JsonPath, main: list, init: list) -> int | None:
    """Check every port; return the index of the serving container (None if undecidable)."""
    with_ports = [i for i, c in enumerate(main) if _ports(c)]
    total = sum(len(_ports(c)) for c in main)
    serving: int | None = 0 if len(main) == 1 else (with_ports[0] if with_ports else None)
    if len(main) > 1 and not with_ports:
        ctx.error(spec + ("containers",), "serving-port",
                  f"missing field(s): {dotted(spec + ('containers',))}[*].ports",
                  "with several containers exactly one must declare the serving port (containerPort)",
                  at_key=True)
    if total > 1:
        text = ("more than one container port is set" if len(main) == 1
                else "Only a single port is allowed across all containers")
        first = True
        for i, container in enumerate(main):
            for j, _ in enumerate(_ports(container)):
                if first:
                    first = False
                    continue
                ctx.error(spec + ("containers", i, "ports", j), "single-port", text,
                          "Knative routes to exactly one port; remove the extra ports")
    for field, items, basic in (("containers", main, False), ("initContainers", init, True)):
        for i, container in enumerate(items):
            for j, port in enumerate(_ports(container)):
                if isinstance(port, dict):
                    _check_port(ctx, spec + (field, i, "ports", j), port, basic)
    return serving


def _check_port(ctx, path: JsonPath, port: dict, basic: bool) -> None:
    protocol = port.get("protocol")
    if protocol not in (None, "", "TCP"):
        ctx.error(path + ("protocol",), "port-protocol", f"invalid value: {protocol}",
                  "Knative serves TCP only; remove protocol or set TCP")
    number = port.get("containerPort")
    if isinstance(number, int) and not isinstance(number, bool):
        if not 0 <= number <= 65535:
            ctx.error(path + ("containerPort",), "port-range", f"expected 0 <= {number} <= 65535",
                      "use a port between 1 and 65535")
        elif number in RESERVED_PORTS and not basic:
            ctx.error(path + ("containerPort",), "reserved-port", f"{number} is a reserved port",
                      f"Knative uses {number} ({RESERVED_PORTS[number]}); listen on another port such as 8080")
    name = port.get("name")
    if not basic and isinstance(name, str) and name not in PORT_NAMES:
        ctx.error(path + ("name",), "port-name", f"Port name {name} is not allowed",
                  "Name must be empty, or one of: 'h2c' (HTTP/2 cleartext, gRPC), 'http1'")
