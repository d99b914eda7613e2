"""Data for `infc quota`: use against quota per department, project and node pool.

Use is counted at each workload's minimum replicas, in the pool the placement simulation
puts it in (see compiler/check/ledger.py): `nonPreemptible` is what non-preemptible
workloads ask for (it must fit `deserved`), `used` what all workloads ask for (it must fit
`limit`), `free` is deserved minus used (negative: running over quota, which only
preemptible workloads may do). Unlimited values are None.
"""

from __future__ import annotations

from compiler.check.ledger import INF, RESOURCES, QuotaBook, ledger_for
from compiler.check.placement import fmt_mem, fmt_num, simulate

_ROUND = {"gpu": 4, "cpu": 4, "memory": 0}


def _value(resource: str, v: float) -> float | int | None:
    if v == INF:
        return None
    if resource == "memory":
        return int(round(v))
    out = round(v, _ROUND[resource])
    return int(out) if out == int(out) else out


def quota_table(analysis) -> list[dict]:
    """One row per department and project per node pool (pools with a quota entry or use)."""
    workloads = analysis.facts
    placement = simulate(workloads)
    ledger = ledger_for(workloads, placement, analysis.repo)
    book: QuotaBook = ledger.book
    used_pools: dict[tuple[str, str, str], set[str]] = {}
    for (cluster, level, name, pool) in ledger.requested:
        used_pools.setdefault((cluster, level, name), set()).add(pool)
    departments_of = {name: p.obj.spec.department for name, p in analysis.repo.projects.items()}
    rows = []
    for cluster, level, name in book.units():
        pools = set(book.pools_of(cluster, level, name)) | used_pools.get((cluster, level, name), set())
        dept = name if level == "department" else departments_of.get(name)
        for pool in pools:
            unit = (cluster, level, name, pool)
            quota = book.quota(unit)
            use = ledger.requested.get(unit) or [0.0] * 6
            row = {"cluster": cluster, "level": level, "name": name, "department": dept, "pool": pool}
            for i, res in enumerate(RESOURCES):
                deserved = quota.deserved[i]
                row[res] = {
                    "deserved": _value(res, deserved),
                    "limit": _value(res, quota.limit[i]),
                    "nonPreemptible": _value(res, use[i]),
                    "used": _value(res, use[3 + i]),
                    "free": None if deserved == INF else _value(res, deserved - use[3 + i]),
                }
            rows.append(row)
    rows.sort(key=lambda r: (r["cluster"], r["department"] or "", r["level"] != "department", r["name"],
                             r["pool"]))
    return rows


def _show(resource: str, v) -> str:
    if v is None:
        return "unlimited"
    return fmt_mem(v) if resource == "memory" else fmt_num(v, 2 if resource == "gpu" else 3)


COLUMNS = ("CLUSTER", "SCOPE", "POOL", "RESOURCE", "NON-PREEMPTIBLE", "USED", "DESERVED", "LIMIT", "FREE")


def format_quota_text(rows: list[dict]) -> str:
    """An aligned table; CPU and memory lines only where a quota is set or something is used."""
    lines = [COLUMNS]
    for row in rows:
        scope = row["name"] if row["level"] == "department" or not row["department"] \
            else f"{row['department']}/{row['name']}"
        for res in RESOURCES:
            cell = row[res]
            if res != "gpu" and cell["deserved"] is None and cell["limit"] is None and not cell["used"]:
                continue
            lines.append((row["cluster"], scope, row["pool"], res, _show(res, cell["nonPreemptible"]),
                          _show(res, cell["used"]), _show(res, cell["deserved"]), _show(res, cell["limit"]),
                          "-" if cell["free"] is None else _show(res, cell["free"])))
    if len(lines) == 1:
        return "no departments or projects with quota\n"
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    out = []
    for line in lines:
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
    return "\n".join(out) + "\n"
