"""IC204 / IC205 autoscaling, IC206 timeouts."""

from __future__ import annotations

from helpers import CLUSTER, at, check, none_of, only, run, workload_doc

HPA_CLUSTER = CLUSTER.replace("  knative:\n", "  knative:\n    hpaCustomMetrics: true\n")

BASE = """
huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
compute: {gpuDevicesRequest: 1}
"""


def test_ic204_metric_required_between_min_and_max(tmp_path):
    spec = BASE + "autoscaling:\n  minReplicas: 1\n  maxReplicas: 3\n"
    d = only(run(tmp_path, spec), "IC204")
    check(d, "between 1 and 3 replicas needs a metric", at(workload_doc(spec), "maxReplicas: 3"),
          "autoscaling.metric")


def test_ic204_min0_max1_needs_no_metric(tmp_path):
    spec = BASE + "autoscaling: {minReplicas: 0, maxReplicas: 1}\n"
    none_of(run(tmp_path, spec), "IC204", "IC205")


def test_ic204_threshold_required_with_metric(tmp_path):
    spec = BASE + "autoscaling: {minReplicas: 1, maxReplicas: 2, metric: concurrency}\n"
    d = only(run(tmp_path, spec), "IC204")
    check(d, "'concurrency' has no metricThreshold", at(workload_doc(spec), "metric: concurrency"),
          "metricThreshold")


def test_ic204_percentage_only_with_throughput_or_concurrency(tmp_path):
    spec = BASE + "autoscaling: {minReplicas: 1, maxReplicas: 2, metric: latency, metricThreshold: 500, " \
                  "metricThresholdPercentage: 70}\n"
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": HPA_CLUSTER}), "IC204")
    check(d, "throughput and concurrency only, not 'latency'", at(workload_doc(spec), "metricThresholdPercentage: 70"),
          "remove metricThresholdPercentage")


def test_ic204_latency_needs_hpa_custom_metrics(tmp_path):
    spec = BASE + "autoscaling: {minReplicas: 1, maxReplicas: 2, metric: latency, metricThreshold: 500}\n"
    d = only(run(tmp_path, spec), "IC204")
    check(d, "needs the HPA autoscaler", at(workload_doc(spec), "metric: latency"), "hpaCustomMetrics: true")
    none_of(run(tmp_path / "hpa", spec, files={"clusters/prod.yaml": HPA_CLUSTER}), "IC204")


def test_ic204_delays_within_an_hour(tmp_path):
    spec = BASE + "autoscaling: {minReplicas: 0, maxReplicas: 1, scaleToZeroRetentionSeconds: 4000}\n"
    d = only(run(tmp_path, spec), "IC204")
    check(d, "scaleToZeroRetentionSeconds 4000 is outside 0-3600", at(workload_doc(spec),
          "scaleToZeroRetentionSeconds: 4000"), "between 0 and 3600")


def test_ic204_valid_autoscaling_passes(tmp_path):
    spec = BASE + ("autoscaling: {minReplicas: 1, maxReplicas: 2, initialReplicas: 1, activationReplicas: 1,"
                   " metric: concurrency, metricThreshold: 8, metricThresholdPercentage: 70, scaleDownDelaySeconds: 60}\n")
    none_of(run(tmp_path, spec), "IC204", "IC205")


def test_ic205_scale_to_zero_with_latency(tmp_path):
    spec = BASE + "autoscaling: {minReplicas: 0, maxReplicas: 2, metric: latency, metricThreshold: 500}\n"
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": HPA_CLUSTER}), "IC205")
    check(d, "not possible with the 'latency' metric", at(workload_doc(spec), "minReplicas: 0"),
          "throughput and concurrency")


def test_ic205_cluster_without_scale_to_zero(tmp_path):
    cluster = CLUSTER.replace("  knative:\n", "  knative:\n    scaleToZero: false\n")
    spec = BASE + "autoscaling: {minReplicas: 0, maxReplicas: 2, metric: concurrency, metricThreshold: 4}\n"
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": cluster}), "IC205")
    check(d, "does not allow scale to zero", at(workload_doc(spec), "minReplicas: 0"), "scaleToZero: true")


def test_ic205_scale_to_zero_with_concurrency_passes(tmp_path):
    spec = BASE + "autoscaling: {minReplicas: 0, maxReplicas: 2, metric: concurrency, metricThreshold: 4}\n"
    none_of(run(tmp_path, spec), "IC204", "IC205")


def test_ic206_initialization_timeout_too_short(tmp_path):
    spec = BASE + "servingConfiguration: {initializationTimeoutSeconds: 4}\n"
    d = only(run(tmp_path, spec), "IC206")
    check(d, "initializationTimeoutSeconds 4 is outside 5 s - 60 min",
          at(workload_doc(spec), "initializationTimeoutSeconds: 4"), "between 5 and 3600")


def test_ic206_request_timeout_above_ten_minutes(tmp_path):
    spec = BASE + "servingConfiguration: {requestTimeoutSeconds: 900}\n"
    d = only(run(tmp_path, spec), "IC206")
    check(d, "requestTimeoutSeconds 900 is outside 5 s - 10 min", at(workload_doc(spec), "requestTimeoutSeconds: 900"),
          "between 5 and 600")


def test_ic206_request_timeout_above_cluster_maximum(tmp_path):
    cluster = CLUSTER.replace("  knative:\n", "  knative:\n    maxRevisionTimeoutSeconds: 300\n")
    spec = BASE + "servingConfiguration: {requestTimeoutSeconds: 600}\n"
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": cluster}), "IC206")
    check(d, "above cluster 'prod''s max-revision-timeout-seconds (300)",
          at(workload_doc(spec), "requestTimeoutSeconds: 600"), "at most 300")


def test_ic206_timeouts_in_range_pass(tmp_path):
    spec = BASE + "servingConfiguration: {initializationTimeoutSeconds: 1800, requestTimeoutSeconds: 600}\n"
    none_of(run(tmp_path, spec), "IC206")


def test_a_misspelt_metric_gets_a_did_you_mean(tmp_path):
    from compiler.pipeline import analyse
    from repo_builder import make_repo, workload

    spec = "autoscaling: {minReplicas: 1, maxReplicas: 3, metric: thruput, metricThreshold: 5}"
    make_repo(tmp_path, {"workloads/nlp/chat.yaml": workload("chat", spec)})
    found = [d for d in analyse(tmp_path).diagnostics if d.code == "IC204" and "thruput" in d.message]
    assert found and found[0].hint.startswith("did you mean 'throughput'?")
