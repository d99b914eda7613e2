"""Data for `infc plan`: what a compile would change, without writing anything.

Compares the would-be output tree with the current output directory (files added,
changed, removed), the new lock entries with the previous ones (revisions that change),
the GPU quota each project uses per node pool at minimum replicas (old footprints from
the previous lock file against the new revisions), and where each workload's minimum
replicas land. Everything is sorted, so the same input gives the same plan.
"""

from __future__ import annotations

from pathlib import Path

from compiler.check.footprint import Demand, demand_from_footprint
from compiler.check.placement import Placement, fmt_num, simulate

def _revision_changes(previous: dict, current: dict) -> list[dict]:
    out = []
    for cluster in sorted(set(previous) | set(current)):
        old = previous.get(cluster) or {}
        new = current.get(cluster) or {}
        for key in sorted(set(old) | set(new)):
            a = old.get(key, {}).get("revision") if key in old else None
            b = new.get(key, {}).get("revision") if key in new else None
            if a != b or (key in old) != (key in new):
                out.append({"cluster": cluster, "workload": key, "old": a, "new": b})
    return out


def _gpu_of(d: Demand, pool: str, placement: Placement) -> float:
    return d.replicas * d.gpus_per_pod(placement.gpu_memory(d.cluster, pool)) if d.devices else 0.0


def _gpu_delta(analysis, placement: Placement, previous: dict) -> list[dict]:
    table: dict[tuple[str, str, str], list[float]] = {}
    project_of_ns = {p.obj.namespace: name for name, p in analysis.repo.projects.items()}
    like = {(d.cluster, d.lock_key): d for d in placement.demands.values()}
    for cluster, entries in sorted(previous.items()):
        for key, entry in sorted(entries.items()):
            fp = entry.get("footprint")
            if not isinstance(fp, dict):
                continue
            base = like.get((cluster, key)) or Demand(
                key=key, lock_key=key, cluster=cluster,
                project=str(fp.get("project") or project_of_ns.get(key.split("/")[0], key.split("/")[0])),
                department=None, pools=(), replicas=0, max_replicas=0, devices=0, portion=None,
                gpu_memory=None, cpu=0.0, memory=0, priority=0, preemptible=False)
            old = demand_from_footprint(fp, base)
            if old is None or not old.pools or old.replicas <= 0:
                continue
            pool = old.pools[0]
            gpus = _gpu_of(old, pool, placement)
            if gpus:
                table.setdefault((cluster, old.project, pool), [0.0, 0.0])[0] += gpus
    for d in placement.demands.values():
        pool = placement.pool_for(d.key)
        if pool is None or d.replicas <= 0:
            continue
        gpus = _gpu_of(d, pool, placement)
        if gpus:
            table.setdefault((d.cluster, d.project, pool), [0.0, 0.0])[1] += gpus
    rows = []
    for (cluster, project, pool), (old, new) in sorted(table.items()):
        rows.append({"cluster": cluster, "project": project, "pool": pool, "old": _num(old), "new": _num(new),
                     "delta": _num(new - old)})
    return rows


def _num(v: float) -> float | int:
    v = round(v, 4)
    return int(v) if v == int(v) else v


def _placements(placement: Placement) -> list[dict]:
    out = []
    for key in sorted(placement.demands):
        d = placement.demands[key]
        pool = placement.pool.get(key)
        out.append({
            "cluster": d.cluster, "workload": key, "replicas": d.replicas,
            "pool": pool if pool else (placement.pool_for(key) if d.replicas == 0 else None),
            "placed": bool(pool) or d.replicas == 0,
            "nodes": dict(sorted(placement.nodes.get(key, {}).items())),
            "reasons": [{"pool": p, "reason": why} for p, why in placement.failures.get(key, [])],
        })
    return out


def plan(analysis, new_tree: dict[str, bytes], old_root: Path, revisions: dict[str, dict],
         previous: dict[str, dict[str, dict]]) -> dict:
    """What compiling would change.

    `new_tree`: the would-be output tree, path relative to the output directory -> bytes;
    `old_root`: the current output directory; `revisions`: the new lock entries,
    {cluster: {"<namespace>/<workload>": {"revision", "specHash", "footprint"}}};
    `previous`: the current lock entries in the same shape (`compiler.build.read_previous`)."""
    from compiler.output.write import diff_against

    placement = analysis.placement or simulate(analysis.facts)
    files = diff_against(Path(old_root), new_tree)
    revision_changes = _revision_changes(previous, revisions)
    return {
        "files": files,
        "revisions": revision_changes,
        "gpu": _gpu_delta(analysis, placement, previous),
        "placement": _placements(placement),
        "summary": {"added": len(files["added"]), "changed": len(files["changed"]),
                    "removed": len(files["removed"]), "revisions": len(revision_changes)},
    }


def format_plan_text(p: dict) -> str:
    files = p["files"]
    lines = [f"Files: {len(files['added'])} added, {len(files['changed'])} changed, "
             f"{len(files['removed'])} removed"]
    for mark, name in (("+", "added"), ("~", "changed"), ("-", "removed")):
        lines.extend(f"  {mark} {path}" for path in files[name])
    lines.append("")
    if p["revisions"]:
        lines.append("Revisions:")
        for r in p["revisions"]:
            old = "none" if r["old"] is None else str(r["old"])
            new = "removed" if r["new"] is None else str(r["new"])
            lines.append(f"  {r['cluster']} {r['workload']}: {old} → {new}")
    else:
        lines.append("Revisions: no change")
    lines.append("")
    lines.append("GPU quota at minimum replicas (project, node pool):")
    if p["gpu"]:
        width = max(len(f"{g['cluster']} {g['project']}/{g['pool']}") for g in p["gpu"])
        for g in p["gpu"]:
            label = f"{g['cluster']} {g['project']}/{g['pool']}".ljust(width)
            delta = g["delta"]
            sign = "+" if delta > 0 else ""
            lines.append(f"  {label}  {fmt_num(g['old'], 2)} → {fmt_num(g['new'], 2)} ({sign}{fmt_num(delta, 2)})")
    else:
        lines.append("  none")
    lines.append("")
    lines.append("Placement:")
    if not p["placement"]:
        lines.append("  no workloads")
    for pl in p["placement"]:
        if pl["replicas"] == 0:
            lines.append(f"  {pl['workload']}: scales to zero (no minimum replicas)")
        elif pl["placed"]:
            nodes = ", ".join(f"{n} ×{c}" for n, c in pl["nodes"].items())
            lines.append(f"  {pl['workload']}: {pl['pool']} ({pl['replicas']} pod{'s' if pl['replicas'] != 1 else ''}: "
                         f"{nodes})")
        else:
            why = "; ".join(f"{r['pool']}: {r['reason']}" for r in pl["reasons"])
            lines.append(f"  {pl['workload']}: not placed ({why})")
    return "\n".join(lines) + "\n"
