"""The seed's rolling-update example through the real command: 3 → 8 replicas needs 8 more GPUs."""

from __future__ import annotations

import json
from pathlib import Path

from repo_builder import make_repo, workload
from support import run_infc

ORG = """
    apiVersion: infc/v1
    kind: Department
    metadata: {name: research}
    spec:
      cluster: prod
      resources: [{nodePool: h100, gpu: {deserved: 16}}]
    ---
    apiVersion: infc/v1
    kind: Project
    metadata: {name: nlp}
    spec:
      cluster: prod
      department: research
      defaultNodePools: [h100]
      resources: [{nodePool: h100, gpu: {deserved: DESERVED}}]
"""


def _repo(tmp_path: Path, deserved: int, replicas: int) -> Path:
    spec = f"""
    autoscaling: {{minReplicas: {replicas}, maxReplicas: 8, metric: concurrency, metricThreshold: 4}}
    nodePools: [h100]
    """
    return make_repo(tmp_path, {"org/research.yaml": ORG.replace("DESERVED", str(deserved)),
                                "workloads/nlp/chat.yaml": workload("chat", spec)})


def _scale(repo: Path, replicas: int) -> None:
    path = repo / "workloads/nlp/chat.yaml"
    text = path.read_text()
    path.write_text(text.replace("minReplicas: 3", f"minReplicas: {replicas}"))


def test_scaling_3_to_8_needs_room_for_both_revisions(tmp_path: Path):
    repo = _repo(tmp_path, deserved=10, replicas=3)
    assert run_infc("compile", str(repo)).returncode == 0
    _scale(repo, 8)  # 8 fits the quota alone, but not beside the running 3
    result = run_infc("compile", str(repo), "--format", "json")
    assert result.returncode == 1
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "IC406"]
    assert len(found) == 1 and found[0]["file"] == "workloads/nlp/chat.yaml"
    assert "8" in found[0]["message"]
    lock = json.loads((repo / "deploy/prod/infc.lock.json").read_text())
    assert lock["workloads"]["runai-nlp/chat"]["revision"] == 1  # nothing written


def test_the_same_update_passes_with_room_for_11_gpus(tmp_path: Path):
    repo = _repo(tmp_path, deserved=11, replicas=3)
    assert run_infc("compile", str(repo)).returncode == 0
    _scale(repo, 8)
    result = run_infc("compile", str(repo))
    assert result.returncode == 0, result.stdout
    lock = json.loads((repo / "deploy/prod/infc.lock.json").read_text())
    assert lock["workloads"]["runai-nlp/chat"]["revision"] == 2
