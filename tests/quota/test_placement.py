"""Placement simulation: gangs, fractions, taints, node pool order, IC405 and IC407."""

from __future__ import annotations

from quota_helpers import analyse, cluster, codes, h100_org, org, wl

from compiler.check.placement import simulate

ONE_GPU_POOL = """
- name: small
  nodes:
    - {name: small, count: 1, gpu: {model: L4, count: 1, memory: 24Gi}, cpu: 16, memory: 64Gi}
"""
SMALL_ORG = org("[{nodePool: small, gpu: {deserved: 4}}]", "[{nodePool: small, gpu: {deserved: 4}}]")


def small_repo(build, **workloads):
    files = {"clusters/prod.yaml": cluster(ONE_GPU_POOL), "org/research.yaml": SMALL_ORG}
    for name, body in workloads.items():
        files[f"workloads/nlp/{name}.yaml"] = wl(name, "nodePools: [small]\n" + body)
    return analyse(build(files))


def test_two_halves_share_one_gpu(build):
    a = small_repo(build, a="compute: {gpuPortionRequest: 0.5}", b="compute: {gpuPortionRequest: 0.5}")
    assert codes(a, "IC405") == []
    p = simulate(a.workloads)
    assert p.nodes == {"nlp/a": {"small-0": 1}, "nlp/b": {"small-0": 1}}


def test_three_halves_need_two_gpus(build):
    a = small_repo(build, a="compute: {gpuPortionRequest: 0.5}", b="compute: {gpuPortionRequest: 0.5}",
                   c="compute: {gpuPortionRequest: 0.5}")
    [d] = codes(a, "IC405")
    assert d.subject == "nlp/c"
    assert d.message.startswith("nlp/c: 1 replica (pod: 0.5 GPU, 0.025 CPU, 0Gi memory) cannot be placed")
    assert "small: needs 1 pod × 0.5 GPU, room for 0 such pods" in d.message
    # location: the portion request in the workload (minReplicas comes from the baseline)
    assert (d.location.file, d.location.line) == ("workloads/nlp/c.yaml", 7)


def test_fraction_device_takes_no_whole_gpu(build):
    a = small_repo(build, a="compute: {gpuPortionRequest: 0.25}", b="compute: {gpuDevicesRequest: 1}")
    [d] = codes(a, "IC405")
    assert d.subject == "nlp/b"
    assert "small: needs 1 pod × 1 GPU, 0 free GPUs" in d.message


def test_gang_spans_nodes(build):
    pools = """
    - name: h100
      nodes:
        - {name: four, count: 2, gpu: {model: H100, count: 4, memory: 80Gi}, cpu: 64, memory: 512Gi}
    """
    files = {"clusters/prod.yaml": cluster(pools),
             "org/research.yaml": h100_org("{deserved: 16}", "{deserved: 16}"),
             "workloads/nlp/g.yaml": wl("g", "nodePools: [h100]\nautoscaling: {minReplicas: 2}\n"
                                        "compute: {gpuDevicesRequest: 3}")}
    a = analyse(build(files))
    assert codes(a, "IC405") == []
    assert simulate(a.workloads).nodes["nlp/g"] == {"four-0": 1, "four-1": 1}

    files["workloads/nlp/g.yaml"] = wl("g", "nodePools: [h100]\nautoscaling: {minReplicas: 3}\n"
                                       "compute: {gpuDevicesRequest: 3}")
    a = analyse(build(files))
    [d] = codes(a, "IC405")
    assert "h100: needs 3 pods × 3 GPUs, 2 nodes have 3 free GPUs" in d.message
    # minReplicas set in the workload: the diagnostic points at it
    assert (d.location.file, d.location.line, d.location.column) == ("workloads/nlp/g.yaml", 7, 30)


TAINTED = """
- name: h100
  nodes:
    - {name: dgx, count: 1, gpu: {model: H100, count: 8, memory: 80Gi}, cpu: 112, memory: 2Ti,
       taints: [{key: nvidia.com/gpu, value: present, effect: NoSchedule}]}
"""


def test_taint_without_and_with_toleration(build):
    files = {"clusters/prod.yaml": cluster(TAINTED),
             "org/research.yaml": h100_org("{deserved: 16}", "{deserved: 8}"),
             "workloads/nlp/t.yaml": wl("t", "nodePools: [h100]\ncompute: {gpuDevicesRequest: 1}")}
    a = analyse(build(files))
    [d] = codes(a, "IC405")
    assert "h100: taint nvidia.com/gpu=present:NoSchedule is not tolerated" in d.message

    files["workloads/nlp/t.yaml"] = wl("t", "nodePools: [h100]\ncompute: {gpuDevicesRequest: 1}\n"
                                       "tolerations: [{name: gpu, operator: Exists, key: nvidia.com/gpu, "
                                       "effect: NoSchedule}]")
    a = analyse(build(files))
    assert codes(a, "IC405") == []
    assert simulate(a.workloads).pool["nlp/t"] == "h100"


def test_node_type(build):
    # a node type no pool has is IC210's, not a capacity problem
    body = "nodePools: [h100]\nnodeType: a100\ncompute: {gpuDevicesRequest: 1}"
    a = analyse(build({"workloads/nlp/t.yaml": wl("t", body)}))
    assert codes(a, "IC405") == [] and len(codes(a, "IC210")) == 1
    a = analyse(build({"workloads/nlp/t.yaml": wl("t", "nodePools: [l40s, h100]\nnodeType: dgx-h100\n"
                                                  "autoscaling: {minReplicas: 3}\ncompute: {gpuDevicesRequest: 8}")}))
    [d] = codes(a, "IC405")
    assert d.message.endswith("— l40s: no node of type dgx-h100; "
                              "h100: needs 3 pods × 8 GPUs, 2 nodes have 8 free GPUs")


def test_node_pool_fallback_order(build):
    files = {
        "org/research.yaml": org("[{nodePool: h100, gpu: {deserved: 32}}, {nodePool: l40s, gpu: {deserved: 32}}]",
                                 "[{nodePool: h100, gpu: {deserved: 32}}, {nodePool: l40s, gpu: {deserved: 32}}]"),
        "workloads/nlp/big.yaml": wl("big", "priorityClass: very-high\nautoscaling: {minReplicas: 2}\n"
                                     "compute: {gpuDevicesRequest: 8}"),
        "workloads/nlp/small.yaml": wl("small", "priorityClass: high\ncompute: {gpuDevicesRequest: 1}"),
    }
    a = analyse(build(files))
    assert codes(a, "IC405", "IC401", "IC402") == []
    p = simulate(a.workloads)
    assert p.pool == {"nlp/big": "h100", "nlp/small": "l40s"}
    assert p.nodes["nlp/big"] == {"dgx-h100-0": 1, "dgx-h100-1": 1}


def test_binpack_and_spread(build):
    pools = """
    - name: p
      placement: {placement}
      nodes:
        - {{name: n, count: 2, gpu: {{model: L4, count: 4, memory: 24Gi}}, cpu: 16, memory: 64Gi}}
    """
    for strategy, expected in (("binpack", {"n-0": 2}), ("spread", {"n-0": 1, "n-1": 1})):
        files = {"clusters/prod.yaml": cluster(pools.format(placement=strategy)),
                 "org/research.yaml": org("[{nodePool: p, gpu: {deserved: 8}}]", "[{nodePool: p, gpu: {deserved: 8}}]"),
                 "workloads/nlp/s.yaml": wl("s", "nodePools: [p]\nautoscaling: {minReplicas: 2}\n"
                                            "compute: {gpuDevicesRequest: 1}")}
        a = analyse(build(files))
        assert simulate(a.workloads).nodes["nlp/s"] == expected, strategy


def test_cpu_and_memory_per_node(build):
    a = analyse(build({"workloads/nlp/c.yaml": wl("c", "nodePools: [l40s]\n"
                                                  "compute: {gpuDevicesRequest: 1, cpuCoreRequest: 100}")}))
    [d] = codes(a, "IC405")
    assert "l40s: no node has 100.025 CPU (at most 64)" in d.message


def test_scale_to_zero_needs_nothing(build):
    a = analyse(build({"workloads/nlp/z.yaml": wl(
        "z", "autoscaling: {minReplicas: 0, maxReplicas: 1, metric: concurrency, metricThreshold: 4}\n"
        "compute: {gpuDevicesRequest: 8}")}))
    assert codes(a, "IC401", "IC402", "IC403", "IC405", "IC407") == []
    p = simulate(a.workloads)
    assert p.pool["nlp/z"] is None and p.pool_for("nlp/z") == "h100"


def test_max_replicas_never_reached(build):
    body = ("autoscaling: {minReplicas: 1, maxReplicas: 40, metric: concurrency, metricThreshold: 4}\n"
            "nodePools: [h100]\ncompute: {gpuDevicesRequest: 8}")
    a = analyse(build({"workloads/nlp/m.yaml": wl("m", body)}))
    [d] = codes(a, "IC407")
    assert d.severity.value == "warning"
    assert d.message == ("nlp/m: maxReplicas 40 can never be reached: at most 2 pods of 8 GPUs, 0.025 CPU, "
                         "0Gi memory fit even on empty node pools (h100: 2)")
    assert (d.location.file, d.location.line, d.location.column) == ("workloads/nlp/m.yaml", 6, 46)

    body = body.replace("maxReplicas: 40", "maxReplicas: 2")
    assert codes(analyse(build({"workloads/nlp/m.yaml": wl("m", body)})), "IC407") == []


def test_ignore_annotation_silences(build):
    doc = wl("m", "autoscaling: {minReplicas: 1, maxReplicas: 40, metric: concurrency, metricThreshold: 4}\n"
             "nodePools: [h100]\ncompute: {gpuDevicesRequest: 8}")
    doc = doc.replace("metadata: {name: m, project: nlp}",
                      "metadata: {name: m, project: nlp, annotations: {infc/ignore: IC407}}")
    assert codes(analyse(build({"workloads/nlp/m.yaml": doc})), "IC407") == []


def test_failed_gang_is_rolled_back(build):
    pools = """
    - name: p
      nodes:
        - {name: n, count: 2, gpu: {model: L4, count: 4, memory: 24Gi}, cpu: 64, memory: 256Gi}
    """
    files = {"clusters/prod.yaml": cluster(pools),
             "org/research.yaml": org("[{nodePool: p, gpu: {deserved: 8}}]", "[{nodePool: p, gpu: {deserved: 8}}]"),
             # GPUs would take 3 pods × 2 GPUs, but 40 CPU each leaves room for one pod per node
             "workloads/nlp/a.yaml": wl("a", "priorityClass: very-high\nnodePools: [p]\nautoscaling: {minReplicas: 3}\n"
                                        "compute: {gpuDevicesRequest: 2, cpuCoreRequest: 40}"),
             "workloads/nlp/b.yaml": wl("b", "priorityClass: high\nnodePools: [p]\nautoscaling: {minReplicas: 2}\n"
                                        "compute: {gpuDevicesRequest: 4, cpuCoreRequest: 60}")}
    a = analyse(build(files))
    [d] = codes(a, "IC405")
    assert d.subject == "nlp/a"
    assert d.message.endswith("p: needs 3 pods × 2 GPUs, CPU left for 2 pods")
    # nothing of the refused gang stays behind: b gets both (empty) nodes
    assert simulate(a.workloads).nodes == {"nlp/b": {"n-0": 1, "n-1": 1}}
