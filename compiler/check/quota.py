"""Quota rules over the ledger (compiler/check/ledger.py).

IC401  non-preemptible revisions exceed the project's deserved quota in a node pool;
IC402  ... the department's deserved quota;
IC403  any revision exceeds a project's or department's limit;
IC404  the projects of a department with limitProjectsToDepartmentQuota ask for more
       deserved quota (or a higher limit) than the department has.
Each IC401–IC403 is reported at the workload whose addition overflows, in scheduling
order; IC404 at the project's resources entry.
"""

from __future__ import annotations

from compiler.check.ledger import INF, RESOURCES, Ledger, Violation, ledger_for, parse_quota, quota_value
from compiler.check.placement import demand_location, fmt_mem, fmt_num, placement_for
from compiler.check.registry import CheckContext, repository_rule
from compiler.diagnostics import Diagnostic

RESOURCE_NAMES = {"gpu": "GPU", "cpu": "CPU", "memory": "memory"}


def fmt_amount(resource: str, value: float) -> str:
    if value == INF:
        return "unlimited"
    if resource == "memory":
        return fmt_mem(value)
    return fmt_num(value, 2 if resource == "gpu" else 3)


def ledger_of(workloads, ctx: CheckContext) -> Ledger:
    """One ledger per check run, shared by the quota and rolling-update rules."""
    cached = getattr(ctx, "_infc_ledger", None)
    if cached is not None and cached[0] is workloads:
        return cached[1]
    ledger = ledger_for(workloads, placement_for(workloads, ctx), getattr(ctx, "repo", None))
    setattr(ctx, "_infc_ledger", (workloads, ledger))
    return ledger


def unit_label(v: Violation) -> str:
    return f"{'department ' if v.level == 'department' else ''}{v.name}/{v.pool}"


def violation_message(v: Violation) -> str:
    res = RESOURCE_NAMES[v.resource]
    kind = "non-preemptible " if v.bound == "deserved" else ""
    return (f"{unit_label(v)}: {kind}{res} {fmt_amount(v.resource, v.total)} > {v.bound} "
            f"{fmt_amount(v.resource, v.quota)} (this workload {fmt_amount(v.resource, v.this)}, "
            f"others {fmt_amount(v.resource, v.others)})")


def violation_hint(v: Violation) -> str:
    res = RESOURCE_NAMES[v.resource]
    owner = "the department's" if v.level == "department" else "the project's"
    if v.bound == "deserved":
        return (f"lower minReplicas or the {res} request per replica, ask for more deserved {res} quota in "
                f"{owner} node pool {v.pool}, try another node pool, or make the workload preemptible "
                f"(a priorityClass below 100 or preemptibility: preemptible) so it may run over quota")
    return (f"lower minReplicas or the {res} request per replica, or raise {owner} {res} limit in node pool "
            f"{v.pool}: no workload, preemptible or not, may go over the limit")


@repository_rule
def quota(workloads, ctx: CheckContext) -> list[Diagnostic]:
    ledger = ledger_of(workloads, ctx)
    by_key = {w.key: w for w in workloads}
    out = []
    for v in ledger.violations:
        w = by_key.get(v.key)
        if w is None:
            continue
        out.append(Diagnostic(v.code, violation_message(v), demand_location(w, v.resource),
                              hint=violation_hint(v), subject=w.key))
    return out


@repository_rule
def department_fit(workloads, ctx: CheckContext) -> list[Diagnostic]:
    """IC404: projects' quotas against a limited department's, per node pool and resource."""
    repo = getattr(ctx, "repo", None)
    if repo is None:
        return []
    out = []
    for dname, dept in sorted(repo.departments.items()):
        if not dept.obj.spec.limitProjectsToDepartmentQuota:
            continue
        projects = sorted((p for p in repo.projects.values() if p.obj.spec.department == dname),
                          key=lambda p: p.name)
        pools = sorted({e.nodePool for p in projects for e in p.obj.spec.resources})
        for pool in pools:
            dq, _ = parse_quota(dept.obj.spec.resources, pool)
            for i, res in enumerate(RESOURCES):
                total = 0.0
                reported = False
                for p in projects:
                    _, idx = parse_quota(p.obj.spec.resources, pool)
                    if idx is None:
                        continue
                    entry = getattr(p.obj.spec.resources[idx], res)
                    if entry is None:
                        continue
                    amount = quota_value(res, entry.deserved) if entry.deserved is not None else None
                    if amount is not None and not reported:
                        others = total
                        total += amount
                        if dq.deserved[i] != INF and total > dq.deserved[i] + 1e-9:
                            reported = True
                            out.append(Diagnostic(
                                "IC404",
                                f"department {dname}/{pool}: projects' deserved {RESOURCE_NAMES[res]} "
                                f"{fmt_amount(res, total)} > department deserved {fmt_amount(res, dq.deserved[i])} "
                                f"(project {p.name} {fmt_amount(res, amount)}, others {fmt_amount(res, others)})",
                                p.doc.loc(("spec", "resources", idx, res, "deserved")),
                                hint=(f"department {dname} limits its projects to its quota "
                                      f"(limitProjectsToDepartmentQuota): lower the projects' deserved "
                                      f"{RESOURCE_NAMES[res]} in node pool {pool} or raise the department's")))
                    lim = quota_value(res, entry.limit) if entry.limit is not None else None
                    if lim is not None and lim != INF and dq.limit[i] != INF and lim > dq.limit[i] + 1e-9:
                        out.append(Diagnostic(
                            "IC404",
                            f"department {dname}/{pool}: project {p.name} {RESOURCE_NAMES[res]} limit "
                            f"{fmt_amount(res, lim)} > department limit {fmt_amount(res, dq.limit[i])}",
                            p.doc.loc(("spec", "resources", idx, res, "limit")),
                            hint=(f"department {dname} limits its projects to its quota: lower project "
                                  f"{p.name}'s {RESOURCE_NAMES[res]} limit in node pool {pool} or raise the "
                                  f"department's")))
    return out
