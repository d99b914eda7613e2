"""Time and peak memory of the quota ledger and the placement simulation.

Builds 10,000 workload demands on a 500-node cluster directly (no YAML), then runs the
placement simulation, the ledger, the IC407 bound and a rolling-update re-run, printing
wall time and peak traced memory of each. Usage:

    .venv/bin/python bench/quota_bench.py [WORKLOADS] [NODES]
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compiler.check.footprint import Demand  # noqa: E402
from compiler.check.ledger import QuotaBook, build_ledger  # noqa: E402
from compiler.check.placement import Simulator, simulate_demands  # noqa: E402
from compiler.spec import kinds as k  # noqa: E402

GI = 2**30


def make_cluster(nodes: int) -> k.ClusterSpec:
    """Three pools: a fifth H100 (8 × 80Gi, tainted), two fifths A100 (8 × 40Gi), two fifths L40S (4 × 48Gi)."""
    h100 = max(1, nodes // 5)
    a100 = max(1, (nodes - h100) // 2)
    l40s = max(1, nodes - h100 - a100)
    return k.ClusterSpec.model_validate({
        "scheduler": "kai", "gpuSharing": True,
        "nodePools": [
            {"name": "h100", "nodes": [
                {"name": "dgx", "count": h100, "gpu": {"model": "H100", "count": 8, "memory": "80Gi"},
                 "cpu": 112, "memory": "2Ti", "labels": {"run.ai/type": "dgx-h100"},
                 "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]}]},
            {"name": "a100", "placement": "spread", "nodes": [
                {"name": "a100", "count": a100 // 2, "gpu": {"model": "A100", "count": 8, "memory": "40Gi"},
                 "cpu": 96, "memory": "1Ti"},
                {"name": "a100b", "count": a100 - a100 // 2, "gpu": {"model": "A100", "count": 8, "memory": "80Gi"},
                 "cpu": 96, "memory": "1Ti"}]},
            {"name": "l40s", "nodes": [
                {"name": "l40s", "count": l40s, "gpu": {"model": "L40S", "count": 4, "memory": "48Gi"},
                 "cpu": 64, "memory": "512Gi"}]},
        ]})


def make_demands(count: int, seed: int = 7) -> list[Demand]:
    rnd = random.Random(seed)
    pool_orders = [("h100", "a100", "l40s"), ("a100", "l40s"), ("l40s", "a100"), ("h100",)]
    tol = (("Exists", "nvidia.com/gpu", "", "NoSchedule"),)
    out = []
    for i in range(count):
        project = f"p{i % 50:02d}"
        roll = rnd.random()
        devices, portion, gmem, cpu = 1, None, None, 4.0
        if roll < 0.15:
            devices = 2
        elif roll < 0.20:
            devices = 8
        elif roll < 0.32:
            portion = rnd.choice((0.25, 0.5))
        elif roll < 0.37:
            gmem = 20 * 10**9
        elif roll < 0.42:
            devices, cpu = 0, 2.0
        replicas = rnd.choice((0, 1, 1, 1, 2, 3))
        priority = rnd.choice((150, 150, 125, 40))
        out.append(Demand(
            key=f"{project}/w{i:05d}", lock_key=f"runai-{project}/w{i:05d}", cluster="prod", project=project,
            department=f"d{i % 5}", pools=rnd.choice(pool_orders), replicas=replicas,
            max_replicas=replicas + rnd.choice((0, 1, 4)), devices=devices, portion=portion, gpu_memory=gmem,
            cpu=cpu + 0.025, memory=rnd.choice((16, 32, 64)) * GI, priority=priority, preemptible=priority < 100,
            node_type="dgx-h100" if rnd.random() < 0.05 else None, tolerations=tol if rnd.random() < 0.8 else ()))
    return out


def make_book() -> QuotaBook:
    book = QuotaBook()
    for d in range(5):
        book.add("prod", "department", f"d{d}", [
            k.PoolResources.model_validate({"nodePool": p, "gpu": {"deserved": 200, "limit": 400},
                                            "cpu": {"deserved": 4000}})
            for p in ("h100", "a100", "l40s")])
    for p in range(50):
        book.add("prod", "project", f"p{p:02d}", [
            k.PoolResources.model_validate({"nodePool": pool, "gpu": {"deserved": 16, "limit": 48},
                                            "memory": {"deserved": "4Ti"}})
            for pool in ("h100", "a100", "l40s")])
    return book


def measure(label: str, fn):
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<34} {elapsed * 1000:9.1f} ms   peak {peak / 2**20:7.1f} MiB")
    return result


def main(argv: list[str]) -> None:
    workloads = int(argv[1]) if len(argv) > 1 else 10_000
    nodes = int(argv[2]) if len(argv) > 2 else 500
    cluster = make_cluster(nodes)
    clusters = {"prod": cluster}
    demands = make_demands(workloads)
    book = make_book()
    print(f"{workloads} workloads, {nodes} nodes "
          f"({sum(g.count * (g.gpu.count if g.gpu else 0) for p in cluster.nodePools for g in p.nodes)} GPUs)")

    placement = measure("placement simulation", lambda: simulate_demands(clusters, demands))
    placed = sum(1 for v in placement.pool.values() if v)
    failed = len(placement.failures)
    print(f"  placed {placed}, not placed {failed}, scale to zero "
          f"{sum(1 for d in demands if d.replicas == 0)}")

    ledger = measure("quota ledger",
                     lambda: build_ledger(placement.demands.values(), placement.pool_for, book, placement.gpu_memory))
    print(f"  quota violations {len(ledger.violations)}")

    def never_reached():
        sim = Simulator(clusters)
        n = 0
        for d in demands:
            states = sim.pools(d.cluster)
            best = max((states[p].max_pods_empty(d) for p in d.pools if p in states), default=0)
            n += best < d.max_replicas
        return n

    print(f"  maxReplicas never reachable: {measure('IC407 bound (empty pools)', never_reached)}")

    changed = demands[: max(1, workloads // 10)]

    def rolling():
        sim = Simulator(clusters)
        keys = {d.key for d in changed}
        for d in sorted((d for d in demands if d.key not in keys), key=Demand.sort_key):
            sim.place(d, explain=False)
        for d in changed:  # the old revisions, one replica fewer
            if d.replicas > 1:
                old = Demand(**{f: getattr(d, f) for f in Demand.__slots__})
                old.replicas -= 1
                sim.place(old, explain=False)
        return sum(1 for d in sorted(changed, key=Demand.sort_key) if sim.place(d)[2])

    print(f"  rolling updates that do not fit: {measure('rolling-update re-run (10%)', rolling)}")


if __name__ == "__main__":
    main(sys.argv)
