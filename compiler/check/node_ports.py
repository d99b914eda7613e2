"""IC212: custom NodePorts outside 30000-32767, or used twice on one cluster.

A NodePort is cluster-wide: two workloads (in any namespace) asking for the same one
means the second cannot be created ("if the node port is already in use, the workload
will fail").
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.registry import repository_rule
from compiler.diagnostics import Diagnostic

NODE_PORT_RANGE = (30000, 32767)


@repository_rule
def node_ports(workloads, ctx) -> Iterable[Diagnostic]:
    lo, hi = NODE_PORT_RANGE
    used: dict[tuple[str, int], tuple[str, object]] = {}
    for w in sorted(workloads, key=lambda w: (w.cluster_name, w.key)):
        for i, port_name, service_type, external in w.ports:
            if service_type != "NodePort" or external is None:
                continue
            where = w.loc("ports", i, "external")
            if not lo <= external <= hi:
                yield Diagnostic(
                    "IC212", f"NodePort {external} of port '{port_name}' is outside {lo}-{hi}",
                    where, hint=f"use a port between {lo} and {hi}, or omit external to get one assigned",
                    subject=w.key)
                continue
            key = (w.cluster_name, external)
            if key in used:
                owner, first = used[key]
                yield Diagnostic(
                    "IC212", f"NodePort {external} of port '{port_name}' is already used by {owner} on"
                             f" cluster '{w.cluster_name}'",
                    where, hint=f"pick another port between {lo} and {hi} (first use at {first}), or omit external",
                    related=(first,), subject=w.key)
            else:
                used[key] = (f"workload {w.key} (port '{port_name}')", where)
