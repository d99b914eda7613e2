"""The Argo CD Config Management Plugin in docs/argocd/plugin.yaml, run as Argo CD would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from support import PROJECT


def _generate(repo: Path) -> subprocess.CompletedProcess:
    plugin = yaml.safe_load((PROJECT / "docs/argocd/plugin.yaml").read_text())
    generate = plugin["spec"]["generate"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "ARGOCD_ENV_INFC_CLUSTER": "prod"}
    return subprocess.run([*generate["command"], *generate["args"]], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


def test_plugin_streams_every_manifest(example_copy: Path):
    result = _generate(example_copy)
    assert result.returncode == 0, result.stderr
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    kinds = {d["kind"] for d in docs}
    assert {"Service", "Queue", "PriorityClass", "Namespace"} <= kinds
    assert sum(1 for d in docs if d["kind"] == "Service" and d["apiVersion"].startswith("serving")) == 8
    assert "ApplicationSet" not in kinds and "Kustomization" not in kinds


def test_plugin_fails_loudly_instead_of_streaming_nothing(example_copy: Path):
    bad = example_copy / "workloads/nlp/llama-chat.yaml"
    bad.write_text(bad.read_text().replace("maxModelLen: 8192", "maxModelLen: lots"))
    result = _generate(example_copy)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "IC007" in result.stderr
