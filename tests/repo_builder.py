"""Build small GitOps repositories in temporary directories for tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

BASE_FILES = {
    "clusters/prod.yaml": """
        apiVersion: infc/v1
        kind: Cluster
        metadata: {name: prod}
        spec:
          scheduler: kai
          gpuSharing: true
          domain: inference.example.com
          knative:
            features:
              kubernetes.podspec-schedulername: enabled
              kubernetes.podspec-affinity: enabled
              kubernetes.podspec-tolerations: enabled
              kubernetes.podspec-nodeselector: enabled
              kubernetes.podspec-securitycontext: enabled
              kubernetes.podspec-priorityclassname: enabled
              kubernetes.podspec-persistent-volume-claim: enabled
              kubernetes.podspec-persistent-volume-write: enabled
              kubernetes.containerspec-addcapabilities: enabled
          nodePools:
            - name: h100
              nodes:
                - {name: dgx-h100, count: 2, gpu: {model: H100, count: 8, memory: 80Gi}, cpu: 112, memory: 2Ti,
                   labels: {run.ai/type: dgx-h100}}
            - name: l40s
              nodes:
                - {name: l40s-node, count: 4, gpu: {model: L40S, count: 4, memory: 48Gi}, cpu: 64, memory: 512Gi}
    """,
    "org/research.yaml": """
        apiVersion: infc/v1
        kind: Department
        metadata: {name: research}
        spec:
          cluster: prod
          resources:
            - {nodePool: h100, gpu: {deserved: 16}}
            - {nodePool: l40s, gpu: {deserved: 16}}
        ---
        apiVersion: infc/v1
        kind: Project
        metadata: {name: nlp}
        spec:
          cluster: prod
          department: research
          defaultNodePools: [h100, l40s]
          resources:
            - {nodePool: h100, gpu: {deserved: 8}}
            - {nodePool: l40s, gpu: {deserved: 8}}
    """,
}

WORKLOAD = """
    apiVersion: infc/v1
    kind: InferenceWorkload
    metadata: {{name: {name}, project: nlp}}
    spec:
      huggingFace: {{model: Qwen/Qwen2.5-7B-Instruct, server: vllm}}
      compute: {{gpuDevicesRequest: 1, cpuCoreRequest: 4, cpuMemoryRequest: 32G}}
"""


def make_repo(root: Path, files: dict[str, str] | None = None, *, base: bool = True) -> Path:
    """Write BASE_FILES (unless base=False) plus `files` (dedented) under `root`; returns root.

    A value of None in `files` removes that base file."""
    all_files = dict(BASE_FILES) if base else {}
    all_files.update(files or {})
    for rel, text in all_files.items():
        if text is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def workload(name: str = "chat", spec_extra: str = "") -> str:
    """A valid workload document; `spec_extra` is YAML appended under spec (2-space indented)."""
    text = textwrap.dedent(WORKLOAD.format(name=name))
    if spec_extra:
        text += textwrap.indent(textwrap.dedent(spec_extra).strip("\n"), "  ") + "\n"
    return text
