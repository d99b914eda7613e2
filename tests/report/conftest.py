from __future__ import annotations

from pathlib import Path

import pytest

from compiler.diagnostics import Diagnostic, Location, Severity

WORKLOAD = """\
apiVersion: infc.dev/v1
kind: InferenceWorkload
metadata:
  name: llama
spec:
  replcas: 2
  model: meta-llama/Llama-3.1-8B
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "workloads").mkdir()
    (tmp_path / "workloads" / "llama.yaml").write_text(WORKLOAD)
    return tmp_path


@pytest.fixture
def diags() -> list[Diagnostic]:
    # Deliberately out of order: every reporter sorts.
    return [
        Diagnostic(
            "IC502",
            "weights plus overhead (17.2 GiB) exceed the GPU memory (16 GiB)",
            Location("workloads/llama.yaml", 7, 10),
            hint="use a larger GPU, or quantize the model",
        ),
        Diagnostic(
            "IC006",
            "unknown field 'replcas'",
            Location("workloads/llama.yaml", 6, 3),
            hint="did you mean 'replicas'?",
        ),
        Diagnostic("IC503", "parameter count unknown, fit not checked", severity=Severity.INFO),
        Diagnostic("IC008", "environment 'vllm' not found", Location("projects/a.yaml", 3, 5)),
    ]
