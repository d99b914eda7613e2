"""The `default` (kube-scheduler) flavour: whole GPUs only, no KAI fields in the Service."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from repo_builder import BASE_FILES, make_repo, workload
from support import run_infc

DEFAULT_CLUSTER = BASE_FILES["clusters/prod.yaml"].replace("scheduler: kai", "scheduler: default")


def test_default_scheduler_service_has_no_kai_fields(tmp_path: Path):
    make_repo(tmp_path, {"clusters/prod.yaml": DEFAULT_CLUSTER,
                         "workloads/nlp/chat.yaml": workload("chat", "nodePools: [h100]")})
    result = run_infc("compile", str(tmp_path))
    assert result.returncode == 0, result.stdout
    service = yaml.safe_load((tmp_path / "deploy/prod/runai-nlp/chat/service.yaml").read_text())
    template = service["spec"]["template"]
    pod = template["spec"]
    assert "schedulerName" not in pod and "priorityClassName" not in pod
    assert not any(k.startswith("kai.scheduler/") for k in template["metadata"]["labels"])
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert pod["nodeSelector"] == {"kai.scheduler/node-pool": "h100"}
    assert not list((tmp_path / "deploy/prod/cluster").glob("queue-*.yaml"))


def test_default_scheduler_refuses_gpu_fractions(tmp_path: Path):
    spec = "compute: {gpuDevicesRequest: 1, gpuPortionRequest: 0.5, cpuCoreRequest: 2, cpuMemoryRequest: 8Gi}"
    text = workload("chat").replace(
        "  compute: {gpuDevicesRequest: 1, cpuCoreRequest: 4, cpuMemoryRequest: 32G}\n", f"  {spec}\n")
    make_repo(tmp_path, {"clusters/prod.yaml": DEFAULT_CLUSTER, "workloads/nlp/chat.yaml": text})
    result = run_infc("compile", str(tmp_path), "--format", "json")
    assert result.returncode == 1
    codes = {d["code"] for d in json.loads(result.stdout)["diagnostics"]}
    assert "IC203" in codes
    assert not (tmp_path / "deploy").exists()
