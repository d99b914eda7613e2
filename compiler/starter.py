"""`infc init`: a starter repository that compiles clean, to copy and grow."""

from __future__ import annotations

from pathlib import Path

SCHEMA_LINE = "# yaml-language-server: $schema=infc.schema.json\n"

FILES = {
    "infc.yaml": """\
apiVersion: infc/v1
kind: Config
spec:
  output: deploy
  delivery: argocd          # argocd | flux | plain
  repoURL: https://git.example.com/platform/inference.git
  targetRevision: main
""",
    "clusters/prod.yaml": """\
apiVersion: infc/v1
kind: Cluster
metadata:
  name: prod
spec:
  scheduler: kai
  gpuSharing: true
  domain: inference.example.com
  knative:
    features:
      kubernetes.podspec-schedulername: enabled
      kubernetes.podspec-priorityclassname: enabled
      kubernetes.podspec-nodeselector: enabled
      kubernetes.podspec-persistent-volume-claim: enabled
      kubernetes.podspec-persistent-volume-write: enabled
  nodePools:
    - name: a100
      nodes:
        - name: a100-node
          count: 2
          gpu: {model: A100-80GB, count: 4, memory: 80Gi}
          cpu: 64
          memory: 512Gi
""",
    "org/team.yaml": """\
apiVersion: infc/v1
kind: Department
metadata:
  name: ml
spec:
  cluster: prod
  resources:
    - nodePool: a100
      gpu: {deserved: 8}
---
apiVersion: infc/v1
kind: Project
metadata:
  name: team-a
spec:
  cluster: prod
  department: ml
  defaultNodePools: [a100]
  resources:
    - nodePool: a100
      gpu: {deserved: 4}
""",
    "assets/model-cache.yaml": """\
apiVersion: infc/v1
kind: DataSource
metadata:
  name: model-cache
spec:
  pvc: {name: model-cache, path: /models, existingPvc: true, claimName: hf-model-cache}
""",
    "workloads/team-a/qwen.yaml": """\
apiVersion: infc/v1
kind: InferenceWorkload
metadata:
  name: qwen
  project: team-a
spec:
  huggingFace:
    model: Qwen/Qwen2.5-7B-Instruct
    server: vllm
    modelStore: model-cache
    maxModelLen: 8192
  compute:
    gpuDevicesRequest: 1
    cpuCoreRequest: 4
    cpuMemoryRequest: 32Gi
  autoscaling:
    minReplicas: 1
    maxReplicas: 2
    metric: concurrency
    metricThreshold: 8
""",
}


def write_starter(directory: Path) -> list[str]:
    import json

    from compiler.schema import json_schema

    directory.mkdir(parents=True, exist_ok=True)
    for rel, text in FILES.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = SCHEMA_LINE.replace("infc.schema.json", "../" * rel.count("/") + "infc.schema.json")
        path.write_text(prefix + text)
    (directory / "infc.schema.json").write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n")
    return sorted([*FILES, "infc.schema.json"])
