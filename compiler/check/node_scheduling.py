"""IC210 / IC211: node types and node pools.

- IC211: every node pool a workload names (or inherits from its project's
  defaultNodePools) exists on the cluster; `default` always exists;
- IC210: when the project or department has a node-type rule, `nodeType` is required and
  must be in the allowed list (a project's list narrows its department's); a node type
  must be the value of the cluster's node-type label on some node of the workload's pools.
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.registry import repository_rule, workload_rule
from compiler.diagnostics import Diagnostic, did_you_mean
from compiler.resolve.derived import cluster_pools, node_pools


def _unknown_pool(pool: str, cluster, location, subject: str = "") -> Diagnostic:
    pools = cluster_pools(cluster.obj.spec)
    suggestion = did_you_mean(pool, pools)
    return Diagnostic(
        "IC211", f"node pool '{pool}' does not exist on cluster '{cluster.name}'", location,
        hint=suggestion or f"node pools of '{cluster.name}': {', '.join(sorted(pools))}",
        subject=subject)


@workload_rule
def workload_node_pools(w, ctx) -> Iterable[Diagnostic]:
    pools = cluster_pools(w.cluster.obj.spec)
    for i, pool in enumerate(w.spec.nodePools or []):
        if pool not in pools:
            yield _unknown_pool(pool, w.cluster, w.loc("nodePools", i))


@repository_rule
def project_node_pools(workloads, ctx) -> Iterable[Diagnostic]:
    repo = ctx.repo
    for name, project in sorted(repo.projects.items()):
        cluster = repo.clusters.get(project.obj.spec.cluster)
        if cluster is None:
            continue
        pools = cluster_pools(cluster.obj.spec)
        for i, pool in enumerate(project.obj.spec.defaultNodePools or []):
            if pool not in pools:
                yield _unknown_pool(pool, cluster, project.doc.loc(("spec", "defaultNodePools", i)))
        dept_name = project.obj.spec.department
        dept = repo.departments.get(dept_name) if dept_name else None
        p_rule = project.obj.spec.schedulingRules
        d_rule = dept.obj.spec.schedulingRules if dept else None
        if p_rule and p_rule.nodeTypes is not None and d_rule and d_rule.nodeTypes is not None:
            for i, node_type in enumerate(p_rule.nodeTypes):
                if node_type not in d_rule.nodeTypes:
                    yield Diagnostic(
                        "IC210", f"project '{name}' allows node type '{node_type}', which its department"
                                 f" '{dept_name}' does not allow",
                        project.doc.loc(("spec", "schedulingRules", "nodeTypes", i)),
                        hint=f"a project may only narrow its department's node types:"
                             f" {', '.join(d_rule.nodeTypes) or '(none)'}",
                        related=(dept.doc.loc(("spec", "schedulingRules", "nodeTypes")),))


def allowed_node_types(w) -> tuple[list[str] | None, object]:
    """The node types the workload may use (None: no rule) and where the deciding rule is."""
    p_rule = w.project.obj.spec.schedulingRules
    d_rule = w.department.obj.spec.schedulingRules if w.department else None
    d_types = d_rule.nodeTypes if d_rule and d_rule.nodeTypes is not None else None
    p_types = p_rule.nodeTypes if p_rule and p_rule.nodeTypes is not None else None
    if p_types is not None:
        allowed = [t for t in p_types if d_types is None or t in d_types]
        return allowed, w.project.doc.loc(("spec", "schedulingRules", "nodeTypes"))
    if d_types is not None:
        return list(d_types), w.department.doc.loc(("spec", "schedulingRules", "nodeTypes"))
    return None, None


@workload_rule
def node_type(w, ctx) -> Iterable[Diagnostic]:
    spec = w.spec
    allowed, rule_loc = allowed_node_types(w)
    if allowed is not None:
        if not spec.nodeType:
            yield Diagnostic(
                "IC210", f"a node-type rule of project '{w.project.name}' requires a nodeType",
                w.doc.loc(("spec",)),
                hint=f"add nodeType: one of {', '.join(allowed) or '(none allowed)'}", related=(rule_loc,))
            return
        if spec.nodeType not in allowed:
            suggestion = did_you_mean(spec.nodeType, allowed)
            yield Diagnostic(
                "IC210", f"node type '{spec.nodeType}' is not allowed in project '{w.project.name}'",
                w.loc("nodeType"),
                hint=(suggestion + " " if suggestion else "") + f"allowed: {', '.join(allowed) or '(none)'}",
                related=(rule_loc,))
            return
    if not spec.nodeType:
        return
    cluster = w.cluster.obj.spec
    label = cluster.nodeTypeLabelKey
    pools = cluster_pools(cluster)
    names = [p for p in node_pools(spec, w.project.obj.spec) if p in pools]
    if not names:
        return  # unknown pools are IC211
    values = sorted({g.labels[label] for p in names for g in pools[p].nodes if label in g.labels})
    if spec.nodeType not in values:
        suggestion = did_you_mean(spec.nodeType, values)
        found = f"values found: {', '.join(values)}" if values else f"no node carries the label {label}"
        yield Diagnostic(
            "IC210", f"no node in node pool(s) {', '.join(names)} has {label}={spec.nodeType}",
            w.loc("nodeType"),
            hint=(suggestion + " " if suggestion else "") + found
                 + "; pick a node type of these pools, or other node pools")
