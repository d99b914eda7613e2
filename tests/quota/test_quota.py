"""Quota ledger and rules IC401–IC404: deserved for non-preemptible, limit for all."""

from __future__ import annotations

import json

from quota_helpers import analyse, codes, h100_org, org, wl

from compiler.check.footprint import demand, demand_from_footprint, footprint_of
from compiler.quota_report import format_quota_text, quota_table


def two(name, body):
    return {f"workloads/nlp/{name}.yaml": wl(name, body)}


def test_within_deserved_is_clean(build):
    a = analyse(build(two("a", "nodePools: [h100]\nautoscaling: {minReplicas: 8}\ncompute: {gpuDevicesRequest: 1}")))
    assert codes(a, "IC401", "IC402", "IC403", "IC404", "IC405") == []


def test_project_deserved_overflow_at_the_workload_that_adds(build):
    files = two("a", "nodePools: [h100]\nautoscaling: {minReplicas: 7}\ncompute: {gpuDevicesRequest: 1}")
    files.update(two("b", "nodePools: [h100]\nautoscaling: {minReplicas: 2}\ncompute: {gpuDevicesRequest: 1}"))
    a = analyse(build(files))
    [d] = codes(a, "IC401")
    assert d.subject == "nlp/b"
    assert d.message == "nlp/h100: non-preemptible GPU 9 > deserved 8 (this workload 2, others 7)"
    assert (d.location.file, d.location.line, d.location.column) == ("workloads/nlp/b.yaml", 7, 30)
    assert "make the workload preemptible" in d.hint and "lower minReplicas" in d.hint


def test_priority_decides_who_overflows(build):
    files = two("a", "nodePools: [h100]\nautoscaling: {minReplicas: 7}\ncompute: {gpuDevicesRequest: 1}\n"
                "priorityClass: high")
    files.update(two("b", "nodePools: [h100]\nautoscaling: {minReplicas: 2}\ncompute: {gpuDevicesRequest: 1}"))
    a = analyse(build(files))
    [d] = codes(a, "IC401")
    # b (very-high) is admitted first, so a (high) is the one that does not fit
    assert d.subject == "nlp/a"
    assert d.message == "nlp/h100: non-preemptible GPU 9 > deserved 8 (this workload 7, others 2)"


def test_department_deserved(build):
    files = {"org/research.yaml": h100_org("{deserved: 4}", "{deserved: 8}")}
    files.update(two("a", "nodePools: [h100]\nautoscaling: {minReplicas: 5}\ncompute: {gpuDevicesRequest: 1}"))
    a = analyse(build(files))
    assert codes(a, "IC401") == []
    [d] = codes(a, "IC402")
    assert d.message == "department research/h100: non-preemptible GPU 5 > deserved 4 (this workload 5, others 0)"
    assert "the department's" in d.hint


def test_department_limit(build):
    files = {"org/research.yaml": org("[{nodePool: h100, gpu: {deserved: 16, limit: 4}}]",
                                      "[{nodePool: h100, gpu: {deserved: 8}}]")}
    files.update(two("a", "nodePools: [h100]\npriorityClass: low\nautoscaling: {minReplicas: 6}\n"
                     "compute: {gpuDevicesRequest: 1}"))
    a = analyse(build(files))
    [d] = codes(a, "IC403")
    assert d.message == "department research/h100: GPU 6 > limit 4 (this workload 6, others 0)"
    assert (d.location.file, d.location.line) == ("workloads/nlp/a.yaml", 8)


def test_preemptible_over_deserved_but_not_over_limit(build):
    org_doc = org(project_resources="[{nodePool: h100, gpu: {deserved: 8, limit: 10}}]")
    body = "nodePools: [h100]\npriorityClass: low\nautoscaling: {minReplicas: %d}\ncompute: {gpuDevicesRequest: 1}"
    a = analyse(build({"org/research.yaml": org_doc, **two("p", body % 10)}))
    assert codes(a, "IC401", "IC402", "IC403") == []
    a = analyse(build({"org/research.yaml": org_doc, **two("p", body % 12)}))
    assert [d.code for d in codes(a, "IC401", "IC402", "IC403")] == ["IC403"]
    [d] = codes(a, "IC403")
    assert d.message == "nlp/h100: GPU 12 > limit 10 (this workload 12, others 0)"
    assert "no workload, preemptible or not" in d.hint
    # the same as non-preemptible: over deserved too
    a = analyse(build({"org/research.yaml": org_doc, **two("p", (body % 12).replace("low", "very-high"))}))
    assert sorted(d.code for d in codes(a, "IC401", "IC402", "IC403")) == ["IC401", "IC403"]


def test_gpu_memory_converted_with_pool_memory(build):
    files = {"org/research.yaml": h100_org("{deserved: 16}", "{deserved: 0.4}")}
    files.update(two("m", "nodePools: [h100]\n"
                     "compute: {gpuDevicesRequest: 1, gpuRequestType: memory, gpuMemoryRequest: 40G}"))
    a = analyse(build(files))
    [d] = codes(a, "IC401")
    # 40G = 40e9 bytes of an 80Gi (85.9e9 bytes) H100: 0.4657 of a GPU
    assert d.message == "nlp/h100: non-preemptible GPU 0.47 > deserved 0.4 (this workload 0.47, others 0)"
    rows = {(r["name"], r["pool"]): r for r in quota_table(a)}
    assert rows[("nlp", "h100")]["gpu"]["used"] == round(40e9 / (80 * 2**30), 4)


def test_cpu_quota_counts_queue_proxy(build):
    files = {"org/research.yaml": org(project_resources="[{nodePool: h100, gpu: {deserved: 8}, cpu: {deserved: 8}}]")}
    files.update(two("c", "nodePools: [h100]\nautoscaling: {minReplicas: 2}\n"
                     "compute: {gpuDevicesRequest: 1, cpuCoreRequest: 4}"))
    a = analyse(build(files))
    [d] = codes(a, "IC401")
    assert d.message == "nlp/h100: non-preemptible CPU 8.05 > deserved 8 (this workload 8.05, others 0)"


def test_department_limits_projects(build):
    more = """
    apiVersion: infc/v1
    kind: Project
    metadata: {name: vision}
    spec:
      cluster: prod
      department: research
      resources:
        - {nodePool: h100, gpu: {deserved: 10, limit: 20}}
    """
    files = {"org/research.yaml": org("[{nodePool: h100, gpu: {deserved: 16, limit: 16}}]",
                                      "[{nodePool: h100, gpu: {deserved: 8}}]",
                                      dept_extra="limitProjectsToDepartmentQuota: true", more=more)}
    a = analyse(build(files))
    found = codes(a, "IC404")
    assert [d.message for d in found] == [
        "department research/h100: projects' deserved GPU 18 > department deserved 16 (project vision 10, others 8)",
        "department research/h100: project vision GPU limit 20 > department limit 16",
    ]
    lines = files["org/research.yaml"].splitlines()
    row = next(i for i, text in enumerate(lines) if "deserved: 10" in text)
    assert (found[0].location.file, found[0].location.line, found[0].location.column) == \
        ("org/research.yaml", row + 1, lines[row].index("deserved: 10") + 11)
    assert (found[1].location.line, found[1].location.column) == (row + 1, lines[row].index("limit: 20") + 8)

    files["org/research.yaml"] = files["org/research.yaml"].replace("limitProjectsToDepartmentQuota: true", "")
    assert codes(analyse(build(files)), "IC404") == []


def test_quota_table_numbers(build):
    files = two("a", "nodePools: [h100]\nautoscaling: {minReplicas: 2}\n"
                "compute: {gpuDevicesRequest: 1, cpuCoreRequest: 4, cpuMemoryRequest: 32Gi}")
    files.update(two("b", "nodePools: [h100]\npriorityClass: low\ncompute: {gpuDevicesRequest: 1, cpuCoreRequest: 4}"))
    a = analyse(build(files))
    rows = quota_table(a)
    assert [(r["level"], r["name"], r["pool"]) for r in rows] == [
        ("department", "research", "h100"), ("department", "research", "l40s"),
        ("project", "nlp", "h100"), ("project", "nlp", "l40s")]
    nlp = rows[2]
    assert nlp["department"] == "research" and nlp["cluster"] == "prod"
    assert nlp["gpu"] == {"deserved": 8, "limit": None, "nonPreemptible": 2, "used": 3, "free": 5}
    assert nlp["cpu"] == {"deserved": None, "limit": None, "nonPreemptible": 8.05, "used": 12.075, "free": None}
    assert nlp["memory"]["used"] == 64 * 2**30
    assert rows[0]["gpu"] == {"deserved": 16, "limit": None, "nonPreemptible": 2, "used": 3, "free": 13}
    json.dumps(rows)
    text = format_quota_text(rows)
    lines = text.splitlines()
    assert lines[0].split() == ["CLUSTER", "SCOPE", "POOL", "RESOURCE", "NON-PREEMPTIBLE", "USED", "DESERVED",
                                "LIMIT", "FREE"]
    assert "prod     research/nlp  h100  gpu       2                3       8          unlimited  5" in lines
    assert any(line.split()[:4] == ["prod", "research/nlp", "h100", "memory"] and "64Gi" in line for line in lines)


def test_footprint_is_json_and_round_trips(build):
    a = analyse(build(two("f", "autoscaling: {minReplicas: 3}\n"
                          "compute: {gpuDevicesRequest: 2, gpuPortionRequest: 0.5, cpuCoreRequest: 4, "
                          "cpuMemoryRequest: 8Gi}")))
    [w] = a.workloads
    fp = footprint_of(demand(w), "h100")
    assert json.loads(json.dumps(fp)) == fp
    assert fp == {"project": "nlp", "pools": ["h100", "l40s"], "replicas": 3,
                  "gpu": {"devices": 2, "portion": 0.5, "memory": None}, "cpu": 4.025, "memory": 8 * 2**30,
                  "priority": 150, "preemptible": False, "pool": "h100"}
    d = demand(w)
    back = demand_from_footprint(fp, d)
    assert (back.replicas, back.devices, back.portion, back.cpu, back.memory, back.pools) == \
        (3, 2, 0.5, 4.025, 8 * 2**30, ("h100", "l40s"))
