"""Generate a realistic GitOps repository of N inference workloads (for `make bench`)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

MODELS = ["Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B-Instruct", "microsoft/Phi-3-mini-4k-instruct",
          "Qwen/Qwen2.5-0.5B-Instruct", "google/gemma-2-2b-it", "mistralai/Mistral-7B-Instruct-v0.3"]


def generate(root: Path, workloads: int) -> Path:
    projects = max(2, workloads // 50)
    departments = max(1, projects // 10)
    # Half the workloads scale to zero; the others take a quarter of an H100 or a whole L40S.
    h100_nodes = max(2, math.ceil(workloads * 0.5 * 0.25 / 8 * 1.5))
    l40s_nodes = max(2, math.ceil(workloads * 0.5 / 4 * 0.5))
    (root / "clusters").mkdir(parents=True, exist_ok=True)
    (root / "org").mkdir(exist_ok=True)
    (root / "policies").mkdir(exist_ok=True)
    (root / "assets").mkdir(exist_ok=True)
    (root / "infc.yaml").write_text("apiVersion: infc/v1\nkind: Config\nspec: {output: deploy, delivery: argocd}\n")
    (root / "clusters/prod.yaml").write_text(f"""\
apiVersion: infc/v1
kind: Cluster
metadata: {{name: prod}}
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
    - name: h100
      nodes:
        - {{name: h100, count: {h100_nodes}, gpu: {{model: H100, count: 8, memory: 80Gi}}, cpu: 112, memory: 2Ti}}
    - name: l40s
      placement: spread
      nodes:
        - {{name: l40s, count: {l40s_nodes}, gpu: {{model: L40S, count: 4, memory: 48Gi}}, cpu: 64, memory: 512Gi}}
""")
    per_project = math.ceil(workloads / projects)
    org = []
    for d in range(departments):
        org.append(f"""apiVersion: infc/v1
kind: Department
metadata: {{name: dept-{d}}}
spec:
  cluster: prod
  resources:
    - {{nodePool: h100, gpu: {{deserved: -1}}}}
    - {{nodePool: l40s, gpu: {{deserved: -1}}}}
""")
    for p in range(projects):
        org.append(f"""apiVersion: infc/v1
kind: Project
metadata: {{name: team-{p}}}
spec:
  cluster: prod
  department: dept-{p % departments}
  defaultNodePools: [h100, l40s]
  resources:
    - {{nodePool: h100, gpu: {{deserved: {per_project}}}}}
    - {{nodePool: l40s, gpu: {{deserved: {per_project}}}}}
""")
    (root / "org/org.yaml").write_text("---\n".join(org))
    (root / "policies/tenant.yaml").write_text("""\
apiVersion: infc/v1
kind: Policy
metadata: {name: tenant}
spec:
  scope: {}
  defaults:
    imagePullPolicy: IfNotPresent
  rules:
    compute:
      gpuDevicesRequest: {max: 8}
    autoscaling:
      maxReplicas: {max: 10}
""")
    (root / "assets/cache.yaml").write_text("""\
apiVersion: infc/v1
kind: DataSource
metadata: {name: model-cache}
spec:
  pvc: {name: model-cache, path: /models, existingPvc: true, claimName: hf-cache}
---
apiVersion: infc/v1
kind: Credential
metadata: {name: hf-token}
spec: {type: genericSecret, secretName: hf-token, keys: [HF_TOKEN]}
""")
    for i in range(workloads):
        project = f"team-{i % projects}"
        path = root / "workloads" / project / f"model-{i}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(workload_text(i, project))
    return root


def workload_text(i: int, project: str, max_model_len: int = 8192) -> str:
    model = MODELS[i % len(MODELS)]
    if i % 2 == 0:
        compute = "{gpuDevicesRequest: 1, gpuPortionRequest: 0.25, cpuCoreRequest: 2, cpuMemoryRequest: 16Gi}"
        autoscaling = "{minReplicas: 1, maxReplicas: 3, metric: concurrency, metricThreshold: 8}"
        pools = "[h100]"
    else:
        compute = "{gpuDevicesRequest: 1, cpuCoreRequest: 4, cpuMemoryRequest: 32Gi}"
        autoscaling = "{minReplicas: 0, maxReplicas: 2, metric: concurrency, metricThreshold: 4}"
        pools = "[l40s]"
    return f"""\
apiVersion: infc/v1
kind: InferenceWorkload
metadata:
  name: model-{i}
  project: {project}
spec:
  dataSources: [model-cache]
  huggingFace:
    model: {model}
    server: {'tgi' if i % 5 == 0 else 'vllm'}
    credential: hf-token
    modelStore: model-cache
    maxModelLen: {max_model_len}
  compute: {compute}
  autoscaling: {autoscaling}
  nodePools: {pools}
  environmentVariables:
    - {{name: LOG_LEVEL, value: info}}
  labels:
    - {{name: team, value: {project}}}
"""


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
