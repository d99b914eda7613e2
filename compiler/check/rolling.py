"""IC406: a rolling update needs the new revision's full minimum beside the old revision.

Knative keeps the old revision serving until the new one is ready, and KAI allocates the
new revision's gang only when all its minimum pods fit (seed: 3 → 8 replicas of 1 GPU
needs 8 more GPUs of free quota while the 3 still run). For every workload whose revision
changes, the old revision's footprint (from the lock file) is held — in quota (deserved
for non-preemptible revisions, limit for all) and in node capacity — while the new
revisions of all changed workloads are admitted and placed in scheduling order.

Only what the update adds is reported here: a new revision that does not fit even without
its old one is already IC401–IC405.
"""

from __future__ import annotations

from compiler.check.footprint import Demand, demand_from_footprint
from compiler.check.ledger import Ledger, QuotaBook, Violation
from compiler.check.placement import (
    Placement,
    Simulator,
    demand_location,
    gpu_shape,
    placement_for,
    pod_shape,
)
from compiler.check.quota import RESOURCE_NAMES, fmt_amount, ledger_of, unit_label
from compiler.check.registry import CheckContext, repository_rule
from compiler.diagnostics import Diagnostic

HINT = ("the old revision keeps its pods until the new one is ready: make room for both (more quota or "
        "capacity, or fewer minReplicas for the update), or roll out in two steps")


def _old_demand(d: Demand, previous: dict) -> Demand | None:
    entry = (previous.get(d.cluster) or {}).get(d.lock_key)
    if not isinstance(entry, dict) or not isinstance(entry.get("footprint"), dict):
        return None
    old = demand_from_footprint(entry["footprint"], d)
    if old is None or old.replicas <= 0:
        return None
    return old


def rolling_update_diagnostics(workloads, changed: set[str], previous: dict, placement: Placement,
                               ledger: Ledger | None = None, repo=None) -> list[Diagnostic]:
    """IC406 for each workload in `changed` (lock keys "<namespace>/<workload>"; project keys
    "<project>/<workload>" are accepted too) whose new revision does not fit beside its old one.

    `previous` is {cluster: {"<namespace>/<workload>": {"revision", "specHash", "footprint"}}};
    `placement` is the simulation of the new revisions (simulate(workloads)); `ledger`, when
    given, the quota ledger of the same (its refusals are not reported again)."""
    if not changed:
        return []
    by_key = {w.key: w for w in workloads}
    demands = placement.demands
    rolling: list[tuple[Demand, Demand]] = []  # (new, old)
    for key in sorted(demands):
        d = demands[key]
        if d.lock_key not in changed and d.key not in changed:
            continue
        old = _old_demand(d, previous)
        if old is not None and d.replicas > 0:
            rolling.append((d, old))
    if not rolling:
        return []
    if ledger is None:
        from compiler.check.ledger import ledger_for

        ledger = ledger_for(workloads, placement, repo)
    refused = {v.key for v in ledger.violations}
    new_keys = {d.key for d, _ in rolling}
    out: list[Diagnostic] = []
    out.extend(_quota(rolling, new_keys, refused, placement, ledger, by_key))
    out.extend(_capacity(rolling, new_keys, placement, by_key))
    return out


def _quota(rolling, new_keys, refused, placement: Placement, ledger: Ledger, by_key) -> list[Diagnostic]:
    """Replay the ledger: running revisions (unchanged ones and the old ones) first."""
    book: QuotaBook = ledger.book
    replay = Ledger(book, ledger.gpu_memory)
    old_usage: dict[str, tuple[str, tuple]] = {}
    for d in sorted(placement.demands.values(), key=Demand.sort_key):
        if d.key in new_keys or d.replicas <= 0:
            continue
        pool = placement.pool_for(d.key)
        if pool is not None:
            replay.add(d, pool)
    sim = placement.simulator
    for _, old in sorted(rolling, key=lambda pair: pair[1].sort_key()):
        pool = next((p for p in old.pools if sim and sim.pool(old.cluster, p) is not None), None)
        if pool is None:
            continue
        usage = replay.usage(old, pool)
        replay.admit(old, pool, usage)  # running: already admitted
        old_usage[old.key] = (pool, usage)
    out = []
    for new, old in sorted(rolling, key=lambda pair: pair[0].sort_key()):
        pool = placement.pool_for(new.key)
        if pool is None:
            continue
        usage = replay.usage(new, pool)
        found = replay.check(new, pool, usage)
        if not found:
            replay.admit(new, pool, usage)
            continue
        if new.key in refused:
            continue  # already IC401–IC403 without the old revision
        w = by_key.get(new.key)
        if w is None:
            continue
        old_pool, old_use = old_usage.get(old.key, (None, (0.0, 0.0, 0.0)))
        for v in found:
            held = _held(v, old, old_pool, old_use)
            out.append(Diagnostic("IC406", _quota_message(v, new, old, held), demand_location(w, v.resource),
                                  hint=HINT, subject=w.key))
    return out


def _held(v: Violation, old: Demand, old_pool, old_use) -> float:
    """What the old revision holds of the violated unit and resource."""
    if old_pool != v.pool:
        return 0.0
    if v.bound == "deserved" and old.preemptible:
        return 0.0
    return old_use[("gpu", "cpu", "memory").index(v.resource)]


def _quota_message(v: Violation, new: Demand, old: Demand, held: float) -> str:
    res = RESOURCE_NAMES[v.resource]
    kind = "non-preemptible " if v.bound == "deserved" else ""
    return (f"{new.key}: rolling update from {old.replicas} to {new.replicas} replica"
            f"{'s' if new.replicas != 1 else ''} needs the new revision's {fmt_amount(v.resource, v.this)} {res} "
            f"while the old revision still holds {fmt_amount(v.resource, held)}: {unit_label(v)}: {kind}{res} "
            f"{fmt_amount(v.resource, v.total)} > {v.bound} {fmt_amount(v.resource, v.quota)} "
            f"(new revision {fmt_amount(v.resource, v.this)}, old revision {fmt_amount(v.resource, held)}, "
            f"others {fmt_amount(v.resource, max(0.0, v.others - held))})")


def _capacity(rolling, new_keys, placement: Placement, by_key) -> list[Diagnostic]:
    """Re-run placement: running revisions (unchanged and old) first, then the new ones."""
    if placement.simulator is None:
        return []
    sim = Simulator(placement.simulator.clusters)
    running = [d for d in placement.demands.values() if d.key not in new_keys]
    running.extend(old for _, old in rolling)
    old_nodes: dict[str, tuple[str | None, dict]] = {}
    olds = {id(old) for _, old in rolling}
    for d in sorted(running, key=Demand.sort_key):
        pool, nodes, _ = sim.place(d, explain=False)
        if id(d) in olds:
            old_nodes[d.key] = (pool, nodes)
    out = []
    for new, old in sorted(rolling, key=lambda pair: pair[0].sort_key()):
        pool, _, reasons = sim.place(new)
        if pool is not None or not reasons:
            continue
        if placement.failures.get(new.key):
            continue  # IC405 already: it does not fit even alone
        w = by_key.get(new.key)
        if w is None:
            continue
        old_pool, nodes = old_nodes.get(old.key, (None, {}))
        held = (f"the old revision's {old.replicas} pod{'s' if old.replicas != 1 else ''} × "
                f"{gpu_shape(old)} in {old_pool}" if old_pool else "the old revision")
        mem = placement.gpu_memory(new.cluster, placement.pool_for(new.key) or "")
        out.append(Diagnostic(
            "IC406",
            f"{new.key}: rolling update: the new revision's {new.replicas} replica"
            f"{'s' if new.replicas != 1 else ''} (pod: {pod_shape(new, mem)}) cannot be placed beside {held} — "
            + "; ".join(f"{p}: {why}" for p, why in reasons),
            demand_location(w), hint=HINT, subject=w.key))
    return out


@repository_rule
def rolling_updates(workloads, ctx: CheckContext) -> list[Diagnostic]:
    changed = ctx.changed
    if changed is None:
        return []
    return rolling_update_diagnostics(workloads, set(changed), ctx.previous or {}, placement_for(workloads, ctx),
                                      ledger_of(workloads, ctx), getattr(ctx, "repo", None))


__all__ = ["rolling_update_diagnostics"]
