"""A literal token planted anywhere in the input is refused and never echoed, in any format."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from repo_builder import make_repo, workload
from support import run_infc

HF = "hf_" + "Zq8LmN3pQr5StUvWxYz0123456789abcdEF"
NGC = "nvapi-" + "Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOp"
AWS = "AKIA" + "QWERTYUIOPASDFGH"
GITHUB = "ghp_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"

PLANTS = {
    "env value": ("workloads/nlp/chat.yaml", workload("chat", f"""
        environmentVariables:
          - {{name: LOG_CONFIG, value: "{HF}"}}
        """)),
    "hf token field": ("workloads/nlp/chat.yaml", workload("chat").replace(
        "server: vllm}", f"server: vllm, token: {HF}}}")),
    "args": ("workloads/nlp/chat.yaml", workload("chat", f"""
        args: ["--api-key", "{NGC}"]
        """)),
    "label": ("workloads/nlp/chat.yaml", workload("chat", f"""
        labels: [{{name: note, value: "{GITHUB}"}}]
        """)),
    "annotation in metadata": ("workloads/nlp/chat.yaml", workload("chat").replace(
        "project: nlp}", f"project: nlp, annotations: {{note: {AWS}}}}}")),
    "policy default": ("policies/tenant.yaml", f"""
        apiVersion: infc/v1
        kind: Policy
        metadata: {{name: tenant}}
        spec:
          defaults:
            environmentVariables:
              - {{name: EXTRA, value: "Bearer {HF}"}}
        """),
    "environment asset image": ("assets/env.yaml", f"""
        apiVersion: infc/v1
        kind: Environment
        metadata: {{name: env}}
        spec: {{image: "registry.example.com/{GITHUB}/vllm:1.0"}}
        """),
    "cluster issuer": ("clusters/other.yaml", f"""
        apiVersion: infc/v1
        kind: Cluster
        metadata: {{name: other}}
        spec: {{istio: {{issuer: "https://{AWS}.example.com"}}}}
        """),
    "annotation key": ("workloads/nlp/chat.yaml", workload("chat", f"""
        annotations: [{{name: "{NGC}", value: x}}]
        """)),
}
SECRETS = (HF, NGC, AWS, GITHUB)


@pytest.mark.parametrize("where", sorted(PLANTS))
def test_planted_token_is_refused_and_never_echoed(tmp_path: Path, where: str):
    rel, text = PLANTS[where]
    files = {rel: text}
    if not rel.startswith("workloads/"):
        files["workloads/nlp/chat.yaml"] = workload("chat")
    make_repo(tmp_path, files)
    outputs = []
    for fmt in ("text", "json", "github", "sarif"):
        result = run_infc("compile", str(tmp_path), "--format", fmt)
        assert result.returncode == 1, (where, fmt, result.stdout)
        assert "IC301" in result.stdout
        outputs.append(result.stdout + result.stderr)
    explain = run_infc("explain", "chat", "--repo", str(tmp_path))
    outputs.append(explain.stdout + explain.stderr)
    for text_out in outputs:
        for secret in SECRETS:
            assert secret not in text_out, f"{where}: a token was echoed"
    assert not (tmp_path / "deploy").exists()


# A token written where a number or one of a few words belongs fails validation (IC007) before
# the secret checks run; the message quoting the value must not carry it either.
MISPLACED = {
    "number field": workload("chat").replace("cpuCoreRequest: 4", f"cpuCoreRequest: {HF}"),
    "enum field": workload("chat", f"""
        priorityClass: {GITHUB}
        """),
    "object name": workload("chat").replace("name: chat", f"name: {NGC}"),
    "cluster domain": workload("chat") + f"""---
apiVersion: infc/v1
kind: Cluster
metadata: {{name: other}}
spec: {{domain: "{AWS}.example.com"}}
""",
}


@pytest.mark.parametrize("where", sorted(MISPLACED))
def test_a_token_in_a_field_it_cannot_be_is_refused_and_never_echoed(tmp_path: Path, where: str):
    make_repo(tmp_path, {"workloads/nlp/chat.yaml": MISPLACED[where]})
    for fmt in ("text", "json", "github", "sarif"):
        result = run_infc("check", "--repo", str(tmp_path), "--format", fmt)
        assert result.returncode == 1, (where, fmt, result.stdout)
        for secret in SECRETS:
            assert secret not in result.stdout + result.stderr, f"{where} ({fmt}): a token was echoed"


def test_a_name_written_as_a_variable_reference_is_rendered_literally(tmp_path: Path):
    # The kubelet expands $(VAR) in args: served as "$(HF_TOKEN)", the model's public name
    # would be the token. infc's own arguments are escaped ($$); the user's extraArgs are not.
    make_repo(tmp_path, {"workloads/nlp/chat.yaml": workload("chat").replace(
        "server: vllm}", 'server: vllm, servedModelName: "$(HF_TOKEN)", extraArgs: ["--x=$(POD_NAME)"]}')})
    assert run_infc("compile", str(tmp_path)).returncode == 0
    service = yaml.safe_load((tmp_path / "deploy/prod/runai-nlp/chat/service.yaml").read_text())
    args = service["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--served-model-name") + 1] == "$$(HF_TOKEN)" and "--x=$(POD_NAME)" in args
