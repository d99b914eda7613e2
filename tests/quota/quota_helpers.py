"""Documents for the quota, capacity and rolling-update tests."""

from __future__ import annotations

import textwrap

from compiler.pipeline import analyse


def wl(name: str, body: str = "compute: {gpuDevicesRequest: 1, cpuCoreRequest: 4, cpuMemoryRequest: 32G}",
       project: str = "nlp") -> str:
    """An InferenceWorkload document; `body` is YAML under spec (huggingFace is added)."""
    head = textwrap.dedent(f"""\
        apiVersion: infc/v1
        kind: InferenceWorkload
        metadata: {{name: {name}, project: {project}}}
        spec:
          huggingFace: {{model: Qwen/Qwen2.5-7B-Instruct, server: vllm}}
        """)
    return head + textwrap.indent(textwrap.dedent(body).strip("\n"), "  ") + "\n"


def cluster(pools: str, extra: str = "") -> str:
    """A Cluster `prod` document with the given nodePools YAML (a list, 2-space indented)."""
    return textwrap.dedent("""\
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
        """) + textwrap.indent(textwrap.dedent(extra).strip("\n"), "  ") + ("\n" if extra else "") + \
        "  nodePools:\n" + textwrap.indent(textwrap.dedent(pools).strip("\n"), "    ") + "\n"


def org(dept_resources: str = "[{nodePool: h100, gpu: {deserved: 16}}, {nodePool: l40s, gpu: {deserved: 16}}]",
        project_resources: str = "[{nodePool: h100, gpu: {deserved: 8}}, {nodePool: l40s, gpu: {deserved: 8}}]",
        dept_extra: str = "", more: str = "") -> str:
    text = textwrap.dedent(f"""\
        apiVersion: infc/v1
        kind: Department
        metadata: {{name: research}}
        spec:
          cluster: prod
          resources: {dept_resources}
        """) + textwrap.indent(textwrap.dedent(dept_extra).strip("\n"), "  ") + ("\n" if dept_extra else "")
    text += textwrap.dedent(f"""\
        ---
        apiVersion: infc/v1
        kind: Project
        metadata: {{name: nlp}}
        spec:
          cluster: prod
          department: research
          defaultNodePools: [h100, l40s]
          resources: {project_resources}
        """)
    if more:
        text += "---\n" + textwrap.dedent(more).lstrip("\n")
    return text


def h100_org(department: str, project: str) -> str:
    """Department and project with GPU quota in pool h100 only: `{deserved: ..}` bodies."""
    return org(f"[{{nodePool: h100, gpu: {department}}}]", f"[{{nodePool: h100, gpu: {project}}}]")


def codes(analysis, *wanted: str) -> list:
    return [d for d in analysis.diagnostics if d.code in wanted]


__all__ = ["wl", "cluster", "org", "h100_org", "codes", "analyse"]
