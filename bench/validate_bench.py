"""Benchmark: validate N generated Knative Services and Deployments with `validate_document`.

Usage: python bench/validate_bench.py [N]   (default 3000; half Services, half Deployments)
Prints manifests validated per second and peak memory. Not a test: nothing is asserted.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compiler.load.document import Document  # noqa: E402
from compiler.validate import ValidationSettings, validate_document  # noqa: E402

SECURE = {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
          "seccompProfile": {"type": "RuntimeDefault"}, "capabilities": {"drop": ["ALL"]}}


def knative_service(i: int) -> dict:
    name = f"model-{i:05d}"
    return {
        "apiVersion": "serving.knative.dev/v1", "kind": "Service",
        "metadata": {"name": name, "namespace": f"team-{i % 17}", "labels": {"app": name},
                     "annotations": {"infc/source": f"workloads/{name}.yaml", "infc/spec-hash": f"{i:040x}"}},
        "spec": {"template": {
            "metadata": {"name": f"{name}-00001", "annotations": {
                "autoscaling.knative.dev/min-scale": "1", "autoscaling.knative.dev/max-scale": str(2 + i % 6),
                "autoscaling.knative.dev/target": "8", "autoscaling.knative.dev/metric": "concurrency",
                "autoscaling.knative.dev/window": "60s"}},
            "spec": {
                "containerConcurrency": 16, "timeoutSeconds": 600, "schedulerName": "kai-scheduler",
                "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                "containers": [{
                    "name": "server", "image": "vllm/vllm-openai:v0.6.3",
                    "args": ["--model", f"/models/{name}", "--port", "8080"],
                    "ports": [{"name": "http1", "containerPort": 8080}],
                    "env": [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf", "key": "token"}}}],
                    "resources": {"requests": {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": 1},
                                  "limits": {"memory": "32Gi", "nvidia.com/gpu": 1}},
                    "readinessProbe": {"httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 10},
                    "securityContext": SECURE,
                    "volumeMounts": [{"name": "dshm", "mountPath": "/dev/shm"},
                                     {"name": "weights", "mountPath": "/models", "readOnly": True}],
                }],
                "volumes": [{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "16Gi"}},
                            {"name": "weights", "persistentVolumeClaim": {"claimName": "weights", "readOnly": True}}],
            }},
            "traffic": [{"latestRevision": True, "percent": 100}]},
    }


def deployment(i: int) -> dict:
    name = f"tools-{i:05d}"
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": f"team-{i % 17}"},
        "spec": {"replicas": 1 + i % 3, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{
                     "name": "tools", "image": "ghcr.io/acme/tools:1.2", "ports": [{"containerPort": 8000}],
                     "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}]}}},
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    settings = ValidationSettings(features={"kubernetes.podspec-schedulername": "enabled",
                                            "kubernetes.podspec-tolerations": "enabled",
                                            "kubernetes.podspec-persistent-volume-claim": "enabled"})
    docs = [Document(f"deploy/{i}.yaml", 0, knative_service(i) if i % 2 == 0 else deployment(i)) for i in range(n)]
    start = time.perf_counter()
    first = validate_document(docs[0], settings) + validate_document(docs[1], settings)  # compiles schemas
    warm = time.perf_counter()
    problems = len(first)
    for doc in docs[2:]:
        problems += len(validate_document(doc, settings))
    end = time.perf_counter()
    # Memory in a second pass: tracemalloc slows allocation down and would distort the timing.
    tracemalloc.start()
    for doc in docs:
        validate_document(doc, settings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"manifests:        {n} ({(n + 1) // 2} Knative Services, {n // 2} Deployments)")
    print(f"diagnostics:      {problems}")
    print(f"schema compile:   {(warm - start) * 1000:.0f} ms (first Service + first Deployment)")
    print(f"validate:         {(end - warm) * 1000:.0f} ms, {(n - 2) / (end - warm):,.0f} manifests/s")
    print(f"total:            {(end - start) * 1000:.0f} ms, {n / (end - start):,.0f} manifests/s")
    print(f"peak memory:      {peak / 1e3:.0f} kB traced while validating, {rss:.0f} MB max RSS"
          " (process, including the generated manifests)")


if __name__ == "__main__":
    main()
