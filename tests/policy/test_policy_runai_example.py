"""fixtures/policies/runai-example: Run:ai's documented full policy, adapted to inference."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.pipeline import analyse

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "policies" / "runai-example"
POL = "policies/research.yaml:"

# Every input and policy diagnostic the repository must produce (other checks are not
# this fixture's subject): code, location, message fragment, hint.
EXPECTED = [
    ("IC104", "assets/assets.yaml:18:32", f"compute.gpuDevicesRequest is 8, above the maximum 4 of policy 'research-inference' ({POL}53) (workload nlp/big)",
     "set compute.gpuDevicesRequest to at most 4"),
    ("IC104", "assets/assets.yaml:18:73", f"compute.cpuMemoryRequest is 32Gi, above the maximum 20G of policy 'research-inference' ({POL}60)",
     "set compute.cpuMemoryRequest to at most 20G"),
    ("IC102", "assets/assets.yaml:30:20", f"imagePullPolicy is Always, but policy 'research-inference' ({POL}46) does not allow editing it: it must be IfNotPresent (the default at {POL}14)",
     "remove imagePullPolicy from assets/assets.yaml (or set it to IfNotPresent)"),
    ("IC104", "workloads/nlp/big.yaml:10:30", "autoscaling.maxReplicas is 8, above the maximum 4",
     "set autoscaling.maxReplicas to at most 4"),
    ("IC102", "workloads/nlp/tinker.yaml:10:22", "compute.largeShmRequest is false, but policy 'research-inference'",
     "remove compute.largeShmRequest from workloads/nlp/tinker.yaml (or set it to true)"),
    ("IC107", "workloads/nlp/tinker.yaml:12:9", f"compute.extendedResources adds 'nvidia.com/mig-1g.10gb', but policy 'research-inference' ({POL}68) does not allow adding items",
     "remove 'nvidia.com/mig-1g.10gb' from compute.extendedResources in workloads/nlp/tinker.yaml"),
    ("IC108", "workloads/nlp/tinker.yaml:14:7", f"environmentVariables excludes 'VLLM_LOGGING_LEVEL', which policy 'research-inference' ({POL}50) locks",
     "remove the 'exclude: true' item 'VLLM_LOGGING_LEVEL' from workloads/nlp/tinker.yaml"),
    ("IC108", "workloads/nlp/tinker.yaml:18:41", f"storage.emptyDirVolume 'triton-cache' sets sizeLimit to 4Gi, but policy 'research-inference' ({POL}79) locks this item: sizeLimit must stay 1Gi",
     "remove sizeLimit of 'triton-cache' from workloads/nlp/tinker.yaml"),
    ("IC103", "workloads/nlp/tinker.yaml:19:46", f"security.runAsUid is 0, below the minimum 1 of policy 'research-inference' ({POL}73)",
     "set security.runAsUid to at least 1"),
]


@pytest.fixture(scope="module")
def analysis():
    return analyse(ROOT)


def test_exactly_the_expected_policy_diagnostics(analysis):
    got = [d for d in analysis.diagnostics if d.code[:3] in ("IC0", "IC1")]
    assert [(d.code, str(d.location)) for d in got] == [(c, loc) for c, loc, _, _ in EXPECTED]
    for d, (_, _, fragment, hint) in zip(got, EXPECTED):
        assert fragment in d.message
        assert d.hint == hint
        assert d.related and d.related[0].file == "policies/research.yaml"


def test_compliant_workload_gets_defaults_and_imposed_asset(analysis):
    w = next(w for w in analysis.workloads if w.key == "nlp/chat")
    s = w.spec
    assert s.imagePullPolicy == "IfNotPresent" and s.nodePools == ["h100", "l40s"]
    assert [(e.name, e.value) for e in s.environmentVariables] == [
        ("HF_HUB_ENABLE_HF_TRANSFER", "1"), ("VLLM_LOGGING_LEVEL", "INFO")]
    assert (s.compute.cpuCoreRequest, s.compute.cpuCoreLimit, s.compute.cpuMemoryRequest) == (4, 20, "16G")
    assert s.compute.largeShmRequest is True and s.security.allowPrivilegeEscalation is False
    assert [(v.name, v.existingPvc) for v in s.storage.pvc] == [("model-cache", True)]  # attributes default
    assert str(w.loc("storage", "pvc", 0, "existingPvc")).startswith("policies/research.yaml:35:")
    assert [v.name for v in s.storage.emptyDirVolume] == ["scratch", "triton-cache"]
    assert str(w.loc("compute", "cpuMemoryRequest")) == "assets/assets.yaml:12:72"
