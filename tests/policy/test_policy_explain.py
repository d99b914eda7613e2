"""explain_data / format_explain_text: effective values, where they were set, the rules on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from policy_helpers import policy, workload

from compiler.explain import explain_data, find_workloads, format_explain_text
from compiler.pipeline import analyse

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "policies" / "runai-example"


@pytest.fixture(scope="module")
def analysis():
    return analyse(ROOT)


def rows_by_path(data: dict) -> dict[str, dict]:
    return {r["path"]: r for r in data["rows"]}


def test_unknown_workload_is_none(analysis):
    assert explain_data(analysis, "nope") is None
    assert explain_data(analysis, "chat", project="vision") is None


def test_header_and_policies(analysis):
    data = explain_data(analysis, "chat", project="nlp")
    assert (data["workload"], data["project"], data["file"]) == ("chat", "nlp", "workloads/nlp/chat.yaml")
    assert data["policies"] == [
        {"name": "infc-baseline", "scope": "tenant", "file": "<infc>/policies/baseline.yaml"},
        {"name": "research-inference", "scope": "department research", "file": "policies/research.yaml"},
    ]
    json.dumps(data)  # plain data, ready for --format json


def test_rows_in_spec_order_with_sources_and_rules(analysis):
    data = explain_data(analysis, "chat")
    paths = [r["path"] for r in data["rows"]]
    assert paths[:4] == ["huggingFace.model", "huggingFace.server", "huggingFace.modelStore", "image"]
    assert paths.index("compute.gpuDevicesRequest") < paths.index("compute.cpuCoreRequest") < paths.index("autoscaling.minReplicas")
    rows = rows_by_path(data)
    assert rows["compute.cpuMemoryRequest"] == {
        "path": "compute.cpuMemoryRequest", "value": "16G", "source": "assets/assets.yaml:12:72",
        "rules": [
            {"attribute": "min", "value": "1G", "policy": "research-inference", "source": "policies/research.yaml:59:14"},
            {"attribute": "max", "value": "20G", "policy": "research-inference", "source": "policies/research.yaml:60:14"},
        ]}
    assert rows["imagePullPolicy"]["source"] == "policies/research.yaml:14:22"
    assert rows["imagePullPolicy"]["rules"][0]["attribute"] == "canEdit"
    assert rows["priorityClass"]["source"] == "<infc>/policies/baseline.yaml:11:20"


def test_lists_flattened_with_indices(analysis):
    rows = rows_by_path(explain_data(analysis, "chat"))
    assert rows["environmentVariables[1].value"]["value"] == "INFO"
    assert rows["environmentVariables[1].value"]["source"] == "policies/research.yaml:23:18"
    assert rows["storage.pvc[0].path"]["source"] == "assets/assets.yaml:24:15"
    assert rows["nodePools"]["value"] == ["h100", "l40s"]
    env = rows["environmentVariables"]
    assert env["value"] == ["HF_HUB_ENABLE_HF_TRANSFER", "VLLM_LOGGING_LEVEL"]
    assert [(r["attribute"], r["value"]) for r in env["rules"]] == [("instances.locked", "VLLM_LOGGING_LEVEL")]


def test_rules_on_unset_fields_get_a_row(analysis):
    rows = rows_by_path(explain_data(analysis, "chat"))
    assert rows["security.runAsUid"]["value"] is None and rows["security.runAsUid"]["source"] is None
    assert rows["security.runAsUid"]["rules"][0]["attribute"] == "min"
    assert rows["compute.extendedResources"]["rules"][0]["attribute"] == "instances.canAdd"


def test_overridden_rules_are_shown(tmp_path):
    from policy_helpers import at, make_repo

    files = {
        "workloads/nlp/chat.yaml": workload("chat", "environmentVariables: [{name: A, value: x}]"),
        "policies/c.yaml": policy("c", "cluster", "rules: {compute: {gpuDevicesRequest: {max: 4}}}"),
        "policies/p.yaml": policy("p", "project", """
            rules:
              compute: {gpuDevicesRequest: {max: 8}}
              environmentVariables: {attributes: {value: {required: true}}}
            """),
    }
    c_max = at("policies/c.yaml", files["policies/c.yaml"], "max: 4", "4")
    p_max = at("policies/p.yaml", files["policies/p.yaml"], "max: 8", "8")
    assert p_max == "policies/p.yaml:7:40"
    data = explain_data(analyse(make_repo(tmp_path, files)), "chat")
    rows = rows_by_path(data)
    rule = rows["compute.gpuDevicesRequest"]["rules"][0]
    assert (rule["policy"], rule["value"]) == ("c", 4)
    assert rule["overrides"] == [{"attribute": "max", "value": 8, "policy": "p", "source": p_max}]
    assert rows["environmentVariables[0].value"]["rules"][0]["attribute"] == "required"
    text = format_explain_text(data)
    assert f"max: 4  (policy c, {c_max})" in text
    assert f"overrides 8  (policy p, {p_max})" in text


def test_text_is_aligned(analysis):
    text = format_explain_text(explain_data(analysis, "chat"))
    lines = text.splitlines()
    assert lines[0] == "nlp/chat  (workloads/nlp/chat.yaml)"
    assert lines[1] == "policies, lowest precedence first: infc-baseline (tenant) < research-inference (department research)"
    header = next(i for i, line in enumerate(lines) if line.startswith("FIELD"))
    col = lines[header].index("VALUE")
    src = lines[header].index("SET BY")
    row = next(line for line in lines if line.startswith("compute.cpuMemoryRequest "))
    assert row[col:].startswith("16G ") and row[src:] == "assets/assets.yaml:12:72"
    assert any(line.strip() == "max: 20G  (policy research-inference, policies/research.yaml:60:14)" for line in lines)
    unset = next(line for line in lines if line.startswith("security.runAsUid "))
    assert unset[col:].startswith("(unset)") and unset.endswith("-")


def test_same_name_in_two_projects_needs_a_project(tmp_path):
    from policy_helpers import make_repo

    other = workload("chat").replace("project: nlp", "project: vision")
    root = make_repo(tmp_path, {
        "workloads/nlp/chat.yaml": workload("chat"),
        "workloads/vision/chat.yaml": other,
        "org/vision.yaml": """
            apiVersion: infc/v1
            kind: Project
            metadata: {name: vision}
            spec: {cluster: prod, department: research}
            """,
    })
    a = analyse(root)
    assert len(find_workloads(a, "chat")) == 2
    assert explain_data(a, "chat") is None
    assert explain_data(a, "chat", project="vision")["project"] == "vision"
